// SPDX-License-Identifier: MIT
// Object lifetimes against the real MariaDB: what deleting a Connection, a Pool or a Cursor
// does (aiomysql's `async with`), scoped transactions, and the warnings a user needs to hear.
#include "testutil.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QPointer>
#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtTest/QSignalSpy>

#include <cstdio>
#include <cstdlib>

using namespace AsyncMySql;

namespace {

//! Collects (instead of printing) the messages of the "asyncmysql.*" categories while it lives.
class LogCatcher
{
public:
    LogCatcher()
    {
        s_current = this;
        m_previous = qInstallMessageHandler(&LogCatcher::handler);
    }
    ~LogCatcher()
    {
        qInstallMessageHandler(m_previous);
        s_current = nullptr;
    }
    int count(QtMsgType type, const QString &part) const
    {
        int n = 0;
        for (const auto &[t, text] : m_messages)
            n += t == type && text.contains(part) ? 1 : 0;
        return n;
    }

private:
    static void handler(QtMsgType type, const QMessageLogContext &context, const QString &text)
    {
        // Caught, not printed: the test looks at them. Anything else goes on as usual.
        if (s_current && context.category && QByteArrayView(context.category).startsWith("asyncmysql"))
            s_current->m_messages.append({type, text});
        else if (s_current && s_current->m_previous)
            s_current->m_previous(type, context, text);
    }
    static inline LogCatcher *s_current = nullptr;
    QtMessageHandler m_previous = nullptr;
    QList<std::pair<QtMsgType, QString>> m_messages;
};

const QString TransactionWarning = QStringLiteral("with an open transaction");

} // namespace

class tst_Lifetime : public QObject
{
    Q_OBJECT

    std::unique_ptr<Connection> m_admin;
    std::unique_ptr<Connection> m_other; // a second session of the test user, for checks

    qint64 scalar(Connection *c, const QString &sql, const QVariantList &args = {})
    {
        return AWAIT(c->query(sql, args)).rows().value(0).value(0).toLongLong();
    }

    qint64 abortedClients()
    {
        return AWAIT(m_admin->query(QStringLiteral("SHOW GLOBAL STATUS LIKE 'Aborted_clients'")))
                .rows().first().value(1).toLongLong();
    }

    bool sessionExists(quint32 id)
    {
        return scalar(m_admin.get(), QStringLiteral("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = %s"), {id}) > 0;
    }

    qint64 rowsInT()
    {
        return scalar(m_other.get(), QStringLiteral("SELECT COUNT(*) FROM t_life"));
    }

    static ConnectOptions transactional()
    {
        ConnectOptions o = TestUtil::options();
        o.autocommit = false; // the default, said out loud: what BEGIN does not need
        return o;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(TestUtil::haveServer(), "run through scripts/test.sh (it starts the server)");
        m_admin = std::make_unique<Connection>(TestUtil::adminOptions());
        AWAIT(m_admin->open());
        m_other = TestUtil::openConnection();
        AWAIT(m_other->query(QStringLiteral("CREATE OR REPLACE TABLE t_life (id INT PRIMARY KEY) ENGINE=InnoDB")));
    }

    void init()
    {
        AWAIT(m_other->query(QStringLiteral("DELETE FROM t_life")));
    }

    void cleanupTestCase()
    {
        if (m_other)
            AWAIT(m_other->query(QStringLiteral("DROP TABLE IF EXISTS t_life")));
    }

    // --- deleting an open connection or pool says goodbye ---------------------------------------

    void deletedConnectionQuits_data()
    {
        QTest::addColumn<bool>("viaParent");
        QTest::addColumn<bool>("pending"); // a query still on its way
        QTest::addColumn<bool>("unixSocket");
        QTest::newRow("deleted") << false << false << false;
        QTest::newRow("parent deleted") << true << false << false;
        QTest::newRow("deleted with a query pending") << false << true << false;
        QTest::newRow("unix socket") << false << false << true;
    }

