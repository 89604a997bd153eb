// SPDX-License-Identifier: MIT
// TLS modes against the real MariaDB (started with the CA/server/client certificates of
// scripts/testserver.sh) and, for what that server cannot show (a certificate for another host
// name, no TLS at all), against a tiny scripted server that speaks just enough of the protocol.
#include "testutil.h"
#include "../fault/fakeserver.h"

#include <QtCore/QFile>
#include <QtCore/QRegularExpression>
#include <QtCore/QSocketNotifier>
#include <QtCore/QTemporaryDir>
#include <QtTest/QSignalSpy>
#include <QtNetwork/QSslConfiguration>
#include <QtNetwork/QSslKey>
#include <QtNetwork/QSslSocket>

#include <sys/socket.h>
#include <unistd.h>

using namespace AsyncMySql;

namespace {

QString sslFile(const char *name)
{
    return qEnvironmentVariable("ASYNCMYSQL_TEST_SSL_DIR") + QLatin1Char('/') + QLatin1String(name);
}

//! FakeServer's handshake, plus the CLIENT_SSL capability (bit 11: byte 1 of the lower flags).
QByteArray handshakeOfferingTls()
{
    QByteArray hs = FakeServer::handshake();
    const qsizetype capsAt = hs.indexOf('\0') + 1 + 4 + 9; // version, thread id, scramble part 1 + filler
    hs[capsAt + 1] = char(hs[capsAt + 1] | 0x08);
    return hs;
}

/*!
    A server that offers TLS with the certificate \a certName (from the test CA dir), takes the
    SSLRequest, upgrades, reads the handshake response and accepts it. Just enough to show what
    a client's certificate checks make of that certificate.
*/
class TlsFakeServer : public QTcpServer
{
public:
    explicit TlsFakeServer(const char *certName)
    {
        m_config = QSslConfiguration::defaultConfiguration();
        m_config.setLocalCertificate(QSslCertificate::fromPath(sslFile(certName) + QStringLiteral("-cert.pem")).value(0));
        QFile key(sslFile(certName) + QStringLiteral("-key.pem"));
        if (key.open(QIODevice::ReadOnly))
            m_config.setPrivateKey(QSslKey(key.readAll(), QSsl::Rsa));
        m_config.setPeerVerifyMode(QSslSocket::VerifyNone);
        listen(QHostAddress::LocalHost);
    }
    bool responseReceived = false;

protected:
    void incomingConnection(qintptr fd) override
    {
        // The plain part with the socket itself: Qt's sockets read everything that arrived,
        // and the TLS ClientHello the client sends right behind its SSLRequest must stay in
        // the kernel for QSslSocket's handshake to find.
        const QByteArray hs = FakeServer::frame(0, handshakeOfferingTls());
        if (::send(int(fd), hs.constData(), size_t(hs.size()), 0) != hs.size())
            return;
        auto *notifier = new QSocketNotifier(fd, QSocketNotifier::Read, this);
        connect(notifier, &QSocketNotifier::activated, this, [this, fd, notifier] {
            char request[4 + 32]; // the SSLRequest: header + 32-byte payload
            if (::recv(int(fd), request, sizeof request, MSG_PEEK) < qsizetype(sizeof request))
                return; // not all of it yet
            if (::recv(int(fd), request, sizeof request, 0) != sizeof request || request[3] != 1)
                return;
            notifier->deleteLater();
            startTls(fd);
        });
    }

    void startTls(qintptr fd)
    {
        auto *s = new QSslSocket(this);
        s->setSocketDescriptor(fd);
        s->setSslConfiguration(m_config);
        connect(s, &QSslSocket::readyRead, this, [this, s] {
            m_buffer += s->readAll();
            if (m_buffer.size() < 4 || m_buffer.size() < 4 + (quint8(m_buffer[0]) | (quint8(m_buffer[1]) << 8)))
                return;
            if (quint8(m_buffer[3]) == 2) { // the handshake response, inside TLS
                responseReceived = true;
                s->write(FakeServer::frame(3, FakeServer::ok()));
            }
            m_buffer.clear();
        });
        s->startServerEncryption();
    }

private:
    QSslConfiguration m_config;
    QByteArray m_buffer;
};

} // namespace

