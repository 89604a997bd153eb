// SPDX-License-Identifier: MIT
#pragma once

#include <AsyncMySql/Arguments.h>
#include <AsyncMySql/ConnectOptions.h>
#include <AsyncMySql/Error.h>
#include <AsyncMySql/Batch.h>
#include <AsyncMySql/PreparedStatement.h>
#include <AsyncMySql/ResultSet.h>
#include <AsyncMySql/Transaction.h>

#include <QtCore/QFuture>
#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtCore/QPromise>
#include <QtNetwork/QSslCipher>

#include <exception>
#include <functional>
#include <memory>
#include <type_traits>

namespace AsyncMySql {

class ConnectionPrivate;
class Cursor;

namespace Detail {
/*! What the callback form of Connection::query() keeps of its callable: one object per query,
    the callable inside. Runs it only while the context object lives. */
class ASYNCMYSQL_EXPORT QueryCallback
{
public:
    explicit QueryCallback(const QObject *context) : m_context(context) { }
    virtual ~QueryCallback();
    QueryCallback(const QueryCallback &) = delete;
    QueryCallback &operator=(const QueryCallback &) = delete;
    //! Calls the callable with \a result (empty on failure) and \a error (null on success).
    void run(const ResultSet &result, const Error *error)
    {
        if (m_context)
            invoke(result, error);
    }

protected:
    virtual void invoke(const ResultSet &result, const Error *error) = 0;

private:
    QPointer<const QObject> m_context;
};

template<typename Callable>
class QueryCallbackFor final : public QueryCallback
{
public:
    QueryCallbackFor(const QObject *context, Callable callable) : QueryCallback(context), m_callable(std::move(callable)) { }

protected:
    void invoke(const ResultSet &result, const Error *error) override
    {
        if constexpr (std::is_invocable_v<Callable &, const ResultSet &, const Error *>)
            std::invoke(m_callable, result, error);
        else if (!error) // the one-argument form hears of failures through errorOccurred() only
            std::invoke(m_callable, result);
    }

private:
    Callable m_callable;
};
} // namespace Detail

/*!
    One session with a MySQL or MariaDB server, driven by the Qt event loop of the thread it
    lives in. Every asynchronous method returns a QFuture that finishes exactly once, with a
    value or with one of the Error classes, always from a queued call (never inside the
    socket's readyRead), so continuations may freely issue further commands.

    Commands queue up and are written at once (pipelined); replies are matched in order.

    Deleting an open connection (or its parent) closes it politely: COM_QUIT is written (without
    waiting, best effort) before the socket closes, so the server does not count an aborted
    client. Closing or deleting one whose open transaction changed rows (or that has an active
    Transaction) logs a warning in "asyncmysql.connection": the server rolls those back.
*/
class ASYNCMYSQL_EXPORT Connection : public QObject
{
    Q_OBJECT
    Q_PROPERTY(State state READ state NOTIFY stateChanged)
    Q_PROPERTY(bool closed READ isClosed NOTIFY stateChanged)
    Q_PROPERTY(QString host READ host CONSTANT)
    Q_PROPERTY(quint16 port READ port CONSTANT)
    Q_PROPERTY(QString user READ user CONSTANT)
    Q_PROPERTY(QString unixSocket READ unixSocket CONSTANT)
    Q_PROPERTY(QString database READ database NOTIFY stateChanged)
    Q_PROPERTY(QString charset READ charset NOTIFY stateChanged)
    Q_PROPERTY(QString encoding READ encoding NOTIFY stateChanged)
    Q_PROPERTY(bool echo READ echo WRITE setEcho)
    Q_PROPERTY(bool autocommit READ autocommit)
    Q_PROPERTY(QString serverVersion READ serverVersion NOTIFY stateChanged)
    Q_PROPERTY(quint32 threadId READ threadId NOTIFY stateChanged)
    Q_PROPERTY(bool encrypted READ isEncrypted NOTIFY stateChanged)
    Q_PROPERTY(quint64 insertId READ insertId)
    Q_PROPERTY(quint64 affectedRows READ affectedRows)

public:
    enum class State { Closed, Connecting, Connected, Closing };
    Q_ENUM(State)

