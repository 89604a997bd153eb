// SPDX-License-Identifier: MIT
#include "charsets.h"

#include <QtCore/QStringConverter>
#include <QtCore/QStringList>

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace AsyncMySql::Protocol {

namespace {

// Where MariaDB 10.11's tables differ from ICU 72's for characters both define.
constexpr ByteMapping GreekFixes[] = {{0xa1, 0x02bd}, {0xa2, 0x02bc}};
constexpr ByteMapping HebrewFixes[] = {{0xaf, 0x203e}};
constexpr ByteMapping Koi8uFixes[] = {{0x95, 0x2022}};
constexpr ByteMapping Cp852Fixes[] = {{0xaa, 0x00ac}};
constexpr ByteMapping Cp866Fixes[] = {{0xfc, 0x207f}, {0xfd, 0x00b2}};
// ICU reads these as windows-874's punctuation; MySQL's tis620 keeps the C1 controls.
constexpr ByteMapping Tis620Fixes[] = {{0x80, 0x0080}, {0x85, 0x0085}, {0x91, 0x0091}, {0x92, 0x0092},
                                       {0x93, 0x0093}, {0x94, 0x0094}, {0x95, 0x0095}, {0x96, 0x0096},
                                       {0x97, 0x0097}};
constexpr ByteMapping Hp8Fixes[] = {{0xa0, 0x00a0}, {0xa9, 0x02cb}, {0xaf, 0x20a4}, {0xb0, 0x00af},
                                    {0xb3, 0x00b0}, {0xf3, 0x00b5}, {0xf6, 0x2014}};

// ICU's IBM PC-style Japanese tables read 0x1A, 0x1C and 0x7F as U+001C, U+007F and U+001A;
// MySQL keeps the ASCII control characters as they are. And where the server's sjis reads
// 0x815F as the backslash (it writes a backslash from a utf8mb4 column so), ICU has U+FF3C.
constexpr CharMapping Cp932Fixes[] = {{0x1c, 0x1a}, {0x7f, 0x1c}, {0x1a, 0x7f}};
constexpr CharMapping SjisFixes[] = {{0x1c, 0x1a}, {0x7f, 0x1c}, {0x1a, 0x7f}, {0xff3c, 0x5c},
                                     {0xff5e, 0x301c}, {0x2225, 0x2016}, {0xff0d, 0x2212},
                                     {0xffe0, 0x00a2}, {0xffe1, 0x00a3}, {0xffe2, 0x00ac}};
constexpr CharMapping UjisFixes[] = {{0x2014, 0x2015}, {0xff3c, 0x5c}, {0xffe0, 0x00a2}, {0xffe1, 0x00a3},
                                     {0xffe2, 0x00ac}, {0xff5e, 0x7e}};

constexpr TextEncoding own(int index) { return TextEncoding(index); }

// Collation ids: the DEFAULT_COLLATE_NAME of information_schema.CHARACTER_SETS, looked up in
// information_schema.COLLATIONS (MariaDB 10.11). The index of an entry is its TextEncoding,
// so utf8mb4 and latin1 come first (TextEncoding::Utf8 and ::Latin1).
constexpr Charset Table[] = {
    {"utf8mb4", 45, 4, false, nullptr, TextEncoding::Utf8},
    {"latin1", 8, 1, false, nullptr, TextEncoding::Latin1},
    {"utf8mb3", 33, 3, false, nullptr, TextEncoding::Utf8},
    {"ascii", 11, 1, false, nullptr, TextEncoding::Latin1},
    {"binary", 63, 1, false, nullptr, TextEncoding::Utf8},
    {"cp1250", 26, 1, false, "windows-1250", own(5)},
    {"cp1251", 51, 1, false, "windows-1251", own(6)},
    {"cp1256", 57, 1, false, "windows-1256", own(7)},
    {"cp1257", 59, 1, false, "windows-1257", own(8)},
    {"latin2", 9, 1, false, "ISO-8859-2", own(9)},
    {"latin5", 30, 1, false, "ISO-8859-9", own(10)},
    {"latin7", 41, 1, false, "ISO-8859-13", own(11)},
    {"greek", 25, 1, false, "ISO-8859-7", own(12), GreekFixes},
    {"hebrew", 16, 1, false, "ISO-8859-8", own(13), HebrewFixes},
    {"koi8r", 7, 1, false, "KOI8-R", own(14)},
    {"koi8u", 22, 1, false, "KOI8-U", own(15), Koi8uFixes},
    {"cp850", 4, 1, false, "IBM850", own(16)},
    {"cp852", 40, 1, false, "IBM852", own(17), Cp852Fixes},
    {"cp866", 36, 1, false, "IBM866", own(18), Cp866Fixes},
    {"macroman", 39, 1, false, "macintosh", own(19)},
    {"macce", 38, 1, false, "x-mac-centraleurroman", own(20)},
    {"tis620", 18, 1, false, "TIS-620", own(21), Tis620Fixes},
    {"hp8", 6, 1, false, "hp-roman8", own(22), Hp8Fixes},
    {"gbk", 28, 2, true, "GBK", own(23)},
    {"gb2312", 24, 2, false, "GB2312", own(24)},
    {"big5", 1, 2, true, "Big5", own(25)},
    {"sjis", 13, 2, true, "Shift_JIS", own(26), {}, SjisFixes},
    {"cp932", 95, 2, true, "windows-31j", own(27), {}, Cp932Fixes},
    // MySQL's euckr is the Unified Hangul Code (cp949), not plain EUC-KR.
    {"euckr", 19, 2, false, "windows-949", own(28)},
    {"ujis", 12, 3, false, "ibm-954_P101-2007", own(29), {}, UjisFixes},
    // The table with NEC's row 13 (circled digits etc.); it has no JIS X 0212 (3-byte) part.
    {"eucjpms", 97, 3, false, "ibm-33722_P12A_P12A-2009_U2", own(30)},
};
constexpr int TableSize = int(std::size(Table));

constexpr bool indexesMatch()
{
    for (int i = 0; i < TableSize; ++i) {
        if (Table[i].codec && Table[i].encoding != own(i))
            return false;
    }
    return Table[0].encoding == TextEncoding::Utf8 && Table[1].encoding == TextEncoding::Latin1;
}
static_assert(indexesMatch(), "a converted charset's TextEncoding is its index in Table");

// MariaDB has these but cannot use them for a client (SET NAMES fails with error 1231) ...
constexpr const char *ServerOnly[] = {"ucs2", "utf16", "utf16le", "utf32"};
// ... and these Qt 6.4 has no converter for.
constexpr const char *NoConverter[] = {"armscii8", "dec8", "geostd8", "keybcs2", "swe7"};

bool contains(std::span<const char *const> names, QStringView name)
{
    return std::any_of(names.begin(), names.end(),
                       [name](const char *n) { return name.compare(QLatin1String(n), Qt::CaseInsensitive) == 0; });
}

// --- single-byte sets: a table built once from ICU's, then used by every thread -----------------

struct SingleByteTable
{
    char16_t toUnicode[256];
    std::vector<std::pair<char16_t, char>> fromUnicode; // characters >= 0x80, sorted
};

std::unique_ptr<SingleByteTable> buildTable(const Charset &cs)
{
    auto t = std::make_unique<SingleByteTable>();
    QStringDecoder decoder(cs.codec, QStringConverter::Flag::Stateless);
    for (int b = 0; b < 256; ++b) {
        // Every MySQL character set keeps ASCII as it is (ICU's IBM850 does not).
        const char byte = char(b);
        const QString s = b < 0x80 ? QString() : decoder.decode(QByteArrayView(&byte, 1));
        t->toUnicode[b] = b < 0x80 ? char16_t(b) : s.size() == 1 ? s.at(0).unicode() : char16_t(0xfffd);
    }
    for (const ByteMapping &fix : cs.byteFixes)
        t->toUnicode[fix.byte] = fix.codePoint;
    for (int b = 0x80; b < 256; ++b) {
        const char16_t c = t->toUnicode[b];
        if (c >= 0x80 && c != 0xfffd)
            t->fromUnicode.emplace_back(c, char(b));
    }
    // The first byte wins where two read as the same character.
    std::stable_sort(t->fromUnicode.begin(), t->fromUnicode.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });
    return t;
}

const SingleByteTable &singleByteTable(const Charset &cs)
{
    static std::array<std::once_flag, TableSize> built;
    static std::array<std::unique_ptr<SingleByteTable>, TableSize> tables;
    const int i = int(cs.encoding);
    std::call_once(built[i], [&] { tables[i] = buildTable(cs); });
    return *tables[i];
}

QString decodeSingleByte(QByteArrayView bytes, const Charset &cs)
{
    const SingleByteTable &t = singleByteTable(cs);
    QString out(bytes.size(), Qt::Uninitialized);
    char16_t *dst = reinterpret_cast<char16_t *>(out.data());
    for (qsizetype i = 0; i < bytes.size(); ++i)
        dst[i] = t.toUnicode[quint8(bytes[i])];
    return out;
}

QByteArray encodeSingleByte(QStringView text, const Charset &cs)
{
    const SingleByteTable &t = singleByteTable(cs);
    QByteArray out;
    out.reserve(text.size());
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char16_t c = text[i].unicode();
        if (c < 0x80) {
            out.append(char(c));
            continue;
        }
        const auto it = std::lower_bound(t.fromUnicode.begin(), t.fromUnicode.end(), c,
                                         [](const auto &entry, char16_t v) { return entry.first < v; });
        if (it != t.fromUnicode.end() && it->first == c) {
            out.append(it->second);
            continue;
        }
        // Not in the set: '?' (once for a surrogate pair), as the server converts it.
        if (QChar::isHighSurrogate(c) && i + 1 < text.size() && text[i + 1].isLowSurrogate())
            ++i;
        out.append('?');
    }
    return out;
}

