// SPDX-License-Identifier: MIT
// Escaping checked against the server itself (issue 12): random strings and byte strings, in
// utf8mb4 and in the multi-byte sets whose characters can end in the backslash byte 0x5C
// (gbk, big5, sjis, cp932), each with and without NO_BACKSLASH_ESCAPES. Every value must come
// back exactly from three ways of writing it into a statement:
//   - Connection::escape()'s literal in the statement text,
//   - a %s argument of Connection::query(),
//   - the server's own QUOTE() of the value, read back and sent again as SQL.
// Text is drawn from the characters the connection's set can hold (as the server reads them),
// so every mismatch is a fault of the escaping, not of a character the set has not.
//
// ASYNCMYSQL_ESCAPING_SEED repeats a run (the seed is printed), ASYNCMYSQL_ESCAPING_CASES sets
// the number of values (100,000 by default, spread over the rows of escaping_data()).
#include "testutil.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QRandomGenerator>
#include <QtCore/QStringConverter>

#include <array>
#include <functional>
#include <map>
#include <numeric>

using namespace AsyncMySql;
using namespace Qt::StringLiterals;

namespace EscapingTest {
//! Bytes for the statement exactly as they are: how QUOTE()'s output for a byte string is sent
//! again (raw bytes cannot travel through the QString of a statement's text).
struct Verbatim
{
    QByteArray sql;
};
} // namespace EscapingTest
Q_DECLARE_METATYPE(EscapingTest::Verbatim)

namespace EscapingTest {

constexpr quint16 NoBackslashEscapesFlag = 0x0200; // SERVER_STATUS_NO_BACKSLASH_ESCAPES
constexpr int ValuesPerStatement = 150;
constexpr int StatementsInFlight = 8; // batches whose statements are written before the first reply is read
constexpr int MismatchesShown = 12;

struct CharsetInfo
{
    const char *name;
    const char *codec; //!< ICU's name, for the repertoire; nullptr: all of Unicode
    bool backslashInMultibyte;
};

const CharsetInfo Charsets[] = {
    {"utf8mb4", nullptr, false},
    {"gbk", "GBK", true},
    {"big5", "Big5", true},
    {"sjis", "Shift_JIS", true},
    {"cp932", "windows-31j", true},
};

//! Upper-case hex of \a text's UTF-8, for messages and for the server's HEX().
QByteArray utf8Hex(const QString &text)
{
    return text.toUtf8().toHex().toUpper();
}

QString describe(const QVariant &v)
{
    if (!v.isValid())
        return QStringLiteral("(no value)");
    if (v.isNull())
        return QStringLiteral("NULL");
    if (v.typeId() == QMetaType::QByteArray)
        return QStringLiteral("bytes X'%1'").arg(QString::fromLatin1(v.toByteArray().toHex().toUpper()));
    if (v.typeId() == QMetaType::QString)
        return QStringLiteral("text (UTF-8) X'%1'").arg(QString::fromLatin1(utf8Hex(v.toString())));
    return QStringLiteral("%1 %2").arg(QString::fromLatin1(v.typeName()), v.toString());
}

bool sameValue(const QVariant &expected, const QVariant &got)
{
    if (got.isNull() || got.typeId() != expected.typeId())
        return false;
    if (expected.typeId() == QMetaType::QByteArray)
        return got.toByteArray() == expected.toByteArray();
    return got.toString() == expected.toString();
}

/*! The characters a connection's set holds, sorted into the classes the generator draws from.
    A character belongs when the server reads its bytes in the set as that very character. */
class Repertoire
{
public:
    enum Class {
        Ascii,       //!< printable ASCII
        Controls,    //!< C0, DEL, C1
        Latin1,      //!< U+00A0..U+00FF
        Cjk,         //!< CJK ideographs, kana, CJK punctuation, full-width forms
        OtherBmp,    //!< the rest of the BMP: Cyrillic, Greek, Hangul, symbols, ...
        Astral,      //!< outside the BMP, emoji first of all
        Combining,   //!< combining marks
        BackslashTrail, //!< multi-byte characters whose last byte is 0x5C
        AsciiTrail,  //!< multi-byte characters with another ASCII byte (0x40..0x7E) in them
        ClassCount
    };

    bool isEmpty(Class c) const { return m_classes[c].isEmpty(); }
    const QList<char32_t> &members(Class c) const { return m_classes[c]; }
    qsizetype size() const { return m_size; }
    //! Characters ICU has in the set that the server reads as something else (or not at all).
    const QList<char32_t> &rejected() const { return m_rejected; }

    //! All of Unicode, as utf8mb4 holds it.
    static Repertoire unicode()
    {
        Repertoire r;
        for (char32_t c = 0; c <= 0x10FFFF; ++c) {
            if (c < 0xD800 || c > 0xDFFF)
                r.add(c, {});
        }
        return r;
    }

