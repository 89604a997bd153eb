// SPDX-License-Identifier: MIT
// bench_asyncmysql: AsyncMySql on the workloads of the bench-peers harness, printing the same
// JSON lines as the peer clients (client "qt6-asyncmysql"). See bench/README.md.
//
//   read             SELECT * FROM bench.rows through a buffered Cursor (execute + fetchAll),
//                    every column turned into its native value and folded into the checksum.
//   point            BENCH_POINT_N sequential lookups SELECT id, name ... WHERE id = %s, the id
//                    passed as an execute() argument; each query is sent when the previous
//                    one's future has finished.
//                    BENCH_POINT_FORM=query|callback runs point_query's or point_callback's
//                    form under this name (for ../shared/bench-peers/cost.sh).
//   point_prepared   the same lookups through one server-side prepared statement (prepared
//                    once, before timing): Connection::execute(statement, {id}) each.
//   point_query      (not a peer workload) the same lookups through Connection::query(), one
//                    QFuture<ResultSet> and one continuation each.
//   point_callback   (not a peer workload) the same through the callback form of
//                    Connection::query() (context object + callable): no QFuture at all.
//   point_pipelined  (not a peer workload) the same lookups, all issued at once on the one
//                    connection through Connection::query(); the library pipelines them.
//   concurrent       the same lookups, 64 in flight over a Pool of 8 connections, each one
//                    acquire() -> query() -> release, as aiomysql's `async with pool.acquire()`.
//   pool_lookup      (not a peer workload) the same lookups, 4 in flight over a Pool of 4 with
//                    the library's defaults (reset on release, idle ping): what a pooled lookup
//                    costs beside `point`.
//   read_prepared    (not a peer workload) read through a prepared statement: the binary
//                    protocol, same checksum.
//   read_stream      (not a peer workload) read through a streaming cursor (SSCursor),
//                    fetchMany(5000) batches; same checksum as read.
//   bulk_insert,     (not peer workloads) BENCH_INSERT_N rows (100,000) of 4 columns (INT,
//   insert_many      VARCHAR, DECIMAL, DATETIME) into bench_insert through Cursor::executeMany():
//                    a prepared INSERT (COM_STMT_BULK_EXECUTE on MariaDB), and the text
//                    protocol's multi-row INSERT rewrite. The table is emptied before each run
//                    (TRUNCATE, timed with it: a few ms).
//   stream_memory,   (not peer workloads) 1,000,000 rows of ~110 bytes from MariaDB's sequence
//   buffered_memory  engine, streamed / buffered; the JSON line adds the process's peak RSS and
//                    the bytes the server sent.
//
// Everything runs on one QCoreApplication event loop: each step is a QFuture continuation,
// nothing blocks and there are no threads. Connecting is never timed. Configuration comes from
// BENCH_HOST/PORT/USER/PASSWORD/DB, BENCH_READ_RUNS, BENCH_POINT_RUNS, BENCH_POINT_N and
// BENCH_WORKLOADS (comma list; unset = all), as in the peers; and, for our own workloads only,
// BENCH_SSL (disabled, the default, or required), BENCH_STREAM_BATCH (fetchMany size of the
// streaming workloads, 5000) and BENCH_STREAM_PAUSE_MS (a pause after each batch: a slow
// consumer, 0).

#include <AsyncMySql/AsyncMySql.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QFile>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFuture>
#include <QtCore/QHash>
#include <QtCore/QPromise>
#include <QtCore/QTimer>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#ifndef ASYNCMYSQL_BENCH_VERSION
#  define ASYNCMYSQL_BENCH_VERSION "unknown"
#endif

using namespace AsyncMySql;

namespace {

constexpr char ClientName[] = "qt6-asyncmysql";

// The same statements as the peers (aiomysql/PyMySQL spell the parameter %s, as we do).
const QString ReadSql = QStringLiteral("SELECT * FROM bench.rows");
const QString PointSql = QStringLiteral("SELECT id, name FROM bench.rows WHERE id = %s");
const QString PointPreparedSql = QStringLiteral("SELECT id, name FROM bench.rows WHERE id = ?");
const QString MaxIdSql = QStringLiteral("SELECT MAX(id) FROM bench.rows");
const QString MillionSql = QStringLiteral("SELECT seq, REPEAT('x', 100) FROM seq_1_to_1000000");

//! Ends the program with a message, as the peers do.
[[noreturn]] void die(const char *what, const QString &message)
{
    std::fflush(stdout);
    std::fprintf(stderr, "bench_asyncmysql: %s: %s\n", what, qPrintable(message));
    std::exit(1);
}

// --- configuration ---------------------------------------------------------------------------

QString env(const char *key, const char *fallback)
{
    const QByteArray v = qgetenv(key);
    return v.isEmpty() ? QString::fromLatin1(fallback) : QString::fromLocal8Bit(v);
}

struct Config
{
    ConnectOptions connect;
    int readRuns = 5;
    int pointRuns = 3;
    long pointN = 20000;
    int streamBatch = 5000;
    int streamPauseMs = 0;
    long insertN = 100000;
    QStringList workloads; // empty: all

