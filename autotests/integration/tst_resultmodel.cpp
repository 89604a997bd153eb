// SPDX-License-Identifier: MIT
// ResultModel against the real server, with QAbstractItemModelTester watching every change.
#include "testutil.h"

#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QSignalSpy>

using namespace AsyncMySql;
using Status = ResultModel::Status;

class tst_ResultModel : public QObject
{
    Q_OBJECT

    std::unique_ptr<Connection> conn;
    std::unique_ptr<Pool> pool;

    std::unique_ptr<ResultModel> makeModel(int batchSize = 100)
    {
        auto model = std::make_unique<ResultModel>(pool.get());
        model->setBatchSize(batchSize);
        return model;
    }

    //! All connections are back in the pool (the model gave its lease back).
    bool poolIsIdle() const { return pool->size() == pool->freeSize(); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(TestUtil::haveServer(), "run through scripts/test.sh (it starts the server)");
        conn = TestUtil::openConnection();
        AWAIT(conn->query(QStringLiteral("CREATE OR REPLACE TABLE t_model AS "
                                         "SELECT seq AS id, CONCAT('name ', seq) AS name FROM seq_1_to_1000")));
        PoolOptions po;
        po.connection = conn->options();
        po.minSize = 1;
        po.maxSize = 4;
        pool = std::make_unique<Pool>(po);
    }

    void cleanupTestCase()
    {
        pool.reset();
        if (conn)
            AWAIT(conn->query(QStringLiteral("DROP TABLE IF EXISTS t_model")));
    }

