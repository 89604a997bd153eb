// SPDX-License-Identifier: MIT
// Server-side prepared statements against the real server: every column type written as a
// binary parameter and read as a binary row, each the same value as the text protocol's; the
// lifetime of a statement (closed with its last handle, stale after a reset or reconnect);
// long data; pipelined executes.
#include "testutil.h"
#include "typecases.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QScopeGuard>

using namespace AsyncMySql;

namespace {
//! A session status counter (Com_stmt_close, ...).
qint64 sessionStatus(Connection &c, const QString &name)
{
    const ResultSet rs = AWAIT(c.query(QStringLiteral("SHOW SESSION STATUS LIKE %s"), {name}));
    return rs.rows().isEmpty() ? -1 : rs.rows().first().value(1).toLongLong();
}
} // namespace

class tst_Prepared : public QObject
{
    Q_OBJECT

    std::unique_ptr<Connection> conn;

    //! Row 1's v read through the text protocol and through a prepared statement: the two agree.
    QVariant readBoth(int id)
    {
        const ResultSet text = AWAIT(conn->query(QStringLiteral("SELECT v FROM t_ps WHERE id = %s"), {id}));
        const PreparedStatement select = AWAIT(conn->prepare(QStringLiteral("SELECT v FROM t_ps WHERE id = ?")));
        const ResultSet binary = AWAIT(conn->execute(select, {id}));
        if (text.rows().size() != 1 || binary.rows().size() != 1) {
            qWarning("row %d missing", id);
            return QVariant::fromValue(QStringLiteral("missing"));
        }
        const QVariant t = text.rows().first().value(0);
        const QVariant b = binary.rows().first().value(0);
        if (t.typeId() != b.typeId() || t != b || t.toString() != b.toString()) {
            qWarning() << "text" << t << "binary" << b;
            return QVariant::fromValue(QStringLiteral("text and binary differ"));
        }
        return b;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(TestUtil::haveServer(), "run through scripts/test.sh (it starts the server)");
        conn = TestUtil::openConnection();
        AWAIT(conn->query(QStringLiteral("SET time_zone = '+00:00'")));
    }

    void cleanupTestCase()
    {
        if (conn && !conn->isClosed())
            AWAIT(conn->query(QStringLiteral("DROP TABLE IF EXISTS t_ps")));
    }

    void types_data() { TypeCases::add(); }

    void types()
    {
        QFETCH(QString, columnType);
        QFETCH(QString, valueSql);
        QFETCH(QVariant, input);
        QFETCH(QVariant, expected);

        AWAIT(conn->query(QStringLiteral("CREATE OR REPLACE TABLE t_ps (id INT PRIMARY KEY, v %1)").arg(columnType)));
        const bool param = valueSql == u"%s";
        const PreparedStatement insert = AWAIT(conn->prepare(
                QStringLiteral("INSERT INTO t_ps VALUES (?, %1)").arg(param ? QStringLiteral("?") : valueSql)));
        QCOMPARE(insert.parameterCount(), param ? 2 : 1);
        AWAIT(conn->execute(insert, param ? QVariantList{1, input} : QVariantList{1}));
        const QVariant got = readBoth(1);
        if (param) {
            QCOMPARE(got.typeId(), expected.typeId());
            QCOMPARE(got, expected);
            QCOMPARE(got.toString(), expected.toString());
        } else {
            QCOMPARE(got.typeId(), int(QMetaType::QByteArray));
        }
        // What was read, written back as a binary parameter, stores the very same value.
        const PreparedStatement again = AWAIT(conn->prepare(QStringLiteral("INSERT INTO t_ps VALUES (?, ?)")));
        AWAIT(conn->execute(again, {2, got}));
        const QVariant back = readBoth(2);
        QCOMPARE(back.typeId(), got.typeId());
        QCOMPARE(back, got);
        const ResultSet same = AWAIT(conn->query(QStringLiteral(
                "SELECT (SELECT v FROM t_ps WHERE id = 1) <=> (SELECT v FROM t_ps WHERE id = 2)")));
        if (!columnType.startsWith(u"JSON") && !columnType.startsWith(u"GEOMETRY"))
            QCOMPARE(same.rows().first().value(0).toInt(), 1);
    }

