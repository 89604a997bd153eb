// SPDX-License-Identifier: MIT
// The client character set table and its converters (protocol/charsets.*), and the escaping
// that depends on them (SqlWriter). What the server makes of the bytes is in
// autotests/integration/tst_charsets.cpp.
#include "client/values_p.h"
#include "protocol/charsets.h"

#include <QtCore/QJsonObject>
#include <QtCore/QSet>
#include <QtCore/QStringConverter>
#include <QtTest/QTest>

#include <atomic>
#include <thread>

using namespace AsyncMySql;
using namespace AsyncMySql::Protocol;

namespace {

const Charset &named(const char *name)
{
    const Charset *cs = findCharset(QString::fromLatin1(name));
    if (!cs)
        qFatal("no charset %s", name);
    return *cs;
}

QByteArray literal(const QVariant &value, const char *charset, bool noBackslashEscapes = false)
{
    SqlWriter w(named(charset).encoding, noBackslashEscapes);
    ErrorInfo error;
    if (!w.appendLiteral(value, error))
        qFatal("no literal");
    return w.take();
}

void addConvertedRows()
{
    QTest::addColumn<QString>("name");
    for (const Charset &cs : charsets()) {
        if (cs.codec)
            QTest::newRow(cs.name) << QString::fromLatin1(cs.name);
    }
}

} // namespace

