// SPDX-License-Identifier: MIT
#pragma once

#include <AsyncMySql/Column.h>

#include <QtCore/QByteArray>
#include <QtCore/QByteArrayView>
#include <QtCore/QMetaType>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QVariant>

#include <functional>

namespace AsyncMySql {

class ConvertersPrivate;

/*!
    An SQL fragment written into a statement exactly as it is, with no quoting or escaping. An
    Encoder may return one (as a QVariant) for values that need SQL of their own, e.g.
    `ST_GeomFromText('POINT(1 2)')`. It is the encoder's job to make it safe.
*/
struct RawSql
{
    QByteArray sql;
};

/*!
    User conversions of values, per column type when reading and per QVariant type when writing
    (aiomysql's `conv` and encoders). Set in ConnectOptions::converters; implicitly shared.

    \code
    Converters conv;
    // DECIMAL into the application's own decimal type
    conv.setDecoder(Column::NewDecimal, [](const Column &, QByteArrayView text) {
        return QVariant::fromValue(Money::parse(text));
    });
    // ... and back: a Money parameter is written as its exact decimal text
    conv.setEncoder(QMetaType::fromType<Money>(), [](const QVariant &v) {
        return QVariant(v.value<Money>().toString());
    });
    // JSON as raw bytes instead of QJsonDocument
    conv.setDecoder(Column::Json, [](const Column &, QByteArrayView text) { return QVariant(text.toByteArray()); });
    \endcode
*/
class ASYNCMYSQL_EXPORT Converters
{
public:
    /*! Turns one non-NULL value of \a column, as the server sent it in the text protocol, into
        a QVariant (NULL is always a null QVariant). Runs when the value is read, on the
        thread reading it. */
    using Decoder = std::function<QVariant(const Column &column, QByteArrayView text)>;
    /*! Replaces a parameter before it is written: the result is written as usual (a QString
        is quoted and escaped, a number written as a number...), or verbatim for RawSql. */
    using Encoder = std::function<QVariant(const QVariant &value)>;

    Converters();
    Converters(const Converters &);
    Converters &operator=(const Converters &);
    ~Converters();

    /*! Decodes columns of protocol type \a type (Column::TypeCode) with \a decoder; a null
        decoder restores the built-in mapping. Column::Json also applies to MariaDB's JSON
        columns, which the server sends as text marked with the "json" format. */
    void setDecoder(quint8 type, Decoder decoder);
    Decoder decoder(quint8 type) const;
    //! Encodes parameters of \a type with \a encoder; a null encoder removes it.
    void setEncoder(QMetaType type, Encoder encoder);
    Encoder encoder(QMetaType type) const;
    bool isEmpty() const;

private:
    friend class ConvertersPrivate;
    QSharedDataPointer<ConvertersPrivate> d;
};

} // namespace AsyncMySql

Q_DECLARE_METATYPE(AsyncMySql::RawSql)
