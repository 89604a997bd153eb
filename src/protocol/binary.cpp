// SPDX-License-Identifier: MIT
#include "binary.h"
#include "constants.h"
#include "wire.h"

#include <cstring>
#include <limits>

namespace AsyncMySql {

BinaryLayout binaryLayoutFor(quint8 type, bool isUnsigned)
{
    switch (type) {
    case Column::Tiny: return isUnsigned ? BinaryLayout::UInt8 : BinaryLayout::Int8;
    case Column::Short: case Column::Year: return isUnsigned ? BinaryLayout::UInt16 : BinaryLayout::Int16;
    case Column::Int24: case Column::Long: return isUnsigned ? BinaryLayout::UInt32 : BinaryLayout::Int32;
    case Column::LongLong: return isUnsigned ? BinaryLayout::UInt64 : BinaryLayout::Int64;
    case Column::Float: return BinaryLayout::Float;
    case Column::Double: return BinaryLayout::Double;
    case Column::Date: case Column::NewDate: case Column::DateTimeType: case Column::Timestamp: case Column::Time:
        return BinaryLayout::Temporal;
    default: // DECIMAL, strings, blobs, BIT, JSON, ENUM, SET, GEOMETRY (and NULL, always in the bitmap)
        return BinaryLayout::String;
    }
}

int binaryFixedSize(BinaryLayout layout)
{
    switch (layout) {
    case BinaryLayout::Int8: case BinaryLayout::UInt8: return 1;
    case BinaryLayout::Int16: case BinaryLayout::UInt16: return 2;
    case BinaryLayout::Int32: case BinaryLayout::UInt32: case BinaryLayout::Float: return 4;
    case BinaryLayout::Int64: case BinaryLayout::UInt64: case BinaryLayout::Double: return 8;
    case BinaryLayout::Temporal: case BinaryLayout::String: break;
    }
    return 0;
}

namespace Protocol {

std::optional<PrepareOk> parsePrepareOk(QByteArrayView payload)
{
    ByteReader r(payload);
    if (r.u8() != OkHeader)
        return std::nullopt;
    PrepareOk ok;
    ok.statementId = r.u32();
    ok.columnCount = r.u16();
    ok.paramCount = r.u16();
    r.skip(1); // reserved
    // The warning count is missing in replies of servers before 4.1.
    if (r.remaining() >= 2)
        ok.warnings = r.u16();
    if (!r.ok())
        return std::nullopt;
    return ok;
}

Row parseBinaryRow(const Packet &packet, const ResultMetaPtr &meta)
{
    const qsizetype size = packet.size;
    const int columnCount = int(meta->layouts.size());
    if (size > std::numeric_limits<qint32>::max() || packet.first() != OkHeader)
        return Row();
    // The NULL bitmap counts from bit 2 in result rows (the parameters' from bit 0).
    constexpr int BitOffset = 2;
    const qsizetype bitmapBytes = (columnCount + 7 + BitOffset) / 8;
    if (size < 1 + bitmapBytes)
        return Row();
    RowPrivate *row = RowPrivate::create(quint32(columnCount), quint32(size));
    Row handle = RowPrivate::make(row); // frees the row if it turns out malformed
    RowPrivate::Cell *cells = row->cells();
    const auto *p = reinterpret_cast<const uchar *>(packet.data());
    const uchar *bitmap = p + 1;
    qsizetype pos = 1 + bitmapBytes;
    for (int i = 0; i < columnCount; ++i) {
        const int bit = i + BitOffset;
        if (bitmap[bit / 8] & (1u << (bit % 8))) {
            cells[i] = {0, -1};
            continue;
        }
        const BinaryLayout layout = meta->layouts[i];
        quint64 len = quint64(binaryFixedSize(layout));
        if (layout == BinaryLayout::Temporal) {
            if (pos >= size)
                return Row();
            len = p[pos++];
        } else if (layout == BinaryLayout::String) {
            ByteReader r(packet.data() + pos, size - pos);
            len = r.lenenc();
            if (!r.ok())
                return Row();
            pos += r.position();
        }
        if (len > quint64(size - pos))
            return Row();
        cells[i] = {quint32(pos), qint32(len)};
        pos += qsizetype(len);
    }
    if (pos != size)
        return Row();
    memcpy(row->bytes(), packet.data(), size_t(size));
    row->meta = meta;
    return handle;
}

// ---------------------------------------------------------------------------------------------
// ExecuteWriter

namespace {
//! The flag byte of a parameter's type.
constexpr quint8 UnsignedParam = 0x80;
constexpr quint8 NoCursor = 0;
} // namespace

ExecuteWriter::ExecuteWriter(quint32 statementId, int paramCount, QByteArray buffer)
    : m_paramCount(paramCount)
{
    m_out = std::move(buffer);
    if (m_out.isDetached())
        m_out.resize(0); // keeps the block (clear() would free it)
    else
        m_out = QByteArray(); // shared: written anew
    const qsizetype bitmapBytes = (paramCount + 7) / 8;
    m_out.reserve(CommandPrefixSize + 9 + bitmapBytes + 1 + 2 * paramCount + 9 * paramCount);
    m_out.resize(CommandPrefixSize); // framed by take()
    ByteWriter w(m_out);
    w.u32(statementId);
    w.u8(NoCursor);
    w.u32(1); // iteration count
    if (paramCount == 0)
        return;
    m_bitmapAt = m_out.size();
    w.zeros(bitmapBytes);
    w.u8(1); // new-params-bound: the types follow
    m_typesAt = m_out.size();
    w.zeros(2 * paramCount);
}

bool ExecuteWriter::slot(quint8 type, bool isUnsigned)
{
    Q_ASSERT(m_index < m_paramCount);
    char *t = m_out.data() + m_typesAt + 2 * m_index;
    t[0] = char(type);
    t[1] = char(isUnsigned ? UnsignedParam : 0);
    ++m_index;
    return true;
}

void ExecuteWriter::nullSlot()
{
    m_out[m_bitmapAt + m_index / 8] = char(quint8(m_out[m_bitmapAt + m_index / 8]) | (1u << (m_index % 8)));
    slot(Column::Null, false);
}

QByteArray ExecuteWriter::take(quint8 *nextSeq)
{
    Q_ASSERT(m_index == m_paramCount);
    return frameCommand(std::move(m_out), quint8(Command::StmtExecute), nextSeq);
}

// ---------------------------------------------------------------------------------------------
// BulkWriter

namespace {
constexpr quint16 SendTypesToServer = 128;
enum Indicator : quint8 { ValueFollows = 0, NullValue = 1 };
} // namespace

BulkWriter::BulkWriter(quint32 statementId, int paramCount)
    : m_paramCount(paramCount)
{
    Q_ASSERT(paramCount > 0); // a row of no values would be no bytes: rows could not be told apart
    m_out.reserve(CommandPrefixSize + 6 + 2 * paramCount + 64 * paramCount);
    m_out.resize(CommandPrefixSize); // framed by take()
    ByteWriter w(m_out);
    w.u32(statementId);
    w.u16(SendTypesToServer);
    m_typesAt = m_out.size();
    // Column::Null until a value gives the column its type (NULL values have none).
    for (int i = 0; i < paramCount; ++i) {
        w.u8(Column::Null);
        w.u8(0);
    }
}

void BulkWriter::beginRow()
{
    m_index = 0;
    m_refused = false;
    m_rowAt = m_out.size();
    m_typedByRow.clear();
}

bool BulkWriter::slot(quint8 type, bool isUnsigned)
{
    Q_ASSERT(m_index < m_paramCount);
    const int param = m_index++;
    if (m_refused)
        return false;
    char *t = m_out.data() + m_typesAt + 2 * param;
    const char flag = char(isUnsigned ? UnsignedParam : 0);
    if (quint8(t[0]) == Column::Null) {
        t[0] = char(type);
        t[1] = flag;
        m_typedByRow.append(param);
    } else if (quint8(t[0]) != type || t[1] != flag) {
        m_refused = true;
        return false;
    }
    ByteWriter(m_out).u8(ValueFollows);
    return true;
}

void BulkWriter::nullSlot()
{
    Q_ASSERT(m_index < m_paramCount);
    ++m_index;
    if (!m_refused)
        ByteWriter(m_out).u8(NullValue);
}

bool BulkWriter::endRow()
{
    Q_ASSERT(m_index == m_paramCount);
    if (!m_refused) {
        ++m_rows;
        return true;
    }
    m_out.truncate(m_rowAt);
    for (const int param : std::as_const(m_typedByRow))
        m_out[m_typesAt + 2 * param] = char(Column::Null);
    return false;
}

QByteArray BulkWriter::take(quint8 *nextSeq)
{
    Q_ASSERT(m_rows > 0);
    return frameCommand(std::move(m_out), quint8(Command::StmtBulkExecute), nextSeq);
}

// ---------------------------------------------------------------------------------------------
// ParameterValues: the values themselves, the same in both packets

template<typename Layout>
void ParameterValues<Layout>::addNull()
{
    layout().nullSlot();
}

template<typename Layout>
void ParameterValues<Layout>::addSigned(qint64 v)
{
    if (layout().slot(Column::LongLong, false))
        ByteWriter(m_out).u64(quint64(v));
}

template<typename Layout>
void ParameterValues<Layout>::addUnsigned(quint64 v)
{
    if (layout().slot(Column::LongLong, true))
        ByteWriter(m_out).u64(v);
}

template<typename Layout>
void ParameterValues<Layout>::addDouble(double v)
{
    if (!layout().slot(Column::Double, false))
        return;
    quint64 bits;
    static_assert(sizeof bits == sizeof v);
    memcpy(&bits, &v, sizeof v);
    ByteWriter(m_out).u64(bits);
}

template<typename Layout>
void ParameterValues<Layout>::addString(quint8 type, QByteArrayView bytes)
{
    if (layout().slot(type, false))
        ByteWriter(m_out).lenencString(bytes);
}

template<typename Layout>
void ParameterValues<Layout>::addDate(int year, int month, int day)
{
    if (!layout().slot(Column::Date, false))
        return;
    ByteWriter w(m_out);
    w.u8(4);
    w.u16(quint16(year));
    w.u8(quint8(month));
    w.u8(quint8(day));
}

template<typename Layout>
void ParameterValues<Layout>::addDateTime(int year, int month, int day, int hour, int minute, int second, int microsecond)
{
    if (!layout().slot(Column::DateTimeType, false))
        return;
    ByteWriter w(m_out);
    w.u8(microsecond ? 11 : 7);
    w.u16(quint16(year));
    w.u8(quint8(month));
    w.u8(quint8(day));
    w.u8(quint8(hour));
    w.u8(quint8(minute));
    w.u8(quint8(second));
    if (microsecond)
        w.u32(quint32(microsecond));
}

template<typename Layout>
void ParameterValues<Layout>::addTime(bool negative, quint32 days, int hours, int minutes, int seconds, int microseconds)
{
    if (!layout().slot(Column::Time, false))
        return;
    ByteWriter w(m_out);
    w.u8(microseconds ? 12 : 8);
    w.u8(negative ? 1 : 0);
    w.u32(days);
    w.u8(quint8(hours));
    w.u8(quint8(minutes));
    w.u8(quint8(seconds));
    if (microseconds)
        w.u32(quint32(microseconds));
}

template class ParameterValues<ExecuteWriter>;
template class ParameterValues<BulkWriter>;

QByteArray longDataPacket(quint32 statementId, quint16 param, QByteArrayView chunk)
{
    QByteArray packet;
    packet.reserve(CommandPrefixSize + 6 + chunk.size());
    packet.resize(CommandPrefixSize); // framed in place: a chunk is copied once
    ByteWriter w(packet);
    w.u32(statementId);
    w.u16(param);
    w.bytes(chunk);
    return frameCommand(std::move(packet), quint8(Command::StmtSendLongData));
}

QByteArray closeStatementPacket(quint32 statementId)
{
    QByteArray argument;
    ByteWriter(argument).u32(statementId);
    return commandPacket(quint8(Command::StmtClose), argument);
}

} // namespace Protocol
} // namespace AsyncMySql