    void floatColumn()
    {
        // FLOAT holds 0.1 as a float: both protocols give the double 0.1 (the text's digits).
        AWAIT(conn->query(QStringLiteral("CREATE OR REPLACE TABLE t_ps (id INT PRIMARY KEY, v FLOAT)")));
        AWAIT(conn->query(QStringLiteral("INSERT INTO t_ps VALUES (1, 0.1), (2, -3.25e-5), (3, 16777217)")));
        QCOMPARE(readBoth(1), QVariant(0.1));
        QCOMPARE(readBoth(2), QVariant(-3.25e-5));
        // Past six digits the text protocol has only the server's rounded text of the float
        // (1.67772e7); the binary protocol has the float itself.
        const PreparedStatement select = AWAIT(conn->prepare(QStringLiteral("SELECT v FROM t_ps WHERE id = ?")));
        QCOMPARE(AWAIT(conn->execute(select, {3})).rows().first().value(0), QVariant(16777216.0));
        QCOMPARE(AWAIT(conn->query(QStringLiteral("SELECT v FROM t_ps WHERE id = 3"))).rows().first().value(0), QVariant(16777200.0));
    }

    void resultWithManyColumnsAndNulls()
    {
        const PreparedStatement s = AWAIT(conn->prepare(QStringLiteral(
                "SELECT seq, IF(seq % 3 = 0, NULL, seq * 1000000007), CONCAT('n', seq), seq / 7, "
                "IF(seq % 2 = 0, NULL, CAST(seq AS DECIMAL(12,2))), NULL, ? FROM seq_1_to_500 WHERE seq >= ?")));
        QCOMPARE(s.columns().size(), 7);
        QCOMPARE(s.parameterCount(), 2);
        const ResultSet rs = AWAIT(conn->execute(s, QStringLiteral("p"), 1));
        const ResultSet text = AWAIT(conn->query(QStringLiteral(
                "SELECT seq, IF(seq %% 3 = 0, NULL, seq * 1000000007), CONCAT('n', seq), seq / 7, "
                "IF(seq %% 2 = 0, NULL, CAST(seq AS DECIMAL(12,2))), NULL, %s FROM seq_1_to_500 WHERE seq >= %s"),
                                                 {QStringLiteral("p"), 1}));
        QCOMPARE(rs.rows().size(), 500);
        QCOMPARE(text.rows().size(), 500);
        for (int i = 0; i < 500; ++i) {
            const Row b = rs.rows().at(i), t = text.rows().at(i);
            for (int c = 0; c < 7; ++c) {
                QCOMPARE(b.isNull(c), t.isNull(c));
                QCOMPARE(b.value(c).toString(), t.value(c).toString());
            }
        }
    }

    void statementErrors()
    {
        // A syntax error is the server's, a ProgrammingError.
        auto e = TestUtil::errorOf(conn->prepare(QStringLiteral("SELEC ?")));
        QVERIFY(e);
        QCOMPARE(e->type(), Error::Type::Programming);
        QCOMPARE(e->code(), 1064);

        const PreparedStatement s = AWAIT(conn->prepare(QStringLiteral("SELECT ? + ?")));
        e = TestUtil::errorOf(conn->execute(s, {1}));
        QVERIFY(e);
        QCOMPARE(e->type(), Error::Type::Programming);
        e = TestUtil::errorOf(conn->execute(s, {1, QVariantList{2}}));
        QVERIFY(e);
        QCOMPARE(e->type(), Error::Type::Programming);
        e = TestUtil::errorOf(conn->execute(PreparedStatement(), {}));
        QVERIFY(e);
        QCOMPARE(e->type(), Error::Type::Interface);
        // None of these left the connection out of step.
        QCOMPARE(AWAIT(conn->execute(s, {40, 2})).rows().first().value(0).toLongLong(), qint64(42));

        // Another connection's statement never runs here.
        auto other = TestUtil::openConnection();
        e = TestUtil::errorOf(other->execute(s, {1, 2}));
        QVERIFY(e);
        QCOMPARE(e->type(), Error::Type::Interface);
    }

