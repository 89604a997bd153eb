// SPDX-License-Identifier: MIT
#pragma once

#include <AsyncMySql/ConnectOptions.h>
#include <AsyncMySql/Connection.h>

#include <QtCore/QFuture>
#include <QtCore/QObject>

#include <chrono>
#include <memory>

namespace AsyncMySql {

class Pool;
class PoolPrivate;
class PooledConnectionPrivate;

/*! aiomysql.create_pool() keywords. */
struct PoolOptions
{
    ConnectOptions connection; //!< how every connection of the pool is opened
    int minSize = 1;           //!< opened up front; acquire() tops the pool up to it
    int maxSize = 10;          //!< most connections at once, counting those being opened; 0 = unlimited
    //! A connection older than this is closed instead of being handed out again; -1 = never.
    std::chrono::seconds poolRecycle{-1};
    //! A waiting acquire() fails with OperationalError (2000, SQLSTATE HYT00) after this; 0 = no limit.
    std::chrono::milliseconds acquireTimeout{30000};
    /*! A free connection idle at least this long is pinged before it is handed out, and
        replaced if the ping fails (the server's wait_timeout, a restart, a KILL); 0 = always,
        -1 = never. A ping gets connection.connectTimeout to answer. */
    std::chrono::milliseconds pingAfterIdle{1000};
    /*! On release: COM_RESET_CONNECTION, then the session set up again from \c connection
        (Connection::resetConnection()), so no user variable, temporary table, lock or setting
        leaks to the next user. false keeps aiomysql's behaviour: the session stays as it is
        (an open transaction is still rolled back). Either cleanup is pipelined with the next
        user's commands (see Pool). */
    bool resetOnRelease = true;
    bool echo = false; //!< echo on for every connection (as connection.echo)
};

/*!
    A connection lent by a Pool: the C++ form of `async with pool.acquire() as conn`.

    The lease is held by the copies of the handle that you take out of the acquire() future
    (QFuture::result(), the argument of a `.then()` continuation, `co_await`), and by their
    copies: the connection goes back to the pool when the last of them is gone, or at once with
    release() on any of them. The copy kept in the future's result store holds no lease, so a
    QFuture<PooledConnection> you keep (a member, a list given to QtFuture::whenAll, a coroutine
    frame) never keeps a connection out of the pool. A result nobody ever took out goes back
    when the future's last copy goes. A handle read from a future after its lease ended is
    null (isNull()); it is never a second lease on a connection that someone else has now.
    (So a `result()` read only to see whether the future failed takes the handle and drops it:
    the connection goes back at once.)

    It is not move-only because QFuture cannot carry a move-only result safely on Qt 6.4:
    there, QFuture::takeResult() resets the future's state, after which the promise runs its
    continuation a second time. (takeResult() moves out the stored copy, which then counts as
    a result nobody took: it gives the connection back when it goes, unless copied first.)
    Futures that Qt derives by copying the result into a new result store, such as
    `acquire().onFailed(...)` or `.onCanceled(...)` (Qt 6.4 copies the value through) or a
    continuation that returns the handle, hold a lease in that store like any copy you keep:
    take the handle out in a `.then()` on acquire()'s own future instead.

    A null or released handle never hands out a dangling pointer: get() returns nullptr, but
    operator->() and operator*() give a closed stand-in Connection on which every command,
    open() and ping() fail with InterfaceError ("The connection was released to its pool"),
    and a warning is logged in the `asyncmysql.pool` category. Cursors made on the connection
    belong to the lease: on release they move to that stand-in, closed, so a `Cursor *` kept
    past release() stays valid (its calls fail with the same InterfaceError) until the last
    copy of the handle, and of the future it came from, is gone; keep a QPointer<Cursor> to
    hold one longer.

    Use it in the thread of its pool; after the pool is destroyed get() returns nullptr (the
    pool deletes its connections, and their cursors, with it).
*/
class ASYNCMYSQL_EXPORT PooledConnection
{
public:
    PooledConnection() noexcept;
    PooledConnection(const PooledConnection &other) noexcept;
    PooledConnection(PooledConnection &&other) noexcept;
    PooledConnection &operator=(const PooledConnection &other) noexcept;
    PooledConnection &operator=(PooledConnection &&other) noexcept;
    ~PooledConnection();

    //! True for a default-constructed handle and once the lease ended (release(), take(),
    //! the last copy gone, the pool destroyed).
    bool isNull() const noexcept;
    //! The connection, or nullptr when isNull().
    Connection *get() const noexcept;
    //! The connection; when isNull(), the stand-in described above (never nullptr).
    Connection *operator->() const;
    Connection &operator*() const { return *operator->(); }
    explicit operator bool() const noexcept { return !isNull(); }
    Pool *pool() const noexcept;

