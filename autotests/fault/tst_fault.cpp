// SPDX-License-Identifier: MIT
// Hostile and broken servers: every case ends in a typed error and a closed connection, never a
// crash, a hang, or a connection left out of step.
#include "fakeserver.h"
#include "../integration/testutil.h"

#include <zstd.h>

using namespace AsyncMySql;
using Script = QList<FakeServer::Step>;

class tst_Fault : public QObject
{
    Q_OBJECT

    static ConnectOptions optionsFor(const FakeServer &server)
    {
        ConnectOptions o;
        o.host = QStringLiteral("127.0.0.1");
        o.port = server.port();
        o.user = QStringLiteral("u");
        o.password = QStringLiteral("p");
        o.autocommit = true; // the fake server says autocommit is on: no setup statements
        o.connectTimeout = std::chrono::seconds(5);
        // CMakeLists.txt runs the suite twice: over the QSslSocket (which a TLS upgrade needs),
        // and with TLS disabled, over the transport's unbuffered QTcpSocket.
        if (qEnvironmentVariable("ASYNCMYSQL_TEST_TLS") == u"disabled")
            o.ssl.mode = SslOptions::Mode::Disabled;
        return o;
    }

    static Script afterLogin(const Script &rest) { return FakeServer::login() + rest; }

    //! A MySQL 8 offering CLIENT_ZSTD_COMPRESSION_ALGORITHM: login, then zstd both ways.
    static Script afterZstdLogin(const Script &rest)
    {
        return Script{FakeServer::send(0, FakeServer::withCapabilities(FakeServer::handshake(), 1u << 26)),
                      FakeServer::expect(), FakeServer::send(2, FakeServer::ok()), FakeServer::startZstd()}
                + rest;
    }

    /*! The zstd level byte at the end of a HandshakeResponse41 (after the connect attributes),
        or -1 if the response does not end with exactly one byte after them. */
    static int zstdLevelOf(const QByteArray &response)
    {
        qsizetype at = 32;                               // capabilities .. filler
        at = response.indexOf('\0', at) + 1;             // user
        if (at <= 0 || at >= response.size())
            return -1;
        at += 1 + quint8(response[at]);                  // auth response (short)
        at = response.indexOf('\0', at) + 1;             // plugin name
        if (at <= 0 || at >= response.size())
            return -1;
        qsizetype attrs = quint8(response[at]);          // attributes: lenenc length
        if (attrs == 0xfc) {
            attrs = quint8(response[at + 1]) | (quint8(response[at + 2]) << 8);
            at += 2;
        }
        at += 1 + attrs;
        return at == response.size() - 1 ? quint8(response[at]) : -1;
    }

private Q_SLOTS:
    void loginAndQuery()
    {
        // The script itself is sound: a query with one row works and the client's packets are right.
        FakeServer server(afterLogin({FakeServer::expect(),
                                      FakeServer::send(1, QByteArray(1, '\x01')),
                                      FakeServer::send(2, FakeServer::column("c")),
                                      FakeServer::send(3, FakeServer::lenencString("hello")),
                                      FakeServer::send(4, FakeServer::eofOk())}));
        Connection conn(optionsFor(server));
        AWAIT(conn.open());
        QCOMPARE(conn.serverVersion(), QStringLiteral("8.0.36-fake"));
        QCOMPARE(conn.threadId(), quint32(7));
        const ResultSet rs = AWAIT(conn.query(QStringLiteral("SELECT c")));
        QCOMPARE(rs.rows().first().value(0).toString(), QStringLiteral("hello"));
        QCOMPARE(server.received().size(), 2);
        QVERIFY(server.received().at(0).contains(QByteArray("u\0", 2))); // the user name in the response
        QCOMPARE(server.received().at(1), QByteArray("\x03SELECT c"));
    }

    void garbageHandshake()
    {
        FakeServer server({FakeServer::send(0, QByteArray("\x0a\x01\x02")), FakeServer::expect()});
        Connection conn(optionsFor(server));
        EXPECT_ERROR(conn.open(), OperationalError, 2012);
        QVERIFY(conn.isClosed());
    }

