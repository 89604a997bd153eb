// SPDX-License-Identifier: MIT
// A table browser in Qt Quick: pick a table, filter its rows, scroll through all of them. The
// rows come from SqlQueryModel in batches, so a 100,000-row table shows at once and scrolls
// without a pause; the UI never waits for the server.
//
//   qml-browser [--seed ROWS] [--selftest | --screenshot FILE] [mysql://user:password@host:port/db]
//
// --seed makes the demo tables (demo_items with ROWS rows, demo_categories, and demo_broken, a
// view whose table is gone, to show an error). --selftest runs the checks of SelfTest.qml and exits with
// their result; --screenshot saves the window once rows show, then exits. Without a URL the
// ASYNCMYSQL_TEST_* variables of scripts/testserver.sh are used.

#include "../shared/environment.h"

#include <AsyncMySql/AsyncMySql.h>

#include <QtCore/QCommandLineParser>
#include <QtGui/QGuiApplication>
#include <QtQml/QQmlApplicationEngine>
#include <QtQuick/QQuickWindow>
#include <QtQuickControls2/QQuickStyle>

#include <cstdio>

using namespace AsyncMySql;

//! The demo tables, made once; returns when the last statement is done.
static QFuture<void> seed(Connection *conn, int rows)
{
    const QStringList statements = {
        QStringLiteral("CREATE TABLE IF NOT EXISTS demo_items (id INT PRIMARY KEY, name VARCHAR(40), "
                       "category VARCHAR(20), price DECIMAL(8,2), added DATETIME)"),
        QStringLiteral("INSERT IGNORE INTO demo_items SELECT seq, CONCAT('item ', seq), "
                       "ELT(1 + seq %% 4, 'tools', 'garden', 'kitchen', 'toys'), "
                       "1 + (seq * 7919 %% 10000) / 100, TIMESTAMP'2024-01-01 08:00:00' + INTERVAL seq MINUTE "
                       "FROM seq_1_to_%s"),
        QStringLiteral("CREATE OR REPLACE TABLE demo_categories AS SELECT category, COUNT(*) AS items, "
                       "MIN(price) AS cheapest, MAX(price) AS dearest FROM demo_items GROUP BY category"),
        QStringLiteral("CREATE TABLE IF NOT EXISTS demo_gone (x INT)"),
        QStringLiteral("CREATE OR REPLACE VIEW demo_broken AS SELECT x FROM demo_gone"),
        QStringLiteral("DROP TABLE demo_gone"),
    };
    // Pipelined: all are sent at once and answered in order; the last one's future says when.
    QFuture<ResultSet> last;
    for (const QString &sql : statements)
        last = conn->query(sql, sql.contains(QLatin1String("%s")) ? QVariantList{rows} : QVariantList{});
    return last.then([](const ResultSet &) { });
}

int main(int argc, char *argv[])
{
    QGuiApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({QStringLiteral("seed"), QStringLiteral("Make the demo tables with <rows> rows."), QStringLiteral("rows")});
    parser.addOption({QStringLiteral("selftest"), QStringLiteral("Run the self test and exit with its result.")});
    parser.addOption({QStringLiteral("screenshot"), QStringLiteral("Save the window to <file> once rows show."), QStringLiteral("file")});
    parser.addPositionalArgument(QStringLiteral("url"), QStringLiteral("mysql://user:password@host:port/database"));
    parser.process(app);
    const QUrl url = Example::databaseUrl(parser.positionalArguments().value(0));
    const bool unattended = parser.isSet(QStringLiteral("selftest")) || parser.isSet(QStringLiteral("screenshot"));

    // Unattended runs happen under QT_QPA_PLATFORM=offscreen: no GPU needed.
    if (unattended)
        QQuickWindow::setGraphicsApi(QSGRendererInterface::Software);
    QQuickStyle::setStyle(QStringLiteral("Fusion"));

    QQmlApplicationEngine engine;
    engine.addImportPath(QStringLiteral("qrc:/qt/qml"));
    engine.addImportPath(QStringLiteral(ASYNCMYSQL_QML_IMPORT_PATH));
    QObject::connect(&engine, &QQmlApplicationEngine::objectCreationFailed, &app, [] { QCoreApplication::exit(1); },
                     Qt::QueuedConnection);
    engine.setInitialProperties({
            {QStringLiteral("databaseUrl"), url},
            {QStringLiteral("initialTable"), QStringLiteral("demo_items")},
            {QStringLiteral("selftest"), parser.isSet(QStringLiteral("selftest"))},
            {QStringLiteral("screenshot"), parser.value(QStringLiteral("screenshot"))},
    });
    const auto load = [&engine] { engine.load(QUrl(QStringLiteral("qrc:/qt/qml/Browser/Main.qml"))); };

    if (!parser.isSet(QStringLiteral("seed"))) {
        load();
        return app.exec();
    }
    ConnectOptions options = ConnectOptions::fromUrl(url);
    options.autocommit = true;
    auto *conn = new Connection(options, &app);
    conn->open()
            .then(&app, [conn, rows = parser.value(QStringLiteral("seed")).toInt()] { return seed(conn, rows); })
            .unwrap()
            .then(&app, [conn, load] {
                // The goodbye goes out in the background: the browser uses a pool of its own.
                (void)conn->ensureClosed();
                load();
            })
            .onFailed(&app, [](const Error &e) {
                std::fprintf(stderr, "seeding failed: %s\n", e.what());
                QCoreApplication::exit(1);
            });
    return app.exec();
}
