// SPDX-License-Identifier: MIT
#pragma once

#include <AsyncMySql/Row.h>

namespace AsyncMySql {

class ResultSetPrivate;

/*!
    What one statement produced: its columns and rows (empty for INSERT/UPDATE/...), the
    affected row count, the last insert id, and the warning count. Implicitly shared.
*/
class ASYNCMYSQL_EXPORT ResultSet
{
public:
    ResultSet();
    ResultSet(const ResultSet &);
    ResultSet &operator=(const ResultSet &);
    ~ResultSet();

    QList<Column> columns() const;
    QList<Row> rows() const;
    int size() const { return int(rows().size()); }
    //! True if the statement returned a result set (even an empty one).
    bool hasColumns() const;
    quint64 affectedRows() const;
    quint64 lastInsertId() const;
    int warningCount() const;
    quint16 serverStatus() const;
    //! The server's info string ("Records: 3  Duplicates: 0  Warnings: 0").
    QString info() const;

private:
    friend class ResultSetPrivate;
    explicit ResultSet(ResultSetPrivate *d);
    QSharedDataPointer<ResultSetPrivate> d;
};

/*! One row of SHOW WARNINGS. */
class ASYNCMYSQL_EXPORT Warning
{
public:
    Warning() = default;
    Warning(const QString &level, quint16 code, const QString &message)
        : m_level(level), m_message(message), m_code(code) { }
    QString level() const { return m_level; } //!< "Note", "Warning" or "Error"
    quint16 code() const { return m_code; }
    QString message() const { return m_message; }

private:
    QString m_level, m_message;
    quint16 m_code = 0;
};

/*! A result with rows: `AsyncMySql::ResultSet(2 rows, columns: id, name; (1, "apple"),
    (2, "pear"))`, at most the first 5 rows, then `... and N more`. Without rows (INSERT, ...):
    `AsyncMySql::ResultSet(affectedRows: 3, lastInsertId: 7)` plus warnings and info when set. */
ASYNCMYSQL_EXPORT QDebug operator<<(QDebug debug, const ResultSet &result);
//! `AsyncMySql::Warning(Note, 1051, "Unknown table 'test.t'")`.
ASYNCMYSQL_EXPORT QDebug operator<<(QDebug debug, const Warning &warning);

} // namespace AsyncMySql

Q_DECLARE_METATYPE(AsyncMySql::ResultSet)