    void errInsteadOfHandshake()
    {
        FakeServer server({FakeServer::send(0, QByteArray("\xff\x10\x04Too many connections", 23)), FakeServer::close()});
        Connection conn(optionsFor(server));
        EXPECT_ERROR(conn.open(), OperationalError, 1040);
    }

    void unknownAuthPlugin()
    {
        FakeServer server({FakeServer::send(0, FakeServer::handshake()), FakeServer::expect(),
                           FakeServer::send(2, QByteArray("\xfe" "dialog\0xyz", 11)), FakeServer::expect()});
        Connection conn(optionsFor(server));
        EXPECT_ERROR(conn.open(), NotSupportedError, 2059);
        QVERIFY(conn.isClosed());
    }

    void disconnectMidResult()
    {
        FakeServer server(afterLogin({FakeServer::expect(), FakeServer::send(1, QByteArray(1, '\x01')),
                                      FakeServer::send(2, FakeServer::column("c")),
                                      FakeServer::send(3, FakeServer::lenencString("row1")), FakeServer::close()}));
        Connection conn(optionsFor(server));
        AWAIT(conn.open());
        QFuture<ResultSet> first = conn.query(QStringLiteral("SELECT c"));
        QFuture<ResultSet> second = conn.query(QStringLiteral("SELECT 2"));
        EXPECT_ERROR(first, OperationalError, 2013);
        EXPECT_ERROR(second, OperationalError, 2013);
        QVERIFY(conn.isClosed());
        EXPECT_ERROR(conn.query(QStringLiteral("SELECT 3")), OperationalError, 2006);
    }

    void wrongSequenceId()
    {
        FakeServer server(afterLogin({FakeServer::expect(), FakeServer::send(5, FakeServer::ok())}));
        Connection conn(optionsFor(server));
        AWAIT(conn.open());
        EXPECT_ERROR(conn.query(QStringLiteral("DO 1")), InternalError, 2014);
        QVERIFY(conn.isClosed());
    }

    void malformedRow()
    {
        // The value claims 200 bytes; the packet has 3.
        FakeServer server(afterLogin({FakeServer::expect(), FakeServer::send(1, QByteArray(1, '\x01')),
                                      FakeServer::send(2, FakeServer::column("c")),
                                      FakeServer::send(3, QByteArray("\xc8" "abc", 4))}));
        Connection conn(optionsFor(server));
        AWAIT(conn.open());
        EXPECT_ERROR(conn.query(QStringLiteral("SELECT c")), InternalError, 2027);
        QVERIFY(conn.isClosed());
    }

    void hugeColumnCount()
    {
        FakeServer server(afterLogin({FakeServer::expect(), FakeServer::send(1, QByteArray("\xfd\xff\xff\xff", 4))}));
        Connection conn(optionsFor(server));
        AWAIT(conn.open());
        EXPECT_ERROR(conn.query(QStringLiteral("SELECT c")), InternalError, 2027);
    }

    void unsolicitedPacket()
    {
        FakeServer server(afterLogin({FakeServer::send(9, FakeServer::ok())}));
        Connection conn(optionsFor(server));
        QFuture<void> opened = conn.open();
        // Either the packet arrives with the login OK (open fails) or right after it.
        TestUtil::waitFor(opened);
        QTRY_VERIFY(conn.isClosed());
    }

    void pingAnsweredWithErrReconnects()
    {
        // A server ending the session answers the ping with ERR 1927 (and here keeps the socket
        // open): ping(true) ends the session itself, logs in again and pings once more.
        FakeServer server(afterLogin({FakeServer::expect(),
                                      FakeServer::send(1, FakeServer::err(1927, "70100", "Connection was killed")),
                                      FakeServer::nextConnection()})
                          + afterLogin({FakeServer::expect(), FakeServer::send(1, FakeServer::ok())}));
        Connection conn(optionsFor(server));
        AWAIT(conn.open());
        QList<int> errors;
        QObject::connect(&conn, &Connection::errorOccurred, &conn, [&errors](const Error &e) { errors.append(e.code()); });
        AWAIT(conn.ping(true));
        QCOMPARE(conn.state(), Connection::State::Connected);
        QCOMPARE(server.received().size(), 4); // login, ping, login, ping
        QCOMPARE(server.received().at(1), QByteArray("\x0e"));
        QCOMPARE(server.received().at(3), QByteArray("\x0e"));
        QCOMPARE(errors, QList<int>{1927}); // once, for the session that ended
    }

