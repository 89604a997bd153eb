// SPDX-License-Identifier: MIT
// Hostile and broken servers: every case ends in a typed error and a closed connection, never a
// crash, a hang, or a connection left out of step.
#include "fakeserver.h"
#include "../integration/testutil.h"

using namespace AsyncMySql;
using Script = QList<FakeServer::Step>;

class tst_Fault : public QObject
{
    Q_OBJECT

    static ConnectOptions optionsFor(const FakeServer &server)
    {
        ConnectOptions o;
        o.host = QStringLiteral("127.0.0.1");
        o.port = server.port();
        o.user = QStringLiteral("u");
        o.password = QStringLiteral("p");
        o.autocommit = true; // the fake server says autocommit is on: no setup statements
        o.connectTimeout = std::chrono::seconds(5);
        return o;
    }

    static Script afterLogin(const Script &rest) { return FakeServer::login() + rest; }

private Q_SLOTS:
    void loginAndQuery()
    {
        // The script itself is sound: a query with one row works and the client's packets are right.
        FakeServer server(afterLogin({FakeServer::expect(),
                                      FakeServer::send(1, QByteArray(1, '\x01')),
                                      FakeServer::send(2, FakeServer::column("c")),
                                      FakeServer::send(3, FakeServer::lenencString("hello")),
                                      FakeServer::send(4, FakeServer::eofOk())}));
        Connection conn(optionsFor(server));
        AWAIT(conn.open());
        QCOMPARE(conn.serverVersion(), QStringLiteral("8.0.36-fake"));
        QCOMPARE(conn.threadId(), quint32(7));
        const ResultSet rs = AWAIT(conn.query(QStringLiteral("SELECT c")));
        QCOMPARE(rs.rows().first().value(0).toString(), QStringLiteral("hello"));
        QCOMPARE(server.received().size(), 2);
        QVERIFY(server.received().at(0).contains(QByteArray("u\0", 2))); // the user name in the response
        QCOMPARE(server.received().at(1), QByteArray("\x03SELECT c"));
    }

    void garbageHandshake()
    {
        FakeServer server({FakeServer::send(0, QByteArray("\x0a\x01\x02")), FakeServer::expect()});
        Connection conn(optionsFor(server));
        EXPECT_ERROR(conn.open(), OperationalError, 2012);
        QVERIFY(conn.isClosed());
    }

    void errInsteadOfHandshake()
    {
        FakeServer server({FakeServer::send(0, QByteArray("\xff\x10\x04Too many connections", 23)), FakeServer::close()});
        Connection conn(optionsFor(server));
        EXPECT_ERROR(conn.open(), OperationalError, 1040);
    }

    void unknownAuthPlugin()
    {
        FakeServer server({FakeServer::send(0, FakeServer::handshake()), FakeServer::expect(),
                           FakeServer::send(2, QByteArray("\xfe" "dialog\0xyz", 11)), FakeServer::expect()});
        Connection conn(optionsFor(server));
        EXPECT_ERROR(conn.open(), NotSupportedError, 2059);
        QVERIFY(conn.isClosed());
    }

    void disconnectMidResult()
    {
        FakeServer server(afterLogin({FakeServer::expect(), FakeServer::send(1, QByteArray(1, '\x01')),
                                      FakeServer::send(2, FakeServer::column("c")),
                                      FakeServer::send(3, FakeServer::lenencString("row1")), FakeServer::close()}));
        Connection conn(optionsFor(server));
        AWAIT(conn.open());
        QFuture<ResultSet> first = conn.query(QStringLiteral("SELECT c"));
        QFuture<ResultSet> second = conn.query(QStringLiteral("SELECT 2"));
        EXPECT_ERROR(first, OperationalError, 2013);
        EXPECT_ERROR(second, OperationalError, 2013);
        QVERIFY(conn.isClosed());
        EXPECT_ERROR(conn.query(QStringLiteral("SELECT 3")), OperationalError, 2006);
    }

    void wrongSequenceId()
    {
        FakeServer server(afterLogin({FakeServer::expect(), FakeServer::send(5, FakeServer::ok())}));
        Connection conn(optionsFor(server));
        AWAIT(conn.open());
        EXPECT_ERROR(conn.query(QStringLiteral("DO 1")), InternalError, 2014);
        QVERIFY(conn.isClosed());
    }

    void malformedRow()
    {
        // The value claims 200 bytes; the packet has 3.
        FakeServer server(afterLogin({FakeServer::expect(), FakeServer::send(1, QByteArray(1, '\x01')),
                                      FakeServer::send(2, FakeServer::column("c")),
                                      FakeServer::send(3, QByteArray("\xc8" "abc", 4))}));
        Connection conn(optionsFor(server));
        AWAIT(conn.open());
        EXPECT_ERROR(conn.query(QStringLiteral("SELECT c")), InternalError, 2027);
        QVERIFY(conn.isClosed());
    }

    void hugeColumnCount()
    {
        FakeServer server(afterLogin({FakeServer::expect(), FakeServer::send(1, QByteArray("\xfd\xff\xff\xff", 4))}));
        Connection conn(optionsFor(server));
        AWAIT(conn.open());
        EXPECT_ERROR(conn.query(QStringLiteral("SELECT c")), InternalError, 2027);
    }

    void unsolicitedPacket()
    {
        FakeServer server(afterLogin({FakeServer::send(9, FakeServer::ok())}));
        Connection conn(optionsFor(server));
        QFuture<void> opened = conn.open();
        // Either the packet arrives with the login OK (open fails) or right after it.
        TestUtil::waitFor(opened);
        QTRY_VERIFY(conn.isClosed());
    }

    void localInfileNotRequested()
    {
        FakeServer server(afterLogin({FakeServer::expect(), FakeServer::send(1, QByteArray("\xfb/etc/passwd"))}));
        Connection conn(optionsFor(server));
        AWAIT(conn.open());
        EXPECT_ERROR(conn.query(QStringLiteral("SELECT 1")), InternalError, 2027);
        QVERIFY(conn.isClosed());
        QCOMPARE(server.received().size(), 2); // nothing of the file was sent
    }

    void truncatedLargePacket()
    {
        // Announces a 16 MiB - 1 packet, sends 10 bytes of it, then closes: no hang, no huge buffer.
        FakeServer server(afterLogin({FakeServer::expect(), FakeServer::raw(QByteArray("\xff\xff\xff\x01" "0123456789", 14)),
                                      FakeServer::close()}));
        Connection conn(optionsFor(server));
        AWAIT(conn.open());
        EXPECT_ERROR(conn.query(QStringLiteral("SELECT 1")), OperationalError, 2013);
    }
};

QTEST_GUILESS_MAIN(tst_Fault)
#include "tst_fault.moc"
