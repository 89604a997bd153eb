// SPDX-License-Identifier: MIT
#include "protocol/auth.h"
#include "protocol/exchange.h"
#include "testutil.h"
#include "../common/testcrypto.h"

#include <QtCore/QCryptographicHash>
#include <QtTest/QTest>

using namespace AsyncMySql;
using namespace AsyncMySql::Protocol;
using namespace TestUtil;

namespace {

QByteArray sha1(const QByteArray &data) { return QCryptographicHash::hash(data, QCryptographicHash::Sha1); }

//! The mysql_native_password formula, spelled out step by step.
QByteArray referenceScramble(const QByteArray &password, const QByteArray &scramble)
{
    const QByteArray hashed = sha1(password);
    const QByteArray doubleHashed = sha1(hashed);
    const QByteArray mask = sha1(scramble + doubleHashed);
    QByteArray out(20, '\0');
    for (int i = 0; i < 20; ++i)
        out[i] = char(hashed[i] ^ mask[i]);
    return out;
}

QByteArray scramble1to20()
{
    QByteArray s;
    for (char c = 1; c <= 20; ++c)
        s.append(c);
    return s;
}

QByteArray sha256(const QByteArray &data) { return QCryptographicHash::hash(data, QCryptographicHash::Sha256); }

//! The caching_sha2_password formula as the task states it, step by step.
QByteArray referenceSha2Scramble(const QByteArray &password, const QByteArray &nonce)
{
    const QByteArray hashed = sha256(password);
    const QByteArray mask = sha256(sha256(hashed) + nonce);
    QByteArray out(32, '\0');
    for (int i = 0; i < 32; ++i)
        out[i] = char(hashed[i] ^ mask[i]);
    return out;
}

//! One key pair for the whole run: generating RSA keys takes a while.
const TestCrypto::RsaKeyPair &rsaKey()
{
    static const TestCrypto::RsaKeyPair key;
    return key;
}

//! What a MySQL server recovers from an RSA-encrypted password: password + NUL, or garbage.
QByteArray serverDecrypts(const QByteArray &cipher, const QByteArray &nonce)
{
    return TestCrypto::xorRepeated(rsaKey().decrypt(cipher), nonce);
}

//! An ed25519 nonce. It ends in a zero byte, which an AuthSwitchRequest reader must not take for
//! the NUL that follows the 20-byte scrambles.
QByteArray nonce32()
{
    QByteArray n;
    for (int i = 0; i < 31; ++i)
        n.append(char(0xa0 + i * 3));
    return n + '\0';
}

using Action = AuthPlugin::Step::Action;

std::unique_ptr<AuthPlugin> plugin(const char *name, const QByteArray &password, bool secure = false,
                                   const QByteArray &publicKey = {}, bool allowClear = false)
{
    return createAuthPlugin(name, AuthContext{password, secure, publicKey, allowClear});
}

ConnectExchange::Settings exchangeSettings()
{
    ConnectExchange::Settings s;
    s.user = "app";
    s.password = "secret";
    s.collation = 45;
    s.tls = ConnectExchange::Tls::Disabled;
    return s;
}

Packet handshakeFor(const QByteArray &plugin, quint64 caps = MySql8Caps & ~quint64(Capability::Ssl))
{
    HandshakeSpec spec;
    spec.capabilities = caps;
    spec.plugin = plugin;
    return packet(handshakePayload(spec), 0);
}

} // namespace