    void deletedConnectionQuits()
    {
        QFETCH(bool, viaParent);
        QFETCH(bool, pending);
        QFETCH(bool, unixSocket);
        const qint64 before = abortedClients();
        auto parent = std::make_unique<QObject>();
        ConnectOptions o = TestUtil::options();
        if (unixSocket)
            o.unixSocket = qEnvironmentVariable("ASYNCMYSQL_TEST_SOCKET");
        auto *conn = new Connection(o, parent.get());
        AWAIT(conn->open());
        const quint32 id = conn->threadId();
        QVERIFY(sessionExists(id));
        QFuture<ResultSet> f;
        if (pending)
            f = conn->query(QStringLiteral("SELECT SLEEP(0.2)"));
        if (viaParent)
            parent.reset();
        else
            delete conn;
        if (pending)
            QVERIFY(TestUtil::errorOf(f)); // finished, with an error
        QTRY_VERIFY_WITH_TIMEOUT(!sessionExists(id), 10000);
        QCOMPARE(abortedClients(), before);
    }

    void deletedPoolQuits()
    {
        const qint64 before = abortedClients();
        PoolOptions o;
        o.connection = TestUtil::options();
        o.minSize = 3;
        o.maxSize = 3;
        std::unique_ptr<Pool> pool(AWAIT(Pool::create(o)));
        PooledConnection lent = AWAIT(pool->acquire());
        const quint32 lentId = lent->threadId();
        QCOMPARE(scalar(lent.get(), QStringLiteral("SELECT 5")), qint64(5));
        QTRY_COMPARE(pool->size(), 3);
        const qint64 sessions = scalar(m_admin.get(), QStringLiteral("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = %s"),
                                       {TestUtil::options().user});
        QVERIFY(sessionExists(lentId));
        pool.reset(); // free and lent connections alike, without close() and waitClosed()
        QVERIFY(!lent.get());
        // Only m_other is left of the test user's sessions.
        QTRY_VERIFY_WITH_TIMEOUT(scalar(m_admin.get(), QStringLiteral("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = %s"),
                                        {TestUtil::options().user}) == sessions - 3, 10000);
        QCOMPARE(abortedClients(), before);
    }

    // --- scoped transactions ----------------------------------------------------------------------

    void transactionCommits()
    {
        Connection conn(transactional());
        AWAIT(conn.open());
        Transaction tx = AWAIT(conn.transaction());
        QVERIFY(tx.isActive());
        QCOMPARE(tx.connection(), &conn);
        QVERIFY(conn.inTransaction());
        AWAIT(conn.query(QStringLiteral("INSERT INTO t_life VALUES (1), (2)")));
        QCOMPARE(rowsInT(), qint64(0)); // not yet visible to another session
        AWAIT(tx.commit());
        QVERIFY(!tx.isActive());
        QCOMPARE(rowsInT(), qint64(2));
        EXPECT_ERROR(tx.commit(), ProgrammingError, 0);
        EXPECT_ERROR(tx.rollback(), ProgrammingError, 0);
        // The handle going after the commit rolls nothing back.
        Transaction next = AWAIT(conn.transaction());
        AWAIT(conn.query(QStringLiteral("INSERT INTO t_life VALUES (3)")));
        tx = Transaction();
        AWAIT(next.commit());
        QCOMPARE(rowsInT(), qint64(3));
    }

    void transactionRollsBack()
    {
        Connection conn(transactional());
        AWAIT(conn.open());
        Transaction tx = AWAIT(conn.transaction());
        AWAIT(conn.query(QStringLiteral("INSERT INTO t_life VALUES (1)")));
        QCOMPARE(scalar(&conn, QStringLiteral("SELECT COUNT(*) FROM t_life")), qint64(1));
        AWAIT(tx.rollback());
        QVERIFY(!tx.isActive());
        QVERIFY(!conn.inTransaction());
        QCOMPARE(scalar(&conn, QStringLiteral("SELECT COUNT(*) FROM t_life")), qint64(0));
        AWAIT(conn.commit());
        QCOMPARE(rowsInT(), qint64(0));
    }