    void closedByLastHandle()
    {
        const qint64 before = sessionStatus(*conn, QStringLiteral("Com_stmt_close"));
        {
            const PreparedStatement s = AWAIT(conn->prepare(QStringLiteral("SELECT 1")));
            const PreparedStatement copy = s;
            QVERIFY(copy.isValid());
        }
        QCOMPARE(sessionStatus(*conn, QStringLiteral("Com_stmt_close")), before + 1);

        // closeStatement() closes every copy, once.
        const PreparedStatement s = AWAIT(conn->prepare(QStringLiteral("SELECT 2")));
        PreparedStatement copy = s;
        AWAIT(conn->closeStatement(copy));
        QVERIFY(!s.isValid());
        AWAIT(conn->closeStatement(s));
        QCOMPARE(sessionStatus(*conn, QStringLiteral("Com_stmt_close")), before + 2);
        auto e = TestUtil::errorOf(conn->execute(s));
        QVERIFY(e);
        QCOMPARE(e->type(), Error::Type::Interface);
        copy = PreparedStatement(); // the last copies go: nothing more is closed
        QCOMPARE(sessionStatus(*conn, QStringLiteral("Com_stmt_close")), before + 2);
    }

    void staleAfterResetAndReconnect()
    {
        PreparedStatement s = AWAIT(conn->prepare(QStringLiteral("SELECT ?")));
        // A reset queued after the prepare ends the statement's session, even before it ran.
        QFuture<void> reset = conn->resetConnection();
        auto e = TestUtil::errorOf(conn->execute(s, {1}));
        QVERIFY(e);
        QCOMPARE(e->type(), Error::Type::Interface);
        AWAIT(reset);
        QVERIFY(!s.isValid());

        s = AWAIT(conn->prepare(QStringLiteral("SELECT ?")));
        QCOMPARE(AWAIT(conn->execute(s, {7})).rows().first().value(0).toLongLong(), qint64(7));
        conn->close();
        AWAIT(conn->open());
        AWAIT(conn->query(QStringLiteral("SET time_zone = '+00:00'")));
        QVERIFY(!s.isValid());
        e = TestUtil::errorOf(conn->execute(s, {1}));
        QVERIFY(e);
        QCOMPARE(e->type(), Error::Type::Interface);
    }

    void longData()
    {
        const QByteArray big = TypeCases::randomBytes(20 * 1024 * 1024 + 17);
        AWAIT(conn->query(QStringLiteral("CREATE OR REPLACE TABLE t_ps (id INT PRIMARY KEY, v LONGBLOB, t LONGTEXT)")));
        const qint64 before = sessionStatus(*conn, QStringLiteral("Com_stmt_send_long_data"));
        const QString text(5 * 1024 * 1024, QChar(u'\u00e9'));
        const PreparedStatement insert = AWAIT(conn->prepare(QStringLiteral("INSERT INTO t_ps VALUES (?, ?, ?)")));
        AWAIT(conn->execute(insert, {1, big, text}));
        // 21 chunks of the blob, 10 of the text (two bytes a character).
        QCOMPARE(sessionStatus(*conn, QStringLiteral("Com_stmt_send_long_data")), before + 21 + 10);
        const PreparedStatement check = AWAIT(conn->prepare(QStringLiteral("SELECT MD5(v) = MD5(?), LENGTH(v), CHAR_LENGTH(t), t = ? FROM t_ps")));
        const Row r = AWAIT(conn->execute(check, {big, text})).rows().first();
        QCOMPARE(r.value(0).toInt(), 1);
        QCOMPARE(r.value(1).toLongLong(), big.size());
        QCOMPARE(r.value(2).toLongLong(), text.size());
        QCOMPARE(r.value(3).toInt(), 1);
        // And read back through the binary protocol.
        const PreparedStatement read = AWAIT(conn->prepare(QStringLiteral("SELECT v FROM t_ps WHERE id = ?")));
        QVERIFY(AWAIT(conn->execute(read, {1})).rows().first().value(0).toByteArray() == big);
    }