    /*! The characters ICU's \a codec decodes from one or two bytes and encodes back to the
        same bytes (ASCII as itself, as the library writes it), kept where the server, asked
        through \a c, reads those bytes in \a charset as the same character. */
    static Repertoire fromServer(Connection &c, const char *charset, const char *codec)
    {
        std::vector<std::pair<char32_t, QByteArray>> candidates;
        for (char32_t a = 0; a < 0x80; ++a)
            candidates.emplace_back(a, QByteArray(1, char(a)));
        auto decoder = std::make_unique<QStringDecoder>(codec, QStringConverter::Flag::Stateless);
        auto encoder = std::make_unique<QStringEncoder>(codec, QStringConverter::Flag::Stateless);
        if (!decoder->isValid() || !encoder->isValid())
            qFatal("Qt has no converter %s", codec);
        auto tryBytes = [&](const QByteArray &bytes) {
            const QString text = decoder->decode(bytes);
            if (decoder->hasError()) {
                // Qt 6.4 cannot reset an ICU converter after an error: take a new one.
                decoder = std::make_unique<QStringDecoder>(codec, QStringConverter::Flag::Stateless);
                return;
            }
            if (text.size() != 1 || text[0].isSurrogate() || text[0] == QChar::ReplacementCharacter
                || text[0].unicode() < 0x80)
                return;
            const QByteArray back = encoder->encode(text);
            if (encoder->hasError()) {
                encoder = std::make_unique<QStringEncoder>(codec, QStringConverter::Flag::Stateless);
                return;
            }
            if (back == bytes)
                candidates.emplace_back(text[0].unicode(), bytes);
        };
        for (int b = 0x80; b < 0x100; ++b)
            tryBytes(QByteArray(1, char(b)));
        for (int lead = 0x81; lead < 0xFF; ++lead) {
            for (int trail = 0x40; trail < 0xFF; ++trail) {
                const char two[] = {char(lead), char(trail)};
                tryBytes(QByteArray(two, 2));
            }
        }

        // Ask the server in chunks, a chunk's characters one by one only where it disagrees.
        // The bytes go as hex: nothing of the escaping under test decides what is kept.
        const QString cs = QString::fromLatin1(charset);
        auto serverItem = [&cs](const QByteArray &bytes) {
            return QStringLiteral("HEX(CONVERT(CONVERT(X'%1' USING %2) USING utf8mb4))")
                    .arg(QString::fromLatin1(bytes.toHex()), cs);
        };
        auto ask = [&](const QStringList &items) {
            const ResultSet rs = AWAIT(c.query(QStringLiteral("SELECT ") + items.join(QLatin1Char(','))));
            return rs.rows().value(0);
        };
        constexpr qsizetype Chunk = 64, ItemsPerStatement = 40;
        std::vector<bool> agreed(candidates.size(), false);
        std::vector<qsizetype> recheck;
        for (qsizetype first = 0; first < qsizetype(candidates.size()); first += Chunk * ItemsPerStatement) {
            QStringList items;
            QList<QByteArray> expected;
            QList<qsizetype> starts;
            for (qsizetype s = first; s < qsizetype(candidates.size()) && s < first + Chunk * ItemsPerStatement; s += Chunk) {
                QByteArray bytes;
                QString text;
                for (qsizetype i = s; i < qsizetype(candidates.size()) && i < s + Chunk; ++i) {
                    bytes += candidates[i].second;
                    text += QString::fromUcs4(&candidates[i].first, 1);
                }
                items << serverItem(bytes);
                expected << utf8Hex(text);
                starts << s;
            }
            const Row row = ask(items);
            for (qsizetype k = 0; k < items.size(); ++k) {
                const qsizetype end = std::min(starts[k] + Chunk, qsizetype(candidates.size()));
                for (qsizetype i = starts[k]; i < end; ++i) {
                    if (row.value(int(k)).toByteArray() == expected[k])
                        agreed[i] = true;
                    else
                        recheck.push_back(i);
                }
            }
        }
        for (qsizetype first = 0; first < qsizetype(recheck.size()); first += ItemsPerStatement) {
            QStringList items;
            const qsizetype end = std::min(first + ItemsPerStatement, qsizetype(recheck.size()));
            for (qsizetype k = first; k < end; ++k)
                items << serverItem(candidates[recheck[k]].second);
            const Row row = ask(items);
            for (qsizetype k = first; k < end; ++k) {
                const auto &[cp, bytes] = candidates[recheck[k]];
                agreed[recheck[k]] = row.value(int(k - first)).toByteArray() == utf8Hex(QString::fromUcs4(&cp, 1));
            }
        }

        Repertoire r;
        for (size_t i = 0; i < candidates.size(); ++i) {
            if (agreed[i])
                r.add(candidates[i].first, candidates[i].second);
            else
                r.m_rejected << candidates[i].first;
        }
        return r;
    }

private:
    void add(char32_t c, const QByteArray &encoded)
    {
        ++m_size;
        if (c >= 0x20 && c < 0x7F)
            m_classes[Ascii] << c;
        else if (c < 0x20 || (c >= 0x7F && c < 0xA0))
            m_classes[Controls] << c;
        else if (c < 0x100)
            m_classes[Latin1] << c;
        else if ((c >= 0x0300 && c < 0x0370) || (c >= 0x1AB0 && c < 0x1B00) || (c >= 0x20D0 && c < 0x2100)
                 || (c >= 0xFE20 && c < 0xFE30))
            m_classes[Combining] << c;
        else if ((c >= 0x3000 && c < 0x3100) || (c >= 0x3400 && c < 0xA000) || (c >= 0xF900 && c < 0xFB00)
                 || (c >= 0xFF00 && c < 0xFFF0))
            m_classes[Cjk] << c;
        else if (c < 0x10000)
            m_classes[OtherBmp] << c;
        else
            m_classes[Astral] << c;
        if (encoded.size() > 1) {
            if (encoded.endsWith('\\'))
                m_classes[BackslashTrail] << c;
            else if (std::any_of(encoded.begin() + 1, encoded.end(), [](char b) { return b >= 0x40 && b < 0x7F; }))
                m_classes[AsciiTrail] << c;
        }
    }

