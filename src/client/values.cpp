// SPDX-License-Identifier: MIT
#include "values_p.h"
#include "integers_p.h"
#include "parameters_p.h"
#include "temporal_p.h"

#include "../protocol/charsets.h"
#include "../protocol/framing.h"

#include <AsyncMySql/Decimal.h>
#include <AsyncMySql/Types.h>

#include <QtCore/QDate>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QJsonValue>
#include <QtCore/qendian.h>

#include <charconv>
#include <cmath>
#include <cstring>

namespace AsyncMySql {

ValueKind valueKindFor(const Column &c)
{
    switch (c.type()) {
    case Column::Tiny: case Column::Short: case Column::Long: case Column::Int24: case Column::Year:
        return ValueKind::Int;
    case Column::LongLong:
        return c.isUnsigned() ? ValueKind::UInt64 : ValueKind::Int;
    case Column::Float: case Column::Double:
        return ValueKind::Double;
    case Column::Decimal: case Column::NewDecimal:
        return ValueKind::Decimal;
    case Column::Date: case Column::NewDate:
        return ValueKind::Date;
    case Column::Timestamp: case Column::DateTimeType:
        return ValueKind::DateTime;
    case Column::Time:
        return ValueKind::Time;
    case Column::Bit:
        return ValueKind::Bit;
    case Column::Json:
        return ValueKind::Json;
    case Column::Null:
        return ValueKind::Null;
    case Column::Geometry:
        return ValueKind::Bytes;
    default: // strings, blobs, ENUM, SET
        if (c.extendedFormat() == QLatin1String("json"))
            return ValueKind::Json;
        return c.isBinary() ? ValueKind::Bytes : ValueKind::Text;
    }
}

namespace {
// MySQL's "latin1" is Windows cp1252, not ISO 8859-1: 0x80-0x9f hold the euro sign, curly
// quotes and so on. The five bytes cp1252 leaves undefined map to the C1 controls of the same
// value (as MySQL's own table does), so every byte still round-trips.
constexpr char16_t Cp1252High[32] = {
    0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
    0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
    0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
    0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
};

QString decodeCp1252(QByteArrayView bytes)
{
    QString out = QString::fromLatin1(bytes);
    for (QChar &c : out) {
        if (c.unicode() >= 0x80 && c.unicode() < 0xa0)
            c = QChar(Cp1252High[c.unicode() - 0x80]);
    }
    return out;
}

char encodeCp1252(char16_t c)
{
    if (c < 0x80 || (c >= 0xa0 && c <= 0xff))
        return char(c);
    for (int i = 0; i < 32; ++i) {
        if (Cp1252High[i] == c)
            return char(0x80 + i);
    }
    return '?'; // as the server itself converts a character latin1 cannot hold
}
} // namespace

QString decodeText(QByteArrayView bytes, TextEncoding encoding)
{
    if (encoding == TextEncoding::Utf8)
        return QString::fromUtf8(bytes);
    if (encoding == TextEncoding::Latin1)
        return decodeCp1252(bytes);
    return Protocol::decodeConverted(bytes, encoding);
}

QByteArray encodeText(QStringView text, TextEncoding encoding)
{
    if (encoding == TextEncoding::Utf8)
        return text.toUtf8();
    if (encoding != TextEncoding::Latin1)
        return Protocol::encodeConverted(text, encoding);
    QByteArray out(text.size(), Qt::Uninitialized);
    for (qsizetype i = 0; i < text.size(); ++i)
        out[i] = encodeCp1252(text[i].unicode());
    return out;
}

namespace {

QVariant decodeJson(QByteArrayView bytes)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes.toByteArray(), &error);
    if (error.error == QJsonParseError::NoError)
        return QVariant::fromValue(doc);
    // A scalar (JSON_EXTRACT gives those): QJsonDocument holds only objects and arrays.
    const QByteArray wrapped = '[' + bytes.toByteArray() + ']';
    const QJsonDocument array = QJsonDocument::fromJson(wrapped, &error);
    if (error.error == QJsonParseError::NoError && array.array().size() == 1)
        return QVariant::fromValue(array.array().first());
    return QString::fromUtf8(bytes); // not JSON after all: keep the text
}

} // namespace