class tst_Auth : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void knownVector();
    void matchesStepByStep_data();
    void matchesStepByStep();
    void trailingNulOfScrambleIgnored();
    void emptyPassword();
    void pluginLookup();
    void nativePluginSteps();
    // caching_sha2_password
    void sha2ScrambleMatchesFormula_data();
    void sha2ScrambleMatchesFormula();
    void sha2FastAuth();
    void sha2FullAuthRequestsKey();
    void sha2FullAuthWithGivenKey_data();
    void sha2FullAuthWithGivenKey();
    void sha2FullAuthSecureIsClear();
    void sha2OutOfStep_data();
    void sha2OutOfStep();
    void sha2EmptyPassword();
    // sha256_password
    void sha256RequestsKey();
    void sha256WithGivenKey();
    void sha256SecureIsClear();
    void sha256EmptyPassword();
    void rsaBadKey();
    void rsaPasswordTooLong();
    // mysql_clear_password
    void clearPassword_data();
    void clearPassword();
    // client_ed25519
    void ed25519SignatureVerifies_data();
    void ed25519SignatureVerifies();
    void ed25519MatchesStandardEd25519ForSeedSizedPassword();
    void ed25519KeyStoredByMariaDb();
    void ed25519WaitsForItsNonce();
    // through the connect exchange
    void exchangeSha2FullAuthAfterTlsIsClear();
    void exchangeSha2FullAuthOverRsa();
    void exchangeClearPasswordRefused();
    void exchangeClearPasswordRefusedAtHandshake();
    void exchangeEd25519RequestedThenSwitched();
};

void tst_Auth::knownVector()
{
    // Computed outside Qt (Python hashlib) for password "secret", scramble bytes 1..20.
    QCOMPARE(nativePasswordScramble("secret", scramble1to20()), hex("b32bb3a583e1340c0a1108d58b1be49781ad8c2f"));
}

void tst_Auth::matchesStepByStep_data()
{
    QTest::addColumn<QByteArray>("password");
    QTest::addColumn<QByteArray>("scramble");
    QTest::newRow("ascii") << QByteArray("secret") << scramble1to20();
    QTest::newRow("utf8") << QStringLiteral("pässwörd✓").toUtf8() << hex("7f6e5d4c3b2a19087f6e5d4c3b2a1908a1b2c3d4");
    QTest::newRow("long") << QByteArray(200, 'p') << QByteArray(20, '\x7f');
    QTest::newRow("handshake scramble") << QByteArray("root") << HandshakeSpec().scramble;
}

void tst_Auth::matchesStepByStep()
{
    QFETCH(QByteArray, password);
    QFETCH(QByteArray, scramble);
    const QByteArray got = nativePasswordScramble(password, scramble);
    QCOMPARE(got.size(), 20);
    QCOMPARE(got, referenceScramble(password, scramble));
}

void tst_Auth::trailingNulOfScrambleIgnored()
{
    // AuthSwitchRequest data and some handshakes carry a 21st (NUL) byte.
    QCOMPARE(nativePasswordScramble("secret", scramble1to20() + '\0'),
             nativePasswordScramble("secret", scramble1to20()));
}

void tst_Auth::emptyPassword()
{
    QVERIFY(nativePasswordScramble("", scramble1to20()).isEmpty());
    QVERIFY(nativePasswordScramble(QByteArrayView(), scramble1to20()).isEmpty());
}

void tst_Auth::pluginLookup()
{
    const AuthContext ctx{"pw", false, {}};
    auto byName = createAuthPlugin("mysql_native_password", ctx);
    QVERIFY(byName);
    QCOMPARE(byName->name(), QByteArray("mysql_native_password"));
    // An empty name is what a pre-plugin-auth server means by its default.
    auto byDefault = createAuthPlugin("", ctx);
    QVERIFY(byDefault);
    QCOMPARE(byDefault->name(), QByteArray("mysql_native_password"));
    QVERIFY(!createAuthPlugin("no_such_plugin", ctx));
    for (const char *name : {"caching_sha2_password", "sha256_password", "mysql_clear_password", "client_ed25519"}) {
        auto p = createAuthPlugin(name, ctx);
        QVERIFY2(p, name);
        QCOMPARE(p->name(), QByteArray(name));
    }
    QVERIFY(!createAuthPlugin("ed25519", ctx)); // the server-side name is not a client plugin
}

