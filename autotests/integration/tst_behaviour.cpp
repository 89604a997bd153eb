// SPDX-License-Identifier: MIT
// Where AsyncMySql behaves as aiomysql does, or knowingly differs, against the real MariaDB:
// ping(true) after the server end went away unnoticed, autocommit left to the server,
// multi-statements as an option, and mogrify()/escape() text that executes to the same values.
#include "testutil.h"

#include <QtCore/QDeadlineTimer>
#include <QtCore/QRegularExpression>
#include <QtCore/QThread>
#include <QtTest/QSignalSpy>

using namespace AsyncMySql;

//! A type no built-in literal or encoder knows.
struct Opaque
{
    int x = 0;
};
Q_DECLARE_METATYPE(Opaque)

namespace {

/*! Ends the server session \a threadId (KILL CONNECTION if \a kill, else waits for its
    wait_timeout) from a connection in another thread, and returns once the server no longer
    lists it. This thread's event loop does not run meanwhile, so a Connection living here has
    had no chance to notice: its next command is the first to meet the closed server end. */
bool endSessionUnnoticed(quint32 threadId, bool kill)
{
    bool gone = false;
    std::unique_ptr<QThread> thread(QThread::create([&gone, threadId, kill] {
        Connection admin(TestUtil::adminOptions());
        if (TestUtil::errorOf(admin.open()) || admin.isClosed())
            return;
        if (kill && TestUtil::errorOf(admin.query(QStringLiteral("KILL CONNECTION %s"), {threadId})))
            return;
        const QDeadlineTimer deadline(std::chrono::seconds(20));
        while (!deadline.hasExpired()) {
            const QFuture<ResultSet> f = admin.query(
                    QStringLiteral("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = %s"), {threadId});
            if (TestUtil::errorOf(f) || !f.isFinished())
                return;
            if (f.result().rows().value(0).value(0).toInt() == 0) {
                gone = true;
                return;
            }
            QThread::msleep(20); // the poll interval of a wait for a condition, as QTRY_VERIFY's
        }
    }));
    thread->start();
    thread->wait();
    return gone;
}

} // namespace

class tst_Behaviour : public QObject
{
    Q_OBJECT

private:
    //! A connection opened with the test options (changed by \a tweak), owned by the test.
    std::unique_ptr<Connection> connect(const std::function<void(ConnectOptions &)> &tweak = {})
    {
        return TestUtil::openConnectionWith(tweak, __FILE__, __LINE__);
    }

    static int serverAutocommit(Connection &c)
    {
        return AWAIT(c.query(QStringLiteral("SELECT @@autocommit"))).rows().value(0).value(0).toInt();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(TestUtil::haveServer(), "run through scripts/test.sh (it starts the server)");
    }

    // --- ping(true) ---------------------------------------------------------------------------

    void pingReconnectsWhenServerEndWentAwayUnnoticed_data()
    {
        QTest::addColumn<bool>("kill");
        QTest::addColumn<bool>("tls");
        QTest::newRow("KILL CONNECTION") << true << true;
        QTest::newRow("wait_timeout") << false << true;
        QTest::newRow("KILL CONNECTION, tls disabled") << true << false;
    }

    void pingReconnectsWhenServerEndWentAwayUnnoticed()
    {
        QFETCH(bool, kill);
        QFETCH(bool, tls);
        auto c = connect([tls](ConnectOptions &o) {
            o.ssl.mode = tls ? SslOptions::Mode::Required : SslOptions::Mode::Disabled;
        });
        // The session state a reconnect restores.
        AWAIT(c->setCharset(QStringLiteral("latin1")));
        AWAIT(c->setAutocommit(true));
        AWAIT(c->selectDb(QStringLiteral("information_schema")));
        if (!kill)
            AWAIT(c->query(QStringLiteral("SET SESSION wait_timeout = 1")));
        const quint32 before = c->threadId();
        QVERIFY(endSessionUnnoticed(before, kill));
        QCOMPARE(c->state(), Connection::State::Connected); // nothing has told it yet

        AWAIT(c->ping(true));
        QCOMPARE(c->state(), Connection::State::Connected);
        QVERIFY(c->threadId() != before);
        const Row r = AWAIT(c->query(QStringLiteral(
                "SELECT DATABASE(), @@character_set_client, @@autocommit, CONNECTION_ID()"))).rows().value(0);
        QCOMPARE(r.value(0).toString(), QStringLiteral("information_schema"));
        QCOMPARE(r.value(1).toString(), QStringLiteral("latin1"));
        QCOMPARE(r.value(2).toInt(), 1);
        QCOMPARE(r.value(3).toULongLong(), quint64(c->threadId()));
        AWAIT(c->ping(false)); // and it stays usable
    }