    //! Gives the connection back now; every copy is null afterwards.
    void release();
    /*! Ends the lease without giving the connection back: it stays out of the pool (and in
        its size()) until Pool::release() is called with it; its cursors stay with it. */
    Connection *take();

private:
    friend class PoolPrivate;
    friend class PooledConnectionPrivate;
    //! A handle that holds no lease: the one a QFuture stores (see the class description).
    explicit PooledConnection(std::shared_ptr<PooledConnectionPrivate> d) noexcept;
    void swap(PooledConnection &other) noexcept;
    // Mutable: operator->() on a null handle gives it the state that owns its stand-in.
    mutable std::shared_ptr<PooledConnectionPrivate> d;
    bool counted = false; // this copy is one of those that hold the lease
};

/*!
    What a pool has done since it was made: a minimal set of counters (fuller metrics may
    build on it). Read with Pool::counters().
*/
struct PoolCounters
{
    quint64 connectionsOpened = 0;  //!< connections opened (authenticated and set up)
    quint64 connectionsFailed = 0;  //!< attempts to open a connection that failed
    quint64 connectionsClosed = 0;  //!< connections that left the pool, for whatever reason
    /*! Cleanups after a release (reset, or rollback without resetOnRelease) that failed, e.g.
        a KILL that landed on the connection meanwhile: the connection was closed (and what
        its next user had queued behind the cleanup failed). Not counted once the pool is
        closing. */
    quint64 resetFailures = 0;
    //! Free connections that failed their ping before being handed out and were replaced.
    quint64 checkFailures = 0;
};

/*!
    A pool of connections with the same options: aiomysql's Pool, on the Qt event loop.

    acquire() hands out a free connection (the most recently used first), opens a new one while
    fewer than maxSize exist, or queues the caller: waiters are served in FIFO order and fail
    after acquireTimeout. A cancelled acquire() future takes nothing. Released connections are
    checked before anyone else gets them: a broken or busy one (commands still pending) is
    closed, an open transaction is rolled back, and the session is reset (resetOnRelease).
    That rollback or reset is written at once and not waited for: the connection is free again
    at once, and the next user's commands are written behind it, so a pooled lookup costs one
    round trip. One whose cleanup is still in flight is handed out only when no other
    connection is free. If the cleanup fails (a KILL that lands meanwhile, the network), the
    connection is closed, counted in counters().resetFailures, and whatever its next user had
    queued behind the cleanup fails with the cleanup's error; a connection nobody had taken
    yet is simply replaced.

    Sizes are reported by properties whose signals are emitted from a queued call after a
    change (a burst of changes gives one signal). Futures finish from a queued call too, so a
    continuation without a context object may call acquire() again.

    The pool closes its connections with COM_QUIT, except those found broken, those released
    with commands pending and those terminate() closes while lent out. A pool destroyed without
    close() deletes its connections at once: each writes COM_QUIT without waiting for a reply.
*/
class ASYNCMYSQL_EXPORT Pool : public QObject
{
    Q_OBJECT
    Q_PROPERTY(int size READ size NOTIFY sizeChanged)
    Q_PROPERTY(int freeSize READ freeSize NOTIFY freeSizeChanged)
    Q_PROPERTY(int waiterCount READ waiterCount NOTIFY waiterCountChanged)
    Q_PROPERTY(int minSize READ minSize CONSTANT)
    Q_PROPERTY(int maxSize READ maxSize CONSTANT)
    Q_PROPERTY(bool closed READ isClosed NOTIFY closedChanged)

public:
    //! Starts opening minSize connections; acquire() may be called at once.
    explicit Pool(const PoolOptions &options, QObject *parent = nullptr);
    //! Deletes every connection at once (each writes COM_QUIT, without waiting); pending acquires fail.
    ~Pool() override;

    /*! aiomysql.create_pool(): a new pool whose minSize connections are open. If one fails to
        open, the future fails with its error and the pool is deleted. Invalid sizes are a
        ProgrammingError. */
    [[nodiscard]] static QFuture<Pool *> create(const PoolOptions &options, QObject *parent = nullptr);

    /*! A connection for the caller; see the class description. Fails with InterfaceError once
        the pool is closed, with OperationalError after acquireTimeout, or with the error of
        opening a new connection when none is coming back. */
    [[nodiscard]] QFuture<PooledConnection> acquire();
    //! Gives back a connection of this pool (see PooledConnection::take()).
    void release(Connection *connection);

    //! Closes the free connections (COM_QUIT); finishes once they are closed.
    [[nodiscard]] QFuture<void> clear();
    /*! No more acquires (pending ones fail with InterfaceError); free connections are closed
        now, lent ones when they come back. */
    void close();
    //! close(), and the connections that are lent out are closed at once too.
    void terminate();
    //! Finishes when every connection is closed; InterfaceError if close() was not called.
    [[nodiscard]] QFuture<void> waitClosed();

    int minSize() const;
    int maxSize() const;
    //! Connections that exist: free, lent out, being opened, checked, reset or closed.
    int size() const;
    /*! Connections ready to be handed out now, including released ones whose cleanup
        (rollback, reset) is still in flight: those are handed out with their next user's
        commands queued behind the cleanup (see the class description). */
    int freeSize() const;
    //! acquire() calls waiting for a connection.
    int waiterCount() const;
    //! True once close() or terminate() was called.
    bool isClosed() const;
    const PoolOptions &options() const;
    //! What the pool has done so far (connections opened, failed, closed; failed cleanups).
    PoolCounters counters() const;

Q_SIGNALS:
    void sizeChanged(int size);
    void freeSizeChanged(int freeSize);
    void waiterCountChanged(int waiterCount);
    void closedChanged();

private:
    friend class PoolPrivate;
    friend class PooledConnection;
    friend class PooledConnectionPrivate;
    std::unique_ptr<PoolPrivate> d;
};

} // namespace AsyncMySql