// --- multi-byte sets: ICU converters, one per thread (they keep state between calls) ------------

struct ThreadConverters
{
    std::array<std::optional<QStringDecoder>, TableSize> decoders;
    std::array<std::optional<QStringEncoder>, TableSize> encoders;
};

ThreadConverters &threadConverters()
{
    thread_local std::unique_ptr<ThreadConverters> converters;
    if (!converters)
        converters = std::make_unique<ThreadConverters>();
    return *converters;
}

//! \a text with the characters of \a fixes replaced (\a toServer: ICU's by the server's).
//! Returns false, leaving \a out alone, when there is nothing to replace (the common case).
bool applyFixes(QStringView text, std::span<const CharMapping> fixes, bool toServer, QString &out)
{
    auto replacement = [&](char16_t c) -> char16_t {
        for (const CharMapping &m : fixes) {
            if (toServer ? m.icu == c : m.server == c && (m.server >= 0x80 || m.icu < 0x80))
                return toServer ? m.server : m.icu;
            // ICU's character whose bytes the server reads as an ASCII one (sjis U+FF3C, 0x815F:
            // the backslash) is not in the server's set: '?', as the server converts it. Its
            // bytes would read back as that ASCII character, so the text of escape() or
            // mogrify() would hold a backslash nobody escaped.
            if (!toServer && m.icu == c && m.server < 0x80 && m.icu >= 0x80)
                return u'?';
        }
        return c;
    };
    qsizetype i = 0;
    while (i < text.size() && replacement(text[i].unicode()) == text[i].unicode())
        ++i;
    if (i == text.size())
        return false;
    out = text.toString();
    for (; i < out.size(); ++i)
        out[i] = QChar(replacement(out[i].unicode()));
    return true;
}