    void pingWithoutReconnectFailsWhenServerEndWentAway_data()
    {
        // With TLS disabled the transport's TCP socket is unbuffered, and Qt reports nothing of
        // a closed server end there: the transport must find it in its read or write.
        QTest::addColumn<bool>("tls");
        QTest::newRow("tls") << true;
        QTest::newRow("tls disabled") << false;
    }

    void pingWithoutReconnectFailsWhenServerEndWentAway()
    {
        QFETCH(bool, tls);
        auto c = connect([tls](ConnectOptions &o) {
            o.ssl.mode = tls ? SslOptions::Mode::Required : SslOptions::Mode::Disabled;
        });
        QCOMPARE(c->isEncrypted(), tls);
        QSignalSpy errors(c.get(), &Connection::errorOccurred);
        QVERIFY(endSessionUnnoticed(c->threadId(), true));
        QCOMPARE(c->state(), Connection::State::Connected);
        const auto err = TestUtil::errorOf(c->ping(false));
        QVERIFY2(err, "ping(false) succeeded on a killed session");
        QVERIFY2(dynamic_cast<OperationalError *>(err.get()), qPrintable(err->toString()));
        // The socket closed (2013), or the server said why first (ERR 1927, "Connection was killed").
        QVERIFY2(err->code() == 2013 || err->code() == 2006 || err->code() == 1927, qPrintable(err->toString()));
        QTRY_VERIFY(c->isClosed());
        QTRY_COMPARE(errors.count(), 1);
        EXPECT_ERROR(c->query(QStringLiteral("SELECT 1")), OperationalError, 2006);
        EXPECT_ERROR(c->ping(false), OperationalError, 2006);
    }

    void pingDoesNotReopenAConnectionBeingClosed()
    {
        auto c = connect();
        QFuture<void> quit = c->ensureClosed();
        EXPECT_ERROR(c->ping(true), InterfaceError, 0);
        QVERIFY(TestUtil::waitFor(quit));
        QTRY_VERIFY(c->isClosed());
    }

    // --- autocommit -----------------------------------------------------------------------------

    void autocommitUnsetKeepsTheServersDefault()
    {
        // MariaDB's default is autocommit on; aiomysql's (and ours) is off.
        QCOMPARE(ConnectOptions().autocommit, std::optional<bool>(false));
        auto unset = connect([](ConnectOptions &o) { o.autocommit = std::nullopt; });
        QCOMPARE(serverAutocommit(*unset), 1);
        QVERIFY(unset->autocommit());
        auto off = connect();
        QCOMPARE(serverAutocommit(*off), 0);
        QVERIFY(!off->autocommit());

        // Unset, nothing overrides what the session was set up with (here: init_command).
        auto initOff = connect([](ConnectOptions &o) {
            o.autocommit = std::nullopt;
            o.initCommand = QStringLiteral("SET autocommit = 0");
        });
        QCOMPARE(serverAutocommit(*initOff), 0);
        auto initOffButOn = connect([](ConnectOptions &o) {
            o.autocommit = true;
            o.initCommand = QStringLiteral("SET autocommit = 0");
        });
        QCOMPARE(serverAutocommit(*initOffButOn), 1);

        // A reset goes back to the server's default, not to a value of ours.
        AWAIT(unset->setAutocommit(false));
        QCOMPARE(serverAutocommit(*unset), 0);
        AWAIT(unset->resetConnection());
        QCOMPARE(serverAutocommit(*unset), 1);
    }

    void autocommitInUrl()
    {
        const auto fromUrl = [](const char *query) {
            return ConnectOptions::fromUrl(QUrl(QStringLiteral("mysql://h/db") + QLatin1String(query))).autocommit;
        };
        QCOMPARE(fromUrl(""), std::optional<bool>(false));
        QCOMPARE(fromUrl("?autocommit=true"), std::optional<bool>(true));
        QCOMPARE(fromUrl("?autocommit=0"), std::optional<bool>(false));
        QCOMPARE(fromUrl("?autocommit=none"), std::optional<bool>());
        QCOMPARE(fromUrl("?autocommit=default"), std::optional<bool>());
        QCOMPARE(fromUrl("?autocommit="), std::optional<bool>());
    }