void tst_Auth::nativePluginSteps()
{
    auto plugin = createAuthPlugin("mysql_native_password", AuthContext{"secret", false, {}});
    QVERIFY(plugin);
    const AuthPlugin::Step step = plugin->start(scramble1to20());
    QCOMPARE(step.action, AuthPlugin::Step::Action::Send);
    QCOMPARE(step.data, hex("b32bb3a583e1340c0a1108d58b1be49781ad8c2f"));
    // mysql_native_password is a single round trip: more data from the server is an error.
    const AuthPlugin::Step more = plugin->moreData("\x01\x02");
    QCOMPARE(more.action, AuthPlugin::Step::Action::Fail);
    QVERIFY(!more.error.isEmpty());
}

// --- caching_sha2_password ---------------------------------------------------------------------

void tst_Auth::sha2ScrambleMatchesFormula_data()
{
    QTest::addColumn<QByteArray>("password");
    QTest::addColumn<QByteArray>("scramble");
    QTest::newRow("ascii") << QByteArray("secret") << scramble1to20();
    QTest::newRow("utf8") << QStringLiteral("pässwörd✓").toUtf8() << hex("7f6e5d4c3b2a19087f6e5d4c3b2a1908a1b2c3d4");
    QTest::newRow("long") << QByteArray(300, 'p') << QByteArray(20, '\x7f');
}

void tst_Auth::sha2ScrambleMatchesFormula()
{
    QFETCH(QByteArray, password);
    QFETCH(QByteArray, scramble);
    const QByteArray expected = referenceSha2Scramble(password, scramble);
    QCOMPARE(cachingSha2Scramble(password, scramble), expected);
    QCOMPARE(cachingSha2Scramble(password, scramble + '\0'), expected); // AuthSwitchRequest's NUL
    auto p = plugin("caching_sha2_password", password);
    const AuthPlugin::Step step = p->start(scramble);
    QCOMPARE(step.action, Action::Send);
    QCOMPARE(step.data, expected);
    QVERIFY(cachingSha2Scramble(password + 'x', scramble) != expected);
}

void tst_Auth::sha2FastAuth()
{
    auto p = plugin("caching_sha2_password", "secret");
    QCOMPARE(p->start(scramble1to20()).action, Action::Send);
    // 0x03: the server's cache knew us; its OK packet follows, we send nothing.
    const AuthPlugin::Step ok = p->moreData("\x03");
    QCOMPARE(ok.action, Action::Wait);
    QVERIFY(ok.data.isEmpty());
    // A second verdict is out of step.
    QCOMPARE(p->moreData("\x04").action, Action::Fail);
}

void tst_Auth::sha2FullAuthRequestsKey()
{
    auto p = plugin("caching_sha2_password", "secret");
    p->start(scramble1to20());
    const AuthPlugin::Step request = p->moreData("\x04");
    QCOMPARE(request.action, Action::Send);
    QCOMPARE(request.data, QByteArray("\x02"));
    const AuthPlugin::Step encrypted = p->moreData(rsaKey().publicPem());
    QCOMPARE(encrypted.action, Action::Send);
    QCOMPARE(encrypted.data.size(), 256);
    QVERIFY(!encrypted.data.contains("secret"));
    QCOMPARE(serverDecrypts(encrypted.data, scramble1to20()), QByteArray("secret\0", 7));
    // The server answers with OK or ERR; more data is out of step.
    QCOMPARE(p->moreData("\x03").action, Action::Fail);
}

void tst_Auth::sha2FullAuthWithGivenKey_data()
{
    QTest::addColumn<bool>("pkcs1");
    QTest::newRow("PUBLIC KEY") << false;
    QTest::newRow("RSA PUBLIC KEY") << true;
}

void tst_Auth::sha2FullAuthWithGivenKey()
{
    QFETCH(bool, pkcs1);
    const QByteArray pem = rsaKey().publicPem(pkcs1);
    QVERIFY(pem.contains(pkcs1 ? "BEGIN RSA PUBLIC KEY" : "BEGIN PUBLIC KEY"));
    auto p = plugin("caching_sha2_password", "secret", false, pem);
    p->start(scramble1to20());
    const AuthPlugin::Step encrypted = p->moreData("\x04");
    QCOMPARE(encrypted.action, Action::Send);
    QCOMPARE(serverDecrypts(encrypted.data, scramble1to20()), QByteArray("secret\0", 7));
}

