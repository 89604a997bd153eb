// SPDX-License-Identifier: MIT
// Streaming cursors (aiomysql SSCursor / SSDictCursor) against the real server. The rows come
// from MariaDB's SEQUENCE engine (seq_1_to_N tables), so nothing needs to be inserted.
#include "testutil.h"

#include <QtCore/QElapsedTimer>
#include <QtTest/QSignalSpy>

using namespace AsyncMySql;

class tst_Streaming : public QObject
{
    Q_OBJECT

    std::unique_ptr<Connection> conn;

    static ConnectOptions streamingOptions()
    {
        ConnectOptions o = TestUtil::options();
        o.cursorType = CursorType::Streaming;
        o.autocommit = true;
        return o;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(TestUtil::haveServer(), "run through scripts/test.sh (it starts the server)");
        conn = std::make_unique<Connection>(streamingOptions());
        AWAIT(conn->open());
    }

    void millionRowsInBatches()
    {
        Cursor *cur = conn->cursor();
        QCOMPARE(cur->cursorType(), CursorType::Streaming);
        QCOMPARE(AWAIT(cur->execute(QStringLiteral("SELECT seq, seq * 2 FROM seq_1_to_1000000"))), qint64(-1));
        QCOMPARE(cur->description().size(), 2);
        qint64 n = 0, sum = 0;
        for (;;) {
            const QList<Row> batch = AWAIT(cur->fetchMany(5000));
            if (batch.isEmpty())
                break;
            QVERIFY(batch.size() <= 5000);
            for (const Row &r : batch) {
                ++n;
                sum += r.value(1).toLongLong();
            }
        }
        QCOMPARE(n, qint64(1000000));
        QCOMPARE(sum, qint64(1000000) * 1000001);
        QCOMPARE(cur->rowCount(), qint64(1000000)); // known at the end
        QCOMPARE(cur->rowNumber(), qint64(1000000));
        QVERIFY(!AWAIT(cur->fetchOne()));
        QCOMPARE(AWAIT(conn->query(QStringLiteral("SELECT 1"))).rows().value(0).value(0).toInt(), 1);
        delete cur;
    }

    void serverWaitsForTheReader_data()
    {
        QTest::addColumn<int>("transport");
        QTest::newRow("tcp") << 0;
        QTest::newRow("tcp, tls disabled") << 3;
        QTest::newRow("unix socket") << 2;
    }

    void serverWaitsForTheReader()
    {
        QFETCH(int, transport);
        // ~33 MB of rows, none fetched: with back-pressure the server is still sending them
        // seconds later, stuck on the full socket buffers (a client that read everything as it
        // came would have let it finish in well under a second).
        ConnectOptions o = streamingOptions();
        if (transport == 2)
            o.unixSocket = qEnvironmentVariable("ASYNCMYSQL_TEST_SOCKET");
        if (transport == 3)
            o.ssl.mode = SslOptions::Mode::Disabled;
        Connection c(o);
        AWAIT(c.open());
        Cursor *cur = c.cursor();
        AWAIT(cur->execute(QStringLiteral("SELECT seq, REPEAT('x', 100) FROM seq_1_to_300000")));
        QTest::qWait(3000);
        Connection admin(TestUtil::adminOptions());
        AWAIT(admin.open());
        const ResultSet ps = AWAIT(admin.query(QStringLiteral("SELECT COMMAND FROM information_schema.PROCESSLIST WHERE ID = %s"),
                                               {c.threadId()}));
        QCOMPARE(ps.rows().value(0).value(0).toString(), QStringLiteral("Query"));
        // Taking rows lets it go on; closing drains the rest and frees the connection.
        QCOMPARE(AWAIT(cur->fetchMany(3000)).size(), 3000);
        QCOMPARE(AWAIT(cur->fetchOne())->value(0).toLongLong(), qint64(3001));
        AWAIT(cur->close());
        QCOMPARE(AWAIT(c.query(QStringLiteral("SELECT 2"))).rows().value(0).value(0).toInt(), 2);
    }

    void slowReaderKeepsTheServerWaiting_data()
    {
        QTest::addColumn<int>("transport");
        QTest::newRow("tcp") << 0;
        QTest::newRow("tls") << 1;
        QTest::newRow("unix socket") << 2;
        QTest::newRow("tcp, tls disabled") << 3;
    }

