// SPDX-License-Identifier: MIT
#pragma once

#include <AsyncMySql/Connection.h>
#include <AsyncMySql/Cursor.h>

#include "../protocol/compression.h"
#include "../protocol/exchange.h"
#include "../protocol/session.h"
#include "../transport/transport.h"
#include "errors_p.h"
#include "interpolate_p.h"
#include "queuedcall_p.h"
#include "statement_p.h"
#include "streamingsink_p.h"
#include "values_p.h"

#include <QtCore/QFile>
#include <QtCore/QDeadlineTimer>
#include <QtCore/QPointer>
#include <QtCore/QPromise>
#include <QtCore/QTimer>

#include <deque>
#include <functional>
#include <memory>

namespace AsyncMySql {

class PreparedStatementPrivate;
class TransactionPrivate;
struct PreparedRun;

//! Collects every result of a query in memory (buffered cursors, Connection::query).
class BufferedSink final : public Protocol::ResultSink
{
public:
    void resultStarted(const ResultMetaPtr &meta) override;
    void rowReceived(Row &&row) override;
    void resultFinished(const ResultMetaPtr &meta, const Protocol::OkPacket &ok) override;

    //! The first result (an empty one if none arrived).
    const ResultSet &first() const { return m_first; }
    //! Every result, in order.
    QList<ResultSet> results() const;

private:
    /*! The first result apart: nearly every query has one, and a list of them (one more
        allocation per query) is made only for those who ask for all. */
    ResultSet m_first;
    QList<ResultSet> m_more; //!< the results after the first (multi-statement queries, CALL)
    qsizetype m_count = 0;
    QList<Row> m_rows;
};

/*! A command in the connection's queue: the session's part (its bytes, its reply parser, its
    place in the queue), and who waits for it. */
struct PendingCommand final : Protocol::Session::Command, std::enable_shared_from_this<PendingCommand>
{
    using Done = std::function<void(const ErrorInfo *error)>;
    using QueryDone = std::function<void(const ErrorInfo *error, const QList<ResultSet> &results)>;

    //! A buffered query's results, filled by its exchange (held here: no allocation of its own).
    std::optional<BufferedSink> sink;
    std::shared_ptr<StreamingSink> streamSink;   // streaming queries (Command::stream is it)
    // Who waits for it: at most one of these, called once from a queued call (finish()) after
    // the reply is complete or the command failed.
    Done done;
    QueryDone queryDone; //!< a buffered query's, with sink's results
    //! Connection::query()'s callback form (its result is sink's first).
    std::shared_ptr<Detail::QueryCallback> callback;
    bool completionQueued = false; //!< its completion is deferred: a later complete() is ignored
    std::optional<ErrorInfo> localError;      // a LOCAL INFILE that could not be sent
    bool noReply = false; // COM_QUIT
    /*! Its failure is not reported on errorOccurred: it is one step of a call that reports its
        own outcome once (queryPrepared()'s prepare and execute). */
    bool quiet = false;
    //! Written just before it, unanswered: COM_STMT_SEND_LONG_DATA of its long parameters.
    QList<QByteArray> ahead;

    bool hasWaiter() const { return done || queryDone || callback; }
};
using CommandPtr = std::shared_ptr<PendingCommand>;

template<typename T>
std::shared_ptr<QPromise<T>> startedPromise()
{
    auto p = std::make_shared<QPromise<T>>();
    p->start();
    return p;
}

/*! What Connection::escape() and Cursor::mogrify() hand out: \a sql as text if \a written,
    else a null QString and \a error as a warning. Sets \a ok if given. */
QString sqlText(bool written, QByteArrayView sql, TextEncoding encoding, const ErrorInfo &error, bool *ok);

/*!
    The connection engine: moves bytes between the Transport and the Protocol::Session (which
    holds the protocol state and its rules), runs the timers and passes the time in, opens the
    KILL side connection, reads LOCAL INFILE files, and finishes futures, always from a queued
    call (defer()), never inside readyRead.

    Pool, Cursor, CursorStream and Transaction use only the functions of the first public
    section ("interface to the client layer"); the state is private. Connection's own member
    functions (a friend) read it directly.
*/
class ConnectionPrivate final : private Protocol::Session::Listener
{
public:
    ConnectionPrivate(Connection *q, const ConnectOptions &options);
    ~ConnectionPrivate() override;

