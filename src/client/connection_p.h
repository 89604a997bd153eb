// SPDX-License-Identifier: MIT
#pragma once

#include <AsyncMySql/Connection.h>
#include <AsyncMySql/Cursor.h>

#include "../protocol/compression.h"
#include "../protocol/exchange.h"
#include "../transport/transport.h"
#include "errors_p.h"
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

class TransactionPrivate;

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
    std::shared_ptr<BufferedSink> sink;    // buffered queries
    std::shared_ptr<StreamingSink> stream; // streaming queries
    Done done;         // called from a queued call once the reply is complete or failed
    Protocol::QueryExchange *query = nullptr; // exchange, if a COM_QUERY (LOCAL INFILE requests)
    std::optional<ErrorInfo> localError;      // a LOCAL INFILE that could not be sent
    bool written = false;
    bool replied = false;  // its reply is complete
    bool noReply = false; // COM_QUIT
    bool reportsFailure = true; // a failure is the user's to hear of (errorOccurred); not session setup
    quint8 replyCompressedSeq = 0; // compressed protocol: the sequence id the reply starts with
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
    //! Writes the queued commands that may go out now (pipelining, within the rules below).
    void writePending();
    /*! Finishes \a cmd's future (once; from a queued call). A failure is reported first
        (errorOccurred, see FailureReport) unless \a report is false: the connection ended, and
        fatal() or close() has spoken for every pending command already. */
    void complete(const CommandPtr &cmd, const ErrorInfo *error, bool report = true);
    /*! Ends the wait for \a cmd now (cancelled, timed out): its future finishes with \a error,
        its reply is still read and then dropped, and if the server is running it the server
        is asked to stop (KILL QUERY from a side connection). */
    void abandon(const CommandPtr &cmd, const ErrorInfo &error);
    /*! Asks the server to stop \a cmd (KILL QUERY) if that is safe: it is what the server
        runs and nothing is written behind it. Its reply is still read to its end. */
    void interrupt(const CommandPtr &cmd);
    void killQuery(const CommandPtr &cmd);
    void killFinished(const ErrorInfo *error);
    //! Lets commands out again once the KILL has landed and its target's reply is complete.
    void releaseWrites();
    //! The server asks \a cmd for a LOCAL INFILE: checks it may have it, starts sending it.
    void startLocalInfile(const CommandPtr &cmd, const QByteArray &requestedName);
    //! Sends more of the file, while the socket has room; ends it with the empty packet.
    void pumpLocalInfile();
    //! A packet while no command waits: the server's last words before closing, or garbage.
    void unsolicited(const Protocol::Packet &packet);
    /*! Writes framed \a packets; under the compressed protocol as compressed packets numbered
        from \a compressedSeq. Returns the compressed sequence id that follows. */
    quint8 writePackets(const QByteArray &packets, quint8 compressedSeq);
    //! Writes what an exchange answered mid-reply: it continues the reply's compressed sequence.
    void writeReplyPackets(const QByteArray &packets);
    //! The reply about to be read is \a cmd's: its compressed packets are numbered from there.
    void expectReplyOf(const PendingCommand &cmd);
    void startCompression(Protocol::CompressionAlgorithm algorithm);
    CommandPtr simpleCommand(Protocol::Command command, QByteArrayView argument, PendingCommand::Done done);
    //! A COM_QUERY whose results are buffered into \a cmd->sink.
    CommandPtr queryCommand(const QByteArray &sql, bool dict, PendingCommand::Done done);
    //! A COM_QUERY whose results flow into \a sink as they arrive; \a done at the end.
    CommandPtr streamingCommand(const QByteArray &sql, bool dict, std::shared_ptr<StreamingSink> sink,
                                PendingCommand::Done done);
    //! After a streaming cursor took rows: reading goes on if it had paused for it.
    void resumeReading();
    using QueryDone = std::function<void(const ErrorInfo *, const QList<ResultSet> &)>;
    //! Sends \a sql (already interpolated and encoded; may hold binary literals).
    CommandPtr runQuery(const QByteArray &sql, QueryDone done, bool dict = false);
    CommandPtr runQuery(const QString &sql, QueryDone done) { return runQuery(encodeText(sql, encoding), std::move(done)); }

    /*! Makes \a future stoppable: QFuture::cancel(), and after \a timeout (if not zero), call
        \a stop with the error to finish it with (which abandons its command). */
    template<typename T>
    void watch(const QFuture<T> &future, std::chrono::milliseconds timeout, std::function<void(const ErrorInfo &)> stop)
    {
        watchFuture(QFuture<void>(future), timeout, std::move(stop));
    }
    void watchFuture(QFuture<void> future, std::chrono::milliseconds timeout, std::function<void(const ErrorInfo &)> stop);
    //! Stops the watched futures that were cancelled or ran out of time; forgets finished ones.
    void sweepWatched();
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
    //! Records \a change and applies it to the options in effect.
    void rememberSession(const SessionChanges &change);
    static ErrorInfo cancelledError();
    static ErrorInfo timeoutError(std::chrono::milliseconds timeout);
    //! With echo on: logs \a sql and emits queryLogged.
    void logQuery(QByteArrayView sql);
    SqlWriter sqlWriter() const;
    //! A command that only needs OK (SET ..., COMMIT, ...): finishes \a promise.
    QFuture<void> statement(const QString &sql);
    //! What every new session runs after authentication: sql_mode, init_command.
    QStringList sessionStatements() const;
    /*! COM_RESET_CONNECTION, then the session set up again from the options
        (Connection::resetConnection). Returns the last of its commands. The client-side view
        (database, charset, status flags) is the reset one at once, for the commands queued
        behind it. */
    CommandPtr resetSession(std::function<void(const ErrorInfo *)> done);
    //! Connected, with no command queued or in flight: it may change hands.
    bool isIdle() const { return state == Connection::State::Connected && commands.empty(); }

    // --- connection lifecycle ----------------------------------------------------------------
    void open(std::function<void(const ErrorInfo *)> done);
    //! One warning that a Preferred session goes on in plain text (the server offers no TLS).
    void warnPlainFallback();
    /*! COM_PING (Connection::ping). With \a reconnect: a closed connection is opened first, and
        one whose server end went away unnoticed is opened again (restoring the session, as
        open() does) and pinged once more. */
    void ping(bool reconnect, std::function<void(const ErrorInfo *)> done);
    void onTransportConnected();
    void onReadyRead();
    //! One bounded read from the transport; false if nothing was waiting.
    bool readInput();
    void onTransportFailed(int code, const QString &message);
    void onConnectTimeout();
    void authenticated();
    void setupDone();
    //! Ends the connection: fails every pending command and waiter with \a error.
    void shutdown(const ErrorInfo &error, bool graceful = false);
    /*! The user closes or deletes the connection (\a how says which): a warning if its session
        has an open transaction, whose changes the server is about to roll back. */
    void warnIfInTransaction(const char *how) const;
    /*! Writes COM_QUIT behind what was written and hands it to the operating system now,
        without waiting: the last thing sent before a connection that is deleted closes, so
        the server does not count an aborted client. Skipped where the server would read it
        as something else (a LOCAL INFILE upload may be asked for or running). */
    void sayGoodbye();
    void setState(Connection::State state);
    void fatal(const ErrorInfo &error);

    // --- deferred work (never run user code inside readyRead) ---------------------------------
    void defer(std::function<void()> f);
    void flushDeferred();
    void emitError(const ErrorInfo &error);
    //! errorOccurred now (already inside a queued call), unless the connection is going away.
    void emitFailure(const ErrorInfo &error);
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

    //! The error for using a connection that is not open.
    ErrorInfo notConnectedError() const;
    void updateFromOk(const Protocol::OkPacket &ok);
    bool applyCharset(const QString &charset, ErrorInfo *error);

    Connection *q;
    ConnectOptions givenOptions; //!< as the user gave them
    ConnectOptions baseOptions;  //!< givenOptions plus the option file's settings
    ConnectOptions options;      //!< in effect: baseOptions plus sessionChanges
    SessionChanges sessionChanges;
    Connection::State state = Connection::State::Closed;
    Transport *transport = nullptr;
    Protocol::PacketReader reader;
    // Under the compressed protocol socket bytes go through these; reader gets the inner stream.
    std::unique_ptr<Protocol::FrameCompressor> compressor;
    std::unique_ptr<Protocol::FrameDecompressor> decompressor;
    ConnectOptions::Compression compression = ConnectOptions::Compression::None; // negotiated
    std::unique_ptr<Protocol::ConnectExchange> connectExchange;
    std::deque<CommandPtr> commands; // front: the one whose reply is being read
    QList<std::function<void(const ErrorInfo *)>> openWaiters;
    QList<std::function<void()>> deferred;
    bool flushScheduled = false;
    bool destroying = false;
    bool lostConnection = false; // closed by the server or the network, not by close()
    //! Set on a stand-in that must never connect (a released PooledConnection's): open() and
    //! every command fail with it.
    std::optional<ErrorInfo> refusal;
    QTimer connectTimer;
    /*! The futures watch() looks after. One timer for all of them, running only while there
        are any: a QFutureWatcher per query cost more than a tenth of a query's CPU. */
    struct Watched
    {
        QFuture<void> future;
        std::chrono::milliseconds timeout;
        QDeadlineTimer deadline;
        std::function<void(const ErrorInfo &)> stop;
    };
    std::vector<Watched> watched;
    QTimer sweepTimer;
    int setupPending = 0;
    struct LocalInfile
    {
        CommandPtr command;
        std::unique_ptr<QFile> file;
    };
    std::optional<LocalInfile> infile; // being sent
    bool holdWrites = false;   // a KILL QUERY is on its way: write nothing new
    bool readingPaused = false; // a streaming cursor's sink is full
    std::weak_ptr<PendingCommand> liveStream; // the streaming query whose rows are being read
    bool resumeScheduled = false;
    bool killInFlight = false;
    std::weak_ptr<PendingCommand> killTarget;
    /*! The Transaction whose BEGIN the session ran last and that has not ended yet; cleared
        when the session's transaction ends another way (begin(), commit(), rollback(), a reset,
        the end of the session). Its handles set and clear it (it clears it when it goes). */
    TransactionPrivate *transaction = nullptr;
    //! Rows changed in the session's open transaction (an OK with affected rows since it began).
    bool uncommittedChanges = false;

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