    std::array<QList<char32_t>, ClassCount> m_classes;
    qsizetype m_size = 0;
    QList<char32_t> m_rejected;
};

/*! Random values: text from a repertoire, mostly built from the characters escaping is about,
    and byte strings with every byte value, heavy on 0x5C, 0x27, 0x00 and multi-byte lead bytes. */
class Generator
{
public:
    Generator(const Repertoire &repertoire, QRandomGenerator &random)
        : m_repertoire(repertoire), m_random(random)
    {
    }

    QString text()
    {
        QString out;
        const int segments = segmentCount();
        for (int i = 0; i < segments; ++i)
            appendSegment(out);
        return out;
    }

    QByteArray bytes()
    {
        QByteArray out;
        const int segments = segmentCount();
        for (int i = 0; i < segments; ++i) {
            const int pick = below(100);
            if (pick < 30) {
                out.append(pickOf(SpecialBytes));
            } else if (pick < 55) {
                // A lead byte of gbk/big5/sjis/cp932, then what would end a string if the two
                // were read as one character.
                out.append(char(0x81 + below(0x7E)));
                out.append(pickOf(SpecialBytes));
            } else if (pick < 60) {
                out.append(QByteArray(1 + below(40), pickOf(std::array<char, 3>{0x5C, 0x27, 0x00})));
            } else {
                out.append(char(below(256)));
            }
        }
        return out;
    }

private:
    // 0x5C and 0x27 twice: they are what the escaping is about.
    static constexpr std::array<char, 11> SpecialBytes = {0x00, 0x27, 0x5C, 0x22, 0x60, 0x1A, 0x0A, 0x0D, 0x25, 0x5C, 0x27};

    quint32 below(quint32 n) { return m_random.bounded(n); }
    template<typename List>
    typename List::value_type pickOf(const List &list) { return *(std::begin(list) + below(quint32(std::size(list)))); }

    int segmentCount()
    {
        const int pick = below(100);
        if (pick < 2)
            return 0;
        if (pick < 62)
            return 1 + below(8);
        if (pick < 87)
            return 9 + below(22);
        return 31 + below(90);
    }

    void appendCodePoint(QString &out, char32_t c) { out.append(QString::fromUcs4(&c, 1)); }

    //! A character of class \a c (printable ASCII where the set has none of that class).
    void appendFrom(QString &out, Repertoire::Class c)
    {
        if (m_repertoire.isEmpty(c))
            c = Repertoire::Ascii;
        const QList<char32_t> &members = m_repertoire.members(c);
        if (c == Repertoire::Astral && below(2) == 0) {
            // Emoji, with a skin tone, a ZWJ sequence or a variation selector now and then.
            appendCodePoint(out, 0x1F300 + below(0x1FB00 - 0x1F300));
            const int extra = below(4);
            if (extra == 1) {
                appendCodePoint(out, 0x1F3FB + below(5));
            } else if (extra == 2) {
                out.append(QChar(0x200D));
                appendCodePoint(out, 0x1F466 + below(4));
            } else if (extra == 3) {
                out.append(QChar(0xFE0F));
            }
            return;
        }
        appendCodePoint(out, members.at(below(quint32(members.size()))));
    }

