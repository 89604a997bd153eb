// SPDX-License-Identifier: MIT
#include "pool_p.h"

#include "connection_p.h"
#include "logging_p.h"

#include <AsyncMySql/Cursor.h>

#include "../protocol/constants.h"

#include <algorithm>

namespace AsyncMySql {

using namespace Protocol;

// ---------------------------------------------------------------------------------------------
// PooledConnection

namespace {

ErrorInfo releasedError()
{
    return ErrorInfo::interface(QStringLiteral("The connection was released to its pool"));
}

} // namespace

PooledConnectionPrivate::~PooledConnectionPrivate()
{
    end(true); // normally ended already; this only makes sure
}

void PooledConnectionPrivate::end(bool giveBack)
{
    if (ended)
        return;
    ended = true;
    Pool *p = std::exchange(pool, nullptr);
    Connection *c = std::exchange(connection, nullptr);
    if (!giveBack || !p || !c)
        return;
    // The user may still hold pointers to these: they must neither dangle nor reach the
    // connection's next user.
    const auto cursors = c->findChildren<Cursor *>(QString(), Qt::FindDirectChildrenOnly);
    if (!cursors.isEmpty()) {
        Connection *s = standIn();
        for (Cursor *cursor : cursors)
            moveCursorToStandIn(cursor, s, releasedError());
    }
    PoolPrivate::get(p)->release(c, lease);
}

void PooledConnectionPrivate::disown(const PooledConnection &stored)
{
    // The store's object was made by Qt (moved in, or copied in by another Qt version): it
    // lives on the heap as a non-const object, so this const_cast is sound.
    auto &h = const_cast<PooledConnection &>(stored);
    if (!h.counted || !h.d)
        return;
    h.counted = false;
    --h.d->holders;
    // Nobody but the store has it yet: it is still "a result nobody took".
    h.d->taken = h.d->holders > 0;
}

Connection *PooledConnectionPrivate::standIn()
{
    if (!standInConnection) {
        standInConnection = std::make_unique<Connection>(ConnectOptions());
        ErrorInfo why = releasedError();
        if (lease == 0)
            why.message = QStringLiteral("A null PooledConnection has no connection");
        else if (!ended)
            why.message = QStringLiteral("The connection's pool was destroyed");
        ConnectionPrivate::get(standInConnection.get())->refuse(why);
    }
    return standInConnection.get();
}

PooledConnection::PooledConnection() noexcept = default;
PooledConnection::PooledConnection(std::shared_ptr<PooledConnectionPrivate> dd) noexcept : d(std::move(dd)) { }

PooledConnection::PooledConnection(const PooledConnection &other) noexcept : d(other.d)
{
    // A copy of a live lease shares it; a copy of an ended one is null (and shares only the
    // stand-in, so that its calls report the release).
    if (d && !d->ended) {
        d->hold();
        counted = true;
    }
}

PooledConnection::PooledConnection(PooledConnection &&other) noexcept
    : d(std::move(other.d)), counted(std::exchange(other.counted, false))
{
}

PooledConnection &PooledConnection::operator=(const PooledConnection &other) noexcept
{
    PooledConnection copy(other);
    swap(copy);
    return *this;
}

PooledConnection &PooledConnection::operator=(PooledConnection &&other) noexcept
{
    PooledConnection moved(std::move(other));
    swap(moved);
    return *this;
}

PooledConnection::~PooledConnection()
{
    if (!d)
        return;
    if (counted)
        d->drop();
    else if (!d->taken)
        d->end(true); // the stored copy of a result nobody took out
}

void PooledConnection::swap(PooledConnection &other) noexcept
{
    std::swap(d, other.d);
    std::swap(counted, other.counted);
}

bool PooledConnection::isNull() const noexcept { return !d || d->isNull(); }
Connection *PooledConnection::get() const noexcept { return isNull() ? nullptr : d->connection.data(); }
Pool *PooledConnection::pool() const noexcept { return isNull() ? nullptr : d->pool.data(); }

Connection *PooledConnection::operator->() const
{
    if (!isNull())
        return d->connection.data();
    if (!d) {
        d = std::make_shared<PooledConnectionPrivate>(nullptr, nullptr, 0);
        d->ended = true;
    }
    if (!std::exchange(d->warned, true))
        qCWarning(lcPool) << "a call through a released or null PooledConnection: it fails with InterfaceError";
    return d->standIn();
}

void PooledConnection::release()
{
    if (d)
        d->end(true);
}

Connection *PooledConnection::take()
{
    if (isNull())
        return nullptr;
    Connection *c = d->connection.data();
    d->end(false);
    return c;
}

// ---------------------------------------------------------------------------------------------
// WaiterQueue

WaiterQueue::WaiterQueue(QObject *context, std::chrono::milliseconds timeout)
    : m_context(context), m_timeout(timeout)
{
    m_timer.setSingleShot(true);
    QObject::connect(&m_timer, &QTimer::timeout, context, [this] { onTimeout(); });
}

WaiterQueue::~WaiterQueue()
{
    for (const Waiter &w : m_queue)
        delete w.watcher;
}

void WaiterQueue::setHandlers(Handler expired, Handler cancelled)
{
    m_expired = std::move(expired);
    m_cancelled = std::move(cancelled);
}

QFuture<PooledConnection> WaiterQueue::add()
{
    Waiter w;
    w.promise = startedPromise<PooledConnection>();
    w.deadline = m_timeout.count() > 0 ? QDeadlineTimer(m_timeout) : QDeadlineTimer(QDeadlineTimer::Forever);
    watch(w);
    m_queue.push_back(w);
    if (m_queue.size() == 1)
        arm();
    return w.promise->future();
}

void WaiterQueue::watch(Waiter &w)
{
    w.watcher = new QFutureWatcher<PooledConnection>(m_context);
    const QPromise<PooledConnection> *promise = w.promise.get();
    QObject::connect(w.watcher, &QFutureWatcherBase::canceled, m_context, [this, promise] { onCancelled(promise); });
    w.watcher->setFuture(w.promise->future());
}

void WaiterQueue::forget(const Waiter &w)
{
    delete w.watcher;
}

bool WaiterQueue::take(Waiter &waiter)
{
    while (!m_queue.empty()) {
        Waiter w = m_queue.front();
        m_queue.pop_front();
        if (w.promise->isCanceled()) {
            // Cancelled before its watcher's (queued) signal arrived.
            m_cancelled(w);
            continue;
        }
        waiter = w;
        arm();
        return true;
    }
    arm();
    return false;
}

void WaiterQueue::requeue(const Waiter &waiter)
{
    m_queue.push_front(waiter);
    arm();
}

std::deque<Waiter> WaiterQueue::takeAll()
{
    m_timer.stop();
    return std::exchange(m_queue, {});
}

void WaiterQueue::onCancelled(const QPromise<PooledConnection> *promise)
{
    const auto it = std::find_if(m_queue.begin(), m_queue.end(),
                                 [promise](const Waiter &w) { return w.promise.get() == promise; });
    if (it == m_queue.end())
        return; // already handed out or failed: that path saw the cancellation (or will)
    Waiter w = *it;
    m_queue.erase(it);
    arm();
    // Inside the watcher's own signal: it may not be deleted here.
    w.watcher->disconnect();
    w.watcher->deleteLater();
    w.watcher = nullptr;
    m_cancelled(w);
}

void WaiterQueue::onTimeout()
{
    while (!m_queue.empty() && m_queue.front().deadline.hasExpired()) {
        Waiter w = m_queue.front();
        m_queue.pop_front();
        m_expired(w);
    }
    arm();
}

void WaiterQueue::arm()
{
    if (m_queue.empty() || m_queue.front().deadline.isForever()) {
        m_timer.stop();
        return;
    }
    m_timer.start(std::max<qint64>(0, m_queue.front().deadline.remainingTime()));
}

// ---------------------------------------------------------------------------------------------
// PoolPrivate

namespace {

std::optional<ErrorInfo> validate(const PoolOptions &o)
{
    if (o.minSize < 0)
        return ErrorInfo::programming(QStringLiteral("PoolOptions::minSize must be 0 or more, not %1").arg(o.minSize));
    if (o.maxSize < 0)
        return ErrorInfo::programming(QStringLiteral("PoolOptions::maxSize must be 0 (unlimited) or more, not %1").arg(o.maxSize));
    if (o.maxSize > 0 && o.minSize > o.maxSize)
        return ErrorInfo::programming(QStringLiteral("PoolOptions::minSize (%1) must not exceed maxSize (%2)")
                                              .arg(o.minSize).arg(o.maxSize));
    return std::nullopt;
}

// libmysqlclient has no number for a pool timeout: CR_UNKNOWN_ERROR, with ODBC's "timeout
// expired" SQLSTATE to tell it apart.
constexpr int AcquireTimeoutCode = ClientError::UnknownError;
const QString AcquireTimeoutState = QStringLiteral("HYT00");

} // namespace

PoolPrivate::PoolPrivate(Pool *qq, const PoolOptions &o)
    : q(qq), options(o), connectOptions(o.connection), optionsError(validate(o)), waiters(qq, o.acquireTimeout)
{
    connectOptions.echo = o.echo || o.connection.echo;
    waiters.setHandlers(
            [this](const Waiter &w) {
                fail(w, ErrorInfo::operational(AcquireTimeoutCode,
                                               QStringLiteral("Timed out after %1 ms waiting for a connection "
                                                              "(pool size %2 of %3, %4 waiting)")
                                                       .arg(options.acquireTimeout.count())
                                                       .arg(size())
                                                       .arg(options.maxSize > 0 ? QString::number(options.maxSize)
                                                                                : QStringLiteral("unlimited"))
                                                       .arg(waiters.size()),
                                               AcquireTimeoutState));
                changed();
            },
            [this](const Waiter &w) {
                WaiterQueue::forget(w);
                w.promise->finish();
                changed();
            });
}

PoolPrivate::~PoolPrivate() = default;

void PoolPrivate::later(std::function<void()> f)
{
    QMetaObject::invokeMethod(q, std::move(f), Qt::QueuedConnection);
}

PoolPrivate::Entry *PoolPrivate::find(const Connection *c) const
{
    for (const auto &e : entries) {
        if (e->connection == c)
            return e.get();
    }
    return nullptr;
}

int PoolPrivate::count(State s) const
{
    return int(std::count_if(entries.begin(), entries.end(), [s](const auto &e) { return e->state == s; }));
}

int PoolPrivate::size() const
{
    return int(entries.size()) - count(State::Detached);
}

int PoolPrivate::incoming() const
{
    return count(State::Opening) + count(State::Checking);
}

bool PoolPrivate::recycleDue(const Entry &e) const
{
    return options.poolRecycle.count() >= 0 && e.age.isValid()
            && e.age.elapsed() > std::chrono::milliseconds(options.poolRecycle).count();
}

bool PoolPrivate::pingDue(const Entry &e) const
{
    return options.pingAfterIdle.count() >= 0 && e.idle.elapsed() >= options.pingAfterIdle.count();
}

ErrorInfo PoolPrivate::closedError() const
{
    return ErrorInfo::interface(QStringLiteral("The pool is closed"));
}

// --- handing out ---------------------------------------------------------------------------

void PoolPrivate::dispatch()
{
    if (destroying)
        return;
    // Nothing below calls user code, but a connection's close() inside retire() must not
    // start a second loop over the same state.
    if (dispatching) {
        dispatchAgain = true;
        return;
    }
    dispatching = true;
    do {
        dispatchAgain = false;
        while (!waiters.isEmpty()) {
            // The most recently used free connection: the likeliest to be alive and warm, and
            // the others age towards poolRecycle instead of all staying half-used. One whose
            // cleanup is still in flight only if there is no other: should the cleanup fail,
            // the commands queued behind it fail too.
            Entry *e = nullptr;
            for (const auto &candidate : entries) {
                if (candidate->state == State::Free
                    && (!e || std::make_pair(candidate->cleaning, candidate->idle.elapsed()) < std::make_pair(e->cleaning, e->idle.elapsed())))
                    e = candidate.get();
            }
            if (!e)
                break;
            if (!isIdle(*e)) {
                qCInfo(lcPool) << "a free connection was closed; dropping it";
                retire(*e);
                continue;
            }
            if (recycleDue(*e)) {
                qCDebug(lcPool) << "recycling a connection older than" << options.poolRecycle.count() << "s";
                retire(*e);
                continue;
            }
            if (pingDue(*e)) {
                // One check per waiter still uncovered, not one per idle connection.
                if (incoming() >= waiters.size())
                    break;
                check(*e);
                continue;
            }
            Waiter w;
            if (!waiters.take(w))
                break;
            lend(*e, w);
        }
        // One new connection per waiter that nothing else is coming back for.
        for (int wanted = waiters.size() - incoming(); wanted > 0 && hasRoom(); --wanted)
            open(false);
    } while (dispatchAgain);
    dispatching = false;
    changed();
}

void PoolPrivate::fillToMinimum()
{
    while (!closing && size() < options.minSize && hasRoom())
        open(false);
}

void PoolPrivate::open(bool initial)
{
    auto entry = std::make_unique<Entry>();
    auto *c = new Connection(connectOptions, q);
    entry->connection = c;
    entry->initial = initial;
    entry->watchdog.setSingleShot(true);
    QObject::connect(&entry->watchdog, &QTimer::timeout, q, [this, c] {
        qCWarning(lcPool) << "a pooled connection did not answer in time; closing it";
        // Fails the pending check or reset, which drops the connection.
        ConnectionPrivate::get(c)->shutdown(ErrorInfo::operational(
                ClientError::ServerLost,
                QStringLiteral("Lost connection to MySQL server: no answer within %1 ms")
                        .arg(connectOptions.connectTimeout.count()),
                QStringLiteral("08S01")));
    });
    QObject::connect(c, &Connection::stateChanged, q, [this, c](Connection::State s) {
        if (s == Connection::State::Closed)
            connectionClosed(c);
    });
    QObject::connect(c, &QObject::destroyed, q, [this, c] {
        // Deleted by someone else (the pool disconnects before it deletes).
        if (!destroying && find(c)) {
            qCWarning(lcPool) << "a pooled connection was deleted while the pool owned it";
            const auto it = std::find_if(entries.begin(), entries.end(), [c](const auto &e) { return e->connection == c; });
            entries.erase(it);
            ++counters.connectionsClosed;
            dispatch();
        }
    });
    entries.push_back(std::move(entry));
    qCDebug(lcPool) << "opening a connection; size" << size();
    ConnectionPrivate::get(c)->open([this, c](const ErrorInfo *error) { opened(c, error); });
    changed();
}

void PoolPrivate::opened(Connection *c, const ErrorInfo *error)
{
    if (destroying)
        return;
    Entry *e = find(c);
    if (!e || e->state != State::Opening)
        return;
    const bool initial = std::exchange(e->initial, false);
    if (error) {
        qCWarning(lcPool).noquote() << "could not open a connection:" << error->message;
        ++counters.connectionsFailed;
        remove(c);
        // The error goes to a waiter that nothing else is coming for, instead of leaving it
        // to time out: with the server down, every waiter learns why at once.
        Waiter w;
        if (waiters.size() > incoming() && waiters.take(w))
            fail(w, *error);
        if (initial)
            initialDone(error);
        dispatch();
        return;
    }
    e->age.start();
    ++counters.connectionsOpened;
    if (initial)
        initialDone(nullptr);
    offer(*e);
}

void PoolPrivate::initialDone(const ErrorInfo *error)
{
    if (error && !initialError)
        initialError = *error;
    if (--initialPending > 0)
        return;
    const auto callbacks = std::exchange(filledCallbacks, {});
    for (const auto &cb : callbacks)
        later([cb, error = initialError] { cb(error ? &*error : nullptr); });
}

void PoolPrivate::check(Entry &e)
{
    e.state = State::Checking;
    watchdog(e);
    Connection *c = e.connection;
    ConnectionPrivate::get(c)->runCommand(Command::Ping, {}, [this, c](const ErrorInfo *error) { checked(c, error); });
}

void PoolPrivate::watchdog(Entry &e)
{
    // A silent peer (a dead network path) would hold the connection forever otherwise.
    if (connectOptions.connectTimeout.count() > 0)
        e.watchdog.start(connectOptions.connectTimeout);
}

void PoolPrivate::checked(Connection *c, const ErrorInfo *error)
{
    settled(c, error, State::Checking, "an idle connection failed its check, replacing it:");
}

void PoolPrivate::settled(Connection *c, const ErrorInfo *error, State expected, const char *failure)
{
    // The ping, reset or rollback of \a c answered: good connections are offered again, the
    // others retired. Nothing if the pool or the connection moved on meanwhile.
    if (destroying)
        return;
    Entry *e = find(c);
    if (!e || e->state != expected)
        return;
    e->watchdog.stop();
    if (error) {
        qCInfo(lcPool).noquote() << failure << error->message; // expected now and then
        ++counters.checkFailures;
        retire(*e);
        dispatch();
        return;
    }
    offer(*e);
}

bool PoolPrivate::isIdle(const Entry &e) const
{
    // Commands run in order: if the cleanup is the last one queued, nothing else is.
    return ConnectionPrivate::get(e.connection)->isIdleBehind(e.cleaning ? e.cleanup.lock().get() : nullptr);
}

void PoolPrivate::offer(Entry &e)
{
    if (!e.cleaning) // else it still bounds the cleanup
        e.watchdog.stop();
    if (closing) {
        retire(e);
        return;
    }
    e.state = State::Free;
    e.idle.start();
    Waiter w;
    if (waiters.take(w))
        lend(e, w);
    changed();
}

void PoolPrivate::lend(Entry &e, const Waiter &w)
{
    e.state = State::Lent;
    e.lease = ++lastLease;
    later([this, c = QPointer<Connection>(e.connection), lease = e.lease, w] { handOut(c, lease, w); });
}

void PoolPrivate::handOut(Connection *c, quint64 lease, const Waiter &w)
{
    Entry *e = c ? find(c) : nullptr;
    if (!e || e->lease != lease || e->state == State::Detached) {
        // terminate() closed it, or it was deleted, between lend() and now.
        if (e && e->state == State::Detached)
            remove(c);
        if (closing) {
            fail(w, closedError());
        } else {
            waiters.requeue(w);
            dispatch();
        }
        return;
    }
    if (w.promise->isCanceled()) {
        WaiterQueue::forget(w);
        w.promise->finish();
        e->lease = 0;
        offer(*e); // unused: no reset needed
        return;
    }
    if (closing) {
        fail(w, closedError());
        e->lease = 0;
        retire(*e);
        return;
    }
    if (!isIdle(*e)) {
        // Closed by the server since lend(): never hand out a dead connection.
        qCInfo(lcPool) << "a connection closed before it was handed out; dropping it";
        e->lease = 0;
        retire(*e);
        waiters.requeue(w);
        dispatch();
        return;
    }
    WaiterQueue::forget(w);
    // The stored handle holds no lease (PooledConnection's description): Qt 6.4 moves it into
    // the store (our move constructor is noexcept), but disown() makes sure either way.
    w.promise->addResult(PooledConnection(std::make_shared<PooledConnectionPrivate>(q, c, lease)));
    const QFuture<PooledConnection> future = w.promise->future();
    if (future.resultCount() > 0)
        PooledConnectionPrivate::disown(*future.constBegin());
    w.promise->finish();
}

void PoolPrivate::fail(const Waiter &w, const ErrorInfo &error)
{
    WaiterQueue::forget(w);
    later([promise = w.promise, error] { failPromise(*promise, error); });
}

// --- taking back -----------------------------------------------------------------------------

void PoolPrivate::release(Connection *c, quint64 lease)
{
    if (destroying)
        return;
    Entry *e = find(c);
    if (!e) {
        qCWarning(lcPool) << "release(): not a connection of this pool";
        return;
    }
    if (lease != 0 && e->lease != lease)
        return; // a handle of an earlier lease: the connection was given back already
    if (e->state == State::Detached) {
        remove(c);
        return;
    }
    if (e->state != State::Lent) {
        qCWarning(lcPool) << "release(): the connection is not lent out";
        return;
    }
    e->lease = 0;
    // Cursors belong to one use: a long-lived pooled connection must not collect them. A
    // handle's release has moved its cursors to the handle already; these are left from a
    // take() that Pool::release() ends.
    for (Cursor *cursor : c->findChildren<Cursor *>(QString(), Qt::FindDirectChildrenOnly))
        cursor->deleteLater();
    c->setEcho(connectOptions.echo);
    ConnectionPrivate *cd = ConnectionPrivate::get(c);
    // A Transaction the last user still holds ends here (rolled back below): dropped later, it
    // must not roll back the next user's work.
    cd->forgetTransaction();
    if (c->state() != Connection::State::Connected) {
        qCInfo(lcPool) << "a released connection is closed; dropping it";
        remove(c);
        dispatch();
        return;
    }
    if (!isIdle(*e)) {
        // Replies nobody will read any more would come back to the next user.
        qCWarning(lcPool) << "a connection was released with" << cd->pendingCommands() << "commands pending; closing it";
        cd->shutdown(ErrorInfo::interface(QStringLiteral("The connection was released to its pool with commands pending")));
        remove(c);
        dispatch();
        return;
    }
    if (closing || recycleDue(*e)) {
        retire(*e);
        dispatch();
        return;
    }
    // The cleanup is written now and not waited for: the connection is free at once, and the
    // next user's commands go out behind it (one round trip for both). If it was handed out
    // behind its previous cleanup and nothing was sent since, that cleanup still covers it.
    if (!e->cleaning) {
        CommandPtr last;
        if (options.resetOnRelease) {
            // Back to the charset configured (Connection::setCharset() may have changed it) & co.
            last = cd->resetSession([this, c](const ErrorInfo *error) { cleaned(c, error); });
        } else if (c->inTransaction()) {
            last = cd->runQuery(QStringLiteral("ROLLBACK"), [this, c](const ErrorInfo *error, const QList<ResultSet> &) { cleaned(c, error); });
            cd->expectTransactionEnd();
        }
        if (last) {
            e->cleaning = true;
            e->cleanup = last;
            watchdog(*e);
        }
    }
    offer(*e);
    changed();
}

void PoolPrivate::cleaned(Connection *c, const ErrorInfo *error)
{
    if (destroying)
        return;
    Entry *e = find(c);
    if (!e || !e->cleaning)
        return;
    e->cleaning = false;
    e->cleanup.reset();
    if (e->state != State::Checking) // a check queued behind the cleanup has its own bound
        e->watchdog.stop();
    if (!error)
        return;
    if (!closing)
        ++counters.resetFailures;
    qCWarning(lcPool).noquote() << "cleaning up a released connection failed, closing it:" << error->message;
    switch (e->state) {
    case State::Free:
        retire(*e);
        dispatch();
        break;
    case State::Lent:
    case State::Checking:
        // Handed out (or pinged) behind the cleanup: what is queued behind it must not run in
        // a session in an unknown state, so it fails with the cleanup's error; the holder's
        // release then drops the closed connection.
        ConnectionPrivate::get(c)->shutdown(*error);
        break;
    default:
        break;
    }
}

void PoolPrivate::connectionClosed(Connection *c)
{
    if (destroying)
        return;
    Entry *e = find(c);
    if (!e || e->state != State::Free || !c->isClosed())
        return;
    // Killed, or the server's wait_timeout: gone before anyone asked for it.
    qCInfo(lcPool) << "a free connection was closed by the server; dropping it";
    remove(c);
    dispatch();
}

// --- closing ---------------------------------------------------------------------------------

void PoolPrivate::retire(Entry &e, std::function<void()> closed)
{
    Connection *c = e.connection;
    e.watchdog.stop();
    // COM_QUIT may still go out behind a cleanup in flight.
    if (!isIdle(e)) {
        remove(c);
        if (closed)
            later(std::move(closed));
        return;
    }
    e.state = State::Closing;
    changed();
    // No context object: on Qt 6.4 a continuation whose context died meanwhile asserts.
    c->ensureClosed().then([pool = QPointer<Pool>(q), this, c, closed = std::move(closed)] {
        if (!pool || destroying)
            return;
        remove(c);
        if (closed)
            closed();
        dispatch();
    });
}

void PoolPrivate::remove(Connection *c)
{
    const auto it = std::find_if(entries.begin(), entries.end(), [c](const auto &e) { return e->connection == c; });
    if (it == entries.end())
        return;
    const std::unique_ptr<Entry> e = std::move(*it);
    entries.erase(it);
    if (e->state != State::Opening) // one that never opened is counted as failed instead
        ++counters.connectionsClosed;
    QObject::disconnect(c, nullptr, q, nullptr);
    c->close();
    // Its own queued callbacks may still be on the way.
    c->deleteLater();
    changed();
}

// --- signals -----------------------------------------------------------------------------------

void PoolPrivate::changed()
{
    if (notifyScheduled || destroying)
        return;
    notifyScheduled = true;
    later([this] {
        notifyScheduled = false;
        emitChanges();
    });
}

void PoolPrivate::emitChanges()
{
    const int s = size();
    const int f = count(State::Free);
    const int w = waiters.size();
    if (s != emittedSize)
        Q_EMIT q->sizeChanged(emittedSize = s);
    if (f != emittedFree)
        Q_EMIT q->freeSizeChanged(emittedFree = f);
    if (w != emittedWaiters)
        Q_EMIT q->waiterCountChanged(emittedWaiters = w);
    if (closing && !emittedClosed) {
        emittedClosed = true;
        Q_EMIT q->closedChanged();
    }
    if (closing && size() == 0) {
        const auto done = std::exchange(closedWaiters, {});
        for (const auto &p : done)
            p->finish();
    }
}

// ---------------------------------------------------------------------------------------------
// Pool

Pool::Pool(const PoolOptions &options, QObject *parent)
    : QObject(parent), d(std::make_unique<PoolPrivate>(this, options))
{
    if (d->optionsError) {
        qCWarning(lcPool).noquote() << d->optionsError->message;
        return;
    }
    d->initialPending = options.minSize;
    for (int i = 0; i < options.minSize; ++i)
        d->open(true);
}

Pool::~Pool()
{
    d->destroying = true;
    const ErrorInfo error = ErrorInfo::interface(QStringLiteral("The pool was destroyed"));
    for (const Waiter &w : d->waiters.takeAll()) {
        WaiterQueue::forget(w);
        failPromise(*w.promise, error);
    }
    // Now, while the callbacks that still come from them can see `destroying`.
    for (const auto &e : std::exchange(d->entries, {})) {
        QObject::disconnect(e->connection, nullptr, this, nullptr);
        delete e->connection;
    }
    for (const auto &p : std::exchange(d->closedWaiters, {}))
        p->finish();
}

QFuture<Pool *> Pool::create(const PoolOptions &options, QObject *parent)
{
    if (const auto error = validate(options))
        return failedFuture<Pool *>(*error);
    auto promise = startedPromise<Pool *>();
    auto *pool = new Pool(options, parent);
    auto done = [promise, pool = QPointer<Pool>(pool)](const ErrorInfo *error) {
        if (error) {
            if (pool) {
                // The connections that did open still say goodbye with COM_QUIT.
                pool->close();
                pool->waitClosed().then([pool] {
                    if (pool)
                        pool->deleteLater();
                });
            }
            failPromise(*promise, *error);
            return;
        }
        promise->addResult(pool.data());
        promise->finish();
    };
    PoolPrivate *pd = PoolPrivate::get(pool);
    if (pd->initialPending == 0)
        pd->later([done] { done(nullptr); });
    else
        pd->filledCallbacks.append(done);
    return promise->future();
}

QFuture<PooledConnection> Pool::acquire()
{
    if (d->optionsError)
        return failedFuture<PooledConnection>(*d->optionsError);
    if (d->closing)
        return failedFuture<PooledConnection>(d->closedError());
    QFuture<PooledConnection> future = d->waiters.add();
    d->fillToMinimum();
    d->dispatch();
    return future;
}

void Pool::release(Connection *connection)
{
    if (connection)
        d->release(connection, 0);
}

QFuture<void> Pool::clear()
{
    auto promise = startedPromise<void>();
    QList<Connection *> free;
    for (const auto &e : d->entries) {
        if (e->state == PoolPrivate::State::Free)
            free.append(e->connection);
    }
    if (free.isEmpty()) {
        d->later([promise] { promise->finish(); });
        return promise->future();
    }
    auto remaining = std::make_shared<qsizetype>(free.size());
    for (Connection *c : std::as_const(free)) {
        if (PoolPrivate::Entry *e = d->find(c)) {
            d->retire(*e, [promise, remaining] {
                if (--*remaining == 0)
                    promise->finish();
            });
        }
    }
    return promise->future();
}

void Pool::close()
{
    if (d->closing)
        return;
    d->closing = true;
    qCDebug(lcPool) << "closing; size" << d->size();
    for (const Waiter &w : d->waiters.takeAll())
        d->fail(w, d->closedError());
    QList<Connection *> free;
    for (const auto &e : d->entries) {
        if (e->state == PoolPrivate::State::Free)
            free.append(e->connection);
    }
    for (Connection *c : std::as_const(free)) {
        if (PoolPrivate::Entry *e = d->find(c))
            d->retire(*e);
    }
    d->changed();
}

void Pool::terminate()
{
    close();
    QList<Connection *> busy;
    for (const auto &e : d->entries) {
        if (e->state != PoolPrivate::State::Closing && e->state != PoolPrivate::State::Detached)
            busy.append(e->connection);
    }
    for (Connection *c : std::as_const(busy)) {
        PoolPrivate::Entry *e = d->find(c);
        if (!e)
            continue;
        // A lent connection stays a valid object for its holder; its commands fail from now on.
        if (e->state == PoolPrivate::State::Lent)
            e->state = PoolPrivate::State::Detached;
        c->close(); // an opening, checked or reset one is dropped by its failing callback
    }
    d->changed();
}

QFuture<void> Pool::waitClosed()
{
    if (!d->closing)
        return failedFuture<void>(ErrorInfo::interface(QStringLiteral("Pool::waitClosed() before close()")));
    auto promise = startedPromise<void>();
    d->closedWaiters.append(promise);
    d->changed(); // emitChanges() finishes it once nothing is left
    return promise->future();
}

int Pool::minSize() const { return d->options.minSize; }
int Pool::maxSize() const { return d->options.maxSize; }
int Pool::size() const { return d->size(); }
int Pool::freeSize() const { return d->count(PoolPrivate::State::Free); }
int Pool::waiterCount() const { return d->waiters.size(); }
bool Pool::isClosed() const { return d->closing; }
const PoolOptions &Pool::options() const { return d->options; }
PoolCounters Pool::counters() const { return d->counters; }

} // namespace AsyncMySql