void tst_Auth::sha2FullAuthSecureIsClear()
{
    // A unix socket or TLS: no RSA, the password itself (NUL-terminated), even with a key given.
    auto p = plugin("caching_sha2_password", "secret", true, rsaKey().publicPem());
    p->start(scramble1to20());
    const AuthPlugin::Step clear = p->moreData("\x04");
    QCOMPARE(clear.action, Action::Send);
    QCOMPARE(clear.data, QByteArray("secret\0", 7));
}

void tst_Auth::sha2OutOfStep_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::newRow("unknown verdict") << QByteArray("\x05");
    QTest::newRow("verdict with trailing bytes") << QByteArray("\x03\x00", 2);
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("a key nobody asked for") << rsaKey().publicPem();
}

void tst_Auth::sha2OutOfStep()
{
    QFETCH(QByteArray, data);
    auto p = plugin("caching_sha2_password", "secret");
    p->start(scramble1to20());
    const AuthPlugin::Step step = p->moreData(data);
    QCOMPARE(step.action, Action::Fail);
    QVERIFY2(step.error.contains(u"caching_sha2_password"), qPrintable(step.error));
    QCOMPARE(step.code, quint16(ClientError::AuthPluginError));
}

void tst_Auth::sha2EmptyPassword()
{
    auto p = plugin("caching_sha2_password", "");
    const AuthPlugin::Step step = p->start(scramble1to20());
    QCOMPARE(step.action, Action::Send);
    QVERIFY(step.data.isEmpty());
}

// --- sha256_password ---------------------------------------------------------------------------

void tst_Auth::sha256RequestsKey()
{
    auto p = plugin("sha256_password", "secret");
    const AuthPlugin::Step request = p->start(scramble1to20() + '\0');
    QCOMPARE(request.action, Action::Send);
    QCOMPARE(request.data, QByteArray("\x01"));
    const AuthPlugin::Step encrypted = p->moreData(rsaKey().publicPem());
    QCOMPARE(encrypted.action, Action::Send);
    QCOMPARE(serverDecrypts(encrypted.data, scramble1to20()), QByteArray("secret\0", 7));
    QCOMPARE(p->moreData(rsaKey().publicPem()).action, Action::Fail);
}

void tst_Auth::sha256WithGivenKey()
{
    auto p = plugin("sha256_password", "pässwörd", false, rsaKey().publicPem());
    const AuthPlugin::Step encrypted = p->start(scramble1to20());
    QCOMPARE(encrypted.action, Action::Send);
    QCOMPARE(serverDecrypts(encrypted.data, scramble1to20()), QByteArray("pässwörd") + '\0');
    // OAEP is randomised: the same password never looks the same on the wire twice.
    auto again = plugin("sha256_password", "pässwörd", false, rsaKey().publicPem());
    QVERIFY(again->start(scramble1to20()).data != encrypted.data);
}

void tst_Auth::sha256SecureIsClear()
{
    auto p = plugin("sha256_password", "secret", true);
    const AuthPlugin::Step clear = p->start(scramble1to20());
    QCOMPARE(clear.action, Action::Send);
    QCOMPARE(clear.data, QByteArray("secret\0", 7));
    QCOMPARE(p->moreData("\x01").action, Action::Fail);
}

void tst_Auth::sha256EmptyPassword()
{
    auto p = plugin("sha256_password", "");
    const AuthPlugin::Step step = p->start(scramble1to20());
    QCOMPARE(step.action, Action::Send);
    QVERIFY(step.data.isEmpty());
}

