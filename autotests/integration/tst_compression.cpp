// SPDX-License-Identifier: MIT
// The compressed protocol against the real MariaDB: the server must report the session as
// compressed, and everything that crosses it (large results, values over 16 MiB, pipelined
// replies, multi-statement results) must arrive exact.
#include "testutil.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QRandomGenerator>

using namespace AsyncMySql;
using Compression = ConnectOptions::Compression;

class tst_Compression : public QObject
{
    Q_OBJECT

    static std::unique_ptr<Connection> connect(Compression compression,
                                               const std::function<void(ConnectOptions &)> &tweak = {})
    {
        ConnectOptions o = TestUtil::options();
        o.compression = compression;
        o.autocommit = true;
        o.ssl.mode = SslOptions::Mode::Disabled; // the compressed bytes straight on the socket
        if (tweak)
            tweak(o);
        auto c = std::make_unique<Connection>(o);
        AWAIT(c->open());
        return c;
    }

    //! What the server says about this session's compression: "ON" or "OFF".
    static QString sessionCompression(Connection &conn)
    {
        const ResultSet rs = AWAIT(conn.query(QStringLiteral("SHOW SESSION STATUS LIKE 'Compression'")));
        return rs.rows().value(0).value(1).toString();
    }

    /*! Bytes that compress to about half (4 bits of entropy per byte) and hold every character
        that needs escaping, so the value is both deflated and split over several packets. */
    static QByteArray halfCompressible(qsizetype n)
    {
        static const char alphabet[] = "\0\\'\"\n\r\x1a" "abcdefgh\xff";
        QByteArray b(n, Qt::Uninitialized);
        QRandomGenerator gen(7);
        for (qsizetype i = 0; i < n; ++i)
            b[i] = alphabet[gen.bounded(16)];
        return b;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(TestUtil::haveServer(), "run through scripts/test.sh (it starts the server)");
    }

    void zlibSessionIsCompressed()
    {
        auto conn = connect(Compression::Zlib);
        QCOMPARE(conn->compression(), Compression::Zlib);
        QCOMPARE(sessionCompression(*conn), QStringLiteral("ON"));
        // The same check on a plain session, so it can tell the difference.
        auto plain = connect(Compression::None);
        QCOMPARE(plain->compression(), Compression::None);
        QCOMPARE(sessionCompression(*plain), QStringLiteral("OFF"));
    }

    void zstdFallsBackToZlib()
    {
        // MariaDB offers CLIENT_COMPRESS but not CLIENT_ZSTD_COMPRESSION_ALGORITHM.
        auto conn = connect(Compression::Zstd);
        QCOMPARE(conn->compression(), Compression::Zlib);
        QCOMPARE(sessionCompression(*conn), QStringLiteral("ON"));
        QCOMPARE(AWAIT(conn->query(QStringLiteral("SELECT 41 + 1"))).rows().first().value(0).toInt(), 42);
    }

    void zstdLevelOutOfRange()
    {
        ConnectOptions o = TestUtil::options();
        o.compression = Compression::Zstd;
        o.zstdLevel = 23;
        Connection conn(o);
        EXPECT_ERROR(conn.open(), ProgrammingError, 0);
        QVERIFY(conn.isClosed());
    }

    void largeResult()
    {
        auto conn = connect(Compression::Zlib);
        const ResultSet rs = AWAIT(conn->query(QStringLiteral(
                "SELECT seq, CONCAT('row-', seq, '-', MD5(seq)) FROM seq_1_to_50000 ORDER BY seq")));
        const QList<Row> rows = rs.rows();
        QCOMPARE(rows.size(), 50000);
        for (int i = 0; i < rows.size(); ++i) {
            const QByteArray n = QByteArray::number(i + 1);
            const QString expected = QStringLiteral("row-%1-%2").arg(QString::fromLatin1(n),
                    QString::fromLatin1(QCryptographicHash::hash(n, QCryptographicHash::Md5).toHex()));
            if (rows[i].value(0).toLongLong() != i + 1 || rows[i].value(1).toString() != expected)
                QFAIL(qPrintable(QStringLiteral("row %1 is %2, %3").arg(i).arg(rows[i].value(0).toString(), rows[i].value(1).toString())));
        }
        QCOMPARE(sessionCompression(*conn), QStringLiteral("ON"));
    }