    void oneTransactionAtATime()
    {
        Connection conn(transactional());
        AWAIT(conn.open());
        Transaction tx = AWAIT(conn.transaction());
        EXPECT_ERROR(conn.transaction(), ProgrammingError, 0);
        // Ending the session's transaction another way ends the handle's too.
        AWAIT(conn.rollback());
        QVERIFY(!tx.isActive());
        Transaction again = AWAIT(conn.transaction());
        QVERIFY(again.isActive());
        EXPECT_ERROR(tx.commit(), ProgrammingError, 0);
        AWAIT(again.commit());
        // A null handle.
        Transaction none;
        QVERIFY(!none.isActive());
        QVERIFY(!none.connection());
        EXPECT_ERROR(none.commit(), ProgrammingError, 0);
    }

    void droppedTransactionRollsBack()
    {
        Connection conn(transactional());
        AWAIT(conn.open());
        {
            Transaction tx = AWAIT(conn.transaction());
            Transaction copy = tx;
            AWAIT(conn.query(QStringLiteral("INSERT INTO t_life VALUES (1)")));
            tx = Transaction();
            QVERIFY(copy.isActive()); // copies share it: the last one counts
        }
        // Were the transaction still open, this COMMIT would make the row visible.
        AWAIT(conn.commit());
        QVERIFY(!conn.inTransaction());
        QCOMPARE(rowsInT(), qint64(0));
    }

    void keptFutureDoesNotKeepTheTransaction()
    {
        // The copy in the future's result store does not count (Qt 6.4 keeps it as long as the
        // future lives): once the handles taken out are gone, the transaction rolls back.
        Connection conn(transactional());
        AWAIT(conn.open());
        QFuture<Transaction> kept = conn.transaction();
        {
            Transaction tx = AWAIT(kept);
            QVERIFY(tx.isActive());
            AWAIT(conn.query(QStringLiteral("INSERT INTO t_life VALUES (1)")));
        }
        QVERIFY(!kept.result().isActive()); // taken after its end: an inactive handle
        AWAIT(conn.commit());
        QCOMPARE(rowsInT(), qint64(0));

        // A result nobody took ends with the future's last copy.
        {
            QFuture<Transaction> untaken = conn.transaction();
            QVERIFY(TestUtil::waitFor(untaken));
            QVERIFY(conn.inTransaction());
            AWAIT(conn.query(QStringLiteral("INSERT INTO t_life VALUES (2)")));
        }
        AWAIT(conn.commit());
        QCOMPARE(rowsInT(), qint64(0));
        Transaction tx = AWAIT(conn.transaction()); // and the connection is free for another
        AWAIT(tx.commit());
    }

    void transactionEndsWithTheLease()
    {
        // Released with its transaction open (the pool rolls it back), the connection goes to
        // the next user: the old handle, dropped then, must not roll back the new user's work.
        PoolOptions o;
        o.connection = transactional();
        o.minSize = 1;
        o.maxSize = 1;
        o.resetOnRelease = false; // the pool only rolls back
        std::unique_ptr<Pool> pool(AWAIT(Pool::create(o)));
        PooledConnection first = AWAIT(pool->acquire());
        Transaction old = AWAIT(first->transaction());
        AWAIT(first->query(QStringLiteral("INSERT INTO t_life VALUES (1)")));
        first.release();
        QVERIFY(!old.isActive());
        PooledConnection second = AWAIT(pool->acquire());
        Transaction mine = AWAIT(second->transaction());
        AWAIT(second->query(QStringLiteral("INSERT INTO t_life VALUES (2)")));
        old = Transaction();
        AWAIT(mine.commit());
        QCOMPARE(rowsInT(), qint64(1));
        QCOMPARE(scalar(m_other.get(), QStringLiteral("SELECT id FROM t_life")), qint64(2));
    }