    void queryPreparedCaches()
    {
        const qint64 prepares = sessionStatus(*conn, QStringLiteral("Com_stmt_prepare"));
        const qint64 executes = sessionStatus(*conn, QStringLiteral("Com_stmt_execute"));
        for (int i = 0; i < 3; ++i) {
            const ResultSet rs = AWAIT(conn->queryPrepared(QStringLiteral("SELECT ? + 1, ?"), i, QStringLiteral("x")));
            QCOMPARE(rs.rows().first().value(0).toLongLong(), qint64(i + 1));
            QCOMPARE(rs.rows().first().value(1).toString(), QStringLiteral("x"));
        }
        QCOMPARE(sessionStatus(*conn, QStringLiteral("Com_stmt_prepare")), prepares + 1);
        QCOMPARE(sessionStatus(*conn, QStringLiteral("Com_stmt_execute")), executes + 3);

        // A reset closes them on the server: prepared again, transparently.
        AWAIT(conn->resetConnection());
        AWAIT(conn->query(QStringLiteral("SET time_zone = '+00:00'")));
        const qint64 afterReset = sessionStatus(*conn, QStringLiteral("Com_stmt_prepare")); // a fresh session: counters restart
        QCOMPARE(AWAIT(conn->queryPrepared(QStringLiteral("SELECT ? + 1, ?"), 41, QString())).rows().first().value(0).toLongLong(),
                 qint64(42));
        QCOMPARE(sessionStatus(*conn, QStringLiteral("Com_stmt_prepare")), afterReset + 1);
    }

    void queryPreparedErrors()
    {
        int reported = 0;
        QMetaObject::Connection c = connect(conn.get(), &Connection::errorOccurred, this, [&reported] { ++reported; });
        auto e = TestUtil::errorOf(conn->queryPrepared(QStringLiteral("SELEC ?"), 1));
        QVERIFY(e);
        QCOMPARE(e->type(), Error::Type::Programming);
        QCOMPARE(e->code(), 1064); // the prepare's error, not the execute's
        QCOMPARE(reported, 1);
        e = TestUtil::errorOf(conn->queryPrepared(QStringLiteral("SELECT ?, ?"), 1));
        QVERIFY(e);
        QCOMPARE(e->type(), Error::Type::Programming);
        QCOMPARE(reported, 2);
        e = TestUtil::errorOf(conn->queryPrepared(QStringLiteral("SELECT * FROM no_such_table WHERE id = ?"), 1));
        QVERIFY(e);
        QCOMPARE(e->code(), 1146);
        QCOMPARE(reported, 3);
        disconnect(c);
        // In step after all of them.
        QCOMPARE(AWAIT(conn->queryPrepared(QStringLiteral("SELECT ?"), 5)).rows().first().value(0).toLongLong(), qint64(5));
    }

    void cacheEvictsLeastRecentlyUsed()
    {
        auto small = TestUtil::openConnectionWith([](ConnectOptions &o) { o.statementCacheSize = 2; }, __FILE__, __LINE__);
        const qint64 closes = sessionStatus(*small, QStringLiteral("Com_stmt_close"));
        const qint64 prepares = sessionStatus(*small, QStringLiteral("Com_stmt_prepare"));
        for (const char *sql : {"SELECT ?", "SELECT ? + 1", "SELECT ?", "SELECT ? + 2", "SELECT ?"})
            AWAIT(small->queryPrepared(QString::fromLatin1(sql), 1));
        // "SELECT ? + 1" went for "SELECT ? + 2"; "SELECT ?" stayed, used most recently.
        QCOMPARE(sessionStatus(*small, QStringLiteral("Com_stmt_prepare")), prepares + 3);
        QCOMPARE(sessionStatus(*small, QStringLiteral("Com_stmt_close")), closes + 1);

        auto none = TestUtil::openConnectionWith([](ConnectOptions &o) { o.statementCacheSize = 0; }, __FILE__, __LINE__);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(AWAIT(none->queryPrepared(QStringLiteral("SELECT ?"), i)).rows().first().value(0).toLongLong(), qint64(i));
        QCOMPARE(sessionStatus(*none, QStringLiteral("Com_stmt_prepare")), 3);
        QCOMPARE(sessionStatus(*none, QStringLiteral("Com_stmt_close")), 3);
    }