    bool wanted(const QString &workload) const { return workloads.isEmpty() || workloads.contains(workload); }
};

Config configFromEnvironment()
{
    Config c;
    c.connect.host = env("BENCH_HOST", "127.0.0.1");
    c.connect.port = quint16(env("BENCH_PORT", "33099").toUInt());
    c.connect.user = env("BENCH_USER", "bench");
    c.connect.password = env("BENCH_PASSWORD", "bench");
    c.connect.database = env("BENCH_DB", "bench");
    c.connect.charset = QStringLiteral("utf8mb4");
    // Like the C and Qt peers: plain TCP (the bench server has no TLS anyway) and the server's
    // default autocommit, so the server does the same work for every client. BENCH_SSL=required
    // measures over TLS (against a server that has it, e.g. scripts/testserver.sh's).
    const QString ssl = env("BENCH_SSL", "disabled");
    if (ssl == u"required")
        c.connect.ssl.mode = SslOptions::Mode::Required;
    else if (ssl == u"disabled")
        c.connect.ssl.mode = SslOptions::Mode::Disabled;
    else
        die("BENCH_SSL", QStringLiteral("expected disabled or required, not %1").arg(ssl));
    c.connect.autocommit = true;
    c.readRuns = env("BENCH_READ_RUNS", "5").toInt();
    c.pointRuns = env("BENCH_POINT_RUNS", "3").toInt();
    c.pointN = env("BENCH_POINT_N", "20000").toLong();
    c.insertN = env("BENCH_INSERT_N", "100000").toLong();
    c.streamBatch = env("BENCH_STREAM_BATCH", "5000").toInt();
    c.streamPauseMs = env("BENCH_STREAM_PAUSE_MS", "0").toInt();
    const QString list = env("BENCH_WORKLOADS", "");
    if (!list.isEmpty())
        c.workloads = list.split(u',');
    return c;
}

// --- small helpers ---------------------------------------------------------------------------

QObject *context = nullptr; // the QCoreApplication: every continuation runs on its event loop
QElapsedTimer wallClock;

double now() { return double(wallClock.nsecsElapsed()) * 1e-9; }

//! Makes a failed or cancelled \a future end the program with a message, as the peers do.
template<typename T>
QFuture<T> orDie(QFuture<T> future, const char *what)
{
    return future
            .onFailed(context, [what](const std::exception &e) -> T { die(what, QString::fromUtf8(e.what())); })
            .onCanceled(context, [what]() -> T { die(what, QStringLiteral("cancelled")); });
}

double median(std::vector<double> t)
{
    std::sort(t.begin(), t.end());
    const size_t m = t.size() / 2;
    return t.size() % 2 ? t[m] : (t[m - 1] + t[m]) / 2;
}

//! A field of /proc/self/status in MiB (VmRSS, VmHWM), or -1.
double procStatusMiB(const char *field)
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray key = QByteArray(field) + ':';
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith(key))
            return line.mid(key.size()).trimmed().split(' ').value(0).toDouble() / 1024.0;
    }
    return -1;
}

void report(const char *workload, long n, int runs, double seconds, qint64 checksum, const char *extra = "")
{
    std::printf("{\"client\":\"%s\",\"version\":\"%s\",\"workload\":\"%s\",\"n\":%ld,"
                "\"runs\":%d,\"seconds\":%.6f,\"per_second\":%.1f,\"checksum\":%lld%s}\n",
                ClientName, ASYNCMYSQL_BENCH_VERSION, workload, n, runs, seconds, double(n) / seconds,
                static_cast<long long>(checksum), extra);
    std::fflush(stdout);
}

//! The ids of the point workloads: spread over the table, all distinct for 200k rows.
qint64 pointId(long i, qint64 maxId) { return qint64(i) * 7919 % maxId + 1; }

