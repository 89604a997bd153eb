// SPDX-License-Identifier: MIT
// Connection life cycle, errors and session commands against the real MariaDB server.
#include "testutil.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QSignalSpy>

using namespace AsyncMySql;

class tst_Connection : public QObject
{
    Q_OBJECT

private:
    //! A connection opened with the test options (changed by \a tweak), owned by the test.
    std::unique_ptr<Connection> connect(const std::function<void(ConnectOptions &)> &tweak = {})
    {
        return TestUtil::openConnectionWith(tweak, __FILE__, __LINE__);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(TestUtil::haveServer(), "run through scripts/test.sh (it starts the server)");
    }

    void connectAndQuery()
    {
        ConnectOptions o = TestUtil::options();
        Connection conn(o);
        QVERIFY(conn.isClosed());
        QSignalSpy states(&conn, &Connection::stateChanged);
        QSignalSpy connected(&conn, &Connection::connected);
        AWAIT(conn.open());
        QVERIFY(!conn.isClosed());
        QCOMPARE(conn.state(), Connection::State::Connected);
        QVERIFY2(conn.serverVersion().contains(QLatin1String("MariaDB")), qPrintable(conn.serverVersion()));
        QVERIFY(!conn.serverVersion().startsWith(QLatin1String("5.5.5-")));
        QVERIFY(conn.threadId() > 0);
        QCOMPARE(conn.database(), o.database);
        QCOMPARE(conn.charset(), QStringLiteral("utf8mb4"));
        QCOMPARE(conn.encoding(), QStringLiteral("UTF-8"));
        QVERIFY(!conn.autocommit()); // aiomysql's default
        QTRY_COMPARE(connected.count(), 1);
        QCOMPARE(states.first().first().value<Connection::State>(), Connection::State::Connecting);

        const ResultSet rs = AWAIT(conn.query(QStringLiteral("SELECT 1 + 1 AS two, CONNECTION_ID(), DATABASE()")));
        QCOMPARE(rs.rows().size(), 1);
        QCOMPARE(rs.rows().first().value(0).toLongLong(), 2);
        QCOMPARE(rs.rows().first().value(QStringLiteral("two")).toLongLong(), 2);
        QCOMPARE(rs.rows().first().value(1).toULongLong(), quint64(conn.threadId()));
        QCOMPARE(rs.rows().first().value(2).toString(), o.database);
        QCOMPARE(rs.columns().first().name(), QStringLiteral("two"));

        QSignalSpy disconnected(&conn, &Connection::disconnected);
        AWAIT(conn.ensureClosed());
        QVERIFY(conn.isClosed());
        QTRY_COMPARE(disconnected.count(), 1);
    }

    void staticConnect()
    {
        QObject owner;
        Connection *conn = AWAIT(Connection::connect(TestUtil::options(), &owner));
        QVERIFY(conn);
        QCOMPARE(conn->parent(), &owner);
        QCOMPARE(AWAIT(conn->query(QStringLiteral("SELECT 42"))).rows().first().value(0).toInt(), 42);
    }

    void connectionAttributes()
    {
        auto conn = connect([](ConnectOptions &o) { o.programName = QStringLiteral("tst_connection"); });
        // The test server runs with performance_schema on; only the admin may read it.
        Connection admin(TestUtil::adminOptions());
        AWAIT(admin.open());
        const ResultSet rs = AWAIT(admin.query(QStringLiteral(
                "SELECT ATTR_NAME, ATTR_VALUE FROM performance_schema.session_connect_attrs "
                "WHERE PROCESSLIST_ID = %s"), {conn->threadId()}));
        QVariantMap attrs;
        for (const Row &r : rs.rows())
            attrs.insert(r.value(0).toString(), r.value(1));
        QCOMPARE(attrs.value(QStringLiteral("_client_name")).toString(), QStringLiteral("AsyncMySql"));
        QCOMPARE(attrs.value(QStringLiteral("_client_version")).toString(), QStringLiteral("0.1.0"));
        QCOMPARE(attrs.value(QStringLiteral("_pid")).toLongLong(), QCoreApplication::applicationPid());
        QVERIFY(!attrs.value(QStringLiteral("_os")).toString().isEmpty());
        QCOMPARE(attrs.value(QStringLiteral("program_name")).toString(), QStringLiteral("tst_connection"));
    }