    void appendSegment(QString &out)
    {
        static const QStringList Specials = {
            u"'"_s, u"\""_s, u"`"_s, u"\\"_s, QString(QChar(0)), u"%"_s, u"\r"_s, u"\n"_s, u"\x1a"_s,
            u"\t"_s, u"_"_s, u"\b"_s,
        };
        static const QStringList Tokens = {
            u"%s"_s, u"%(name)s"_s, u"%%"_s, u"%d"_s, u"\\'"_s, u"''"_s, u"\\\\"_s, u"\r\n"_s, u"\\Z"_s,
            u"\\0"_s, u"\\n"_s, u"\\%"_s, u"\\_"_s, u"' OR '1'='1"_s, u"'; DROP TABLE t; -- "_s, u"\" OR \"\"=\""_s,
            u"*/"_s, u"/*"_s, u"-- "_s, u"#"_s, u"?"_s, u":name"_s, u"$1"_s, u"X'41'"_s, u"_binary'"_s,
        };
        const int pick = below(100);
        if (pick < 25) {
            out.append(Specials.at(below(quint32(Specials.size()))));
        } else if (pick < 38) {
            appendFrom(out, Repertoire::Ascii);
        } else if (pick < 44) {
            appendFrom(out, Repertoire::Controls);
        } else if (pick < 50) {
            appendFrom(out, Repertoire::Latin1);
        } else if (pick < 60) {
            appendFrom(out, Repertoire::Cjk);
        } else if (pick < 64) {
            appendFrom(out, Repertoire::OtherBmp);
        } else if (pick < 70) {
            appendFrom(out, m_repertoire.isEmpty(Repertoire::Astral) ? Repertoire::Cjk : Repertoire::Astral);
        } else if (pick < 75) {
            // A combining mark, on a base letter or alone (at the start of a string, after a quote).
            if (below(2) == 0)
                appendFrom(out, Repertoire::Ascii);
            appendFrom(out, m_repertoire.isEmpty(Repertoire::Combining) ? Repertoire::OtherBmp : Repertoire::Combining);
        } else if (pick < 86) {
            // A character ending in 0x5C, mostly right before a quote or a backslash.
            const Repertoire::Class c = below(4) == 0 ? Repertoire::AsciiTrail : Repertoire::BackslashTrail;
            appendFrom(out, m_repertoire.isEmpty(c) ? Repertoire::Cjk : c);
            if (below(3) != 0)
                out.append(Specials.at(below(5)));
        } else if (pick < 94) {
            out.append(Tokens.at(below(quint32(Tokens.size()))));
        } else {
            // A long run of quotes and backslashes.
            static const QStringList Runs = {u"'"_s, u"\\"_s, u"\\'"_s, u"''"_s, u"\""_s, u"\\\\'"_s};
            const QString unit = Runs.at(below(quint32(Runs.size())));
            out.append(unit.repeated(2 + below(120)));
        }
    }

    const Repertoire &m_repertoire;
    QRandomGenerator &m_random;
};

//! What one row of the test saw, for its closing qInfo() and its failure message.
struct Tally
{
    qint64 texts = 0, bytes = 0;
    qint64 literalChecks = 0, argumentChecks = 0, quoteChecks = 0;
    qint64 quoteNull = 0;   //!< QUOTE() gave NULL (MariaDB's sjis, see below): not sent again
    qint64 mismatches = 0;
    QStringList shown;

    void mismatch(const QString &what)
    {
        if (++mismatches <= MismatchesShown)
            shown << what;
    }

    //! The message for QVERIFY2, after the mismatches shown one by one (QtTest cuts long
    //! messages).
    QByteArray report(quint32 seed) const
    {
        for (const QString &m : shown)
            qWarning().noquote() << m;
        return QStringLiteral("%1 mismatches (seed %2), the first %3 above").arg(mismatches).arg(seed).arg(shown.size()).toUtf8();
    }
};

} // namespace EscapingTest

using namespace EscapingTest;

class tst_Escaping : public QObject
{
    Q_OBJECT

    quint32 m_seed = 0;
    qint64 m_totalCases = 100000;
    std::map<QString, Repertoire> m_repertoires;
    int m_rows = 0;

    //! A connection in \a charset; with \a noBackslashEscapes the mode is set by the option
    //! (\a viaOption) or by SET SESSION afterwards, and the client must notice either way.
    std::unique_ptr<Connection> connect(const QString &charset, bool noBackslashEscapes, bool viaOption)
    {
        ConnectOptions o = TestUtil::options();
        o.charset = charset;
        o.autocommit = true;
        if (noBackslashEscapes && viaOption)
            o.sqlMode = QStringLiteral("NO_BACKSLASH_ESCAPES");
        // A %s argument of a Verbatim value is its bytes, as they are.
        o.converters.setEncoder(QMetaType::fromType<Verbatim>(),
                                [](const QVariant &v) { return QVariant::fromValue(RawSql{v.value<Verbatim>().sql}); });
        auto c = std::make_unique<Connection>(o);
        AWAIT(c->open());
        if (noBackslashEscapes && !viaOption)
            AWAIT(c->query(QStringLiteral("SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')")));
        return c;
    }

