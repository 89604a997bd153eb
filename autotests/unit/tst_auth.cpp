// SPDX-License-Identifier: MIT
#include "protocol/auth.h"
#include "testutil.h"

#include <QtCore/QCryptographicHash>
#include <QtTest/QTest>

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

QTEST_APPLESS_MAIN(tst_Auth)
#include "tst_auth.moc"
