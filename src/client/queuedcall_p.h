// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QMetaObject>
#include <QtCore/QObject>
#include <QtCore/QPointer>

#include <functional>
#include <memory>

namespace AsyncMySql {

/*!
    One function run later from the event loop of its context object, once however often it was
    asked for in the meantime: the "flag + queued invokeMethod" scheduler in one place.

    schedule() posts a queued call unless one is pending already; the function runs once from
    the event loop, and a schedule() made while (or after) it runs posts the next one. cancel()
    drops a pending call; so does destroying the QueuedCall, or its context (Qt drops a dead
    object's queued calls). The function may destroy the QueuedCall (or its owner) while it runs.

    Never runs the function from schedule() itself: that is the point of it (no user code inside
    readyRead, no re-entrance from the caller's stack).
*/
class QueuedCall
{
public:
    QueuedCall(QObject *context, std::function<void()> function)
        : m_state(std::make_shared<State>(State{context, std::move(function)}))
    {
    }
    ~QueuedCall() { cancel(); }
    QueuedCall(const QueuedCall &) = delete;
    QueuedCall &operator=(const QueuedCall &) = delete;

    //! Posts the call unless one is pending already.
    void schedule()
    {
        State &s = *m_state;
        if (s.scheduled || !s.context)
            return;
        s.scheduled = true;
        // The generation tells a call posted before a cancel() (Qt cannot take it back) from
        // the one posted after it.
        const quint64 generation = ++s.generation;
        QMetaObject::invokeMethod(s.context, [weak = std::weak_ptr<State>(m_state), generation] {
            const std::shared_ptr<State> state = weak.lock(); // alive while the function runs
            if (!state || !state->scheduled || state->generation != generation)
                return;
            state->scheduled = false;
            state->function();
        }, Qt::QueuedConnection);
    }

    //! Whether a call is pending (posted and not yet run or cancelled).
    bool isScheduled() const { return m_state->scheduled && m_state->context; } // a dead context dropped it

    //! Drops the pending call, if any; a later schedule() posts a new one.
    void cancel() { m_state->scheduled = false; }

private:
    struct State
    {
        QPointer<QObject> context;
        std::function<void()> function;
        bool scheduled = false;
        quint64 generation = 0;
    };
    std::shared_ptr<State> m_state;
};

} // namespace AsyncMySql