/*!
    Calls step(from), step(from + 1), ..., step(to - 1), each once the future of the previous
    step has finished; the returned future finishes after the last. A failed step ends the
    program. This is the event-loop equivalent of `for (i...) await step(i)`.
*/
QFuture<void> sequence(long from, long to, std::function<QFuture<void>(long)> step)
{
    struct State
    {
        QPromise<void> promise;
        std::function<QFuture<void>(long)> step;
        long next = 0;
        long end = 0;
    };
    auto s = std::make_shared<State>();
    s->step = std::move(step);
    s->next = from;
    s->end = to;
    s->promise.start();

    struct Advance
    {
        static void run(const std::shared_ptr<State> &s)
        {
            if (s->next >= s->end) {
                s->promise.finish();
                return;
            }
            orDie(s->step(s->next++).then(context, [s] { run(s); }), "step");
        }
    };
    QFuture<void> f = s->promise.future();
    Advance::run(s);
    return f;
}

// --- one run of each workload ----------------------------------------------------------------

struct RunResult
{
    long n = 0;           //!< rows (read) or queries (point*)
    qint64 checksum = 0;
};

struct Bench
{
    Config config;
    Connection *connection = nullptr;
    Pool *pool = nullptr;         //!< concurrent: 8 connections; pool_lookup: 4
    int tasks = 64;               //!< lookups in flight over the pool
    Cursor *cursor = nullptr; //!< one buffered cursor, reused like the Python peers' cursor
    PreparedStatement statement; //!< point_prepared's and read_prepared's, prepared before timing
    qint64 maxId = 0;
    //! Checksum of each family ("read", "point") seen so far: every workload of a family must
    //! agree (the harness's report.py only checks the peers' workload names).
    QHash<QString, qint64> familyChecksums;
};

/*!
    The read checksum of one row (see the bench-peers README), with every column turned into
    the value AsyncMySql hands out: qint64, QString, double, DECIMAL as an exact Decimal
    (converted to double for the sum, like the peers), DATETIME as DateTime, NULL as 0. The
    typed accessors (Row::toLongLong(), toDouble(), toString()) give what value(i).toX() gives,
    decoded straight from the row: the cheapest documented way to read a row.
*/
inline qint64 readChecksum(const Row &row)
{
    const qint64 id = row.toLongLong(0);
    const qint64 k = row.toLongLong(1);
    const QString name = row.toString(2);
    const double score = row.toDouble(3);
    const double price = row.toDouble(4);
    const DateTime created = row.value(5).value<DateTime>();
    const QString body = row.toString(6);
    const qint64 maybe = row.isNull(7) ? 0 : row.toLongLong(7);
    return id + k % 1000 + name.size() + qint64(std::floor(score)) + qint64(std::floor(price))
         + created.second() + body.size() + maybe;
}

//! Dies unless \a row holds the types the checksum relies on (no silent conversion paths).
void checkReadTypes(const Row &row)
{
    const int expected[] = {QMetaType::LongLong, QMetaType::LongLong, QMetaType::QString, QMetaType::Double,
                            qMetaTypeId<Decimal>(), qMetaTypeId<DateTime>(), QMetaType::QString};
    if (row.size() != 8)
        die("read", QStringLiteral("expected 8 columns, got %1").arg(row.size()));
    for (int i = 0; i < 7; ++i) {
        const QVariant v = row.value(i);
        if (v.metaType().id() != expected[i])
            die("read", QStringLiteral("column %1 arrived as %2").arg(i).arg(QString::fromLatin1(v.metaType().name())));
    }
}

QFuture<RunResult> readOnce(Bench &b, bool prepared = false)
{
    Cursor *cur = b.cursor;
    return (prepared ? cur->execute(b.statement) : cur->execute(ReadSql))
            .then(context, [cur](qint64) { return cur->fetchAll(); })
            .unwrap()
            .then(context, [](const QList<Row> &rows) {
                if (!rows.isEmpty())
                    checkReadTypes(rows.first());
                qint64 sum = 0;
                for (const Row &row : rows)
                    sum += readChecksum(row);
                return RunResult{long(rows.size()), sum};
            });
}