// --- how the server's lexer splits gbk, big5, sjis and cp932 -------------------------------------

struct ByteRange
{
    quint8 first = 1, last = 0; // empty
    constexpr bool contains(quint8 b) const { return b >= first && b <= last; }
};

/*! The bytes the server's lexer reads as the first and the second byte of one character in a
    set where a character can end in 0x5C (MariaDB's charlen(): byte ranges, assigned or not),
    and the bytes >= 0x80 that are a character on their own. Characters are escaped before
    they are encoded (values.cpp), which is safe only where the server splits the bytes into
    the characters ICU wrote: ICU's Big5 has 5,800 user-defined characters with lead bytes
    the server does not know (0x81-0xA0, 0xFA-0xFE), so that their second byte 0x5C would be
    an escape and X + "'" would end the string. */
struct LexerBytes
{
    const char *charset;
    ByteRange leads[2], trails[2], singles;

    constexpr bool isLead(quint8 b) const { return leads[0].contains(b) || leads[1].contains(b); }
    constexpr bool isTrail(quint8 b) const { return trails[0].contains(b) || trails[1].contains(b); }
};

constexpr LexerBytes Lexers[] = {
    {"gbk", {{0x81, 0xFE}, {}}, {{0x40, 0x7E}, {0x80, 0xFE}}, {}},
    {"big5", {{0xA1, 0xF9}, {}}, {{0x40, 0x7E}, {0xA1, 0xFE}}, {}},
    {"sjis", {{0x81, 0x9F}, {0xE0, 0xFC}}, {{0x40, 0x7E}, {0x80, 0xFC}}, {0xA1, 0xDF}},
    {"cp932", {{0x81, 0x9F}, {0xE0, 0xFC}}, {{0x40, 0x7E}, {0x80, 0xFC}}, {0xA1, 0xDF}},
};