    void pingAnsweredWithErrWithoutReconnect()
    {
        FakeServer server(afterLogin({FakeServer::expect(),
                                      FakeServer::send(1, FakeServer::err(1927, "70100", "Connection was killed"))}));
        Connection conn(optionsFor(server));
        AWAIT(conn.open());
        EXPECT_ERROR(conn.ping(false), OperationalError, 1927);
        // Closed from this side at once: the session is over even before the server closes.
        QVERIFY(conn.isClosed());
        EXPECT_ERROR(conn.query(QStringLiteral("SELECT 1")), OperationalError, 2006);
    }

    void localInfileNotRequested()
    {
        FakeServer server(afterLogin({FakeServer::expect(), FakeServer::send(1, QByteArray("\xfb/etc/passwd"))}));
        Connection conn(optionsFor(server));
        AWAIT(conn.open());
        EXPECT_ERROR(conn.query(QStringLiteral("SELECT 1")), InternalError, 2027);
        QVERIFY(conn.isClosed());
        QCOMPARE(server.received().size(), 2); // nothing of the file was sent
    }

    void truncatedLargePacket()
    {
        // Announces a 16 MiB - 1 packet, sends 10 bytes of it, then closes: no hang, no huge buffer.
        FakeServer server(afterLogin({FakeServer::expect(), FakeServer::raw(QByteArray("\xff\xff\xff\x01" "0123456789", 14)),
                                      FakeServer::close()}));
        Connection conn(optionsFor(server));
        AWAIT(conn.open());
        EXPECT_ERROR(conn.query(QStringLiteral("SELECT 1")), OperationalError, 2013);
    }

    void zstdCompressedQuery()
    {
        // The reply in three zstd frames: the first holds three packets and the start of the
        // fourth, which goes on through the second into the third, where the last one follows.
        const QByteArray longValue(200, 'v');
        const QByteArray reply = FakeServer::frame(1, QByteArray(1, '\x01')) + FakeServer::frame(2, FakeServer::column("c"))
                + FakeServer::frame(3, FakeServer::lenencString("hello")) + FakeServer::frame(4, FakeServer::lenencString(longValue))
                + FakeServer::frame(5, FakeServer::eofOk());
        const qsizetype cut = reply.indexOf(longValue) + 50;
        const QByteArray sql = "SELECT c FROM t WHERE c <> '" + QByteArray(60, 'x') + "'";
        FakeServer server(afterZstdLogin({FakeServer::expect(), FakeServer::zstdFrame(1, reply.left(cut)),
                                          FakeServer::zstdFrame(2, reply.mid(cut, 100)),
                                          FakeServer::zstdFrame(3, reply.mid(cut + 100)),
                                          FakeServer::expect(), FakeServer::zstdFrame(1, FakeServer::frame(1, FakeServer::ok()))}));
        ConnectOptions o = optionsFor(server);
        o.compression = ConnectOptions::Compression::Zstd;
        o.zstdLevel = 7;
        Connection conn(o);
        AWAIT(conn.open());
        QCOMPARE(conn.compression(), ConnectOptions::Compression::Zstd);
        // Pipelined: both commands are written before the first reply arrives.
        QFuture<ResultSet> first = conn.query(QString::fromLatin1(sql));
        QFuture<ResultSet> second = conn.query(QStringLiteral("DO 2"));
        const ResultSet rs = AWAIT(first);
        QCOMPARE(rs.rows().size(), 2);
        QCOMPARE(rs.rows().at(0).value(0).toString(), QStringLiteral("hello"));
        QCOMPARE(rs.rows().at(1).value(0).toByteArray(), longValue);
        AWAIT(second);

        // The handshake asked for zstd, not zlib, and ended with the level.
        const QByteArray response = server.received().at(0);
        const quint32 caps = quint8(response[0]) | (quint8(response[1]) << 8) | (quint8(response[2]) << 16) | (quint32(quint8(response[3])) << 24);
        QVERIFY(caps & (1u << 26));
        QVERIFY(!(caps & (1u << 5)));
        QCOMPARE(zstdLevelOf(response), 7);

        // Each command starts its own compressed sequence at 0; the long one is one zstd frame,
        // the short one (under 50 bytes) is stored as it is.
        const QList<FakeServer::Frame> &frames = server.receivedFrames();
        QCOMPARE(frames.size(), 2);
        QCOMPARE(frames[0].seq, quint8(0));
        QCOMPARE(frames[0].inflatedSize, qsizetype(4 + 1 + sql.size()));
        QCOMPARE(ZSTD_getFrameContentSize(frames[0].body.constData(), size_t(frames[0].body.size())),
                 (unsigned long long)(4 + 1 + sql.size()));
        QVERIFY(frames[0].body.size() < frames[0].inflatedSize);
        QCOMPARE(frames[1].seq, quint8(0));
        QCOMPARE(frames[1].inflatedSize, qsizetype(0));
        QCOMPARE(frames[1].body, FakeServer::frame(0, "\x03" "DO 2"));
        QCOMPARE(server.received().at(1), "\x03" + sql);
        QCOMPARE(server.received().at(2), QByteArray("\x03" "DO 2"));
    }