//! The point checksum of one lookup's result: id + length of name of its single row.
qint64 pointChecksum(const QList<Row> &rows)
{
    if (rows.size() != 1)
        die("point", QStringLiteral("expected 1 row, got %1").arg(rows.size()));
    // The typed accessors, as read's checksum uses them: what value(i).toLongLong() and
    // value(i).toString() give, without a QVariant per cell.
    const Row &row = rows.first();
    return row.toLongLong(0) + row.toString(1).size();
}

//! How the sequential lookups are written: each form as cheap as it goes.
enum class PointForm {
    Cursor,   //!< cursor->execute(sql, {id}), then the buffered rows: the peers' shape
    Query,    //!< connection->query(sql, {id}), a QFuture<ResultSet>
    Callback, //!< connection->query(sql, {id}, context, onDone): no QFuture
    Prepared, //!< connection->execute(statement, {id}): the binary protocol
};

/*! Lookups from..to-1, one at a time: the next goes out from the previous one's continuation
    (callback). One continuation per query, nothing else: a failure ends the bench through
    Connection::errorOccurred (connected in main()), not through a handler per query. */
QFuture<RunResult> pointSequential(Bench &b, long from, long to, PointForm form)
{
    struct State
    {
        QPromise<RunResult> promise;
        Bench *bench = nullptr;
        PointForm form = PointForm::Cursor;
        long next = 0;
        long end = 0;
        long count = 0;
        qint64 sum = 0;
    };
    struct Step
    {
        static void done(const std::shared_ptr<State> &s, qint64 checksum)
        {
            s->sum += checksum;
            run(s);
        }
        static void run(const std::shared_ptr<State> &s)
        {
            if (s->next >= s->end) {
                s->promise.addResult(RunResult{s->count, s->sum});
                s->promise.finish();
                return;
            }
            Bench &b = *s->bench;
            const QVariantList args{pointId(s->next++, b.maxId)};
            switch (s->form) {
            case PointForm::Cursor:
                // A buffered cursor holds its rows once execute() finished: fetchAll()'s future is ready.
                (void)b.cursor->execute(PointSql, args).then(context, [s](qint64) {
                    done(s, pointChecksum(s->bench->cursor->fetchAll().result()));
                });
                break;
            case PointForm::Query:
                (void)b.connection->query(PointSql, args).then(context, [s](const ResultSet &rs) {
                    done(s, pointChecksum(rs.rows()));
                });
                break;
            case PointForm::Prepared:
                (void)b.connection->execute(b.statement, args).then(context, [s](const ResultSet &rs) {
                    done(s, pointChecksum(rs.rows()));
                });
                break;
            case PointForm::Callback:
                b.connection->query(PointSql, args, context, [s](const ResultSet &rs) { done(s, pointChecksum(rs.rows())); });
                break;
            }
        }
    };
    auto s = std::make_shared<State>();
    s->bench = &b;
    s->form = form;
    s->next = from;
    s->end = to;
    s->count = to - from;
    s->promise.start();
    QFuture<RunResult> f = s->promise.future();
    Step::run(s);
    return f;
}

//! Lookups from..to-1, all issued at once on the one connection (pipelined by the library).
QFuture<RunResult> pointPipelined(Bench &b, long from, long to)
{
    struct State
    {
        QPromise<RunResult> promise;
        long left = 0;
        qint64 sum = 0;
    };
    auto s = std::make_shared<State>();
    s->left = to - from;
    s->promise.start();
    QFuture<RunResult> f = s->promise.future();
    const long n = to - from;
    if (n <= 0) {
        s->promise.addResult(RunResult{});
        s->promise.finish();
        return f;
    }
    for (long i = from; i < to; ++i) {
        orDie(b.connection->query(PointSql, {pointId(i, b.maxId)}).then(context, [s, n](const ResultSet &rs) {
            s->sum += pointChecksum(rs.rows());
            if (--s->left == 0) {
                s->promise.addResult(RunResult{n, s->sum});
                s->promise.finish();
            }
        }), "point_pipelined");
    }
    return f;
}

