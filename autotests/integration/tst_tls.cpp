// SPDX-License-Identifier: MIT
// TLS modes against the real MariaDB (started with the CA/server/client certificates of
// scripts/testserver.sh) and, for what that server cannot show (a certificate for another host
// name, no TLS at all), against a tiny scripted server that speaks just enough of the protocol.
#include "testutil.h"
#include "../fault/fakeserver.h"

#include <QtCore/QFile>
#include <QtCore/QSocketNotifier>
#include <QtNetwork/QSslConfiguration>
#include <QtNetwork/QSslKey>
#include <QtNetwork/QSslSocket>

#include <sys/socket.h>

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

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(TestUtil::haveServer(), "run through scripts/test.sh (it starts the server)");
        QVERIFY2(QFile::exists(sslFile("ca.pem")), "ASYNCMYSQL_TEST_SSL_DIR has no ca.pem");
        QVERIFY(QSslSocket::supportsSsl());
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
    }

    void modesThatConnect()
    {
        QFETCH(SslOptions::Mode, mode);
        QFETCH(bool, encrypted);
        Connection conn(tlsOptions(mode));
        AWAIT(conn.open());
        QCOMPARE(!cipherOf(conn).isEmpty(), encrypted);
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

    void preferredFallsBackToPlain()
    {
        // A server without TLS: Preferred logs in in clear (the server gets a handshake response).
        FakeServer server(FakeServer::login());
        Connection conn(fakeOptions(server.port(), SslOptions::Mode::Preferred, QStringLiteral("127.0.0.1")));
        AWAIT(conn.open());
        QCOMPARE(server.received().size(), 1);
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
