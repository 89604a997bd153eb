// SPDX-License-Identifier: MIT
// MySQL 8's authentication, which MariaDB cannot show: a scripted server that checks what the
// client sends exactly as MySQL 8 does, with a real RSA key pair made by OpenSSL.
#include "fakeserver.h"
#include "../common/testcrypto.h"
#include "../integration/testutil.h"

#include <QtCore/QCryptographicHash>

using namespace AsyncMySql;
using Script = QList<FakeServer::Step>;

namespace {

const TestCrypto::RsaKeyPair &rsaKey()
{
    static const TestCrypto::RsaKeyPair key; // generating one takes a moment: once per run
    return key;
}

QByteArray sha256(const QByteArray &data) { return QCryptographicHash::hash(data, QCryptographicHash::Sha256); }

const QByteArray Password = "s3cret-pw";

/*!
    One MySQL 8 account and the server side of its plugin. caching_sha2_password keeps
    SHA256(SHA256(password)) in its cache: a scramble is right if XOR-ing it with
    SHA256(that + nonce) gives a value whose SHA-256 is the cached one. Without a cache entry, or
    on a mismatch, it asks for the password (0x04): in clear on a secure transport, else RSA
    encrypted (the key sent on request, 0x02). sha256_password always takes the password, its key
    request byte is 0x01. Every decision is written to log().
*/
class MySql8
{
public:
    MySql8(QByteArray plugin, bool secure) : m_plugin(std::move(plugin)), m_secure(secure) { }

    bool cached = false;       //!< caching_sha2: the account is in the fast-auth cache
    QStringList log;
    QByteArray claimedPlugin; //!< the plugin named in the handshake response

    //! The whole conversation, starting with a handshake that offers \a handshakePlugin; a
    //! client on another plugin is switched to ours with a fresh nonce.
    Script script(const QByteArray &handshakePlugin)
    {
        m_nonce = FakeServer::scramble();
        return {FakeServer::send(0, FakeServer::handshake(handshakePlugin)), respondWith(&MySql8::onResponse)};
    }

private:
    using Handler = Script (MySql8::*)(const QByteArray &);

    FakeServer::Step respondWith(Handler h)
    {
        return FakeServer::respond([this, h](const QByteArray &packet) {
            ++m_seq; // the client's packet
            return (this->*h)(packet);
        });
    }
    FakeServer::Step reply(const QByteArray &payload) { return FakeServer::send(++m_seq, payload); }

    Script onResponse(const QByteArray &packet)
    {
        const FakeServer::Response r = FakeServer::parseResponse(packet);
        if (!r.ok)
            return {reply(FakeServer::err(1043, "08S01", "Bad handshake"))};
        claimedPlugin = r.plugin;
        if (r.plugin != m_plugin) {
            log << QStringLiteral("switch");
            return {reply(FakeServer::authSwitch(m_plugin, switchData())), respondWith(&MySql8::onAuthData)};
        }
        return onAuthData(r.authResponse);
    }

    //! A fresh nonce with the switch, as each plugin has it: 20 bytes + NUL for the scramble
    //! based ones, MariaDB's 32 bytes without NUL for ed25519 (this one ends in a zero byte,
    //! which must not be taken for a terminator), nothing for the clear password.
    QByteArray switchData()
    {
        if (m_plugin == "mysql_clear_password")
            return {};
        if (m_plugin == "client_ed25519") {
            m_nonce = QByteArrayLiteral("0123456789abcdefghijklmnopqrstu") + '\0';
            return m_nonce;
        }
        m_nonce = QByteArrayLiteral("ZYXWVUTSRQPONMLKJIHG");
        return m_nonce + '\0';
    }

    Script onAuthData(const QByteArray &data)
    {
        if (m_plugin == "caching_sha2_password")
            return onScramble(data);
        if (m_plugin == "client_ed25519") // MariaDB's, for the switch tests
            return verdict(TestCrypto::ed25519Verify(data, m_nonce, TestCrypto::ed25519PublicKey(Password)), "signature");
        return onPassword(data);
    }

