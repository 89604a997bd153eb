// SPDX-License-Identifier: MIT
// The query surface beyond execute(): executeMany, callProc, warnings.
#include "testutil.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QTemporaryDir>
#include <QtCore/QPoint>
#include <QtCore/QSize>
#include <QtTest/QSignalSpy>

using namespace AsyncMySql;

class tst_Queries : public QObject
{
    Q_OBJECT

    std::unique_ptr<Connection> conn;

    qint64 sessionStatus(const char *name)
    {
        const ResultSet rs = AWAIT(conn->query(QStringLiteral("SHOW SESSION STATUS LIKE %s"), {QString::fromLatin1(name)}));
        return rs.rows().value(0).value(1).toLongLong();
    }

    qint64 count(const QString &sql)
    {
        return AWAIT(conn->query(sql)).rows().value(0).value(0).toLongLong();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(TestUtil::haveServer(), "run through scripts/test.sh (it starts the server)");
        conn = TestUtil::openConnection();
    }

    void init()
    {
        AWAIT(conn->query(QStringLiteral("CREATE OR REPLACE TABLE t_many (id INT PRIMARY KEY, name VARCHAR(40), n INT DEFAULT 0)")));
    }

    void cleanupTestCase()
    {
        AWAIT(conn->query(QStringLiteral("DROP TABLE IF EXISTS t_many")));
        AWAIT(conn->query(QStringLiteral("DROP PROCEDURE IF EXISTS p_out")));
    }

    void executeManyBatchesInserts()
    {
        QList<QVariantList> rows;
        for (int i = 0; i < 10000; ++i)
            rows.append({i, QStringLiteral("name %1 'quoted' \\ 100%").arg(i)});
        Cursor *cur = conn->cursor();
        const qint64 before = sessionStatus("Com_insert");
        QCOMPARE(AWAIT(cur->executeMany(QStringLiteral("INSERT INTO t_many (id, name) VALUES (%s, %s)"), rows)), qint64(10000));
        const qint64 statements = sessionStatus("Com_insert") - before;
        // 10,000 rows of ~40 bytes fit one 1,024,000-byte statement.
        QCOMPARE(statements, qint64(1));
        QCOMPARE(cur->rowCount(), qint64(10000));
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM t_many")), qint64(10000));
        const ResultSet rs = AWAIT(conn->query(QStringLiteral("SELECT name FROM t_many WHERE id = 4321")));
        QCOMPARE(rs.rows().value(0).value(0).toString(), QStringLiteral("name 4321 'quoted' \\ 100%"));
    }

    void executeManyCutsBelowTheLimit()
    {
        QList<QVariantList> rows;
        for (int i = 0; i < 1000; ++i)
            rows.append({i, QString(30, QLatin1Char('x'))});
        Cursor *cur = conn->cursor();
        cur->setMaxStatementLength(4096);
        const qint64 before = sessionStatus("Com_insert");
        QCOMPARE(AWAIT(cur->executeMany(QStringLiteral("insert into t_many (id, name) values (%s, %s);"), rows)), qint64(1000));
        const qint64 statements = sessionStatus("Com_insert") - before;
        // ~40 bytes a row: about 100 rows per 4 KiB statement, never one per row.
        QVERIFY2(statements >= 10 && statements <= 13, qPrintable(QString::number(statements)));
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM t_many")), qint64(1000));
        QVERIFY(cur->lastExecuted().size() <= 4096);
    }

    void executeManyNamedWithOnDuplicate()
    {
        AWAIT(conn->query(QStringLiteral("INSERT INTO t_many (id, name) VALUES (1, 'old'), (2, 'old')")));
        QList<QVariantMap> rows;
        for (int i = 1; i <= 4; ++i)
            rows.append({{QStringLiteral("id"), i}, {QStringLiteral("name"), QStringLiteral("new%1").arg(i)}});
        Cursor *cur = conn->cursor();
        const qint64 before = sessionStatus("Com_insert");
        // 2 updated rows count twice, 2 inserted once (MySQL's affected-rows rule).
        QCOMPARE(AWAIT(cur->executeMany(QStringLiteral("INSERT INTO t_many (id, name) VALUES (%(id)s, %(name)s) "
                                                       "ON DUPLICATE KEY UPDATE name = VALUES(name), n = n + 1"),
                                        rows)),
                 qint64(6));
        QCOMPARE(sessionStatus("Com_insert") - before, qint64(1));
        QCOMPARE(count(QStringLiteral("SELECT SUM(n) FROM t_many")), qint64(2));
        QCOMPARE(AWAIT(conn->query(QStringLiteral("SELECT name FROM t_many WHERE id = 2"))).rows().value(0).value(0).toString(),
                 QStringLiteral("new2"));
    }