    void twentyMebibyteValue()
    {
        auto conn = connect(Compression::Zlib);
        const QByteArray big = halfCompressible(20 * 1024 * 1024);
        AWAIT(conn->query(QStringLiteral("CREATE OR REPLACE TABLE t_compress (id INT PRIMARY KEY, v LONGBLOB)")));
        AWAIT(conn->query(QStringLiteral("INSERT INTO t_compress VALUES (1, %s)"), {big}));
        const Row r = AWAIT(conn->query(QStringLiteral("SELECT v, MD5(v), LENGTH(v) FROM t_compress WHERE id = 1"))).rows().first();
        QCOMPARE(r.value(2).toLongLong(), qint64(big.size()));
        QCOMPARE(r.value(1).toString(), QString::fromLatin1(QCryptographicHash::hash(big, QCryptographicHash::Md5).toHex()));
        const QByteArray got = r.value(0).toByteArray();
        QCOMPARE(got.size(), big.size());
        QVERIFY(got == big);
        AWAIT(conn->query(QStringLiteral("DROP TABLE t_compress")));
    }

    void commandInMoreFramesThanPackets()
    {
        // A command payload of 2 * 0xffffff - 5 bytes is two packets, 2 * 0xffffff + 3 bytes
        // with their headers, so three compressed packets: the reply is numbered from 3.
        auto conn = connect(Compression::Zlib);
        const qsizetype payload = 2 * 0xffffff - 5;
        const qsizetype fill = payload - 1 - qsizetype(sizeof("SELECT LENGTH('')") - 1);
        const QString sql = QStringLiteral("SELECT LENGTH('%1')").arg(QString(fill, QLatin1Char('a')));
        QCOMPARE(sql.size() + 1, payload);
        QCOMPARE(AWAIT(conn->query(sql)).rows().first().value(0).toLongLong(), qint64(fill));
        QCOMPARE(AWAIT(conn->query(QStringLiteral("SELECT 5"))).rows().first().value(0).toInt(), 5);
    }

    void pipelined()
    {
        // Written at once, every command restarts the compressed sequence; replies of very
        // different sizes (one packet, many frames) alternate.
        auto conn = connect(Compression::Zlib);
        QList<QFuture<ResultSet>> futures;
        for (int i = 0; i < 200; ++i) {
            if (i % 20 == 0)
                futures.append(conn->query(QStringLiteral("SELECT REPEAT(CHAR(65 + %s %% 26), 300000), %s"), {i, i}));
            else
                futures.append(conn->query(QStringLiteral("SELECT %s"), {i}));
        }
        for (int i = 0; i < 200; ++i) {
            const Row r = AWAIT(futures[i]).rows().first();
            if (i % 20 == 0) {
                QCOMPARE(r.value(0).toString(), QString(300000, QChar(u'A' + i % 26)));
                QCOMPARE(r.value(1).toInt(), i);
            } else {
                QCOMPARE(r.value(0).toInt(), i);
            }
        }
    }

    void multiStatementResults()
    {
        // The server flushes after each statement, which restarts the inner sequence ids.
        auto conn = connect(Compression::Zlib, [](ConnectOptions &o) { o.clientFlag = 1u << 16; });
        Cursor *cur = conn->cursor();
        QCOMPARE(AWAIT(cur->execute(QStringLiteral("SELECT seq FROM seq_1_to_1000; SELECT 'second'; SELECT 3"))), qint64(1000));
        QCOMPARE(AWAIT(cur->fetchAll()).last().value(0).toInt(), 1000);
        QVERIFY(AWAIT(cur->nextSet()));
        QCOMPARE(AWAIT(cur->fetchOne())->value(0).toString(), QStringLiteral("second"));
        QVERIFY(AWAIT(cur->nextSet()));
        QCOMPARE(AWAIT(cur->fetchOne())->value(0).toInt(), 3);
        QVERIFY(!AWAIT(cur->nextSet()));
        QCOMPARE(AWAIT(conn->query(QStringLiteral("SELECT 4"))).rows().first().value(0).toInt(), 4);
    }

    void overTlsAndUnixSocket()
    {
        auto tls = connect(Compression::Zlib, [](ConnectOptions &o) { o.ssl.mode = SslOptions::Mode::Required; });
        QCOMPARE(sessionCompression(*tls), QStringLiteral("ON"));
        const Row cipher = AWAIT(tls->query(QStringLiteral("SHOW SESSION STATUS LIKE 'Ssl_cipher'"))).rows().first();
        QVERIFY(!cipher.value(1).toString().isEmpty());

        const QString socket = qEnvironmentVariable("ASYNCMYSQL_TEST_SOCKET");
        QVERIFY(!socket.isEmpty());
        auto local = connect(Compression::Zlib, [&](ConnectOptions &o) { o.unixSocket = socket; });
        QCOMPARE(sessionCompression(*local), QStringLiteral("ON"));
    }

    void ensureClosedAndReopen()
    {
        auto conn = connect(Compression::Zlib);
        AWAIT(conn->ensureClosed());
        QVERIFY(conn->isClosed());
        AWAIT(conn->open());
        QCOMPARE(sessionCompression(*conn), QStringLiteral("ON"));
    }
};

QTEST_GUILESS_MAIN(tst_Compression)
#include "tst_compression.moc"