QVariant decodeTextValue(ValueKind kind, const char *p, qsizetype n, TextEncoding encoding)
{
    switch (kind) {
    case ValueKind::Null:
        return QVariant();
    case ValueKind::Int: {
        qint64 v = 0;
        if (parseInteger(p, p + n, v))
            return QVariant(v);
        break;
    }
    case ValueKind::UInt64: {
        quint64 v = 0;
        if (parseInteger(p, p + n, v))
            return QVariant(v);
        break;
    }
    case ValueKind::Double: {
        double v = 0;
        if (std::from_chars(p, p + n, v).ec == std::errc())
            return QVariant(v);
        break;
    }
    case ValueKind::Decimal: {
        // Checked and copied as bytes (no QString), and for DECIMAL(20,x) without an allocation.
        bool ok = false;
        const Decimal d = Decimal::fromString(QByteArrayView(p, n), &ok);
        if (ok)
            return QVariant::fromValue(d);
        break;
    }
    case ValueKind::Date: {
        Temporal::DateTimeFields f;
        if (n == 10 && Temporal::parseDateTime(p, n, f))
            return QDate(f.year, f.month, f.day); // the zero date becomes a null QDate
        break;
    }
    case ValueKind::DateTime: {
        Temporal::DateTimeFields f;
        if (Temporal::parseDateTime(p, n, f))
            return QVariant::fromValue(DateTime(f.year, f.month, f.day, f.hour, f.minute, f.second, f.microsecond));
        break;
    }
    case ValueKind::Time: {
        qint64 us = 0;
        if (Temporal::parseTime(p, n, us))
            return QVariant::fromValue(Duration(us));
        break;
    }
    case ValueKind::Text:
        return decodeText(QByteArrayView(p, n), encoding);
    case ValueKind::Bytes:
        return QByteArray(p, n);
    case ValueKind::Json:
        // JSON text comes in the connection's character set; QJsonDocument reads UTF-8.
        if (encoding != TextEncoding::Utf8)
            return decodeJson(decodeText(QByteArrayView(p, n), encoding).toUtf8());
        return decodeJson(QByteArrayView(p, n));
    case ValueKind::Bit: {
        quint64 v = 0;
        for (qsizetype i = 0; i < n; ++i)
            v = (v << 8) | quint8(p[i]);
        return QVariant(v);
    }
    }
    // The server sent something its column type does not allow: hand over the text.
    return QString::fromLatin1(p, n);
}

namespace {
template<typename T>
T readLittleEndian(const char *p)
{
    return qFromLittleEndian<T>(p); // unaligned: cells lie anywhere in a row
}

//! A binary DATE, DATETIME or TIMESTAMP of \a n bytes (0, 4, 7 or 11); false for another length.
bool binaryDateTime(const char *p, qsizetype n, Temporal::DateTimeFields &f)
{
    f = {};
    if (n != 0 && n != 4 && n != 7 && n != 11)
        return false;
    if (n >= 4) {
        f.year = readLittleEndian<quint16>(p);
        f.month = quint8(p[2]);
        f.day = quint8(p[3]);
    }
    if (n >= 7) {
        f.hour = quint8(p[4]);
        f.minute = quint8(p[5]);
        f.second = quint8(p[6]);
    }
    if (n == 11)
        f.microsecond = int(readLittleEndian<quint32>(p + 7));
    return f.microsecond < 1000000;
}

//! A binary TIME of \a n bytes (0, 8 or 12) as signed microseconds; false for another length.
bool binaryTime(const char *p, qsizetype n, qint64 &us)
{
    us = 0;
    if (n == 0)
        return true;
    if (n != 8 && n != 12)
        return false;
    const quint32 days = readLittleEndian<quint32>(p + 1);
    const qint64 seconds = ((qint64(days) * 24 + quint8(p[5])) * 60 + quint8(p[6])) * 60 + quint8(p[7]);
    const quint32 micro = n == 12 ? readLittleEndian<quint32>(p + 8) : 0;
    if (micro >= 1000000 || days > 100000)
        return false;
    us = seconds * 1000000 + micro;
    if (p[0])
        us = -us;
    return true;
}
} // namespace

