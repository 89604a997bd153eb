// SPDX-License-Identifier: MIT
#pragma once

#include <AsyncMySql/global.h>

#include <QtCore/QObject>
#include <QtCore/QPointer>

#include <functional>

namespace AsyncMySql {

/*!
    One function run later from the event loop of its context object, once however often it was
    asked for in the meantime: the "flag + queued invokeMethod" scheduler in one place.

    schedule() posts a queued call unless one is pending already; the function runs once from
    the event loop, and a schedule() made while (or after) it runs posts the next one. cancel()
    drops a pending call; so does destroying the QueuedCall, or its context (Qt drops a dead
    object's posted events). The function may destroy the QueuedCall (or its owner) while it runs.

    Never runs the function from schedule() itself: that is the point of it (no user code inside
    readyRead, no re-entrance from the caller's stack).

    The connection runs one per burst of completed replies, so it is on the per-query path: a
    posted event of its own to a small receiver (a child of the context, so it follows the
    context's thread and dies with it), whose block the receiver keeps for the next one,
    instead of a queued invokeMethod(), which allocates a slot object and a QMetaCallEvent per
    call. Exported for the QML module (not public API).
*/
class ASYNCMYSQL_EXPORT QueuedCall
{
public:
    QueuedCall(QObject *context, std::function<void()> function);
    ~QueuedCall();
    QueuedCall(const QueuedCall &) = delete;
    QueuedCall &operator=(const QueuedCall &) = delete;

    //! Posts the call unless one is pending already.
    void schedule();
    //! Whether a call is pending (posted and not yet run or cancelled).
    bool isScheduled() const;
    //! Drops the pending call, if any; a later schedule() posts a new one.
    void cancel();

    class Receiver; // the context's child the call is posted to; holds the function

private:
    QPointer<Receiver> m_receiver; // null once the context is gone
};

} // namespace AsyncMySql
