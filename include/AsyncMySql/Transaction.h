// SPDX-License-Identifier: MIT
#pragma once

#include <AsyncMySql/global.h>

#include <QtCore/QFuture>

#include <memory>

namespace AsyncMySql {

class Connection;
class TransactionPrivate;
class TransactionResult;

/*!
    A transaction begun by Connection::transaction(): the C++ form of aiomysql's
    `async with conn.begin()`. Copies share one transaction. When the last copy of a
    transaction that was neither committed nor rolled back goes, ROLLBACK is queued on its
    connection (if that still exists and is open), so an error that ends a `.then()` chain or a
    coroutine never leaves a transaction open.

    The copy a QFuture<Transaction> keeps in its result store does not count: taking the handle
    out of the future (QFuture::result(), a `.then()` continuation's argument, `co_await`) gives a
    copy that does, and once every copy taken out is gone the transaction ends, whether or not
    the future still exists. A result nobody ever took ends when the future's last copy goes;
    one taken from the future after that is inactive.

    Use it in the thread of its connection.
*/
class ASYNCMYSQL_EXPORT Transaction
{
public:
    //! An inactive handle: commit() and rollback() fail with ProgrammingError.
    Transaction() noexcept;
    Transaction(const Transaction &other);
    Transaction(Transaction &&other) noexcept;
    Transaction &operator=(const Transaction &other);
    Transaction &operator=(Transaction &&other) noexcept;
    ~Transaction();

    /*! COMMIT. Fails with ProgrammingError if the transaction is not active (committed or
        rolled back already, or ended by the session), with the server's error otherwise (the
        transaction is then still active, and is rolled back when its last copy goes). */
    [[nodiscard]] QFuture<void> commit();
    //! ROLLBACK; fails as commit() does.
    [[nodiscard]] QFuture<void> rollback();
    /*! True from the BEGIN until commit() or rollback() is called, the connection closes, or
        the session's transaction is ended on the connection itself (Connection::begin(),
        commit(), rollback(), resetConnection()). */
    bool isActive() const;
    //! The connection the transaction runs on; nullptr for a null handle or once it is gone.
    Connection *connection() const;

private:
    friend class TransactionPrivate;
    explicit Transaction(std::shared_ptr<TransactionResult> stored) noexcept;
    //! The transaction this handle refers to (also for the copy in a result store).
    std::shared_ptr<TransactionPrivate> resolve() const;

    std::shared_ptr<TransactionPrivate> d;        //!< a handle that keeps the transaction
    std::shared_ptr<TransactionResult> m_stored;  //!< only in the copy a future's result store keeps
};

} // namespace AsyncMySql