    void slowReaderKeepsTheServerWaiting()
    {
        // A reader that takes one row at a time: each row taken lets the connection read on,
        // but only as far as the rows need. 2,000 rows taken must not pull in the other ~33 MB
        // (a connection that read a socket buffer's worth per row taken did exactly that, and
        // held it all in memory); every row still arrives, through ~2,000 pauses and resumes.
        QFETCH(int, transport);
        ConnectOptions o = streamingOptions();
        if (transport == 1)
            o.ssl.mode = SslOptions::Mode::Required;
        if (transport == 2)
            o.unixSocket = qEnvironmentVariable("ASYNCMYSQL_TEST_SOCKET");
        if (transport == 3)
            o.ssl.mode = SslOptions::Mode::Disabled;
        Connection c(o);
        AWAIT(c.open());
        Cursor *cur = c.cursor();
        AWAIT(cur->execute(QStringLiteral("SELECT seq, REPEAT('x', 100) FROM seq_1_to_300000")));
        QTest::qWait(500); // let it pause
        qint64 n = 0, sum = 0;
        for (int i = 0; i < 2000; ++i) {
            const std::optional<Row> r = AWAIT(cur->fetchOne());
            QVERIFY(r);
            ++n;
            sum += r->value(0).toLongLong();
        }
        QTest::qWait(500);
        Connection admin(TestUtil::adminOptions());
        AWAIT(admin.open());
        const ResultSet ps = AWAIT(admin.query(QStringLiteral("SELECT COMMAND FROM information_schema.PROCESSLIST WHERE ID = %s"),
                                               {c.threadId()}));
        QCOMPARE(ps.rows().value(0).value(0).toString(), QStringLiteral("Query")); // still sending
        for (QList<Row> b; !(b = AWAIT(cur->fetchMany(7000))).isEmpty();) {
            for (const Row &r : b) {
                ++n;
                sum += r.value(0).toLongLong();
            }
        }
        QCOMPARE(n, qint64(300000));
        QCOMPARE(sum, qint64(300000) * 300001 / 2);
        QCOMPARE(AWAIT(c.query(QStringLiteral("SELECT 3"))).rows().value(0).value(0).toInt(), 3);
    }

    void closeStopsASlowResult()
    {
        // A result the server produces slowly (10 ms a row of 4 kB, 1,000 s in all; MariaDB sends
        // a 16 kB buffer at a time): close() asks the server to stop instead of reading it to
        // its end, and the connection is free at once.
        Connection c(streamingOptions());
        AWAIT(c.open());
        Cursor *cur = c.cursor();
        AWAIT(cur->execute(QStringLiteral("SELECT seq, REPEAT('x', 4000), SLEEP(0.01) FROM seq_1_to_100000")));
        QCOMPARE(AWAIT(cur->fetchMany(5)).size(), 5);
        QElapsedTimer timer;
        timer.start();
        AWAIT(cur->close());
        QCOMPARE(AWAIT(c.query(QStringLiteral("SELECT 12"))).rows().value(0).value(0).toInt(), 12);
        QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
        // The same when the cursor runs another statement.
        Cursor *again = c.cursor();
        AWAIT(again->execute(QStringLiteral("SELECT seq, REPEAT('x', 4000), SLEEP(0.01) FROM seq_1_to_100000")));
        QCOMPARE(AWAIT(again->fetchMany(3)).size(), 3);
        timer.restart();
        AWAIT(again->execute(QStringLiteral("SELECT 13")));
        QCOMPARE(AWAIT(again->fetchOne())->value(0).toInt(), 13);
        QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
    }