void tst_Auth::rsaBadKey()
{
    auto given = plugin("sha256_password", "secret", false, "-----BEGIN PUBLIC KEY-----\nnonsense\n-----END PUBLIC KEY-----\n");
    const AuthPlugin::Step fromOption = given->start(scramble1to20());
    QCOMPARE(fromOption.action, Action::Fail);
    QVERIFY2(fromOption.error.contains(u"public key"), qPrintable(fromOption.error));

    auto sent = plugin("caching_sha2_password", "secret");
    sent->start(scramble1to20());
    QCOMPARE(sent->moreData("\x04").data, QByteArray("\x02"));
    const AuthPlugin::Step fromServer = sent->moreData("not a key at all");
    QCOMPARE(fromServer.action, Action::Fail);
    QVERIFY2(fromServer.error.contains(u"caching_sha2_password"), qPrintable(fromServer.error));
}

void tst_Auth::rsaPasswordTooLong()
{
    // OAEP-SHA1 with a 2048-bit key holds 214 bytes: the password and its NUL must fit.
    auto fits = plugin("sha256_password", QByteArray(213, 'p'), false, rsaKey().publicPem());
    QCOMPARE(fits->start(scramble1to20()).action, Action::Send);
    auto tooLong = plugin("sha256_password", QByteArray(214, 'p'), false, rsaKey().publicPem());
    const AuthPlugin::Step step = tooLong->start(scramble1to20());
    QCOMPARE(step.action, Action::Fail);
    QVERIFY2(step.error.contains(u"too long"), qPrintable(step.error));
}

// --- mysql_clear_password ----------------------------------------------------------------------

void tst_Auth::clearPassword_data()
{
    QTest::addColumn<bool>("secure");
    QTest::addColumn<bool>("allow");
    QTest::addColumn<bool>("sent");
    QTest::newRow("plain TCP") << false << false << false;
    QTest::newRow("plain TCP, opted in") << false << true << true;
    QTest::newRow("TLS or unix socket") << true << false << true;
}

void tst_Auth::clearPassword()
{
    QFETCH(bool, secure);
    QFETCH(bool, allow);
    QFETCH(bool, sent);
    auto p = plugin("mysql_clear_password", "secret", secure, {}, allow);
    const AuthPlugin::Step step = p->start({});
    if (sent) {
        QCOMPARE(step.action, Action::Send);
        QCOMPARE(step.data, QByteArray("secret\0", 7));
    } else {
        QCOMPARE(step.action, Action::Fail);
        QCOMPARE(step.code, quint16(ClientError::AuthPluginCannotLoad));
        QVERIFY2(step.error.contains(u"mysql_clear_password"), qPrintable(step.error));
        QVERIFY2(step.error.contains(u"unencrypted"), qPrintable(step.error));
        QVERIFY(step.data.isEmpty());
    }
}

// --- client_ed25519 ----------------------------------------------------------------------------

void tst_Auth::ed25519SignatureVerifies_data()
{
    QTest::addColumn<QByteArray>("password");
    QTest::newRow("short") << QByteArray("ed-pw");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("utf8") << QStringLiteral("pässwörd✓").toUtf8();
    QTest::newRow("long") << QByteArray(300, 'p');
}

void tst_Auth::ed25519SignatureVerifies()
{
    QFETCH(QByteArray, password);
    auto p = plugin("client_ed25519", password);
    const AuthPlugin::Step step = p->start(nonce32());
    QCOMPARE(step.action, Action::Send);
    QCOMPARE(step.data.size(), 64);
    const QByteArray publicKey = TestCrypto::ed25519PublicKey(password);
    QVERIFY(TestCrypto::ed25519Verify(step.data, nonce32(), publicKey));
    // It can fail: another nonce, another password, a flipped bit.
    QByteArray otherNonce = nonce32();
    otherNonce[0] = char(otherNonce[0] ^ 1);
    QVERIFY(!TestCrypto::ed25519Verify(step.data, otherNonce, publicKey));
    QVERIFY(!TestCrypto::ed25519Verify(step.data, nonce32(), TestCrypto::ed25519PublicKey(password + 'x')));
    QByteArray flipped = step.data;
    flipped[40] = char(flipped[40] ^ 0x10);
    QVERIFY(!TestCrypto::ed25519Verify(flipped, nonce32(), publicKey));
    // Deterministic, like all Ed25519: the same nonce gives the same signature.
    QCOMPARE(plugin("client_ed25519", password)->start(nonce32()).data, step.data);
}