    void executeManyOtherStatementsRunPerRow()
    {
        AWAIT(conn->query(QStringLiteral("INSERT INTO t_many (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c')")));
        Cursor *cur = conn->cursor();
        const qint64 before = sessionStatus("Com_update");
        QCOMPARE(AWAIT(cur->executeMany(QStringLiteral("UPDATE t_many SET n = %s WHERE id <= %s"), {{7, 2}, {9, 1}, {5, 0}})),
                 qint64(3)); // 2 + 1 + 0 affected
        QCOMPARE(sessionStatus("Com_update") - before, qint64(3));
        QCOMPARE(count(QStringLiteral("SELECT SUM(n) FROM t_many")), qint64(9 + 7));
    }

    void executeManyEdgeCases()
    {
        Cursor *cur = conn->cursor();
        const qint64 before = sessionStatus("Com_insert");
        QCOMPARE(AWAIT(cur->executeMany(QStringLiteral("INSERT INTO t_many (id) VALUES (%s)"), QList<QVariantList>{})), qint64(0));
        QCOMPARE(sessionStatus("Com_insert"), before); // nothing sent
        // A wrong argument count is found before anything is sent.
        EXPECT_ERROR(cur->executeMany(QStringLiteral("INSERT INTO t_many (id, name) VALUES (%s, %s)"), {{1, QStringLiteral("a")}, {2}}),
                     ProgrammingError, 0);
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM t_many")), qint64(0));
        // A duplicate in the second statement: the first statement stays, the third never runs.
        cur->setMaxStatementLength(1); // one row per statement
        EXPECT_ERROR(cur->executeMany(QStringLiteral("INSERT INTO t_many (id) VALUES (%s)"), {{1}, {1}, {3}}),
                     IntegrityError, 1062);
        QCOMPARE(count(QStringLiteral("SELECT GROUP_CONCAT(id) FROM t_many")), qint64(1));
    }

    void callProcWithOutParameters()
    {
        AWAIT(conn->query(QStringLiteral("DROP PROCEDURE IF EXISTS p_out")));
        AWAIT(conn->query(QStringLiteral(
                "CREATE PROCEDURE p_out(IN a INT, INOUT b INT, OUT c VARCHAR(20)) "
                "BEGIN SET b = b * a; SET c = CONCAT('got ', a); SELECT a, b; SELECT c AS said; END")));
        Cursor *cur = conn->cursor();
        const QVariantList out = AWAIT(cur->callProc(QStringLiteral("p_out"), {6, 7, QVariant()}));
        QCOMPARE(out.size(), 3);
        QCOMPARE(out.at(0).toInt(), 6);
        QCOMPARE(out.at(1).toInt(), 42);
        QCOMPARE(out.at(2).toString(), QStringLiteral("got 6"));
        // The procedure's own two result sets, and not the CALL's final OK.
        std::optional<Row> first = AWAIT(cur->fetchOne());
        QVERIFY(first);
        QCOMPARE(first->value(1).toInt(), 42);
        QVERIFY(AWAIT(cur->nextSet()));
        QCOMPARE(AWAIT(cur->fetchOne())->value(QStringLiteral("said")).toString(), QStringLiteral("got 6"));
        QVERIFY(!AWAIT(cur->nextSet()));
        QVERIFY(cur->lastExecuted().startsWith(QLatin1String("CALL p_out(@_p_out_0,@_p_out_1,@_p_out_2)")));
        // The connection is in step afterwards.
        QCOMPARE(count(QStringLiteral("SELECT @_p_out_1")), qint64(42));
        EXPECT_ERROR(cur->callProc(QStringLiteral("no_such_proc")), ProgrammingError, 1305);
        QCOMPARE(count(QStringLiteral("SELECT 5")), qint64(5));
    }

