// SPDX-License-Identifier: MIT
#pragma once

#include <AsyncMySql/Column.h>

#include <QtCore/QExplicitlySharedDataPointer>
#include <QtCore/QVariant>

#include <utility>

namespace AsyncMySql {

class RowPrivate;

/*!
    One row of a result. Implicitly shared and cheap to copy (also across threads): it keeps the
    raw bytes the server sent and decodes a value only when it is read, so reading a column you
    never look at costs nothing.

    Values are typed as the design's table says: integers qint64 (BIGINT UNSIGNED quint64),
    DECIMAL an exact Decimal, DATETIME/TIMESTAMP DateTime, DATE QDate, TIME Duration, text
    QString, binary QByteArray, JSON QJsonDocument, BIT quint64, NULL a null QVariant.
*/
class ASYNCMYSQL_EXPORT Row
{
public:
    Row();
    Row(const Row &);
    Row(Row &&) noexcept;
    Row &operator=(const Row &);
    Row &operator=(Row &&) noexcept;
    ~Row();

    int size() const;
    bool isEmpty() const { return size() == 0; }
    bool isNull(int column) const;
    //! The decoded value; an invalid QVariant for an index out of range.
    QVariant value(int column) const;
    //! By column name (for Dict cursors the aiomysql key, "table.column" for duplicates).
    QVariant value(const QString &column) const;
    QVariant operator[](int column) const { return value(column); }
    QVariant operator[](const QString &column) const { return value(column); }
    /*! value(column).toLongLong(ok), value(column).toDouble(ok) and value(column).toString(),
        the same results, but decoded straight from the row's bytes for the common columns
        (integers; DOUBLE, FLOAT and DECIMAL; text), without a QVariant on the way: for loops
        over many rows. Other columns, and columns with a Converters decoder, go through
        value(). */
    qint64 toLongLong(int column, bool *ok = nullptr) const;
    double toDouble(int column, bool *ok = nullptr) const;
    QString toString(int column) const;
    //! The undecoded text the server sent (text protocol); null for SQL NULL.
    QByteArray rawValue(int column) const;

    QList<Column> columns() const;
    //! The keys of toMap(), in column order.
    QStringList keys() const;
    QVariantList toList() const;
    //! By key; a QVariantMap is sorted by key, so the column order is lost (see toPairs()).
    QVariantMap toMap() const;
    /*! (key, value) for each column, in column order: what aiomysql's DictCursor dict holds
        (keys as keys(): "table.column" for a repeated name). */
    QList<std::pair<QString, QVariant>> toPairs() const;
    //! toMap() for rows of a Dict cursor, toList() otherwise.
    QVariant toVariant() const;
    bool isDict() const;

private:
    friend class RowPrivate;
    explicit Row(RowPrivate *d);
    QExplicitlySharedDataPointer<RowPrivate> d;
};

/*! Prints a row as `AsyncMySql::Row(id=1, name="apple", price=NULL)`, keys in column order:
    text quoted, numbers as they are, NULL for SQL NULL, other values as QDebug prints them. */
ASYNCMYSQL_EXPORT QDebug operator<<(QDebug debug, const Row &row);

} // namespace AsyncMySql

Q_DECLARE_METATYPE(AsyncMySql::Row)
