// SPDX-License-Identifier: MIT
#pragma once

#include <AsyncMySql/Connection.h>

#include "../protocol/exchange.h"
#include "../transport/transport.h"
#include "errors_p.h"
#include "values_p.h"

#include <QtCore/QPromise>
#include <QtCore/QTimer>

#include <deque>
#include <functional>
#include <memory>

namespace AsyncMySql {

//! Collects every result of a query in memory (buffered cursors, Connection::query).
class BufferedSink final : public Protocol::ResultSink
{
public:
    void resultStarted(const ResultMetaPtr &meta) override;
    void rowReceived(Row &&row) override;
    void resultFinished(const ResultMetaPtr &meta, const Protocol::OkPacket &ok) override;

    QList<ResultSet> results;

private:
    ResultSetPrivate *m_current = nullptr;
    QList<Row> m_rows;
};

//! A command in the connection's queue: its bytes, its reply parser, and who waits for it.
struct PendingCommand
{
    using Done = std::function<void(const ErrorInfo *error)>;

    QByteArray packet; // framed, sequence id 0
    std::unique_ptr<Protocol::Exchange> exchange;
    std::shared_ptr<BufferedSink> sink; // queries only
    Done done;         // called from a queued call once the reply is complete or failed
    bool written = false;
    bool noReply = false; // COM_QUIT
};
using CommandPtr = std::shared_ptr<PendingCommand>;

template<typename T>
std::shared_ptr<QPromise<T>> startedPromise()
{
    auto p = std::make_shared<QPromise<T>>();
    p->start();
    return p;
}

class ConnectionPrivate
{
public:
    ConnectionPrivate(Connection *q, const ConnectOptions &options);
    ~ConnectionPrivate();

    static ConnectionPrivate *get(Connection *c) { return c->d.get(); }

    // --- commands -------------------------------------------------------------------------
    //! Queues \a cmd; writes it at once when connected (pipelining).
    void enqueue(const CommandPtr &cmd);
    void write(const CommandPtr &cmd);
    CommandPtr simpleCommand(Protocol::Command command, QByteArrayView argument, PendingCommand::Done done);
    //! A COM_QUERY whose results are buffered into \a cmd->sink.
    CommandPtr queryCommand(const QByteArray &sql, bool dict, PendingCommand::Done done);
    using QueryDone = std::function<void(const ErrorInfo *, const QList<ResultSet> &)>;
    //! Sends \a sql (already interpolated and encoded; may hold binary literals).
    void runQuery(const QByteArray &sql, QueryDone done);
    void runQuery(const QString &sql, QueryDone done) { runQuery(encodeText(sql, encoding), std::move(done)); }
    //! With echo on: logs \a sql and emits queryLogged.
    void logQuery(QByteArrayView sql);
    SqlWriter sqlWriter() const;
    //! A command that only needs OK (SET ..., COMMIT, ...): finishes \a promise.
    QFuture<void> statement(const QString &sql);
    //! What every new session runs after authentication: sql_mode, init_command.
    QStringList sessionStatements() const;
    //! COM_RESET_CONNECTION, then the session set up again from the options (Connection::resetConnection).
    void resetSession(std::function<void(const ErrorInfo *)> done);
    //! Connected, with no command queued or in flight: it may change hands.
    bool isIdle() const { return state == Connection::State::Connected && commands.empty(); }

    // --- connection lifecycle ----------------------------------------------------------------
    void open(std::function<void(const ErrorInfo *)> done);
    void onTransportConnected();
    void onReadyRead();
    void onTransportFailed(int code, const QString &message);
    void onConnectTimeout();
    void authenticated();
    void setupDone();
    //! Ends the connection: fails every pending command and waiter with \a error.
    void shutdown(const ErrorInfo &error, bool graceful = false);
    void setState(Connection::State state);
    void fatal(const ErrorInfo &error);

    // --- deferred work (never run user code inside readyRead) ---------------------------------
    void defer(std::function<void()> f);
    void flushDeferred();
    void emitError(const ErrorInfo &error);

    //! The error for using a connection that is not open.
    ErrorInfo notConnectedError() const;
    void updateFromOk(const Protocol::OkPacket &ok);
    bool applyCharset(const QString &charset, ErrorInfo *error);

    Connection *q;
    ConnectOptions options;
    Connection::State state = Connection::State::Closed;
    Transport *transport = nullptr;
    Protocol::PacketReader reader;
    std::unique_ptr<Protocol::ConnectExchange> connectExchange;
    std::deque<CommandPtr> commands; // front: the one whose reply is being read
    QList<std::function<void(const ErrorInfo *)>> openWaiters;
    QList<std::function<void()>> deferred;
    bool flushScheduled = false;
    bool destroying = false;
    bool lostConnection = false; // closed by the server or the network, not by close()
    QTimer connectTimer;
    int setupPending = 0;

    // What the server told us.
    QString serverVersion;
    quint32 threadId = 0;
    quint64 capabilities = 0;
    quint16 status = 0;
    quint64 insertId = 0;
    quint64 affectedRows = 0;
    QString database;
    QString charset;
    quint8 collation = Protocol::Collation::Utf8mb4GeneralCi;
    TextEncoding encoding = TextEncoding::Utf8;
    bool echo = false;
};

} // namespace AsyncMySql
