// SPDX-License-Identifier: MIT
// Batches against the real server: Connection::run() (every statement runs, one outcome each,
// text and prepared statements mixed) and Connection::transaction(const Batch &) (all or
// nothing, seen from a second connection; autocommit as it was afterwards).
#include "testutil.h"

using namespace AsyncMySql;

class tst_Batch : public QObject
{
    Q_OBJECT

    std::unique_ptr<Connection> conn;
    std::unique_ptr<Connection> other; //!< sees only what was committed

    qint64 rowsSeenByOther()
    {
        return AWAIT(other->query(QStringLiteral("SELECT COUNT(*) FROM t_batch"))).rows().first().value(0).toLongLong();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(TestUtil::haveServer(), "run through scripts/test.sh (it starts the server)");
        conn = TestUtil::openConnection();
        other = TestUtil::openConnection();
    }

    void init()
    {
        AWAIT(conn->query(QStringLiteral("CREATE OR REPLACE TABLE t_batch (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB")));
    }

    void cleanupTestCase()
    {
        if (conn && !conn->isClosed())
            AWAIT(conn->query(QStringLiteral("DROP TABLE IF EXISTS t_batch")));
    }

    void runEveryStatement()
    {
        const PreparedStatement insert = AWAIT(conn->prepare(QStringLiteral("INSERT INTO t_batch VALUES (?, ?)")));
        Batch batch;
        batch.add(QStringLiteral("INSERT INTO t_batch VALUES (%s, %s)"), {1, QStringLiteral("a")})
                .add(insert, {2, QStringLiteral("b")})
                .add(QStringLiteral("INSERT INTO t_batch VALUES (%s, %s)"), {1, QStringLiteral("dup")}) // duplicate key
                .add(QStringLiteral("SELECT %s"), {QVariant::fromValue(QPoint(1, 2))})                   // cannot be sent
                .add(insert, {3}) // one argument short
                .add(insert, {3, QStringLiteral("c")})
                .add(QStringLiteral("SELECT id, v FROM t_batch ORDER BY id"));
        QCOMPARE(batch.size(), 7);
        int reported = 0;
        const auto connection = connect(conn.get(), &Connection::errorOccurred, this, [&](const Error &) { ++reported; });
        const QList<BatchResult> results = AWAIT(conn->run(batch));
        disconnect(connection);
        QCOMPARE(results.size(), 7);
        QVERIFY(!results.at(0).isError());
        QCOMPARE(results.at(0).result().affectedRows(), quint64(1));
        QVERIFY(!results.at(1).isError());
        QVERIFY(results.at(2).isError());
        QVERIFY(dynamic_cast<const IntegrityError *>(results.at(2).error()));
        QCOMPARE(results.at(2).error()->code(), 1062);
        QVERIFY(results.at(2).result().rows().isEmpty());
        QVERIFY(dynamic_cast<const ProgrammingError *>(results.at(3).error()));
        QVERIFY(results.at(3).error()->message().contains(u"QPoint"));
        QVERIFY(dynamic_cast<const ProgrammingError *>(results.at(4).error()));
        bool thrown = false;
        try {
            results.at(4).raise();
        } catch (const ProgrammingError &e) {
            thrown = !e.message().isEmpty();
        }
        QVERIFY(thrown);
        QVERIFY(!results.at(5).isError());
        QVERIFY(results.at(5).error() == nullptr);
        // The last statement saw every insert that succeeded, the ones after the failures too.
        const QList<Row> rows = results.at(6).result().rows();
        QCOMPARE(rows.size(), 3);
        QCOMPARE(rows.at(2).value(1).toString(), QStringLiteral("c"));
        QCOMPARE(reported, 3); // each failure on errorOccurred too
        QCOMPARE(rowsSeenByOther(), qint64(3)); // autocommit: committed one by one
        // An empty batch; the connection is in step.
        QCOMPARE(AWAIT(conn->run(Batch())).size(), 0);
        QCOMPARE(AWAIT(conn->query(QStringLiteral("SELECT 7"))).rows().first().value(0).toInt(), 7);
    }

