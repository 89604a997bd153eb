// SPDX-License-Identifier: MIT
// decodeTextValue for every value kind, on exactly the fuzzer's bytes (a heap block of that
// size: a read past the view is an ASan report), and the text codecs' round trips.
// Input: [kind byte][encoding byte][value bytes].
#include "fuzzinput.h"
#include "client/integers_p.h"
#include "client/values_p.h"

#include <AsyncMySql/Decimal.h>

#include <QtCore/QVariant>

#include <algorithm>
#include <charconv>
#include <memory>

using namespace AsyncMySql;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const auto kind = ValueKind(data[0] % (quint8(ValueKind::Bit) + 1));
    const TextEncoding encoding = (data[1] & 1) ? TextEncoding::Latin1 : TextEncoding::Utf8;
    const qsizetype n = qsizetype(size) - 2;
    // A copy without the terminator a QByteArray would have to spare.
    std::unique_ptr<char[]> bytes(new char[size_t(qMax<qsizetype>(n, 1))]);
    memcpy(bytes.get(), data + 2, size_t(n));
    const QByteArrayView view(bytes.get(), n);

    // The integer parser is std::from_chars written out: same answer on any bytes.
    {
        qint64 mine = 7, theirs = 7;
        quint64 umine = 7, utheirs = 7;
        FUZZ_CHECK(parseInteger(bytes.get(), bytes.get() + n, mine) == (std::from_chars(bytes.get(), bytes.get() + n, theirs).ec == std::errc()));
        FUZZ_CHECK(mine == theirs);
        FUZZ_CHECK(parseInteger(bytes.get(), bytes.get() + n, umine) == (std::from_chars(bytes.get(), bytes.get() + n, utheirs).ec == std::errc()));
        FUZZ_CHECK(umine == utheirs);
    }

    const QVariant v = decodeTextValue(kind, bytes.get(), n, encoding);
    FUZZ_CHECK(kind == ValueKind::Null || v.isValid());
    (void)v.toString();
    switch (kind) {
    case ValueKind::Bytes:
        FUZZ_CHECK(v.toByteArray() == view);
        break;
    case ValueKind::Decimal:
        // A Decimal is exactly the bytes, and they are only what may go into SQL unquoted;
        // anything else stays text.
        if (v.metaType() == QMetaType::fromType<Decimal>()) {
            const Decimal d = v.value<Decimal>();
            FUZZ_CHECK(d.view() == view && !view.isEmpty());
            FUZZ_CHECK(std::all_of(view.begin(), view.end(), [](char c) { return c == '-' || c == '.' || (c >= '0' && c <= '9'); }));
            FUZZ_CHECK(d == Decimal::fromString(d.toString()));
            FUZZ_CHECK(d.precision() >= 1 && d.scale() >= 0 && d.scale() < view.size());
            (void)d.toDouble();
            (void)d.toLongLong();
            (void)d.toULongLong();
            (void)qHash(d);
        } else {
            FUZZ_CHECK(v.metaType() == QMetaType::fromType<QString>());
        }
        break;
    case ValueKind::Bit:
        FUZZ_CHECK(n > 8 || n == 0 || (v.toULongLong() >> (8 * n - 1) >> 1) == 0);
        break;
    default:
        break;
    }
    // MySQL's latin1 (cp1252 with the five holes kept) maps every byte to a character and back.
    if (encoding == TextEncoding::Latin1)
        FUZZ_CHECK(encodeText(decodeText(view, encoding), encoding) == view);
    else
        (void)encodeText(decodeText(view, encoding), encoding);
    return 0;
}
