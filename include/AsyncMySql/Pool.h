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
        (an open transaction is still rolled back). */
    bool resetOnRelease = true;
    bool echo = false; //!< echo on for every connection (as connection.echo)
};

/*!
    A connection lent by a Pool: the C++ form of `async with pool.acquire() as conn`. The
    connection goes back to the pool when the last copy of the handle is destroyed, or at once
    with release().

    Copies share one lease (release() on any copy returns it for all of them). It is not
    move-only because QFuture cannot carry a move-only result safely on Qt 6.4: there,
    QFuture::takeResult() resets the future's state, after which the promise runs its
    continuation a second time. So take the handle out of the future as usual, with
    `.then(ctx, [](AsyncMySql::PooledConnection c) { ... })` or QFuture::result(), and keep a
    copy (e.g. captured in the next continuation) for as long as you use the connection: when
    the last copy goes, pending commands fail and the connection is dropped. A QFuture you
    keep holds a copy too.

    Use it in the thread of its pool; after the pool is destroyed get() returns nullptr.
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

    //! The connection, or nullptr once released (or for a default-constructed handle).
    Connection *get() const noexcept;
    Connection *operator->() const noexcept { return get(); }
    Connection &operator*() const noexcept { return *get(); }
    explicit operator bool() const noexcept { return get() != nullptr; }
    Pool *pool() const noexcept;

    //! Gives the connection back now; every copy's get() returns nullptr afterwards.
    void release();
    /*! Ends the lease without giving the connection back: it stays out of the pool (and in
        its size()) until Pool::release() is called with it. */
    Connection *take();

private:
    friend class PoolPrivate;
    explicit PooledConnection(std::shared_ptr<PooledConnectionPrivate> d) noexcept;
    std::shared_ptr<PooledConnectionPrivate> d;
};

/*!
    A pool of connections with the same options: aiomysql's Pool, on the Qt event loop.

    acquire() hands out a free connection (the most recently used first), opens a new one while
    fewer than maxSize exist, or queues the caller: waiters are served in FIFO order and fail
    after acquireTimeout. A cancelled acquire() future takes nothing. Released connections are
    checked before anyone else gets them: a broken or busy one (commands still pending) is
    closed, an open transaction is rolled back, and the session is reset (resetOnRelease).

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
    static QFuture<Pool *> create(const PoolOptions &options, QObject *parent = nullptr);

    /*! A connection for the caller; see the class description. Fails with InterfaceError once
        the pool is closed, with OperationalError after acquireTimeout, or with the error of
        opening a new connection when none is coming back. */
    QFuture<PooledConnection> acquire();
    //! Gives back a connection of this pool (see PooledConnection::take()).
    void release(Connection *connection);

    //! Closes the free connections (COM_QUIT); finishes once they are closed.
    QFuture<void> clear();
    /*! No more acquires (pending ones fail with InterfaceError); free connections are closed
        now, lent ones when they come back. */
    void close();
    //! close(), and the connections that are lent out are closed at once too.
    void terminate();
    //! Finishes when every connection is closed; InterfaceError if close() was not called.
    QFuture<void> waitClosed();

    int minSize() const;
    int maxSize() const;
    //! Connections that exist: free, lent out, being opened, checked, reset or closed.
    int size() const;
    //! Connections ready to be handed out.
    int freeSize() const;
    //! acquire() calls waiting for a connection.
    int waiterCount() const;
    //! True once close() or terminate() was called.
    bool isClosed() const;
    const PoolOptions &options() const;

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