    // --- multi-statements -------------------------------------------------------------------

    void multiStatementsOffByDefault()
    {
        QVERIFY(!ConnectOptions().multiStatements);
        auto c = connect();
        EXPECT_ERROR(c->query(QStringLiteral("SELECT 1; SELECT 2")), ProgrammingError, 1064);
        Cursor *cur = c->cursor();
        EXPECT_ERROR(cur->execute(QStringLiteral("SELECT %s; DROP TABLE t_nothing"), {1}), ProgrammingError, 1064);
        // What needs several statements inside the library does not rely on the option.
        AWAIT(c->query(QStringLiteral("CREATE OR REPLACE TEMPORARY TABLE t_ms (id INT, name TEXT)")));
        QCOMPARE(AWAIT(cur->executeMany(QStringLiteral("INSERT INTO t_ms VALUES (%s, %s)"), {{1, QStringLiteral("a")}, {2, QStringLiteral("b")}})), qint64(2));
        AWAIT(c->query(QStringLiteral("CREATE OR REPLACE PROCEDURE p_ms(IN a INT, OUT b INT) BEGIN SET b = a * 2; END")));
        QCOMPARE(AWAIT(cur->callProc(QStringLiteral("p_ms"), {21, QVariant()})).value(1).toInt(), 42);
        AWAIT(c->query(QStringLiteral("DROP PROCEDURE p_ms")));
        QCOMPARE(AWAIT(c->query(QStringLiteral("SELECT 3"))).rows().value(0).value(0).toInt(), 3);
    }

    void multiStatementsOption()
    {
        auto c = connect([](ConnectOptions &o) { o.multiStatements = true; });
        Cursor *cur = c->cursor();
        QCOMPARE(AWAIT(cur->execute(QStringLiteral("SELECT 1; SELECT 2, 3"))), qint64(1));
        QCOMPARE(AWAIT(cur->fetchOne())->value(0).toInt(), 1);
        QVERIFY(AWAIT(cur->nextSet()));
        QCOMPARE(AWAIT(cur->fetchOne())->value(1).toInt(), 3);
        QVERIFY(!AWAIT(cur->nextSet()));
        QCOMPARE(AWAIT(c->query(QStringLiteral("SELECT 4"))).rows().value(0).value(0).toInt(), 4);

        QVERIFY(ConnectOptions::fromUrl(QUrl(QStringLiteral("mysql://h/db?multi-statements=true"))).multiStatements);
        QVERIFY(!ConnectOptions::fromUrl(QUrl(QStringLiteral("mysql://h/db?multi_statements=0"))).multiStatements);
    }

    // --- mogrify(), escape(), literal() -----------------------------------------------------------