bool binaryInteger(BinaryLayout layout, const char *p, qint64 &v)
{
    switch (layout) {
    case BinaryLayout::Int8: v = qint8(p[0]); return true;
    case BinaryLayout::UInt8: v = quint8(p[0]); return true;
    case BinaryLayout::Int16: v = readLittleEndian<qint16>(p); return true;
    case BinaryLayout::UInt16: v = readLittleEndian<quint16>(p); return true;
    case BinaryLayout::Int32: v = readLittleEndian<qint32>(p); return true;
    case BinaryLayout::UInt32: v = readLittleEndian<quint32>(p); return true;
    case BinaryLayout::Int64: case BinaryLayout::UInt64: v = readLittleEndian<qint64>(p); return true;
    default: return false;
    }
}

bool binaryFloating(BinaryLayout layout, const char *p, double &v)
{
    if (layout == BinaryLayout::Double) {
        const quint64 bits = readLittleEndian<quint64>(p);
        memcpy(&v, &bits, sizeof v);
        return true;
    }
    if (layout != BinaryLayout::Float)
        return false;
    const quint32 bits = readLittleEndian<quint32>(p);
    float f;
    memcpy(&f, &bits, sizeof f);
    // The shortest text that reads back as this float, read as a double: the value the text
    // protocol's digits stand for, not the float's binary expansion.
    char text[32];
    const auto written = std::to_chars(text, text + sizeof text, f);
    if (written.ec != std::errc() || std::from_chars(text, written.ptr, v).ec != std::errc())
        v = double(f); // NaN or infinity: a server never stores these, but keep the value
    return true;
}

QVariant decodeBinaryValue(ValueKind kind, BinaryLayout layout, const char *p, qsizetype n, TextEncoding encoding)
{
    switch (layout) {
    case BinaryLayout::String:
        return decodeTextValue(kind, p, n, encoding);
    case BinaryLayout::Float:
    case BinaryLayout::Double: {
        double v = 0;
        binaryFloating(layout, p, v);
        return v;
    }
    case BinaryLayout::Temporal:
        if (kind == ValueKind::Time) {
            qint64 us = 0;
            if (binaryTime(p, n, us))
                return QVariant::fromValue(Duration(us));
        } else if (Temporal::DateTimeFields f; binaryDateTime(p, n, f)) {
            if (kind == ValueKind::Date)
                return QDate(f.year, f.month, f.day); // the zero date becomes a null QDate
            return QVariant::fromValue(DateTime(f.year, f.month, f.day, f.hour, f.minute, f.second, f.microsecond));
        }
        // The server sent something its column type does not allow: hand over the bytes.
        return QByteArray(p, n);
    default: {
        qint64 v = 0;
        binaryInteger(layout, p, v);
        if (layout == BinaryLayout::UInt64)
            return QVariant(quint64(v));
        return QVariant(v);
    }
    }
}

// ---------------------------------------------------------------------------------------------