    explicit Connection(const ConnectOptions &options, QObject *parent = nullptr);
    ~Connection() override;

    //! aiomysql.connect(): a new Connection, opened; it belongs to \a parent (or to the caller).
    [[nodiscard]] static QFuture<Connection *> connect(const ConnectOptions &options, QObject *parent = nullptr);

    //! Connects and authenticates. Finishes at once if already connected.
    [[nodiscard]] QFuture<void> open();
    /*! A new cursor, child of this connection. Buffered by default (ConnectOptions::cursorType).
        It is deleted with the connection, by `delete`, or by itself once closed (see
        Cursor::close()), so cursors made in a loop do not pile up on a long-lived connection. */
    Cursor *cursor();
    Cursor *cursor(CursorType type);
    //! Runs \a sql (with %s arguments interpolated, see Cursor::execute) and reads all rows.
    [[nodiscard]] QFuture<ResultSet> query(const QString &sql, const QVariantList &args = {});
    /*! query(sql, QVariantList{a, b, ...}) without the named list, also inside co_await (where
        GCC 12 rejects a braced list): `co_await conn->query("... %s, %s", id, name)`. Each
        value becomes one %s argument (nullptr: NULL; a QVariantList: one list, for IN %s); a
        single QVariantList is the whole argument list, as above. */
    template<typename... Args, Arguments::EnableIfValues<Args...> = true>
    [[nodiscard]] QFuture<ResultSet> query(const QString &sql, Args &&...args)
    {
        return query(sql, Arguments::list(std::forward<Args>(args)...));
    }
    /*!
        The callback form of query(), for hot paths: no QFuture is made (a future's shared
        state, mutex and wait condition, and one more of each per continuation, cost more than
        the rest of a query). \a onDone runs once, from a queued call in the connection's thread
        (never inside readyRead, so it may issue the next query), and never once \a context is
        destroyed; \a context must live in the connection's thread.

        \a onDone is `void(const ResultSet &result, const Error *error)` (error null on success,
        result empty on failure) or `void(const ResultSet &result)`, which is called on success
        only: failures then reach errorOccurred() alone. Failures are reported on
        errorOccurred() in both forms, as for every command. ConnectOptions::queryTimeout
        applies; there is no future to cancel.
    */
    template<typename Callable>
    void query(const QString &sql, const QVariantList &args, const QObject *context, Callable &&onDone)
    {
        using F = std::decay_t<Callable>;
        static_assert(std::is_invocable_v<F &, const ResultSet &, const Error *> || std::is_invocable_v<F &, const ResultSet &>,
                      "onDone must take (const ResultSet &, const Error *) or (const ResultSet &)");
        queryWithCallback(sql, args, std::make_shared<Detail::QueryCallbackFor<F>>(context, std::forward<Callable>(onDone)));
    }
    //! The callback form of query() without arguments.
    template<typename Callable>
    void query(const QString &sql, const QObject *context, Callable &&onDone)
    {
        query(sql, QVariantList(), context, std::forward<Callable>(onDone));
    }
    /*! A server-side prepared statement for \a sql, with `?` placeholders (COM_STMT_PREPARE).
        Fails with the server's error (ProgrammingError for a syntax error). The statement is
        closed on the server when the last copy of its handle goes, or by closeStatement(); a
        reconnect or resetConnection() closes it as well (see PreparedStatement). */
    [[nodiscard]] QFuture<PreparedStatement> prepare(const QString &sql);
    /*! Runs \a statement with \a args, one per placeholder, in the binary protocol, and reads all
        rows: the same values as query() gives for the same SQL (the README's type table), with
        no text parsed on either side. Fails with InterfaceError for a statement that cannot run
        here (another connection's, closed, or of an earlier session: see PreparedStatement),
        ProgrammingError for a wrong number of arguments or a value that cannot be a parameter,
        before anything is sent. Strings and byte arrays of 4 MiB and more are sent ahead in
        COM_STMT_SEND_LONG_DATA chunks of 1 MiB (the server's max_allowed_packet still bounds
        each value). ConnectOptions::queryTimeout and QFuture::cancel() apply as for query(). */
    [[nodiscard]] QFuture<ResultSet> execute(const PreparedStatement &statement, const QVariantList &args = {});
    //! execute(statement, QVariantList{a, b, ...}), as for query().
    template<typename... Args, Arguments::EnableIfValues<Args...> = true>
    [[nodiscard]] QFuture<ResultSet> execute(const PreparedStatement &statement, Args &&...args)
    {
        return execute(statement, Arguments::list(std::forward<Args>(args)...));
    }
    /*! Runs \a sql (with `?` placeholders) as a prepared statement with \a args, through the
        connection's statement cache (ConnectOptions::statementCacheSize, least recently used
        closed first): the first call prepares it, later ones only execute. On MariaDB 10.2 and
        later the prepare and the execute of a statement not cached yet go in one round trip
        (a failed prepare fails the call with its error); elsewhere the execute follows the
        prepare's reply, so commands queued meanwhile may run before it. After a reconnect or
        resetConnection() statements are prepared again as needed. When the server holds as
        many statements as it allows (max_prepared_stmt_count, error 1461), this connection's
        cached ones are closed and the statement prepared again; if there is still no room,
        the statement runs in the text protocol with the arguments as literals: never a
        failure of its own. Errors, timeouts and cancel as for execute(). */
    [[nodiscard]] QFuture<ResultSet> queryPrepared(const QString &sql, const QVariantList &args = {});
    //! queryPrepared(sql, QVariantList{a, b, ...}), as for query().
    template<typename... Args, Arguments::EnableIfValues<Args...> = true>
    [[nodiscard]] QFuture<ResultSet> queryPrepared(const QString &sql, Args &&...args)
    {
        return queryPrepared(sql, Arguments::list(std::forward<Args>(args)...));
    }
    /*! Closes \a statement on the server now (COM_STMT_CLOSE, which has no reply: the future
        finishes once it is queued). Every copy of the handle is closed; closing one that is
        closed already, or whose session ended, does nothing. InterfaceError for another
        connection's statement. */
    [[nodiscard]] QFuture<void> closeStatement(const PreparedStatement &statement);

