// SPDX-License-Identifier: MIT
// my.cnf parsing and how its settings combine with explicit options.
#include "client/connectoptions_p.h"
#include "client/optionfile_p.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QSslSocket>
#include <QtTest/QTest>

using namespace AsyncMySql;

namespace {
void writeFile(const QString &path, const QByteArray &text)
{
    QFile f(path);
    QVERIFY2(f.open(QIODevice::WriteOnly), qPrintable(path));
    f.write(text);
}
} // namespace

class tst_OptionFile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void syntax()
    {
        const OptionFile f = OptionFile::parse(uR"(# comment
; another comment
[client]
host = db.example   # trailing comment
port=3307
user_name = alice
password = "p#ss \"quoted\"\tx"
empty =
flag
[Client]
socket = '/run/my sql.sock'
[mysqld]
port = 1
)");
        const QHash<QString, QString> client = f.group(QStringLiteral("client"));
        QCOMPARE(client.value(QStringLiteral("host")), QStringLiteral("db.example"));
        QCOMPARE(client.value(QStringLiteral("port")), QStringLiteral("3307"));
        QCOMPARE(client.value(QStringLiteral("user-name")), QStringLiteral("alice")); // _ reads as -
        QCOMPARE(client.value(QStringLiteral("password")), QStringLiteral("p#ss \"quoted\"\tx"));
        QVERIFY(client.contains(QStringLiteral("empty")));
        QVERIFY(client.value(QStringLiteral("empty")).isEmpty());
        QVERIFY(client.contains(QStringLiteral("flag")));
        // Group names are case-insensitive; a group may appear twice.
        QCOMPARE(client.value(QStringLiteral("socket")), QStringLiteral("/run/my sql.sock"));
        QCOMPARE(f.group(QStringLiteral("mysqld")).value(QStringLiteral("port")), QStringLiteral("1"));
        QVERIFY(f.warnings().isEmpty());
    }

    void laterSettingWinsAndBadLinesWarn()
    {
        const OptionFile f = OptionFile::parse(u"orphan = 1\n[client]\nport = 1\nport = 2\n[broken\nport = 3\n!frobnicate x\n");
        QCOMPARE(f.group(QStringLiteral("client")).value(QStringLiteral("port")), QStringLiteral("2"));
        QCOMPARE(f.warnings().size(), 4); // orphan, broken header, the line under it, the directive
    }

    void includes()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QDir(dir.path()).mkdir(QStringLiteral("conf.d"));
        writeFile(dir.filePath(QStringLiteral("my.cnf")),
                  "[client]\nuser = base\nhost = h1\n!include extra.cnf\n!includedir conf.d\n!include missing.cnf\n");
        writeFile(dir.filePath(QStringLiteral("extra.cnf")), "[client]\nhost = h2\n");
        writeFile(dir.filePath(QStringLiteral("conf.d/a.cnf")), "[client]\nport = 1\n");
        writeFile(dir.filePath(QStringLiteral("conf.d/b.cnf")), "[client]\nport = 2\n");
        writeFile(dir.filePath(QStringLiteral("conf.d/ignored.txt")), "[client]\nport = 3\n");
        const OptionFile f = OptionFile::load(dir.filePath(QStringLiteral("my.cnf")));
        const auto client = f.group(QStringLiteral("client"));
        QCOMPARE(client.value(QStringLiteral("user")), QStringLiteral("base"));
        QCOMPARE(client.value(QStringLiteral("host")), QStringLiteral("h2"));
        QCOMPARE(client.value(QStringLiteral("port")), QStringLiteral("2")); // files in name order
        QCOMPARE(f.warnings().size(), 1);
        QVERIFY(f.warnings().first().contains(QLatin1String("missing.cnf")));
    }

    void includeLoopEnds()
    {
        QTemporaryDir dir;
        writeFile(dir.filePath(QStringLiteral("a.cnf")), "[client]\nuser = a\n!include a.cnf\n");
        const OptionFile f = OptionFile::load(dir.filePath(QStringLiteral("a.cnf")));
        QCOMPARE(f.group(QStringLiteral("client")).value(QStringLiteral("user")), QStringLiteral("a"));
        QVERIFY(!f.warnings().isEmpty());
    }

    // Found by fuzz_optionfile: a file that includes its own directory three times was read
    // 3^10 times (the depth limit was the only bound), which hung open() for minutes.
    void includeFanOutReadsEachFileOnce()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("my.cnf"));
        writeFile(path, "[client]\nuser = a\n!includedir .\n!includedir .\n!includedir .\n");
        const OptionFile f = OptionFile::load(path);
        QCOMPARE(f.group(QStringLiteral("client")).value(QStringLiteral("user")), QStringLiteral("a"));
        QCOMPARE(f.warnings().size(), 3);
        for (const QString &w : f.warnings())
            QVERIFY2(w.contains(QLatin1String("already read")), qPrintable(w));
    }

    void applyFillsDefaultsOnly()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("my.cnf"));
        writeFile(path, "[client]\nhost = filehost\nport = 3310\nuser = fileuser\npassword = filepw\n"
                        "database = filedb\ndefault-character-set = latin1\nssl-mode = VERIFY_IDENTITY\n"
                        "ssl-ca = /file/ca.pem\nconnect-timeout = 2\n"
                        "[app]\nuser = appuser\nsocket = /tmp/app.sock\n");
        ConnectOptions given;
        given.readDefaultFile = path;
        given.readDefaultGroup = QStringLiteral("app");
        given.host = QStringLiteral("explicit-host");
        given.password = QStringLiteral("explicit-pw");
        const ConnectOptions o = applyOptionFile(given);
        QCOMPARE(o.host, QStringLiteral("explicit-host"));
        QCOMPARE(o.password, QStringLiteral("explicit-pw"));
        QCOMPARE(o.port, quint16(3310));
        QCOMPARE(o.user, QStringLiteral("appuser")); // the named group wins over [client]
        QCOMPARE(o.database, QStringLiteral("filedb"));
        QCOMPARE(o.unixSocket, QStringLiteral("/tmp/app.sock"));
        QCOMPARE(o.charset, QStringLiteral("latin1"));
        QCOMPARE(o.ssl.mode, SslOptions::Mode::VerifyIdentity);
        QCOMPARE(o.ssl.ca, QStringLiteral("/file/ca.pem"));
        QCOMPARE(o.connectTimeout, std::chrono::milliseconds(2000));

        ConnectOptions none;
        none.host = QStringLiteral("h");
        QCOMPARE(applyOptionFile(none).host, QStringLiteral("h")); // no file: unchanged
    }

    void caGivenMeansVerified()
    {
        // The mode left at its default: a CA means "verify the server", from every source.
        QCOMPARE(ConnectOptions().ssl.mode, SslOptions::Mode::Default);
        QCOMPARE(effectiveSslMode(ConnectOptions().ssl), SslOptions::Mode::Preferred);
        const ConnectOptions url = ConnectOptions::fromUrl(QUrl(QStringLiteral("mysql://u@h/db?ssl-ca=/ca.pem")));
        QCOMPARE(url.ssl.mode, SslOptions::Mode::Default);
        QCOMPARE(effectiveSslMode(url.ssl), SslOptions::Mode::VerifyIdentity);

        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("my.cnf"));
        writeFile(path, "[client]\nssl-ca = /file/ca.pem\n");
        ConnectOptions given;
        given.readDefaultFile = path;
        const ConnectOptions fromFile = applyOptionFile(given);
        QCOMPARE(fromFile.ssl.ca, QStringLiteral("/file/ca.pem"));
        QCOMPARE(effectiveSslMode(fromFile.ssl), SslOptions::Mode::VerifyIdentity);
        // An explicit mode, from the program or the file, keeps its meaning.
        given.ssl.mode = SslOptions::Mode::Preferred;
        QCOMPARE(effectiveSslMode(applyOptionFile(given).ssl), SslOptions::Mode::Preferred);
        writeFile(path, "[client]\nssl-ca = /file/ca.pem\nssl-mode = REQUIRED\n");
        given.ssl.mode = SslOptions::Mode::Default;
        QCOMPARE(effectiveSslMode(applyOptionFile(given).ssl), SslOptions::Mode::Required);
        const ConnectOptions preferredUrl =
                ConnectOptions::fromUrl(QUrl(QStringLiteral("mysql://u@h/db?ssl-ca=/ca.pem&ssl-mode=preferred")));
        QCOMPARE(effectiveSslMode(preferredUrl.ssl), SslOptions::Mode::Preferred);
    }

    void configurationKeepsItsVerifyMode_data()
    {
        QTest::addColumn<QSslSocket::PeerVerifyMode>("verify");
        QTest::addColumn<SslOptions::Mode>("effective");
        QTest::newRow("verify-peer") << QSslSocket::VerifyPeer << SslOptions::Mode::VerifyIdentity;
        QTest::newRow("auto-verify-peer") << QSslSocket::AutoVerifyPeer << SslOptions::Mode::VerifyIdentity;
        QTest::newRow("verify-none") << QSslSocket::VerifyNone << SslOptions::Mode::Preferred;
        QTest::newRow("query-peer") << QSslSocket::QueryPeer << SslOptions::Mode::Preferred;
    }

    void configurationKeepsItsVerifyMode()
    {
        QFETCH(QSslSocket::PeerVerifyMode, verify);
        QFETCH(SslOptions::Mode, effective);
        SslOptions ssl;
        ssl.configuration = QSslConfiguration::defaultConfiguration();
        ssl.configuration->setPeerVerifyMode(verify);
        QCOMPARE(effectiveSslMode(ssl), effective);
        ssl.mode = SslOptions::Mode::Required; // a chosen mode wins
        QCOMPARE(effectiveSslMode(ssl), SslOptions::Mode::Required);
    }

    // Found by fuzz_url: 1e300 seconds converted to qint64 milliseconds was undefined behaviour
    // (UBSan float-cast-overflow; on x86 it became a huge negative timeout).
    void invalidTimeoutsKeepTheDefault_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<qint64>("ms"); // -1: the default stays
        QTest::newRow("fraction") << QStringLiteral("2.5") << qint64(2500);
        QTest::newRow("zero") << QStringLiteral("0") << qint64(0);
        QTest::newRow("largest") << QStringLiteral("2147483.647") << qint64(2147483647);
        QTest::newRow("huge") << QStringLiteral("1e300") << qint64(-1);
        QTest::newRow("above INT_MAX ms") << QStringLiteral("2147484") << qint64(-1);
        QTest::newRow("infinite") << QStringLiteral("inf") << qint64(-1);
        QTest::newRow("nan") << QStringLiteral("nan") << qint64(-1);
        QTest::newRow("negative") << QStringLiteral("-1") << qint64(-1);
        QTest::newRow("text") << QStringLiteral("soon") << qint64(-1);
    }

    void invalidTimeoutsKeepTheDefault()
    {
        QFETCH(QString, value);
        QFETCH(qint64, ms);
        const ConnectOptions defaults;
        const auto expect = [&](std::chrono::milliseconds fallback) {
            return ms < 0 ? fallback : std::chrono::milliseconds(ms);
        };
        const ConnectOptions url = ConnectOptions::fromUrl(
                QUrl(QStringLiteral("mysql://h/?connect-timeout=%1&query-timeout=%1").arg(value)));
        QCOMPARE(url.connectTimeout, expect(defaults.connectTimeout));
        QCOMPARE(url.queryTimeout, expect(defaults.queryTimeout));

        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("my.cnf"));
        writeFile(path, "[client]\nconnect-timeout = " + value.toLatin1() + '\n');
        ConnectOptions given;
        given.readDefaultFile = path;
        QCOMPARE(applyOptionFile(given).connectTimeout, expect(defaults.connectTimeout));
    }

    void unreadableFileKeepsOptions()
    {
        ConnectOptions given;
        given.readDefaultFile = QStringLiteral("/nonexistent/my.cnf");
        given.user = QStringLiteral("u");
        const ConnectOptions o = applyOptionFile(given);
        QCOMPARE(o.user, QStringLiteral("u"));
        QCOMPARE(o.host, ConnectOptions().host);
    }
};

QTEST_GUILESS_MAIN(tst_OptionFile)
#include "tst_optionfile.moc"
