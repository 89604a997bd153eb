// SPDX-License-Identifier: MIT
// The binary protocol's parsers: a binary result row for a result whose column types the input
// chooses (every cell then decoded, through value() and the typed accessors), the
// COM_STMT_PREPARE reply, and COM_STMT_EXECUTE's reply read as binary rows.
// Input: [column count byte][one type byte and one flags byte per column][row payload], or, with
// the count byte's top bit set, the rest as a sequence of [2-byte length][packet] for the
// prepare and execute exchanges.
#include "fuzzinput.h"
#include "client/values_p.h"
#include "protocol/binary.h"
#include "protocol/constants.h"
#include "protocol/exchange.h"
#include "protocol/messages.h"

#include <QtCore/QVariant>

#include <memory>

using namespace AsyncMySql;
using namespace AsyncMySql::Protocol;

namespace {

//! The column types a result may have (one is picked per input byte).
constexpr quint8 Types[] = {Column::Tiny, Column::Short, Column::Long, Column::Float, Column::Double, Column::Null,
                            Column::Timestamp, Column::LongLong, Column::Int24, Column::Date, Column::Time,
                            Column::DateTimeType, Column::Year, Column::Bit, Column::Json, Column::NewDecimal,
                            Column::Enum, Column::Blob, Column::VarString, Column::String, Column::Geometry};

Column columnOf(quint8 type, quint16 flags)
{
    // A minimal ColumnDefinition41: catalog, schema, table, org_table, name, org_name, then the fixed part.
    QByteArray def;
    for (const char *s : {"def", "s", "t", "t", "c", "c"}) {
        def.append(char(qstrlen(s)));
        def.append(s);
    }
    def.append(char(0x0c));
    def.append(char(flags & 1 ? 63 : 45)).append(char(0));
    def.append(QByteArray(4, '\x10'));
    def.append(char(type));
    def.append(char(flags & 0xff)).append(char(flags >> 8));
    def.append(char(0)).append(QByteArray(2, '\0'));
    const auto c = parseColumnDefinition(def, 0);
    FUZZ_CHECK(c.has_value());
    return *c;
}

void fuzzRow(const uint8_t *data, size_t size)
{
    const int columns = data[0] % 24;
    if (size < 1 + 2 * size_t(columns))
        return;
    ResultMetaPtr meta(new ResultMeta);
    for (int i = 0; i < columns; ++i)
        meta->columns.append(columnOf(Types[data[1 + 2 * i] % std::size(Types)], quint16(data[2 + 2 * i]) | Column::BinaryFlag * (data[2 + 2 * i] & 1)));
    meta->binary = true;
    meta->finalize();
    const size_t at = 1 + 2 * size_t(columns);
    // Exactly the fuzzer's bytes in a heap block of that size: a read past it is an ASan report.
    const Packet packet = Packet::fromPayload(QByteArray(reinterpret_cast<const char *>(data + at), qsizetype(size - at)), 1);
    const Row row = parseBinaryRow(packet, meta);
    if (row.isEmpty())
        return;
    FUZZ_CHECK(row.size() == columns);
    for (int i = 0; i < columns; ++i) {
        const QVariant v = row.value(i);
        FUZZ_CHECK(row.isNull(i) == !v.isValid() || meta->kinds.at(i) == ValueKind::Null);
        (void)v.toString();
        bool ok = false;
        const qint64 n = row.toLongLong(i, &ok);
        bool vok = false;
        FUZZ_CHECK(n == v.toLongLong(&vok) && ok == vok);
        const double d = row.toDouble(i, &ok);
        const double vd = v.toDouble(&vok);
        FUZZ_CHECK(ok == vok && (d == vd || (d != d && vd != vd)));
        FUZZ_CHECK(row.toString(i) == v.toString());
    }
}

void fuzzExchanges(const uint8_t *data, size_t size)
{
    QList<Packet> packets;
    size_t at = 1;
    quint8 seq = 1;
    while (at + 2 <= size) {
        const size_t len = size_t(data[at]) | size_t(data[at + 1]) << 8;
        at += 2;
        const size_t n = qMin(len, size - at);
        packets.append(Packet::fromPayload(QByteArray(reinterpret_cast<const char *>(data + at), qsizetype(n)), seq++));
        at += n;
    }
    const quint64 caps = (data[0] & 1) ? quint64(Capability::DeprecateEof) : 0;
    PrepareExchange prepare(TextEncoding::Utf8);
    prepare.setCapabilities(caps);
    QByteArray out;
    Exchange::Status s = Exchange::Status::Continue;
    qsizetype used = 0;
    for (; used < packets.size() && s == Exchange::Status::Continue; ++used)
        s = prepare.handle(packets.at(used), out);
    FUZZ_CHECK(out.isEmpty());
    if (s == Exchange::Status::Done) {
        FUZZ_CHECK(prepare.params().size() == prepare.prepared().paramCount);
        FUZZ_CHECK(prepare.columns().size() == prepare.prepared().columnCount);
    }
    if (s == Exchange::Status::Failed)
        FUZZ_CHECK(prepare.failure().fromServer || !prepare.failure().message.isEmpty()); // an ERR may say nothing

    class Sink final : public ResultSink
    {
    public:
        void resultStarted(const ResultMetaPtr &) override { }
        void rowReceived(Row &&row) override
        {
            for (int i = 0; i < row.size(); ++i)
                (void)row.value(i).toString();
        }
        void resultFinished(const ResultMetaPtr &, const OkPacket &) override { }
    } sink;
    QueryExchange::Settings settings;
    settings.binary = true;
    QueryExchange execute(settings, &sink);
    execute.setCapabilities(caps);
    s = Exchange::Status::Continue;
    for (qsizetype i = 0; i < packets.size() && s == Exchange::Status::Continue; ++i)
        s = execute.handle(Packet::fromPayload(packets.at(i).view().toByteArray(), quint8(i + 1)), out);
    FUZZ_CHECK(out.isEmpty()); // nothing is ever sent back while reading rows
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 0x80)
        fuzzExchanges(data, size);
    else
        fuzzRow(data, size);
    return 0;
}
