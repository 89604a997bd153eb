// SPDX-License-Identifier: MIT
// The byte pipe under a connection: TCP (QSslSocket, with the mid-handshake TLS upgrade, or an
// unbuffered QTcpSocket when TLS is disabled) or a unix socket (QLocalSocket). It knows nothing
// of the protocol.
#pragma once

#include <AsyncMySql/ConnectOptions.h>

#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtNetwork/QSslCipher>
#include <QtNetwork/QSslConfiguration>

#include <functional>
#include <optional>

class QAbstractSocket;
class QSslSocket;
class QLocalSocket;
class QIODevice;

namespace AsyncMySql {

class Transport : public QObject
{
    Q_OBJECT
public:
    explicit Transport(const ConnectOptions &options, QObject *parent = nullptr);
    ~Transport() override;

    /*! The configuration startTls() will use for \a ssl, whose effective mode (never Default)
        is \a mode: ca, cert and key read and parsed unless ssl.configuration is given, and the
        peer verify mode set from \a mode, except for a configuration with ssl.mode Default,
        which keeps its own. std::nullopt, with \a error saying which file is wrong and why, if
        a file cannot be read or parsed or a cert comes without its key (or a key without). */
    static std::optional<QSslConfiguration> tlsConfiguration(const SslOptions &ssl, SslOptions::Mode mode,
                                                             QString *error);
    //! What startTls() uses; \a mode is the effective one (see tlsConfiguration()).
    void setTls(SslOptions::Mode mode, const QSslConfiguration &configuration);
    /*! The most the socket buffers beside the operating system (Qt's read buffer; the
        unbuffered socket has none), and so the most one read() returns: what is not read waits
        in the kernel, whose TCP window then makes the server wait. Memory stays bounded however
        fast the server sends. */
    static constexpr qint64 ReadChunk = 64 * 1024;

    void open();
    void write(const QByteArray &bytes);
    /*! Who reads: called (from the event loop) when bytes may be waiting. A plain function, not
        a signal: it runs for every reply, and a signal costs a connection lookup and a slot
        object per call. Set an empty one before dropping the transport (deleteLater()): a
        call may be queued. */
    void setReader(std::function<void()> reader) { m_reader = std::move(reader); }
    /*! While paused, the reader is not called; nothing is read, so the socket fills its bounded
        buffer and the operating system's TCP window does the rest: the server waits. Resuming
        calls it (from the event loop) if bytes may be waiting. */
    void setReadPaused(bool paused);
    //! Bytes written but not yet handed to the operating system (for flow control).
    qint64 bytesToWrite() const;
    /*! Whether bytesWritten is emitted (off at first). Only a writer that paces itself by the
        socket's progress needs it (the LOCAL INFILE upload); for everyone else each report
        would cost a queued call per write. */
    void setWantsWriteProgress(bool wants);
    /*! Reads up to \a max bytes into \a data; returns how many (0 when none wait). When more
        may be left (all \a max were read), the reader is called again from the event loop (Qt
        would not signal bytes it already holds), so a reader that takes a bounded amount per
        call never stalls. */
    qint64 read(char *data, qint64 max);
    //! Starts the TLS handshake on the open TCP connection (after the SSLRequest was written).
    void startTls();
    //! Closes at once, discarding unsent bytes. Emits nothing.
    void abort();
    //! Writes what is buffered, then closes.
    void closeGracefully();
    /*! Hands what is buffered to the operating system now, as far as it takes it without
        blocking, then closes at once (the system still sends what it took). Emits nothing. */
    void flushAndAbort();
    bool isLocal() const { return m_local != nullptr; }
    bool isEncrypted() const;
    //! The TLS session's cipher and protocol (null / UnknownProtocol without TLS).
    QSslCipher sessionCipher() const;
    QSsl::SslProtocol sessionProtocol() const;
    QString peerName() const;

Q_SIGNALS:
    void connected();
    void encrypted();
    //! Some written bytes left for the network (bytesToWrite() went down). Never emitted from
    //! inside write(), and only while setWantsWriteProgress(true).
    void bytesWritten();
    //! The connection ended or failed; \a code is a client error number (2002, 2003, 2013, 2026...).
    void failed(int code, const QString &message);

private:
    void onSocketError(int code, const QString &what);
    void flushNow();
    void onBytesWritten();
    void onSocketReadyRead();
    void readyReadLater();
    void callReader();
    void failLater();

    ConnectOptions m_options;
    SslOptions::Mode m_tlsMode = SslOptions::Mode::Preferred;
    QSslConfiguration m_tlsConfiguration;
    QAbstractSocket *m_tcp = nullptr; // the QSslSocket, or the QTcpSocket when TLS is disabled
    QSslSocket *m_ssl = nullptr;      // m_tcp if it is the QSslSocket
    QLocalSocket *m_local = nullptr;
    QIODevice *m_io = nullptr;
    bool m_reported = false;
    bool m_unbuffered = false;         // m_tcp is opened Unbuffered: Qt neither buffers nor reports failures
    bool m_failQueued = false;
    QMetaObject::Connection m_progress[2]; // the socket's bytesWritten (and encryptedBytesWritten)
    bool m_flushScheduled = false;
    bool m_flushedDirectly = false;    // a write went out at once since the last reply or posted flush
    bool m_wantsWriteProgress = false;
    bool m_writing = false;            // inside write()
    bool m_bytesWrittenQueued = false;
    bool m_readPaused = false;
    bool m_readyReadQueued = false;
    std::function<void()> m_reader;
};

} // namespace AsyncMySql