    Script onScramble(const QByteArray &scramble)
    {
        const QByteArray stored = sha256(sha256(Password));
        const QByteArray candidate = TestCrypto::xorRepeated(scramble, sha256(stored + m_nonce));
        if (cached && scramble.size() == 32 && sha256(candidate) == stored) {
            log << QStringLiteral("fast auth");
            return {reply(FakeServer::authMoreData("\x03")), reply(FakeServer::ok())};
        }
        log << QStringLiteral("full auth");
        return {reply(FakeServer::authMoreData("\x04")), respondWith(&MySql8::onPassword)};
    }

    Script onPassword(const QByteArray &data)
    {
        if (m_plugin == "mysql_clear_password" || m_secure)
            return verdict(data == Password + '\0', "clear");
        const char keyRequest = m_plugin == "sha256_password" ? '\x01' : '\x02';
        if (data == QByteArray(1, keyRequest)) {
            log << QStringLiteral("key requested");
            return {reply(FakeServer::authMoreData(rsaKey().publicPem())), respondWith(&MySql8::onPassword)};
        }
        return verdict(TestCrypto::xorRepeated(rsaKey().decrypt(data), m_nonce) == Password + '\0', "rsa");
    }

    Script verdict(bool right, const char *how)
    {
        log << QStringLiteral("%1 %2").arg(QLatin1String(how), right ? u"ok" : u"wrong");
        if (!right)
            return {reply(FakeServer::err(1045, "28000", "Access denied for user 'u'@'localhost' (using password: YES)"))};
        cached = true; // a successful full authentication fills MySQL's cache
        return {reply(FakeServer::ok())};
    }

    QByteArray m_plugin;
    bool m_secure;
    QByteArray m_nonce;
    quint8 m_seq = 0;
};

} // namespace

class tst_AuthServer : public QObject
{
    Q_OBJECT

    static ConnectOptions optionsFor(const FakeServer &server, bool unix = false)
    {
        ConnectOptions o;
        o.host = QStringLiteral("127.0.0.1");
        o.port = server.port();
        if (unix)
            o.unixSocket = server.socketPath();
        o.user = QStringLiteral("u");
        o.password = QString::fromUtf8(Password);
        o.autocommit = true; // the fake server says autocommit is on: no setup statements
        o.connectTimeout = std::chrono::seconds(5);
        return o;
    }

    //! True if the client sent \a payload as a packet of its own.
    static bool sent(const FakeServer &server, const QByteArray &payload) { return server.received().contains(payload); }

    //! No packet carried the password in clear.
    static bool passwordHidden(const FakeServer &server)
    {
        for (const QByteArray &p : server.received()) {
            if (p.contains(Password))
                return false;
        }
        return true;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(rsaKey().isValid());
    }

    // --- caching_sha2_password ------------------------------------------------------------------

    void sha2FastAuth()
    {
        MySql8 mysql("caching_sha2_password", false);
        mysql.cached = true;
        FakeServer server(mysql.script("caching_sha2_password"));
        Connection conn(optionsFor(server));
        AWAIT(conn.open());
        QCOMPARE(mysql.log, QStringList{QStringLiteral("fast auth")});
        QCOMPARE(server.received().size(), 1); // the handshake response, nothing after the verdict
        QVERIFY(passwordHidden(server));
    }

    void sha2FastAuthWrongPassword()
    {
        // MySQL 8 does not refuse a wrong scramble at once: the cache may be stale, so it asks
        // for the password, and only that fails.
        MySql8 mysql("caching_sha2_password", false);
        mysql.cached = true;
        FakeServer server(mysql.script("caching_sha2_password"));
        ConnectOptions o = optionsFor(server);
        o.password = QStringLiteral("not-the-password");
        Connection conn(o);
        EXPECT_ERROR(conn.open(), OperationalError, 1045);
        QCOMPARE(mysql.log, (QStringList{QStringLiteral("full auth"), QStringLiteral("key requested"), QStringLiteral("rsa wrong")}));
        QVERIFY(conn.isClosed());
    }

