// SPDX-License-Identifier: MIT
// %s / %(name)s interpolation on any SQL text with arguments of every literal type, checked
// against an independent scan of the placeholders; and each string/bytes literal read back
// as the server reads a quoted literal, in both escaping modes.
// Input: [flags byte][argument count][arguments: type byte, length byte, bytes]...[sql].
#include "fuzzinput.h"
#include "client/interpolate_p.h"

#include <AsyncMySql/Types.h>

#include <QtCore/QDate>
#include <QtCore/QJsonDocument>

using namespace AsyncMySql;

namespace {

QVariant makeArg(FuzzInput::Reader &in)
{
    const quint8 type = in.byte();
    const QByteArray b = in.take(in.byte() % 64);
    const auto at = [&b](qsizetype i) { return i < b.size() ? quint8(b[i]) : 0; };
    switch (type % 10) {
    case 0: return QVariant();
    case 1: return QString::fromUtf8(b);
    case 2: return b;
    case 3: return b.toLongLong() * (type & 0x80 ? -1 : 1) + qint64(b.size());
    case 4: return b.isEmpty() ? 0.0 : b.toDouble() + double(quint8(b[0])) / 7;
    case 5: return bool(type & 0x80);
    case 6: return QDate(1 + at(0), 1 + at(1) % 12, 1 + at(2) % 31);
    case 7: return QVariantList{QString::fromLatin1(b), b.size()};
    case 8: return QVariant::fromValue(Duration(qint64(b.size()) * 1234567 * (type & 0x80 ? -1 : 1)));
    default: return QVariant::fromValue(QJsonDocument::fromJson(b));
    }
}

//! What the server reads back from the quoted literal \a lit (it must be exactly one).
bool unquote(QByteArrayView lit, bool noBackslashEscapes, QByteArray &out)
{
    if (lit.size() < 2 || lit.front() != '\'' || lit.back() != '\'')
        return false;
    for (qsizetype i = 1; i < lit.size() - 1; ++i) {
        const char c = lit[i];
        if (c == '\'') {
            if (lit[i + 1] != '\'' || i + 1 == lit.size() - 1)
                return false; // the literal would end here
            out += '\'';
            ++i;
        } else if (c == '\\' && !noBackslashEscapes) {
            if (i + 1 >= lit.size() - 1)
                return false; // escapes the closing quote
            static const char from[] = "0nrZbt", to[] = {'\0', '\n', '\r', '\x1a', '\b', '\t'};
            const char e = lit[++i];
            const char *at = strchr(from, e);
            out += (at && e) ? to[at - from] : e;
        } else {
            out += c;
        }
    }
    return true;
}

void checkQuoted(const QVariant &arg, TextEncoding encoding, bool noBackslashEscapes)
{
    const bool isString = arg.typeId() == QMetaType::QString;
    if (!isString && arg.typeId() != QMetaType::QByteArray)
        return;
    SqlWriter w(encoding, noBackslashEscapes);
    ErrorInfo error;
    FUZZ_CHECK(w.appendLiteral(arg, error));
    QByteArrayView lit = w.result();
    if (!isString) {
        FUZZ_CHECK(lit.startsWith("_binary"));
        lit = lit.sliced(7);
    }
    QByteArray back;
    FUZZ_CHECK(unquote(lit, noBackslashEscapes, back));
    FUZZ_CHECK(back == (isString ? encodeText(arg.toString(), encoding) : arg.toByteArray()));
}

//! The independent scan: -1 if \a sql has a '%' that is neither %% nor %s, else the %s count.
qsizetype countPlaceholders(QStringView sql)
{
    qsizetype n = 0;
    for (qsizetype i = 0; i < sql.size(); ++i) {
        if (sql[i] != u'%')
            continue;
        if (i + 1 < sql.size() && (sql[i + 1] == u'%' || sql[i + 1] == u's')) {
            n += sql[i + 1] == u's';
            ++i;
        } else {
            return -1;
        }
    }
    return n;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput::Reader in(data, size);
    const quint8 flags = in.byte();
    const TextEncoding encoding = (flags & 1) ? TextEncoding::Latin1 : TextEncoding::Utf8;
    const bool noBackslashEscapes = flags & 2;
    const int mode = (flags >> 2) % 3; // list, map, no arguments
    QVariantList list;
    QVariantMap map;
    const int count = in.byte() % 8;
    for (int i = 0; i < count; ++i) {
        const QVariant arg = makeArg(in);
        checkQuoted(arg, encoding, noBackslashEscapes);
        list.append(arg);
        map.insert(QString::number(i), arg);
    }
    const QString sql = QString::fromUtf8(in.rest());

    SqlWriter out(encoding, noBackslashEscapes);
    ErrorInfo error;
    if (mode == 0) {
        const bool ok = interpolate(out, sql, list, error);
        if (list.isEmpty()) {
            FUZZ_CHECK(ok && out.result() == encodeText(sql, encoding));
        } else {
            const qsizetype expected = countPlaceholders(sql);
            // Only a value with no literal fails besides a wrong placeholder count or format.
            if (expected == list.size())
                FUZZ_CHECK(ok || error.type == Error::Type::Data);
            else
                FUZZ_CHECK(!ok && error.type == Error::Type::Programming);
        }
    } else if (mode == 1) {
        const bool ok = interpolate(out, sql, map, error);
        FUZZ_CHECK(ok || !error.message.isEmpty());
    } else {
        const bool ok = interpolateText(out, sql, error);
        const qsizetype expected = countPlaceholders(sql);
        FUZZ_CHECK(ok == (expected == 0)); // no placeholder may appear at all
        if (ok) {
            QString plain = sql;
            FUZZ_CHECK(out.result() == encodeText(plain.replace(QLatin1String("%%"), QLatin1String("%")), encoding));
        }
    }
    return 0;
}
