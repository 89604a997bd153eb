// SPDX-License-Identifier: MIT
// Prepared statements: the shared data behind PreparedStatement, and its parameters in their
// binary form.
#pragma once

#include <AsyncMySql/Connection.h>
#include <AsyncMySql/PreparedStatement.h>

#include "../protocol/binary.h"
#include "errors_p.h"

#include <QtCore/QHash>
#include <QtCore/QPointer>
#include <QtCore/QSharedData>

#include <vector>

namespace AsyncMySql {

class PreparedStatementPrivate : public QSharedData
{
public:
    PreparedStatementPrivate() = default;
    PreparedStatementPrivate(const PreparedStatementPrivate &) = delete;
    PreparedStatementPrivate &operator=(const PreparedStatementPrivate &) = delete;
    //! Queues COM_STMT_CLOSE unless it was closed, or its session ended, already.
    ~PreparedStatementPrivate();

    static PreparedStatement make(PreparedStatementPrivate *d) { return PreparedStatement(d); }
    static PreparedStatementPrivate *get(const PreparedStatement &s) { return s.d.data(); }

    QPointer<Connection> connection;
    quint64 epoch = 0; //!< ConnectionPrivate::statementEpoch when it was prepared
    quint32 id = 0;
    QString sql;
    QList<Column> params;
    QList<Column> columns;
    bool closed = false;
};

/*! The prepared statements of Connection::queryPrepared() and Cursor::executePrepared(), by
    their encoded SQL: at most capacity(), the least recently used dropped first (its handle:
    COM_STMT_CLOSE follows unless the user holds a copy). */
class StatementCache
{
public:
    int capacity() const { return m_capacity; }
    void setCapacity(int capacity) { m_capacity = qMax(0, capacity); }
    //! The statement prepared for \a sql (it becomes the most recent), or an invalid one.
    PreparedStatement find(const QByteArray &sql);
    //! Keeps \a statement for \a sql; the least recently used one goes if the cache is full.
    void insert(const QByteArray &sql, const PreparedStatement &statement);
    //! Drops every statement.
    void clear();
    qsizetype size() const { return m_entries.size(); }

private:
    struct Entry
    {
        PreparedStatement statement;
        quint64 used = 0;
    };
    QHash<QByteArray, Entry> m_entries;
    quint64 m_clock = 0;
    int m_capacity = 0;
};

/*! A parameter value sent ahead of COM_STMT_EXECUTE in COM_STMT_SEND_LONG_DATA packets. */
struct LongData
{
    quint16 param;
    QByteArray bytes;
};

/*!
    Writes \a args as the parameters of \a writer's COM_STMT_EXECUTE, each in the binary form of
    the value it holds (the same values the text protocol's literals stand for; \a converters'
    encoders apply first). Strings and byte arrays of \a longDataThreshold bytes or more go to
    \a longData instead (null: never). False, with \a error set, for a value that cannot be a
    parameter (a list, RawSql, an unknown type: ProgrammingError; NaN or infinity: DataError).
*/
bool writeParameters(Protocol::ExecuteWriter &writer, const QVariantList &args, TextEncoding encoding,
                     const Converters *converters, ErrorInfo &error, std::vector<LongData> *longData = nullptr,
                     qsizetype longDataThreshold = 0);
/*! writeParameters() for one row of \a writer's COM_STMT_BULK_EXECUTE, between its beginRow()
    and endRow(). */
bool writeParameters(Protocol::BulkWriter &writer, const QVariantList &args, TextEncoding encoding,
                     const Converters *converters, ErrorInfo &error);

} // namespace AsyncMySql