    void transactionCommits()
    {
        const PreparedStatement insert = AWAIT(conn->prepare(QStringLiteral("INSERT INTO t_batch VALUES (?, ?)")));
        Batch batch;
        for (int i = 1; i <= 20; ++i) {
            if (i % 2)
                batch.add(insert, {i, QStringLiteral("p%1").arg(i)});
            else
                batch.add(QStringLiteral("INSERT INTO t_batch VALUES (%s, %s)"), {i, QStringLiteral("t%1").arg(i)});
        }
        batch.add(QStringLiteral("SELECT COUNT(*) FROM t_batch"));
        const bool autocommitBefore = conn->autocommit();
        const QList<ResultSet> results = AWAIT(conn->transaction(batch));
        QCOMPARE(results.size(), 21);
        QCOMPARE(results.at(0).affectedRows(), quint64(1));
        QCOMPARE(results.at(20).rows().first().value(0).toLongLong(), qint64(20));
        QCOMPARE(rowsSeenByOther(), qint64(20));
        QVERIFY(!conn->inTransaction());
        QCOMPARE(AWAIT(conn->query(QStringLiteral("SELECT @@autocommit"))).rows().first().value(0).toInt(), autocommitBefore ? 1 : 0);
    }

    void transactionRollsBackOnError()
    {
        AWAIT(conn->query(QStringLiteral("INSERT INTO t_batch VALUES (100, 'kept')")));
        Batch batch;
        batch.add(QStringLiteral("INSERT INTO t_batch VALUES (1, 'a')"))
                .add(QStringLiteral("INSERT INTO t_batch VALUES (100, 'dup')")) // fails
                .add(QStringLiteral("INSERT INTO t_batch VALUES (2, 'b')"));    // runs, and is rolled back
        EXPECT_ERROR(conn->transaction(batch), IntegrityError, 1062);
        QCOMPARE(rowsSeenByOther(), qint64(1)); // only what was committed before
        QCOMPARE(AWAIT(conn->query(QStringLiteral("SELECT COUNT(*) FROM t_batch"))).rows().first().value(0).toLongLong(), qint64(1));
        QVERIFY(!conn->inTransaction());
        QCOMPARE(AWAIT(conn->query(QStringLiteral("SELECT @@autocommit"))).rows().first().value(0).toInt(), conn->autocommit() ? 1 : 0);

        // With autocommit off before, it stays off, and a failed batch leaves no transaction open.
        AWAIT(conn->setAutocommit(false));
        EXPECT_ERROR(conn->transaction(batch), IntegrityError, 1062);
        QCOMPARE(AWAIT(conn->query(QStringLiteral("SELECT @@autocommit"))).rows().first().value(0).toInt(), 0);
        AWAIT(conn->query(QStringLiteral("ROLLBACK")));
        AWAIT(conn->setAutocommit(true));
        QCOMPARE(rowsSeenByOther(), qint64(1));
    }

    void transactionRefusals()
    {
        // A bad argument: nothing runs.
        Batch bad;
        bad.add(QStringLiteral("INSERT INTO t_batch VALUES (1, 'a')")).add(QStringLiteral("SELECT %s"), {QVariant::fromValue(QPoint())});
        EXPECT_ERROR(conn->transaction(bad), ProgrammingError, 0);
        QCOMPARE(rowsSeenByOther(), qint64(0));
        // Inside an open transaction: BEGIN would commit it, so it is refused.
        AWAIT(conn->begin());
        Batch ok;
        ok.add(QStringLiteral("INSERT INTO t_batch VALUES (5, 'e')"));
        EXPECT_ERROR(conn->transaction(ok), ProgrammingError, 0);
        AWAIT(conn->rollback());
        QCOMPARE(AWAIT(conn->transaction(ok)).size(), 1);
        QCOMPARE(rowsSeenByOther(), qint64(1));
    }
};

QTEST_GUILESS_MAIN(tst_Batch)
#include "tst_batch.moc"