    void serverStatementLimitOverAPool_data()
    {
        QTest::addColumn<bool>("resetOnRelease");
        QTest::newRow("keep sessions") << false;
        QTest::newRow("reset on release") << true;
    }

    void serverStatementLimitOverAPool()
    {
        // The server allows 6 statements for all connections together; 4 connections run 40
        // distinct statements: none of the calls may fail for it (mysql2's ER_MAX_PREPARED_STMT_COUNT).
        QFETCH(bool, resetOnRelease);
        auto admin = TestUtil::openConnectionWith([](ConnectOptions &o) { o = TestUtil::adminOptions(); }, __FILE__, __LINE__);
        const qint64 limit = AWAIT(admin->query(QStringLiteral("SELECT @@GLOBAL.max_prepared_stmt_count"))).rows().first().value(0).toLongLong();
        AWAIT(admin->query(QStringLiteral("SET GLOBAL max_prepared_stmt_count = 6")));
        const auto restore = qScopeGuard([&] { AWAIT(admin->query(QStringLiteral("SET GLOBAL max_prepared_stmt_count = %s"), {limit})); });
        PoolOptions po;
        po.connection = TestUtil::options();
        po.minSize = 4;
        po.maxSize = 4;
        po.resetOnRelease = resetOnRelease;
        std::unique_ptr<Pool> pool(AWAIT(Pool::create(po)));
        QList<QFuture<ResultSet>> calls;
        QList<PooledConnection> held;
        for (int round = 0; round < 3; ++round) {
            for (int i = 0; i < 40; ++i) {
                if (held.size() < 4)
                    held.append(AWAIT(pool->acquire()));
                Connection &c = *held.at(i % 4);
                calls.append(c.queryPrepared(QStringLiteral("SELECT ? + %1").arg(i), round));
            }
            for (int i = 0; i < 40; ++i)
                QCOMPARE(AWAIT(calls.at(round * 40 + i)).rows().first().value(0).toLongLong(), qint64(round + i));
            held.clear(); // back to the pool (reset, when asked for), for the next round
        }
        const qint64 open = AWAIT(admin->query(QStringLiteral("SHOW GLOBAL STATUS LIKE 'Prepared_stmt_count'"))).rows().first().value(1).toLongLong();
        QVERIFY(open <= 6);
    }

    void cursors_data()
    {
        QTest::addColumn<int>("type");
        QTest::addColumn<bool>("throughCache");
        for (const auto &[name, type] : {std::pair{"buffered", CursorType::Buffered}, std::pair{"dict", CursorType::Dict},
                                         std::pair{"streaming", CursorType::Streaming},
                                         std::pair{"streaming-dict", CursorType::StreamingDict}}) {
            QTest::addRow("%s/statement", name) << int(type) << false;
            QTest::addRow("%s/cache", name) << int(type) << true;
        }
    }

    void cursors()
    {
        QFETCH(int, type);
        QFETCH(bool, throughCache);
        const auto cursorType = CursorType(type);
        const QString sql = QStringLiteral("SELECT seq AS n, CONCAT('r', seq) AS name FROM seq_1_to_3000 WHERE seq > ?");
        Cursor *cur = conn->cursor(cursorType);
        qint64 count = 0;
        if (throughCache) {
            count = AWAIT(cur->executePrepared(sql, 1000));
        } else {
            const PreparedStatement s = AWAIT(conn->prepare(sql));
            count = AWAIT(cur->execute(s, 1000));
        }
        const bool streaming = cursorType == CursorType::Streaming || cursorType == CursorType::StreamingDict;
        QCOMPARE(count, streaming ? qint64(-1) : qint64(2000));
        QCOMPARE(cur->description().size(), 2);
        const QList<Row> first = AWAIT(cur->fetchMany(5));
        QCOMPARE(first.size(), 5);
        QCOMPARE(first.at(0).value(0), QVariant(qint64(1001)));
        const bool dict = cursorType == CursorType::Dict || cursorType == CursorType::StreamingDict;
        QCOMPARE(first.at(0).isDict(), dict);
        QCOMPARE(first.at(4).value(QStringLiteral("name")).toString(), QStringLiteral("r1005"));
        const QList<Row> rest = AWAIT(cur->fetchAll());
        QCOMPARE(rest.size(), 1995);
        QCOMPARE(rest.last().value(0), QVariant(qint64(3000)));
        // The connection is in step afterwards.
        QCOMPARE(AWAIT(conn->queryPrepared(QStringLiteral("SELECT ?"), 9)).rows().first().value(0).toLongLong(), qint64(9));
        AWAIT(cur->close());
    }