    static ConnectionPrivate *get(Connection *c) { return c->d.get(); }

    // --- interface to the client layer (Pool, Cursor, CursorStream, Transaction) ---------------
    //! The connection's state as Connection::state() tells it (follows the session's phase).
    Connection::State state() const;
    //! Connected and not being destroyed: commands queued now will run.
    bool canRunCommands() const { return state() == Connection::State::Connected && !destroying; }
    //! Connected, with no command queued or in flight: it may change hands.
    bool isIdle() const { return session.isIdle(); }
    /*! Connected, and nothing is queued but commands up to \a last (the last one queued), or
        nothing at all. */
    bool isIdleBehind(const PendingCommand *last) const;
    //! Commands queued or in flight.
    qsizetype pendingCommands() const { return session.commandCount(); }
    //! The text encoding of the session's character set (SQL is encoded in it).
    TextEncoding textEncoding() const { return encoding; }
    //! Makes this connection a stand-in that never connects: open() and every command fail with \a why.
    void refuse(const ErrorInfo &why) { refusal = why; }

    void open(std::function<void(const ErrorInfo *)> done);
    //! Ends the connection: fails every pending command and waiter with \a error.
    void shutdown(const ErrorInfo &error, bool graceful = false);

    //! Queues \a cmd; writes it at once when connected (pipelining).
    void enqueue(const CommandPtr &cmd);
    //! A command answered by OK or ERR (COM_PING, COM_INIT_DB, ...), queued at once.
    CommandPtr runCommand(Protocol::Command command, QByteArrayView argument, PendingCommand::Done done);
    CommandPtr simpleCommand(Protocol::Command command, QByteArrayView argument, PendingCommand::Done done);
    //! A COM_QUERY whose results flow into \a sink as they arrive; \a done at the end.
    CommandPtr streamingCommand(const QByteArray &sql, bool dict, std::shared_ptr<StreamingSink> sink,
                                PendingCommand::Done done);
    //! A COM_QUERY framed for the wire; with echo on, its SQL was logged on the way.
    struct QueryPacket
    {
        QByteArray bytes;
        quint8 replySeq = 1;
        bool binary = false; //!< COM_STMT_EXECUTE: its rows are binary
        //! Written just before it, unanswered: COM_STMT_SEND_LONG_DATA of its long parameters.
        QList<QByteArray> ahead;
    };
    //! streamingCommand() for a framed \a packet (a prepared statement's COM_STMT_EXECUTE).
    CommandPtr streamingCommand(QueryPacket packet, bool dict, std::shared_ptr<StreamingSink> sink, PendingCommand::Done done);

    //! \a sql (interpolated and encoded; may hold binary literals), copied into its packet.
    QueryPacket queryPacket(QByteArrayView sql);
    //! What \a writer wrote since SqlWriter::startCommand(), framed where it is (no copy).
    QueryPacket queryPacket(SqlWriter &writer);
    using QueryDone = PendingCommand::QueryDone;
    //! Sends \a sql; \a done gets its results.
    CommandPtr runQuery(QueryPacket sql, QueryDone done, bool dict = false);
    CommandPtr runQuery(const QByteArray &sql, QueryDone done, bool dict = false)
    {
        return runQuery(queryPacket(sql), std::move(done), dict);
    }
    CommandPtr runQuery(const QString &sql, QueryDone done) { return runQuery(encodeText(sql, encoding), std::move(done)); }
    /*! The callback form: \a callback gets the first result. Bounded by \a timeout (0: none);
        there is no future to cancel. */
    void runQuery(QueryPacket sql, std::shared_ptr<Detail::QueryCallback> callback, std::chrono::milliseconds timeout);
    //! \a callback fails with \a error from a queued call (reported like a failed command).
    void failCallback(std::shared_ptr<Detail::QueryCallback> callback, const ErrorInfo &error);
    /*! Connection::query() and execute(): runs \a packet, its first result in the future, bounded
        by ConnectOptions::queryTimeout and stoppable by QFuture::cancel(). */
    QFuture<ResultSet> bufferedQuery(QueryPacket packet);

