// SPDX-License-Identifier: MIT
#include "transaction_p.h"

#include "connection_p.h"
#include "logging_p.h"

namespace AsyncMySql {

// ---------------------------------------------------------------------------------------------
// TransactionPrivate

TransactionPrivate::TransactionPrivate(Connection *c) : connection(c) { }

TransactionPrivate::~TransactionPrivate()
{
    ConnectionPrivate *cd = session();
    if (!cd)
        return;
    cd->forgetTransaction();
    if (state != State::Active || !cd->canRunCommands())
        return;
    // Nobody can commit it any more: the C++ end of `async with conn.begin()` after an error.
    qCDebug(lcConnection) << "the last handle of an open transaction went: rolling it back";
    cd->runQuery(QStringLiteral("ROLLBACK"), [](const ErrorInfo *error, const QList<ResultSet> &) {
        if (error)
            qCDebug(lcConnection).noquote() << "rolling back a dropped transaction failed:" << error->message;
    });
}

ConnectionPrivate *TransactionPrivate::session() const
{
    if (!connection)
        return nullptr;
    ConnectionPrivate *cd = ConnectionPrivate::get(connection);
    return cd->currentTransaction() == this ? cd : nullptr;
}

QFuture<void> TransactionPrivate::end(const std::shared_ptr<TransactionPrivate> &self, bool commit)
{
    if (!self || !self->isActive())
        return failedFuture<void>(ErrorInfo::programming(QStringLiteral(
                "The transaction is not active (it was committed, rolled back or ended with its session)")));
    self->state = State::Ending;
    auto promise = startedPromise<void>();
    self->session()->runQuery(commit ? QStringLiteral("COMMIT") : QStringLiteral("ROLLBACK"),
                              [self, promise](const ErrorInfo *error, const QList<ResultSet> &) {
        if (error) {
            // Still the session's (it did not end): rolled back when its last handle goes.
            if (self->state == State::Ending)
                self->state = State::Active;
            failPromise(*promise, *error);
            return;
        }
        self->state = State::Ended;
        if (ConnectionPrivate *cd = self->session())
            cd->forgetTransaction();
        promise->finish();
    });
    return promise->future();
}

Transaction TransactionPrivate::storedHandle(std::shared_ptr<TransactionPrivate> self)
{
    return Transaction(std::make_shared<TransactionResult>(std::move(self)));
}

// ---------------------------------------------------------------------------------------------
// Transaction

Transaction::Transaction() noexcept = default;

Transaction::Transaction(std::shared_ptr<TransactionResult> stored) noexcept : m_stored(std::move(stored)) { }

// A copy made from the one in a result store is a handle of its own: it counts.
Transaction::Transaction(const Transaction &other) : d(other.m_stored ? other.m_stored->take() : other.d) { }

Transaction::Transaction(Transaction &&other) noexcept = default;

Transaction &Transaction::operator=(const Transaction &other)
{
    if (this != &other) {
        d = other.m_stored ? other.m_stored->take() : other.d;
        m_stored.reset();
    }
    return *this;
}

Transaction &Transaction::operator=(Transaction &&other) noexcept = default;

Transaction::~Transaction() = default;

std::shared_ptr<TransactionPrivate> Transaction::resolve() const
{
    if (d)
        return d;
    return m_stored ? m_stored->peek() : nullptr;
}

QFuture<void> Transaction::commit() { return TransactionPrivate::end(resolve(), true); }

QFuture<void> Transaction::rollback() { return TransactionPrivate::end(resolve(), false); }

bool Transaction::isActive() const
{
    const auto t = resolve();
    return t && t->isActive();
}

Connection *Transaction::connection() const
{
    const auto t = resolve();
    return t ? t->connection.data() : nullptr;
}

} // namespace AsyncMySql