//! Lookups from..to-1, b.tasks in flight, each on a connection acquired from b.pool.
QFuture<RunResult> pointConcurrent(Bench &b, long from, long to)
{
    struct State
    {
        QPromise<RunResult> promise;
        Pool *pool = nullptr;
        qint64 maxId = 0;
        long next = 0, end = 0, left = 0;
        qint64 sum = 0;
    };
    auto s = std::make_shared<State>();
    s->pool = b.pool;
    s->maxId = b.maxId;
    s->next = from;
    s->end = to;
    s->left = to - from;
    s->promise.start();
    QFuture<RunResult> f = s->promise.future();
    if (s->left <= 0) {
        s->promise.addResult(RunResult{});
        s->promise.finish();
        return f;
    }
    // One "task" of aiomysql's 64: acquire, query, release, take the next id.
    struct Task
    {
        static void run(const std::shared_ptr<State> &s)
        {
            if (s->next >= s->end)
                return;
            const qint64 id = pointId(s->next++, s->maxId);
            orDie(s->pool->acquire()
                          .then(context, [id](PooledConnection c) {
                              return c->query(PointSql, {id}).then(context, [c](const ResultSet &rs) mutable {
                                  c.release();
                                  return pointChecksum(rs.rows());
                              });
                          })
                          .unwrap()
                          .then(context, [s](qint64 sum) {
                              s->sum += sum;
                              if (--s->left == 0) {
                                  s->promise.addResult(RunResult{s->end, s->sum});
                                  s->promise.finish();
                                  return;
                              }
                              run(s);
                          }),
                  "pooled lookup");
        }
    };
    for (int i = 0; i < b.tasks; ++i)
        Task::run(s);
    return f.then(context, [from](RunResult r) {
        r.n -= from;
        return r;
    });
}

/*! read through a streaming cursor, in batches of \a batchSize rows; with \a pauseMs, the
    next batch is fetched that long after the previous one arrived (a consumer slower than the
    server, so that back-pressure holds the server up). Each batch is fetched from the
    continuation of the one before, without nesting futures (10,000 nested `.then().unwrap()`
    levels would hold megabytes of future state until the end, and measure the bench). */
QFuture<RunResult> readStreamOnce(Bench &b, const QString &sql, qint64 (*checksum)(const Row &),
                                  int batchSize = 5000, int pauseMs = 0)
{
    struct State
    {
        Cursor *cur = nullptr;
        qint64 (*checksum)(const Row &) = nullptr;
        int batchSize = 0;
        int pauseMs = 0;
        RunResult result;
        QPromise<RunResult> promise;

        static void next(const std::shared_ptr<State> &s)
        {
            orDie(s->cur->fetchMany(s->batchSize).then(context, [s](const QList<Row> &rows) {
                for (const Row &row : rows)
                    s->result.checksum += s->checksum(row);
                s->result.n += long(rows.size());
                if (rows.isEmpty()) {
                    s->cur->deleteLater();
                    s->promise.addResult(s->result);
                    s->promise.finish();
                } else if (s->pauseMs > 0) {
                    QTimer::singleShot(s->pauseMs, context, [s] { next(s); });
                } else {
                    next(s);
                }
            }), "fetchMany");
        }
    };
    auto s = std::make_shared<State>();
    s->cur = b.connection->cursor(CursorType::Streaming);
    s->checksum = checksum;
    s->batchSize = batchSize;
    s->pauseMs = pauseMs;
    s->promise.start();
    const QFuture<RunResult> done = s->promise.future();
    orDie(s->cur->execute(sql).then(context, [s](qint64) { State::next(s); }), "execute");
    return done;
}

qint64 seqChecksum(const Row &row) { return row.value(0).toLongLong() + row.value(1).toString().size(); }

// --- timing ----------------------------------------------------------------------------------

/*!
    Runs \a once \a runs times back to back, timing each run from the first byte sent to the
    last value checksummed, and prints the JSON line with the median. The checksum must be the
    same in every run and for every workload of the same \a family.
*/
QFuture<void> measure(Bench &b, const char *workload, const char *family, int runs,
                      std::function<QFuture<RunResult>()> once)
{
    auto times = std::make_shared<std::vector<double>>();
    auto last = std::make_shared<std::optional<RunResult>>();
    Bench *bp = &b;
    return sequence(0, runs, [=](long) {
               const double t0 = now();
               return once().then(context, [=](const RunResult &r) {
                   times->push_back(now() - t0);
                   if (*last && (*last)->checksum != r.checksum)
                       die(workload, QStringLiteral("checksum differs between runs"));
                   *last = r;
               });
           })
            .then(context, [=] {
                const RunResult &r = **last;
                const QString f = QString::fromLatin1(family);
                if (bp->familyChecksums.contains(f) && bp->familyChecksums.value(f) != r.checksum)
                    die(workload, QStringLiteral("checksum %1 differs from the other %2 workloads' %3")
                                          .arg(r.checksum).arg(f).arg(bp->familyChecksums.value(f)));
                bp->familyChecksums.insert(f, r.checksum);
                report(workload, r.n, runs, median(*times), r.checksum);
            });
}

