// SPDX-License-Identifier: MIT
// aiomysql's pool and transaction examples as C++20 coroutines: every QFuture of the library is
// awaited as it is (QCoro), and a failed one throws its typed error, so the code reads like
// Python's `await`, `async with` and `try/except`.
//
//   coroutines [mysql://user:password@host:port/database]
// Without a URL the ASYNCMYSQL_TEST_* variables of scripts/testserver.sh are used.

#include "../shared/environment.h"

#include <AsyncMySql/AsyncMySql.h>

#include <QCoroFuture>
#include <QCoroTask>

#include <QtCore/QCoreApplication>
#include <QtCore/QTextStream>

#include <memory>

using namespace AsyncMySql;

static QTextStream out(stdout);

//! aiomysql's pool example: `async with pool.acquire() as conn: ... await cur.execute("SELECT 42")`.
static QCoro::Task<> selectFortyTwo(Pool *pool)
{
    PooledConnection conn = co_await pool->acquire();
    Cursor *cur = conn->cursor();
    co_await cur->execute(QStringLiteral("SELECT 42"));
    for (const Column &c : cur->description())
        out << "column " << c.name() << ", type " << c.typeName() << '\n';
    const std::optional<Row> row = co_await cur->fetchOne();
    out << "r = " << row->value(0).toInt() << '\n';
} // the handle goes: the connection is back in the pool

//! Moves \a amount between two accounts in one transaction; rolls back if anything fails.
static QCoro::Task<bool> transfer(Connection *conn, int from, int to, int amount)
{
    co_await conn->begin();
    bool committed = false;
    std::unique_ptr<Error> failure;
    try {
        // The arguments one by one: GCC 12 rejects a braced list ({amount, from}) inside co_await.
        co_await conn->query(QStringLiteral("UPDATE coro_accounts SET balance = balance - %s WHERE id = %s"), amount, from);
        co_await conn->query(QStringLiteral("UPDATE coro_accounts SET balance = balance + %s WHERE id = %s"), amount, to);
        co_await conn->commit();
        committed = true;
    } catch (const IntegrityError &e) { // the CHECK (balance >= 0) constraint: SQLSTATE 23000
        failure.reset(e.clone());
    }
    if (failure) {
        // No co_await inside a catch handler (C++20): roll back after it.
        out << "transfer of " << amount << " refused (" << failure->code() << "): " << failure->message() << '\n';
        co_await conn->rollback();
    }
    co_return committed;
}

static QCoro::Task<int> run(const ConnectOptions &options)
{
    PoolOptions poolOptions;
    poolOptions.connection = options;
    poolOptions.minSize = 1;
    poolOptions.maxSize = 2;
    try {
        // aiomysql.create_pool(): fails with the error of the first connection.
        std::unique_ptr<Pool> pool(co_await Pool::create(poolOptions));
        co_await selectFortyTwo(pool.get());

        PooledConnection conn = co_await pool->acquire();
        co_await conn->query(QStringLiteral("CREATE OR REPLACE TABLE coro_accounts (id INT PRIMARY KEY, "
                                            "balance INT NOT NULL, CHECK (balance >= 0))"));
        co_await conn->query(QStringLiteral("INSERT INTO coro_accounts VALUES (1, 100), (2, 0)"));

        const bool first = co_await transfer(conn.get(), 1, 2, 30);  // fine
        const bool second = co_await transfer(conn.get(), 1, 2, 500); // would go below zero
        const ResultSet balances = co_await conn->query(QStringLiteral("SELECT id, balance FROM coro_accounts ORDER BY id"));
        for (const Row &r : balances.rows())
            out << "account " << r.value(0).toInt() << ": " << r.value(1).toInt() << '\n';
        const bool consistent = balances.rows().at(0).value(1).toInt() == 70 && balances.rows().at(1).value(1).toInt() == 30;

        // A server error is a typed exception too.
        try {
            co_await conn->query(QStringLiteral("SELECT * FROM coro_no_such_table"));
        } catch (const ProgrammingError &e) {
            out << "as expected, " << e.toString() << '\n';
        }
        co_await conn->query(QStringLiteral("DROP TABLE coro_accounts"));
        conn.release();

        pool->close();
        co_await pool->waitClosed();
        out << "pool closed\n";
        co_return first && !second && consistent ? 0 : 1;
    } catch (const Error &e) {
        out << "error: " << e.toString() << '\n';
        co_return 1;
    }
}

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const ConnectOptions options = Example::connectOptions(app.arguments().value(1));
    QCoro::connect(run(options), &app, [](int rc) {
        out.flush();
        QCoreApplication::exit(rc);
    });
    return app.exec();
}