    //! The statement's only row; a failed statement or a warning (unless \a warningsAllowed)
    //! counts as a mismatch.
    static std::optional<Row> rowOf(const QFuture<ResultSet> &future, const QString &what, int expectedColumns, Tally &tally,
                                    bool warningsAllowed = false)
    {
        if (auto error = TestUtil::errorOf(future, 120000)) {
            // The server quotes the statement from where it stopped reading: the start is enough.
            const QString reason = error->toString();
            tally.mismatch(QStringLiteral("%1 failed: %2").arg(what, reason.size() > 240 ? reason.left(240) + u"..."_s : reason));
            return std::nullopt;
        }
        if (!future.isFinished()) {
            tally.mismatch(QStringLiteral("%1 did not finish").arg(what));
            return std::nullopt;
        }
        const ResultSet rs = future.result();
        if (rs.size() != 1 || rs.rows().first().size() != expectedColumns || (rs.warningCount() != 0 && !warningsAllowed)) {
            tally.mismatch(QStringLiteral("%1: %2 rows, %3 columns, %4 warnings (expected 1 row, %5 columns, no warning)")
                                   .arg(what).arg(rs.size()).arg(rs.rows().value(0).size()).arg(rs.warningCount())
                                   .arg(expectedColumns));
            return std::nullopt;
        }
        return rs.rows().first();
    }

    //! The characters of \a info's set, asked from the server through \a c once per test run.
    const Repertoire &repertoireFor(const CharsetInfo &info, Connection &c)
    {
        const QString charset = QString::fromLatin1(info.name);
        auto found = m_repertoires.find(charset);
        if (found == m_repertoires.end()) {
            Repertoire r = info.codec ? Repertoire::fromServer(c, info.name, info.codec) : Repertoire::unicode();
            qInfo("%s: %lld characters (%lld ending in 0x5C, %lld more with an ASCII byte); ICU has %lld more "
                  "that the server reads otherwise", info.name, qlonglong(r.size()),
                  qlonglong(r.members(Repertoire::BackslashTrail).size()), qlonglong(r.members(Repertoire::AsciiTrail).size()),
                  qlonglong(r.rejected().size()));
            found = m_repertoires.emplace(charset, std::move(r)).first;
        }
        return found->second;
    }

    static const CharsetInfo &charsetInfo(const QString &charset)
    {
        return *std::find_if(std::begin(Charsets), std::end(Charsets),
                             [&](const CharsetInfo &cs) { return charset == QLatin1String(cs.name); });
    }

    static QString selectList(const QStringList &items)
    {
        return QStringLiteral("SELECT ") + items.join(QLatin1String(" AS v, ")) + QStringLiteral(" AS v");
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(TestUtil::haveServer(), "run through scripts/test.sh (it starts the server)");
        bool ok = false;
        m_seed = quint32(qEnvironmentVariable("ASYNCMYSQL_ESCAPING_SEED").toUInt(&ok));
        if (!ok)
            m_seed = QRandomGenerator::system()->generate();
        const qint64 cases = qEnvironmentVariable("ASYNCMYSQL_ESCAPING_CASES").toLongLong(&ok);
        if (ok && cases >= 0)
            m_totalCases = cases;
        qInfo("seed %u (ASYNCMYSQL_ESCAPING_SEED=%u repeats this run), %lld cases", m_seed, m_seed,
              qlonglong(m_totalCases));
    }

    void escaping_data()
    {
        QTest::addColumn<QString>("charset");
        QTest::addColumn<bool>("noBackslashEscapes");
        QTest::addColumn<bool>("viaOption"); // NO_BACKSLASH_ESCAPES by ConnectOptions::sqlMode, else SET SESSION
        QTest::addColumn<int>("row");
        int row = 0;
        for (const CharsetInfo &cs : Charsets) {
            for (bool nbe : {false, true}) {
                QTest::addRow("%s%s", cs.name, nbe ? "-no-backslash-escapes" : "")
                        << QString::fromLatin1(cs.name) << nbe << (row % 4 == 1) << row;
                ++row;
            }
        }
        m_rows = row;
    }