    // --- prepared statements ------------------------------------------------------------------
    /*! COM_STMT_PREPARE of \a sql; \a done gets the statement (of this session: a reconnect or
        reset, also one queued after it, makes it stale). */
    using PrepareDone = std::function<void(const ErrorInfo *error, const PreparedStatement &statement)>;
    CommandPtr prepare(const QString &sql, PrepareDone done, bool quiet = false);
    /*! queryPrepared(): \a sql's statement from the cache (prepared, and cached, on a miss;
        on MariaDB the prepare and the execute in one round trip), executed with \a args; \a done
        gets the results. A server without room for another statement (1461) gets this
        connection's cached statements closed and the prepare once more, then the statement in
        the text protocol. Returns what a cancel or timeout stops. */
    std::shared_ptr<PreparedRun> runPrepared(const QString &sql, const QVariantList &args, QueryDone done,
                                                    bool dict = false);
    /*! The COM_STMT_EXECUTE of \a statement with \a args (their long values ahead of it); false,
        with \a error set, if it cannot run here (see checkStatement()) or an argument cannot
        be a parameter. */
    bool executePacket(const PreparedStatement &statement, const QVariantList &args, QueryPacket &packet, ErrorInfo &error);
    //! The same for statement \a id (LastPreparedStatement: the one prepared just before) of \a sql.
    bool executePacket(quint32 id, const QString &sql, const QVariantList &args, QueryPacket &packet, ErrorInfo &error);
    /*! executeMany() of \a statement: one COM_STMT_BULK_EXECUTE per \a maxPacket bytes of
        rows (a packet is cut once it reaches that size; rows whose value types differ from the
        rows before them start a packet too) where bulkExecutes(), else one COM_STMT_EXECUTE per
        row. False, with \a error set, as executePacket(). */
    bool executeManyPackets(const PreparedStatement &statement, const QList<QVariantList> &rows, qsizetype maxPacket,
                            QList<QueryPacket> &packets, ErrorInfo &error);
    /*! MariaDB's COM_STMT_BULK_EXECUTE runs \a statement for many rows in one command: the
        server has it (MariaDbStmtBulk), the statement takes parameters and returns no rows. */
    bool bulkExecutes(const PreparedStatementPrivate *statement) const;
    /*! A batch's statement: \a sql interpolated with \a args (COM_QUERY), or \a statement's
        COM_STMT_EXECUTE if given. False, with \a error set, as query() and execute() refuse. */
    bool batchPacket(const QString &sql, const QVariantList &args, const PreparedStatement *statement,
                     QueryPacket &packet, ErrorInfo &error);
    //! MariaDB 10.2 on: COM_STMT_EXECUTE may name the statement prepared just before it.
    bool executesLastPrepared() const;
    //! A cancel or timeout (\a why) of a runPrepared() call: its command is abandoned.
    void stopPrepared(const std::weak_ptr<PreparedRun> &run, const ErrorInfo &why);
    /*! \a sql's statement from the cache, or prepared (and cached) now: a streaming cursor's
        executePrepared(), executeManyPrepared(). */
    QFuture<PreparedStatement> cachedStatement(const QString &sql);
    /*! cachedStatement()'s prepare of \a sql (cache key \a key) for \a promise; at the server's
        statement limit (1461) the cache is closed and, if \a mayRetry, the prepare runs again. */
    void prepareCached(const QString &sql, const QByteArray &key, const std::shared_ptr<QPromise<PreparedStatement>> &promise,
                       bool mayRetry);
    //! runPrepared()'s steps: the cache or a prepare; a failed prepare; the end with \a error
    //! (from a queued call unless \a now: inside one already).
    void startPrepared(const std::shared_ptr<PreparedRun> &run);
    void preparedFailed(const std::shared_ptr<PreparedRun> &run, const ErrorInfo &error);
    void endPrepared(const std::shared_ptr<PreparedRun> &run, const ErrorInfo &error, bool now = false);
    //! Whether \a statement can run on this connection now; else \a error says why (InterfaceError).
    bool checkStatement(const PreparedStatementPrivate *statement, ErrorInfo &error) const;
    //! True while statements prepared in session \a epoch are open on the server.
    bool isStatementLive(quint64 epoch) const { return epoch == statementEpoch && state() == Connection::State::Connected; }
    /*! The last handle of statement \a id of session \a epoch went: COM_STMT_CLOSE is queued
        (unanswered: it holds nothing up) if that session still runs. */
    void releaseStatement(quint32 id, quint64 epoch);
    //! Parameter values from this size on are sent ahead in COM_STMT_SEND_LONG_DATA chunks.
    static constexpr qsizetype LongDataThreshold = 4 * 1024 * 1024;
    static constexpr qsizetype LongDataChunk = 1024 * 1024;