namespace {

/*! The escaping rules, for bytes (QByteArray) and for UTF-16 code units (QString) alike. */
template<typename Buffer, typename Unit>
void escapeInto(Buffer &out, const Unit *p, qsizetype n, bool noBackslashEscapes)
{
    auto put = [&out](Unit u) {
        if constexpr (std::is_same_v<Buffer, QString>)
            out.append(QChar(u));
        else
            out.append(u);
    };
    auto pair = [&put](char escaped) {
        put(Unit('\\'));
        put(Unit(escaped));
    };
    out.reserve(out.size() + n + 16);
    if (noBackslashEscapes) {
        // The server treats backslashes literally; only the quote needs doubling.
        for (qsizetype i = 0; i < n; ++i) {
            if (p[i] == Unit('\''))
                put(p[i]);
            put(p[i]);
        }
        return;
    }
    for (qsizetype i = 0; i < n; ++i) {
        const Unit u = p[i];
        switch (u) {
        case Unit('\0'): pair('0'); break;
        case Unit('\n'): pair('n'); break;
        case Unit('\r'): pair('r'); break;
        case Unit('\\'): pair('\\'); break;
        case Unit('\''): pair('\''); break;
        case Unit('"'): pair('"'); break;
        case Unit('\x1a'): pair('Z'); break;
        default: put(u);
        }
    }
}

bool charactersNeedEscaping(TextEncoding encoding)
{
    return encoding != TextEncoding::Utf8 && encoding != TextEncoding::Latin1
            && Protocol::charsetFor(encoding).backslashInMultibyte;
}

} // namespace

SqlWriter::SqlWriter(TextEncoding encoding, bool noBackslashEscapes, const Converters *converters)
    : m_converters(converters), m_encoding(encoding), m_noBackslashEscapes(noBackslashEscapes),
      m_escapeCharacters(charactersNeedEscaping(encoding))
{
}

void SqlWriter::reuse(QByteArray buffer)
{
    Q_ASSERT(m_out.isEmpty());
    if (!buffer.isDetached())
        return;
    m_out = std::move(buffer);
    m_out.resize(0); // keeps the block (clear() would free it)
}

void SqlWriter::startCommand(qsizetype sqlSize)
{
    Q_ASSERT(m_out.isEmpty());
    m_out.reserve(Protocol::CommandPrefixSize + sqlSize);
    m_out.resize(Protocol::CommandPrefixSize);
    m_sqlStart = Protocol::CommandPrefixSize;
}

QByteArray SqlWriter::takeCommand(quint8 command, quint8 *nextSeq)
{
    Q_ASSERT(m_sqlStart == Protocol::CommandPrefixSize);
    m_sqlStart = 0;
    return Protocol::frameCommand(std::exchange(m_out, {}), command, nextSeq);
}

void SqlWriter::appendText(QStringView sql)
{
    // SQL text is nearly always ASCII, which UTF-8 and latin1 keep byte for byte: written
    // straight into the buffer then, without an encoded copy (the per-query path).
    if (m_encoding == TextEncoding::Utf8 || m_encoding == TextEncoding::Latin1) {
        const qsizetype at = m_out.size();
        m_out.resize(at + sql.size());
        char *out = m_out.data() + at;
        for (qsizetype i = 0; i < sql.size(); ++i) {
            const char16_t c = sql[i].unicode();
            if (c >= 0x80) {
                m_out.truncate(at + i);
                m_out += encodeText(sql.sliced(i), m_encoding);
                return;
            }
            out[i] = char(c);
        }
        return;
    }
    m_out += encodeText(sql, m_encoding);
}

void SqlWriter::appendEscaped(QByteArrayView bytes)
{
    // Safe byte-wise where every byte escaped here is ASCII and no multi-byte character
    // contains an ASCII byte: UTF-8, the single-byte sets, the EUC ones.
    escapeInto(m_out, bytes.data(), bytes.size(), m_noBackslashEscapes);
}

void SqlWriter::appendEscapedText(QStringView text)
{
    if (!m_escapeCharacters) {
        appendEscaped(encodeText(text, m_encoding));
        return;
    }
    // Escape the characters, then encode: the encoder writes a 0x5C or 0x27 byte on its own
    // only inside a multi-byte character, which the server's lexer reads as one.
    QString escaped;
    escapeInto(escaped, text.utf16(), text.size(), m_noBackslashEscapes);
    m_out += encodeText(escaped, m_encoding);
}