    void mogrifiedBytesExecuteToTheSameBytes_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<bool>("noBackslashEscapes");
        const QByteArray notText("\x00\x01'\xff", 4);
        QTest::newRow("not text") << notText << false;
        QTest::newRow("not text, NO_BACKSLASH_ESCAPES") << notText << true;
        QTest::newRow("invalid UTF-8 and escapes") << QByteArray("\xc3\x28\\\"\n\r\x1a\xe2\x82", 10) << false;
        QTest::newRow("empty") << QByteArray("") << false;
    }

    void mogrifiedBytesExecuteToTheSameBytes()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(bool, noBackslashEscapes);
        auto c = connect();
        if (noBackslashEscapes)
            AWAIT(c->query(QStringLiteral("SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'")));
        Cursor *cur = c->cursor();
        bool ok = false;
        const QString sql = cur->mogrify(QStringLiteral("SELECT HEX(%s), %s, %s"), {bytes, bytes, QStringLiteral("it's")}, &ok);
        QVERIFY(ok);
        QVERIFY2(sql.contains(QStringLiteral("_binary X'%1'").arg(QString::fromLatin1(bytes.toHex()))), qPrintable(sql));
        const Row r = AWAIT(c->query(sql)).rows().value(0);
        QCOMPARE(r.value(0).toString(), QString::fromLatin1(bytes.toHex().toUpper()));
        QCOMPARE(r.value(1).toByteArray(), bytes);
        QCOMPARE(r.value(2).toString(), QStringLiteral("it's"));
        // A binary string, as execute() sends it.
        const Row same = AWAIT(c->query(cur->mogrify(QStringLiteral("SELECT %s = _binary'A', CHARSET(%s)"),
                                                     {QByteArray("A"), QByteArray("A")}))).rows().value(0);
        QCOMPARE(same.value(0).toInt(), 1);
        QCOMPARE(same.value(1).toString(), QStringLiteral("binary"));

        const QString literal = c->escape(bytes, &ok);
        QVERIFY(ok);
        QCOMPARE(c->literal(bytes), literal);
        QCOMPARE(AWAIT(c->query(QStringLiteral("SELECT ") + literal)).rows().value(0).value(0).toByteArray(), bytes);
        // execute() sends the bytes as they are, and they arrive the same.
        AWAIT(cur->execute(QStringLiteral("SELECT %s"), {bytes}));
        QCOMPARE(AWAIT(cur->fetchOne())->value(0).toByteArray(), bytes);
    }

    void unwritableValuesAreReported_data()
    {
        QTest::addColumn<QVariant>("value");
        QTest::addColumn<QString>("typeName");
        static QObject object;
        QTest::newRow("QObject*") << QVariant::fromValue(&object) << QStringLiteral("QObject*");
        QTest::newRow("custom struct") << QVariant::fromValue(Opaque{1}) << QStringLiteral("Opaque");
        QTest::newRow("inside a list") << QVariant(QVariantList{1, QVariant::fromValue(Opaque{2})}) << QStringLiteral("Opaque");
    }

    void unwritableValuesAreReported()
    {
        QFETCH(QVariant, value);
        QFETCH(QString, typeName);
        auto c = connect();
        Cursor *cur = c->cursor();
        const QRegularExpression warning(QStringLiteral("cannot write the SQL: A value of type %1 cannot be used")
                                                 .arg(QRegularExpression::escape(typeName)));

        bool ok = true;
        QTest::ignoreMessage(QtWarningMsg, warning);
        const QString escaped = c->escape(value, &ok);
        QVERIFY(escaped.isNull()); // never "" that could pass for SQL
        QVERIFY(!ok);
        QTest::ignoreMessage(QtWarningMsg, warning);
        QVERIFY(c->literal(value).isNull());
        ok = true;
        QTest::ignoreMessage(QtWarningMsg, warning);
        QVERIFY(cur->mogrify(QStringLiteral("SELECT %s"), {value}, &ok).isNull());
        QVERIFY(!ok);
        ok = true;
        QTest::ignoreMessage(QtWarningMsg, warning);
        QVERIFY(cur->mogrify(QStringLiteral("SELECT %(v)s"), QVariantMap{{QStringLiteral("v"), value}}, &ok).isNull());
        QVERIFY(!ok);

        QSignalSpy cursorErrors(cur, &Cursor::errorOccurred);
        EXPECT_ERROR(cur->execute(QStringLiteral("SELECT %s"), {value}), ProgrammingError, 0);
        QCOMPARE(cursorErrors.count(), 1);
        EXPECT_ERROR(c->query(QStringLiteral("SELECT %s"), {value}), ProgrammingError, 0);
        // Nothing was sent: the connection is as it was.
        QCOMPARE(AWAIT(c->query(QStringLiteral("SELECT 5"))).rows().value(0).value(0).toInt(), 5);
    }

    void writableValuesSetOk()
    {
        auto c = connect();
        Cursor *cur = c->cursor();
        bool ok = false;
        QCOMPARE(c->escape(42, &ok), QStringLiteral("42"));
        QVERIFY(ok);
        ok = false;
        QCOMPARE(c->escape(QVariant(), &ok), QStringLiteral("NULL"));
        QVERIFY(ok);
        ok = false;
        // Empty SQL is empty, not null: null means "could not be written".
        const QString empty = cur->mogrify(QString(), QVariantList(), &ok);
        QVERIFY(ok);
        QVERIFY(!empty.isNull());
        QVERIFY(empty.isEmpty());
        // Other mistakes mogrify() cannot write are reported the same way.
        ok = true;
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("Not enough arguments")));
        QVERIFY(cur->mogrify(QStringLiteral("SELECT %s, %s"), {1}, &ok).isNull());
        QVERIFY(!ok);
    }
};

QTEST_GUILESS_MAIN(tst_Behaviour)
#include "tst_behaviour.moc"
