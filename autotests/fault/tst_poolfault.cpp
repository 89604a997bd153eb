// SPDX-License-Identifier: MIT
// Pool against a scripted server: the exact reset a release sends, and servers that stop
// answering, which MariaDB never does on its own. A pool must not hang on them.
#include "fakeserver.h"
#include "../integration/testutil.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QRegularExpression>

using namespace AsyncMySql;
using Script = QList<FakeServer::Step>;

class tst_PoolFault : public QObject
{
    Q_OBJECT

    static PoolOptions optionsFor(const FakeServer &server)
    {
        PoolOptions o;
        o.connection.host = QStringLiteral("127.0.0.1");
        o.connection.port = server.port();
        o.connection.user = QStringLiteral("u");
        o.connection.password = QStringLiteral("p");
        o.connection.autocommit = true; // as the fake server reports: no setup statements
        // Also what a check or a reset gets to answer.
        o.connection.connectTimeout = std::chrono::milliseconds(300);
        // CMakeLists.txt runs the suite twice: over the QSslSocket (which a TLS upgrade needs),
        // and with TLS disabled, over the transport's unbuffered QTcpSocket.
        if (qEnvironmentVariable("ASYNCMYSQL_TEST_TLS") == u"disabled")
            o.connection.ssl.mode = SslOptions::Mode::Disabled;
        o.minSize = 1;
        o.maxSize = 1;
        o.pingAfterIdle = std::chrono::milliseconds(-1);
        return o;
    }

private Q_SLOTS:
    void resetOnTheWire()
    {
        // One round trip: COM_RESET_CONNECTION and the session setup, pipelined.
        FakeServer server(FakeServer::login()
                          + Script{FakeServer::expect(), FakeServer::expect(), FakeServer::expect(),
                                   FakeServer::send(1, FakeServer::ok()), FakeServer::send(1, FakeServer::ok()),
                                   FakeServer::send(1, FakeServer::ok())});
        std::unique_ptr<Pool> pool(AWAIT(Pool::create(optionsFor(server))));
        AWAIT(pool->acquire()).release();
        QCOMPARE(pool->freeSize(), 1); // at once: the reset is not waited for
        QTRY_COMPARE(server.received().size(), 4);
        QCOMPARE(server.received().at(1), QByteArray("\x1f"));
        QCOMPARE(server.received().at(2), QByteArray("\x03SET NAMES utf8mb4"));
        QCOMPARE(server.received().at(3), QByteArray("\x03SET AUTOCOMMIT = 1"));
        QCOMPARE(pool->size(), 1);
    }

    void nextCommandIsPipelinedBehindTheReset()
    {
        // A pooled lookup costs one round trip: the released connection is free at once, and
        // the next user's statement goes out before the reset has answered.
        FakeServer server(FakeServer::login()
                          + Script{FakeServer::expect(), FakeServer::expect(), FakeServer::expect(), // the reset
                                   FakeServer::expect(),                                             // DO 1, unanswered
                                   FakeServer::send(1, FakeServer::ok()), FakeServer::send(1, FakeServer::ok()),
                                   FakeServer::send(1, FakeServer::ok()), FakeServer::send(1, FakeServer::ok()),
                                   FakeServer::expect()});
        std::unique_ptr<Pool> pool(AWAIT(Pool::create(optionsFor(server))));
        PooledConnection c = AWAIT(pool->acquire());
        c.release();
        QCOMPARE(pool->freeSize(), 1); // counted as free while its reset is in flight
        c = AWAIT(pool->acquire());
        AWAIT(c->query(QStringLiteral("DO 1")));
        QCOMPARE(server.received().value(4), QByteArray("\x03" "DO 1"));
        QCOMPARE(pool->counters().resetFailures, quint64(0));
        QCOMPARE(pool->size(), 1);
    }

    void failedResetFailsWhatWasQueuedBehindIt()
    {
        // The reset fails (here: an error packet) after the connection was handed out behind
        // it: the next user's statement must not be taken as run in a clean session.
        FakeServer server(FakeServer::login()
                          + Script{FakeServer::expect(), FakeServer::expect(), FakeServer::expect(),
                                   FakeServer::expect(),
                                   FakeServer::send(1, FakeServer::err(1047, "08S01", "Unknown command")),
                                   FakeServer::send(1, FakeServer::ok()), FakeServer::send(1, FakeServer::ok()),
                                   FakeServer::expect()});
        std::unique_ptr<Pool> pool(AWAIT(Pool::create(optionsFor(server))));
        PooledConnection c = AWAIT(pool->acquire());
        c.release();
        c = AWAIT(pool->acquire());
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression("^cleaning up a released connection failed, closing it: Unknown command"));
        auto error = TestUtil::errorOf(c->query(QStringLiteral("DO 1")));
        QVERIFY(error);
        QCOMPARE(error->code(), 1047);
        QCOMPARE(pool->counters().resetFailures, quint64(1));
        QVERIFY(c->isClosed());
        c.release();
        QCOMPARE(pool->size(), 0);
    }

    void unansweredResetDropsTheConnection()
    {
        FakeServer server(FakeServer::login() + Script{FakeServer::expect()});
        std::unique_ptr<Pool> pool(AWAIT(Pool::create(optionsFor(server))));
        QTest::ignoreMessage(QtWarningMsg, "a pooled connection did not answer in time; closing it");
        AWAIT(pool->acquire()).release();
        QTRY_COMPARE_WITH_TIMEOUT(pool->size(), 0, 3000);
        QCOMPARE(server.received().value(1), QByteArray("\x1f"));
    }

    void unansweredPingDoesNotHangAcquire()
    {
        // The check before the handout gets no answer; the replacement cannot log in either
        // (the script has ended): the waiter learns so long before acquireTimeout.
        FakeServer server(FakeServer::login() + Script{FakeServer::expect()});
        PoolOptions o = optionsFor(server);
        o.pingAfterIdle = std::chrono::milliseconds(0);
        o.acquireTimeout = std::chrono::seconds(20);
        std::unique_ptr<Pool> pool(AWAIT(Pool::create(o)));
        QTest::ignoreMessage(QtWarningMsg, "a pooled connection did not answer in time; closing it");
        QElapsedTimer timer;
        timer.start();
        EXPECT_ERROR(pool->acquire(), OperationalError, 2003);
        QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
        QCOMPARE(server.received().value(1), QByteArray("\x0e")); // COM_PING
        QCOMPARE(pool->size(), 0);
        QCOMPARE(pool->waiterCount(), 0);
    }
};

QTEST_GUILESS_MAIN(tst_PoolFault)
#include "tst_poolfault.moc"