    void sha2FullAuthKeyRequested()
    {
        MySql8 mysql("caching_sha2_password", false);
        FakeServer server(mysql.script("caching_sha2_password"));
        Connection conn(optionsFor(server));
        AWAIT(conn.open());
        QCOMPARE(mysql.log, (QStringList{QStringLiteral("full auth"), QStringLiteral("key requested"), QStringLiteral("rsa ok")}));
        QVERIFY(sent(server, "\x02"));
        QVERIFY(passwordHidden(server));
    }

    void sha2FullAuthKeyGiven()
    {
        MySql8 mysql("caching_sha2_password", false);
        FakeServer server(mysql.script("caching_sha2_password"));
        ConnectOptions o = optionsFor(server);
        o.serverPublicKey = rsaKey().publicPem();
        Connection conn(o);
        AWAIT(conn.open());
        QCOMPARE(mysql.log, (QStringList{QStringLiteral("full auth"), QStringLiteral("rsa ok")}));
        QVERIFY(!sent(server, "\x02")); // no key request on the wire
        QCOMPARE(server.received().size(), 2);
        QVERIFY(passwordHidden(server));
    }

    void sha2FullAuthWrongKeyGiven()
    {
        // A key that is not the server's: the server cannot decrypt, the login fails cleanly.
        MySql8 mysql("caching_sha2_password", false);
        FakeServer server(mysql.script("caching_sha2_password"));
        ConnectOptions o = optionsFor(server);
        o.serverPublicKey = TestCrypto::RsaKeyPair(1024).publicPem();
        Connection conn(o);
        EXPECT_ERROR(conn.open(), OperationalError, 1045);
        QCOMPARE(mysql.log, (QStringList{QStringLiteral("full auth"), QStringLiteral("rsa wrong")}));
    }

    void sha2FullAuthUnixSocket()
    {
        MySql8 mysql("caching_sha2_password", true);
        FakeServer server(mysql.script("caching_sha2_password"), FakeServer::Listen::UnixSocket);
        Connection conn(optionsFor(server, true));
        AWAIT(conn.open());
        QCOMPARE(mysql.log, (QStringList{QStringLiteral("full auth"), QStringLiteral("clear ok")}));
        QCOMPARE(server.received().value(1), Password + '\0');
    }

    // --- sha256_password ------------------------------------------------------------------------

    void sha256KeyRequested()
    {
        MySql8 mysql("sha256_password", false);
        FakeServer server(mysql.script("sha256_password"));
        Connection conn(optionsFor(server));
        AWAIT(conn.open());
        QCOMPARE(mysql.log, (QStringList{QStringLiteral("key requested"), QStringLiteral("rsa ok")}));
        QCOMPARE(FakeServer::parseResponse(server.received().first()).authResponse, QByteArray("\x01"));
        QVERIFY(passwordHidden(server));
    }

    void sha256KeyGiven()
    {
        MySql8 mysql("sha256_password", false);
        FakeServer server(mysql.script("sha256_password"));
        ConnectOptions o = optionsFor(server);
        o.serverPublicKey = rsaKey().publicPem();
        Connection conn(o);
        AWAIT(conn.open());
        QCOMPARE(mysql.log, QStringList{QStringLiteral("rsa ok")});
        QCOMPARE(server.received().size(), 1); // the encrypted password rode in the handshake response
        QVERIFY(passwordHidden(server));
    }

    void sha256WrongPassword()
    {
        MySql8 mysql("sha256_password", false);
        FakeServer server(mysql.script("sha256_password"));
        ConnectOptions o = optionsFor(server);
        o.password = QStringLiteral("not-the-password");
        Connection conn(o);
        EXPECT_ERROR(conn.open(), OperationalError, 1045);
        QCOMPARE(mysql.log, (QStringList{QStringLiteral("key requested"), QStringLiteral("rsa wrong")}));
    }

    // --- mysql_clear_password -------------------------------------------------------------------