//! Untimed warm-up of n/20 lookups (1000 for 20000, as the peers), then the timed runs.
QFuture<void> measurePoint(Bench &b, const char *workload, std::function<QFuture<RunResult>(Bench &, long, long)> run)
{
    const long n = b.config.pointN;
    const int runs = b.config.pointRuns;
    Bench *bp = &b;
    return run(b, 0, n / 20)
            .then(context, [=](const RunResult &) {
                return measure(*bp, workload, "point", runs, [=] { return run(*bp, 0, n); });
            })
            .unwrap();
}

// --- the workloads ---------------------------------------------------------------------------

QFuture<void> benchRead(Bench &b)
{
    Bench *bp = &b;
    return measure(b, "read", "read", b.config.readRuns, [bp] { return readOnce(*bp); });
}

/*! \a sql prepared into b.statement (untimed: the peers prepare before timing too), then
    \a then(). */
QFuture<void> withStatement(Bench &b, const QString &sql, std::function<QFuture<void>()> then)
{
    Bench *bp = &b;
    return orDie(b.connection->prepare(sql), "prepare")
            .then(context, [bp, then](const PreparedStatement &statement) {
                bp->statement = statement;
                return then();
            })
            .unwrap();
}

QFuture<void> benchReadPrepared(Bench &b)
{
    Bench *bp = &b;
    return withStatement(b, ReadSql, [bp] {
        return measure(*bp, "read_prepared", "read", bp->config.readRuns, [bp] { return readOnce(*bp, true); });
    });
}

QFuture<void> benchPointPrepared(Bench &b)
{
    Bench *bp = &b;
    return withStatement(b, PointPreparedSql, [bp] {
        return measurePoint(*bp, "point_prepared", [](Bench &bench, long from, long to) {
            return pointSequential(bench, from, to, PointForm::Prepared);
        });
    });
}

PointForm pointFormOf(const QString &name)
{
    if (name == u"query")
        return PointForm::Query;
    if (name == u"callback")
        return PointForm::Callback;
    if (name == u"prepared")
        return PointForm::Prepared;
    if (!name.isEmpty() && name != u"cursor")
        die("BENCH_POINT_FORM", QStringLiteral("unknown form '%1' (cursor, query, callback, prepared)").arg(name));
    return PointForm::Cursor;
}

/*! The peers' workload. BENCH_POINT_FORM (cursor, the default; query; callback) makes it run one
    of the other forms under this name, for cost.sh, which knows only "point". */
QFuture<void> benchPoint(Bench &b)
{
    const PointForm form = pointFormOf(qEnvironmentVariable("BENCH_POINT_FORM"));
    const auto run = [&b, form] {
        return measurePoint(b, "point", [form](Bench &bench, long from, long to) { return pointSequential(bench, from, to, form); });
    };
    return form == PointForm::Prepared ? withStatement(b, PointPreparedSql, run) : run();
}

QFuture<void> benchPointQuery(Bench &b)
{
    return measurePoint(b, "point_query", [](Bench &bench, long from, long to) {
        return pointSequential(bench, from, to, PointForm::Query);
    });
}

QFuture<void> benchPointCallback(Bench &b)
{
    return measurePoint(b, "point_callback", [](Bench &bench, long from, long to) {
        return pointSequential(bench, from, to, PointForm::Callback);
    });
}

QFuture<void> benchPointPipelined(Bench &b) { return measurePoint(b, "point_pipelined", pointPipelined); }

//! The point lookups through a pool made with \a o (opened before timing), then closed.
QFuture<void> measurePool(Bench &b, const PoolOptions &o, const char *workload)
{
    Bench *bp = &b;
    return Pool::create(o, context)
            .then(context, [bp, workload](Pool *pool) {
                bp->pool = pool;
                return measurePoint(*bp, workload, pointConcurrent);
            })
            .unwrap()
            .then(context, [bp] {
                bp->pool->close();
                return bp->pool->waitClosed();
            })
            .unwrap()
            .then(context, [bp] { delete std::exchange(bp->pool, nullptr); });
}