    void escaping()
    {
        QFETCH(QString, charset);
        QFETCH(bool, noBackslashEscapes);
        QFETCH(bool, viaOption);
        QFETCH(int, row);
        const CharsetInfo &info = charsetInfo(charset);
        const QString mode = noBackslashEscapes ? QStringLiteral("NO_BACKSLASH_ESCAPES") : QStringLiteral("backslash escapes");
        QElapsedTimer timer;
        timer.start();

        // QUOTE() writes backslash escapes whatever the sql_mode: its output is read in a
        // session without NO_BACKSLASH_ESCAPES.
        auto plain = connect(charset, false, false);
        std::unique_ptr<Connection> escaped = noBackslashEscapes ? connect(charset, true, viaOption) : nullptr;
        Connection &c = escaped ? *escaped : *plain;
        QCOMPARE(c.charset(), charset);

        const Repertoire &repertoire = repertoireFor(info, *plain);
        if (info.backslashInMultibyte)
            QVERIFY2(!repertoire.isEmpty(Repertoire::BackslashTrail), "no character ends in 0x5C: the repertoire is wrong");

        const qint64 cases = m_totalCases / m_rows + (row < m_totalCases % m_rows ? 1 : 0);
        const quint32 seeds[] = {m_seed, quint32(row)};
        QRandomGenerator random(seeds, 2);
        Generator generate(repertoire, random);
        Tally tally;
        // The client follows the server's status flag: that is what switches its escaping.
        auto checkMode = [&](bool expected, const char *when) {
            if (bool(c.serverStatus() & NoBackslashEscapesFlag) != expected)
                tally.mismatch(QStringLiteral("%1/%2, %3: the status flag NO_BACKSLASH_ESCAPES is not %4")
                                       .arg(charset, mode, QLatin1String(when), expected ? u"set"_s : u"clear"_s));
            const QString literal = c.escape(u"a'\\"_s);
            if (literal != (expected ? u"'a''\\'"_s : u"'a\\'\\\\'"_s))
                tally.mismatch(QStringLiteral("%1/%2, %3: escape() writes %4 with NO_BACKSLASH_ESCAPES %5")
                                       .arg(charset, mode, QLatin1String(when), literal, expected ? u"on"_s : u"off"_s));
        };
        checkMode(noBackslashEscapes, "connected");

        // Raw bytes inside a string literal: in gbk, big5, sjis and cp932 the server's lexer
        // reads a byte >= 0x81 and the backslash QUOTE() puts after it as one character (the
        // library sends bytes as X'..' there for that reason), so QUOTE()'s output for bytes
        // is sent again only in utf8mb4.
        const bool resendQuotedBytes = !info.backslashInMultibyte;
        /* MariaDB 10.11's QUOTE() in sjis writes each of its escaping backslashes as 0x815F
           (what the server's sjis makes of U+005C; the library reads it back as a backslash),
           but leaves room for one byte: with two or more characters to escape its result
           outgrows the room and is NULL. Such values are not sent again (and counted). */
        const bool quoteMayBeNull = charset == QLatin1String("sjis");

        struct Batch
        {
            QVariantList values;
            QFuture<ResultSet> literal, argument, quote, resendText, resendBytes;
            QList<int> textIndex, bytesIndex; //!< which values the resend statements hold
            QStringList quotedTexts;
            QVariantList quotedBytes;
        };
        auto label = [&](const QString &path, int i, const QVariant &value) {
            return QStringLiteral("%1/%2, %3, value %4: %5").arg(charset, mode, path).arg(i).arg(describe(value));
        };
        auto statement = [&](QStringView what) { return QStringLiteral("%1/%2, %3").arg(charset, mode, what); };
        auto check = [&](const QString &path, const std::optional<Row> &r, int column, int i, const QVariant &value,
                         qint64 &counter) {
            if (!r)
                return;
            ++counter;
            const QVariant got = r->value(column);
            if (!sameValue(value, got))
                tally.mismatch(label(path, i, value) + QStringLiteral(", came back as ") + describe(got));
        };

        // A statement that failed as a whole: its values one by one, to name those at fault.
        auto isolate = [&](const QString &path, const Batch &batch, const QList<int> &index,
                           const std::function<QFuture<ResultSet>(qsizetype)> &run, bool compare) {
            int found = 0;
            for (qsizetype k = 0; k < index.size() && found < 3; ++k) {
                const int i = index.at(k);
                const QVariant &value = batch.values.at(i);
                Tally alone;
                const auto r = rowOf(run(k), path, 1, alone, quoteMayBeNull);
                if (!r) {
                    ++found;
                    tally.mismatch(label(path, i, value) + QStringLiteral(", alone: ") + alone.shown.value(0));
                } else if (compare && !sameValue(value, r->value(0))) {
                    ++found;
                    tally.mismatch(label(path, i, value) + QStringLiteral(", alone, came back as ") + describe(r->value(0)));
                }
            }
        };

        qint64 made = 0;
        while (made < cases) {
            std::vector<Batch> wave;
            for (int b = 0; b < StatementsInFlight && made < cases; ++b) {
                Batch batch;
                QStringList literals, placeholders, quotes;
                for (int i = 0; i < ValuesPerStatement && made < cases; ++i, ++made) {
                    const bool isBytes = random.bounded(5) == 0;
                    const QVariant value = isBytes ? QVariant(generate.bytes()) : QVariant(generate.text());
                    ++(isBytes ? tally.bytes : tally.texts);
                    bool ok = false;
                    const QString literal = c.escape(value, &ok);
                    QVERIFY2(ok, qPrintable(label(QStringLiteral("escape()"), i, value)));
                    batch.values << value;
                    literals << literal;
                    placeholders << QStringLiteral("%s");
                    quotes << QStringLiteral("QUOTE(%1)").arg(literal);
                }
                // Without arguments the text is sent as it is: the literals' % stay as they are.
                batch.literal = c.query(selectList(literals));
                batch.argument = c.query(selectList(placeholders), batch.values);
                batch.quote = c.query(selectList(quotes));
                wave.push_back(std::move(batch));
            }
            for (Batch &batch : wave) {
                const int n = int(batch.values.size());
                const auto literalRow = rowOf(batch.literal, statement(u"escape() literals"), n, tally);
                const auto argumentRow = rowOf(batch.argument, statement(u"%s arguments"), n, tally);
                const auto quoteRow = rowOf(batch.quote, statement(u"QUOTE()"), n, tally, quoteMayBeNull);
                QList<int> all(n);
                std::iota(all.begin(), all.end(), 0);
                auto single = [&](const QString &sql) { return c.query(sql + QStringLiteral(" AS v")); };
                if (!literalRow)
                    isolate(u"escape() literal"_s, batch, all, [&](qsizetype k) { return single(u"SELECT "_s + c.escape(batch.values.at(k))); }, true);
                if (!argumentRow)
                    isolate(u"%s argument"_s, batch, all, [&](qsizetype k) { return c.query(u"SELECT %s AS v"_s, {batch.values.at(k)}); }, true);
                if (!quoteRow)
                    isolate(u"QUOTE()"_s, batch, all, [&](qsizetype k) { return single(QStringLiteral("SELECT QUOTE(%1)").arg(c.escape(batch.values.at(k)))); }, false);
                QStringList &texts = batch.quotedTexts;
                QVariantList &verbatims = batch.quotedBytes;
                for (int i = 0; i < n; ++i) {
                    const QVariant &value = batch.values.at(i);
                    check(QStringLiteral("escape() literal"), literalRow, i, i, value, tally.literalChecks);
                    check(QStringLiteral("%s argument"), argumentRow, i, i, value, tally.argumentChecks);
                    if (!quoteRow)
                        continue;
                    const QVariant quoted = quoteRow->value(i);
                    if (quoted.isNull() && quoteMayBeNull) {
                        ++tally.quoteNull;
                        continue;
                    }
                    const bool isBytes = value.typeId() == QMetaType::QByteArray;
                    if (isBytes != (quoted.typeId() == QMetaType::QByteArray)) {
                        tally.mismatch(label(QStringLiteral("QUOTE()"), i, value) + QStringLiteral(" gave ") + describe(quoted));
                    } else if (!isBytes) {
                        texts << quoted.toString();
                        batch.textIndex << i;
                    } else if (resendQuotedBytes) {
                        verbatims << QVariant::fromValue(Verbatim{"_binary" + quoted.toByteArray()});
                        batch.bytesIndex << i;
                    }
                }
                if (!texts.isEmpty())
                    batch.resendText = plain->query(selectList(texts));
                if (!verbatims.isEmpty())
                    batch.resendBytes = plain->query(selectList(QStringList(verbatims.size(), QStringLiteral("%s"))), verbatims);
            }
            for (Batch &batch : wave) {
                auto resent = [&](QFuture<ResultSet> &future, const QList<int> &index, QStringView what,
                                  const std::function<QFuture<ResultSet>(qsizetype)> &alone) {
                    if (index.isEmpty())
                        return;
                    const auto r = rowOf(future, statement(what), int(index.size()), tally);
                    if (!r)
                        isolate(u"QUOTE() sent again"_s, batch, index, alone, true);
                    for (int k = 0; k < index.size(); ++k)
                        check(QStringLiteral("QUOTE() sent again"), r, k, index[k], batch.values.at(index[k]), tally.quoteChecks);
                };
                resent(batch.resendText, batch.textIndex, u"QUOTE() text sent again", [&](qsizetype k) {
                    return plain->query(u"SELECT "_s + batch.quotedTexts.at(k) + u" AS v"_s);
                });
                resent(batch.resendBytes, batch.bytesIndex, u"QUOTE() bytes sent again", [&](qsizetype k) {
                    return plain->query(u"SELECT %s AS v"_s, {batch.quotedBytes.at(k)});
                });
            }
            if (tally.mismatches > 5 * MismatchesShown)
                break; // enough to see what is wrong
        }

        // The client notices the mode change at run time too, both ways.
        const QString other = noBackslashEscapes ? QStringLiteral("SET SESSION sql_mode = REPLACE(@@sql_mode, 'NO_BACKSLASH_ESCAPES', '')")
                                                 : QStringLiteral("SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')");
        AWAIT(c.query(other));
        checkMode(!noBackslashEscapes, "after SET SESSION sql_mode");
        const QVariant tricky = u"x'\\y\"z"_s;
        for (const auto &[path, future] : {std::pair{u"escape() literal"_s, c.query(u"SELECT "_s + c.escape(tricky))},
                                            std::pair{u"%s argument"_s, c.query(u"SELECT %s"_s, {tricky})}}) {
            qint64 checks = 0;
            check(path + u" after SET SESSION sql_mode"_s, rowOf(future, statement(path), 1, tally), 0, 0, tricky, checks);
        }

        qInfo("%s, %s: %lld cases (%lld text, %lld bytes): %lld escape() literals, %lld %%s arguments, %lld QUOTE() "
              "sent again (%lld QUOTE() NULL); %lld mismatches; %lld ms",
              qPrintable(charset), qPrintable(mode), qlonglong(tally.texts + tally.bytes), qlonglong(tally.texts),
              qlonglong(tally.bytes), qlonglong(tally.literalChecks), qlonglong(tally.argumentChecks),
              qlonglong(tally.quoteChecks), qlonglong(tally.quoteNull), qlonglong(tally.mismatches),
              qlonglong(timer.elapsed()));
        QVERIFY2(tally.mismatches == 0, tally.report(m_seed).constData());
        QCOMPARE(tally.texts + tally.bytes, cases);
    }

