// SPDX-License-Identifier: MIT
#include "transport.h"
#include "../client/logging_p.h"
#include "../protocol/constants.h"

#include <QtNetwork/QLocalSocket>
#include <QtNetwork/QSslConfiguration>
#include <QtNetwork/QSslKey>
#include <QtNetwork/QSslSocket>
#include <QtNetwork/QTcpSocket>
#include <QtCore/QCoreApplication>
#include <QtCore/QFile>
#include <QtCore/QScopedValueRollback>

namespace AsyncMySql {

using namespace Protocol;

Transport::Transport(const ConnectOptions &options, QObject *parent) : QObject(parent), m_options(options)
{
    if (!options.unixSocket.isEmpty()) {
        m_local = new QLocalSocket(this);
        m_io = m_local;
        m_local->setReadBufferSize(ReadChunk);
        connect(m_local, &QLocalSocket::connected, this, &Transport::connected);
        connect(m_local, &QLocalSocket::readyRead, this, &Transport::onSocketReadyRead);
        connect(m_local, &QLocalSocket::errorOccurred, this, [this](QLocalSocket::LocalSocketError e) {
            const bool before = m_local->state() != QLocalSocket::ConnectedState && e != QLocalSocket::PeerClosedError;
            onSocketError(before ? ClientError::ConnectionError : ClientError::ServerLost, m_local->errorString());
        });
        connect(m_local, &QLocalSocket::disconnected, this, [this] {
            onSocketError(ClientError::ServerLost, QStringLiteral("the server closed the connection"));
        });
        return;
    }
    if (options.ssl.mode == SslOptions::Mode::Disabled) {
        // Never TLS: a plain socket, opened unbuffered (see open()).
        m_tcp = new QTcpSocket(this);
        m_unbuffered = true;
    } else {
        // The TLS upgrade comes after the server's greeting, on the same connection.
        m_tcp = m_ssl = new QSslSocket(this);
        // Bounds the plaintext buffer, the encrypted one under it and so what OpenSSL is given.
        m_tcp->setReadBufferSize(ReadChunk);
    }
    m_io = m_tcp;
    connect(m_tcp, &QAbstractSocket::connected, this, [this] {
        // Small request packets must not wait for Nagle's algorithm.
        m_tcp->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        m_tcp->setSocketOption(QAbstractSocket::KeepAliveOption, 1);
        Q_EMIT connected();
    });
    connect(m_tcp, &QAbstractSocket::readyRead, this, &Transport::onSocketReadyRead);
    connect(m_tcp, &QAbstractSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
        int code = ClientError::ServerLost;
        if (e == QAbstractSocket::HostNotFoundError)
            code = ClientError::UnknownHost;
        else if (m_tcp->state() != QAbstractSocket::ConnectedState && e != QAbstractSocket::RemoteHostClosedError)
            code = ClientError::ConnHostError;
        else if (e == QAbstractSocket::SslHandshakeFailedError || e == QAbstractSocket::SslInvalidUserDataError
                 || e == QAbstractSocket::SslInternalError)
            code = ClientError::SslConnectionError;
        onSocketError(code, m_tcp->errorString());
    });
    connect(m_tcp, &QAbstractSocket::disconnected, this, [this] {
        onSocketError(ClientError::ServerLost, QStringLiteral("the server closed the connection"));
    });
    if (!m_ssl)
        return;
    connect(m_ssl, &QSslSocket::encrypted, this, &Transport::encrypted);
    connect(m_ssl, &QSslSocket::sslErrors, this, [this](const QList<QSslError> &errors) {
        if (m_tlsMode != SslOptions::Mode::VerifyCa)
            return; // VerifyIdentity: every error is fatal; the other modes verify nothing
        // VerifyCa checks the chain, not the name.
        QList<QSslError> ignorable;
        for (const QSslError &e : errors) {
            if (e.error() != QSslError::HostNameMismatch)
                return;
            ignorable.append(e);
        }
        m_ssl->ignoreSslErrors(ignorable);
    });
}