QFuture<void> benchConcurrent(Bench &b)
{
    PoolOptions o;
    o.connection = b.config.connect;
    o.minSize = 8; // the warm-up opens all 8 before timing, as the peers do
    o.maxSize = 8;
    // As aiomysql's and mysql2's pools: a released connection goes back as it is. (The default,
    // COM_RESET_CONNECTION and the session set up again, costs a round trip per release.)
    o.resetOnRelease = false;
    b.tasks = 64;
    return measurePool(b, o, "concurrent");
}

//! A Pool of 4 with the library's defaults, one lookup in flight per connection.
QFuture<void> benchPoolLookup(Bench &b)
{
    PoolOptions o;
    o.connection = b.config.connect;
    o.minSize = 4;
    o.maxSize = 4;
    b.tasks = 4;
    return measurePool(b, o, "pool_lookup");
}

QFuture<void> benchReadStream(Bench &b)
{
    Bench *bp = &b;
    return measure(b, "read_stream", "read", b.config.readRuns, [bp] { return readStreamOnce(*bp, ReadSql, readChecksum); });
}

//! What the server has sent on this connection so far (its session's Bytes_sent).
QFuture<qint64> bytesSent(Bench &b)
{
    return b.connection->query(QStringLiteral("SHOW SESSION STATUS LIKE 'Bytes_sent'")).then(context, [](const ResultSet &rs) {
        return rs.rows().value(0).value(1).toLongLong();
    });
}

/*!
    One run over the million rows, streamed or buffered, with the peak RSS it left and the bytes
    the server sent for it (the rows on the wire, for comparison with what they cost in memory).
*/
QFuture<void> benchMemory(Bench &b, const char *workload, bool streamed)
{
    Bench *bp = &b;
    return bytesSent(b)
            .then(context, [bp, workload, streamed](qint64 sentBefore) {
                const double before = procStatusMiB("VmRSS");
                const double t0 = now();
                const Config &c = bp->config;
                QFuture<RunResult> run = streamed
                        ? readStreamOnce(*bp, MillionSql, seqChecksum, c.streamBatch, c.streamPauseMs)
                        : bp->connection->query(MillionSql).then(context, [](const ResultSet &rs) {
                              RunResult r;
                              for (const Row &row : rs.rows())
                                  r.checksum += seqChecksum(row);
                              r.n = long(rs.size());
                              return r;
                          });
                return run.then(context, [bp, workload, streamed, before, t0, sentBefore](const RunResult &r) {
                    const double seconds = now() - t0;
                    const double peak = procStatusMiB("VmHWM");
                    return bytesSent(*bp).then(context, [=](qint64 sentAfter) {
                        const Config &c = bp->config;
                        QString extra = QStringLiteral(",\"ssl\":\"%1\",\"rss_before_mb\":%2,\"peak_rss_mb\":%3,\"wire_mb\":%4")
                                                .arg(c.connect.ssl.mode == SslOptions::Mode::Disabled ? u"disabled" : u"required")
                                                .arg(before, 0, 'f', 1)
                                                .arg(peak, 0, 'f', 1)
                                                .arg(double(sentAfter - sentBefore) / (1024 * 1024), 0, 'f', 1);
                        if (streamed)
                            extra += QStringLiteral(",\"batch\":%1,\"pause_ms\":%2").arg(c.streamBatch).arg(c.streamPauseMs);
                        report(workload, r.n, 1, seconds, r.checksum, extra.toLatin1().constData());
                    });
                }).unwrap();
            })
            .unwrap();
}

/*! bulk_insert and insert_many: the rows built once, untimed; each run empties the table and
    inserts them all through \a sql (prepared with ? placeholders, or text with %s). */