    void statusAndBatches()
    {
        auto model = makeModel(100);
        QCOMPARE(model->status(), Status::Null);
        QSignalSpy statuses(model.get(), &ResultModel::statusChanged);
        QSignalSpy columnsChanged(model.get(), &ResultModel::columnNamesChanged);
        model->setQuery(QStringLiteral("SELECT id, name FROM t_model ORDER BY id"));
        QCOMPARE(model->status(), Status::Loading); // at once, before the event loop runs
        QTRY_COMPARE_WITH_TIMEOUT(model->status(), Status::Ready, 10000);
        QCOMPARE(statuses.count(), 2);
        QCOMPARE(statuses.at(0).at(0).value<Status>(), Status::Loading);
        QCOMPARE(statuses.at(1).at(0).value<Status>(), Status::Ready);
        QCOMPARE(columnsChanged.count(), 1);

        // Only the first batch is in; the rest waits for a view to ask.
        QCOMPARE(model->rowCount(), 100);
        QCOMPARE(model->count(), 100);
        QCOMPARE(model->columnCount(), 2);
        QCOMPARE(model->columnNames(), QStringList({QStringLiteral("id"), QStringLiteral("name")}));
        QCOMPARE(model->headerData(1, Qt::Horizontal).toString(), QStringLiteral("name"));
        QCOMPARE(model->headerData(0, Qt::Vertical).toInt(), 1);
        QCOMPARE(model->data(model->index(0, 1)).toString(), QStringLiteral("name 1"));
        QCOMPARE(model->data(model->index(99, 0)).toLongLong(), 100);
        QVERIFY(model->canFetchMore(QModelIndex()));
        QVERIFY(!poolIsIdle()); // the result is still being read from

        const QHash<int, QByteArray> roles = model->roleNames();
        QCOMPARE(roles.value(Qt::DisplayRole), QByteArray("display"));
        const int nameRole = roles.key("name", -1);
        QVERIFY(nameRole >= Qt::UserRole);
        // A column role reads its column from any index of the row (ListView asks column 0).
        QCOMPARE(model->data(model->index(4, 0), nameRole).toString(), QStringLiteral("name 5"));
        QCOMPARE(model->get(6).value(QStringLiteral("id")).toLongLong(), 7);
        QVERIFY(model->get(100).isEmpty());

        int batches = 1;
        while (model->canFetchMore(QModelIndex())) {
            const int before = model->rowCount();
            model->fetchMore(QModelIndex());
            QCOMPARE(model->rowCount(), before); // never inside the caller
            QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() > before || !model->canFetchMore(QModelIndex()), 10000);
            ++batches;
            QVERIFY(batches <= 11);
        }
        QCOMPARE(model->rowCount(), 1000);
        QCOMPARE(model->data(model->index(999, 0)).toLongLong(), 1000);
        QCOMPARE(model->status(), Status::Ready);
        QTRY_VERIFY_WITH_TIMEOUT(poolIsIdle(), 10000); // the connection went back after the last row
    }

    void modelTesterWhileRowsStreamIn()
    {
        auto model = makeModel(64);
        // Parented to the model: it checks every signal from the first one on. It also asks
        // for more rows after each insert, as an eager view does.
        new QAbstractItemModelTester(model.get(), QAbstractItemModelTester::FailureReportingMode::QtTest, model.get());
        model->setQuery(QStringLiteral("SELECT id, name FROM t_model WHERE id <= %s ORDER BY id"));
        model->setArguments(QVariantList{1000});
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 1000, 10000);
        QVERIFY(!model->canFetchMore(QModelIndex()));
        for (int r = 0; r < 1000; r += 97)
            QCOMPARE(model->data(model->index(r, 0)).toLongLong(), r + 1);
        // A reload while rows stream in, a change of columns, an error, and back.
        model->setArguments(QVariantList{500});
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 500, 10000);
        model->setQuery(QStringLiteral("SELECT name FROM t_model WHERE id <= %s"));
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 500, 10000);
        QCOMPARE(model->columnCount(), 1);
        model->setQuery(QStringLiteral("SELECT nope FROM t_model WHERE id <= %s"));
        QTRY_COMPARE_WITH_TIMEOUT(model->status(), Status::Error, 10000);
        model->reload();
        QTRY_COMPARE_WITH_TIMEOUT(model->status(), Status::Error, 10000);
        model->setQuery(QStringLiteral("SELECT id FROM t_model WHERE id <= %s"));
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 500, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(poolIsIdle(), 10000);
    }

    void fetchMoreCoalesces()
    {
        auto model = makeModel(50);
        model->setQuery(QStringLiteral("SELECT id FROM t_model ORDER BY id"));
        QTRY_COMPARE_WITH_TIMEOUT(model->status(), Status::Ready, 10000);
        QCOMPARE(model->rowCount(), 50);
        // A view that asks three times before the answer gets one more batch, not three.
        model->fetchMore(QModelIndex());
        model->fetchMore(QModelIndex());
        model->fetchMore(QModelIndex());
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 100, 10000);
        QTest::qWait(100);
        QCOMPARE(model->rowCount(), 100);
        QCOMPARE(model->data(model->index(99, 0)).toLongLong(), 100);
    }

    void smallResultEndsAtOnce()
    {
        auto model = makeModel(100);
        model->setQuery(QStringLiteral("SELECT id FROM t_model WHERE id <= 3"));
        QTRY_COMPARE_WITH_TIMEOUT(model->status(), Status::Ready, 10000);
        QCOMPARE(model->rowCount(), 3);
        QVERIFY(!model->canFetchMore(QModelIndex()));
        QTRY_VERIFY_WITH_TIMEOUT(poolIsIdle(), 10000);
    }

    void errorLeavesModelEmpty()
    {
        auto model = makeModel(10);
        model->setQuery(QStringLiteral("SELECT id, name FROM t_model ORDER BY id"));
        QTRY_COMPARE_WITH_TIMEOUT(model->status(), Status::Ready, 10000);
        QCOMPARE(model->rowCount(), 10);

        QSignalSpy errors(model.get(), &ResultModel::errorOccurred);
        model->setQuery(QStringLiteral("SELECT * FROM t_no_such_table"));
        QCOMPARE(model->rowCount(), 0); // the old rows go at once, not when the error comes
        QTRY_COMPARE_WITH_TIMEOUT(model->status(), Status::Error, 10000);
        QVERIFY2(model->errorString().contains(QStringLiteral("t_no_such_table")), qPrintable(model->errorString()));
        QCOMPARE(model->rowCount(), 0);
        QCOMPARE(model->columnCount(), 0);
        QVERIFY(model->columnNames().isEmpty());
        QVERIFY(!model->canFetchMore(QModelIndex()));
        QCOMPARE(errors.count(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(poolIsIdle(), 10000);

        // Wrong argument count: the interpolation's ProgrammingError, same handling.
        model->setQuery(QStringLiteral("SELECT %s, %s"));
        model->setArguments(QVariantList{1});
        QTRY_COMPARE_WITH_TIMEOUT(model->status(), Status::Error, 10000);
        QVERIFY(!model->errorString().isEmpty());

        // And it recovers.
        model->setQuery(QStringLiteral("SELECT %s AS one"));
        QTRY_COMPARE_WITH_TIMEOUT(model->status(), Status::Ready, 10000);
        QVERIFY(model->errorString().isEmpty());
        QCOMPARE(model->data(model->index(0, 0)).toInt(), 1);
    }

    void argumentsReload()
    {
        auto model = makeModel(100);
        model->setQuery(QStringLiteral("SELECT id FROM t_model WHERE id <= %s ORDER BY id"));
        model->setArguments(QVariantList{5});
        QTRY_COMPARE_WITH_TIMEOUT(model->status(), Status::Ready, 10000);
        QCOMPARE(model->rowCount(), 5);

        QSignalSpy statuses(model.get(), &ResultModel::statusChanged);
        model->setArguments(QVariantList{5}); // equal: nothing happens
        QCOMPARE(model->status(), Status::Ready);
        model->setArguments(QVariantList{7});
        model->setArguments(QVariantList{2}); // in the same turn: one query, with the last value
        QCOMPARE(model->status(), Status::Loading);
        QCOMPARE(model->rowCount(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(model->status(), Status::Ready, 10000);
        QCOMPARE(model->rowCount(), 2);
        QCOMPARE(statuses.count(), 2); // Loading, Ready: the query with 7 never ran to the end
        QTest::qWait(50);
        QCOMPARE(model->rowCount(), 2);
    }

    void argumentForms_data()
    {
        QTest::addColumn<QVariant>("arguments");
        QTest::addColumn<QString>("query");
        QTest::newRow("list") << QVariant(QVariantList{3, QStringLiteral("x")}) << QStringLiteral("SELECT %s, %s");
        QTest::newRow("string list") << QVariant(QStringList{QStringLiteral("3"), QStringLiteral("x")}) << QStringLiteral("SELECT %s, %s");
        QTest::newRow("map") << QVariant(QVariantMap{{QStringLiteral("a"), 3}, {QStringLiteral("b"), QStringLiteral("x")}})
                             << QStringLiteral("SELECT %(a)s, %(b)s");
        QTest::newRow("hash") << QVariant(QVariantHash{{QStringLiteral("a"), 3}, {QStringLiteral("b"), QStringLiteral("x")}})
                              << QStringLiteral("SELECT %(a)s, %(b)s");
        QTest::newRow("one value") << QVariant(3) << QStringLiteral("SELECT %s, 'x'");
        // A string is one argument, not a list of characters.
        QTest::newRow("one string") << QVariant(QStringLiteral("3")) << QStringLiteral("SELECT %s, 'x'");
    }

    void argumentForms()
    {
        QFETCH(QVariant, arguments);
        QFETCH(QString, query);
        auto model = makeModel();
        model->setQuery(query);
        model->setArguments(arguments);
        QTRY_COMPARE_WITH_TIMEOUT(model->status(), Status::Ready, 10000);
        QCOMPARE(model->data(model->index(0, 0)).toString(), QStringLiteral("3"));
        QCOMPARE(model->data(model->index(0, 1)).toString(), QStringLiteral("x"));
    }

    void statementWithoutResultSet()
    {
        auto model = makeModel();
        model->setQuery(QStringLiteral("DO 1"));
        QTRY_COMPARE_WITH_TIMEOUT(model->status(), Status::Ready, 10000);
        QCOMPARE(model->rowCount(), 0);
        QCOMPARE(model->columnCount(), 0);
        QVERIFY(!model->canFetchMore(QModelIndex()));
    }

    void displayValues()
    {
        auto model = makeModel();
        model->setQuery(QStringLiteral("SELECT CAST('2024-01-02 03:04:05.5' AS DATETIME(1)) AS dt, "
                                       "CAST('-01:02:03' AS TIME) AS t, NULL AS n, 2.50 AS d"));
        QTRY_COMPARE_WITH_TIMEOUT(model->status(), Status::Ready, 10000);
        // Views show text for the library's own types; the edit role keeps the exact value.
        QCOMPARE(model->data(model->index(0, 0)).metaType(), QMetaType::fromType<QString>());
        QVERIFY2(model->data(model->index(0, 0)).toString().startsWith(QStringLiteral("2024-01-02 03:04:05.5")),
                 qPrintable(model->data(model->index(0, 0)).toString()));
        QCOMPARE(model->data(model->index(0, 0), Qt::EditRole).metaType(), QMetaType::fromType<DateTime>());
        QVERIFY(model->data(model->index(0, 1)).toString().startsWith(QStringLiteral("-01:02:03")));
        QVERIFY(model->data(model->index(0, 2)).isNull());
        QCOMPARE(model->data(model->index(0, 3)).metaType(), QMetaType::fromType<QString>());
        QCOMPARE(model->data(model->index(0, 3)).toString(), QStringLiteral("2.50"));
        QCOMPARE(model->data(model->index(0, 3), Qt::EditRole).metaType(), QMetaType::fromType<Decimal>());
    }

    void changeCancelsRunningQuery()
    {
        auto model = makeModel();
        model->setQuery(QStringLiteral("SELECT %(n)s AS n FROM (SELECT SLEEP(%(delay)s)) AS s"));
        model->setArguments(QVariantMap{{QStringLiteral("n"), 1}, {QStringLiteral("delay"), 1}});
        QTRY_VERIFY_WITH_TIMEOUT(!poolIsIdle(), 10000); // the slow one runs
        model->setArguments(QVariantMap{{QStringLiteral("n"), 2}, {QStringLiteral("delay"), 0}});
        QTRY_COMPARE_WITH_TIMEOUT(model->status(), Status::Ready, 10000);
        QCOMPARE(model->rowCount(), 1);
        QCOMPARE(model->data(model->index(0, 0)).toInt(), 2);
        // The first answer, whenever it comes, changes nothing; its connection comes back.
        QTRY_VERIFY_WITH_TIMEOUT(poolIsIdle(), 10000);
        QCOMPARE(model->rowCount(), 1);
        QCOMPARE(model->data(model->index(0, 0)).toInt(), 2);
        QCOMPARE(model->status(), Status::Ready);
    }

    void destroyedWhileLoading()
    {
        auto model = makeModel();
        model->setQuery(QStringLiteral("SELECT SLEEP(0.3)"));
        QTRY_VERIFY_WITH_TIMEOUT(!poolIsIdle(), 10000);
        model.reset();
        // No crash when the answer comes for a model that is gone, and no leaked lease.
        QTRY_VERIFY_WITH_TIMEOUT(poolIsIdle(), 10000);
        QCOMPARE(AWAIT(conn->query(QStringLiteral("SELECT 1"))).rows().first().value(0).toInt(), 1);
    }

    void poolGoesAway()
    {
        PoolOptions po;
        po.connection = TestUtil::options();
        po.minSize = 0;
        auto ownPool = std::make_unique<Pool>(po);
        ResultModel model(ownPool.get());
        QSignalSpy poolChanged(&model, &ResultModel::poolChanged);
        model.setQuery(QStringLiteral("SELECT id FROM t_model ORDER BY id"));
        QTRY_COMPARE_WITH_TIMEOUT(model.status(), Status::Ready, 10000);
        ownPool.reset();
        QCOMPARE(model.pool(), nullptr);
        QCOMPARE(poolChanged.count(), 1);
        QCOMPARE(model.status(), Status::Null);
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!model.canFetchMore(QModelIndex()));

        model.setPool(pool.get());
        QTRY_COMPARE_WITH_TIMEOUT(model.status(), Status::Ready, 10000);
        QCOMPARE(model.rowCount(), 200);
    }

    void nothingToRun()
    {
        ResultModel model;
        model.setQuery(QStringLiteral("SELECT 1"));
        QCOMPARE(model.status(), Status::Null); // no pool
        model.setPool(pool.get());
        QCOMPARE(model.status(), Status::Loading);
        model.setQuery(QString());
        QCOMPARE(model.status(), Status::Null);
        QTest::qWait(50);
        QCOMPARE(model.status(), Status::Null);
        QCOMPARE(model.rowCount(), 0);
    }
};

QTEST_GUILESS_MAIN(tst_ResultModel)
#include "tst_resultmodel.moc"