    void errorInAThenChainRollsBack()
    {
        Connection conn(transactional());
        AWAIT(conn.open());
        QFuture<void> chain = conn.transaction()
                .then([&conn](Transaction tx) {
                    return conn.query(QStringLiteral("INSERT INTO t_life VALUES (1)"))
                            .then([&conn](const ResultSet &) { return conn.query(QStringLiteral("SELECT * FROM t_life_missing")); })
                            .unwrap()
                            .then([tx](const ResultSet &) mutable { return tx.commit(); }) // never reached
                            .unwrap();
                })
                .unwrap();
        EXPECT_ERROR(chain, ProgrammingError, 1146);
        // The ROLLBACK is queued before anything sent from here on (a statement on no table,
        // which opens no transaction of its own).
        QCOMPARE(scalar(&conn, QStringLiteral("SELECT 1")), qint64(1));
        QVERIFY(!conn.inTransaction());
        QCOMPARE(scalar(&conn, QStringLiteral("SELECT COUNT(*) FROM t_life")), qint64(0));
        AWAIT(conn.commit());
        QCOMPARE(rowsInT(), qint64(0));
    }

    void dropAfterTheConnectionIsGone()
    {
        Transaction tx;
        {
            Connection conn(transactional());
            AWAIT(conn.open());
            tx = AWAIT(conn.transaction());
            LogCatcher log;
            conn.close();
            QCOMPARE(log.count(QtWarningMsg, TransactionWarning), 1);
            QVERIFY(!tx.isActive());
        }
        QVERIFY(!tx.connection());
        EXPECT_ERROR(tx.rollback(), ProgrammingError, 0);
    }

    // --- withTransaction() ---------------------------------------------------------------------

    void withTransactionCommits()
    {
        Connection conn(transactional());
        AWAIT(conn.open());
        QFuture<qint64> done = conn.withTransaction([&conn] {
            return conn.query(QStringLiteral("INSERT INTO t_life VALUES (1), (2), (3)")).then([](const ResultSet &rs) {
                return qint64(rs.affectedRows());
            });
        });
        QCOMPARE(AWAIT(done), qint64(3));
        QVERIFY(!conn.inTransaction());
        QCOMPARE(rowsInT(), qint64(3));

        // A plain value, and nothing at all.
        QCOMPARE(AWAIT(conn.withTransaction([] { return 42; })), 42);
        QFuture<void> nothing = conn.withTransaction([&conn] { (void)conn.query(QStringLiteral("DELETE FROM t_life WHERE id = 1")); });
        AWAIT(nothing);
        QCOMPARE(rowsInT(), qint64(2));
    }

    void withTransactionRollsBack()
    {
        Connection conn(transactional());
        AWAIT(conn.open());
        // The work's future fails.
        QFuture<ResultSet> failed = conn.withTransaction([&conn] {
            return conn.query(QStringLiteral("INSERT INTO t_life VALUES (1)")).then([&conn](const ResultSet &) {
                return conn.query(QStringLiteral("INSERT INTO t_life VALUES (1)")); // duplicate key
            }).unwrap();
        });
        EXPECT_ERROR(failed, IntegrityError, 1062);
        QVERIFY(!conn.inTransaction());
        QCOMPARE(rowsInT(), qint64(0));

        // The work throws.
        QFuture<int> thrown = conn.withTransaction([&conn]() -> int {
            (void)conn.query(QStringLiteral("INSERT INTO t_life VALUES (2)"));
            throw DataError(0, QStringLiteral("22000"), QStringLiteral("no, thanks"));
        });
        auto error = TestUtil::errorOf(thrown);
        QVERIFY(error);
        QCOMPARE(error->message(), QStringLiteral("no, thanks"));
        QVERIFY(!conn.inTransaction());
        AWAIT(conn.commit());
        QCOMPARE(rowsInT(), qint64(0));

        // BEGIN itself fails: the work never runs.
        bool ran = false;
        Transaction open = AWAIT(conn.transaction());
        EXPECT_ERROR(conn.withTransaction([&ran] { ran = true; }), ProgrammingError, 0);
        QVERIFY(!ran);
        AWAIT(open.rollback());
    }

    // --- warnings ------------------------------------------------------------------------------