    /*! COM_PING. With \a reconnect (aiomysql's default) a closed connection is opened first,
        and one whose server end went away without this side noticing yet (KILL CONNECTION, a
        server restart, wait_timeout: the ping fails) is opened again and pinged once more, as
        aiomysql's ping does. A reconnect sets the session up as open() does, with the
        database, charset and autocommit chosen through selectDb(), setCharset() and
        setAutocommit(). Commands queued behind a failing ping fail with it.

        Fails with OperationalError when the server cannot be reached again; without
        \a reconnect, with OperationalError when the server end is gone (2013, 2006, or the
        server's reason such as 1927 "Connection was killed"; the connection is closed then)
        and InterfaceError on a connection that is closed. A connection being closed
        (ensureClosed(), close()) is never reopened: InterfaceError. */
    [[nodiscard]] QFuture<void> ping(bool reconnect = true);
    //! Closes the socket now, without COM_QUIT; pending futures fail with InterfaceError.
    void close();
    //! Sends COM_QUIT after the pending commands, then closes.
    [[nodiscard]] QFuture<void> ensureClosed();

    /*! COM_RESET_CONNECTION: rolls back the transaction and drops temporary tables, user and
        session variables and locks without reconnecting, then sets the session up again as
        open() did (database, charset, sql_mode, init_command, autocommit). */
    [[nodiscard]] QFuture<void> resetConnection();