    void converters()
    {
        Converters conv;
        // DECIMAL(10,2) into an integer number of cents, exactly.
        conv.setDecoder(Column::NewDecimal, [](const Column &c, QByteArrayView text) {
            QString digits = QString::fromLatin1(text);
            digits.remove(QLatin1Char('.'));
            return QVariant(digits.toLongLong() * (c.decimals() == 2 ? 1 : 0));
        });
        // JSON as the server's raw bytes instead of a QJsonDocument.
        conv.setDecoder(Column::Json, [](const Column &, QByteArrayView text) { return QVariant(text.toByteArray()); });
        // A QPoint parameter becomes SQL of its own; a QSize is written as the text "WxH".
        conv.setEncoder(QMetaType::fromType<QPoint>(), [](const QVariant &v) {
            const QPoint p = v.toPoint();
            return QVariant::fromValue(RawSql{QByteArray("(") + QByteArray::number(p.x()) + " * 1000 + "
                                              + QByteArray::number(p.y()) + ')'});
        });
        conv.setEncoder(QMetaType::fromType<QSize>(), [](const QVariant &v) {
            return QVariant(QStringLiteral("%1x%2").arg(v.toSize().width()).arg(v.toSize().height()));
        });
        ConnectOptions o = TestUtil::options();
        o.converters = conv;
        Connection c(o);
        AWAIT(c.open());
        const Row r = AWAIT(c.query(QStringLiteral("SELECT CAST(12.34 AS DECIMAL(10,2)), JSON_OBJECT('a', 1), "
                                                   "CAST(1.5 AS DOUBLE), %s, %s"),
                                    {QVariant(QPoint(3, 4)), QVariant(QSize(640, 480))}))
                              .rows().value(0);
        QCOMPARE(r.value(0).typeId(), QMetaType::LongLong);
        QCOMPARE(r.value(0).toLongLong(), qint64(1234));
        QCOMPARE(r.value(1).typeId(), QMetaType::QByteArray);
        QCOMPARE(r.value(1).toByteArray(), QByteArray("{\"a\": 1}"));
        QCOMPARE(r.value(2).toDouble(), 1.5); // other types keep the built-in mapping
        QCOMPARE(r.value(3).toLongLong(), qint64(3004));
        QCOMPARE(r.value(4).toString(), QStringLiteral("640x480"));
        // Without converters, the same columns decode as usual.
        const Row plain = AWAIT(conn->query(QStringLiteral("SELECT CAST(12.34 AS DECIMAL(10,2))"))).rows().value(0);
        QCOMPARE(plain.value(0).typeId(), qMetaTypeId<Decimal>());
        QCOMPARE(plain.value(0).toString(), QStringLiteral("12.34"));
    }

    void cancelRunningQuery()
    {
        Connection c(TestUtil::options());
        AWAIT(c.open());
        Cursor *cur = c.cursor();
        QElapsedTimer timer;
        timer.start();
        QFuture<qint64> sleeping = cur->execute(QStringLiteral("SELECT SLEEP(10)"));
        QTest::qWait(200); // let the server start it
        sleeping.cancel();
        QVERIFY(TestUtil::waitFor(sleeping, 5000));
        QVERIFY(sleeping.isCanceled());
        // The next statement waits for the interrupted one, not for the ten seconds.
        QCOMPARE(AWAIT(c.query(QStringLiteral("SELECT 7"))).rows().value(0).value(0).toInt(), 7);
        QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
        QCOMPARE(AWAIT(cur->execute(QStringLiteral("SELECT 8"))), qint64(1));
        QCOMPARE(AWAIT(cur->fetchOne())->value(0).toInt(), 8);
        QVERIFY(!c.isClosed());
    }

