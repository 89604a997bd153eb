// SPDX-License-Identifier: MIT
// The aiomysql tutorial as a Qt program: create music_style, insert three rows, commit, read
// them back. Each step is a QFuture continuation on the event loop; nothing blocks.
//
//   basic [mysql://user:password@host:port/database]
// Without a URL the ASYNCMYSQL_TEST_* variables of scripts/testserver.sh are used.

#include <AsyncMySql/AsyncMySql.h>

#include "../common/testserveroptions.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QTextStream>

using namespace AsyncMySql;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QTextStream out(stdout);
    const QStringList args = app.arguments();
    const ConnectOptions options = args.size() > 1 ? ConnectOptions::fromUrl(QUrl(args.at(1)))
                                                   : testServerOptions();

    auto *conn = new Connection(options, &app);
    Cursor *cur = conn->cursor();

    conn->open()
            .then(&app, [=] { return cur->execute(QStringLiteral("DROP TABLE IF EXISTS music_style")); })
            .unwrap()
            .then(&app, [=](qint64) {
                return cur->execute(QStringLiteral(
                        "CREATE TABLE music_style (id INT, name VARCHAR(255), PRIMARY KEY (id))"));
            })
            .unwrap()
            .then(&app, [=](qint64) { return conn->commit(); })
            .unwrap()
            .then(&app, [=] {
                // Commands queue on the connection and go out together (pipelining); all
                // three futures are kept, and the chain goes on when every one succeeded.
                QList<QFuture<qint64>> inserts{
                        cur->execute(QStringLiteral("INSERT INTO music_style VALUES (%s, %s)"), {1, QStringLiteral("heavy metal")}),
                        cur->execute(QStringLiteral("INSERT INTO music_style VALUES (%s, %s)"), {2, QStringLiteral("death metal")}),
                        cur->execute(QStringLiteral("INSERT INTO music_style VALUES (%s, %s)"), {3, QStringLiteral("power metal")})};
                return QtFuture::whenAll(inserts.begin(), inserts.end()).then([](const QList<QFuture<qint64>> &done) {
                    qint64 rows = 0;
                    for (const QFuture<qint64> &insert : done)
                        rows += insert.result(); // rethrows an insert's error: the chain fails with it
                    return rows;
                });
            })
            .unwrap()
            .then(&app, [=](qint64) { return conn->commit(); })
            .unwrap()
            .then(&app, [=] { return cur->execute(QStringLiteral("SELECT * FROM music_style")); })
            .unwrap()
            .then(&app, [&out, cur](qint64 rowCount) {
                out << "music_style has " << rowCount << " rows:\n";
                return cur->fetchAll();
            })
            .unwrap()
            .then(&app, [&out, conn](const QList<Row> &rows) {
                for (const Row &row : rows)
                    out << "  (" << row.value(0).toLongLong() << ", '" << row.value(1).toString() << "')\n";
                out.flush();
                return conn->ensureClosed();
            })
            .unwrap()
            .then(&app, [] { QCoreApplication::exit(0); })
            .onFailed(&app, [&out](const Error &e) {
                out << "error: " << e.toString() << '\n';
                out.flush();
                QCoreApplication::exit(1);
            });

    return app.exec();
}
