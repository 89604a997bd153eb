// SPDX-License-Identifier: MIT
#pragma once

#include <AsyncMySql/Arguments.h>
#include <AsyncMySql/ConnectOptions.h>
#include <AsyncMySql/Error.h>
#include <AsyncMySql/ResultSet.h>

#include <QtCore/QFuture>
#include <QtCore/QObject>

#include <memory>

namespace AsyncMySql {

class ConnectionPrivate;
class Cursor;

/*!
    One session with a MySQL or MariaDB server, driven by the Qt event loop of the thread it
    lives in. Every asynchronous method returns a QFuture that finishes exactly once, with a
    value or with one of the Error classes, always from a queued call (never inside the
    socket's readyRead), so continuations may freely issue further commands.

    Commands queue up and are written at once (pipelined); replies are matched in order.
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
    Q_PROPERTY(quint64 insertId READ insertId)
    Q_PROPERTY(quint64 affectedRows READ affectedRows)

public:
    enum class State { Closed, Connecting, Connected, Closing };
    Q_ENUM(State)

    explicit Connection(const ConnectOptions &options, QObject *parent = nullptr);
    ~Connection() override;

    //! aiomysql.connect(): a new Connection, opened; it belongs to \a parent (or to the caller).
    static QFuture<Connection *> connect(const ConnectOptions &options, QObject *parent = nullptr);

    //! Connects and authenticates. Finishes at once if already connected.
    QFuture<void> open();
    //! A new cursor, child of this connection. Buffered by default (ConnectOptions::cursorType).
    Cursor *cursor();
    Cursor *cursor(CursorType type);
    //! Runs \a sql (with %s arguments interpolated, see Cursor::execute) and reads all rows.
    QFuture<ResultSet> query(const QString &sql, const QVariantList &args = {});
    /*! query(sql, QVariantList{a, b, ...}) without the named list, also inside co_await (where
        GCC 12 rejects a braced list): `co_await conn->query("... %s, %s", id, name)`. Each
        value becomes one %s argument (nullptr: NULL; a QVariantList: one list, for IN %s); a
        single QVariantList is the whole argument list, as above. */
    template<typename... Args, Arguments::EnableIfValues<Args...> = true>
    [[nodiscard]] QFuture<ResultSet> query(const QString &sql, Args &&...args)
    {
        return query(sql, Arguments::list(std::forward<Args>(args)...));
    }
    //! COM_PING; if the connection is closed and \a reconnect is true, opens it first.
    QFuture<void> ping(bool reconnect = true);
    //! Closes the socket now, without COM_QUIT; pending futures fail with InterfaceError.
    void close();
    //! Sends COM_QUIT after the pending commands, then closes.
    QFuture<void> ensureClosed();

    /*! COM_RESET_CONNECTION: rolls back the transaction and drops temporary tables, user and
        session variables and locks without reconnecting, then sets the session up again as
        open() did (database, charset, sql_mode, init_command, autocommit). */
    QFuture<void> resetConnection();

    QFuture<void> setAutocommit(bool on);
    QFuture<void> begin();
    QFuture<void> commit();
    QFuture<void> rollback();
    QFuture<void> selectDb(const QString &database);
    QFuture<void> setCharset(const QString &charset);
    QFuture<QList<Warning>> showWarnings();

    //! A SQL literal for \a value, quoted and escaped: 'it''s', 42, NULL, (1,2,3).
    QString escape(const QVariant &value) const;
    QString literal(const QVariant &value) const { return escape(value); }
    //! Escapes a string's content (no quotes), honouring NO_BACKSLASH_ESCAPES.
    QString escapeString(const QString &text) const;

    State state() const;
    bool isClosed() const;
    QString host() const;
    quint16 port() const;
    QString user() const;
    QString unixSocket() const;
    QString database() const;
    QString charset() const;
    QString encoding() const; //!< the Qt codec name used for text (e.g. "UTF-8")
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
    friend class ConnectionPrivate;
    friend class Cursor;
    friend class CursorPrivate;
    std::unique_ptr<ConnectionPrivate> d;
};

} // namespace AsyncMySql