    [[nodiscard]] QFuture<void> setAutocommit(bool on);
    /*! BEGIN, as a scoped Transaction (aiomysql `async with conn.begin()`): when the last copy of
        the handle goes without commit() or rollback(), ROLLBACK is queued. Fails with
        ProgrammingError while another Transaction of this connection is active, with the
        server's error (or InterfaceError when not connected) otherwise. */
    [[nodiscard]] QFuture<Transaction> transaction();
    /*! Runs \a work inside BEGIN ... COMMIT: \a work() is called once BEGIN succeeded (if it
        fails, the future fails with its error) and may return a value, a QFuture, or nothing.
        When it succeeds (its future too), COMMIT runs and the future finishes with its value.
        When it throws, its future fails or COMMIT fails, ROLLBACK runs and the future fails
        with that first error (a failed ROLLBACK does not replace it). Continuations run without
        a context object, from the connection's queued calls, in the connection's thread. */
    template<typename Work>
    [[nodiscard]] auto withTransaction(Work &&work);
    /*! Runs every statement of \a batch, all written in one go (one round trip for the lot):
        each runs whatever the others did, and the future finishes with one BatchResult per
        statement, in order, its result or its typed error (each failure is also reported on
        errorOccurred). A statement whose arguments cannot be sent fails alone, before it is
        sent. QFuture::cancel() and the query timeout abandon what has not answered yet. */
    [[nodiscard]] QFuture<QList<BatchResult>> run(const Batch &batch);
    /*! \a batch's statements in one transaction: BEGIN and the statements written in one go,
        then COMMIT once all answered without an error, and the future finishes with their
        results; else ROLLBACK, and it fails with the first error (none of the batch's changes
        stay). Autocommit is off while it runs (a statement behind one whose error ended the
        transaction, such as a deadlock, cannot commit by itself). Every statement is checked
        before anything is sent; a bad argument fails the call with nothing run. Fails with
        ProgrammingError while a transaction is open. Commands queued on the connection while
        it runs run inside the transaction, as with transaction(). Costs two round trips. */
    [[nodiscard]] QFuture<QList<ResultSet>> transaction(const Batch &batch);
    [[nodiscard]] QFuture<void> begin();
    [[nodiscard]] QFuture<void> commit();
    [[nodiscard]] QFuture<void> rollback();
    [[nodiscard]] QFuture<void> selectDb(const QString &database);
    /*! SET NAMES \a charset; text is converted in that character set from then on (see
        ConnectOptions::charset). Fails with NotSupportedError naming it, before anything is
        sent, for a set that cannot be a client set (ucs2, utf16, utf32) or that Qt cannot
        convert, and with the server's error if SET NAMES fails; the charset is unchanged then. */
    [[nodiscard]] QFuture<void> setCharset(const QString &charset);
    [[nodiscard]] QFuture<QList<Warning>> showWarnings();

    /*! A SQL literal for \a value, quoted and escaped for the connection's charset and
        NO_BACKSLASH_ESCAPES: 'it\\'s', 42, NULL, (1, 2, 3); a QByteArray as the hex literal
        _binary X'00ff' (its raw bytes could not travel inside a QString), so the text executes
        to the same value. A value it cannot write (a type with neither a built-in literal nor
        an encoder in ConnectOptions::converters, a NaN or infinite double) gives a null QString
        (isNull()), never an empty one, with the reason as a warning in the category
        asyncmysql.connection; \a ok, if given, is set to false then and to true otherwise.
        (Cursor::execute() and query() fail with ProgrammingError, DataError for NaN, instead.) */
    QString escape(const QVariant &value, bool *ok = nullptr) const;
    //! The same as escape().
    QString literal(const QVariant &value, bool *ok = nullptr) const { return escape(value, ok); }
    //! Escapes a string's content (no quotes), honouring NO_BACKSLASH_ESCAPES and, in gbk,
    //! big5, sjis and cp932, escaping characters rather than bytes.
    QString escapeString(const QString &text) const;