const LexerBytes *lexerBytesFor(const Charset &cs)
{
    if (!cs.backslashInMultibyte)
        return nullptr;
    const auto it = std::find_if(std::begin(Lexers), std::end(Lexers),
                                 [&](const LexerBytes &l) { return qstrcmp(l.charset, cs.name) == 0; });
    Q_ASSERT(it != std::end(Lexers));
    return it != std::end(Lexers) ? &*it : nullptr;
}

/*! True when the server reads \a bytes, ICU's for \a text, as text.size() code points' worth
    of characters with every byte >= 0x80 in a pair it knows or a single character of the set:
    then it splits them where ICU did (a split character would leave a stray byte, and a count
    that is off a joined one). False sends the text through the per-character check. */
bool splitsLikeIcu(QByteArrayView bytes, QStringView text, const LexerBytes &lexer)
{
    qsizetype characters = 0;
    for (qsizetype i = 0; i < bytes.size(); ++characters) {
        const quint8 b = quint8(bytes[i]);
        if (b < 0x80 || lexer.singles.contains(b))
            i += 1;
        else if (lexer.isLead(b) && i + 1 < bytes.size() && lexer.isTrail(quint8(bytes[i + 1])))
            i += 2;
        else
            return false;
    }
    qsizetype codePoints = text.size();
    for (qsizetype i = 0; i + 1 < text.size(); ++i) {
        if (text[i].isHighSurrogate() && text[i + 1].isLowSurrogate())
            --codePoints;
    }
    return characters == codePoints;
}

/*! Whether the server reads \a one, ICU's bytes for one character, as one character: two
    bytes a lead and a trail, one byte anything but a lead (which would take the next byte,
    an escaping backslash or the closing quote, along). */
bool oneCharacterForServer(QByteArrayView one, const LexerBytes &lexer)
{
    if (one.size() == 1)
        return !lexer.isLead(quint8(one[0]));
    return one.size() == 2 && lexer.isLead(quint8(one[0])) && lexer.isTrail(quint8(one[1]));
}

QString decodeMultiByte(QByteArrayView bytes, const Charset &cs)
{
    std::optional<QStringDecoder> &decoder = threadConverters().decoders[int(cs.encoding)];
    if (!decoder)
        decoder.emplace(cs.codec, QStringConverter::Flag::Stateless);
    QString out = decoder->decode(bytes);
    // ICU has put a replacement character where the bytes were invalid. The error flag stays
    // set, and Qt 6.4's resetState() closes the ICU converter: start with a new one.
    if (decoder->hasError())
        decoder.emplace(cs.codec, QStringConverter::Flag::Stateless);
    QString fixed;
    if (!cs.charFixes.empty() && applyFixes(out, cs.charFixes, true, fixed))
        return fixed;
    return out;
}