class tst_Tls : public QObject
{
    Q_OBJECT

    static ConnectOptions tlsOptions(SslOptions::Mode mode, const char *ca = "ca.pem")
    {
        ConnectOptions o = TestUtil::options();
        o.ssl.mode = mode;
        o.ssl.ca = sslFile(ca);
        return o;
    }

    static ConnectOptions fakeOptions(quint16 port, SslOptions::Mode mode, const QString &host)
    {
        ConnectOptions o;
        o.host = host;
        o.port = port;
        o.user = QStringLiteral("u");
        o.password = QStringLiteral("p");
        o.autocommit = true; // the fake server says autocommit is on: no setup statements
        o.connectTimeout = std::chrono::seconds(5);
        o.ssl.mode = mode;
        o.ssl.ca = sslFile("ca.pem");
        return o;
    }

    //! The session's cipher, as the server sees it ("" without TLS).
    static QString cipherOf(Connection &conn)
    {
        return AWAIT(conn.query(QStringLiteral("SHOW SESSION STATUS LIKE 'Ssl_cipher'"))).rows().value(0).value(1).toString();
    }

    QTemporaryDir m_files; // garbage and unreadable TLS files

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(TestUtil::haveServer(), "run through scripts/test.sh (it starts the server)");
        QVERIFY2(QFile::exists(sslFile("ca.pem")), "ASYNCMYSQL_TEST_SSL_DIR has no ca.pem");
        QVERIFY(QSslSocket::supportsSsl());
        QVERIFY(m_files.isValid());
        QFile garbage(m_files.filePath(QStringLiteral("garbage.pem")));
        QVERIFY(garbage.open(QIODevice::WriteOnly));
        garbage.write("-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n");
        garbage.close();
        QVERIFY(QFile::copy(sslFile("client-key.pem"), m_files.filePath(QStringLiteral("unreadable.pem"))));
        QVERIFY(QFile::setPermissions(m_files.filePath(QStringLiteral("unreadable.pem")), QFile::Permissions()));
    }

    void modesThatConnect_data()
    {
        QTest::addColumn<SslOptions::Mode>("mode");
        QTest::addColumn<bool>("encrypted");
        QTest::newRow("disabled") << SslOptions::Mode::Disabled << false;
        QTest::newRow("preferred") << SslOptions::Mode::Preferred << true;
        QTest::newRow("required") << SslOptions::Mode::Required << true;
        QTest::newRow("verify-ca") << SslOptions::Mode::VerifyCa << true;
        // The server certificate names 127.0.0.1 (and localhost), the address we connect to.
        QTest::newRow("verify-identity") << SslOptions::Mode::VerifyIdentity << true;
        QTest::newRow("default, ca given") << SslOptions::Mode::Default << true; // VerifyIdentity
    }

    void modesThatConnect()
    {
        QFETCH(SslOptions::Mode, mode);
        QFETCH(bool, encrypted);
        Connection conn(tlsOptions(mode));
        AWAIT(conn.open());
        QCOMPARE(!cipherOf(conn).isEmpty(), encrypted);
    }

    void caGivenMeansVerified()
    {
        // The mode left at its default: the CA is used to verify the server.
        Connection wrong(tlsOptions(SslOptions::Mode::Default, "other-ca.pem"));
        EXPECT_ERROR(wrong.open(), OperationalError, 2026);
        QVERIFY(wrong.isClosed());
        Connection right(tlsOptions(SslOptions::Mode::Default));
        AWAIT(right.open());
        QVERIFY(right.isEncrypted());
        // Preferred chosen explicitly still means "no certificate checks".
        Connection preferred(tlsOptions(SslOptions::Mode::Preferred, "other-ca.pem"));
        AWAIT(preferred.open());
        QVERIFY(preferred.isEncrypted());
    }

    void encryptionReported()
    {
        Connection conn(tlsOptions(SslOptions::Mode::Required));
        QVERIFY(!conn.isEncrypted()); // not open yet
        QSignalSpy stateChanges(&conn, &Connection::stateChanged); // the property's NOTIFY
        AWAIT(conn.open());
        QVERIFY(conn.isEncrypted());
        QVERIFY(conn.property("encrypted").toBool());
        QVERIFY(!stateChanges.isEmpty());
        QVERIFY(!conn.sslCipher().isNull());
        // What the server reports for the session is what the client negotiated.
        QCOMPARE(conn.sslCipher().name(), cipherOf(conn));
        const QString version = AWAIT(conn.query(QStringLiteral("SHOW SESSION STATUS LIKE 'Ssl_version'")))
                                        .rows().value(0).value(1).toString();
        const QSsl::SslProtocol protocol = conn.sslProtocol();
        QVERIFY2(protocol == QSsl::TlsV1_3 ? version == u"TLSv1.3" : protocol == QSsl::TlsV1_2 && version == u"TLSv1.2",
                 qPrintable(QStringLiteral("client %1, server %2").arg(int(protocol)).arg(version)));
        conn.close();
        QVERIFY(!conn.isEncrypted());
        QVERIFY(conn.sslCipher().isNull());

        Connection plain(tlsOptions(SslOptions::Mode::Disabled));
        AWAIT(plain.open());
        QVERIFY(!plain.isEncrypted());
        QVERIFY(plain.sslCipher().isNull());
        QCOMPARE(plain.sslProtocol(), QSsl::UnknownProtocol);

        ConnectOptions o = tlsOptions(SslOptions::Mode::Required);
        o.unixSocket = qEnvironmentVariable("ASYNCMYSQL_TEST_SOCKET");
        QVERIFY2(!o.unixSocket.isEmpty(), "ASYNCMYSQL_TEST_SOCKET is not set");
        Connection local(o);
        AWAIT(local.open());
        QVERIFY(!local.isEncrypted());
        QVERIFY(local.sslCipher().isNull());
        QCOMPARE(local.sslProtocol(), QSsl::UnknownProtocol);
    }

    void unusableFilesFailOpen_data()
    {
        // Which option (ca, cert, key) points where, and what the error must say.
        QTest::addColumn<QString>("ca");
        QTest::addColumn<QString>("cert");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("mentions");
        const QString ca = sslFile("ca.pem"), cert = sslFile("client-cert.pem"), key = sslFile("client-key.pem");
        const QString missing = QStringLiteral("%1/no-such-file.pem").arg(m_files.path());
        const QString garbage = m_files.filePath(QStringLiteral("garbage.pem"));
        const QString directory = m_files.path();
        QTest::newRow("missing ca") << missing << QString() << QString() << missing;
        QTest::newRow("garbage ca") << garbage << QString() << QString() << garbage;
        QTest::newRow("ca is a key") << key << QString() << QString() << key;
        QTest::newRow("missing cert") << ca << missing << key << missing;
        QTest::newRow("garbage cert") << ca << garbage << key << garbage;
        QTest::newRow("missing key") << ca << cert << missing << missing;
        QTest::newRow("garbage key") << ca << cert << garbage << garbage;
        QTest::newRow("key is a certificate") << ca << cert << cert << QStringLiteral("key file '%1'").arg(cert);
        QTest::newRow("key is a directory") << ca << cert << directory << directory;
        if (::geteuid() != 0) // root reads every file
            QTest::newRow("unreadable key") << ca << cert << m_files.filePath(QStringLiteral("unreadable.pem"))
                                            << m_files.filePath(QStringLiteral("unreadable.pem"));
        QTest::newRow("cert without key") << ca << cert << QString() << cert;
        QTest::newRow("key without cert") << ca << QString() << key << key;
    }

    void unusableFilesFailOpen()
    {
        // Against the real server, whose connection would otherwise succeed: the file is
        // checked on open(), before anything is sent, and the error names it.
        QFETCH(QString, ca);
        QFETCH(QString, cert);
        QFETCH(QString, key);
        QFETCH(QString, mentions);
        ConnectOptions o = tlsOptions(SslOptions::Mode::Required);
        o.ssl.ca = ca;
        o.ssl.cert = cert;
        o.ssl.key = key;
        o.user = qEnvironmentVariable("ASYNCMYSQL_TEST_X509_USER");
        o.password = qEnvironmentVariable("ASYNCMYSQL_TEST_X509_PASSWORD");
        Connection conn(o);
        QSignalSpy stateChanges(&conn, &Connection::stateChanged);
        auto err = TestUtil::errorOf(conn.open());
        QVERIFY2(err, "open() succeeded");
        QVERIFY2(dynamic_cast<const OperationalError *>(err.get()), qPrintable(err->toString()));
        QCOMPARE(err->code(), 2026);
        QVERIFY2(err->message().contains(mentions), qPrintable(err->message()));
        QVERIFY2(stateChanges.isEmpty(), "the connection was started"); // never Connecting: no socket
        QVERIFY(conn.isClosed());
    }

    void filesNotReadWithoutTls()
    {
        // Disabled, or a unix socket: TLS is never used, so its files do not matter.
        ConnectOptions o = tlsOptions(SslOptions::Mode::Disabled, "no-such-ca.pem");
        {
            Connection conn(o);
            AWAIT(conn.open());
        }
        o.ssl.mode = SslOptions::Mode::VerifyIdentity;
        o.unixSocket = qEnvironmentVariable("ASYNCMYSQL_TEST_SOCKET");
        Connection conn(o);
        AWAIT(conn.open());
    }

    void configurationKeepsItsVerifyMode()
    {
        // A whole configuration, mode left at its default: its VerifyPeer stays, so without the
        // test CA (only the system's) the server's certificate does not verify...
        QSslConfiguration conf = QSslConfiguration::defaultConfiguration();
        conf.setPeerVerifyMode(QSslSocket::VerifyPeer);
        ConnectOptions o = TestUtil::options();
        o.ssl.configuration = conf;
        {
            Connection conn(o);
            EXPECT_ERROR(conn.open(), OperationalError, 2026);
        }
        // ... with it, it does (and the name 127.0.0.1 matches).
        o.ssl.configuration->setCaCertificates(QSslCertificate::fromPath(sslFile("ca.pem")));
        {
            Connection conn(o);
            AWAIT(conn.open());
            QVERIFY(conn.isEncrypted());
        }
        // VerifyNone: TLS without checks, as the configuration says.
        conf.setPeerVerifyMode(QSslSocket::VerifyNone);
        o.ssl.configuration = conf;
        {
            Connection conn(o);
            AWAIT(conn.open());
            QVERIFY(conn.isEncrypted());
        }
        // A chosen mode still decides: Required checks nothing.
        conf.setPeerVerifyMode(QSslSocket::VerifyPeer);
        o.ssl.configuration = conf;
        o.ssl.mode = SslOptions::Mode::Required;
        Connection conn(o);
        AWAIT(conn.open());
        QVERIFY(conn.isEncrypted());
    }

    void wrongCaFailsVerification_data()
    {
        QTest::addColumn<SslOptions::Mode>("mode");
        QTest::newRow("verify-ca") << SslOptions::Mode::VerifyCa;
        QTest::newRow("verify-identity") << SslOptions::Mode::VerifyIdentity;
    }

    void wrongCaFailsVerification()
    {
        QFETCH(SslOptions::Mode, mode);
        Connection conn(tlsOptions(mode, "other-ca.pem"));
        EXPECT_ERROR(conn.open(), OperationalError, 2026);
        QVERIFY(conn.isClosed());
        // Without verification the same CA file is no obstacle.
        Connection unverified(tlsOptions(SslOptions::Mode::Required, "other-ca.pem"));
        AWAIT(unverified.open());
        QVERIFY(!cipherOf(unverified).isEmpty());
    }

    void otherHostNamePassesVerifyCaOnly()
    {
        // A certificate from the right CA, issued to wrong.example: the chain is fine, the name is not.
        TlsFakeServer server("wronghost");
        {
            Connection conn(fakeOptions(server.serverPort(), SslOptions::Mode::VerifyCa, QStringLiteral("127.0.0.1")));
            AWAIT(conn.open());
            QVERIFY(server.responseReceived);
            QCOMPARE(conn.state(), Connection::State::Connected);
        }
        server.responseReceived = false;
        Connection conn(fakeOptions(server.serverPort(), SslOptions::Mode::VerifyIdentity, QStringLiteral("127.0.0.1")));
        auto err = TestUtil::errorOf(conn.open());
        QVERIFY(err);
        QVERIFY2(dynamic_cast<const OperationalError *>(err.get()), qPrintable(err->toString()));
        QCOMPARE(err->code(), 2026);
        QVERIFY2(!server.responseReceived, "the password went to a server whose name did not match");
        QVERIFY(conn.isClosed());
    }

    void requiredWithoutServerTls_data()
    {
        QTest::addColumn<SslOptions::Mode>("mode");
        QTest::newRow("default with a ca") << SslOptions::Mode::Default; // fakeOptions() sets ca
        QTest::newRow("required") << SslOptions::Mode::Required;
        QTest::newRow("verify-ca") << SslOptions::Mode::VerifyCa;
        QTest::newRow("verify-identity") << SslOptions::Mode::VerifyIdentity;
    }

    void requiredWithoutServerTls()
    {
        QFETCH(SslOptions::Mode, mode);
        FakeServer server({FakeServer::send(0, FakeServer::handshake()), FakeServer::expect()});
        Connection conn(fakeOptions(server.port(), mode, QStringLiteral("127.0.0.1")));
        auto err = TestUtil::errorOf(conn.open());
        QVERIFY(err);
        QVERIFY2(dynamic_cast<const OperationalError *>(err.get()), qPrintable(err->toString()));
        QCOMPARE(err->code(), 2026);
        QVERIFY2(err->message().contains(QLatin1String("TLS")), qPrintable(err->message()));
        QVERIFY2(server.received().isEmpty(), "credentials were sent in clear");
        QVERIFY(conn.isClosed());
    }

    void preferredFallsBackToPlain_data()
    {
        QTest::addColumn<SslOptions::Mode>("mode");
        QTest::addColumn<bool>("withCa");
        QTest::newRow("preferred") << SslOptions::Mode::Preferred << true;
        QTest::newRow("default, no ca") << SslOptions::Mode::Default << false;
    }

    void preferredFallsBackToPlain()
    {
        // A server without TLS: Preferred logs in in clear (the server gets a handshake
        // response), says so in one warning, and the connection reports it is not encrypted.
        QFETCH(SslOptions::Mode, mode);
        QFETCH(bool, withCa);
        FakeServer server(FakeServer::login());
        ConnectOptions o = fakeOptions(server.port(), mode, QStringLiteral("127.0.0.1"));
        if (!withCa)
            o.ssl.ca.clear();
        Connection conn(o);
        const QRegularExpression fallback(QStringLiteral("^127\\.0\\.0\\.1:\\d+ offers no TLS: ssl mode Preferred "
                                                         "continues without encryption"));
        QTest::ignoreMessage(QtWarningMsg, fallback);
        QTest::failOnWarning(fallback); // a second one would fail the test: one line per session
        AWAIT(conn.open());
        QCOMPARE(server.received().size(), 1);
        QVERIFY(!conn.isEncrypted());
        QVERIFY(!conn.property("encrypted").toBool());
        QVERIFY(conn.sslCipher().isNull());
        QCOMPARE(conn.sslProtocol(), QSsl::UnknownProtocol);
    }

    void defaultWithCaChecksHostName()
    {
        // Mode left at its default with a CA: VerifyIdentity, so the right CA's certificate for
        // another name is refused before the password goes out (VerifyCa takes it, see
        // otherHostNamePassesVerifyCaOnly).
        TlsFakeServer server("wronghost");
        Connection conn(fakeOptions(server.serverPort(), SslOptions::Mode::Default, QStringLiteral("127.0.0.1")));
        EXPECT_ERROR(conn.open(), OperationalError, 2026);
        QVERIFY2(!server.responseReceived, "the password went to a server whose name did not match");
        QVERIFY(conn.isClosed());
    }

    void x509UserNeedsClientCertificate()
    {
        ConnectOptions o = tlsOptions(SslOptions::Mode::VerifyIdentity);
        o.user = qEnvironmentVariable("ASYNCMYSQL_TEST_X509_USER");
        o.password = qEnvironmentVariable("ASYNCMYSQL_TEST_X509_PASSWORD");
        {
            Connection conn(o);
            EXPECT_ERROR(conn.open(), OperationalError, 1045);
        }
        o.ssl.cert = sslFile("client-cert.pem");
        o.ssl.key = sslFile("client-key.pem");
        Connection conn(o);
        AWAIT(conn.open());
        QVERIFY(!cipherOf(conn).isEmpty());
        const QString user = AWAIT(conn.query(QStringLiteral("SELECT CURRENT_USER()"))).rows().value(0).value(0).toString();
        QVERIFY2(user.startsWith(o.user + QLatin1Char('@')), qPrintable(user));
    }

    void wholeSslConfiguration()
    {
        // A QSslConfiguration wins over ca/cert/key: here it carries the client certificate.
        QSslConfiguration conf = QSslConfiguration::defaultConfiguration();
        conf.setCaCertificates(QSslCertificate::fromPath(sslFile("ca.pem")));
        conf.setLocalCertificate(QSslCertificate::fromPath(sslFile("client-cert.pem")).value(0));
        QFile key(sslFile("client-key.pem"));
        QVERIFY(key.open(QIODevice::ReadOnly));
        conf.setPrivateKey(QSslKey(key.readAll(), QSsl::Rsa));
        ConnectOptions o = tlsOptions(SslOptions::Mode::VerifyCa, "other-ca.pem"); // ignored
        o.ssl.configuration = conf;
        o.user = qEnvironmentVariable("ASYNCMYSQL_TEST_X509_USER");
        o.password = qEnvironmentVariable("ASYNCMYSQL_TEST_X509_PASSWORD");
        Connection conn(o);
        AWAIT(conn.open());
        QVERIFY(!cipherOf(conn).isEmpty());
    }

    void fromUrlWithCaOnly()
    {
        // ssl-ca without ssl-mode: verified, so the wrong CA is refused.
        const QString url = QStringLiteral("mysql://%1:%2@127.0.0.1:%3/%4?ssl-ca=%5")
                                    .arg(qEnvironmentVariable("ASYNCMYSQL_TEST_USER"),
                                         qEnvironmentVariable("ASYNCMYSQL_TEST_PASSWORD"),
                                         qEnvironmentVariable("ASYNCMYSQL_TEST_PORT"),
                                         qEnvironmentVariable("ASYNCMYSQL_TEST_DB"));
        Connection wrong(ConnectOptions::fromUrl(QUrl(url.arg(sslFile("other-ca.pem")))));
        EXPECT_ERROR(wrong.open(), OperationalError, 2026);
        Connection right(ConnectOptions::fromUrl(QUrl(url.arg(sslFile("ca.pem")))));
        AWAIT(right.open());
        QVERIFY(right.isEncrypted());
    }

    void fromUrl()
    {
        const QString url = QStringLiteral("mysql://%1:%2@127.0.0.1:%3/%4?ssl-mode=verify-identity&ssl-ca=%5")
                                    .arg(qEnvironmentVariable("ASYNCMYSQL_TEST_USER"),
                                         qEnvironmentVariable("ASYNCMYSQL_TEST_PASSWORD"),
                                         qEnvironmentVariable("ASYNCMYSQL_TEST_PORT"),
                                         qEnvironmentVariable("ASYNCMYSQL_TEST_DB"), sslFile("ca.pem"));
        Connection conn(ConnectOptions::fromUrl(QUrl(url)));
        AWAIT(conn.open());
        QVERIFY(!cipherOf(conn).isEmpty());
    }
};

QTEST_GUILESS_MAIN(tst_Tls)
#include "tst_tls.moc"