    void wrongPassword()
    {
        ConnectOptions o = TestUtil::options();
        o.password = QStringLiteral("not-the-password");
        Connection conn(o);
        QSignalSpy errors(&conn, &Connection::errorOccurred);
        EXPECT_ERROR(conn.open(), OperationalError, 1045);
        QVERIFY(conn.isClosed());
        QTRY_COMPARE(errors.count(), 1);
    }

    void unknownDatabase()
    {
        ConnectOptions o = TestUtil::options();
        o.database = QStringLiteral("no_such_database_here");
        Connection conn(o);
        auto err = TestUtil::errorOf(conn.open());
        QVERIFY(err);
        // 1044 (access denied to it) or 1049 (unknown database), depending on grants.
        QVERIFY2(err->code() == 1044 || err->code() == 1049, qPrintable(err->toString()));
    }

    void refusedPort()
    {
        // A port that was just free: nobody listens there.
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost));
        const quint16 port = probe.serverPort();
        probe.close();
        ConnectOptions o = TestUtil::options();
        o.port = port;
        Connection conn(o);
        QElapsedTimer t;
        t.start();
        EXPECT_ERROR(conn.open(), OperationalError, 2003);
        QVERIFY(t.elapsed() < 5000);
    }

    void silentServerTimesOut()
    {
        // Accepts TCP but never sends a handshake: only connectTimeout can end this.
        QTcpServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost));
        ConnectOptions o = TestUtil::options();
        o.port = silent.serverPort();
        o.connectTimeout = std::chrono::milliseconds(400);
        Connection conn(o);
        QElapsedTimer t;
        t.start();
        EXPECT_ERROR(conn.open(), OperationalError, 2003);
        QVERIFY2(t.elapsed() >= 350 && t.elapsed() < 3000, qPrintable(QString::number(t.elapsed())));
        QVERIFY(conn.isClosed());
    }

    void closeFailsPendingQueries()
    {
        auto conn = connect();
        QList<QFuture<ResultSet>> pending;
        for (int i = 0; i < 10; ++i)
            pending.append(conn->query(QStringLiteral("SELECT SLEEP(0.2), %s"), {i}));
        conn->close();
        QVERIFY(conn->isClosed());
        for (auto &f : pending)
            EXPECT_ERROR(f, InterfaceError, 0);
        // Use after close: InterfaceError too.
        EXPECT_ERROR(conn->query(QStringLiteral("SELECT 1")), InterfaceError, 0);
    }

    void destroyFailsPendingQueries()
    {
        auto conn = connect();
        QFuture<ResultSet> f = conn->query(QStringLiteral("SELECT SLEEP(0.2)"));
        conn.reset();
        QVERIFY(f.isFinished());
        EXPECT_ERROR(f, InterfaceError, 0);
    }

    void queriesBeforeOpenRunAfterIt()
    {
        Connection conn(TestUtil::options());
        QFuture<void> opened = conn.open();
        QFuture<ResultSet> early = conn.query(QStringLiteral("SELECT 7"));
        QCOMPARE(AWAIT(early).rows().first().value(0).toInt(), 7);
        QVERIFY(opened.isFinished());
    }

    void pipelinedRepliesInOrder()
    {
        auto conn = connect();
        QList<QFuture<ResultSet>> futures;
        for (int i = 0; i < 200; ++i)
            futures.append(conn->query(QStringLiteral("SELECT %s"), {i}));
        for (int i = 0; i < 200; ++i)
            QCOMPARE(AWAIT(futures[i]).rows().first().value(0).toInt(), i);
    }

    void continuationWithoutContextMayQueryAgain()
    {
        // A .then() without context runs inside QPromise::finish(): that must not be inside
        // the connection's readyRead, so starting the next query from it has to work.
        auto conn = connect();
        Connection *c = conn.get();
        QFuture<ResultSet> second = conn->query(QStringLiteral("SELECT 1"))
                .then([c](const ResultSet &) { return c->query(QStringLiteral("SELECT 2")); })
                .unwrap();
        QCOMPARE(AWAIT(second).rows().first().value(0).toInt(), 2);
    }

    void errorClasses()
    {
        auto conn = connect([](ConnectOptions &o) { o.autocommit = true; });
        AWAIT(conn->query(QStringLiteral("CREATE OR REPLACE TABLE t_err (id INT PRIMARY KEY, s VARCHAR(3) NOT NULL)")));
        AWAIT(conn->query(QStringLiteral("INSERT INTO t_err VALUES (1, 'a')")));
        EXPECT_ERROR(conn->query(QStringLiteral("INSERT INTO t_err VALUES (1, 'b')")), IntegrityError, 1062);
        EXPECT_ERROR(conn->query(QStringLiteral("INSERT INTO t_err VALUES (2, NULL)")), IntegrityError, 1048);
        EXPECT_ERROR(conn->query(QStringLiteral("SELEKT 1")), ProgrammingError, 1064);
        EXPECT_ERROR(conn->query(QStringLiteral("SELECT * FROM no_such_table")), ProgrammingError, 1146);
        EXPECT_ERROR(conn->query(QStringLiteral("SELECT no_such_column FROM t_err")), ProgrammingError, 1054);
        AWAIT(conn->query(QStringLiteral("SET SESSION sql_mode = 'STRICT_ALL_TABLES'")));
        EXPECT_ERROR(conn->query(QStringLiteral("INSERT INTO t_err VALUES (3, 'toolong')")), DataError, 1406);
        // The connection stays in step after every error.
        QCOMPARE(AWAIT(conn->query(QStringLiteral("SELECT COUNT(*) FROM t_err"))).rows().first().value(0).toInt(), 1);
        // Client-side: argument count, NaN.
        EXPECT_ERROR(conn->query(QStringLiteral("SELECT %s, %s"), {1}), ProgrammingError, 0);
        EXPECT_ERROR(conn->query(QStringLiteral("SELECT %s"), {1, 2}), ProgrammingError, 0);
        EXPECT_ERROR(conn->query(QStringLiteral("SELECT %s"), {qQNaN()}), DataError, 0);
        AWAIT(conn->query(QStringLiteral("DROP TABLE t_err")));
    }

    void typedErrorsReachOnFailed()
    {
        auto conn = connect();
        bool integrity = false, programming = false;
        QFuture<void> f = conn->query(QStringLiteral("SELECT * FROM no_such_table"))
                .then([](const ResultSet &) {})
                .onFailed([&](const IntegrityError &) { integrity = true; })
                .onFailed([&](const ProgrammingError &e) { programming = e.code() == 1146; });
        AWAIT(f);
        QVERIFY(!integrity);
        QVERIFY(programming);
    }

    void lostConnection()
    {
        auto conn = connect();
        auto admin = std::make_unique<Connection>(TestUtil::adminOptions());
        AWAIT(admin->open());
        QSignalSpy errors(conn.get(), &Connection::errorOccurred);
        QFuture<ResultSet> sleeping = conn->query(QStringLiteral("SELECT SLEEP(5)"));
        QTest::qWait(100);
        AWAIT(admin->query(QStringLiteral("KILL CONNECTION %s"), {conn->threadId()}));
        auto err = TestUtil::errorOf(sleeping, 5000);
        QVERIFY(err);
        // The server sends ERR 1927 (connection killed) and closes, or just closes (2013).
        QVERIFY2(dynamic_cast<OperationalError *>(err.get()), qPrintable(err->toString()));
        QTRY_VERIFY(conn->isClosed());
        EXPECT_ERROR(conn->query(QStringLiteral("SELECT 1")), OperationalError, 2006);
        // ping(reconnect) brings it back.
        AWAIT(conn->ping(true));
        QCOMPARE(AWAIT(conn->query(QStringLiteral("SELECT 5"))).rows().first().value(0).toInt(), 5);
    }

    void pingWithoutReconnect()
    {
        Connection conn(TestUtil::options());
        EXPECT_ERROR(conn.ping(false), InterfaceError, 0);
        AWAIT(conn.ping(true));
        QVERIFY(!conn.isClosed());
        AWAIT(conn.ping(false));
    }

    void transactions()
    {
        auto conn = connect();
        auto other = connect([](ConnectOptions &o) { o.autocommit = true; });
        AWAIT(other->query(QStringLiteral("CREATE OR REPLACE TABLE t_tx (id INT PRIMARY KEY) ENGINE=InnoDB")));
        auto countOther = [&] {
            return AWAIT(other->query(QStringLiteral("SELECT COUNT(*) FROM t_tx"))).rows().first().value(0).toInt();
        };
        AWAIT(conn->begin());
        AWAIT(conn->query(QStringLiteral("INSERT INTO t_tx VALUES (1)")));
        QVERIFY(conn->inTransaction());
        QCOMPARE(countOther(), 0);
        AWAIT(conn->rollback());
        QVERIFY(!conn->inTransaction());
        QCOMPARE(countOther(), 0);
        AWAIT(conn->query(QStringLiteral("INSERT INTO t_tx VALUES (2)")));
        QCOMPARE(countOther(), 0); // autocommit off: not visible yet
        AWAIT(conn->commit());
        QCOMPARE(countOther(), 1);
        AWAIT(conn->setAutocommit(true));
        QVERIFY(conn->autocommit());
        AWAIT(conn->query(QStringLiteral("INSERT INTO t_tx VALUES (3)")));
        QCOMPARE(countOther(), 2);
        QCOMPARE(conn->insertId(), quint64(0));
        AWAIT(other->query(QStringLiteral("DROP TABLE t_tx")));
    }

    void sessionCommands()
    {
        auto conn = connect([](ConnectOptions &o) {
            o.sqlMode = QStringLiteral("ANSI_QUOTES");
            o.initCommand = QStringLiteral("SET @init_ran = 'yes'");
        });
        const Row r = AWAIT(conn->query(QStringLiteral("SELECT @@SESSION.sql_mode, @init_ran"))).rows().first();
        QCOMPARE(r.value(0).toString(), QStringLiteral("ANSI_QUOTES"));
        QCOMPARE(r.value(1).toString(), QStringLiteral("yes"));

        AWAIT(conn->selectDb(QStringLiteral("information_schema")));
        QCOMPARE(conn->database(), QStringLiteral("information_schema"));
        QCOMPARE(AWAIT(conn->query(QStringLiteral("SELECT DATABASE()"))).rows().first().value(0).toString(),
                 QStringLiteral("information_schema"));
        // No grant on it: access denied (1044) is an OperationalError, as in PyMySQL.
        EXPECT_ERROR(conn->selectDb(QStringLiteral("no_such_db")), OperationalError, 1044);

        AWAIT(conn->setCharset(QStringLiteral("latin1")));
        QCOMPARE(conn->charset(), QStringLiteral("latin1"));
        QCOMPARE(AWAIT(conn->query(QStringLiteral("SELECT %s"), {QStringLiteral("caf\u00e9")})).rows().first().value(0).toString(),
                 QStringLiteral("caf\u00e9"));
        EXPECT_ERROR(conn->setCharset(QStringLiteral("klingon")), NotSupportedError, 0);

        AWAIT(conn->query(QStringLiteral("SELECT CAST('abc' AS INT)")));
        const QList<Warning> warnings = AWAIT(conn->showWarnings());
        QCOMPARE(warnings.size(), 1);
        QCOMPARE(warnings.first().level(), QStringLiteral("Warning"));
        QCOMPARE(warnings.first().code(), quint16(1292));
    }

    void echoLogsStatements()
    {
        auto conn = connect([](ConnectOptions &o) { o.echo = true; });
        QSignalSpy logged(conn.get(), &Connection::queryLogged);
        AWAIT(conn->query(QStringLiteral("SELECT %s"), {QStringLiteral("it's")}));
        QCOMPARE(logged.count(), 1);
        QCOMPARE(logged.first().first().toString(), QStringLiteral("SELECT 'it\\'s'"));
    }

    void escapingFollowsNoBackslashEscapes()
    {
        auto conn = connect();
        const QString tricky = QString::fromUtf8("a'b\\c\"d\ne\0f", 11);
        QCOMPARE(conn->escapeString(QStringLiteral("a'b\\")), QStringLiteral("a\\'b\\\\"));
        QCOMPARE(AWAIT(conn->query(QStringLiteral("SELECT %s"), {tricky})).rows().first().value(0).toString(), tricky);
        AWAIT(conn->query(QStringLiteral("SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'")));
        QCOMPARE(conn->escapeString(QStringLiteral("a'b\\")), QStringLiteral("a''b\\"));
        QCOMPARE(conn->escape(QStringLiteral("x'y")), QStringLiteral("'x''y'"));
        QCOMPARE(AWAIT(conn->query(QStringLiteral("SELECT %s"), {tricky})).rows().first().value(0).toString(), tricky);
    }

    void multiResultsAreDrained()
    {
        auto conn = connect([](ConnectOptions &o) { o.autocommit = true; });
        AWAIT(conn->query(QStringLiteral("CREATE OR REPLACE PROCEDURE p_two() BEGIN SELECT 1 AS a; SELECT 2 AS b, 3 AS c; END")));
        Cursor *cur = conn->cursor();
        QCOMPARE(AWAIT(cur->execute(QStringLiteral("CALL p_two()"))), qint64(1));
        QCOMPARE(AWAIT(cur->fetchAll()).first().value(0).toInt(), 1);
        QVERIFY(AWAIT(cur->nextSet()));
        QCOMPARE(cur->description().size(), 2);
        QCOMPARE(AWAIT(cur->fetchOne())->value(QStringLiteral("c")).toInt(), 3);
        QVERIFY(AWAIT(cur->nextSet())); // the CALL's own OK
        QVERIFY(cur->description().isEmpty());
        QVERIFY(!AWAIT(cur->nextSet()));
        // The connection is in step afterwards.
        QCOMPARE(AWAIT(conn->query(QStringLiteral("SELECT 9"))).rows().first().value(0).toInt(), 9);
        AWAIT(conn->query(QStringLiteral("DROP PROCEDURE p_two")));
    }

    void multiStatementsWithError()
    {
        auto conn = connect([](ConnectOptions &o) { o.clientFlag = 1u << 16; }); // CLIENT_MULTI_STATEMENTS
        Cursor *cur = conn->cursor();
        QCOMPARE(AWAIT(cur->execute(QStringLiteral("SELECT 1; SELECT * FROM no_such_table; SELECT 3"))), qint64(1));
        QCOMPARE(AWAIT(cur->fetchOne())->value(0).toInt(), 1);
        EXPECT_ERROR(cur->nextSet(), ProgrammingError, 1146);
        QCOMPARE(AWAIT(conn->query(QStringLiteral("SELECT 4"))).rows().first().value(0).toInt(), 4);
    }

    void unixSocket()
    {
        const QString socket = qEnvironmentVariable("ASYNCMYSQL_TEST_SOCKET");
        QVERIFY(!socket.isEmpty());
        auto conn = connect([&](ConnectOptions &o) { o.unixSocket = socket; });
        QCOMPARE(AWAIT(conn->query(QStringLiteral("SELECT 11"))).rows().first().value(0).toInt(), 11);
    }

    void tlsPreferredEncrypts()
    {
        auto conn = connect([](ConnectOptions &o) { o.ssl.mode = SslOptions::Mode::Preferred; });
        const Row r = AWAIT(conn->query(QStringLiteral("SHOW SESSION STATUS LIKE 'Ssl_cipher'"))).rows().first();
        QVERIFY2(!r.value(1).toString().isEmpty(), "TLS was not negotiated");
        auto plain = connect([](ConnectOptions &o) { o.ssl.mode = SslOptions::Mode::Disabled; });
        const Row p = AWAIT(plain->query(QStringLiteral("SHOW SESSION STATUS LIKE 'Ssl_cipher'"))).rows().first();
        QVERIFY(p.value(1).toString().isEmpty());
    }

    void optionFile()
    {
        // Everything but the file name comes from my.cnf; [client] first, then the named group.
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("my.cnf"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QStringLiteral("[client]\nhost = 127.0.0.1\nport = %1\nuser = nobody\npassword = \"%2\"\n"
                               "[asyncmysql]\nuser = %3\ndatabase = %4\ndefault-character-set = latin1\n")
                        .arg(qEnvironmentVariable("ASYNCMYSQL_TEST_PORT"),
                             qEnvironmentVariable("ASYNCMYSQL_TEST_PASSWORD"),
                             qEnvironmentVariable("ASYNCMYSQL_TEST_USER"),
                             qEnvironmentVariable("ASYNCMYSQL_TEST_DB"))
                        .toUtf8());
        f.close();
        ConnectOptions o;
        o.readDefaultFile = path;
        o.readDefaultGroup = QStringLiteral("asyncmysql");
        Connection conn(o);
        AWAIT(conn.open());
        QCOMPARE(conn.database(), qEnvironmentVariable("ASYNCMYSQL_TEST_DB"));
        QCOMPARE(conn.charset(), QStringLiteral("latin1"));
        const Row r = AWAIT(conn.query(QStringLiteral("SELECT DATABASE(), @@character_set_client"))).rows().value(0);
        QCOMPARE(r.value(0).toString(), qEnvironmentVariable("ASYNCMYSQL_TEST_DB"));
        QCOMPARE(r.value(1).toString(), QStringLiteral("latin1"));

        // An explicit option wins over the file.
        o.user = QStringLiteral("nobody-else");
        Connection explicitUser(o);
        EXPECT_ERROR(explicitUser.open(), OperationalError, 1045);
    }

    void fromUrl()
    {
        const ConnectOptions o = ConnectOptions::fromUrl(QUrl(QStringLiteral(
                "mysql://us%40er:p%3Ass@db.example:3307/shop?ssl-mode=verify-identity&ssl-ca=/ca.pem"
                "&charset=latin1&connect-timeout=2.5&autocommit=true")));
        QCOMPARE(o.user, QStringLiteral("us@er"));
        QCOMPARE(o.password, QStringLiteral("p:ss"));
        QCOMPARE(o.host, QStringLiteral("db.example"));
        QCOMPARE(o.port, quint16(3307));
        QCOMPARE(o.database, QStringLiteral("shop"));
        QCOMPARE(o.ssl.mode, SslOptions::Mode::VerifyIdentity);
        QCOMPARE(o.ssl.ca, QStringLiteral("/ca.pem"));
        QCOMPARE(o.charset, QStringLiteral("latin1"));
        QCOMPARE(o.connectTimeout, std::chrono::milliseconds(2500));
        QCOMPARE(o.autocommit, std::optional<bool>(true));
        const ConnectOptions more = ConnectOptions::fromUrl(QUrl(QStringLiteral(
                "mysql://h/db?local-infile=1&local-infile-directory=/srv/in&query-timeout=1.5&compression=zlib")));
        QVERIFY(more.localInfile);
        QCOMPARE(more.localInfileDirectory, QStringLiteral("/srv/in"));
        QCOMPARE(more.queryTimeout, std::chrono::milliseconds(1500));
        QCOMPARE(more.compression, ConnectOptions::Compression::Zlib);
    }
};

QTEST_GUILESS_MAIN(tst_Connection)
#include "tst_connection.moc"
