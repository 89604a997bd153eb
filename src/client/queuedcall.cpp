// SPDX-License-Identifier: MIT
#include "queuedcall_p.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QEvent>

#include <cstddef>
#include <memory>

namespace AsyncMySql {

namespace {

QEvent::Type callEventType()
{
    static const auto type = QEvent::Type(QEvent::registerEventType());
    return type;
}

/*! The posted event. Qt deletes each posted event once delivered (or dropped with its
    receiver), so a burst of queries would allocate one per round: each receiver keeps the
    block of its last event for the next one instead. The block starts with a header naming the
    receiver, for operator delete, which gets nothing else. All of it happens on the receiver's
    thread: posted from there, delivered there, dropped there when the receiver dies. */
class CallEvent final : public QEvent
{
public:
    explicit CallEvent(quint64 generation) : QEvent(callEventType()), generation(generation) { }

    static void *operator new(std::size_t size, QueuedCall::Receiver *owner);
    static void operator delete(void *object, QueuedCall::Receiver *owner); // if the constructor threw
    static void operator delete(void *object);

    struct alignas(std::max_align_t) Header
    {
        QueuedCall::Receiver *owner;   //!< null once it died while this was being delivered
        CallEvent *outerDelivery;      //!< the receiver's event being delivered around this one
    };
    static Header *header(CallEvent *e) { return reinterpret_cast<Header *>(e) - 1; }

    const quint64 generation; //!< tells a post made before a cancel() from the one after it
};

} // namespace

class QueuedCall::Receiver final : public QObject
{
public:
    Receiver(QObject *context, std::function<void()> function)
        : QObject(context), function(std::make_shared<const std::function<void()>>(std::move(function)))
    {
    }

    ~Receiver() override
    {
        // The events waiting go while this is still a Receiver (their blocks come back to it).
        QCoreApplication::removePostedEvents(this, callEventType());
        // The ones being delivered (the function destroys us) are deleted by Qt afterwards:
        // their blocks must not come back.
        for (CallEvent *e = delivering; e; e = CallEvent::header(e)->outerDelivery)
            CallEvent::header(e)->owner = nullptr;
        ::operator delete(spare);
    }

    bool event(QEvent *e) override
    {
        if (e->type() != callEventType())
            return QObject::event(e);
        auto *call = static_cast<CallEvent *>(e);
        // Until Qt deletes it (operator delete takes it off): the function may destroy us.
        CallEvent::header(call)->outerDelivery = delivering;
        delivering = call;
        // Qt cannot take a posted event back: one posted before a cancel() is dead.
        if (!scheduled || call->generation != generation)
            return true;
        scheduled = false;
        // The function may destroy the QueuedCall or the context, and this receiver with
        // either (as QObject itself deletes in its event(), for deleteLater()); so it runs
        // from a copy, and nothing is touched afterwards.
        const std::shared_ptr<const std::function<void()>> f = function;
        (*f)();
        return true;
    }

    const std::shared_ptr<const std::function<void()>> function;
    quint64 generation = 0;
    bool scheduled = false;
    void *spare = nullptr;          //!< the block of a delivered CallEvent, for the next one
    CallEvent *delivering = nullptr; //!< the innermost event in event() (a nested loop may deliver more)
};

void *CallEvent::operator new(std::size_t size, QueuedCall::Receiver *owner)
{
    void *block = std::exchange(owner->spare, nullptr);
    if (!block)
        block = ::operator new(sizeof(Header) + size);
    *static_cast<Header *>(block) = Header{owner, nullptr};
    return static_cast<Header *>(block) + 1;
}

void CallEvent::operator delete(void *object, QueuedCall::Receiver *)
{
    operator delete(object);
}

void CallEvent::operator delete(void *object)
{
    Header *block = static_cast<Header *>(object) - 1;
    QueuedCall::Receiver *owner = block->owner;
    if (owner && owner->delivering == object)
        owner->delivering = block->outerDelivery; // delivered (Qt deletes it right after event())
    if (owner && !owner->spare)
        owner->spare = block;
    else
        ::operator delete(block);
}

QueuedCall::QueuedCall(QObject *context, std::function<void()> function)
{
    if (context)
        m_receiver = new Receiver(context, std::move(function));
}

QueuedCall::~QueuedCall()
{
    // With any event posted to it (also from inside its event(): see there); null if it went
    // with its context.
    delete m_receiver.data();
}

void QueuedCall::schedule()
{
    Receiver *r = m_receiver.data();
    if (!r || r->scheduled)
        return;
    r->scheduled = true;
    QCoreApplication::postEvent(r, new (r) CallEvent(++r->generation));
}

bool QueuedCall::isScheduled() const
{
    const Receiver *r = m_receiver.data();
    return r && r->scheduled;
}

void QueuedCall::cancel()
{
    if (Receiver *r = m_receiver.data())
        r->scheduled = false;
}

} // namespace AsyncMySql
