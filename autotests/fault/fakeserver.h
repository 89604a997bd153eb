// SPDX-License-Identifier: MIT
// A scripted MySQL server on 127.0.0.1 (or a unix socket) for what a real server never does:
// malformed packets, wrong sequence ids, disconnects mid-result, or what MariaDB cannot show
// (MySQL 8's authentication). Each accepted connection plays the script.
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QLocalServer>
#include <QtNetwork/QLocalSocket>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>

#include <zstd.h>

#include <functional>

class FakeServer : public QObject
{
public:
    struct Step
    {
        enum class Kind { Send, Raw, Expect, Respond, Close, StartZstd, ZstdFrame, NextConnection } kind;
        QByteArray bytes; // Send: payload; Raw: bytes as they are; ZstdFrame: inner bytes
        quint8 seq = 0;
        qsizetype announced = -1; // ZstdFrame: the inflated size in the header, if not the real one
        //! Respond: given the client packet, the steps that follow it.
        std::function<QList<Step>(const QByteArray &)> respond = {};
    };

    static Step send(quint8 seq, const QByteArray &payload) { return {Step::Kind::Send, payload, seq}; }
    static Step raw(const QByteArray &bytes) { return {Step::Kind::Raw, bytes, 0}; }
    //! Waits for one client packet (stored in received()).
    static Step expect() { return {Step::Kind::Expect, {}, 0}; }
    //! Waits for one client packet and plays what \a f makes of it: a server that decides.
    static Step respond(std::function<QList<Step>(const QByteArray &)> f) { return {Step::Kind::Respond, {}, 0, -1, std::move(f)}; }
    static Step close() { return {Step::Kind::Close, {}, 0}; }
    //! Waits for the client's next connection (a reconnect): the steps after it play on that one.
    static Step nextConnection() { return {Step::Kind::NextConnection, {}, 0}; }
    //! From here on both directions speak the zstd compressed protocol (after the login OK).
    static Step startZstd() { return {Step::Kind::StartZstd, {}, 0}; }
    /*! One compressed packet (sequence id \a seq) holding \a inner, framed packets or a slice of
        them, as one zstd frame; \a announced replaces the true inflated size in the header. */
    static Step zstdFrame(quint8 seq, const QByteArray &inner, qsizetype announced = -1)
    {
        return {Step::Kind::ZstdFrame, inner, seq, announced};
    }

    //! A compressed packet the client sent (zstd mode).
    struct Frame
    {
        quint8 seq = 0;
        qsizetype inflatedSize = 0; // 0: stored as it is
        QByteArray body;
    };

    enum class Listen { Tcp, UnixSocket };

    explicit FakeServer(QList<Step> script, Listen listen = Listen::Tcp) : m_script(std::move(script))
    {
        if (listen == Listen::UnixSocket) {
            m_local.listen(m_dir.filePath(QStringLiteral("fake.sock")));
            connect(&m_local, &QLocalServer::newConnection, this, [this] { accept(m_local.nextPendingConnection()); });
            return;
        }
        m_server.listen(QHostAddress::LocalHost);
        connect(&m_server, &QTcpServer::newConnection, this, [this] { accept(m_server.nextPendingConnection()); });
    }

    quint16 port() const { return m_server.serverPort(); }
    //! The path of the unix socket (Listen::UnixSocket).
    QString socketPath() const { return m_local.fullServerName(); }
    const QList<QByteArray> &received() const { return m_received; }
    const QList<Frame> &receivedFrames() const { return m_frames; }

    static QByteArray frame(quint8 seq, const QByteArray &payload)
    {
        QByteArray out;
        const qsizetype n = payload.size();
        out.append(char(n & 0xff)).append(char((n >> 8) & 0xff)).append(char((n >> 16) & 0xff)).append(char(seq));
        return out + payload;
    }

    //! The 20 bytes of auth plugin data in handshake().
    static QByteArray scramble() { return QByteArrayLiteral("abcdefghijklmnopqrst"); }