    void pipelinedExecutes()
    {
        const PreparedStatement s = AWAIT(conn->prepare(QStringLiteral("SELECT ? * 2, ?")));
        QList<QFuture<ResultSet>> futures;
        for (int i = 0; i < 200; ++i)
            futures.append(conn->execute(s, i, QStringLiteral("row %1").arg(i)));
        for (int i = 0; i < 200; ++i) {
            const Row r = AWAIT(futures.at(i)).rows().first();
            QCOMPARE(r.value(0).toLongLong(), qint64(2 * i));
            QCOMPARE(r.value(1).toString(), QStringLiteral("row %1").arg(i));
        }
    }

    void cancelAndTimeout()
    {
        // A prepared execute is interrupted like a query (KILL QUERY, the reply drained): the
        // next execute of the same statement waits for it, not for the ten seconds.
        ConnectOptions o = TestUtil::options();
        o.queryTimeout = std::chrono::milliseconds(300);
        Connection c(o);
        AWAIT(c.open());
        const PreparedStatement sleep = AWAIT(c.prepare(QStringLiteral("SELECT SLEEP(?)")));
        QElapsedTimer timer;
        timer.start();
        EXPECT_ERROR(c.execute(sleep, 10), OperationalError, 3024);
        EXPECT_ERROR(c.queryPrepared(QStringLiteral("SELECT SLEEP(?)"), 10), OperationalError, 3024);
        Cursor *cur = c.cursor(CursorType::Streaming);
        EXPECT_ERROR(cur->execute(sleep, 10), OperationalError, 3024);
        QCOMPARE(AWAIT(c.execute(sleep, 0)).rows().first().value(0).toInt(), 0);
        Cursor *patient = c.cursor();
        patient->setQueryTimeout(std::chrono::milliseconds(0)); // only the cancel stops it
        QFuture<qint64> running = patient->execute(sleep, 10);
        QTest::qWait(200); // let the server start it
        running.cancel();
        QVERIFY(TestUtil::waitFor(running, 5000));
        QVERIFY(running.isCanceled());
        QCOMPARE(AWAIT(c.execute(sleep, 0)).rows().first().value(0).toInt(), 0);
        // A batch is stopped by the timeout too, and what was stopped fails with it.
        Batch batch;
        batch.add(sleep, {10}).add(QStringLiteral("SELECT 1"));
        const QList<BatchResult> results = AWAIT(c.run(batch));
        QCOMPARE(results.size(), 2);
        QVERIFY(results.at(0).isError());
        QCOMPARE(results.at(0).error()->code(), 3024);
        QVERIFY2(timer.elapsed() < 8000, qPrintable(QString::number(timer.elapsed())));
        QVERIFY(sleep.isValid());
    }

