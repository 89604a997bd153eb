// SPDX-License-Identifier: MIT
#pragma once

#include <AsyncMySql/Pool.h>

#include "errors_p.h"
#include "queuedcall_p.h"

#include <QtCore/QDeadlineTimer>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFutureWatcher>
#include <QtCore/QPointer>
#include <QtCore/QPromise>
#include <QtCore/QTimer>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace AsyncMySql {

/*!
    One lease, shared by the copies of a PooledConnection. The copies the user holds are
    counted in \c holders; the one in the acquire() future's result store is not (handOut()
    makes sure of that, whether Qt moved or copied it in). The lease ends when the last counted
    copy goes, when release() or take() is called, or, if no copy was ever taken out, when the
    stored one goes with the future's last copy.
*/
struct PendingCommand;

class PooledConnectionPrivate
{
public:
    PooledConnectionPrivate(Pool *p, Connection *c, quint64 l) : pool(p), connection(c), lease(l) { }
    ~PooledConnectionPrivate();

    /*! Where the lease is. Stored: the only copy is the one in the acquire() future's result
        store (it goes back with the future); Held: copies taken out of it hold it (it goes back
        with the last of them); Ended: given back or taken over, for good. */
    enum class Phase { Stored, Held, Ended };

    //! A copy that holds the lease appeared.
    void hold() noexcept
    {
        ++holders;
        phase = Phase::Held;
    }
    //! One went; the last one gives the connection back.
    void drop()
    {
        if (--holders == 0)
            end(true);
    }
    /*! Ends the lease once: with \a giveBack the connection's cursors move to the stand-in
        and the connection goes back to the pool; without (take()) both stay with the caller. */
    void end(bool giveBack);
    //! The stored copy in a future's result store: it must not count as a holder.
    static void disown(const PooledConnection &stored);
    bool isNull() const noexcept { return phase == Phase::Ended || !connection; }
    //! The closed Connection that calls through a null handle reach (made on first use).
    Connection *standIn();

    QPointer<Pool> pool;
    QPointer<Connection> connection;
    quint64 lease; // tells this lease from a later one of the same connection; 0: a null handle
    int holders = 0;
    Phase phase = Phase::Stored;
    bool warned = false; // about a call through the null handle
    std::unique_ptr<Connection> standInConnection;
};

//! Moves \a cursor, closed, to \a standIn: its calls then fail with the stand-in's error
//! (cursor.cpp; the cursor of a pooled connection outlives the connection's release).
void moveCursorToStandIn(Cursor *cursor, Connection *standIn, const ErrorInfo &error);

//! An acquire() call waiting for a connection.
struct Waiter
{
    std::shared_ptr<QPromise<PooledConnection>> promise;
    //! Notices QFuture::cancel(). It holds a copy of the future, so it must be gone before
    //! the result is added: else the result (a lease) outlives the caller's last copy.
    QFutureWatcher<PooledConnection> *watcher = nullptr;
    QDeadlineTimer deadline;
};

/*!
    The acquire() calls waiting for a connection, oldest first. All share one timeout, so the
    queue is sorted by deadline and one timer for the front is enough.
*/
class WaiterQueue
{
public:
    using Handler = std::function<void(const Waiter &)>;

    WaiterQueue(QObject *context, std::chrono::milliseconds timeout);
    ~WaiterQueue();
    //! \a expired gets waiters past their deadline, \a cancelled those whose future was cancelled;
    //! both are out of the queue by then.
    void setHandlers(Handler expired, Handler cancelled);

    QFuture<PooledConnection> add();
    //! Removes the oldest waiter whose future is not cancelled into \a waiter.
    bool take(Waiter &waiter);
    //! Puts back a waiter take() gave out, at the front.
    void requeue(const Waiter &waiter);
    std::deque<Waiter> takeAll();
    int size() const { return int(m_queue.size()); }
    bool isEmpty() const { return m_queue.empty(); }
    //! Ends the watching of a waiter that left the queue.
    static void forget(const Waiter &waiter);

private:
    void watch(Waiter &waiter);
    void onCancelled(const QPromise<PooledConnection> *promise);
    void onTimeout();
    void arm();

    QObject *m_context;
    std::chrono::milliseconds m_timeout;
    std::deque<Waiter> m_queue;
    QTimer m_timer;
    Handler m_expired, m_cancelled;
};

