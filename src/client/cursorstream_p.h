// SPDX-License-Identifier: MIT
#pragma once

#include "connection_p.h"

#include <AsyncMySql/Cursor.h>

#include <QtCore/QPointer>

#include <deque>
#include <memory>

namespace AsyncMySql {

/*!
    A streaming cursor's result (aiomysql SSCursor): rows are taken from the connection's
    StreamingSink as the cursor fetches them, so only a bounded number are ever held. One
    object per execute(); fetches wait in order for the rows they need.
*/
class CursorStream : public std::enable_shared_from_this<CursorStream>
{
public:
    CursorStream(Cursor *cursor, Connection *connection) : m_cursor(cursor), m_connection(connection) { }
    ~CursorStream();

    //! Sends \a sql; finishes once the first result's columns are known (-1) or, for a
    //! statement without a result set, with its affected rows.
    QFuture<qint64> start(const QByteArray &sql, bool dict, std::chrono::milliseconds timeout);
    //! The same for a framed \a packet (a prepared statement's COM_STMT_EXECUTE).
    QFuture<qint64> start(ConnectionPrivate::QueryPacket packet, bool dict, std::chrono::milliseconds timeout);
    //! The next \a count rows of the current result (fewer at its end); all of them if < 0.
    QFuture<QList<Row>> fetch(qint64 count);
    //! Skips \a count rows (forward scrolling).
    QFuture<void> skip(qint64 count);
    //! Skips the rest of the current result and moves to the next one.
    QFuture<bool> nextSet();
    //! Drops whatever the server still sends; finishes when the statement's reply is complete.
    QFuture<void> close();
    //! The cursor moves on (another statement, deletion): the rest is read and dropped, and
    //! waiting fetches fail.
    void abandon();

    QList<Column> description() const { return m_meta ? m_meta->columns : QList<Column>(); }
    qint64 rowCount() const { return m_rowCount; }
    qint64 position() const { return m_position; }
    quint64 lastRowId() const { return m_lastRowId; }
    int warningCount() const { return m_warningCount; }

private:
    struct Request
    {
        enum class Kind { Rows, Skip, Next, Drain } kind;
        qint64 want = 0;        //!< Rows, Skip: how many (-1: to the end of the result)
        QList<Row> rows;        //!< Rows: taken so far
        bool dropped = false;   //!< Next: the old result is gone
        bool found = false;     //!< Next: there is another result
        std::function<void(const ErrorInfo *, Request &)> done;
    };

    //! Serves waiting requests with what has arrived; runs inside the parser too.
    void pump();
    //! True once \a r is complete (or failed: then \a error is set).
    bool serve(Request &r, std::optional<ErrorInfo> &error);
    //! Takes rows of the current result for \a r; true once it has what it wants.
    bool takeRows(Request &r, std::optional<ErrorInfo> &error);
    //! Makes the sink's front result the current one.
    void adoptFront();
    //! Runs \a f from a queued call (the rule for every future), or now if the connection is gone.
    void later(std::function<void()> f);
    //! Nobody wants the rest: drop it as it comes, and ask the server to stop sending it.
    void dropRest();
    template<typename T>
    QFuture<T> request(Request::Kind kind, qint64 want, std::function<void(QPromise<T> &, Request &)> fulfil);

    QPointer<Cursor> m_cursor;
    QPointer<Connection> m_connection;
    std::shared_ptr<StreamingSink> m_sink;
    std::weak_ptr<PendingCommand> m_command; //!< the query, while its reply is being read
    bool m_done = false;                // the statement's reply is complete
    std::optional<ErrorInfo> m_error;   // ... with this error (reached after the rows before it)
    std::shared_ptr<QPromise<qint64>> m_started;
    std::deque<Request> m_requests;
    ResultMetaPtr m_meta;
    qint64 m_rowCount = -1;
    qint64 m_position = 0;
    qint64 m_taken = 0; // rows of the current result taken, for rowCount at its end
    quint64 m_lastRowId = 0;
    int m_warningCount = 0;
    bool m_rowsSignalled = false;
};

} // namespace AsyncMySql