class tst_Charsets : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void table()
    {
        QSet<QString> names;
        QSet<int> collations;
        for (int i = 0; i < int(charsets().size()); ++i) {
            const Charset &cs = charsets()[i];
            QVERIFY2(!names.contains(QLatin1String(cs.name)), cs.name);
            QVERIFY2(!collations.contains(cs.collation), cs.name);
            names.insert(QLatin1String(cs.name));
            collations.insert(cs.collation);
            QVERIFY(cs.maxBytes >= 1 && cs.maxBytes <= 4);
            if (!cs.codec)
                continue;
            QCOMPARE(int(cs.encoding), i);
            QCOMPARE(&charsetFor(cs.encoding), &cs);
            QVERIFY2(QStringDecoder(cs.codec).isValid(), cs.codec);
            QVERIFY2(QStringEncoder(cs.codec).isValid(), cs.codec);
            QVERIFY2((cs.byteFixes.empty() || cs.maxBytes == 1) && (cs.charFixes.empty() || cs.maxBytes > 1), cs.name);
        }
        // The list, at least.
        for (const char *n : {"cp1250", "cp1251", "cp1256", "cp1257", "latin2", "latin5", "latin7", "greek",
                              "hebrew", "koi8r", "koi8u", "cp850", "cp852", "cp866", "macroman", "tis620", "gbk",
                              "gb2312", "big5", "sjis", "cp932", "ujis", "eucjpms", "euckr"})
            QVERIFY2(findCharset(QString::fromLatin1(n)) && findCharset(QString::fromLatin1(n))->codec, n);
        QCOMPARE(charsetFor(TextEncoding::Utf8).name, "utf8mb4");
        QCOMPARE(charsetFor(TextEncoding::Latin1).name, "latin1");
    }

    void lookup()
    {
        QCOMPARE(findCharset(u"GBK"), &named("gbk"));
        QCOMPARE(findCharset(u"utf8")->name, "utf8mb3");
        QCOMPARE(findCharset(u"Utf8MB4")->encoding, TextEncoding::Utf8);
        QCOMPARE(findCharset(u"latin1")->encoding, TextEncoding::Latin1);
        QVERIFY(!findCharset(u"utf16"));
        QVERIFY(!findCharset(u"klingon"));
        QVERIFY(!findCharset(u""));
    }

    void unsupportedMessages()
    {
        const QString utf16 = unsupportedCharsetMessage(u"utf16");
        QVERIFY2(utf16.contains(QLatin1String("'utf16'")) && utf16.contains(QLatin1String("cannot use it as the client")),
                 qPrintable(utf16));
        const QString dec8 = unsupportedCharsetMessage(u"dec8");
        QVERIFY2(dec8.contains(QLatin1String("'dec8'")) && dec8.contains(QLatin1String("no converter")), qPrintable(dec8));
        const QString unknown = unsupportedCharsetMessage(u"klingon");
        QVERIFY2(unknown.contains(QLatin1String("'klingon'")) && unknown.contains(QLatin1String("no such")),
                 qPrintable(unknown));
        QVERIFY(unknown.contains(QLatin1String("sjis")));
    }

    // The escaping writes ASCII quotes and backslashes: they must be themselves in every set
    // (ICU's IBM850 and Shift_JIS tables exchange 0x1A, 0x1C and 0x7F; MySQL does not).
    void asciiIsItself_data() { addConvertedRows(); }
    void asciiIsItself()
    {
        QFETCH(QString, name);
        const TextEncoding e = findCharset(name)->encoding;
        QString text;
        QByteArray bytes;
        for (int c = 0; c < 0x80; ++c) {
            text.append(QChar(char16_t(c)));
            bytes.append(char(c));
        }
        QCOMPARE(encodeConverted(text, e), bytes);
        QCOMPARE(decodeConverted(bytes, e), text);
    }

    /* No character's encoding holds a byte that the server's lexer could take for a quote,
       a NUL or (unless the table says so) a backslash: escaping the characters before encoding
       them is then safe. And where the table says a backslash can occur, it does. */
    void noAsciiInsideCharacters_data() { addConvertedRows(); }
    void noAsciiInsideCharacters()
    {
        QFETCH(QString, name);
        const Charset &cs = *findCharset(name);
        int endsInBackslash = 0;
        for (char32_t c = 0x80; c < 0x10000; ++c) {
            if (QChar::isSurrogate(c))
                continue;
            const char16_t unit = char16_t(c);
            const QByteArray b = encodeConverted(QStringView(&unit, 1), cs.encoding);
            QVERIFY(!b.isEmpty() && b.size() <= cs.maxBytes);
            if (b == "?")
                continue;
            QVERIFY2(quint8(b[0]) >= 0x80, qPrintable(QString::number(c, 16)));
            for (const char byte : b) {
                QVERIFY2(byte != '\'' && byte != '"' && byte != '\0', qPrintable(QString::number(c, 16)));
                if (byte == '\\') {
                    QVERIFY2(cs.backslashInMultibyte, qPrintable(QString::number(c, 16)));
                    ++endsInBackslash;
                }
            }
        }
        QCOMPARE(endsInBackslash > 0, cs.backslashInMultibyte);
    }

    void unencodableIsQuestionMark()
    {
        // U+1F600 is in none of them; Thai is not in cp1251 or gbk. ICU alone would write its
        // substitution bytes (0x1A, 0xFCFC, ...).
        const QString text = QString::fromUcs4(U"a\U0001F600b\u0e01c");
        QCOMPARE(encodeConverted(text, named("cp1251").encoding), QByteArray("a?b?c"));
        QCOMPARE(encodeConverted(text, named("gbk").encoding), QByteArray("a?b?c"));
        QCOMPARE(encodeConverted(text, named("sjis").encoding), QByteArray("a?b?c"));
        QCOMPARE(encodeConverted(text, named("tis620").encoding), QByteArray("a?b\xa1" "c"));
    }

    void serverTableFixes()
    {
        // greek 0xA1/0xA2 are U+02BD/U+02BC on the server (ICU: U+2018/U+2019), cp866 0xFC is
        // U+207F (ICU: U+2116), tis620 0x80 is U+0080 (ICU: the euro sign).
        const TextEncoding greek = named("greek").encoding;
        QCOMPARE(decodeConverted("\xa1\xa2", greek), QString::fromUtf16(u"\u02bd\u02bc"));
        QCOMPARE(encodeConverted(u"\u02bd\u02bc\u2018", greek), QByteArray("\xa1\xa2?"));
        QCOMPARE(decodeConverted("\xfc", named("cp866").encoding), QString::fromUtf16(u"\u207f"));
        QCOMPARE(decodeConverted("\x80", named("tis620").encoding), QString::fromUtf16(u"\u0080"));
        QCOMPARE(encodeConverted(u"\u20ac", named("tis620").encoding), QByteArray("?"));
        // The server's sjis writes a backslash from a utf8mb4 column as 0x815F (ICU: U+FF3C);
        // a backslash we send is 0x5C all the same.
        const TextEncoding sjis = named("sjis").encoding;
        QCOMPARE(decodeConverted("\x81\x5f\x81\x60", sjis), QString::fromUtf16(u"\\\u301c"));
        QCOMPARE(encodeConverted(u"\\\u301c", sjis), QByteArray("\\\x81\x60"));
        QCOMPARE(decodeConverted("\xa1\xc0", named("ujis").encoding), QStringLiteral("\\"));
    }

    void multiByteRoundTrip()
    {
        const QString text = QString::fromUtf16(u"\u65e5\u672c\u8a9e \u30bd\u8868 \uff71 x");
        for (const char *name : {"sjis", "cp932", "ujis", "eucjpms"}) {
            const TextEncoding e = named(name).encoding;
            QCOMPARE(decodeConverted(encodeConverted(text, e), e), text);
        }
        QCOMPARE(encodeConverted(u"\u30bd", named("sjis").encoding), QByteArray("\x83\\"));
        // An invalid byte sequence decodes to something, and the next call is not affected.
        const TextEncoding sjis = named("sjis").encoding;
        QVERIFY(!decodeConverted("\x83", sjis).contains(u'x'));
        QCOMPARE(decodeConverted("x", sjis), QStringLiteral("x"));
    }

    void names()
    {
        // Column names: UTF-8, latin1 as cp1252 (0x80 is the euro sign), or a converted set.
        QCOMPARE(decodeName("\xc3\xa9", TextEncoding::Utf8), QStringLiteral("\u00e9"));
        QCOMPARE(decodeName("\x80\xe9", TextEncoding::Latin1), QString::fromUtf16(u"\u20ac\u00e9"));
        QCOMPARE(decodeName("\xcf\xf0", named("cp1251").encoding), QString::fromUtf16(u"\u041f\u0440"));
    }

    void convertersPerThread()
    {
        // Multi-byte sets keep an ICU converter per thread: decoding in parallel is safe.
        const QString text = QString::fromUtf16(u"\u4e2d\u6587\u5b57\u7b26 \u4e57 abc");
        const TextEncoding gbk = named("gbk").encoding;
        const TextEncoding cp1251 = named("cp1251").encoding;
        const QByteArray bytes = encodeConverted(text, gbk);
        std::atomic<int> wrong{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&] {
                for (int i = 0; i < 500; ++i) {
                    if (decodeConverted(bytes, gbk) != text || encodeConverted(text, gbk) != bytes
                        || decodeConverted("\xcf\xf0", cp1251) != QString::fromUtf16(u"\u041f\u0440"))
                        ++wrong;
                }
            });
        }
        for (std::thread &t : threads)
            t.join();
        QCOMPARE(wrong.load(), 0);
    }

    // --- escaping ------------------------------------------------------------------------------

    void escapeCharactersNotBytes()
    {
        // U+30BD is 0x83 0x5C in sjis: escaping its bytes would add a backslash that the server
        // reads as part of the character, leaving the quote after it unescaped.
        QCOMPARE(literal(QString::fromUtf16(u"\u30bd'"), "sjis"), QByteArray("'\x83\\\\''"));
        QCOMPARE(literal(QString::fromUtf16(u"\u30bd\\"), "sjis"), QByteArray("'\x83\\\\\\'"));
        QCOMPARE(literal(QString::fromUtf16(u"\u30bd'"), "sjis", true), QByteArray("'\x83\\'''"));
        // 0xAA 0x5C is U+8868 in big5... and GBK 0x81 0x5C is U+4E57.
        QCOMPARE(literal(QString::fromUtf16(u"\u4e57'"), "gbk"), QByteArray("'\x81\\\\''"));
        // Where no character holds a backslash byte, the byte escaping stays.
        QCOMPARE(literal(QString::fromUtf16(u"\u0416'\\"), "cp1251"), QByteArray("'\xc6\\'\\\\'"));
    }

    void bytesAsHexWhereBackslashesHide()
    {
        // _binary'\x83\\\\' would read in sjis as the character 0x83 0x5C and an escaped quote.
        const QByteArray raw("\x83\\'\0\xff", 5);
        QCOMPARE(literal(raw, "sjis"), QByteArray("_binary X'835c2700ff'"));
        QCOMPARE(literal(raw, "gbk", true), QByteArray("_binary X'835c2700ff'"));
        QCOMPARE(literal(raw, "cp1251"), QByteArray("_binary'\x83\\\\\\'\\0\xff'"));
    }

    void jsonInTheConnectionsCharset()
    {
        // JSON text is UTF-8 inside Qt; the statement must carry it in the connection's set.
        const QJsonObject o{{QStringLiteral("k"), QString::fromUtf16(u"\u0416")}};
        QCOMPARE(literal(QVariant(o), "cp1251"), QByteArray("'{\\\"k\\\":\\\"\xc6\\\"}'"));
    }
};

QTEST_GUILESS_MAIN(tst_Charsets)
#include "tst_charsets.moc"