    //! A command that only needs OK (SET ..., COMMIT, ...).
    QFuture<void> statement(const QString &sql);
    /*! COM_RESET_CONNECTION, then the session set up again from the options as configured
        (Connection::resetConnection, a pool's release). Returns the last of its commands. The
        client-side view (database, charset, status flags) is the reset one at once, for the
        commands queued behind it. */
    CommandPtr resetSession(std::function<void(const ErrorInfo *)> done);
    //! A ROLLBACK was just queued: inTransaction() tells what its reply will say, at once.
    void expectTransactionEnd();

    /*! Ends the wait for \a cmd now (cancelled, timed out): its future finishes with \a error,
        its reply is still read and then dropped, and if the server is running it the server
        is asked to stop (KILL QUERY from a side connection). */
    void abandon(const CommandPtr &cmd, const ErrorInfo &error);
    /*! Asks the server to stop \a cmd (KILL QUERY) if that is safe: it is what the server
        runs and nothing is written behind it. Its reply is still read to its end. */
    void interrupt(const CommandPtr &cmd);
    //! After a streaming cursor took rows: reading goes on if it had paused for it.
    void resumeReading();

    /*! Makes \a future stoppable: QFuture::cancel(), and after \a timeout (if not zero), call
        \a stop with the error to finish it with (which abandons its command). */
    template<typename T>
    void watch(const QFuture<T> &future, std::chrono::milliseconds timeout, std::function<void(const ErrorInfo &)> stop)
    {
        watchFuture(QFuture<void>(future), timeout, std::move(stop));
    }

    //! Runs \a f from a queued call, in order with the completions (never inside readyRead).
    void defer(std::function<void()> f);
    /*! A future for a command that fails before it is sent (bad arguments, unsupported
        charset): reported and failed from a queued call, like a failed command; also on
        \a cursor's errorOccurred if given. */
    template<typename T>
    QFuture<T> failedCommand(const ErrorInfo &error, Cursor *cursor = nullptr)
    {
        auto promise = startedPromise<T>();
        defer([this, promise, cursor = QPointer<Cursor>(cursor), e = error.reported()] {
            emitFailure(e);
            if (cursor)
                Q_EMIT cursor->errorOccurred(*e.make());
            failPromise(*promise, e);
        });
        return promise->future();
    }
    SqlWriter sqlWriter() const;
    //! A writer for a COM_QUERY's SQL, in the block of the last finished query's packet.
    SqlWriter commandWriter();
    //! With echo on: logs \a sql and emits queryLogged.
    void logQuery(QByteArrayView sql);

    /*! The Transaction whose BEGIN the session ran last and that has not ended yet (null if
        none): its handles set it and clear it. */
    TransactionPrivate *currentTransaction() const { return transaction; }
    void setTransaction(TransactionPrivate *tx) { transaction = tx; }
    //! The session's transaction ended another way (or ends now): no handle owns it any more.
    void forgetTransaction() { transaction = nullptr; }

private:
    friend class Connection;

    /*! The session settings the user changed (selectDb, setCharset, setAutocommit): a
        reconnect restores them, resetSession() forgets them. One value each, however often
        they change. */
    struct SessionChanges
    {
        std::optional<QString> database = std::nullopt;
        std::optional<QString> charset = std::nullopt;
        std::optional<bool> autocommit = std::nullopt;
        void applyTo(ConnectOptions &o) const
        {
            if (database)
                o.database = *database;
            if (charset)
                o.charset = *charset;
            if (autocommit)
                o.autocommit = *autocommit;
        }
    };

