// SPDX-License-Identifier: MIT
#include "transport.h"
#include "../client/logging_p.h"
#include "../protocol/constants.h"

#include <QtNetwork/QLocalSocket>
#include <QtNetwork/QSslConfiguration>
#include <QtNetwork/QSslKey>
#include <QtNetwork/QSslSocket>
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
        connect(m_local, &QLocalSocket::bytesWritten, this, &Transport::onBytesWritten);
        connect(m_local, &QLocalSocket::errorOccurred, this, [this](QLocalSocket::LocalSocketError e) {
            const bool before = m_local->state() != QLocalSocket::ConnectedState && e != QLocalSocket::PeerClosedError;
            onSocketError(before ? ClientError::ConnectionError : ClientError::ServerLost, m_local->errorString());
        });
        connect(m_local, &QLocalSocket::disconnected, this, [this] {
            onSocketError(ClientError::ServerLost, QStringLiteral("the server closed the connection"));
        });
        return;
    }
    m_tcp = new QSslSocket(this);
    m_io = m_tcp;
    // Bounds the plaintext buffer, the encrypted one under it and so what OpenSSL is given.
    m_tcp->setReadBufferSize(ReadChunk);
    connect(m_tcp, &QSslSocket::connected, this, [this] {
        // Small request packets must not wait for Nagle's algorithm.
        m_tcp->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        m_tcp->setSocketOption(QAbstractSocket::KeepAliveOption, 1);
        Q_EMIT connected();
    });
    connect(m_tcp, &QSslSocket::readyRead, this, &Transport::onSocketReadyRead);
    // Over TLS, bytesWritten reports plaintext accepted; encryptedBytesWritten the wire.
    connect(m_tcp, &QSslSocket::bytesWritten, this, &Transport::onBytesWritten);
    connect(m_tcp, &QSslSocket::encryptedBytesWritten, this, &Transport::onBytesWritten);
    connect(m_tcp, &QSslSocket::encrypted, this, &Transport::encrypted);
    connect(m_tcp, &QSslSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
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
    connect(m_tcp, &QSslSocket::disconnected, this, [this] {
        onSocketError(ClientError::ServerLost, QStringLiteral("the server closed the connection"));
    });
    connect(m_tcp, &QSslSocket::sslErrors, this, [this](const QList<QSslError> &errors) {
        if (m_options.ssl.mode != SslOptions::Mode::VerifyCa)
            return; // VerifyIdentity: every error is fatal; the other modes verify nothing
        // VerifyCa checks the chain, not the name.
        QList<QSslError> ignorable;
        for (const QSslError &e : errors) {
            if (e.error() != QSslError::HostNameMismatch)
                return;
            ignorable.append(e);
        }
        m_tcp->ignoreSslErrors(ignorable);
    });
}

Transport::~Transport() = default;

void Transport::open()
{
    if (m_local) {
        m_local->connectToServer(m_options.unixSocket);
        return;
    }
    m_tcp->connectToHost(m_options.host, m_options.port);
}

void Transport::write(const QByteArray &bytes)
{
    const QScopedValueRollback writing(m_writing, true);
    m_io->write(bytes);
    // Qt sends buffered bytes when the socket's write notifier fires, a poll round later: a
    // query would wait that long before it even leaves. So the first write of a round goes to
    // the kernel at once, and what follows in the same round (pipelined commands) is sent
    // together by one posted flush, which runs before the event loop polls again.
    if (m_flushScheduled)
        return;
    m_flushScheduled = true;
    flushNow();
    QMetaObject::invokeMethod(this, [this] {
        m_flushScheduled = false;
        flushNow();
    }, Qt::QueuedConnection);
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
        Q_EMIT bytesWritten();
    }, Qt::QueuedConnection);
}

void Transport::flushNow()
{
    if (m_tcp)
        m_tcp->flush();
    else
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
    return m_tcp ? m_tcp->bytesToWrite() + m_tcp->encryptedBytesToWrite() : m_local->bytesToWrite();
}

void Transport::onSocketReadyRead()
{
    if (!m_readPaused)
        Q_EMIT readyRead();
}

qint64 Transport::read(char *data, qint64 max)
{
    const qint64 n = m_io->read(data, max);
    if (m_io->bytesAvailable() > 0)
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
        if (!m_readPaused && m_io->bytesAvailable() > 0)
            Q_EMIT readyRead();
    }, Qt::QueuedConnection);
}

void Transport::startTls()
{
    Q_ASSERT(m_tcp);
    const SslOptions &ssl = m_options.ssl;
    QSslConfiguration conf = ssl.configuration.value_or(QSslConfiguration::defaultConfiguration());
    if (!ssl.configuration) {
        if (!ssl.ca.isEmpty())
            conf.setCaCertificates(QSslCertificate::fromPath(ssl.ca, QSsl::Pem));
        if (!ssl.cert.isEmpty()) {
            const auto certs = QSslCertificate::fromPath(ssl.cert, QSsl::Pem);
            if (!certs.isEmpty())
                conf.setLocalCertificate(certs.first());
        }
        if (!ssl.key.isEmpty()) {
            QFile f(ssl.key);
            if (f.open(QIODevice::ReadOnly)) {
                const QByteArray pem = f.readAll();
                QSslKey key(pem, QSsl::Rsa);
                if (key.isNull())
                    key = QSslKey(pem, QSsl::Ec);
                conf.setPrivateKey(key);
            }
        }
    }
    const bool verify = ssl.mode == SslOptions::Mode::VerifyCa || ssl.mode == SslOptions::Mode::VerifyIdentity;
    conf.setPeerVerifyMode(verify ? QSslSocket::VerifyPeer : QSslSocket::VerifyNone);
    m_tcp->setSslConfiguration(conf);
    m_tcp->flush(); // the SSLRequest must leave in clear before the TLS ClientHello
    m_tcp->startClientEncryption();
}

void Transport::abort()
{
    m_reported = true;
    if (m_tcp)
        m_tcp->abort();
    else
        m_local->abort();
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
    return m_tcp && m_tcp->isEncrypted();
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
