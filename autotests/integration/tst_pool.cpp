// SPDX-License-Identifier: MIT
// Pool against the real MariaDB: sizes, FIFO waiters, timeouts, cancellation, what a release
// cleans up, dead and old connections, closing, and a load run that must leave nothing behind.
#include "testutil.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QPointer>
#include <QtCore/QRandomGenerator>
#include <QtCore/QRegularExpression>
#include <QtCore/QThread>
#include <QtTest/QSignalSpy>

#include <atomic>

using namespace AsyncMySql;

class tst_Pool : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Connection> m_admin;

    static PoolOptions poolOptions(int minSize, int maxSize)
    {
        PoolOptions o;
        o.connection = TestUtil::options();
        o.minSize = minSize;
        o.maxSize = maxSize;
        return o;
    }

    static std::unique_ptr<Pool> createPool(const PoolOptions &o)
    {
        return std::unique_ptr<Pool>(AWAIT(Pool::create(o)));
    }

    static void closePool(Pool &pool)
    {
        pool.close();
        AWAIT(pool.waitClosed());
    }

    qint64 scalar(const QString &sql, const QVariantList &args = {})
    {
        return AWAIT(m_admin->query(sql, args)).rows().first().value(0).toLongLong();
    }

    //! Sessions of the test user on the server: the pool's connections (the admin is another user).
    qint64 sessions()
    {
        return scalar(QStringLiteral("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = %s"),
                      {TestUtil::options().user});
    }

    //! Connections that ended without COM_QUIT, since the server started.
    qint64 abortedClients()
    {
        return AWAIT(m_admin->query(QStringLiteral("SHOW GLOBAL STATUS LIKE 'Aborted_clients'")))
                .rows().first().value(1).toLongLong();
    }

    qint64 connectionsMade()
    {
        return AWAIT(m_admin->query(QStringLiteral("SHOW GLOBAL STATUS LIKE 'Connections'")))
                .rows().first().value(1).toLongLong();
    }

    static qint64 value(Connection *c, const QString &sql)
    {
        return AWAIT(c->query(sql)).rows().first().value(0).toLongLong();
    }

    //! KILLs session \a id from another thread while this one's event loop stands still, so
    //! nothing here can notice before the next call.
    static void killBehindTheEventLoop(quint32 id)
    {
        std::atomic<bool> killed{false};
        std::unique_ptr<QThread> thread(QThread::create([id, &killed] {
            Connection admin(TestUtil::adminOptions());
            AWAIT(admin.open());
            AWAIT(admin.query(QStringLiteral("KILL CONNECTION %s"), {id}));
            killed = true;
            AWAIT(admin.ensureClosed());
        }));
        thread->start();
        QVERIFY(thread->wait(15000));
        QVERIFY(killed);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(TestUtil::haveServer(), "run through scripts/test.sh (it starts the server)");
        m_admin = std::make_unique<Connection>(TestUtil::adminOptions());
        AWAIT(m_admin->open());
        AWAIT(m_admin->query(QStringLiteral("CREATE OR REPLACE TABLE %1.pool_rows (id INT PRIMARY KEY) ENGINE=InnoDB")
                                     .arg(TestUtil::options().database)));
        // Sessions of earlier test programs may take a moment to end on the server.
        QTRY_COMPARE_WITH_TIMEOUT(sessions(), qint64(0), 10000);
    }

    void cleanup()
    {
        // Every test closes its pool: no session of the test user may be left behind.
        QTRY_COMPARE_WITH_TIMEOUT(sessions(), qint64(0), 5000);
    }

    void createOpensMinSize()
    {
        auto pool = createPool(poolOptions(3, 5));
        QCOMPARE(pool->minSize(), 3);
        QCOMPARE(pool->maxSize(), 5);
        QCOMPARE(pool->size(), 3);
        QCOMPARE(pool->freeSize(), 3);
        QCOMPARE(pool->waiterCount(), 0);
        QVERIFY(!pool->isClosed());
        QCOMPARE(sessions(), 3);
        closePool(*pool);
        QCOMPARE(pool->size(), 0);
        QVERIFY(pool->isClosed());
    }

    void invalidOptions()
    {
        EXPECT_ERROR(Pool::create(poolOptions(3, 2)), ProgrammingError, 0);
        EXPECT_ERROR(Pool::create(poolOptions(-1, 2)), ProgrammingError, 0);
        EXPECT_ERROR(Pool::create(poolOptions(0, -1)), ProgrammingError, 0);
        QTest::ignoreMessage(QtWarningMsg, "PoolOptions::minSize (3) must not exceed maxSize (2)");
        Pool pool(poolOptions(3, 2));
        EXPECT_ERROR(pool.acquire(), ProgrammingError, 0);
        QCOMPARE(pool.size(), 0);
    }

    void openFailureReachesTheWaiter()
    {
        PoolOptions o = poolOptions(1, 2);
        o.connection.password = QStringLiteral("not-the-password");
        EXPECT_ERROR(Pool::create(o), OperationalError, 1045);

        o.minSize = 0;
        Pool pool(o);
        QElapsedTimer timer;
        timer.start();
        // The server's answer, not a timeout after acquireTimeout (30 s).
        EXPECT_ERROR(pool.acquire(), OperationalError, 1045);
        QVERIFY(timer.elapsed() < 10000);
        QCOMPARE(pool.size(), 0);
        QCOMPARE(pool.waiterCount(), 0);
    }

    void opensUpToMaxSize()
    {
        auto pool = createPool(poolOptions(1, 3));
        PooledConnection a = AWAIT(pool->acquire());
        QCOMPARE(pool->size(), 1);
        QCOMPARE(pool->freeSize(), 0);
        PooledConnection b = AWAIT(pool->acquire());
        PooledConnection c = AWAIT(pool->acquire());
        QCOMPARE(pool->size(), 3);
        QVERIFY(a && b && c);
        QCOMPARE(QSet<quint32>({a->threadId(), b->threadId(), c->threadId()}).size(), 3);
        QCOMPARE(value(b.get(), QStringLiteral("SELECT 7")), 7);

        QFuture<PooledConnection> fourth = pool->acquire();
        QTest::qWait(100);
        QVERIFY(!fourth.isFinished());
        QCOMPARE(pool->size(), 3);
        QCOMPARE(sessions(), 3);
        QCOMPARE(pool->waiterCount(), 1);
        const quint32 bThread = b->threadId();
        b = PooledConnection(); // the last copy gives it back
        PooledConnection d = AWAIT(fourth);
        QCOMPARE(d->threadId(), bThread);
        // After the lease, the kept future's result is a null handle, not a second lease.
        d.release();
        QVERIFY(fourth.result().isNull());
        a.release();
        c.release();
        closePool(*pool);
    }

    void waitersAreServedInOrder()
    {
        // A pool of 2 and 3 acquirers: the third waits and gets the first connection released.
        auto pool = createPool(poolOptions(0, 2));
        PooledConnection first = AWAIT(pool->acquire());
        PooledConnection second = AWAIT(pool->acquire());
        QFuture<PooledConnection> third = pool->acquire();
        QFuture<PooledConnection> fourth = pool->acquire();
        QTRY_COMPARE(pool->waiterCount(), 2);
        QVERIFY(!third.isFinished());

        const quint32 secondThread = second->threadId();
        second.release();
        QVERIFY(!second);
        PooledConnection gotThird = AWAIT(third);
        QCOMPARE(gotThird->threadId(), secondThread);
        QTest::qWait(50);
        QVERIFY(!fourth.isFinished());
        QCOMPARE(pool->waiterCount(), 1);

        const quint32 firstThread = first->threadId();
        first.release();
        PooledConnection gotFourth = AWAIT(fourth);
        QCOMPARE(gotFourth->threadId(), firstThread);
        QCOMPARE(pool->waiterCount(), 0);
        QCOMPARE(pool->size(), 2);
        gotThird.release();
        gotFourth.release();
        closePool(*pool);
    }

    void acquireTimeout()
    {
        PoolOptions o = poolOptions(1, 1);
        o.acquireTimeout = std::chrono::milliseconds(200);
        auto pool = createPool(o);
        PooledConnection held = AWAIT(pool->acquire());
        QElapsedTimer timer;
        timer.start();
        auto error = TestUtil::errorOf(pool->acquire());
        QVERIFY2(error, "the acquire did not fail");
        const qint64 elapsed = timer.elapsed();
        QVERIFY2(dynamic_cast<OperationalError *>(error.get()), qPrintable(error->toString()));
        QCOMPARE(error->sqlState(), QStringLiteral("HYT00"));
        QVERIFY2(error->message().contains(QLatin1String("200 ms")), qPrintable(error->message()));
        QVERIFY2(elapsed >= 190 && elapsed < 5000, qPrintable(QString::number(elapsed)));
        QCOMPARE(pool->waiterCount(), 0);
        QCOMPARE(pool->size(), 1);
        // The held connection is unaffected, and comes back as usual.
        QCOMPARE(value(held.get(), QStringLiteral("SELECT 3")), 3);
        const quint32 thread = held->threadId();
        held.release();
        QCOMPARE(AWAIT(pool->acquire())->threadId(), thread);
        closePool(*pool);
    }

    void cancelledWaiterTakesNothing()
    {
        PoolOptions o = poolOptions(1, 1);
        o.resetOnRelease = false; // a release then hands the connection over at once
        auto pool = createPool(o);
        PooledConnection held = AWAIT(pool->acquire());
        const quint32 thread = held->threadId();

        // Cancelled while waiting.
        QFuture<PooledConnection> waiting = pool->acquire();
        QTRY_COMPARE(pool->waiterCount(), 1);
        waiting.cancel();
        QTRY_COMPARE(pool->waiterCount(), 0);
        QTRY_VERIFY(waiting.isFinished());
        QVERIFY(waiting.isCanceled());
        held.release();
        QTRY_COMPARE(pool->freeSize(), 1);
        QCOMPARE(pool->size(), 1);

        // Cancelled after the pool chose it a connection, before the future finished.
        held = AWAIT(pool->acquire());
        QFuture<PooledConnection> racing = pool->acquire();
        QFuture<PooledConnection> next = pool->acquire();
        held.release();
        racing.cancel();
        PooledConnection gotNext = AWAIT(next);
        QCOMPARE(gotNext->threadId(), thread);
        QVERIFY(racing.isCanceled());
        QCOMPARE(pool->freeSize(), 0);
        gotNext.release();
        QTRY_COMPARE(pool->freeSize(), 1);
        QCOMPARE(pool->size(), 1);
        QCOMPARE(pool->waiterCount(), 0);
        closePool(*pool);
    }

    void keptFutureHoldsNoLease()
    {
        auto pool = createPool(poolOptions(1, 2));
        // The handle taken out of a kept future decides, not the future.
        QFuture<PooledConnection> kept = pool->acquire();
        quint32 thread = 0;
        {
            PooledConnection c = AWAIT(kept);
            thread = c->threadId();
            QCOMPARE(pool->freeSize(), 0);
        }
        QTRY_COMPARE(pool->freeSize(), 1);
        // Read again after its lease: null, while the connection is someone else's.
        PooledConnection other = AWAIT(pool->acquire());
        QCOMPARE(other->threadId(), thread);
        const PooledConnection late = kept.result();
        QVERIFY(late.isNull());
        QVERIFY(!late.get());
        QCOMPARE(pool->freeSize(), 0);
        other.release();
        QTRY_COMPARE(pool->freeSize(), 1);

        // Copies read while the lease is live share it.
        QFuture<PooledConnection> twice = pool->acquire();
        PooledConnection first = AWAIT(twice);
        PooledConnection second = twice.result();
        QCOMPARE(second.get(), first.get());
        first = PooledConnection();
        QCOMPARE(pool->freeSize(), 0);
        second = PooledConnection();
        QTRY_COMPARE(pool->freeSize(), 1);

        // A continuation's argument, and futures kept in a list given to whenAll.
        QFuture<PooledConnection> continued = pool->acquire();
        QCOMPARE(AWAIT(continued.then([](PooledConnection c) { return c->threadId(); })), thread);
        QTRY_COMPARE(pool->freeSize(), 1);
        QList<QFuture<PooledConnection>> futures{pool->acquire(), pool->acquire()};
        auto all = QtFuture::whenAll(futures.begin(), futures.end());
        const QList<QFuture<PooledConnection>> done = AWAIT(all);
        QCOMPARE(pool->size(), 2);
        QCOMPARE(pool->freeSize(), 0);
        {
            PooledConnection a = done.at(0).result();
            PooledConnection b = done.at(1).result();
            QVERIFY(a && b && a.get() != b.get());
        }
        QTRY_COMPARE(pool->freeSize(), 2);
        QVERIFY(futures.at(0).isFinished() && all.isFinished()); // all still alive
        closePool(*pool);
    }

    void untakenResultGoesBackWithTheFuture()
    {
        auto pool = createPool(poolOptions(1, 1));
        {
            QFuture<PooledConnection> f = pool->acquire();
            QTRY_VERIFY(f.isFinished());
            QCOMPARE(pool->freeSize(), 0);
            QFuture<PooledConnection> copy = f;
            f = {};
            QCOMPARE(pool->freeSize(), 0); // a copy of the future still has it
        }
        QTRY_COMPARE(pool->freeSize(), 1);
        // A future dropped at once: its connection comes back for the next caller.
        (void)pool->acquire();
        PooledConnection next = AWAIT(pool->acquire());
        QVERIFY(next);
        QCOMPARE(pool->size(), 1);
        next.release();
        closePool(*pool);
    }

    void releaseRollsBack_data()
    {
        QTest::addColumn<bool>("reset");
        QTest::newRow("reset") << true;
        QTest::newRow("no reset") << false;
    }

    void releaseRollsBack()
    {
        QFETCH(bool, reset);
        PoolOptions o = poolOptions(1, 1);
        o.resetOnRelease = reset;
        auto pool = createPool(o);
        const int id = reset ? 1 : 2;
        PooledConnection c = AWAIT(pool->acquire());
        const quint32 thread = c->threadId();
        AWAIT(c->begin());
        AWAIT(c->query(QStringLiteral("INSERT INTO pool_rows VALUES (%s)"), {id}));
        QVERIFY(c->inTransaction());
        c.release();

        c = AWAIT(pool->acquire());
        QCOMPARE(c->threadId(), thread); // the same session, rolled back rather than closed
        QVERIFY(!c->inTransaction());
        QCOMPARE(value(c.get(), QStringLiteral("SELECT COUNT(*) FROM pool_rows WHERE id = %1").arg(id)), 0);
        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM %1.pool_rows WHERE id = %2")
                                .arg(TestUtil::options().database).arg(id)), 0);
        c.release();
        closePool(*pool);
    }

    void releaseResetsTheSession()
    {
        PoolOptions o = poolOptions(1, 1);
        o.connection.initCommand = QStringLiteral("SET @init = 7");
        o.connection.sqlMode = QStringLiteral("ANSI_QUOTES");
        auto pool = createPool(o);
        PooledConnection c = AWAIT(pool->acquire());
        const quint32 thread = c->threadId();
        AWAIT(c->query(QStringLiteral("SET @x = 42, @init = 0, sql_mode = ''")));
        AWAIT(c->query(QStringLiteral("CREATE TEMPORARY TABLE pool_tmp (a INT)")));
        AWAIT(c->setCharset(QStringLiteral("latin1")));
        AWAIT(c->setAutocommit(true));
        AWAIT(c->selectDb(QStringLiteral("information_schema")));
        c->setEcho(true);
        c.release();

        c = AWAIT(pool->acquire());
        QCOMPARE(c->threadId(), thread); // reset, not reconnected
        const Row row = AWAIT(c->query(QStringLiteral(
                "SELECT @x, @init, @@character_set_client, @@autocommit, @@sql_mode, DATABASE()"))).rows().first();
        QVERIFY(row.value(0).isNull());
        QCOMPARE(row.value(1).toLongLong(), 7);             // init_command ran again
        QCOMPARE(row.value(2).toString(), QStringLiteral("utf8mb4"));
        QCOMPARE(row.value(3).toLongLong(), 0);             // the pool's autocommit
        QVERIFY2(row.value(4).toString().contains(QLatin1String("ANSI_QUOTES")), qPrintable(row.value(4).toString()));
        QCOMPARE(row.value(5).toString(), o.connection.database);
        QCOMPARE(c->charset(), QStringLiteral("utf8mb4"));
        QCOMPARE(c->database(), o.connection.database);
        QVERIFY(!c->autocommit());
        QVERIFY(!c->echo());
        EXPECT_ERROR(c->query(QStringLiteral("SELECT * FROM pool_tmp")), ProgrammingError, 1146);
        c.release();
        closePool(*pool);
    }

    void noResetKeepsTheSession()
    {
        // aiomysql's behaviour, on request.
        PoolOptions o = poolOptions(1, 1);
        o.resetOnRelease = false;
        auto pool = createPool(o);
        PooledConnection c = AWAIT(pool->acquire());
        AWAIT(c->query(QStringLiteral("SET @x = 42")));
        AWAIT(c->query(QStringLiteral("CREATE TEMPORARY TABLE pool_tmp (a INT)")));
        c.release();
        c = AWAIT(pool->acquire());
        QCOMPARE(value(c.get(), QStringLiteral("SELECT @x")), 42);
        QCOMPARE(value(c.get(), QStringLiteral("SELECT COUNT(*) FROM pool_tmp")), 0);
        c.release();
        closePool(*pool);
    }

    void cursorsBelongToTheLease()
    {
        auto pool = createPool(poolOptions(1, 1));
        PooledConnection c = AWAIT(pool->acquire());
        Connection *raw = c.get();
        Cursor *cursor = c->cursor();
        QPointer<Cursor> guard = cursor;
        AWAIT(cursor->execute(QStringLiteral("SELECT 1")));
        c.release();
        // Not deleted with the release (it used to be, a moment later): the handle owns it.
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
        QVERIFY(guard);
        QVERIFY(cursor->isClosed());
        QVERIFY(cursor->connection() != raw);
        QVERIFY(raw->findChildren<Cursor *>().isEmpty()); // nothing piles up on the connection
        // The next user's session is out of its reach.
        PooledConnection next = AWAIT(pool->acquire());
        QCOMPARE(next.get(), raw);
        for (auto error : {TestUtil::errorOf(cursor->execute(QStringLiteral("SELECT 2"))),
                           TestUtil::errorOf(cursor->fetchOne())}) {
            QVERIFY(error);
            QVERIFY2(dynamic_cast<InterfaceError *>(error.get()), qPrintable(error->toString()));
            QVERIFY2(error->message().contains(QLatin1String("released to its pool")), qPrintable(error->message()));
        }
        QCOMPARE(value(next.get(), QStringLiteral("SELECT 3")), 3);
        // The last copy of the handle takes its cursors with it.
        c = PooledConnection();
        QVERIFY(guard.isNull());
        next.release();
        closePool(*pool);
    }

    void callsThroughAReleasedHandleFail()
    {
        auto pool = createPool(poolOptions(1, 1));
        PooledConnection c = AWAIT(pool->acquire());
        const PooledConnection copy = c;
        c.release();
        QVERIFY(c.isNull());
        QVERIFY(copy.isNull());
        QVERIFY(!c.get());
        QTest::ignoreMessage(QtWarningMsg, "a call through a released or null PooledConnection: it fails with InterfaceError");
        auto error = TestUtil::errorOf(c->query(QStringLiteral("SELECT 1")));
        QVERIFY(error);
        QVERIFY2(dynamic_cast<InterfaceError *>(error.get()), qPrintable(error->toString()));
        QCOMPARE(error->message(), QStringLiteral("The connection was released to its pool"));
        // The stand-in never connects, not even to reconnect.
        EXPECT_ERROR(c->ping(true), InterfaceError, 0);
        EXPECT_ERROR(c->open(), InterfaceError, 0);
        EXPECT_ERROR(c->cursor()->execute(QStringLiteral("SELECT 1")), InterfaceError, 0);
        QVERIFY((*c).isClosed());
        QCOMPARE(pool->size(), 1);
        QTRY_COMPARE(pool->freeSize(), 1);
        QCOMPARE(sessions(), 1);

        // A null handle, and one whose pool is gone, fail the same way.
        PooledConnection null;
        QVERIFY(null.isNull());
        QTest::ignoreMessage(QtWarningMsg, "a call through a released or null PooledConnection: it fails with InterfaceError");
        error = TestUtil::errorOf(null->query(QStringLiteral("SELECT 1")));
        QVERIFY(error && dynamic_cast<InterfaceError *>(error.get()));
        QCOMPARE(error->message(), QStringLiteral("A null PooledConnection has no connection"));

        PooledConnection orphan = AWAIT(pool->acquire());
        pool.reset();
        QVERIFY(orphan.isNull());
        QTest::ignoreMessage(QtWarningMsg, "a call through a released or null PooledConnection: it fails with InterfaceError");
        EXPECT_ERROR(orphan->query(QStringLiteral("SELECT 1")), InterfaceError, 0);
    }

    void pendingCommandsOnReleaseDropTheConnection()
    {
        auto pool = createPool(poolOptions(1, 1));
        PooledConnection c = AWAIT(pool->acquire());
        QFuture<ResultSet> pending = c->query(QStringLiteral("SELECT 1"));
        QTest::ignoreMessage(QtWarningMsg, "a connection was released with 1 commands pending; closing it");
        c.release();
        auto error = TestUtil::errorOf(pending);
        QVERIFY(error);
        QVERIFY2(dynamic_cast<InterfaceError *>(error.get()), qPrintable(error->toString()));
        QVERIFY2(error->message().contains(QLatin1String("released")), qPrintable(error->message()));
        QCOMPARE(pool->size(), 0);
        // The next user gets a new, working connection.
        c = AWAIT(pool->acquire());
        QCOMPARE(value(c.get(), QStringLiteral("SELECT 2")), 2);
        QCOMPARE(pool->size(), 1);
        c.release();
        closePool(*pool);
    }

    void brokenConnectionIsDroppedOnRelease()
    {
        auto pool = createPool(poolOptions(1, 1));
        PooledConnection c = AWAIT(pool->acquire());
        const quint32 thread = c->threadId();
        AWAIT(m_admin->query(QStringLiteral("KILL CONNECTION %s"), {thread}));
        QTRY_VERIFY(c->isClosed());
        c.release();
        QCOMPARE(pool->size(), 0);
        c = AWAIT(pool->acquire());
        QVERIFY(c->threadId() != thread);
        QCOMPARE(value(c.get(), QStringLiteral("SELECT 4")), 4);
        c.release();
        closePool(*pool);
    }

    void killDuringResetIsCounted()
    {
        auto pool = createPool(poolOptions(1, 1));
        QCOMPARE(pool->counters().connectionsOpened, quint64(1));
        PooledConnection c = AWAIT(pool->acquire());
        const quint32 thread = c->threadId();
        killBehindTheEventLoop(thread);
        // The client has not noticed: the release starts the reset on a dead session.
        QCOMPARE(c->state(), Connection::State::Connected);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression("^cleaning up a released connection failed, closing it:"));
        c.release();
        QTRY_COMPARE(pool->counters().resetFailures, quint64(1));
        QCOMPARE(pool->size(), 0); // closed, never handed out
        QCOMPARE(pool->counters().connectionsClosed, quint64(1));
        c = AWAIT(pool->acquire());
        QVERIFY(c->threadId() != thread);
        QCOMPARE(value(c.get(), QStringLiteral("SELECT 8")), 8);
        const PoolCounters counters = pool->counters();
        QCOMPARE(counters.connectionsOpened, quint64(2));
        QCOMPARE(counters.connectionsFailed, quint64(0));
        QCOMPARE(counters.checkFailures, quint64(0));
        c.release();
        closePool(*pool);
        QCOMPARE(pool->counters().connectionsClosed, quint64(2));
    }

    void killedIdleConnectionIsDropped()
    {
        auto pool = createPool(poolOptions(1, 1));
        const quint32 thread = AWAIT(pool->acquire())->threadId(); // the handle goes at once
        QTRY_COMPARE(pool->freeSize(), 1);
        AWAIT(m_admin->query(QStringLiteral("KILL CONNECTION %s"), {thread}));
        // The pool sees the free connection close and forgets it...
        QTRY_COMPARE(pool->size(), 0);
        // ...and the next acquire opens a new one.
        PooledConnection c = AWAIT(pool->acquire());
        QVERIFY(c->threadId() != thread);
        QCOMPARE(value(c.get(), QStringLiteral("SELECT 5")), 5);
        QCOMPARE(pool->size(), 1);
        c.release();
        closePool(*pool);
    }

    void deadIdleConnectionIsFoundByPing()
    {
        PoolOptions o = poolOptions(1, 1);
        o.pingAfterIdle = std::chrono::milliseconds(0);
        auto pool = createPool(o);
        PooledConnection c = AWAIT(pool->acquire());
        Connection *raw = c.get();
        const quint32 thread = c->threadId();
        c.release();
        QTRY_COMPARE(pool->freeSize(), 1);

        killBehindTheEventLoop(thread);
        // Nothing told the pool: only the ping before the handout can find out.
        QCOMPARE(pool->freeSize(), 1);
        QCOMPARE(raw->state(), Connection::State::Connected);
        c = AWAIT(pool->acquire());
        QVERIFY(c->threadId() != thread);
        QCOMPARE(value(c.get(), QStringLiteral("SELECT 6")), 6);
        QCOMPARE(pool->size(), 1);
        c.release();
        closePool(*pool);
    }

    void oneCheckPerWaiter()
    {
        PoolOptions o = poolOptions(3, 3);
        o.pingAfterIdle = std::chrono::milliseconds(0);
        auto pool = createPool(o);
        QFuture<PooledConnection> acquired = pool->acquire();
        QCOMPARE(pool->freeSize(), 2); // the other idle connections are not pinged for it
        AWAIT(acquired).release();
        acquired = {};
        QTRY_COMPARE(pool->freeSize(), 3);
        closePool(*pool);
    }

    void connectionResetConnection()
    {
        // The Connection call the pool's reset is built on, on its own.
        ConnectOptions o = TestUtil::options();
        o.initCommand = QStringLiteral("SET @init = 3");
        Connection conn(o);
        AWAIT(conn.open());
        AWAIT(conn.query(QStringLiteral("SET @x = 1, @init = 0")));
        AWAIT(conn.begin());
        AWAIT(conn.query(QStringLiteral("INSERT INTO pool_rows VALUES (3)")));
        QVERIFY(conn.inTransaction());
        const QFuture<void> reset = conn.resetConnection();
        // At once, before the replies arrive (a pool hands the connection out then): what they will say.
        QVERIFY(!conn.inTransaction());
        QVERIFY(!conn.autocommit());
        AWAIT(reset);
        QVERIFY(!conn.inTransaction());
        QVERIFY(!conn.autocommit());
        const Row row = AWAIT(conn.query(QStringLiteral("SELECT @x, @init, CONNECTION_ID(), @@autocommit"))).rows().first();
        QVERIFY(row.value(0).isNull());
        QCOMPARE(row.value(1).toLongLong(), 3);
        QCOMPARE(row.value(2).toULongLong(), quint64(conn.threadId())); // the same session
        QCOMPARE(row.value(3).toLongLong(), 0);
        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM %1.pool_rows WHERE id = 3").arg(o.database)), 0);
        AWAIT(conn.ensureClosed());
        EXPECT_ERROR(conn.resetConnection(), InterfaceError, 0);
    }

    void poolRecycle()
    {
        PoolOptions o = poolOptions(1, 1);
        o.poolRecycle = std::chrono::seconds(1);
        auto pool = createPool(o);
        const qint64 aborted = abortedClients();
        const quint32 first = AWAIT(pool->acquire())->threadId();
        QCOMPARE(AWAIT(pool->acquire())->threadId(), first); // young: reused
        QTest::qWait(1100);
        PooledConnection c = AWAIT(pool->acquire());
        QVERIFY(c->threadId() != first);
        QCOMPARE(pool->size(), 1);
        QTRY_COMPARE(sessions(), 1);
        c.release();
        closePool(*pool);
        QTRY_COMPARE(sessions(), 0);
        QCOMPARE(abortedClients(), aborted); // closed with COM_QUIT
    }

    void clearClosesFreeConnections()
    {
        auto pool = createPool(poolOptions(2, 4));
        PooledConnection held = AWAIT(pool->acquire());
        PooledConnection other = AWAIT(pool->acquire());
        other.release();
        QTRY_COMPARE(pool->freeSize(), 1);
        AWAIT(pool->clear());
        QCOMPARE(pool->freeSize(), 0);
        QCOMPARE(pool->size(), 1);
        QTRY_COMPARE(sessions(), 1);
        QCOMPARE(value(held.get(), QStringLiteral("SELECT 8")), 8);
        held.release();
        QTRY_COMPARE(pool->freeSize(), 1);
        closePool(*pool);
    }

    void closeWaitsForLentConnections()
    {
        auto pool = createPool(poolOptions(2, 2));
        const qint64 aborted = abortedClients();
        QSignalSpy closedSpy(pool.get(), &Pool::closedChanged);
        EXPECT_ERROR(pool->waitClosed(), InterfaceError, 0);

        PooledConnection a = AWAIT(pool->acquire());
        PooledConnection b = AWAIT(pool->acquire());
        QFuture<PooledConnection> waiting = pool->acquire();
        QTRY_COMPARE(pool->waiterCount(), 1);
        pool->close();
        QVERIFY(pool->isClosed());
        EXPECT_ERROR(waiting, InterfaceError, 0);
        EXPECT_ERROR(pool->acquire(), InterfaceError, 0);
        QFuture<void> closed = pool->waitClosed();
        QTest::qWait(50);
        QVERIFY(!closed.isFinished());
        QCOMPARE(pool->size(), 2);
        // Lent connections keep working until they come back...
        QCOMPARE(value(a.get(), QStringLiteral("SELECT 9")), 9);
        // ...and are closed when they do.
        a.release();
        QTRY_COMPARE(pool->size(), 1);
        QTRY_COMPARE(sessions(), 1);
        QVERIFY(!closed.isFinished());
        b.release();
        AWAIT(closed);
        QCOMPARE(pool->size(), 0);
        QCOMPARE(closedSpy.count(), 1);
        QTRY_COMPARE(sessions(), 0);
        QCOMPARE(abortedClients(), aborted);
    }

    void terminateClosesLentConnections()
    {
        auto pool = createPool(poolOptions(1, 2));
        PooledConnection a = AWAIT(pool->acquire());
        PooledConnection b = AWAIT(pool->acquire());
        QFuture<PooledConnection> waiting = pool->acquire();
        QTRY_COMPARE(pool->waiterCount(), 1);
        Connection *rawA = a.get();
        pool->terminate();
        QVERIFY(pool->isClosed());
        QVERIFY(rawA->isClosed()); // now, not when it comes back
        QVERIFY(b->isClosed());
        EXPECT_ERROR(waiting, InterfaceError, 0);
        EXPECT_ERROR(a->query(QStringLiteral("SELECT 1")), InterfaceError, 0);
        AWAIT(pool->waitClosed());
        QCOMPARE(pool->size(), 0);
        QTRY_COMPARE(sessions(), 0);
        // The handles still hold valid objects; giving them back is harmless.
        a.release();
        b = PooledConnection();
        QCOMPARE(pool->size(), 0);
    }

    void destroyedPoolLeavesHandlesEmpty()
    {
        auto *pool = AWAIT(Pool::create(poolOptions(1, 1)));
        PooledConnection c = AWAIT(pool->acquire());
        QFuture<PooledConnection> waiting = pool->acquire();
        delete pool;
        EXPECT_ERROR(waiting, InterfaceError, 0);
        QVERIFY(!c.get());
        QVERIFY(!c.pool());
        c.release();
    }

    void manualReleaseAndStaleHandles()
    {
        PoolOptions o = poolOptions(1, 1);
        o.resetOnRelease = false;
        auto pool = createPool(o);

        // take(): the handle lets go, the connection stays lent until Pool::release().
        PooledConnection a = AWAIT(pool->acquire());
        Connection *raw = a.take();
        QVERIFY(raw);
        QVERIFY(!a);
        a = PooledConnection();
        QCOMPARE(pool->freeSize(), 0);
        pool->release(raw);
        QTRY_COMPARE(pool->freeSize(), 1);

        // Copies share the lease.
        PooledConnection b = AWAIT(pool->acquire());
        PooledConnection copy = b;
        b = PooledConnection();
        QCOMPARE(pool->freeSize(), 0);
        QCOMPARE(copy.get(), raw);
        PooledConnection another = copy;
        another.release();
        QVERIFY(!copy);
        QCOMPARE(pool->freeSize(), 1);

        // A handle of an earlier lease cannot give back the connection's next lease.
        PooledConnection stale = AWAIT(pool->acquire());
        pool->release(stale.get());
        PooledConnection current = AWAIT(pool->acquire());
        QCOMPARE(current.get(), raw);
        stale = PooledConnection();
        QCOMPARE(pool->freeSize(), 0);
        QCOMPARE(value(current.get(), QStringLiteral("SELECT 10")), 10);

        // Not ours: ignored with a warning.
        Connection foreign(TestUtil::options());
        QTest::ignoreMessage(QtWarningMsg, "release(): not a connection of this pool");
        pool->release(&foreign);
        current.release();
        closePool(*pool);
    }

    void acquireAgainFromAContinuation()
    {
        auto pool = createPool(poolOptions(1, 1));
        Pool *p = pool.get();
        // No context object: these run inside the pool's own fulfilment.
        QFuture<quint32> chain = pool->acquire()
                                         .then([p](PooledConnection c) {
                                             c.release();
                                             return p->acquire();
                                         })
                                         .unwrap()
                                         .then([](PooledConnection c) { return c->threadId(); });
        QVERIFY(AWAIT(chain) > 0);
        QTRY_COMPARE(pool->freeSize(), 1);
        closePool(*pool);
    }

    void echo()
    {
        PoolOptions o = poolOptions(1, 1);
        o.echo = true;
        auto pool = createPool(o);
        PooledConnection c = AWAIT(pool->acquire());
        QVERIFY(c->echo());
        QSignalSpy logged(c.get(), &Connection::queryLogged);
        AWAIT(c->query(QStringLiteral("SELECT 11")));
        QCOMPARE(logged.count(), 1);
        QCOMPARE(logged.first().first().toString(), QStringLiteral("SELECT 11"));
        c.release();
        closePool(*pool);
    }

    void signalsFollowTheSizes()
    {
        PoolOptions o = poolOptions(1, 1);
        o.resetOnRelease = false;
        Pool pool(o);
        QSignalSpy sizes(&pool, &Pool::sizeChanged);
        QSignalSpy frees(&pool, &Pool::freeSizeChanged);
        QSignalSpy waiters(&pool, &Pool::waiterCountChanged);
        QSignalSpy closed(&pool, &Pool::closedChanged);
        auto last = [](const QSignalSpy &spy) { return spy.isEmpty() ? -1 : spy.last().first().toInt(); };

        QTRY_COMPARE(last(frees), 1);
        QCOMPARE(last(sizes), 1);
        PooledConnection c = AWAIT(pool.acquire());
        QTRY_COMPARE(last(frees), 0);
        QFuture<PooledConnection> waiting = pool.acquire();
        QTRY_COMPARE(last(waiters), 1);
        c.release();
        c = AWAIT(waiting);
        QTRY_COMPARE(last(waiters), 0);
        c.release();
        QTRY_COMPARE(last(frees), 1);
        QCOMPARE(closed.count(), 0);
        pool.close();
        AWAIT(pool.waitClosed());
        QTRY_COMPARE(last(sizes), 0);
        QCOMPARE(last(frees), 0);
        QCOMPARE(closed.count(), 1);
        // One signal per change of value, not one per event.
        for (const QSignalSpy *spy : {&sizes, &frees, &waiters}) {
            for (qsizetype i = 1; i < spy->size(); ++i)
                QVERIFY(spy->at(i).first() != spy->at(i - 1).first());
        }
    }

    void randomSequencesKeepTheCountsExact()
    {
        // Random acquire / cancel / release / timeout sequences; after each step, once the
        // pool has settled, its counters and the server's process list must match what the
        // test holds. ASYNCMYSQL_POOL_SEED=<n> repeats a run.
        const QByteArray given = qgetenv("ASYNCMYSQL_POOL_SEED");
        const quint32 seed = given.isEmpty() ? QRandomGenerator::global()->generate() : given.toUInt();
        qInfo("randomSequencesKeepTheCountsExact: seed %u (ASYNCMYSQL_POOL_SEED=%u repeats it)", seed, seed);
        QRandomGenerator random(seed);
        constexpr int maxSize = 3;
        // At least this many steps, and on until timeouts and cancellations both happened a few times.
        constexpr int minSteps = 150, maxSteps = 600, eachAtLeast = 3;
        PoolOptions o = poolOptions(int(random.bounded(2)), maxSize);
        o.acquireTimeout = std::chrono::milliseconds(150);
        o.resetOnRelease = random.bounded(2) == 0;
        auto pool = createPool(o);
        int maxSizeSeen = pool->size();
        connect(pool.get(), &Pool::sizeChanged, this, [&maxSizeSeen](int size) { maxSizeSeen = std::max(maxSizeSeen, size); });

        QList<PooledConnection> held;
        QList<QFuture<PooledConnection>> waiting, kept; // kept: futures whose handle was taken and dropped
        int timeouts = 0, cancels = 0;
        QString trace, problem;
        auto note = [&](const char *what) { trace += QLatin1String(what) + u' '; };
        // Moves finished acquires into held (or counts their failure).
        auto harvest = [&] {
            for (qsizetype i = 0; i < waiting.size();) {
                const QFuture<PooledConnection> f = waiting.at(i);
                if (!f.isFinished()) {
                    ++i;
                    continue;
                }
                waiting.removeAt(i);
                if (f.resultCount() == 0) {
                    // Cancelled by the test, or failed (a failed future counts as cancelled too).
                    try {
                        QFuture<PooledConnection>(f).waitForFinished();
                    } catch (const Error &e) {
                        if (e.sqlState() != QLatin1String("HYT00"))
                            problem = e.toString();
                        ++timeouts;
                    }
                    continue;
                }
                const PooledConnection c = f.result();
                if (c.isNull())
                    problem = QStringLiteral("a fresh acquire gave a null handle");
                held.append(c);
                kept.append(f);
            }
        };
        auto settled = [&] {
            harvest();
            return pool->waiterCount() == waiting.size() && pool->size() == pool->freeSize() + held.size()
                    && (waiting.isEmpty() || pool->freeSize() == 0);
        };
        int step = 0;
        for (; step < maxSteps && (step < minSteps || timeouts < eachAtLeast || cancels < eachAtLeast); ++step) {
            switch (random.bounded(7)) {
            case 0:
            case 1:
            case 6: // more acquires than releases: the pool runs full, and callers wait
                note("acquire");
                waiting.append(pool->acquire());
                break;
            case 2:
                if (waiting.isEmpty())
                    break;
                note("cancel");
                waiting[random.bounded(int(waiting.size()))].cancel();
                ++cancels;
                break;
            case 3:
            case 4: {
                if (held.isEmpty())
                    break;
                const int i = int(random.bounded(int(held.size())));
                if (random.bounded(2)) {
                    note("release");
                    held[i].release();
                } else {
                    note("drop"); // the last copy the test took; the future still has its own
                }
                held.removeAt(i);
                break;
            }
            case 5:
                if (waiting.isEmpty())
                    break;
                note("wait"); // the oldest acquire ends: a connection, or acquireTimeout
                QTRY_VERIFY_WITH_TIMEOUT(waiting.first().isFinished(), 10000);
                break;
            }
            QTRY_VERIFY2_WITH_TIMEOUT(settled(), qPrintable(QStringLiteral("seed %1, step %2: %3; size %4 free %5 waiters %6 held %7")
                                                                   .arg(seed).arg(step).arg(trace).arg(pool->size())
                                                                   .arg(pool->freeSize()).arg(pool->waiterCount())
                                                                   .arg(held.size())),
                                      10000);
            QVERIFY2(problem.isEmpty(), qPrintable(problem));
            QVERIFY2(pool->size() <= maxSize && maxSizeSeen <= maxSize, qPrintable(QStringLiteral("seed %1").arg(seed)));
            QCOMPARE(pool->freeSize(), pool->size() - int(held.size()));
            const PoolCounters counters = pool->counters();
            QCOMPARE(qint64(counters.connectionsOpened - counters.connectionsClosed), qint64(pool->size()));
            // The server agrees: one session per pooled connection, those the test holds among them.
            QTRY_COMPARE_WITH_TIMEOUT(sessions(), qint64(pool->size()), 5000);
            QSet<quint32> threads;
            for (const Row &row : AWAIT(m_admin->query(QStringLiteral("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = %s"),
                                                         {TestUtil::options().user})).rows())
                threads.insert(row.value(0).toUInt());
            for (const PooledConnection &c : std::as_const(held))
                QVERIFY2(threads.contains(c->threadId()), qPrintable(QStringLiteral("seed %1").arg(seed)));
        }
        qInfo("randomSequencesKeepTheCountsExact: %d steps, %d timeouts, %d cancels, %d held at the end",
              step, timeouts, cancels, int(held.size()));
        QVERIFY2(timeouts >= eachAtLeast && cancels >= eachAtLeast, qPrintable(QStringLiteral("seed %1").arg(seed)));
        for (QFuture<PooledConnection> &f : waiting)
            f.cancel();
        held.clear();
        QTRY_COMPARE(pool->freeSize(), pool->size()); // the kept futures hold nothing
        QVERIFY(!kept.isEmpty());
        closePool(*pool);
    }

    void manyCyclesLeaveNothingBehind()
    {
        constexpr int cycles = 1000;
        constexpr int inFlightMax = 20;
        constexpr int maxSize = 5;
        const qint64 aborted = abortedClients();
        const qint64 connectionsBefore = connectionsMade();
        auto pool = createPool(poolOptions(2, maxSize));
        QSignalSpy sizes(pool.get(), &Pool::sizeChanged);

        QObject context;
        int started = 0, finished = 0, cancelled = 0, failed = 0, wrong = 0, maxSeen = 0;
        int inFlight = 0, maxInFlight = 0;
        QString firstError;
        std::function<void()> startOne;
        auto next = [&] {
            --inFlight;
            if (started < cycles)
                startOne();
        };
        startOne = [&] {
            const int n = started++;
            maxInFlight = std::max(maxInFlight, ++inFlight);
            QFuture<PooledConnection> acquired = pool->acquire();
            if (n % 10 == 3) {
                // Every tenth caller gives up at once: it must take nothing.
                acquired.cancel();
                ++cancelled;
                next();
                return;
            }
            acquired
                    .then(&context,
                          [&, n](PooledConnection c) {
                              maxSeen = std::max(maxSeen, pool->size());
                              if (n % 7 == 0) {
                                  // Left in a transaction: the release rolls it back. Pipelined
                                  // ahead of the SELECT below, which answers after them; their
                                  // futures are not needed (an unread error would be logged).
                                  (void)c->begin();
                                  (void)c->query(QStringLiteral("INSERT INTO pool_rows VALUES (%s)"), {1000 + n});
                              } else if (n % 7 == 1) {
                                  (void)c->query(QStringLiteral("SET @leak = %s"), {n});
                              }
                              // The continuation keeps a copy of the handle: the connection
                              // stays lent until the answer is in.
                              return c->query(QStringLiteral("SELECT %s, @leak"), {n}).then(&context, [c, n, &wrong](const ResultSet &rs) {
                                  const Row row = rs.rows().first();
                                  const bool leaked = !row.value(1).isNull() && row.value(1).toInt() != n;
                                  if (row.value(0).toInt() != n || leaked)
                                      ++wrong;
                              });
                          })
                    .unwrap()
                    .then(&context, [&] {
                        ++finished;
                        next();
                    })
                    .onFailed(&context, [&](const Error &e) {
                        if (firstError.isEmpty())
                            firstError = e.toString();
                        ++failed;
                        next();
                    });
        };
        for (int i = 0; i < inFlightMax; ++i)
            startOne();
        QTRY_COMPARE_WITH_TIMEOUT(finished + cancelled + failed, cycles, 120000);
        QVERIFY2(failed == 0, qPrintable(firstError));
        QCOMPARE(wrong, 0);
        QCOMPARE(cancelled, cycles / 10);
        QCOMPARE(maxInFlight, inFlightMax);
        QVERIFY2(maxSeen <= maxSize, qPrintable(QString::number(maxSeen)));
        for (const auto &args : std::as_const(sizes))
            QVERIFY(args.first().toInt() <= maxSize);
        QCOMPARE(pool->waiterCount(), 0);
        QTRY_COMPARE(pool->freeSize(), pool->size());
        QVERIFY(pool->size() <= maxSize);
        // Connections were reused, not reopened per cycle.
        QVERIFY2(connectionsMade() - connectionsBefore <= maxSize,
                 qPrintable(QString::number(connectionsMade() - connectionsBefore)));
        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM %1.pool_rows WHERE id >= 1000").arg(TestUtil::options().database)), 0);

        closePool(*pool);
        QCOMPARE(pool->size(), 0);
        QTRY_COMPARE(sessions(), 0);
        QCOMPARE(abortedClients(), aborted); // every connection said COM_QUIT
    }
};

QTEST_GUILESS_MAIN(tst_Pool)
#include "tst_pool.moc"