    void zstdInflatesLargerThanAnnounced()
    {
        const QByteArray reply = FakeServer::frame(1, QByteArray(1, '\x01')) + FakeServer::frame(2, FakeServer::column("c"))
                + FakeServer::frame(3, FakeServer::lenencString(QByteArray(200, 'q'))) + FakeServer::frame(4, FakeServer::eofOk());
        FakeServer server(afterZstdLogin({FakeServer::expect(), FakeServer::zstdFrame(1, reply, 100)}));
        ConnectOptions o = optionsFor(server);
        o.compression = ConnectOptions::Compression::Zstd;
        Connection conn(o);
        AWAIT(conn.open());
        QFuture<ResultSet> first = conn.query(QStringLiteral("SELECT c"));
        QFuture<ResultSet> second = conn.query(QStringLiteral("SELECT 2"));
        EXPECT_ERROR(first, InternalError, 2027);
        EXPECT_ERROR(second, InternalError, 2027);
        QVERIFY(conn.isClosed());
    }

    void zstdWrongCompressedSequence()
    {
        FakeServer server(afterZstdLogin({FakeServer::expect(), FakeServer::zstdFrame(2, FakeServer::frame(1, FakeServer::ok()))}));
        ConnectOptions o = optionsFor(server);
        o.compression = ConnectOptions::Compression::Zstd;
        Connection conn(o);
        AWAIT(conn.open());
        EXPECT_ERROR(conn.query(QStringLiteral("DO 1")), InternalError, 2014);
        QVERIFY(conn.isClosed());
    }

    void zstdUnsolicitedFrame()
    {
        // A compressed packet right after the OK, before any command: whether it comes with
        // the OK or after it, the connection ends.
        FakeServer server(afterZstdLogin({FakeServer::zstdFrame(0, FakeServer::frame(0, FakeServer::ok()))}));
        ConnectOptions o = optionsFor(server);
        o.compression = ConnectOptions::Compression::Zstd;
        Connection conn(o);
        TestUtil::waitFor(conn.open());
        QTRY_VERIFY(conn.isClosed());
    }

    void compressionNotOffered()
    {
        // The fake server offers neither zlib nor zstd: the session goes on uncompressed.
        FakeServer server(afterLogin({FakeServer::expect(), FakeServer::send(1, FakeServer::ok())}));
        ConnectOptions o = optionsFor(server);
        o.compression = ConnectOptions::Compression::Zstd;
        Connection conn(o);
        AWAIT(conn.open());
        QCOMPARE(conn.compression(), ConnectOptions::Compression::None);
        AWAIT(conn.query(QStringLiteral("DO 1")));
        QCOMPARE(server.received().at(1), QByteArray("\x03" "DO 1"));
    }
};

QTEST_GUILESS_MAIN(tst_Fault)
#include "tst_fault.moc"