    void closingWithAnOpenTransactionWarns()
    {
        {
            Connection conn(transactional());
            AWAIT(conn.open());
            AWAIT(conn.query(QStringLiteral("INSERT INTO t_life VALUES (1)"))); // autocommit off: a transaction
            QVERIFY(conn.inTransaction());
            LogCatcher log;
            conn.close();
            QCOMPARE(log.count(QtWarningMsg, TransactionWarning), 1);
        }
        {
            auto conn = std::make_unique<Connection>(transactional());
            AWAIT(conn->open());
            Transaction tx = AWAIT(conn->transaction());
            LogCatcher log;
            conn.reset();
            QCOMPARE(log.count(QtWarningMsg, TransactionWarning), 1);
        }
        {
            Connection conn(transactional());
            AWAIT(conn.open());
            AWAIT(conn.query(QStringLiteral("INSERT INTO t_life VALUES (2)")));
            LogCatcher log;
            AWAIT(conn.ensureClosed());
            QCOMPARE(log.count(QtWarningMsg, TransactionWarning), 1);
        }
        {
            // Nothing to say about a committed session, nor about one that only read (autocommit
            // off: the SELECT opened a transaction, but it holds no change).
            auto conn = std::make_unique<Connection>(transactional());
            AWAIT(conn->open());
            AWAIT(conn->query(QStringLiteral("INSERT INTO t_life VALUES (3)")));
            AWAIT(conn->commit());
            QCOMPARE(scalar(conn.get(), QStringLiteral("SELECT COUNT(*) FROM t_life")), qint64(1));
            QVERIFY(conn->inTransaction());
            LogCatcher log;
            conn.reset();
            QCOMPARE(log.count(QtWarningMsg, TransactionWarning), 0);
        }
        QCOMPARE(rowsInT(), qint64(1));
    }

