// SPDX-License-Identifier: MIT
// aiomysql's pool example as a Qt program: create a pool, borrow a connection, SELECT 42
// through a cursor, give the connection back, close the pool. In between, four queries share
// a pool of two connections: the pool opens the second one, and the last two callers wait
// for a connection to come back.
//
//   pool [mysql://user:password@host:port/database]
// Without a URL the ASYNCMYSQL_TEST_* variables of scripts/testserver.sh are used.

#include <AsyncMySql/AsyncMySql.h>

#include "../common/testserveroptions.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QTextStream>

using namespace AsyncMySql;

//! `async with pool.acquire() as conn: await conn.query(...)`: the continuation keeps a copy
//! of the handle, so the connection goes back to the pool when the answer is in.
static QFuture<QString> whoAnswers(Pool *pool, int n)
{
    return pool->acquire()
            .then(pool, [pool, n](PooledConnection conn) {
                return conn->query(QStringLiteral("SELECT %s, CONNECTION_ID(), SLEEP(0.1)"), {n})
                        .then(pool, [conn](const ResultSet &rs) {
                            const Row row = rs.rows().first();
                            return QStringLiteral("query %1 ran on connection %2")
                                    .arg(row.value(0).toInt())
                                    .arg(row.value(1).toLongLong());
                        });
            })
            .unwrap();
}

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QTextStream out(stdout);
    const QStringList args = app.arguments();
    PoolOptions options;
    options.connection = args.size() > 1 ? ConnectOptions::fromUrl(QUrl(args.at(1))) : testServerOptions();
    options.minSize = 1;
    options.maxSize = 2;

    Pool::create(options, &app)
            .then(&app, [&out](Pool *pool) {
                return pool->acquire()
                        .then(pool, [&out, pool](PooledConnection conn) {
                            Cursor *cur = conn->cursor();
                            return cur->execute(QStringLiteral("SELECT 42"))
                                    .then(pool, [&out, cur](qint64) {
                                        for (const Column &c : cur->description())
                                            out << "column " << c.name() << ", type " << c.type() << '\n';
                                        return cur->fetchOne();
                                    })
                                    .unwrap()
                                    .then(pool, [&out, conn](const std::optional<Row> &row) mutable {
                                        const int r = row ? row->value(0).toInt() : 0;
                                        out << "r = " << r << '\n';
                                        conn.release(); // leaving `async with`; the cursor goes with it
                                        if (r != 42)
                                            throw InterfaceError(0, QStringLiteral("HY000"), QStringLiteral("expected 42"));
                                    });
                        })
                        .unwrap()
                        .then(pool, [pool] {
                            QList<QFuture<QString>> queries;
                            for (int n = 1; n <= 4; ++n)
                                queries << whoAnswers(pool, n);
                            return QtFuture::whenAll(queries.begin(), queries.end());
                        })
                        .unwrap()
                        .then(pool, [&out, pool](const QList<QFuture<QString>> &done) {
                            for (const QFuture<QString> &f : done)
                                out << f.result() << '\n';
                            out << "pool size " << pool->size() << " of at most " << pool->maxSize() << '\n';
                            pool->close();
                            return pool->waitClosed();
                        })
                        .unwrap();
            })
            .unwrap()
            .then(&app, [&out] {
                out << "pool closed\n";
                out.flush();
                QCoreApplication::exit(0);
            })
            .onFailed(&app, [&out](const Error &e) {
                out << "error: " << e.toString() << '\n';
                out.flush();
                QCoreApplication::exit(1);
            });

    return app.exec();
}