    /* ICU's Big5 has some 5,800 characters the server's big5 has not (user-defined ones, with
       the lead bytes 0x81-0xA0 and 0xFA-0xFE), 37 of them ending in 0x5C. The server's lexer
       reads such a lead byte alone and the 0x5C after it as an escape: written as ICU encodes
       it, X followed by a quote ended the string, and the rest of the value was SQL. Every
       character ICU has in a set and the server reads otherwise, before quotes and backslashes,
       must stay inside its string and come back as itself or as '?'. */
    void charactersTheServerReadsOtherwise_data()
    {
        QTest::addColumn<QString>("charset");
        QTest::addColumn<bool>("noBackslashEscapes");
        for (const CharsetInfo &cs : Charsets) {
            if (!cs.backslashInMultibyte)
                continue;
            for (bool nbe : {false, true})
                QTest::addRow("%s%s", cs.name, nbe ? "-no-backslash-escapes" : "") << QString::fromLatin1(cs.name) << nbe;
        }
    }
    void charactersTheServerReadsOtherwise()
    {
        QFETCH(QString, charset);
        QFETCH(bool, noBackslashEscapes);
        auto plain = connect(charset, false, false);
        std::unique_ptr<Connection> escaped = noBackslashEscapes ? connect(charset, true, true) : nullptr;
        Connection &c = escaped ? *escaped : *plain;
        const QList<char32_t> &odd = repertoireFor(charsetInfo(charset), *plain).rejected();
        if (odd.isEmpty())
            QSKIP("ICU and the server read every character of this set alike");

        // A quote right after the character (the injection), and a backslash (an escape it must not
        // take along).
        const QStringList tails = {u"' OR '1'='1"_s, u"\\'"_s};
        QVariantList values;
        for (char32_t x : odd) {
            for (const QString &tail : tails)
                values << QVariant(QString::fromUcs4(&x, 1) + tail);
        }
        Tally tally;
        qint64 asThemselves = 0, asQuestionMarks = 0, asOthers = 0;
        struct Batch
        {
            qsizetype first;
            QFuture<ResultSet> literal, argument;
        };
        std::vector<Batch> batches;
        for (qsizetype first = 0; first < values.size(); first += ValuesPerStatement) {
            const QVariantList some = values.mid(first, ValuesPerStatement);
            QStringList literals, placeholders;
            for (const QVariant &v : some) {
                literals << c.escape(v);
                placeholders << u"%s"_s;
            }
            // After the values, a column of its own: a string that ended early takes it along.
            literals << u"'end'"_s;
            placeholders << u"'end'"_s;
            batches.push_back({first, c.query(selectList(literals)), c.query(selectList(placeholders), some)});
        }
        for (const Batch &batch : batches) {
            const int n = int(std::min<qsizetype>(ValuesPerStatement, values.size() - batch.first));
            for (const auto &[path, future] : {std::pair{u"escape() literal"_s, batch.literal},
                                                std::pair{u"%s argument"_s, batch.argument}}) {
                const auto r = rowOf(future, QStringLiteral("%1, %2").arg(charset, path), n + 1, tally);
                if (!r)
                    continue;
                if (r->value(n).toString() != u"end"_s)
                    tally.mismatch(QStringLiteral("%1, %2: the last column is %3").arg(charset, path, describe(r->value(n))));
                for (int i = 0; i < n; ++i) {
                    // The character may come back as another one (sjis U+FF5E as U+301C, as the
                    // server reads its bytes); what follows it must be as it was.
                    const QString value = values.at(batch.first + i).toString();
                    const QString got = r->value(i).toString();
                    const QString tail = tails.at((batch.first + i) % tails.size());
                    const bool isText = r->value(i).typeId() == QMetaType::QString;
                    if (isText && got == value)
                        ++asThemselves;
                    else if (isText && got == u'?' + tail)
                        ++asQuestionMarks;
                    else if (isText && got.endsWith(tail) && got.size() == tail.size() + 1 && !got.at(0).isSurrogate())
                        ++asOthers;
                    else
                        tally.mismatch(QStringLiteral("%1, %2: %3 came back as %4").arg(charset, path,
                                               describe(value), describe(r->value(i))));
                }
            }
        }
        qInfo("%s: %lld characters ICU has and the server reads otherwise, %lld values, twice: %lld came back as "
              "they were, %lld with a '?', %lld with another character; %lld mismatches", qPrintable(charset),
              qlonglong(odd.size()), qlonglong(values.size()), qlonglong(asThemselves), qlonglong(asQuestionMarks),
              qlonglong(asOthers), qlonglong(tally.mismatches));
        QVERIFY2(tally.mismatches == 0, tally.report(m_seed).constData());
    }
};

QTEST_GUILESS_MAIN(tst_Escaping)
#include "tst_escaping.moc"