    void clearRefusedOverTcp()
    {
        MySql8 mysql("mysql_clear_password", false);
        FakeServer server(mysql.script("mysql_native_password"));
        Connection conn(optionsFor(server));
        auto err = TestUtil::errorOf(conn.open());
        QVERIFY(err);
        QVERIFY2(dynamic_cast<const OperationalError *>(err.get()), qPrintable(err->toString()));
        QCOMPARE(err->code(), 2059);
        QVERIFY2(err->message().contains(u"mysql_clear_password"), qPrintable(err->message()));
        QVERIFY(conn.isClosed());
        QCOMPARE(mysql.log, QStringList{QStringLiteral("switch")});
        QCOMPARE(server.received().size(), 1); // only the native response before the switch
        QVERIFY(passwordHidden(server));
    }

    void clearAllowedWithOptIn()
    {
        MySql8 mysql("mysql_clear_password", false);
        FakeServer server(mysql.script("mysql_native_password"));
        ConnectOptions o = optionsFor(server);
        o.allowCleartextPassword = true;
        Connection conn(o);
        AWAIT(conn.open());
        QCOMPARE(mysql.log, (QStringList{QStringLiteral("switch"), QStringLiteral("clear ok")}));
    }

    void clearOverUnixSocket()
    {
        MySql8 mysql("mysql_clear_password", true);
        FakeServer server(mysql.script("mysql_native_password"), FakeServer::Listen::UnixSocket);
        Connection conn(optionsFor(server, true));
        AWAIT(conn.open());
        QCOMPARE(mysql.log, (QStringList{QStringLiteral("switch"), QStringLiteral("clear ok")}));
    }

    // --- AuthSwitchRequest from mysql_native_password -------------------------------------------

    void switchFromNative_data()
    {
        QTest::addColumn<QByteArray>("plugin");
        QTest::addColumn<QStringList>("log");
        QTest::newRow("caching_sha2_password") << QByteArray("caching_sha2_password")
                                               << QStringList{QStringLiteral("switch"), QStringLiteral("full auth"),
                                                              QStringLiteral("key requested"), QStringLiteral("rsa ok")};
        QTest::newRow("sha256_password") << QByteArray("sha256_password")
                                         << QStringList{QStringLiteral("switch"), QStringLiteral("key requested"), QStringLiteral("rsa ok")};
        QTest::newRow("mysql_clear_password") << QByteArray("mysql_clear_password")
                                              << QStringList{QStringLiteral("switch"), QStringLiteral("clear ok")};
        QTest::newRow("client_ed25519") << QByteArray("client_ed25519")
                                        << QStringList{QStringLiteral("switch"), QStringLiteral("signature ok")};
    }

    void switchFromNative()
    {
        // The switch brings a fresh nonce; a client that kept the handshake's would fail.
        QFETCH(QByteArray, plugin);
        QFETCH(QStringList, log);
        MySql8 mysql(plugin, false);
        FakeServer server(mysql.script("mysql_native_password"));
        ConnectOptions o = optionsFor(server);
        o.allowCleartextPassword = true;
        Connection conn(o);
        AWAIT(conn.open());
        QCOMPARE(mysql.claimedPlugin, QByteArray("mysql_native_password"));
        QCOMPARE(mysql.log, log);
    }

    void startWithAuthPlugin()
    {
        // ConnectOptions::authPlugin: the first response is already the plugin's, no switch.
        MySql8 mysql("caching_sha2_password", false);
        mysql.cached = true;
        FakeServer server(mysql.script("mysql_native_password"));
        ConnectOptions o = optionsFor(server);
        o.authPlugin = QStringLiteral("caching_sha2_password");
        Connection conn(o);
        AWAIT(conn.open());
        QCOMPARE(mysql.claimedPlugin, QByteArray("caching_sha2_password"));
        QCOMPARE(mysql.log, QStringList{QStringLiteral("fast auth")});
    }
};

QTEST_GUILESS_MAIN(tst_AuthServer)
#include "tst_authserver.moc"