class PoolPrivate
{
public:
    //! One connection of the pool and what the pool is doing with it.
    struct Entry
    {
        enum class State {
            Opening,   // connecting
            Free,      // ready to be handed out
            Checking,  // pinged before being handed out
            Lent,      // out with a PooledConnection (or reserved for one)
            Closing,   // COM_QUIT sent
            Detached,  // closed by terminate() while lent; waits for its handle to come back
        };
        Connection *connection = nullptr; // a child of the pool
        State state = State::Opening;
        QElapsedTimer age;      // since it was opened (poolRecycle)
        QElapsedTimer idle;     // since it became free (pingAfterIdle)
        quint64 lease = 0;      // the PooledConnection it is lent to
        QTimer watchdog;        // bounds a check or a cleanup
        /*! The rollback or reset after a release is in flight. The connection is free (or lent
            again) meanwhile: the next user's commands are written behind it, pipelined. Not a
            State: it runs alongside Free, Lent or Checking. */
        bool cleaning = false;
        std::weak_ptr<PendingCommand> cleanup; // its last command
        bool initial = false;   // one of the minSize connections create() waits for (an Opening detail, cleared once opened)
    };
    using State = Entry::State;

    PoolPrivate(Pool *q, const PoolOptions &options);
    ~PoolPrivate();
    static PoolPrivate *get(Pool *pool) { return pool->d.get(); }

    // --- handing out ---------------------------------------------------------------------
    //! Matches free connections with waiters and opens connections for the rest.
    void dispatch();
    void fillToMinimum();
    void open(bool initial);
    void opened(Connection *connection, const ErrorInfo *error);
    void check(Entry &entry);
    void checked(Connection *connection, const ErrorInfo *error);
    //! What checked() and returned() share: offer the connection, or retire it on \a error.
    void settled(Connection *connection, const ErrorInfo *error, State expected, const char *failure);
    //! Connected, and nothing queued on it but the pool's own cleanup: it may change hands.
    bool isIdle(const Entry &entry) const;
    //! A connection known to be good right now: to the oldest waiter, or free.
    void offer(Entry &entry);
    void lend(Entry &entry, const Waiter &waiter);
    //! The queued second half of lend(): fulfils the waiter's future.
    void handOut(Connection *connection, quint64 lease, const Waiter &waiter);
    void fail(const Waiter &waiter, const ErrorInfo &error);

    // --- taking back ---------------------------------------------------------------------
    //! \a lease 0: whoever holds it (Pool::release()).
    void release(Connection *connection, quint64 lease);
    //! The cleanup after a release answered.
    void cleaned(Connection *connection, const ErrorInfo *error);
    void connectionClosed(Connection *connection);

    // --- closing -------------------------------------------------------------------------
    //! Closes with COM_QUIT if idle and connected, else at once; \a closed runs when it is gone.
    void retire(Entry &entry, std::function<void()> closed = {});
    //! Forgets the entry and closes its connection now.
    void remove(Connection *connection);

    // --- state -----------------------------------------------------------------------------
    Entry *find(const Connection *connection) const;
    int count(State state) const;
    int size() const;
    //! Connections that become free soon without a new one being opened.
    int incoming() const;
    bool hasRoom() const { return options.maxSize == 0 || size() < options.maxSize; }
    bool recycleDue(const Entry &entry) const;
    bool pingDue(const Entry &entry) const;
    //! Starts bounding a check or reset by connectTimeout.
    void watchdog(Entry &entry);
    void initialDone(const ErrorInfo *error);
    ErrorInfo closedError() const;
    //! Runs \a f from a queued call: promises are never fulfilled inside pool code.
    void later(std::function<void()> f);
    //! Schedules the emission of the signals whose value changed.
    void changed();
    void emitChanges();

    //! Open until close(); destroying it closes it too (nothing new is queued from then on).
    enum class Lifecycle { Open, Closing, Destroying };
    //! dispatch() guards against re-entrance: a nested call asks the running loop for one more round.
    enum class Dispatch { Idle, Running, RunAgain };

    bool isClosing() const { return lifecycle != Lifecycle::Open; }
    bool isDestroying() const { return lifecycle == Lifecycle::Destroying; }

    Pool *q;
    PoolOptions options;
    ConnectOptions connectOptions; // options.connection, echo included
    std::optional<ErrorInfo> optionsError;
    PoolCounters counters;
    std::vector<std::unique_ptr<Entry>> entries;
    WaiterQueue waiters;
    quint64 lastLease = 0;
    Lifecycle lifecycle = Lifecycle::Open;
    Dispatch dispatchState = Dispatch::Idle;
    QueuedCall notifyCall; // emitChanges(), once for a burst of changes

    int initialPending = 0;
    std::optional<ErrorInfo> initialError;
    QList<std::function<void(const ErrorInfo *)>> filledCallbacks;
    QList<std::shared_ptr<QPromise<void>>> closedWaiters;

    // The values the signals reported last.
    int emittedSize = 0;
    int emittedFree = 0;
    int emittedWaiters = 0;
    bool emittedClosed = false; // a reported value like the others, not a phase: closedChanged went out
};

} // namespace AsyncMySql
