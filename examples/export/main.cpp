// SPDX-License-Identifier: MIT
// A large result to CSV through a streaming cursor (aiomysql SSCursor): rows come from the
// socket batch by batch as the file is written, so memory stays flat however large the table.
//
//   export [--url mysql://user:pw@host/db] [--query SQL | --table NAME] [--out file.csv]
//
// Defaults: the throw-away server of scripts/testserver.sh (ASYNCMYSQL_TEST_* variables), a
// generated 200,000-row result from MariaDB's SEQUENCE engine, and export.csv. A progress line
// goes to stderr.

#include <AsyncMySql/AsyncMySql.h>

#include "../common/testserveroptions.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QTextStream>

#include <cstdio>
#include <functional>
#include <memory>

using namespace AsyncMySql;

namespace {

//! One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; NULL is empty.
QByteArray csvField(const QVariant &value)
{
    if (value.isNull())
        return {};
    QByteArray text = value.toString().toUtf8();
    if (text.contains(',') || text.contains('"') || text.contains('\n') || text.contains('\r'))
        text = '"' + text.replace("\"", "\"\"") + '"';
    return text;
}

struct Export
{
    Cursor *cursor = nullptr;
    QFile out;
    qint64 rows = 0;
    QElapsedTimer clock;

    qint64 lastProgress = -1000;

    void progress(bool last = false)
    {
        if (!last && clock.elapsed() - lastProgress < 200) // a few updates a second
            return;
        lastProgress = clock.elapsed();
        std::fprintf(stderr, "\r%lld rows, %.1f MB, %.1f s%s", static_cast<long long>(rows),
                     double(out.pos()) / 1e6, double(clock.elapsed()) / 1000, last ? "\n" : "");
        std::fflush(stderr);
    }
};

//! Writes batches until the result ends; finishes then.
QFuture<void> writeBatches(std::shared_ptr<Export> e)
{
    return e->cursor->fetchMany(2000)
            .then(e->cursor, [e](const QList<Row> &batch) {
                QByteArray chunk;
                for (const Row &row : batch) {
                    for (int i = 0; i < row.size(); ++i)
                        chunk += (i ? "," : "") + csvField(row.value(i));
                    chunk += "\r\n";
                }
                e->out.write(chunk);
                e->rows += batch.size();
                e->progress();
                return batch.isEmpty() ? QtFuture::makeReadyFuture() : writeBatches(e);
            })
            .unwrap();
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser cli;
    cli.setApplicationDescription(QStringLiteral("Exports a query's result to CSV with a streaming cursor."));
    cli.addHelpOption();
    cli.addOptions({{QStringLiteral("url"), QStringLiteral("Server, e.g. mysql://user:pw@host/db."), QStringLiteral("url")},
                    {QStringLiteral("query"), QStringLiteral("The SELECT to export."), QStringLiteral("sql")},
                    {QStringLiteral("table"), QStringLiteral("A table to export whole."), QStringLiteral("name")},
                    {QStringLiteral("out"), QStringLiteral("The CSV file (export.csv)."), QStringLiteral("file")}});
    cli.process(app);

    ConnectOptions options = cli.isSet(QStringLiteral("url")) ? ConnectOptions::fromUrl(QUrl(cli.value(QStringLiteral("url"))))
                                                              : testServerOptions();
    options.cursorType = CursorType::Streaming;
    auto *conn = new Connection(options, &app);
    QString sql = QStringLiteral("SELECT seq AS id, MD5(seq) AS digest, IF(seq % 7 = 0, NULL, CONCAT('row \"', seq, '\", ok')) "
                                 "AS note FROM seq_1_to_200000");
    if (cli.isSet(QStringLiteral("query")))
        sql = cli.value(QStringLiteral("query"));
    else if (cli.isSet(QStringLiteral("table")))
        sql = QStringLiteral("SELECT * FROM `%1`").arg(cli.value(QStringLiteral("table")).replace(QLatin1Char('`'), QStringLiteral("``")));

    auto e = std::make_shared<Export>();
    e->out.setFileName(cli.value(QStringLiteral("out")).isEmpty() ? QStringLiteral("export.csv") : cli.value(QStringLiteral("out")));
    if (!e->out.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        std::fprintf(stderr, "cannot write %s: %s\n", qPrintable(e->out.fileName()), qPrintable(e->out.errorString()));
        return 1;
    }
    e->cursor = conn->cursor();
    e->clock.start();
    conn->open()
            .then(&app, [e, sql] { return e->cursor->execute(sql); })
            .unwrap()
            .then(&app, [e](qint64) {
                QByteArray header;
                const QList<Column> columns = e->cursor->description();
                for (int i = 0; i < columns.size(); ++i)
                    header += (i ? "," : "") + csvField(columns.at(i).name());
                e->out.write(header + "\r\n");
                return writeBatches(e);
            })
            .unwrap()
            .then(&app, [e, conn] {
                e->progress(true);
                e->out.close();
                std::printf("%lld rows written to %s\n", static_cast<long long>(e->rows), qPrintable(e->out.fileName()));
                return conn->ensureClosed();
            })
            .unwrap()
            .then(&app, [] { QCoreApplication::exit(0); })
            .onFailed(&app, [](const Error &error) {
                std::fprintf(stderr, "\nerror: %s\n", qPrintable(error.toString()));
                QCoreApplication::exit(1);
            });
    return app.exec();
}
