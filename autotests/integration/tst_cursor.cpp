// SPDX-License-Identifier: MIT
// The DB-API cursor (buffered and dict) against the real server.
#include "testutil.h"

#include <QtTest/QSignalSpy>

using namespace AsyncMySql;

class tst_Cursor : public QObject
{
    Q_OBJECT

    std::unique_ptr<Connection> conn;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(TestUtil::haveServer(), "run through scripts/test.sh (it starts the server)");
        conn = TestUtil::openConnection();
        AWAIT(conn->query(QStringLiteral("CREATE OR REPLACE TABLE t_cur (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20), score DOUBLE)")));
        Cursor *cur = conn->cursor();
        // Pipelined, then each one checked.
        QList<QFuture<qint64>> inserts;
        for (int i = 1; i <= 10; ++i)
            inserts.append(cur->execute(QStringLiteral("INSERT INTO t_cur (name, score) VALUES (%s, %s)"),
                                        {QStringLiteral("n%1").arg(i), i * 1.5}));
        for (const QFuture<qint64> &inserted : std::as_const(inserts))
            QCOMPARE(AWAIT(inserted), 1);
        delete cur;
    }

    void cleanupTestCase()
    {
        AWAIT(conn->query(QStringLiteral("DROP TABLE IF EXISTS t_cur")));
    }

    void fetching()
    {
        Cursor *cur = conn->cursor();
        QCOMPARE(cur->rowCount(), qint64(-1));
        EXPECT_ERROR(cur->fetchOne(), ProgrammingError, 0); // execute() first
        QSignalSpy executed(cur, &Cursor::executed);
        QCOMPARE(AWAIT(cur->execute(QStringLiteral("SELECT id, name, score FROM t_cur ORDER BY id"))), qint64(10));
        QCOMPARE(executed.count(), 1);
        QCOMPARE(cur->rowCount(), qint64(10));
        QCOMPARE(cur->description().size(), 3);
        QCOMPARE(cur->description().at(1).name(), QStringLiteral("name"));
        QCOMPARE(cur->description().at(1).table(), QStringLiteral("t_cur"));
        QCOMPARE(cur->description().at(0).type(), quint8(Column::Long));
        QVERIFY(cur->description().at(0).flags() & Column::PrimaryKeyFlag);

        std::optional<Row> first = AWAIT(cur->fetchOne());
        QVERIFY(first);
        QCOMPARE(first->value(0).toInt(), 1);
        QCOMPARE(first->value(QStringLiteral("name")).toString(), QStringLiteral("n1"));
        QCOMPARE(cur->rowNumber(), qint64(1));
        QCOMPARE(AWAIT(cur->fetchMany()).size(), 1); // arraySize defaults to 1
        cur->setArraySize(3);
        const QList<Row> three = AWAIT(cur->fetchMany());
        QCOMPARE(three.size(), 3);
        QCOMPARE(three.last().value(0).toInt(), 5);
        QCOMPARE(AWAIT(cur->fetchMany(2)).first().value(0).toInt(), 6);
        const QList<Row> rest = AWAIT(cur->fetchAll());
        QCOMPARE(rest.size(), 3);
        QCOMPARE(rest.last().value(2).toDouble(), 15.0);
        QVERIFY(!AWAIT(cur->fetchOne()));
        QVERIFY(AWAIT(cur->fetchAll()).isEmpty());
        QCOMPARE(cur->rowNumber(), qint64(10));
    }

    void scrolling()
    {
        Cursor *cur = conn->cursor();
        AWAIT(cur->execute(QStringLiteral("SELECT id FROM t_cur ORDER BY id")));
        AWAIT(cur->scroll(4));
        QCOMPARE(AWAIT(cur->fetchOne())->value(0).toInt(), 5);
        AWAIT(cur->scroll(-2));
        QCOMPARE(AWAIT(cur->fetchOne())->value(0).toInt(), 4);
        AWAIT(cur->scroll(9, ScrollMode::Absolute));
        QCOMPARE(AWAIT(cur->fetchOne())->value(0).toInt(), 10);
        EXPECT_ERROR(cur->scroll(10, ScrollMode::Absolute), ProgrammingError, 0);
        EXPECT_ERROR(cur->scroll(-11), ProgrammingError, 0);
        QCOMPARE(cur->rowNumber(), qint64(10)); // unchanged by the failed scrolls
    }

    void dmlCounts()
    {
        Cursor *cur = conn->cursor();
        QCOMPARE(AWAIT(cur->execute(QStringLiteral("INSERT INTO t_cur (name) VALUES (%s), (%s)"),
                                    {QStringLiteral("x"), QStringLiteral("y")})), qint64(2));
        QVERIFY(cur->lastRowId() > 10);
        QCOMPARE(conn->insertId(), cur->lastRowId());
        QVERIFY(cur->description().isEmpty());
        QCOMPARE(AWAIT(cur->execute(QStringLiteral("UPDATE t_cur SET score = 0 WHERE name IN %s"),
                                    // One list as the only argument: wrap it, or {list} would copy it.
                                    {QVariant(QVariantList{QStringLiteral("x"), QStringLiteral("y")})})), qint64(2));
        QCOMPARE(AWAIT(cur->execute(QStringLiteral("DELETE FROM t_cur WHERE id > 10"))), qint64(2));
        QCOMPARE(conn->affectedRows(), quint64(2));
    }

    void namedArguments()
    {
        Cursor *cur = conn->cursor();
        const QVariantMap args{{QStringLiteral("lo"), 2}, {QStringLiteral("hi"), 4}};
        QCOMPARE(cur->mogrify(QStringLiteral("SELECT %(lo)s, %(hi)s, '100%%'"), args),
                 QStringLiteral("SELECT 2, 4, '100%'"));
        QCOMPARE(AWAIT(cur->execute(QStringLiteral("SELECT id FROM t_cur WHERE id BETWEEN %(lo)s AND %(hi)s"), args)), qint64(3));
        EXPECT_ERROR(cur->execute(QStringLiteral("SELECT %(nope)s"), args), ProgrammingError, 0);
        QCOMPARE(cur->mogrify(QStringLiteral("SELECT %s, %s"), {QStringLiteral("a'b"), QVariant()}),
                 QStringLiteral("SELECT 'a\\'b', NULL"));
        QCOMPARE(cur->lastExecuted(), QStringLiteral("SELECT id FROM t_cur WHERE id BETWEEN 2 AND 4"));
    }

    void dictRows()
    {
        Cursor *cur = conn->cursor(CursorType::Dict);
        QCOMPARE(cur->cursorType(), CursorType::Dict);
        AWAIT(cur->execute(QStringLiteral("SELECT a.id, a.name, b.id FROM t_cur a JOIN t_cur b ON b.id = a.id + 1 WHERE a.id = 1")));
        const Row r = *AWAIT(cur->fetchOne());
        QVERIFY(r.isDict());
        // aiomysql's DictCursor: a repeated name is keyed "table.name".
        QCOMPARE(r.keys(), (QStringList{QStringLiteral("id"), QStringLiteral("name"), QStringLiteral("b.id")}));
        const QVariantMap m = r.toVariant().toMap();
        QCOMPARE(m.value(QStringLiteral("id")).toInt(), 1);
        QCOMPARE(m.value(QStringLiteral("b.id")).toInt(), 2);
        QCOMPARE(r.value(QStringLiteral("b.id")).toInt(), 2);
        QCOMPARE(conn->cursor()->cursorType(), CursorType::Buffered);
    }

    void errorsAndClose()
    {
        // Ours, not the connection's: a closed cursor the connection owns deletes itself once the
        // close() future has finished, and this one is used after that.
        std::unique_ptr<Cursor> owned(conn->cursor());
        owned->setParent(nullptr);
        Cursor *cur = owned.get();
        QSignalSpy errors(cur, &Cursor::errorOccurred);
        QSignalSpy finished(cur, &Cursor::finished);
        EXPECT_ERROR(cur->execute(QStringLiteral("SELECT * FROM t_nope")), ProgrammingError, 1146);
        QCOMPARE(errors.count(), 1);
        EXPECT_ERROR(cur->fetchAll(), ProgrammingError, 0);
        AWAIT(cur->execute(QStringLiteral("SELECT 1")));
        AWAIT(cur->close());
        QVERIFY(cur->isClosed());
        QCOMPARE(finished.count(), 1);
        EXPECT_ERROR(cur->execute(QStringLiteral("SELECT 1")), ProgrammingError, 0);
        EXPECT_ERROR(cur->fetchOne(), ProgrammingError, 0);
    }

    void cursorDeletedWhileRunning()
    {
        Cursor *cur = conn->cursor();
        QFuture<qint64> f = cur->execute(QStringLiteral("SELECT SLEEP(0.1)"));
        delete cur;
        QCOMPARE(AWAIT(f), qint64(1)); // still finishes; the connection stays in step
        QCOMPARE(AWAIT(conn->query(QStringLiteral("SELECT 3"))).rows().first().value(0).toInt(), 3);
    }
};

QTEST_GUILESS_MAIN(tst_Cursor)
#include "tst_cursor.moc"