    State state() const;
    bool isClosed() const;
    QString host() const;
    quint16 port() const;
    QString user() const;
    QString unixSocket() const;
    QString database() const;
    QString charset() const;
    QString encoding() const; //!< the Qt codec name used for text (e.g. "UTF-8", "windows-1251", "Shift_JIS")
    bool echo() const;
    void setEcho(bool on);
    //! The autocommit mode the server reported last.
    bool autocommit() const;
    //! True while the server reports an open transaction.
    bool inTransaction() const;
    QString serverVersion() const;
    quint32 threadId() const;
    quint64 insertId() const;
    quint64 affectedRows() const;
    quint16 serverStatus() const;
    //! The compression negotiated with the server (None until connected, or if it offers none).
    ConnectOptions::Compression compression() const;
    /*! True while the connection to the server runs over TLS; false when closed, over a unix
        socket (no TLS there), with SslOptions::Mode::Disabled, or when Preferred found a
        server without TLS (which the category asyncmysql.connection reports as a warning). */
    bool isEncrypted() const;
    //! The TLS cipher of the session; a null QSslCipher when not isEncrypted().
    QSslCipher sslCipher() const;
    //! The TLS protocol version of the session; QSsl::UnknownProtocol when not isEncrypted().
    QSsl::SslProtocol sslProtocol() const;
    const ConnectOptions &options() const;

Q_SIGNALS:
    void stateChanged(AsyncMySql::Connection::State state);
    void connected();
    void disconnected();
    /*! Every failure on this connection, from a queued call, just before the future it fails
        finishes: once for each command that fails (query(), ping(), begin(), ..., and every
        statement of its cursors: Cursor::errorOccurred fires as well), including one whose
        arguments or charset are refused before it is sent, and for an open() that fails;
        once for a lost or broken connection (not again for each command it fails). Not for
        what the user did: commands failed by close() or by destroying the connection
        (InterfaceError), and QFuture::cancel() (a queryTimeout is reported).

        A failure nobody reads is still not lost: when every future that carried it is gone
        and no continuation, catch or slot asked it anything (code(), message(), sqlState(),
        type(), toString(), what(), QDebug), it is logged as a warning in the category
        "asyncmysql.unobserved", with the statement that failed. */
    void errorOccurred(const AsyncMySql::Error &error);
    void queryLogged(const QString &sql);

private:
    void queryWithCallback(const QString &sql, const QVariantList &args, std::shared_ptr<Detail::QueryCallback> callback);

    friend class ConnectionPrivate;
    friend class Cursor;
    friend class CursorPrivate;
    std::unique_ptr<ConnectionPrivate> d;
};

namespace Detail {
//! What withTransaction() makes of the value \a work returns: the future it waits for.
template<typename R>
struct TransactionWork
{
    using Value = R;
    template<typename Work>
    [[nodiscard]] static QFuture<R> run(Work &work)
    {
        QPromise<R> promise;
        QFuture<R> future = promise.future();
        promise.start();
        if constexpr (std::is_void_v<R>)
            std::invoke(work);
        else
            promise.addResult(std::invoke(work));
        promise.finish();
        return future;
    }
};
template<typename T>
struct TransactionWork<QFuture<T>>
{
    using Value = T;
    template<typename Work>
    [[nodiscard]] static QFuture<T> run(Work &work) { return std::invoke(work); }
};
//! \a error as a failed future of \a T.
template<typename T>
[[nodiscard]] QFuture<T> failedWith(const std::exception_ptr &error)
{
    QPromise<T> promise;
    QFuture<T> future = promise.future();
    promise.start();
    promise.setException(error);
    promise.finish();
    return future;
}
} // namespace Detail

template<typename Work>
auto Connection::withTransaction(Work &&work)
{
    using Run = Detail::TransactionWork<std::invoke_result_t<std::decay_t<Work> &>>;
    using T = typename Run::Value;
    // No context objects: on Qt 6.4 a context that dies first asserts, and the connection
    // finishes every future of its own (with an error) before it goes.
    return transaction()
            .then([work = std::forward<Work>(work)](Transaction tx) mutable {
                QFuture<T> done;
                try {
                    done = Run::run(work);
                } catch (...) {
                    done = Detail::failedWith<T>(std::current_exception());
                }
                return done.then([tx](QFuture<T> finished) mutable {
                    try {
                        finished.waitForFinished(); // rethrows work's error
                    } catch (...) {
                        const std::exception_ptr error = std::current_exception();
                        // The first error is the one to report: the ROLLBACK's own result is not.
                        return tx.rollback().then([error](QFuture<void>) -> QFuture<T> {
                            return Detail::failedWith<T>(error);
                        }).unwrap();
                    }
                    return tx.commit().then([finished]() {
                        if constexpr (!std::is_void_v<T>)
                            return finished.result();
                    });
                }).unwrap();
            })
            .unwrap();
}

} // namespace AsyncMySql