    void queryTimeout()
    {
        ConnectOptions o = TestUtil::options();
        o.queryTimeout = std::chrono::milliseconds(300);
        Connection c(o);
        AWAIT(c.open());
        QElapsedTimer timer;
        timer.start();
        EXPECT_ERROR(c.query(QStringLiteral("SELECT SLEEP(10)")), OperationalError, 3024);
        QCOMPARE(AWAIT(c.query(QStringLiteral("SELECT 9"))).rows().value(0).value(0).toInt(), 9);
        QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
        // A cursor's own timeout wins over the connection's.
        Cursor *cur = c.cursor();
        cur->setQueryTimeout(std::chrono::milliseconds(0));
        QCOMPARE(AWAIT(cur->execute(QStringLiteral("SELECT SLEEP(0.5)"))), qint64(1));
        cur->setQueryTimeout(std::chrono::milliseconds(200));
        EXPECT_ERROR(cur->execute(QStringLiteral("SELECT SLEEP(10)")), OperationalError, 3024);
        QCOMPARE(AWAIT(cur->execute(QStringLiteral("SELECT 10"))), qint64(1));
        QCOMPARE(AWAIT(cur->fetchOne())->value(0).toInt(), 10);
    }

    //! The callback form: the result from a queued call, the next query from inside the callback.
    void callbackForm()
    {
        QList<qint64> got;
        bool inside = true;
        bool queuedCall = true;
        conn->query(QStringLiteral("SELECT %s + 1"), {41}, this, [&](const ResultSet &rs, const Error *error) {
            queuedCall = !inside;
            QVERIFY(!error);
            got << rs.rows().value(0).value(0).toLongLong();
            conn->query(QStringLiteral("SELECT 7"), this, [&](const ResultSet &next) { got << next.rows().value(0).value(0).toLongLong(); });
        });
        inside = false;
        QVERIFY(got.isEmpty());
        QTRY_COMPARE(got, (QList<qint64>{42, 7}));
        QVERIFY(queuedCall);
    }

    /*! A failure: errorOccurred first, then the callback with the error; the one-argument form
        is not called. */
    void callbackFormFailures()
    {
        QStringList events;
        QObject listening; // disconnects when the test ends, also when it fails
        connect(conn.get(), &Connection::errorOccurred, &listening,
                [&](const Error &e) { events << QStringLiteral("signal %1").arg(e.code()); });
        conn->query(QStringLiteral("SELEKT 1"), this, [&](const ResultSet &rs, const Error *error) {
            QVERIFY(rs.rows().isEmpty());
            events << (error ? QStringLiteral("callback %1 %2").arg(error->code()).arg(error->type() == Error::Type::Programming) : QStringLiteral("callback ok"));
        });
        bool oneArgumentCalled = false;
        conn->query(QStringLiteral("SELECT * FROM no_such_table"), this, [&](const ResultSet &) { oneArgumentCalled = true; });
        // An interpolation error fails before anything is sent, from a queued call too.
        conn->query(QStringLiteral("SELECT %s, %s"), {1}, this, [&](const ResultSet &, const Error *error) {
            events << (error ? QStringLiteral("callback %1").arg(error->type() == Error::Type::Programming) : QStringLiteral("callback ok"));
        });
        QVERIFY(events.isEmpty());
        QTRY_COMPARE(events.size(), 5);
        // The interpolation error first: it failed at once, the others when their replies came.
        QCOMPARE(events, (QStringList{"signal 0", "callback 1", "signal 1064", "callback 1064 1", "signal 1146"}));
        QVERIFY(!oneArgumentCalled);
        QCOMPARE(count(QStringLiteral("SELECT 3")), qint64(3)); // in step
    }

    //! Not called once the context is gone; the connection stays in step.
    void callbackFormContextGone()
    {
        auto *receiver = new QObject;
        bool called = false;
        conn->query(QStringLiteral("SELECT SLEEP(0.1)"), receiver, [&](const ResultSet &) { called = true; });
        delete receiver;
        QCOMPARE(count(QStringLiteral("SELECT 5")), qint64(5));
        QVERIFY(!called);
    }