Transport::~Transport() = default;

namespace {

//! The content of the \a what file \a path, or std::nullopt with *error saying why not.
std::optional<QByteArray> readTlsFile(const QString &path, const QString &what, QString *error)
{
    QFile f(path);
    if (f.open(QIODevice::ReadOnly)) {
        QByteArray bytes = f.readAll();
        if (f.error() == QFileDevice::NoError)
            return bytes;
    }
    *error = QStringLiteral("Cannot read the TLS %1 file '%2': %3").arg(what, path, f.errorString());
    return std::nullopt;
}

//! The PEM certificates in the \a what file \a path; at least one, or std::nullopt with *error.
std::optional<QList<QSslCertificate>> readCertificates(const QString &path, const QString &what, QString *error)
{
    const auto pem = readTlsFile(path, what, error);
    if (!pem)
        return std::nullopt;
    QList<QSslCertificate> certs = QSslCertificate::fromData(*pem, QSsl::Pem);
    if (certs.isEmpty()) {
        *error = QStringLiteral("The TLS %1 file '%2' holds no PEM certificate").arg(what, path);
        return std::nullopt;
    }
    return certs;
}

} // namespace

std::optional<QSslConfiguration> Transport::tlsConfiguration(const SslOptions &ssl, SslOptions::Mode mode, QString *error)
{
    Q_ASSERT(mode != SslOptions::Mode::Default);
    QSslConfiguration conf = ssl.configuration.value_or(QSslConfiguration::defaultConfiguration());
    if (!ssl.configuration) {
        // Checked here, before anything is sent: a file that is missing or wrong would otherwise
        // show only as a handshake the server rejects, or not at all (a CA that verifies nothing).
        if (ssl.cert.isEmpty() != ssl.key.isEmpty()) {
            *error = ssl.key.isEmpty()
                    ? QStringLiteral("The TLS client certificate '%1' needs its private key (key is not set)").arg(ssl.cert)
                    : QStringLiteral("The TLS private key '%1' needs its client certificate (cert is not set)").arg(ssl.key);
            return std::nullopt;
        }
        if (!ssl.ca.isEmpty()) {
            const auto cas = readCertificates(ssl.ca, QStringLiteral("CA"), error);
            if (!cas)
                return std::nullopt;
            conf.setCaCertificates(*cas);
        }
        if (!ssl.cert.isEmpty()) {
            const auto chain = readCertificates(ssl.cert, QStringLiteral("certificate"), error);
            if (!chain)
                return std::nullopt;
            conf.setLocalCertificateChain(*chain);
            const auto pem = readTlsFile(ssl.key, QStringLiteral("key"), error);
            if (!pem)
                return std::nullopt;
            QSslKey key;
            for (const QSsl::KeyAlgorithm algorithm : {QSsl::Rsa, QSsl::Ec, QSsl::Dsa}) {
                key = QSslKey(*pem, algorithm);
                if (!key.isNull())
                    break;
            }
            if (key.isNull()) {
                *error = QStringLiteral("The TLS key file '%1' holds no PEM private key (RSA, EC or DSA, "
                                        "without a passphrase)").arg(ssl.key);
                return std::nullopt;
            }
            conf.setPrivateKey(key);
        }
    }
    // A configuration the user made keeps its own verification unless a mode was chosen.
    if (!ssl.configuration || ssl.mode != SslOptions::Mode::Default) {
        const bool verify = mode == SslOptions::Mode::VerifyCa || mode == SslOptions::Mode::VerifyIdentity;
        conf.setPeerVerifyMode(verify ? QSslSocket::VerifyPeer : QSslSocket::VerifyNone);
    }
    return conf;
}

void Transport::setTls(SslOptions::Mode mode, const QSslConfiguration &configuration)
{
    m_tlsMode = mode;
    m_tlsConfiguration = configuration;
}