    void fetchKindsAndScrolling()
    {
        Cursor *cur = conn->cursor(CursorType::StreamingDict);
        AWAIT(cur->execute(QStringLiteral("SELECT seq AS n FROM seq_1_to_100")));
        QCOMPARE(AWAIT(cur->fetchOne())->value(QStringLiteral("n")).toInt(), 1);
        QVERIFY(AWAIT(cur->fetchOne())->isDict());
        AWAIT(cur->scroll(8)); // relative: rows 3..10 skipped
        QCOMPARE(AWAIT(cur->fetchOne())->value(0).toInt(), 11);
        AWAIT(cur->scroll(50, ScrollMode::Absolute));
        QCOMPARE(AWAIT(cur->fetchOne())->value(0).toInt(), 51);
        EXPECT_ERROR(cur->scroll(-1), NotSupportedError, 0);
        EXPECT_ERROR(cur->scroll(10, ScrollMode::Absolute), NotSupportedError, 0);
        cur->setArraySize(7);
        QCOMPARE(AWAIT(cur->fetchMany()).size(), 7);
        const QList<Row> rest = AWAIT(cur->fetchAll());
        QCOMPARE(rest.size(), 100 - 58);
        QCOMPARE(rest.last().value(0).toInt(), 100);
        QCOMPARE(AWAIT(cur->fetchAll()).size(), 0);
        QCOMPARE(cur->rowCount(), qint64(100));
        delete cur;
    }

    void statementsWithoutResults()
    {
        Cursor *cur = conn->cursor();
        AWAIT(cur->execute(QStringLiteral("CREATE OR REPLACE TEMPORARY TABLE t_s (id INT)")));
        QCOMPARE(AWAIT(cur->execute(QStringLiteral("INSERT INTO t_s SELECT seq FROM seq_1_to_5"))), qint64(5));
        QCOMPARE(cur->rowCount(), qint64(5));
        QVERIFY(!AWAIT(cur->fetchOne()));
        delete cur;
    }

    void anotherCommandDrainsTheStream()
    {
        Connection c(streamingOptions());
        AWAIT(c.open());
        Cursor *cur = c.cursor();
        AWAIT(cur->execute(QStringLiteral("SELECT seq FROM seq_1_to_500000")));
        QCOMPARE(AWAIT(cur->fetchMany(10)).size(), 10);
        // The connection must not wait for the cursor to be read to the end.
        QCOMPARE(AWAIT(c.query(QStringLiteral("SELECT 42"))).rows().value(0).value(0).toInt(), 42);
        // What the cursor still holds may be fetched; then it ends (never hangs).
        const QList<Row> rest = AWAIT(cur->fetchAll());
        QVERIFY(rest.size() < 500000 - 10);
        // A second execute on the same cursor starts afresh.
        AWAIT(cur->execute(QStringLiteral("SELECT seq FROM seq_1_to_3")));
        QCOMPARE(AWAIT(cur->fetchAll()).size(), 3);
    }

    void errorInTheMiddle()
    {
        Cursor *cur = conn->cursor();
        // Row 5000's subquery returns two rows: the server fails after sending the rows before.
        AWAIT(cur->execute(QStringLiteral("SELECT seq, IF(seq = 5000, (SELECT 1 UNION SELECT 2), 0) FROM seq_1_to_10000")));
        QSignalSpy errors(cur, &Cursor::errorOccurred);
        qint64 n = 0;
        std::shared_ptr<Error> err;
        for (;;) {
            QFuture<QList<Row>> f = cur->fetchMany(1000);
            err = TestUtil::errorOf(f);
            if (err)
                break;
            const QList<Row> rows = f.result();
            if (rows.isEmpty())
                break;
            n += rows.size();
        }
        QVERIFY2(err, "the error was not reported");
        QCOMPARE(err->code(), 1242);
        QVERIFY(n < 5000);
        QCOMPARE(errors.count(), 1);
        QCOMPARE(AWAIT(conn->query(QStringLiteral("SELECT 3"))).rows().value(0).value(0).toInt(), 3);
        delete cur;
    }

    void multipleResults()
    {
        ConnectOptions o = streamingOptions();
        o.clientFlag = 1u << 16; // CLIENT_MULTI_STATEMENTS
        Connection c(o);
        AWAIT(c.open());
        Cursor *cur = c.cursor();
        AWAIT(cur->execute(QStringLiteral("SELECT seq FROM seq_1_to_2000; SELECT 'b'; SELECT * FROM no_such_table; SELECT 4")));
        QCOMPARE(AWAIT(cur->fetchOne())->value(0).toInt(), 1); // the rest of the first is skipped
        QVERIFY(AWAIT(cur->nextSet()));
        QCOMPARE(AWAIT(cur->fetchOne())->value(0).toString(), QStringLiteral("b"));
        EXPECT_ERROR(cur->nextSet(), ProgrammingError, 1146);
        QCOMPARE(AWAIT(c.query(QStringLiteral("SELECT 5"))).rows().value(0).value(0).toInt(), 5);
    }