template<typename Integer>
void SqlWriter::appendNumber(Integer n)
{
    // std::to_chars: no temporary QByteArray per parameter (QByteArray::number() made one).
    char digits[24];
    const auto written = std::to_chars(digits, digits + sizeof digits, n);
    m_out.append(digits, written.ptr - digits);
}

void SqlWriter::appendQuoted(QByteArrayView bytes)
{
    m_out.append('\'');
    appendEscaped(bytes);
    m_out.append('\'');
}

void SqlWriter::appendQuotedText(QStringView text)
{
    m_out.append('\'');
    appendEscapedText(text);
    m_out.append('\'');
}

void SqlWriter::appendQuotedUtf8(QByteArrayView utf8)
{
    if (m_encoding == TextEncoding::Utf8)
        appendQuoted(utf8);
    else
        appendQuotedText(QString::fromUtf8(utf8));
}

/*! SqlWriter's side of visitParameter(): each value as the literal that reads back as it. */
struct SqlWriter::LiteralSink
{
    SqlWriter &w;

    void null() { w.m_out.append("NULL"); }
    void boolean(bool on) { w.m_out.append(on ? '1' : '0'); }
    void integer(qint64 v) { w.appendNumber(v); }
    void unsignedInteger(quint64 v) { w.appendNumber(v); }
    void floating(double d)
    {
        // Shortest text that reads back as the same double; the exponent makes it a DOUBLE
        // literal rather than an exact DECIMAL one (as PyMySQL does).
        // QByteArray::number() drops the sign of -0.0; strtod and MySQL keep it.
        QByteArray text = d == 0 && std::signbit(d) ? QByteArray("-0") : QByteArray::number(d, 'g', QLocale::FloatingPointShortest);
        if (!text.contains('e') && !text.contains("inf") && !text.contains("nan"))
            text.append("e0");
        w.m_out.append(text);
    }
    void text(const QString &t) { w.appendQuotedText(t); }
    void bytes(const QByteArray &b)
    {
        if (w.m_bytesAsHex || w.m_escapeCharacters) {
            // Text handed out as a QString cannot carry raw bytes; and in gbk/big5/sjis/cp932 a
            // byte >= 0x80 followed by an escaping backslash reads as one character.
            w.m_out.append("_binary X'").append(b.toHex()).append('\'');
            return;
        }
        w.m_out.append("_binary");
        w.appendQuoted(b);
    }
    void date(const QDate &d) { w.appendQuoted(d.isValid() ? d.toString(Qt::ISODate).toLatin1() : QByteArray("0000-00-00")); }
    void time(const Duration &d) { w.appendQuoted(d.toString().toLatin1()); }
    void dateTime(const DateTime &dt) { w.appendQuoted(dt.toString().toLatin1()); }
    void json(const QByteArray &utf8) { w.appendQuotedUtf8(utf8); }
    // Unquoted, so the server reads the exact DECIMAL literal it is (not a string or a double).
    // Safe: a Decimal holds nothing but '-', digits and '.'.
    void decimal(const Decimal &d) { w.m_out.append(d.view()); }
    bool list(const QVariantList &values, ErrorInfo &error)
    {
        // For IN %s: (a, b, c)
        w.m_out.append('(');
        for (qsizetype i = 0; i < values.size(); ++i) {
            if (i)
                w.m_out.append(", ", 2);
            if (!w.appendLiteral(values.at(i), error))
                return false;
        }
        w.m_out.append(')');
        return true;
    }
    bool raw(const QByteArray &sql, ErrorInfo &)
    {
        w.m_out.append(sql);
        return true;
    }
};

bool SqlWriter::appendLiteral(const QVariant &value, ErrorInfo &error)
{
    LiteralSink sink{*this};
    return visitParameter(value, m_converters, sink, error);
}

} // namespace AsyncMySql
