// SPDX-License-Identifier: MIT
// Client character sets against the real server: text round trips per character set, run-time
// switching, the sets that cannot be used, and escaping in the multi-byte sets where a
// character can end in the backslash byte 0x5C (gbk, big5, sjis, cp932).
#include "testutil.h"

#include <QtCore/QJsonObject>

using namespace AsyncMySql;

namespace {

struct Sample
{
    const char *charset;
    const char16_t *text;
};

// Text of each set's script, with the characters that need care: ASCII quotes and backslashes,
// the control characters ICU's IBM PC tables move (0x1A, 0x1C, 0x7F), the bytes where the
// server's table differs from ICU's (greek 0xA1/0xA2, hebrew 0xAF, koi8u 0x95, cp852 0xAA,
// cp866 0xFC/0xFD, hp8 0xF6), and characters whose encoding ends in 0x5C.
const Sample Samples[] = {
    {"cp1250", u"P\u0159\u00edli\u0161 \u017elu\u0165ou\u010dk\u00fd k\u016f\u0148 \u201e\u20ac\u201c \u0141\u0105\u015a"},
    {"cp1251", u"\u0421\u044a\u0435\u0448\u044c \u0436\u0435 \u0435\u0449\u0451 \u2014 \u2116 \u20ac"},
    {"cp1256", u"\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645\u060c \u061f"},
    {"cp1257", u"\u0104\u010d\u0119\u0117\u012f\u0161\u0173\u016b\u017e \u0100\u0101\u0112\u0113\u0122\u0123 \u201e\u201c"},
    {"latin2", u"Za\u017c\u00f3\u0142\u0107 g\u0119\u015bl\u0105 ja\u017a\u0144 \u0159\u016f\u0165"},
    {"latin5", u"Pijamal\u0131 hasta ya\u011f\u0131z \u015fof\u00f6re \u00e7abucak g\u00fcvendi \u0130"},
    {"latin7", u"\u0104\u010d\u0119\u0117\u012f\u0161\u0173\u016b\u017e \u0100\u0101\u0112\u0113\u0122\u0123\u012a\u012b"},
    {"greek", u"\u039a\u03b1\u03bb\u03b7\u03bc\u03ad\u03c1\u03b1 \u03ba\u03cc\u03c3\u03bc\u03b5 \u0386\u0388\u0389 \u02bd\u02bc"},
    {"hebrew", u"\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd \u203e"},
    {"koi8r", u"\u0421\u044a\u0435\u0448\u044c \u0436\u0435 \u0435\u0449\u0451 \u256c"},
    {"koi8u", u"\u0407\u0436\u0430\u043a \u0491\u0430\u0432\u0430 \u0454 \u0456 \u0404\u0406\u0490 \u2022"},
    {"cp850", u"\u00c7a \u00e9t\u00e9 d\u00e9j\u00e0 \u00fcber \u00d1and\u00fa \u00df \u00bd \u2591 \u001a\u001c\u007f"},
    {"cp852", u"Za\u017c\u00f3\u0142\u0107 g\u0119\u015bl\u0105 ja\u017a\u0144 \u00ac"},
    {"cp866", u"\u0421\u044a\u0435\u0448\u044c \u0436\u0435 \u0435\u0449\u0451 \u207f \u00b2"},
    {"macroman", u"\u00c7\u00e0 \u00e9t\u00e9 \u2030 \u0192 \u2202 \u2211 \u03c0"},
    {"macce", u"Za\u017c\u00f3\u0142\u0107 g\u0119\u015bl\u0105 ja\u017a\u0144"},
    {"tis620", u"\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35\u0e04\u0e23\u0e31\u0e1a \u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22"},
    {"hp8", u"\u00c7a \u00e9t\u00e9 \u00f1 \u00df \u00bf \u2014"},
    {"gbk", u"\u4e2d\u6587\u5b57\u7b26\u6d4b\u8bd5 \u4e57\u4fd3 \u4e57'\u4fd3\\"},
    {"gb2312", u"\u4e2d\u6587\u7b80\u4f53\u5b57\u6d4b\u8bd5 \uff41\uff42"},
    {"big5", u"\u4e2d\u6587\u7e41\u9ad4\u5b57\u6e2c\u8a66 \u529f\u8a31\u8868 \u8a31'\u529f\\"},
    {"sjis", u"\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8 \u30bd\u8868\u80fd \u30bd'\u8868\\ \uff71\uff72 \u001a\u001c\u007f"},
    {"cp932", u"\u65e5\u672c\u8a9e \u2460\u2461 \u30bd\u8868\u80fd \u30bd'\u8868\\ \uff71\uff72"},
    {"euckr", u"\uc548\ub155\ud558\uc138\uc694 \uc138\uacc4 \uac02"},
    {"ujis", u"\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8 \uff71\uff72 \u4e02"},
    {"eucjpms", u"\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8 \u2460\u2461"},
};

QString sampleText(const Sample &s)
{
    // Every sample also carries the characters escaping is about.
    return QString::fromUtf16(s.text) + QStringLiteral(" it's \"q\" a\\b\n\r\t%s");
}

//! Upper-case hex of \a text's UTF-8: what the server's HEX(CONVERT(... USING utf8mb4)) gives.
QString utf8Hex(const QString &text)
{
    return QString::fromLatin1(text.toUtf8().toHex().toUpper());
}

} // namespace