QByteArray encodeMultiByte(QStringView text, const Charset &cs)
{
    std::optional<QStringEncoder> &encoder = threadConverters().encoders[int(cs.encoding)];
    if (!encoder)
        encoder.emplace(cs.codec, QStringConverter::Flag::Stateless);
    QString fixed;
    if (!cs.charFixes.empty() && applyFixes(text, cs.charFixes, false, fixed))
        text = fixed;
    QByteArray out = encoder->encode(text);
    const LexerBytes *lexer = lexerBytesFor(cs);
    const bool failed = encoder->hasError();
    if (!failed && (!lexer || splitsLikeIcu(out, text, *lexer)))
        return out;
    // ICU wrote its own substitution bytes (0x1A, 0xFCFC, ...) for characters the set does not
    // have, or bytes the server splits otherwise: do it again one character at a time and
    // write '?' for those, as the server would. (A new converter after each error: see
    // decodeMultiByte.)
    auto renew = [&] { encoder.emplace(cs.codec, QStringConverter::Flag::Stateless); };
    if (failed)
        renew();
    out.clear();
    for (qsizetype i = 0; i < text.size();) {
        const qsizetype n = text[i].isHighSurrogate() && i + 1 < text.size() && text[i + 1].isLowSurrogate() ? 2 : 1;
        const QByteArray one = encoder->encode(text.sliced(i, n));
        if (encoder->hasError()) {
            renew();
            out.append('?');
        } else if (lexer && !one.isEmpty() && !oneCharacterForServer(one, *lexer)) {
            out.append('?');
        } else {
            out.append(one);
        }
        i += n;
    }
    return out;
}

} // namespace

std::span<const Charset> charsets()
{
    return Table;
}

const Charset *findCharset(QStringView name)
{
    if (name.compare(QLatin1String("utf8"), Qt::CaseInsensitive) == 0)
        return &Table[2];
    for (const Charset &cs : Table) {
        if (name.compare(QLatin1String(cs.name), Qt::CaseInsensitive) == 0)
            return &cs;
    }
    return nullptr;
}

const Charset &charsetFor(TextEncoding encoding)
{
    const int i = int(encoding);
    return i < TableSize ? Table[i] : Table[0];
}

QString unsupportedCharsetMessage(QStringView name)
{
    QStringList names;
    for (const Charset &cs : Table)
        names << QLatin1String(cs.name);
    const QString supported = QStringLiteral(" (supported: %1)").arg(names.join(QLatin1String(", ")));
    if (contains(ServerOnly, name))
        return QStringLiteral("Character set '%1' is not supported: MariaDB cannot use it as the client "
                              "character set%2").arg(name, supported);
    if (contains(NoConverter, name))
        return QStringLiteral("Character set '%1' is not supported: Qt has no converter for it%2").arg(name, supported);
    return QStringLiteral("Character set '%1' is not supported: no such character set%2").arg(name, supported);
}

QString decodeName(QByteArrayView bytes, TextEncoding encoding)
{
    if (encoding == TextEncoding::Utf8)
        return QString::fromUtf8(bytes);
    if (encoding == TextEncoding::Latin1) {
        // ICU's windows-1252 is MySQL's latin1 byte for byte; its table takes latin1's slot.
        static constexpr Charset Cp1252 = {"latin1", 8, 1, false, "windows-1252", TextEncoding::Latin1};
        return decodeSingleByte(bytes, Cp1252);
    }
    return decodeConverted(bytes, encoding);
}

QString decodeConverted(QByteArrayView bytes, TextEncoding encoding)
{
    const Charset &cs = charsetFor(encoding);
    Q_ASSERT(cs.codec);
    return cs.maxBytes == 1 ? decodeSingleByte(bytes, cs) : decodeMultiByte(bytes, cs);
}

QByteArray encodeConverted(QStringView text, TextEncoding encoding)
{
    const Charset &cs = charsetFor(encoding);
    Q_ASSERT(cs.codec);
    return cs.maxBytes == 1 ? encodeSingleByte(text, cs) : encodeMultiByte(text, cs);
}

} // namespace AsyncMySql::Protocol
