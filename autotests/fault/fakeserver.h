// SPDX-License-Identifier: MIT
// A scripted MySQL server on 127.0.0.1 for what a real server never does: malformed packets,
// wrong sequence ids, disconnects mid-result. Each accepted connection plays the script.
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>

#include <functional>

class FakeServer : public QObject
{
public:
    struct Step
    {
        enum class Kind { Send, Raw, Expect, Close } kind;
        QByteArray bytes; // Send: payload; Raw: bytes as they are
        quint8 seq = 0;
    };

    static Step send(quint8 seq, const QByteArray &payload) { return {Step::Kind::Send, payload, seq}; }
    static Step raw(const QByteArray &bytes) { return {Step::Kind::Raw, bytes, 0}; }
    //! Waits for one client packet (stored in received()).
    static Step expect() { return {Step::Kind::Expect, {}, 0}; }
    static Step close() { return {Step::Kind::Close, {}, 0}; }

    explicit FakeServer(QList<Step> script) : m_script(std::move(script))
    {
        m_server.listen(QHostAddress::LocalHost);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            m_socket = m_server.nextPendingConnection();
            connect(m_socket, &QTcpSocket::readyRead, this, [this] { onRead(); });
            run();
        });
    }

    quint16 port() const { return m_server.serverPort(); }
    const QList<QByteArray> &received() const { return m_received; }

    static QByteArray frame(quint8 seq, const QByteArray &payload)
    {
        QByteArray out;
        const qsizetype n = payload.size();
        out.append(char(n & 0xff)).append(char((n >> 8) & 0xff)).append(char((n >> 16) & 0xff)).append(char(seq));
        return out + payload;
    }

    //! A MySQL 8-like HandshakeV10 offering mysql_native_password, without TLS.
    static QByteArray handshake()
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
        p.append("mysql_native_password").append('\0');
        return p;
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
    //! The login part every script starts with: handshake, response, OK.
    static QList<Step> login() { return {send(0, handshake()), expect(), send(2, ok())}; }

private:
    void run()
    {
        while (m_pos < m_script.size()) {
            const Step &s = m_script.at(m_pos);
            if (s.kind == Step::Kind::Expect) {
                if (!takePacket())
                    return; // resumes in onRead()
            } else if (s.kind == Step::Kind::Send) {
                m_socket->write(frame(s.seq, s.bytes));
            } else if (s.kind == Step::Kind::Raw) {
                m_socket->write(s.bytes);
            } else {
                m_socket->flush();
                m_socket->disconnectFromHost();
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
        if (m_buffer.size() < 4)
            return false;
        const qsizetype n = quint8(m_buffer[0]) | (quint8(m_buffer[1]) << 8) | (quint8(m_buffer[2]) << 16);
        if (m_buffer.size() < 4 + n)
            return false;
        m_received.append(m_buffer.mid(4, n));
        m_buffer.remove(0, 4 + n);
        return true;
    }

    QTcpServer m_server;
    QTcpSocket *m_socket = nullptr;
    QList<Step> m_script;
    qsizetype m_pos = 0;
    QByteArray m_buffer;
    QList<QByteArray> m_received;
};