    void executeErrorAndCancel()
    {
        Cursor *cur = conn->cursor();
        EXPECT_ERROR(cur->execute(QStringLiteral("SELECT * FROM no_such_table")), ProgrammingError, 1146);
        QFuture<qint64> f = cur->execute(QStringLiteral("SELECT SLEEP(10)"));
        QTest::qWait(200);
        f.cancel();
        QVERIFY(TestUtil::waitFor(f, 5000));
        QCOMPARE(AWAIT(conn->query(QStringLiteral("SELECT 6"))).rows().value(0).value(0).toInt(), 6);
        delete cur;
    }

    void streamingCompressed()
    {
        // Back-pressure with the compressed protocol: paused reads leave whole compressed
        // packets waiting, and the rows still come out exact.
        ConnectOptions o = streamingOptions();
        o.compression = ConnectOptions::Compression::Zlib;
        Connection c(o);
        AWAIT(c.open());
        QCOMPARE(c.compression(), ConnectOptions::Compression::Zlib);
        Cursor *cur = c.cursor();
        AWAIT(cur->execute(QStringLiteral("SELECT seq, MD5(seq) FROM seq_1_to_100000")));
        QTest::qWait(200);
        qint64 n = 0;
        for (QList<Row> b; !(b = AWAIT(cur->fetchMany(7000))).isEmpty();) {
            for (const Row &r : b) {
                ++n;
                QCOMPARE(r.value(0).toLongLong(), n);
            }
        }
        QCOMPARE(n, qint64(100000));
        const Row last = AWAIT(c.query(QStringLiteral("SELECT MD5(100000)"))).rows().value(0);
        QCOMPARE(last.value(0).toString().size(), 32);
    }

    void continuationsOnExecute()
    {
        // A continuation without a context runs inside the promise's finish(): once, also on
        // the error path.
        Cursor *cur = conn->cursor();
        int thens = 0, failures = 0;
        cur->execute(QStringLiteral("SELECT nope FROM no_such_table"))
                .then([&thens](qint64) { ++thens; })
                .onFailed([&failures](const Error &) { ++failures; });
        QTRY_COMPARE(failures, 1);
        cur->execute(QStringLiteral("SELECT 1")).then([&thens](qint64) { ++thens; });
        QTRY_COMPARE(thens, 1);
        QTest::qWait(50);
        QCOMPARE(failures, 1);
        delete cur;
    }

    void streamingOverUnixSocket()
    {
        // Back-pressure through QLocalSocket's read buffer: paused, resumed, every row exact.
        ConnectOptions o = streamingOptions();
        o.unixSocket = qEnvironmentVariable("ASYNCMYSQL_TEST_SOCKET");
        Connection c(o);
        AWAIT(c.open());
        Cursor *cur = c.cursor();
        AWAIT(cur->execute(QStringLiteral("SELECT seq, REPEAT('z', 100) FROM seq_1_to_200000")));
        QTest::qWait(200); // let it pause
        qint64 n = 0, sum = 0;
        for (QList<Row> b; !(b = AWAIT(cur->fetchMany(9000))).isEmpty();) {
            for (const Row &r : b) {
                ++n;
                sum += r.value(0).toLongLong();
            }
        }
        QCOMPARE(n, qint64(200000));
        QCOMPARE(sum, qint64(200000) * 200001 / 2);
    }

    void streamingOverTls()
    {
        ConnectOptions o = streamingOptions();
        o.ssl.mode = SslOptions::Mode::Required;
        Connection c(o);
        AWAIT(c.open());
        Cursor *cur = c.cursor();
        AWAIT(cur->execute(QStringLiteral("SELECT seq, REPEAT('y', 200) FROM seq_1_to_200000")));
        QTest::qWait(200); // let it pause
        qint64 n = 0;
        for (QList<Row> b; !(b = AWAIT(cur->fetchMany(10000))).isEmpty();)
            n += b.size();
        QCOMPARE(n, qint64(200000));
    }
};

QTEST_GUILESS_MAIN(tst_Streaming)
#include "tst_streaming.moc"