void tst_Auth::ed25519MatchesStandardEd25519ForSeedSizedPassword()
{
    // For a 32-byte password the derivation is exactly RFC 8032's with the password as seed, so
    // libsodium's own signer must produce the very same bytes.
    const QByteArray password = "0123456789abcdef0123456789abcdef";
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES], sig[crypto_sign_BYTES];
    QCOMPARE(crypto_sign_seed_keypair(pk, sk, reinterpret_cast<const unsigned char *>(password.constData())), 0);
    const QByteArray nonce = nonce32();
    QCOMPARE(crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char *>(nonce.constData()),
                                  quint64(nonce.size()), sk), 0);
    QCOMPARE(plugin("client_ed25519", password)->start(nonce).data, QByteArray(reinterpret_cast<const char *>(sig), sizeof sig));
    QCOMPARE(TestCrypto::ed25519PublicKey(password), QByteArray(reinterpret_cast<const char *>(pk), sizeof pk));
}

void tst_Auth::ed25519KeyStoredByMariaDb()
{
    // MariaDB 10.11's authentication_string for IDENTIFIED VIA ed25519 USING PASSWORD('ed-pw')
    // (the user of scripts/testserver.sh): base64 of A, without padding.
    const QByteArray stored = QByteArray::fromBase64("24FjORYwAV6wiJLDpFI0doShISjOdPNUg1WR7eRAgqA=");
    QCOMPARE(stored.size(), 32);
    QCOMPARE(TestCrypto::ed25519PublicKey("ed-pw"), stored);
    const QByteArray signature = plugin("client_ed25519", "ed-pw")->start(nonce32()).data;
    QVERIFY(TestCrypto::ed25519Verify(signature, nonce32(), stored));
}

void tst_Auth::ed25519WaitsForItsNonce()
{
    // Started from a handshake meant for another plugin (20-byte scramble): nothing to sign yet.
    auto p = plugin("client_ed25519", "ed-pw");
    const AuthPlugin::Step step = p->start(scramble1to20());
    QCOMPARE(step.action, Action::Send);
    QVERIFY(step.data.isEmpty());
}

// --- through the connect exchange ----------------------------------------------------------------

void tst_Auth::exchangeSha2FullAuthAfterTlsIsClear()
{
    // The plugin is chosen from the handshake, before TLS; after the upgrade it must send the
    // password in clear, not ask for a key over a channel that needs none.
    ConnectExchange::Settings s = exchangeSettings();
    s.tls = ConnectExchange::Tls::Required;
    ConnectExchange ex(s);
    QByteArray out;
    QCOMPARE(ex.handle(handshakeFor("caching_sha2_password", MySql8Caps), out), Exchange::Status::Continue);
    QCOMPARE(ex.takeAction(), ConnectExchange::Action::StartTls);
    out.clear();
    QCOMPARE(ex.tlsEstablished(out), Exchange::Status::Continue);
    const auto response = unframe(out);
    QCOMPARE(response.size(), 1);
    QCOMPARE(response[0].first, 2);
    QVERIFY(response[0].second.contains(lenencStr(referenceSha2Scramble("secret", HandshakeSpec().scramble))
                                        + nul("caching_sha2_password")));
    out.clear();
    QCOMPARE(ex.handle(packet("\x01\x04", 3), out), Exchange::Status::Continue);
    QCOMPARE(unframe(out), (QList<QPair<int, QByteArray>>{{4, QByteArray("secret\0", 7)}}));
    out.clear();
    QCOMPARE(ex.handle(packet(okPayload(0, 0, 2, 0), 5), out), Exchange::Status::Done);
}