void Transport::open()
{
    if (m_local) {
        m_local->connectToServer(m_options.unixSocket);
        return;
    }
    // Unbuffered, a read is one recv() straight into the reader's buffer and a write one send():
    // Qt's buffered socket copies both through ring buffers, asks the kernel how much there is
    // to read (FIONREAD) and turns its write notifier on and off around every send (two changes
    // of the poll set and two wake-ups of the event loop). Measured on the bench's point query:
    // about 4,000 instructions and 5 of 11 system calls less. QSslSocket needs its buffers.
    m_tcp->connectToHost(m_options.host, m_options.port,
                         m_unbuffered ? QIODevice::ReadWrite | QIODevice::Unbuffered : QIODevice::ReadWrite);
}

void Transport::write(const QByteArray &bytes)
{
    const QScopedValueRollback writing(m_writing, true);
    if (m_io->write(bytes) < 0 && m_unbuffered)
        failLater();
    // Qt sends buffered bytes when the socket's write notifier fires, a poll round later: a
    // query would wait that long before it even leaves. So the first write after a reply goes
    // to the kernel at once; what follows before the next reply (pipelined commands, written
    // in the same round) is sent together by one posted flush, which runs before the event
    // loop polls again. No flush is posted when nothing waits: a query and its reply, the
    // common case, cost one send and no posted event (and the unbuffered socket has sent what
    // the kernel took already).
    if (m_flushScheduled || bytesToWrite() == 0)
        return;
    if (!m_flushedDirectly) {
        m_flushedDirectly = true;
        flushNow();
        if (bytesToWrite() == 0)
            return;
    }
    m_flushScheduled = true;
    QMetaObject::invokeMethod(this, [this] {
        m_flushScheduled = false;
        m_flushedDirectly = false;
        flushNow();
    }, Qt::QueuedConnection);
}

void Transport::setWantsWriteProgress(bool wants)
{
    if (wants == m_wantsWriteProgress)
        return;
    m_wantsWriteProgress = wants;
    if (!wants) {
        for (QMetaObject::Connection &c : m_progress)
            disconnect(std::exchange(c, {}));
        return;
    }
    // Connected only now: while nobody listens, a write's progress costs no signal at all.
    if (m_local) {
        m_progress[0] = connect(m_local, &QLocalSocket::bytesWritten, this, &Transport::onBytesWritten);
    } else if (m_tcp) {
        // Over TLS, bytesWritten reports plaintext accepted; encryptedBytesWritten the wire.
        m_progress[0] = connect(m_tcp, &QAbstractSocket::bytesWritten, this, &Transport::onBytesWritten);
        if (m_ssl)
            m_progress[1] = connect(m_ssl, &QSslSocket::encryptedBytesWritten, this, &Transport::onBytesWritten);
    }
}

void Transport::onBytesWritten()
{
    // A flush inside write() reports at once; the writer is still in the middle of its work
    // (and may write again right after), so it hears of it from the event loop instead.
    if (!m_writing) {
        Q_EMIT bytesWritten();
        return;
    }
    if (m_bytesWrittenQueued)
        return;
    m_bytesWrittenQueued = true;
    QMetaObject::invokeMethod(this, [this] {
        m_bytesWrittenQueued = false;
        if (m_wantsWriteProgress)
            Q_EMIT bytesWritten();
    }, Qt::QueuedConnection);
}

void Transport::flushNow()
{
    if (m_tcp)
        m_tcp->flush();
    else if (m_local)
        m_local->flush();
}

void Transport::setReadPaused(bool paused)
{
    m_readPaused = paused;
    if (!paused)
        readyReadLater(); // Qt does not signal again for bytes it holds already
}

qint64 Transport::bytesToWrite() const
{
    if (m_ssl)
        return m_ssl->bytesToWrite() + m_ssl->encryptedBytesToWrite();
    if (m_tcp)
        return m_tcp->bytesToWrite();
    return m_local ? m_local->bytesToWrite() : 0;
}