    // --- Protocol::Session::Listener --------------------------------------------------------
    void authenticated() override;
    void ready() override;
    void commandFinished(const Protocol::Session::CommandPtr &command, const Protocol::Failure *failure) override;
    void fileRequested(const Protocol::Session::CommandPtr &command, const QByteArray &fileName) override;
    void startTls() override;
    void plainFallback() override;
    void setReadPaused(bool paused) override;
    void failed(const Protocol::Failure &failure) override;

    // --- commands -------------------------------------------------------------------------
    //! Whether \a cmd may be queued: else it is failed (closed, closing). Drains a live stream.
    bool admit(const CommandPtr &cmd);
    //! Queues COM_QUIT (ensureClosed): the connection is Closing once it was Connected.
    void enqueueQuit(const CommandPtr &quit);
    bool isQueued(const PendingCommand &cmd) const { return session.contains(cmd); }
    /*! Finishes \a cmd's future (once; from a queued call). A failure is reported first
        (errorOccurred, see FailureReport) unless \a report is false: the connection ended, and
        fatal() or close() has spoken for every pending command already. */
    void complete(PendingCommand &cmd, const ErrorInfo *error, bool report = true);
    //! Calls whoever waits for \a cmd (from flushDeferred()).
    static void finish(PendingCommand &cmd, const ErrorInfo *error);
    //! After finish(): \a cmd's packet block becomes the spare for the next query's SQL.
    void recycle(PendingCommand &cmd);
    void killQuery(const CommandPtr &cmd);
    void killFinished(const ErrorInfo *error);
    //! The server asks \a cmd for a LOCAL INFILE: checks it may have it, starts sending it.
    void startLocalInfile(const CommandPtr &cmd, const QByteArray &requestedName);
    //! Sends more of the file, while the socket has room; ends it with the empty packet.
    void pumpLocalInfile();
    //! Writes what the session has to send.
    void flushOutput();
    Protocol::QueryExchange::Settings querySettings(bool dict) const;
    //! A COM_QUERY whose results are buffered into its sink.
    CommandPtr queryCommand(QueryPacket sql, bool dict);
    void watchFuture(QFuture<void> future, std::chrono::milliseconds timeout, std::function<void(const ErrorInfo &)> stop);
    //! Stops the watched futures that were cancelled or ran out of time; forgets finished ones.
    void sweepWatched();
    //! Records \a change and applies it to the options in effect.
    void rememberSession(const SessionChanges &change);
    static ErrorInfo cancelledError();
    //! \a error is QFuture::cancel()'s (never reported: the user did it).
    static bool isCancellation(const ErrorInfo &error);
    static ErrorInfo timeoutError(std::chrono::milliseconds timeout);
    //! What every new session runs after authentication: sql_mode, init_command.
    enum class SetupFor { Login, Reset };
    //! The statements that set the session up as configured, encoded: after the login or a reset.
    QList<QByteArray> setupStatements(SetupFor when) const;

    // --- connection lifecycle ----------------------------------------------------------------
    //! One warning that a Preferred session goes on in plain text (the server offers no TLS).
    void warnPlainFallback();
    /*! COM_PING (Connection::ping). With \a reconnect: a closed connection is opened first, and
        one whose server end went away unnoticed is opened again (restoring the session, as
        open() does) and pinged once more. */
    void ping(bool reconnect, std::function<void(const ErrorInfo *)> done);
    void onReadyRead();
    //! One bounded read from the transport; false if nothing was waiting.
    bool readInput();
    void onTransportFailed(int code, const QString &message);
    void onConnectTimeout();
    //! Ends the connection (see shutdown()); \a failed: the server or the network ended it.
    void endSession(const ErrorInfo &error, bool graceful, bool failed);
    /*! The user closes or deletes the connection (\a how says which): a warning if its session
        has an open transaction, whose changes the server is about to roll back. */
    void warnIfInTransaction(const char *how) const;
    /*! Writes COM_QUIT behind what was written and hands it to the operating system now,
        without waiting: the last thing sent before a connection that is deleted closes, so
        the server does not count an aborted client. Skipped where the server would read it
        as something else (a LOCAL INFILE upload may be asked for or running). */
    void sayGoodbye();
    //! Announces a change of state() (stateChanged, connected, disconnected) from a queued call.
    void syncState();
    void fatal(const ErrorInfo &error);

