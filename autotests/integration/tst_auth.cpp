// SPDX-License-Identifier: MIT
// Authentication plugins against the real MariaDB: the ed25519 user of scripts/testserver.sh over
// TCP, TLS and the unix socket, and ConnectOptions::authPlugin for every kind of user.
#include "testutil.h"

using namespace AsyncMySql;

class tst_IntegrationAuth : public QObject
{
    Q_OBJECT

    static ConnectOptions edOptions()
    {
        ConnectOptions o = TestUtil::options();
        o.user = qEnvironmentVariable("ASYNCMYSQL_TEST_ED_USER");
        o.password = qEnvironmentVariable("ASYNCMYSQL_TEST_ED_PASSWORD");
        return o;
    }

    //! The ed25519 user over \a transport: "tcp" (plain), "tls" or "unix".
    static ConnectOptions edOptions(const QString &transport)
    {
        ConnectOptions o = edOptions();
        o.ssl.mode = transport == u"tls" ? SslOptions::Mode::Required : SslOptions::Mode::Disabled;
        if (transport == u"unix")
            o.unixSocket = qEnvironmentVariable("ASYNCMYSQL_TEST_SOCKET");
        return o;
    }

    //! Opens a connection with \a o and checks the server took it for \a o.user.
    static void expectLogin(const ConnectOptions &o)
    {
        Connection conn(o);
        AWAIT(conn.open());
        const Row r = AWAIT(conn.query(QStringLiteral("SELECT CURRENT_USER()"))).rows().first();
        QVERIFY2(r.value(0).toString().startsWith(o.user + QLatin1Char('@')), qPrintable(r.value(0).toString()));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(TestUtil::haveServer(), "run through scripts/test.sh (it starts the server)");
        QVERIFY(qEnvironmentVariableIsSet("ASYNCMYSQL_TEST_ED_USER"));
    }

    void ed25519_data()
    {
        QTest::addColumn<QString>("transport");
        QTest::newRow("plain TCP") << QStringLiteral("tcp");
        QTest::newRow("TLS") << QStringLiteral("tls");
        QTest::newRow("unix socket") << QStringLiteral("unix");
    }

    void ed25519()
    {
        QFETCH(QString, transport);
        expectLogin(edOptions(transport));
    }

    void ed25519WrongPassword_data() { ed25519_data(); }

    void ed25519WrongPassword()
    {
        QFETCH(QString, transport);
        ConnectOptions o = edOptions(transport);
        o.password += QLatin1Char('x');
        Connection conn(o);
        EXPECT_ERROR(conn.open(), OperationalError, 1045);
        QVERIFY(conn.isClosed());
    }

    void authPlugin_data()
    {
        QTest::addColumn<bool>("edUser");
        QTest::addColumn<QString>("plugin");
        // Each user with its own plugin (accepted at once, or after the server's switch with the
        // nonce for ed25519), and with another one that the server switches away from.
        QTest::newRow("native user, native") << false << QStringLiteral("mysql_native_password");
        QTest::newRow("native user, caching_sha2") << false << QStringLiteral("caching_sha2_password");
        QTest::newRow("native user, ed25519") << false << QStringLiteral("client_ed25519");
        QTest::newRow("ed25519 user, ed25519") << true << QStringLiteral("client_ed25519");
        QTest::newRow("ed25519 user, native") << true << QStringLiteral("mysql_native_password");
    }

    void authPlugin()
    {
        QFETCH(bool, edUser);
        QFETCH(QString, plugin);
        ConnectOptions o = edUser ? edOptions() : TestUtil::options();
        o.authPlugin = plugin;
        o.ssl.mode = SslOptions::Mode::Disabled;
        expectLogin(o);
    }

    void unknownAuthPlugin()
    {
        ConnectOptions o = TestUtil::options();
        o.authPlugin = QStringLiteral("no_such_plugin");
        Connection conn(o);
        EXPECT_ERROR(conn.open(), NotSupportedError, 2059);
        QVERIFY(conn.isClosed());
    }

    void urlOptions()
    {
        const ConnectOptions o = ConnectOptions::fromUrl(QUrl(QStringLiteral(
                "mysql://u:p@h/db?auth-plugin=mysql_clear_password&allow-cleartext-password=true")));
        QCOMPARE(o.authPlugin, QStringLiteral("mysql_clear_password"));
        QVERIFY(o.allowCleartextPassword);
        QVERIFY(!ConnectOptions::fromUrl(QUrl(QStringLiteral("mysql://u:p@h/db"))).allowCleartextPassword);
        QVERIFY(!ConnectOptions().allowCleartextPassword);
    }
};

QTEST_GUILESS_MAIN(tst_IntegrationAuth)
#include "tst_auth.moc"
