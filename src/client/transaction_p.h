// SPDX-License-Identifier: MIT
#pragma once

#include <AsyncMySql/Transaction.h>

#include <QtCore/QPointer>

#include <memory>
#include <mutex>

namespace AsyncMySql {

class ConnectionPrivate;

//! One BEGIN ... COMMIT/ROLLBACK, shared by the copies of a Transaction that count.
class TransactionPrivate
{
public:
    enum class State {
        Beginning, //!< BEGIN is on its way
        Active,
        Ending,    //!< COMMIT or ROLLBACK is on its way
        Ended,
    };

    explicit TransactionPrivate(Connection *connection);
    //! The last counting copy went: ROLLBACK, if the transaction is still the session's.
    ~TransactionPrivate();

    //! The connection, if this transaction is still the one its open session runs.
    ConnectionPrivate *session() const;
    bool isActive() const { return state == State::Active && session(); }
    //! COMMIT or ROLLBACK on behalf of a handle (which \a self keeps alive until the reply).
    static QFuture<void> end(const std::shared_ptr<TransactionPrivate> &self, bool commit);
    //! The handle a QFuture's result store keeps: it holds \a self only until a copy is taken.
    static Transaction storedHandle(std::shared_ptr<TransactionPrivate> self);

    QPointer<Connection> connection;
    State state = State::Beginning;
};

/*!
    What the copy of a Transaction kept in a QFuture's result store holds. It owns the
    transaction until the first copy is taken out of the store; from then on only the copies
    taken out count, and the store refers to them without keeping them alive.
*/
class TransactionResult
{
public:
    explicit TransactionResult(std::shared_ptr<TransactionPrivate> transaction) : m_untaken(std::move(transaction)) { }

    //! For a copy made from the stored one: the first copy takes the ownership over.
    std::shared_ptr<TransactionPrivate> take()
    {
        const std::lock_guard lock(m_mutex);
        if (m_untaken) {
            m_taken = m_untaken;
            return std::exchange(m_untaken, nullptr);
        }
        return m_taken.lock();
    }
    //! For a call on the stored copy itself (QFuture::takeResult() hands it out).
    std::shared_ptr<TransactionPrivate> peek() const
    {
        const std::lock_guard lock(m_mutex);
        return m_untaken ? m_untaken : m_taken.lock();
    }

private:
    mutable std::mutex m_mutex; // futures may be read in any thread
    std::shared_ptr<TransactionPrivate> m_untaken;
    std::weak_ptr<TransactionPrivate> m_taken;
};

} // namespace AsyncMySql