    void pooledResetClosesStatements()
    {
        // A pool's reset on release ends the session's statements: a handle kept across it is
        // an InterfaceError; queryPrepared() prepares again by itself.
        PoolOptions po;
        po.connection = TestUtil::options();
        po.minSize = 1;
        po.maxSize = 1;
        po.resetOnRelease = true;
        std::unique_ptr<Pool> pool(AWAIT(Pool::create(po)));
        PreparedStatement kept;
        {
            PooledConnection c = AWAIT(pool->acquire());
            kept = AWAIT(c->prepare(QStringLiteral("SELECT ? + 1")));
            QCOMPARE(AWAIT(c->queryPrepared(QStringLiteral("SELECT ? * 3"), 2)).rows().first().value(0).toInt(), 6);
        }
        PooledConnection c = AWAIT(pool->acquire());
        QVERIFY(!kept.isValid());
        EXPECT_ERROR(c->execute(kept, 1), InterfaceError, 0);
        QCOMPARE(AWAIT(c->queryPrepared(QStringLiteral("SELECT ? * 3"), 5)).rows().first().value(0).toInt(), 15);
    }

    void executeManyBulk_data()
    {
        QTest::addColumn<qsizetype>("maxPacket");
        QTest::newRow("one-command") << qsizetype(1024000);
        QTest::newRow("cut-every-few-rows") << qsizetype(200);
    }

    void executeManyBulk()
    {
        // Every kind of value, NULLs between values, and a column whose type changes (int, then
        // text): the rows read back as the text protocol's executeMany() writes them.
        QFETCH(qsizetype, maxPacket);
        AWAIT(conn->query(QStringLiteral("DROP TABLE IF EXISTS t_bulk, t_bulk_text")));
        const QString columns = QStringLiteral("(id INT PRIMARY KEY, i BIGINT, u BIGINT UNSIGNED, d DOUBLE, s VARCHAR(40), "
                                               "b VARBINARY(40), dt DATETIME(6), day DATE, tm TIME(6), n DECIMAL(20,6), m VARCHAR(20))");
        AWAIT(conn->query(QStringLiteral("CREATE TABLE t_bulk ") + columns));
        AWAIT(conn->query(QStringLiteral("CREATE TABLE t_bulk_text ") + columns));
        QList<QVariantList> rows;
        for (int id = 1; id <= 300; ++id) {
            const bool nulls = id % 7 == 0;
            const QVariant mixed = id < 150 ? QVariant(id * 3) : QVariant(QStringLiteral("t%1").arg(id));
            rows.append(QVariantList{id, nulls ? QVariant() : QVariant(qint64(id) * -1000003), nulls ? QVariant() : QVariant(quint64(18446744073709551615ull) - quint64(id)),
                         nulls ? QVariant() : QVariant(id / 3.0), nulls ? QVariant() : QVariant(QStringLiteral("é%1ü").arg(id)),
                         nulls ? QVariant() : QVariant(QByteArray("\0\xff'\\", 4) + QByteArray::number(id)),
                         nulls ? QVariant() : QVariant(QDateTime(QDate(2020, 1, 1 + id % 28), QTime(id % 24, 5, 6, 789), Qt::UTC)),
                         nulls ? QVariant() : QVariant(QDate(1999, 12, 1 + id % 30)),
                         nulls ? QVariant() : QVariant::fromValue(Duration(-qint64(id) * 3600000123)),
                         nulls ? QVariant() : QVariant::fromValue(Decimal::fromString(QStringLiteral("%1.000001").arg(id))), mixed});
        }
        Cursor *cur = conn->cursor();
        cur->setMaxStatementLength(maxPacket);
        const PreparedStatement insert = AWAIT(conn->prepare(QStringLiteral("INSERT INTO t_bulk VALUES (?,?,?,?,?,?,?,?,?,?,?)")));
        const qint64 before = sessionStatus(*conn, QStringLiteral("Com_stmt_execute"));
        QCOMPARE(AWAIT(cur->executeMany(insert, rows)), qint64(300));
        QCOMPARE(cur->rowCount(), qint64(300));
        const qint64 commands = sessionStatus(*conn, QStringLiteral("Com_stmt_execute")) - before;
        // Bulk: one command per packet, far fewer than the rows (one per row without it).
        if (maxPacket > 100000)
            QCOMPARE(commands, qint64(2)); // the int rows, then the text rows of column m
        else
            QVERIFY2(commands > 2 && commands < 300, qPrintable(QString::number(commands)));
        QCOMPARE(AWAIT(cur->executeMany(QStringLiteral("INSERT INTO t_bulk_text VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"), rows)), qint64(300));
        const QString order = QStringLiteral(" ORDER BY id");
        const QList<Row> bulk = AWAIT(conn->query(QStringLiteral("SELECT * FROM t_bulk") + order)).rows();
        const QList<Row> text = AWAIT(conn->query(QStringLiteral("SELECT * FROM t_bulk_text") + order)).rows();
        QCOMPARE(bulk.size(), 300);
        for (int r = 0; r < 300; ++r) {
            for (int c = 0; c < 11; ++c)
                QVERIFY2(bulk.at(r).value(c) == text.at(r).value(c) && bulk.at(r).value(c).isNull() == text.at(r).value(c).isNull(),
                         qPrintable(QStringLiteral("row %1 column %2: %3 / %4").arg(r).arg(c)
                                            .arg(bulk.at(r).value(c).toString(), text.at(r).value(c).toString())));
        }
        QCOMPARE(bulk.at(6).value(1), QVariant()); // id 7: NULLs
        QCOMPARE(bulk.at(199).value(10).toString(), QStringLiteral("t200"));
        QCOMPARE(bulk.at(9).value(10).toString(), QStringLiteral("30"));
        AWAIT(conn->query(QStringLiteral("DROP TABLE t_bulk, t_bulk_text")));
    }