QFuture<void> benchInsert(Bench &b, const char *workload, bool prepared)
{
    auto rows = std::make_shared<QList<QVariantList>>();
    rows->reserve(b.config.insertN);
    for (long i = 0; i < b.config.insertN; ++i) {
        rows->append({qint64(i), QStringLiteral("name-%1").arg(i), QVariant::fromValue(Decimal::fromString(QStringLiteral("%1.25").arg(i % 100000))),
                      QDateTime(QDate(2024, 1, 1 + i % 28), QTime(i % 24, i % 60, i % 60), Qt::UTC)});
    }
    Bench *bp = &b;
    const QString placeholder = prepared ? QStringLiteral("?") : QStringLiteral("%s");
    const QString sql = QStringLiteral("INSERT INTO bench_insert VALUES (%1, %1, %1, %1)").arg(placeholder);
    return orDie(b.connection->query(QStringLiteral(
                         "CREATE OR REPLACE TABLE bench_insert (id INT PRIMARY KEY, name VARCHAR(32), "
                         "amount DECIMAL(12,2), created DATETIME)")), "create")
            .then(context, [bp, workload, rows, sql, prepared](const ResultSet &) {
                return measure(*bp, workload, "insert", bp->config.readRuns, [bp, rows, sql, prepared] {
                    return bp->connection->query(QStringLiteral("TRUNCATE TABLE bench_insert"))
                            .then(context, [bp, rows, sql, prepared](const ResultSet &) {
                                return prepared ? bp->cursor->executeManyPrepared(sql, *rows) : bp->cursor->executeMany(sql, *rows);
                            })
                            .unwrap()
                            .then(context, [rows](qint64 inserted) { return RunResult{long(rows->size()), inserted}; });
                });
            })
            .unwrap()
            .then(context, [bp] { return orDie(bp->connection->query(QStringLiteral("DROP TABLE bench_insert")), "drop"); })
            .unwrap()
            .then(context, [](const ResultSet &) {});
}

QFuture<void> benchBulkInsert(Bench &b) { return benchInsert(b, "bulk_insert", true); }
QFuture<void> benchInsertMany(Bench &b) { return benchInsert(b, "insert_many", false); }

QFuture<void> benchStreamMemory(Bench &b) { return benchMemory(b, "stream_memory", true); }
QFuture<void> benchBufferedMemory(Bench &b) { return benchMemory(b, "buffered_memory", false); }

struct Workload
{
    const char *name;
    QFuture<void> (*run)(Bench &);
    bool readsBenchRows = true; //!< false: runs against any server, without seed.sh's table
};

// In this order, each one after the previous finished (stream_memory before buffered_memory:
// the peak RSS only grows).
const Workload workloads[] = {
    {"read", benchRead},
    {"read_prepared", benchReadPrepared},
    {"point", benchPoint},
    {"point_prepared", benchPointPrepared},
    {"point_query", benchPointQuery},
    {"point_callback", benchPointCallback},
    {"point_pipelined", benchPointPipelined},
    {"concurrent", benchConcurrent},
    {"pool_lookup", benchPoolLookup},
    {"read_stream", benchReadStream},
    {"bulk_insert", benchBulkInsert, false},
    {"insert_many", benchInsertMany, false},
    {"stream_memory", benchStreamMemory, false},
    {"buffered_memory", benchBufferedMemory, false},
};

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    context = &app;
    Bench bench;
    Bench *b = &bench;
    b->config = configFromEnvironment();
    if (b->config.readRuns < 1 || b->config.pointRuns < 1 || b->config.pointN < 1) {
        std::fprintf(stderr, "bench_asyncmysql: BENCH_READ_RUNS, BENCH_POINT_RUNS, BENCH_POINT_N must be >= 1\n");
        return 1;
    }
    std::vector<Workload> selected;
    for (const Workload &w : workloads) {
        if (b->config.wanted(QString::fromLatin1(w.name)))
            selected.push_back(w);
    }

    const bool readsBenchRows = std::any_of(selected.begin(), selected.end(),
                                            [](const Workload &w) { return w.readsBenchRows; });

    wallClock.start();
    b->connection = new Connection(b->config.connect, &app);
    // Every failure of a command is reported here too: the point loops need no handler per query.
    QObject::connect(b->connection, &Connection::errorOccurred, &app,
                     [](const Error &e) { die("query", QString::fromUtf8(e.what())); });
    orDie(b->connection->open()
                  .then(&app, [b, readsBenchRows] {
                      b->cursor = b->connection->cursor();
                      return b->connection->query(readsBenchRows ? MaxIdSql : QStringLiteral("SELECT 1"));
                  })
                  .unwrap()
                  .then(&app, [b, selected, readsBenchRows](const ResultSet &rs) {
                      b->maxId = rs.rows().isEmpty() ? 0 : rs.rows().first().value(0).toLongLong();
                      if (readsBenchRows && b->maxId < 1)
                          die("max id", QStringLiteral("bench.rows is empty; run seed.sh"));
                      return sequence(0, long(selected.size()), [b, selected](long i) { return selected[i].run(*b); });
                  })
                  .unwrap()
                  .then(&app, [b] { return b->connection->ensureClosed(); })
                  .unwrap()
                  .then(&app, [] { QCoreApplication::exit(0); }),
          "bench");
    return app.exec();
}