class tst_Charsets : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Connection> connect(const QString &charset)
    {
        ConnectOptions o = TestUtil::options();
        o.charset = charset;
        o.autocommit = true;
        auto c = std::make_unique<Connection>(o);
        AWAIT(c->open());
        return c;
    }

    //! The text of the single cell of \a sql's result.
    static QVariant scalar(Connection &c, const QString &sql, const QVariantList &args = {})
    {
        return AWAIT(c.query(sql, args)).rows().value(0).value(0);
    }

    static void addSamples()
    {
        QTest::addColumn<QString>("charset");
        QTest::addColumn<QString>("text");
        for (const Sample &s : Samples)
            QTest::newRow(s.charset) << QString::fromLatin1(s.charset) << sampleText(s);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(TestUtil::haveServer(), "run through scripts/test.sh (it starts the server)");
    }

    // The handshake announces the set's default collation: the server agrees on the name.
    void handshakeCollation_data() { addSamples(); }
    void handshakeCollation()
    {
        QFETCH(QString, charset);
        auto c = connect(charset);
        QCOMPARE(c->charset(), charset);
        const Row r = AWAIT(c->query(QStringLiteral(
                "SELECT @@character_set_client, @@character_set_connection, @@character_set_results, "
                "@@collation_connection, (SELECT DEFAULT_COLLATE_NAME FROM information_schema.CHARACTER_SETS "
                "WHERE CHARACTER_SET_NAME = %s)"), {charset})).rows().first();
        QCOMPARE(r.value(0).toString(), charset);
        QCOMPARE(r.value(1).toString(), charset);
        QCOMPARE(r.value(2).toString(), charset);
        QCOMPARE(r.value(3).toString(), r.value(4).toString());
    }

    void roundTrip_data() { addSamples(); }
    void roundTrip()
    {
        QFETCH(QString, charset);
        QFETCH(QString, text);
        auto c = connect(charset);
        AWAIT(c->query(QStringLiteral("CREATE TEMPORARY TABLE t (s TEXT CHARACTER SET %1)").arg(charset)));
        // A %s parameter into a column of that set ...
        AWAIT(c->query(QStringLiteral("INSERT INTO t VALUES (%s)"), {text}));
        QCOMPARE(scalar(*c, QStringLiteral("SELECT s FROM t")).toString(), text);
        // ... holds the very characters (the server's view, not just a symmetric mapping) ...
        QCOMPARE(scalar(*c, QStringLiteral("SELECT HEX(CONVERT(s USING utf8mb4)) FROM t")).toString(), utf8Hex(text));
        // ... and is found again by comparison, parameter against column.
        QCOMPARE(scalar(*c, QStringLiteral("SELECT COUNT(*) FROM t WHERE s = %s"), {text}).toInt(), 1);
        // The server converts results into the set as well (sjis writes a backslash as 0x815F).
        AWAIT(c->query(QStringLiteral("CREATE TEMPORARY TABLE u (s TEXT CHARACTER SET utf8mb4) SELECT s FROM t")));
        QCOMPARE(scalar(*c, QStringLiteral("SELECT s FROM u")).toString(), text);
        // Literals: a parameter, escapeString() in the statement text, and mogrify()'s SQL.
        QCOMPARE(scalar(*c, QStringLiteral("SELECT %s"), {text}).toString(), text);
        QCOMPARE(scalar(*c, QStringLiteral("SELECT '%1'").arg(c->escapeString(text))).toString(), text);
        QCOMPARE(scalar(*c, c->cursor()->mogrify(QStringLiteral("SELECT %s"), {text})).toString(), text);
        // Column names come in the set as well.
        const QString alias = text.left(4);
        QCOMPARE(AWAIT(c->query(QStringLiteral("SELECT 1 AS `%1`").arg(alias))).columns().first().name(), alias);
        // JSON parameters are text in the connection's set too.
        const QJsonObject json{{QStringLiteral("k"), text}};
        QCOMPARE(scalar(*c, QStringLiteral("SELECT JSON_VALUE(%s, '$.k')"), {json}).toString(), text);
    }

    // setCharset() at run time: the server switches, and so does the client's converter.
    void setCharsetAtRunTime()
    {
        auto c = connect(QStringLiteral("utf8mb4"));
        for (const Sample &s : Samples) {
            const QString charset = QString::fromLatin1(s.charset);
            const QString text = sampleText(s);
            AWAIT(c->setCharset(charset));
            QCOMPARE(c->charset(), charset);
            QVERIFY(c->encoding() != QLatin1String("UTF-8"));
            const Row r = AWAIT(c->query(QStringLiteral("SELECT @@character_set_client, %s, HEX(CONVERT(%s USING utf8mb4))"),
                                         {text, text})).rows().first();
            QCOMPARE(r.value(0).toString(), charset);
            QCOMPARE(r.value(1).toString(), text);
            QCOMPARE(r.value(2).toString(), utf8Hex(text));
        }
        AWAIT(c->setCharset(QStringLiteral("utf8mb4")));
        QCOMPARE(c->encoding(), QStringLiteral("UTF-8"));
        const QString emoji = QString::fromUcs4(U"\U0001F600 \u4e2d");
        QCOMPARE(scalar(*c, QStringLiteral("SELECT %s"), {emoji}).toString(), emoji);
    }

    // A character the set has not: '?', as the server itself converts it.
    void unencodableCharacters()
    {
        auto c = connect(QStringLiteral("cp1251"));
        QCOMPARE(scalar(*c, QStringLiteral("SELECT %s"), {QString::fromUcs4(U"a\u4e2d\U0001F600b")}).toString(),
                 QStringLiteral("a??b"));
    }

    void notSupported_data()
    {
        QTest::addColumn<QString>("charset");
        QTest::addColumn<QString>("reason");
        // MariaDB: "Variable 'character_set_client' can't be set to the value of 'ucs2'" (1231).
        for (const char *n : {"ucs2", "utf16", "utf16le", "utf32"})
            QTest::newRow(n) << QString::fromLatin1(n) << QStringLiteral("MariaDB cannot use it");
        // MariaDB has them, Qt 6.4 (ICU) cannot convert them.
        for (const char *n : {"armscii8", "dec8", "geostd8", "keybcs2", "swe7"})
            QTest::newRow(n) << QString::fromLatin1(n) << QStringLiteral("no converter");
        QTest::newRow("unknown") << QStringLiteral("klingon") << QStringLiteral("no such character set");
        QTest::newRow("injection") << QStringLiteral("utf8mb4; DROP TABLE x") << QStringLiteral("no such character set");
    }
    void notSupported()
    {
        QFETCH(QString, charset);
        QFETCH(QString, reason);
        auto expectNotSupported = [&](auto future) {
            const auto err = TestUtil::errorOf(future);
            QVERIFY2(err, "expected NotSupportedError");
            QVERIFY2(dynamic_cast<const NotSupportedError *>(err.get()), qPrintable(err->toString()));
            QVERIFY2(err->message().contains(QStringLiteral("'%1'").arg(charset)), qPrintable(err->message()));
            QVERIFY2(err->message().contains(reason), qPrintable(err->message()));
        };
        ConnectOptions o = TestUtil::options();
        o.charset = charset;
        Connection fresh(o);
        expectNotSupported(fresh.open());
        QVERIFY(fresh.isClosed());

        auto c = connect(QStringLiteral("latin1"));
        expectNotSupported(c->setCharset(charset));
        // Nothing changed: the connection still speaks latin1.
        QCOMPARE(c->charset(), QStringLiteral("latin1"));
        QCOMPARE(scalar(*c, QStringLiteral("SELECT @@character_set_client, %s"), {QStringLiteral("caf\u00e9")}).toString(),
                 QStringLiteral("latin1"));
    }

    void serverRejectsWideClientCharsets()
    {
        // Why ucs2/utf16/utf32 are refused before anything is sent: the server refuses them.
        auto c = connect(QStringLiteral("utf8mb4"));
        for (const char *n : {"ucs2", "utf16", "utf32"}) {
            const auto err = TestUtil::errorOf(c->query(QStringLiteral("SET NAMES %1").arg(QLatin1String(n))));
            QVERIFY(err);
            QCOMPARE(err->code(), 1231);
        }
    }

    /* In gbk, big5, sjis and cp932 a character can end in 0x5C, the backslash. Escaping the
       bytes after encoding would add a backslash that the server reads as the second half of
       the character before it - and the quote after it would end the string. */
    void multiByteEscaping_data()
    {
        QTest::addColumn<QString>("charset");
        QTest::addColumn<QString>("character"); // encoded as XX 5C
        QTest::addColumn<QString>("hex");
        QTest::addColumn<bool>("noBackslashEscapes");
        const struct { const char *charset; char16_t c; const char *hex; } cases[] = {
            {"gbk", u'\u4e57', "815C"}, {"big5", u'\u8a31', "B35C"}, {"big5", u'\u529f', "A55C"},
            {"sjis", u'\u30bd', "835C"}, {"sjis", u'\u8868', "955C"}, {"cp932", u'\u30bd', "835C"},
        };
        for (const auto &k : cases) {
            for (bool nbe : {false, true}) {
                QTest::addRow("%s-%s%s", k.charset, k.hex, nbe ? "-no-backslash-escapes" : "")
                        << QString::fromLatin1(k.charset) << QString(QChar(k.c)) << QString::fromLatin1(k.hex) << nbe;
            }
        }
    }
    void multiByteEscaping()
    {
        QFETCH(QString, charset);
        QFETCH(QString, character);
        QFETCH(QString, hex);
        QFETCH(bool, noBackslashEscapes);
        auto c = connect(charset);
        if (noBackslashEscapes)
            AWAIT(c->query(QStringLiteral("SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'")));
        QCOMPARE(bool(c->serverStatus() & 0x0200), noBackslashEscapes); // SERVER_STATUS_NO_BACKSLASH_ESCAPES
        // The character really ends in 0x5C in this set (the server says so).
        QCOMPARE(scalar(*c, QStringLiteral("SELECT HEX(%s)"), {character}).toString(), hex);

        AWAIT(c->query(QStringLiteral("CREATE TEMPORARY TABLE t (id INT, s TEXT CHARACTER SET %1, b BLOB)").arg(charset)));
        AWAIT(c->query(QStringLiteral("INSERT INTO t VALUES (1, 'a', NULL), (2, 'b', NULL)")));
        const QString X = character;
        const QStringList texts{
            X + u'\'', X + u'\\', X + QStringLiteral("\\'"), X + u'"', X, QStringLiteral("'") + X + u'\'',
            X + QStringLiteral("''") + X + QStringLiteral("\\\\") + X,
        };
        for (const QString &text : texts) {
            QCOMPARE(scalar(*c, QStringLiteral("SELECT %s"), {text}).toString(), text);
            QCOMPARE(scalar(*c, QStringLiteral("SELECT '%1'").arg(c->escapeString(text))).toString(), text);
            QCOMPARE(scalar(*c, c->cursor()->mogrify(QStringLiteral("SELECT %s"), {text})).toString(), text);
        }
        // The classic payloads stay inside their string: nothing matches, nothing is dropped.
        const QStringList payloads{
            X + QStringLiteral("' OR '1'='1"), X + QStringLiteral("\\' OR 1=1 -- "),
            X + QStringLiteral("'; DROP TABLE t; -- "), X + QStringLiteral("\" OR \"\"=\""),
        };
        for (const QString &payload : payloads) {
            QCOMPARE(scalar(*c, QStringLiteral("SELECT COUNT(*) FROM t WHERE s = %s"), {payload}).toInt(), 0);
            QCOMPARE(scalar(*c, QStringLiteral("SELECT COUNT(*) FROM t WHERE s = '%1'").arg(c->escapeString(payload))).toInt(), 0);
        }
        QCOMPARE(scalar(*c, QStringLiteral("SELECT COUNT(*) FROM t")).toInt(), 2);
        // Bytes: a lead byte followed by a backslash and a quote.
        const QByteArray bytes("\x83\\'\0\xff\xaa\\", 7);
        AWAIT(c->query(QStringLiteral("UPDATE t SET b = %s WHERE id = 1"), {bytes}));
        QCOMPARE(scalar(*c, QStringLiteral("SELECT b FROM t WHERE id = 1")).toByteArray(), bytes);
        QCOMPARE(scalar(*c, QStringLiteral("SELECT COUNT(*) FROM t WHERE b IS NULL")).toInt(), 1);
    }
};

QTEST_GUILESS_MAIN(tst_Charsets)
#include "tst_charsets.moc"