    void executeManyBulkUpdateAndErrors()
    {
        AWAIT(conn->query(QStringLiteral("CREATE OR REPLACE TABLE t_bulk (id INT PRIMARY KEY, v INT)")));
        Cursor *cur = conn->cursor();
        QList<QVariantList> rows;
        for (int id = 1; id <= 50; ++id)
            rows.append({id, id});
        QCOMPARE(AWAIT(cur->executeManyPrepared(QStringLiteral("INSERT INTO t_bulk VALUES (?, ?)"), rows)), qint64(50));
        // UPDATE goes in bulk too; rowCount() is the total over the rows.
        QList<QVariantList> updates;
        for (int id = 1; id <= 50; id += 2)
            updates.append({id * 10, id});
        QCOMPARE(AWAIT(cur->executeManyPrepared(QStringLiteral("UPDATE t_bulk SET v = ? WHERE id = ?"), updates)), qint64(25));
        QCOMPARE(AWAIT(conn->query(QStringLiteral("SELECT SUM(v) FROM t_bulk"))).rows().first().value(0).toLongLong(),
                 qint64(650 + 6250)); // even ids keep v = id (650), odd ids have 10 * id (10 * 625)
        // A duplicate key: an IntegrityError, the connection in step, nothing half-read.
        EXPECT_ERROR(cur->executeManyPrepared(QStringLiteral("INSERT INTO t_bulk VALUES (?, ?)"), {{100, 1}, {1, 1}}),
                     IntegrityError, 1062);
        // A row of the wrong width, an empty list.
        EXPECT_ERROR(cur->executeManyPrepared(QStringLiteral("INSERT INTO t_bulk VALUES (?, ?)"), {{200, 1}, {201}}),
                     ProgrammingError, 0);
        QCOMPARE(AWAIT(cur->executeManyPrepared(QStringLiteral("INSERT INTO t_bulk VALUES (?, ?)"), {})), qint64(0));
        // A statement with a result set cannot be a bulk command: one execute per row.
        QCOMPARE(AWAIT(cur->executeManyPrepared(QStringLiteral("SELECT v FROM t_bulk WHERE id = ?"), {{1}, {2}, {3}})), qint64(3));
        QCOMPARE(AWAIT(cur->fetchAll()).size(), 1); // the last statement's rows, as executeMany(sql)
        // The failed bulk command was one statement: none of its rows stayed (row 100 neither).
        QCOMPARE(AWAIT(conn->query(QStringLiteral("SELECT COUNT(*) FROM t_bulk"))).rows().first().value(0).toLongLong(), qint64(50));
        AWAIT(conn->query(QStringLiteral("DROP TABLE t_bulk")));
    }
};

QTEST_GUILESS_MAIN(tst_Prepared)
#include "tst_prepared.moc"