    //! ConnectOptions::queryTimeout applies to the callback form.
    void callbackFormTimeout()
    {
        ConnectOptions o = TestUtil::options();
        o.queryTimeout = std::chrono::milliseconds(300);
        Connection c(o);
        AWAIT(c.open());
        std::optional<int> code;
        c.query(QStringLiteral("SELECT SLEEP(10)"), this, [&](const ResultSet &, const Error *error) { code = error ? error->code() : 0; });
        QTRY_VERIFY_WITH_TIMEOUT(code.has_value(), 5000);
        QCOMPARE(*code, 3024);
        QCOMPARE(AWAIT(c.query(QStringLiteral("SELECT 9"))).rows().value(0).value(0).toInt(), 9);
    }

    void cancelQueuedQueryKeepsOthers()
    {
        Connection c(TestUtil::options());
        AWAIT(c.open());
        // Three pipelined queries; cancelling the middle one must not touch the others, and
        // nothing may be KILLed (the first one is what the server runs).
        QFuture<ResultSet> first = c.query(QStringLiteral("SELECT SLEEP(0.3), 1"));
        QFuture<ResultSet> second = c.query(QStringLiteral("SELECT 2"));
        QFuture<ResultSet> third = c.query(QStringLiteral("SELECT 3"));
        second.cancel();
        QCOMPARE(AWAIT(first).rows().value(0).value(1).toInt(), 1);
        QVERIFY(TestUtil::waitFor(second));
        QVERIFY(second.isCanceled());
        QCOMPARE(AWAIT(third).rows().value(0).value(0).toInt(), 3);
        QCOMPARE(AWAIT(c.query(QStringLiteral("SELECT 4"))).rows().value(0).value(0).toInt(), 4);
    }

    void cancelExecuteManyStopsTheRest()
    {
        Cursor *cur = conn->cursor();
        QFuture<qint64> f = cur->executeMany(QStringLiteral("INSERT INTO t_many (id, name) SELECT %s, SLEEP(%s)"),
                                             {{1, 0.5}, {2, 0}, {3, 0}});
        QTest::qWait(200);
        f.cancel();
        QVERIFY(TestUtil::waitFor(f));
        QVERIFY(f.isCanceled());
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM t_many WHERE id > 1")), qint64(0));
    }

    void serverGoneWhileIdle()
    {
        ConnectOptions o = TestUtil::options();
        Connection c(o);
        AWAIT(c.open());
        AWAIT(c.setCharset(QStringLiteral("latin1")));
        AWAIT(c.setAutocommit(true));
        AWAIT(c.selectDb(QStringLiteral("information_schema")));
        QList<int> errors;
        QObject::connect(&c, &Connection::errorOccurred, this, [&errors](const Error &e) { errors.append(e.code()); });
        Connection admin(TestUtil::adminOptions());
        AWAIT(admin.open());
        AWAIT(admin.query(QStringLiteral("KILL CONNECTION %s"), {c.threadId()}));
        QTRY_VERIFY(c.isClosed());
        // MariaDB says why before it closes (ERR 1927), or the socket just closes (2013).
        QTRY_COMPARE(errors.size(), 1);
        QVERIFY2(errors.first() == 1927 || errors.first() == 2013, qPrintable(QString::number(errors.first())));
        EXPECT_ERROR(c.query(QStringLiteral("SELECT 1")), OperationalError, 2006);
        // ping(true) reconnects with the session as it was: database, charset, autocommit.
        AWAIT(c.ping(true));
        const Row r = AWAIT(c.query(QStringLiteral("SELECT DATABASE(), @@character_set_client, @@autocommit"))).rows().value(0);
        QCOMPARE(r.value(0).toString(), QStringLiteral("information_schema"));
        QCOMPARE(r.value(1).toString(), QStringLiteral("latin1"));
        QCOMPARE(r.value(2).toInt(), 1);
    }