    //! A MySQL 8-like HandshakeV10 offering \a plugin (scramble()), without TLS.
    static QByteArray handshake(const QByteArray &plugin = "mysql_native_password")
    {
        QByteArray p;
        p.append(char(10)).append("8.0.36-fake").append('\0');
        p.append("\x07\x00\x00\x00", 4);                 // thread id 7
        p.append("abcdefgh").append('\0');               // scramble part 1 + filler
        const quint32 caps = 0x0001 | 0x0004 | 0x0008 | 0x0200 | 0x2000 | 0x8000 | (1u << 16)
                | (1u << 17) | (1u << 19) | (1u << 20) | (1u << 21) | (1u << 24);
        p.append(char(caps & 0xff)).append(char((caps >> 8) & 0xff));
        p.append(char(45));                              // utf8mb4_general_ci
        p.append("\x02\x00", 2);                         // status: autocommit
        p.append(char((caps >> 16) & 0xff)).append(char((caps >> 24) & 0xff));
        p.append(char(21));                              // auth data length
        p.append(QByteArray(10, '\0'));
        p.append("ijklmnopqrst").append('\0');           // scramble part 2
        p.append(plugin).append('\0');
        return p;
    }
    static QByteArray authSwitch(const QByteArray &plugin, const QByteArray &data) { return '\xfe' + plugin + '\0' + data; }
    static QByteArray authMoreData(const QByteArray &data) { return '\x01' + data; }
    static QByteArray err(quint16 code, const QByteArray &sqlState, const QByteArray &message)
    {
        return '\xff' + QByteArray(1, char(code & 0xff)) + char(code >> 8) + '#' + sqlState + message;
    }

    //! The fields of a HandshakeResponse41 a server looks at.
    struct Response
    {
        QByteArray user, authResponse, database, plugin;
        bool ok = false;
    };
    static Response parseResponse(const QByteArray &p)
    {
        Response r;
        qsizetype at = 0;
        const auto fixed = [&](int n) {
            quint64 v = 0;
            for (int i = 0; i < n && at + i < p.size(); ++i)
                v |= quint64(quint8(p[at + i])) << (8 * i);
            at += n;
            return v;
        };
        const auto nulString = [&] {
            const qsizetype end = p.indexOf('\0', at);
            const QByteArray out = end < 0 ? QByteArray() : p.mid(at, end - at);
            at = end < 0 ? p.size() + 1 : end + 1;
            return out;
        };
        const quint32 caps = quint32(fixed(4));
        at += 4 + 1 + 23; // max packet size, collation, filler
        r.user = nulString();
        qsizetype authLength = qsizetype(fixed(1));
        if (authLength == 0xfc || authLength == 0xfd)
            authLength = qsizetype(fixed(authLength == 0xfc ? 2 : 3));
        r.authResponse = p.mid(at, authLength);
        at += authLength;
        if (caps & (1u << 3)) // CLIENT_CONNECT_WITH_DB
            r.database = nulString();
        if (caps & (1u << 19)) // CLIENT_PLUGIN_AUTH
            r.plugin = nulString();
        r.ok = at <= p.size() && r.authResponse.size() == authLength;
        return r;
    }
    static QByteArray ok(quint16 status = 0x0002) { return QByteArray("\x00\x00\x00", 3) + char(status & 0xff) + char(status >> 8) + QByteArray("\x00\x00", 2); }
    static QByteArray eofOk(quint16 status = 0x0002) { QByteArray p = ok(status); p[0] = char(0xfe); return p; }
    static QByteArray lenencString(const QByteArray &s) { return char(s.size()) + s; }
    //! A column definition for a VARCHAR column called \a name.
    static QByteArray column(const QByteArray &name)
    {
        QByteArray p = lenencString("def") + lenencString("db") + lenencString("t") + lenencString("t")
                + lenencString(name) + lenencString(name);
        p.append(char(0x0c)).append("\x2d\x00", 2).append("\x00\x01\x00\x00", 4).append(char(253));
        p.append("\x00\x00", 2).append(char(0)).append("\x00\x00", 2);
        return p;
    }
    //! \a handshake (a HandshakeV10 payload) with \a extra capability bits offered as well.
    static QByteArray withCapabilities(QByteArray handshake, quint32 extra)
    {
        const qsizetype low = handshake.indexOf('\0', 1) + 1 + 4 + 9; // after version, thread id, scramble 1
        const qsizetype high = low + 2 + 1 + 2;                        // after collation and status
        auto orInto = [&](qsizetype at, quint32 bits) {
            handshake[at] = char(quint8(handshake[at]) | (bits & 0xff));
            handshake[at + 1] = char(quint8(handshake[at + 1]) | ((bits >> 8) & 0xff));
        };
        orInto(low, extra & 0xffff);
        orInto(high, extra >> 16);
        return handshake;
    }
    //! The login part every script starts with: handshake, response, OK.
    static QList<Step> login() { return {send(0, handshake()), expect(), send(2, ok())}; }

private:
    void accept(QIODevice *socket)
    {
        if (m_socket)
            m_socket->disconnect(this); // an earlier connection: the script has moved on
        m_socket = socket;
        m_buffer.clear();
        ++m_connections;
        connect(m_socket, &QIODevice::readyRead, this, [this] { onRead(); });
        run();
    }