    void destroyedWithTheApplication()
    {
        // An open connection whose parent is the application goes in ~QCoreApplication: nothing
        // may be printed then (it once was "QObject::connect(QObject, Unknown): invalid nullptr
        // parameter", from the TLS back-end starting up while the socket closed). A process of
        // its own, as the application must really end.
        for (const bool tls : {false, true}) {
            QProcess child;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("ASYNCMYSQL_LIFETIME_CHILD"), tls ? QStringLiteral("tls") : QStringLiteral("plain"));
            child.setProcessEnvironment(env);
            child.start(QCoreApplication::applicationFilePath(), {});
            QVERIFY(child.waitForFinished(60000));
            const QString out = QString::fromLocal8Bit(child.readAllStandardOutput());
            const QString err = QString::fromLocal8Bit(child.readAllStandardError());
            QVERIFY2(child.exitStatus() == QProcess::NormalExit && child.exitCode() == 0, qPrintable(err));
            QVERIFY2(out.contains(QStringLiteral("opened")), qPrintable(out + err));
            QVERIFY2(err.isEmpty(), qPrintable(err));
        }
    }

    // --- cursors -------------------------------------------------------------------------------

    void cursorDeletedMidStream()
    {
        ConnectOptions o = TestUtil::options();
        o.autocommit = true;
        Connection conn(o);
        AWAIT(conn.open());
        // Deleted before the first row, and after some rows of a result too large to be read
        // already: the rest is dropped as by close(), and the connection answers at once.
        for (const int taken : {0, 10}) {
            Cursor *cur = conn.cursor(CursorType::Streaming);
            QFuture<qint64> executed = cur->execute(QStringLiteral("SELECT seq, REPEAT('x', 200) FROM seq_1_to_200000"));
            if (taken > 0) {
                AWAIT(executed);
                QCOMPARE(AWAIT(cur->fetchMany(taken)).size(), taken);
            }
            QFuture<QList<Row>> fetch = taken > 0 ? cur->fetchMany(100000) : QFuture<QList<Row>>();
            delete cur;
            if (taken > 0)
                QVERIFY(TestUtil::waitFor(fetch)); // finishes (with rows or an error), never hangs
            QCOMPARE(scalar(&conn, QStringLiteral("SELECT 7")), qint64(7));
        }
        // A deleted cursor's close() future, still waiting for the rest to drain, finishes too.
        Cursor *cur = conn.cursor(CursorType::Streaming);
        AWAIT(cur->execute(QStringLiteral("SELECT seq FROM seq_1_to_200000")));
        QFuture<void> closed = cur->close();
        delete cur;
        QVERIFY(TestUtil::waitFor(closed));
        QCOMPARE(scalar(&conn, QStringLiteral("SELECT 8")), qint64(8));
    }

    void closeLeavesTheCursorAlive()
    {
        Connection conn(TestUtil::options());
        AWAIT(conn.open());
        for (const CursorType type : {CursorType::Buffered, CursorType::Streaming}) {
            QPointer<Cursor> cur = conn.cursor(type);
            AWAIT(cur->execute(QStringLiteral("SELECT seq FROM seq_1_to_1000")));
            QSignalSpy finished(cur.data(), &Cursor::finished);
            QFuture<void> closed = cur->close();
            // Alive after close(), and in the continuations of its future.
            QVERIFY(cur->isClosed());
            QCOMPARE(finished.count(), 1);
            EXPECT_ERROR(cur->fetchOne(), ProgrammingError, 0);
            bool sawIt = false;
            QFuture<void> after = closed.then(&conn, [cur, &sawIt] { sawIt = cur && cur->isClosed(); });
            QVERIFY(TestUtil::waitFor(after));
            QVERIFY(sawIt);
            // Then it goes, as the connection still owned it.
            QTRY_VERIFY(!cur);
        }
        // One the user took keeps living.
        std::unique_ptr<Cursor> mine(conn.cursor());
        mine->setParent(nullptr);
        AWAIT(mine->execute(QStringLiteral("SELECT 1")));
        AWAIT(mine->close());
        QTest::qWait(0);
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
        QVERIFY(mine->isClosed());
        EXPECT_ERROR(mine->execute(QStringLiteral("SELECT 1")), ProgrammingError, 0);
    }

    void cursorsDoNotPileUp()
    {
        Connection conn(TestUtil::options());
        AWAIT(conn.open());
        const auto cursors = [&conn] { return conn.findChildren<Cursor *>(QString(), Qt::FindDirectChildrenOnly).size(); };
        for (int i = 0; i < 10000; ++i) {
            Cursor *cur = conn.cursor();
            if (i % 100 == 0) {
                AWAIT(cur->execute(QStringLiteral("SELECT %s"), {i}));
                QCOMPARE(AWAIT(cur->fetchOne())->value(0).toInt(), i);
            }
            (void)cur->close();
        }
        QTRY_COMPARE(cursors(), 0);
    }
};

//! The child process of destroyedWithTheApplication(): exits with 3 on any message at all.
static int lifetimeChild(int argc, char **argv, bool tls)
{
    qInstallMessageHandler([](QtMsgType, const QMessageLogContext &, const QString &text) {
        std::fprintf(stderr, "message: %s\n", qPrintable(text));
        std::fflush(stderr);
        std::_Exit(3);
    });
    QCoreApplication app(argc, argv);
    ConnectOptions o = TestUtil::options();
    o.ssl.mode = tls ? SslOptions::Mode::Required : SslOptions::Mode::Disabled;
    auto *conn = new Connection(o, &app);
    conn->open().then(&app, [conn] {
        return conn->query(QStringLiteral("SELECT 1"));
    }).unwrap().then(&app, [](const ResultSet &) {
        std::printf("opened\n");
        std::fflush(stdout);
        QCoreApplication::quit();
    }).onFailed(&app, [](const Error &e) {
        std::fprintf(stderr, "failed: %s\n", qPrintable(e.toString()));
        QCoreApplication::exit(2);
    });
    return app.exec(); // the connection is still open: ~QCoreApplication deletes it
}

int main(int argc, char **argv)
{
    const QByteArray child = qgetenv("ASYNCMYSQL_LIFETIME_CHILD");
    if (!child.isEmpty())
        return lifetimeChild(argc, argv, child == "tls");
    QCoreApplication app(argc, argv);
    tst_Lifetime test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_lifetime.moc"
