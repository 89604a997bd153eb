// SPDX-License-Identifier: MIT
// The QML types driven from C++: QAbstractItemModelTester over SqlQueryModel while rows stream
// in, the values its roles give QML, and how Database turns properties into pools.
#include "../integration/testutil.h"

#include "database.h"
#include "sqlquerymodel.h"

#include <QtCore/QDateTime>
#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QSignalSpy>

using namespace AsyncMySql;
using Status = ResultModel::Status;

class tst_QuickCpp : public QObject
{
    Q_OBJECT

    //! A Database for the test server, its properties set as QML would set them.
    static void configure(Database &db)
    {
        const ConnectOptions o = TestUtil::options();
        db.setHost(o.host);
        db.setPort(o.port);
        db.setUser(o.user);
        db.setPassword(o.password);
        db.setDatabase(o.database);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(TestUtil::haveServer(), "run through scripts/test.sh (it starts the server)");
    }

    void modelTesterWhileRowsStreamIn()
    {
        Database db;
        configure(db);
        SqlQueryModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setBatchSize(37);
        model.setDatabase(&db); // before the pool exists: the model waits for it
        model.setQuery(QStringLiteral("SELECT seq AS n, CONCAT('r', seq) AS label FROM seq_1_to_700"));
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 700, 10000); // the tester asks for more each time
        QCOMPARE(model.status(), Status::Ready);
        QCOMPARE(model.data(model.index(699, 1)).toString(), QStringLiteral("r700"));
        model.setQuery(QStringLiteral("SELECT seq AS n FROM seq_1_to_100 WHERE seq > %s"));
        model.setArguments(QVariantList{40});
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 60, 10000);
        QCOMPARE(model.columnCount(), 1);
    }

    void valuesForQml()
    {
        Database db;
        configure(db);
        SqlQueryModel model;
        model.setDatabase(&db);
        model.setQuery(QStringLiteral("SELECT CAST('2024-05-06 07:08:09.250' AS DATETIME(3)) AS dt, "
                                      "CAST('25:00:01' AS TIME) AS t, 7 AS i, -12.50 AS d"));
        QTRY_COMPARE_WITH_TIMEOUT(model.status(), Status::Ready, 10000);
        const QHash<int, QByteArray> roles = model.roleNames();
        const QModelIndex first = model.index(0, 0);
        // A DATETIME is a date for QML (a JS Date), with its wall-clock fields.
        const QVariant dt = model.data(first, roles.key("dt"));
        QCOMPARE(dt.metaType(), QMetaType::fromType<QDateTime>());
        QCOMPARE(dt.toDateTime(), QDateTime(QDate(2024, 5, 6), QTime(7, 8, 9, 250)));
        QCOMPARE(model.data(first, roles.key("t")).toString(), QStringLiteral("25:00:01"));
        QCOMPARE(model.data(first, roles.key("i")).toLongLong(), 7);
        // A DECIMAL is its exact text (JavaScript has no exact decimal number).
        const QVariant d = model.data(first, roles.key("d"));
        QCOMPARE(d.metaType(), QMetaType::fromType<QString>());
        QCOMPARE(d.toString(), QStringLiteral("-12.50"));
        QCOMPARE(model.get(0).value(QStringLiteral("d")).metaType(), QMetaType::fromType<QString>());
        QCOMPARE(model.get(0).value(QStringLiteral("dt")).metaType(), QMetaType::fromType<QDateTime>());
        // The display role stays text, as for ResultModel.
        QCOMPARE(model.data(first).metaType(), QMetaType::fromType<QString>());
    }

    void jsonForQml()
    {
        ConnectOptions o = TestUtil::options();
        o.autocommit = true;
        Connection conn(o);
        AWAIT(conn.open());
        AWAIT(conn.query(QStringLiteral("CREATE OR REPLACE TABLE t_qml_json (j JSON)")));
        AWAIT(conn.query(QStringLiteral(R"(INSERT INTO t_qml_json VALUES ('{"a": [1, 2]}'))")));
        Database db;
        configure(db);
        SqlQueryModel model;
        model.setDatabase(&db);
        model.setQuery(QStringLiteral("SELECT j FROM t_qml_json"));
        QTRY_COMPARE_WITH_TIMEOUT(model.status(), Status::Ready, 10000);
        // A JSON column (MariaDB marks it with the "json" format) becomes its objects for QML,
        // and compact text for display.
        const QVariant j = model.data(model.index(0, 0), model.roleNames().key("j"));
        QCOMPARE(j.metaType(), QMetaType::fromType<QVariantMap>());
        QCOMPARE(j.toMap().value(QStringLiteral("a")).toList().size(), 2);
        QCOMPARE(model.data(model.index(0, 0)).toString(), QStringLiteral("{\"a\":[1,2]}"));
        AWAIT(conn.query(QStringLiteral("DROP TABLE t_qml_json")));
    }

    void propertiesMakeOnePool()
    {
        Database db;
        QSignalSpy pools(&db, &Database::poolChanged);
        QSignalSpy statuses(&db, &Database::statusChanged);
        configure(db); // five properties in one turn of the event loop
        db.setMaxSize(3);
        QCOMPARE(db.pool(), nullptr);
        QCOMPARE(db.status(), Database::Status::Null);
        QTRY_COMPARE_WITH_TIMEOUT(db.status(), Database::Status::Ready, 10000);
        QCOMPARE(pools.count(), 1);
        QVERIFY(db.pool());
        QCOMPARE(db.pool()->maxSize(), 3);
        QCOMPARE(db.pool()->options().connection.autocommit, std::optional<bool>(true));
        QCOMPARE(statuses.count(), 2); // Connecting, Ready

        // A change makes a new pool; the old one is closed.
        QPointer<Pool> old = db.pool();
        db.setMinSize(0);
        QTRY_VERIFY_WITH_TIMEOUT(db.pool() && db.pool() != old, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(!old, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(db.status(), Database::Status::Ready, 10000);
    }

    void urlWins()
    {
        Database db;
        db.setHost(QStringLiteral("ignored.invalid"));
        db.setUrl(QUrl(QStringLiteral("mysql://u:p@db.example:3307/shop?ssl-mode=required")));
        db.setMaxSize(5);
        db.setAutocommit(false);
        const PoolOptions o = db.poolOptions();
        QCOMPARE(o.connection.host, QStringLiteral("db.example"));
        QCOMPARE(o.connection.port, quint16(3307));
        QCOMPARE(o.connection.user, QStringLiteral("u"));
        QCOMPARE(o.connection.database, QStringLiteral("shop"));
        QCOMPARE(o.connection.ssl.mode, SslOptions::Mode::Required);
        QCOMPARE(o.connection.autocommit, std::optional<bool>(false));
        QCOMPARE(o.maxSize, 5);

        Database defaults;
        defaults.setSslCa(QStringLiteral("/ca.pem"));
        // Left unset, as in C++: a CA then means VerifyIdentity (SslOptions::Mode::Default).
        QCOMPARE(defaults.sslMode(), Database::SslMode::Default);
        QCOMPARE(defaults.poolOptions().connection.ssl.mode, SslOptions::Mode::Default);

        Database plain;
        plain.setSslMode(Database::SslMode::VerifyIdentity);
        plain.setSslCa(QStringLiteral("/ca.pem"));
        QCOMPARE(plain.poolOptions().connection.ssl.mode, SslOptions::Mode::VerifyIdentity);
        QCOMPARE(plain.poolOptions().connection.ssl.ca, QStringLiteral("/ca.pem"));
    }

    void badPoolSizes()
    {
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("minSize \\(5\\) must not exceed maxSize \\(2\\)")));
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("cannot connect: .*minSize")));
        Database db;
        configure(db);
        db.setMinSize(5);
        db.setMaxSize(2);
        QTRY_COMPARE_WITH_TIMEOUT(db.status(), Database::Status::Error, 10000);
        QVERIFY(!db.errorString().isEmpty());
    }

    void execNeedsAnEngine()
    {
        Database db;
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("exec\\(\\) needs")));
        QVERIFY(db.exec(QStringLiteral("SELECT 1")).isUndefined());
    }
};

QTEST_GUILESS_MAIN(tst_QuickCpp)
#include "tst_quickcpp.moc"