    void loadDataLocalInfile()
    {
        // ~50 MB: 500,000 lines of about 100 bytes, streamed in chunks.
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("rows.csv"));
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            QByteArray block;
            for (int i = 0; i < 500000; ++i) {
                block += QByteArray::number(i) + ',' + QByteArray(90 + i % 10, char('a' + i % 26)) + '\n';
                if (block.size() > (1 << 20)) {
                    f.write(block);
                    block.clear();
                }
            }
            f.write(block);
        }
        QVERIFY(QFileInfo(path).size() > 47'000'000);
        ConnectOptions o = TestUtil::options();
        o.localInfile = true;
        o.autocommit = true;
        Connection c(o);
        AWAIT(c.open());
        AWAIT(c.query(QStringLiteral("CREATE OR REPLACE TABLE t_infile (id INT PRIMARY KEY, body VARCHAR(100))")));
        const QString load = QStringLiteral("LOAD DATA LOCAL INFILE %s INTO TABLE t_infile FIELDS TERMINATED BY ','");
        const ResultSet rs = AWAIT(c.query(load, {path}));
        QCOMPARE(rs.affectedRows(), quint64(500000));
        const Row r = AWAIT(c.query(QStringLiteral("SELECT COUNT(*), SUM(LENGTH(body)), MAX(id) FROM t_infile"))).rows().value(0);
        QCOMPARE(r.value(0).toLongLong(), qint64(500000));
        QCOMPARE(r.value(1).toLongLong(), qint64(500000) * 90 + 50000 * 45);
        QCOMPARE(r.value(2).toLongLong(), qint64(499999));

        // A missing file: a typed error, nothing loaded, the connection in step.
        AWAIT(c.query(QStringLiteral("TRUNCATE t_infile")));
        EXPECT_ERROR(c.query(load, {dir.filePath(QStringLiteral("missing.csv"))}), OperationalError, 1017);
        QCOMPARE(AWAIT(c.query(QStringLiteral("SELECT COUNT(*) FROM t_infile"))).rows().value(0).value(0).toInt(), 0);

        // Limited to a directory: a file elsewhere (here through "..") is refused.
        QTemporaryDir allowed;
        const QString inside = allowed.filePath(QStringLiteral("ok.csv"));
        QFile small(inside);
        QVERIFY(small.open(QIODevice::WriteOnly));
        small.write("1,one\n2,two\n");
        small.close();
        ConnectOptions limited = o;
        limited.localInfileDirectory = allowed.path();
        Connection l(limited);
        AWAIT(l.open());
        EXPECT_ERROR(l.query(load, {allowed.filePath(QStringLiteral("../")) + QFileInfo(dir.path()).fileName() + QStringLiteral("/rows.csv")}),
                     OperationalError, 2068);
        QCOMPARE(AWAIT(l.query(load, {inside})).affectedRows(), quint64(2));
        AWAIT(c.query(QStringLiteral("DROP TABLE t_infile")));
    }

    void loadDataLocalInfileOverEachTransport_data()
    {
        QTest::addColumn<int>("transport");
        QTest::newRow("tls") << 0;
        QTest::newRow("tcp, tls disabled") << 1;
        QTest::newRow("unix socket") << 2;
    }

    void loadDataLocalInfileOverEachTransport()
    {
        // 16 MB, many times what the socket buffers take: the upload goes on only as the
        // transport reports the socket's progress (it does so only while a file is sent), and
        // the queries after it find the connection as usual.
        QFETCH(int, transport);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("big.csv"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        for (int i = 0; i < 160000; ++i)
            f.write(QByteArray::number(i) + ',' + QByteArray(90 + i % 10, char('a' + i % 26)) + '\n');
        f.close();
        QVERIFY(QFileInfo(path).size() > 15'000'000);
        ConnectOptions o = TestUtil::options();
        o.localInfile = true;
        o.autocommit = true;
        if (transport == 0)
            o.ssl.mode = SslOptions::Mode::Required;
        if (transport == 1)
            o.ssl.mode = SslOptions::Mode::Disabled;
        if (transport == 2)
            o.unixSocket = qEnvironmentVariable("ASYNCMYSQL_TEST_SOCKET");
        Connection c(o);
        AWAIT(c.open());
        QCOMPARE(c.isEncrypted(), transport == 0);
        const QString table = QStringLiteral("t_infile_%1").arg(transport);
        AWAIT(c.query(QStringLiteral("CREATE OR REPLACE TABLE %1 (id INT PRIMARY KEY, body VARCHAR(100))").arg(table)));
        const QString load = QStringLiteral("LOAD DATA LOCAL INFILE %s INTO TABLE %1 FIELDS TERMINATED BY ','").arg(table);
        QCOMPARE(AWAIT(c.query(load, {path})).affectedRows(), quint64(160000));
        // Pipelined behind the upload's end: both answered, in order.
        const QFuture<ResultSet> count = c.query(QStringLiteral("SELECT COUNT(*), SUM(LENGTH(body)) FROM %1").arg(table));
        const QFuture<ResultSet> drop = c.query(QStringLiteral("DROP TABLE %1").arg(table));
        const Row r = AWAIT(count).rows().value(0);
        QCOMPARE(r.value(0).toLongLong(), qint64(160000));
        QCOMPARE(r.value(1).toLongLong(), qint64(16000) * (90 + 91 + 92 + 93 + 94 + 95 + 96 + 97 + 98 + 99));
        AWAIT(drop);
    }

    void loadDataLocalInfileCompressed()
    {
        // The file's packets continue the reply's compressed sequence.
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("c.csv"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        for (int i = 0; i < 100000; ++i)
            f.write(QByteArray::number(i) + ",row " + QByteArray::number(i * 7) + '\n');
        f.close();
        ConnectOptions o = TestUtil::options();
        o.localInfile = true;
        o.autocommit = true;
        o.compression = ConnectOptions::Compression::Zlib;
        Connection c(o);
        AWAIT(c.open());
        QCOMPARE(c.compression(), ConnectOptions::Compression::Zlib);
        AWAIT(c.query(QStringLiteral("CREATE OR REPLACE TABLE t_infile_z (id INT PRIMARY KEY, body VARCHAR(40))")));
        const ResultSet rs = AWAIT(c.query(QStringLiteral("LOAD DATA LOCAL INFILE %s INTO TABLE t_infile_z FIELDS TERMINATED BY ','"), {path}));
        QCOMPARE(rs.affectedRows(), quint64(100000));
        QCOMPARE(AWAIT(c.query(QStringLiteral("SELECT body FROM t_infile_z WHERE id = 99999"))).rows().value(0).value(0).toString(),
                 QStringLiteral("row 699993"));
        EXPECT_ERROR(c.query(QStringLiteral("LOAD DATA LOCAL INFILE %s INTO TABLE t_infile_z"), {dir.filePath(QStringLiteral("none"))}),
                     OperationalError, 1017);
        AWAIT(c.query(QStringLiteral("DROP TABLE t_infile_z")));
    }

    void loadDataLocalInfileOff()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("x.csv"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("1,x\n");
        f.close();
        // Without the option the client never announces LOCAL INFILE: the server refuses.
        auto err = TestUtil::errorOf(conn->query(QStringLiteral("LOAD DATA LOCAL INFILE %s INTO TABLE t_many FIELDS TERMINATED BY ','"), {path}));
        QVERIFY(err);
        // MariaDB 10.11: 4166 (local infile capability disabled); MySQL and older MariaDB: 1148.
        QVERIFY2(err->code() == 4166 || err->code() == 1148, qPrintable(err->toString()));
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM t_many")), qint64(0));
    }

    void warningsOnTheCursor()
    {
        Cursor *cur = conn->cursor();
        AWAIT(cur->execute(QStringLiteral("SELECT CAST('12abc' AS SIGNED), CAST('x' AS SIGNED)")));
        QCOMPARE(cur->warningCount(), 2);
        const QList<Warning> warnings = AWAIT(conn->showWarnings());
        QCOMPARE(warnings.size(), 2);
        QCOMPARE(warnings.first().code(), quint16(1292));
        QCOMPARE(warnings.first().level(), QStringLiteral("Warning"));
        AWAIT(cur->execute(QStringLiteral("SELECT 1")));
        QCOMPARE(cur->warningCount(), 0);
    }
};

QTEST_GUILESS_MAIN(tst_Queries)
#include "tst_queries.moc"