    // --- deferred work (never run user code inside readyRead) ---------------------------------
    /*! What flushDeferred() runs, in order: a command that succeeded (finish() it; the common
        case, kept apart so that no std::function is made per query: one holding a shared
        pointer is not stored in place) or any other call. */
    struct Deferred
    {
        CommandPtr command;
        std::function<void()> call;
    };
    void defer(Deferred entry);
    void flushDeferred();
    void emitError(const ErrorInfo &error);
    //! errorOccurred now (already inside a queued call), unless the connection is going away.
    void emitFailure(const ErrorInfo &error);

    //! The error for using a connection that is not open.
    ErrorInfo notConnectedError() const;
    bool applyCharset(const QString &charset, ErrorInfo *error);
    ConnectOptions::Compression compression() const;

    Connection *q;
    ConnectOptions givenOptions; //!< as the user gave them
    ConnectOptions baseOptions;  //!< givenOptions plus the option file's settings
    ConnectOptions options;      //!< in effect: baseOptions plus sessionChanges
    SessionChanges sessionChanges;
    Protocol::Session session;
    Connection::State announcedState = Connection::State::Closed; //!< the last stateChanged
    Transport *transport = nullptr;
    QList<std::function<void(const ErrorInfo *)>> openWaiters;
    QList<Deferred> deferred;
    QList<Deferred> spareDeferred; //!< an empty list that kept its capacity
    QueuedCall flushCall;  //!< runs flushDeferred()
    QueuedCall resumeCall; //!< reading goes on after back-pressure
    bool destroying = false;
    //! Set on a stand-in that must never connect (a released PooledConnection's): open() and
    //! every command fail with it.
    std::optional<ErrorInfo> refusal;
    QTimer connectTimer;
    /*! The futures watch() looks after, and the callback-form queries with a timeout. One timer
        for all of them, running only while there are any: a QFutureWatcher per query cost more
        than a tenth of a query's CPU. */
    struct Watched
    {
        QFuture<void> future;
        std::weak_ptr<PendingCommand> command; //!< the callback form (no future): done once it is queued
        bool byCommand = false;
        std::chrono::milliseconds timeout;
        QDeadlineTimer deadline;
        std::function<void(const ErrorInfo &)> stop;
    };
    std::vector<Watched> watched;
    QTimer sweepTimer;
    struct LocalInfile
    {
        CommandPtr command;
        std::unique_ptr<QFile> file;
    };
    std::optional<LocalInfile> infile; // being sent
    std::weak_ptr<PendingCommand> liveStream; // the streaming query whose rows are being read
    /*! The Transaction whose BEGIN the session ran last and that has not ended yet; cleared
        when the session's transaction ends another way (begin(), commit(), rollback(), a reset,
        the end of the session). Its handles set and clear it (it clears it when it goes). */
    TransactionPrivate *transaction = nullptr;

    // The client side's view of the session.
    QString database;
    QString charset;
    quint8 collation = Protocol::Collation::Utf8mb4GeneralCi;
    TextEncoding encoding = TextEncoding::Utf8;
    bool echo = false;
    SqlTemplate lastTemplate; //!< Connection::query()'s last %s template, taken apart
    /*! Counts the server sessions whose prepared statements this connection has had: a new one
        with every open(), end and reset (when it is queued: what is queued behind it runs in
        the reset session). A statement of an earlier one is closed on the server. */
    quint64 statementEpoch = 0;
    StatementCache statementCache; //!< queryPrepared()'s, of the current statementEpoch
    //! A new statementEpoch: the statements of the last one are gone (and the cache with them).
    void newStatementEpoch()
    {
        ++statementEpoch;
        statementCache.clear(); // after the change: their handles close nothing
    }
    QByteArray spareCommandBuffer; //!< a finished query's packet, for the next one (commandWriter())
};

} // namespace AsyncMySql