void tst_Auth::exchangeSha2FullAuthOverRsa()
{
    ConnectExchange ex(exchangeSettings());
    QByteArray out;
    QCOMPARE(ex.handle(handshakeFor("caching_sha2_password"), out), Exchange::Status::Continue);
    out.clear();
    QCOMPARE(ex.handle(packet("\x01\x04", 2), out), Exchange::Status::Continue);
    QCOMPARE(unframe(out), (QList<QPair<int, QByteArray>>{{3, QByteArray("\x02")}}));
    out.clear();
    QCOMPARE(ex.handle(packet('\x01' + rsaKey().publicPem(), 4), out), Exchange::Status::Continue);
    const auto sent = unframe(out);
    QCOMPARE(sent.size(), 1);
    QCOMPARE(sent[0].first, 5);
    QCOMPARE(serverDecrypts(sent[0].second, HandshakeSpec().scramble), QByteArray("secret\0", 7));
    out.clear();
    QCOMPARE(ex.handle(packet(errPayload(1045, "28000", "Access denied"), 6), out), Exchange::Status::Failed);
    QCOMPARE(ex.failure().code, quint16(1045));
}

void tst_Auth::exchangeClearPasswordRefused()
{
    ConnectExchange ex(exchangeSettings());
    QByteArray out;
    QCOMPARE(ex.handle(handshakeFor("mysql_native_password"), out), Exchange::Status::Continue);
    out.clear();
    QCOMPARE(ex.handle(packet('\xfe' + nul("mysql_clear_password"), 2), out), Exchange::Status::Failed);
    QVERIFY(out.isEmpty());
    const Failure &f = ex.failure();
    QVERIFY(f.fatal);
    QVERIFY(!f.fromServer);
    QCOMPARE(f.type, Error::Type::Operational);
    QCOMPARE(f.code, quint16(ClientError::AuthPluginCannotLoad));
    QVERIFY2(f.message.contains(u"mysql_clear_password"), qPrintable(f.message));
}

void tst_Auth::exchangeClearPasswordRefusedAtHandshake()
{
    ConnectExchange::Settings s = exchangeSettings();
    s.authPlugin = "mysql_clear_password";
    ConnectExchange refused(s);
    QByteArray out;
    QCOMPARE(refused.handle(handshakeFor("mysql_native_password"), out), Exchange::Status::Failed);
    QVERIFY(out.isEmpty()); // above all, no password
    QCOMPARE(refused.failure().code, quint16(ClientError::AuthPluginCannotLoad));

    s.allowCleartextPassword = true;
    ConnectExchange allowed(s);
    QCOMPARE(allowed.handle(handshakeFor("mysql_native_password"), out), Exchange::Status::Continue);
    QVERIFY(out.contains(lenencStr(QByteArray("secret\0", 7)) + nul("mysql_clear_password")));
}

void tst_Auth::exchangeEd25519RequestedThenSwitched()
{
    // authPlugin = client_ed25519: MariaDB's handshake scramble is for native, so we answer with
    // nothing under our plugin's name, and the server switches us to it with its nonce.
    ConnectExchange::Settings s = exchangeSettings();
    s.authPlugin = "client_ed25519";
    s.password = "ed-pw";
    ConnectExchange ex(s);
    QByteArray out;
    QCOMPARE(ex.handle(handshakeFor("mysql_native_password", MariaDb1011Caps), out), Exchange::Status::Continue);
    QVERIFY(unframe(out).value(0).second.contains(nul("app") + '\0' + nul("client_ed25519")));
    out.clear();
    QCOMPARE(ex.handle(packet('\xfe' + nul("client_ed25519") + nonce32(), 2), out), Exchange::Status::Continue);
    const auto sent = unframe(out);
    QCOMPARE(sent.size(), 1);
    QCOMPARE(sent[0].first, 3);
    QVERIFY(TestCrypto::ed25519Verify(sent[0].second, nonce32(), TestCrypto::ed25519PublicKey("ed-pw")));
    QCOMPARE(ex.authPlugin(), QByteArray("client_ed25519"));
}

QTEST_APPLESS_MAIN(tst_Auth)
#include "tst_auth.moc"