    void run()
    {
        while (m_pos < m_script.size()) {
            const Step &s = m_script.at(m_pos);
            if (s.kind == Step::Kind::Expect || s.kind == Step::Kind::Respond) {
                if (!takePacket())
                    return; // resumes in onRead()
                if (s.kind == Step::Kind::Respond) {
                    const auto respond = s.respond; // the insertion below invalidates s
                    const QList<Step> next = respond(m_received.last());
                    for (qsizetype i = 0; i < next.size(); ++i)
                        m_script.insert(m_pos + 1 + i, next.at(i));
                }
            } else if (s.kind == Step::Kind::Send) {
                m_socket->write(frame(s.seq, s.bytes));
            } else if (s.kind == Step::Kind::Raw) {
                m_socket->write(s.bytes);
            } else if (s.kind == Step::Kind::StartZstd) {
                m_zstd = true;
            } else if (s.kind == Step::Kind::ZstdFrame) {
                m_socket->write(zstdCompressed(s.seq, s.bytes, s.announced));
            } else if (s.kind == Step::Kind::NextConnection) {
                if (m_connections <= m_connectionsUsed)
                    return; // resumes in accept()
                ++m_connectionsUsed;
            } else if (auto *tcp = qobject_cast<QTcpSocket *>(m_socket)) {
                tcp->flush();
                tcp->disconnectFromHost();
            } else if (auto *local = qobject_cast<QLocalSocket *>(m_socket)) {
                local->flush();
                local->disconnectFromServer();
            }
            ++m_pos;
        }
    }

    void onRead()
    {
        m_buffer += m_socket->readAll();
        run();
    }

    bool takePacket()
    {
        if (m_zstd)
            return takeCompressedPacket();
        if (m_buffer.size() < 4)
            return false;
        const qsizetype n = quint8(m_buffer[0]) | (quint8(m_buffer[1]) << 8) | (quint8(m_buffer[2]) << 16);
        if (m_buffer.size() < 4 + n)
            return false;
        m_received.append(m_buffer.mid(4, n));
        m_buffer.remove(0, 4 + n);
        return true;
    }

    static qsizetype u24(const QByteArray &b, qsizetype at)
    {
        return quint8(b[at]) | (quint8(b[at + 1]) << 8) | (quint8(b[at + 2]) << 16);
    }

    static QByteArray zstdCompressed(quint8 seq, const QByteArray &inner, qsizetype announced)
    {
        QByteArray body(qsizetype(ZSTD_compressBound(size_t(inner.size()))), '\0');
        body.resize(qsizetype(ZSTD_compress(body.data(), size_t(body.size()), inner.constData(), size_t(inner.size()), 3)));
        const qsizetype n = body.size(), m = announced >= 0 ? announced : inner.size();
        QByteArray out;
        out.append(char(n & 0xff)).append(char((n >> 8) & 0xff)).append(char((n >> 16) & 0xff)).append(char(seq));
        out.append(char(m & 0xff)).append(char((m >> 8) & 0xff)).append(char((m >> 16) & 0xff));
        return out + body;
    }

    //! zstd mode: unwraps every complete compressed packet, then takes one packet from inside.
    bool takeCompressedPacket()
    {
        while (m_buffer.size() >= 7 && m_buffer.size() >= 7 + u24(m_buffer, 0)) {
            Frame f{quint8(m_buffer[3]), u24(m_buffer, 4), m_buffer.mid(7, u24(m_buffer, 0))};
            m_buffer.remove(0, 7 + f.body.size());
            if (f.inflatedSize == 0) {
                m_inner += f.body;
            } else {
                QByteArray plain(f.inflatedSize, '\0');
                const size_t r = ZSTD_decompress(plain.data(), size_t(plain.size()), f.body.constData(), size_t(f.body.size()));
                m_inner += ZSTD_isError(r) ? QByteArray("zstd error") : plain.left(qsizetype(r));
            }
            m_frames.append(f);
        }
        if (m_inner.size() < 4 || m_inner.size() < 4 + u24(m_inner, 0))
            return false;
        m_received.append(m_inner.mid(4, u24(m_inner, 0)));
        m_inner.remove(0, 4 + m_received.last().size());
        return true;
    }

    QTcpServer m_server;
    QTemporaryDir m_dir; // holds the unix socket
    QLocalServer m_local;
    QIODevice *m_socket = nullptr;
    QList<Step> m_script;
    qsizetype m_pos = 0;
    int m_connections = 0;     // accepted so far
    int m_connectionsUsed = 1; // the one the script plays on (1: the first)
    QByteArray m_buffer;
    QList<QByteArray> m_received;
    bool m_zstd = false;
    QByteArray m_inner; // zstd mode: the packet stream inside the compressed packets
    QList<Frame> m_frames;
};