void Transport::onSocketReadyRead()
{
    m_flushedDirectly = false; // a reply: the next write starts a new exchange
    if (!m_readPaused)
        callReader();
}

void Transport::callReader()
{
    if (m_reader)
        m_reader();
}

qint64 Transport::read(char *data, qint64 max)
{
    const qint64 n = m_io->read(data, max);
    if (n < 0 && m_unbuffered)
        failLater();
    // A short read took all there was: Qt signals what comes next. A full one may have left
    // bytes behind (no bytesAvailable() to ask: for the unbuffered socket that is one more
    // system call per read).
    if (n == max)
        readyReadLater();
    return qMax<qint64>(n, 0);
}

void Transport::readyReadLater()
{
    if (m_readyReadQueued)
        return;
    m_readyReadQueued = true;
    QMetaObject::invokeMethod(this, [this] {
        m_readyReadQueued = false;
        // The unbuffered socket stops signalling while a readyRead goes unanswered, and only a
        // read finds that the server closed: the reader tries.
        if (!m_readPaused && (m_unbuffered || m_io->bytesAvailable() > 0))
            callReader();
    }, Qt::QueuedConnection);
}

void Transport::failLater()
{
    // Unbuffered, Qt notes a failure it meets in read() or write() (the server closed, the
    // connection was reset) but emits nothing: reported here, from the event loop as Qt's own
    // reports come, never from inside the caller's read() or write().
    if (m_reported || m_failQueued)
        return;
    m_failQueued = true;
    QMetaObject::invokeMethod(this, [this, why = m_tcp->errorString()] {
        onSocketError(ClientError::ServerLost, why);
    }, Qt::QueuedConnection);
}

void Transport::startTls()
{
    Q_ASSERT(m_ssl); // a session with TLS disabled never asks for it
    if (!m_ssl) {
        onSocketError(ClientError::SslConnectionError, QStringLiteral("TLS is disabled for this connection"));
        return;
    }
    m_ssl->setSslConfiguration(m_tlsConfiguration);
    m_ssl->flush(); // the SSLRequest must leave in clear before the TLS ClientHello
    m_ssl->startClientEncryption();
}

void Transport::abort()
{
    m_reported = true;
    if (m_local) {
        m_local->abort();
    } else if (m_tcp && (!QCoreApplication::instance() || QCoreApplication::closingDown())) {
        // Deleted with the application (a connection parented to it): Qt has destroyed its TLS
        // back-end by now, and QSslSocket::close() would start one up again, which cannot work
        // without an application ("QObject::connect(QObject, Unknown): invalid nullptr
        // parameter"). Deleting the socket closes the TCP connection without TLS code. No
        // event loop runs then, so no signal of the socket is on the stack.
        delete std::exchange(m_tcp, nullptr);
        m_ssl = nullptr;
        m_io = nullptr;
    } else if (m_tcp) {
        m_tcp->abort();
    }
}

void Transport::flushAndAbort()
{
    flushNow();
    abort();
}

void Transport::closeGracefully()
{
    m_reported = true;
    if (m_tcp) {
        m_tcp->disconnectFromHost();
    } else {
        m_local->disconnectFromServer();
    }
}

bool Transport::isEncrypted() const
{
    return m_ssl && m_ssl->isEncrypted();
}

QSslCipher Transport::sessionCipher() const
{
    return isEncrypted() ? m_ssl->sessionCipher() : QSslCipher();
}

QSsl::SslProtocol Transport::sessionProtocol() const
{
    return isEncrypted() ? m_ssl->sessionProtocol() : QSsl::UnknownProtocol;
}

QString Transport::peerName() const
{
    if (m_local)
        return m_options.unixSocket;
    return QStringLiteral("%1:%2").arg(m_options.host).arg(m_options.port);
}

void Transport::onSocketError(int code, const QString &what)
{
    if (m_reported)
        return; // one report per connection: errorOccurred and disconnected both fire
    m_reported = true;
    Q_EMIT failed(code, what);
}

} // namespace AsyncMySql
