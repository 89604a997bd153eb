// SPDX-License-Identifier: MIT
#include "framing.h"
#include "constants.h"

#include <cstring>

namespace AsyncMySql::Protocol {

namespace {
constexpr qsizetype HeaderSize = 4;

void writeHeader(char *at, qsizetype len, quint8 seq)
{
    at[0] = char(len & 0xff);
    at[1] = char((len >> 8) & 0xff);
    at[2] = char((len >> 16) & 0xff);
    at[3] = char(seq);
}
} // namespace

void appendInput(QByteArray &buffer, qsizetype &pos, const QByteArray &chunk)
{
    if (chunk.isEmpty())
        return;
    if (pos >= buffer.size()) {
        // Everything before was consumed: adopt the chunk without copying it.
        buffer = chunk;
        pos = 0;
    } else if (buffer.isDetached()) {
        // Only we hold the buffer (nothing handed out refers to it): grow it in place, amortised.
        if (pos > buffer.size() / 2) {
            buffer.remove(0, pos);
            pos = 0;
        }
        buffer.append(chunk);
    } else {
        // Packets handed out still share the buffer; start a new one with the unread tail, so
        // that appending never copies the shared bytes again.
        QByteArray fresh;
        fresh.reserve(buffer.size() - pos + chunk.size());
        fresh.append(buffer.constData() + pos, buffer.size() - pos);
        fresh.append(chunk);
        buffer = std::move(fresh);
        pos = 0;
    }
}

char *reserveInput(QByteArray &buffer, qsizetype &pos, qsizetype room)
{
    const qsizetype unread = buffer.size() - pos;
    if (!buffer.isDetached()) {
        // Packets handed out still share it: a new buffer with the unread tail.
        QByteArray fresh;
        fresh.reserve(unread + room);
        fresh.append(buffer.constData() + pos, unread);
        buffer = std::move(fresh);
        pos = 0;
    } else if (unread == 0) {
        // A buffer grown for one large packet goes once that packet is consumed.
        if (buffer.capacity() > 4 * room)
            buffer = QByteArray();
        else
            buffer.resize(0);
        pos = 0;
    } else if (pos >= unread) {
        // Amortised: every byte is moved at most about once per byte consumed before it.
        memmove(buffer.data(), buffer.constData() + pos, size_t(unread));
        buffer.resize(unread);
        pos = 0;
    }
    const qsizetype at = buffer.size();
    buffer.reserve(at + room);
    buffer.resize(at + room);
    return buffer.data() + at;
}

void InputBuffer::expectFrame(qsizetype size)
{
    // Grown only once the next read would not fit, and then to twice what arrived: a large
    // frame is re-allocated a few times, not per read, and a header alone (four bytes of a
    // hostile server announcing 16 MiB) allocates little.
    constexpr qsizetype NextRead = 64 * 1024;
    if (!bytes.isDetached() || bytes.capacity() >= pos + qMin(size, pending() + NextRead))
        return;
    bytes.reserve(pos + qMin(size, qMax(2 * pending(), pending() + NextRead)));
}

char *InputBuffer::reserve(qsizetype room)
{
    Q_ASSERT(m_reserved == 0);
    m_reserved = room;
    return reserveInput(bytes, pos, room);
}

void InputBuffer::commit(qsizetype written)
{
    Q_ASSERT(written >= 0 && written <= m_reserved);
    bytes.chop(m_reserved - written);
    m_reserved = 0;
}

void InputBuffer::clear()
{
    bytes.clear();
    pos = 0;
    m_reserved = 0;
}

void PacketReader::feed(const QByteArray &chunk)
{
    m_in.append(chunk);
}

void PacketReader::reset()
{
    m_in.clear();
    m_joined.clear();
    m_joining = false;
    m_error.clear();
}

PacketReader::Status PacketReader::fail(const QString &why)
{
    m_error = why;
    return Status::Malformed;
}

PacketReader::Status PacketReader::next(Packet &out)
{
    for (;;) {
        if (pending() < HeaderSize)
            return Status::NeedMore;
        const auto *h = reinterpret_cast<const uchar *>(m_in.bytes.constData() + m_in.pos);
        const qsizetype len = qsizetype(h[0]) | (qsizetype(h[1]) << 8) | (qsizetype(h[2]) << 16);
        const quint8 seq = h[3];
        // Refuse an oversized payload from its header, before buffering any of it.
        if ((m_joining ? m_joined.size() : 0) + len > m_maxPayload)
            return fail(QStringLiteral("packet larger than %1 bytes").arg(m_maxPayload));
        if (pending() < HeaderSize + len) {
            m_in.expectFrame(HeaderSize + len);
            return Status::NeedMore;
        }
        const qsizetype payloadPos = m_in.pos + HeaderSize;
        m_in.pos = payloadPos + len;

        if (m_joining) {
            if (seq != m_joinNextSeq)
                return fail(QStringLiteral("packet sequence %1 where %2 continues a split packet")
                                    .arg(seq).arg(m_joinNextSeq));
            m_joined.append(m_in.bytes.constData() + payloadPos, len);
            m_joinNextSeq = quint8(seq + 1);
            if (len == MaxPacketPayload)
                continue;
            out.size = m_joined.size();
            out.offset = 0;
            out.buffer = std::move(m_joined);
            out.seq = m_joinFirstSeq;
            out.lastSeq = seq;
            m_joined = QByteArray();
            m_joining = false;
            return Status::Ready;
        }
        if (len == MaxPacketPayload) {
            // First part of a split payload: the rest follows in packets seq+1, seq+2, ...
            m_joining = true;
            m_joinFirstSeq = seq;
            m_joinNextSeq = quint8(seq + 1);
            m_joined = QByteArray();
            m_joined.reserve(2 * len);
            m_joined.append(m_in.bytes.constData() + payloadPos, len);
            continue;
        }
        // Shared, not copied; and not even assigned again (a reference taken and one
        // dropped, per packet and so per row) when out holds this buffer already.
        if (out.buffer.constData() != m_in.bytes.constData() || out.buffer.size() != m_in.bytes.size())
            out.buffer = m_in.bytes;
        out.offset = payloadPos;
        out.size = len;
        out.seq = out.lastSeq = seq;
        return Status::Ready;
    }
}

quint8 appendPacket(QByteArray &out, QByteArrayView payload, quint8 seq)
{
    qsizetype done = 0;
    out.reserve(out.size() + payload.size() + HeaderSize * (payload.size() / MaxPacketPayload + 1));
    for (;;) {
        const qsizetype part = qMin(MaxPacketPayload, payload.size() - done);
        const qsizetype at = out.size();
        out.resize(at + HeaderSize);
        writeHeader(out.data() + at, part, seq++);
        out.append(payload.data() + done, part);
        done += part;
        if (part < MaxPacketPayload)
            return seq;
    }
}

QByteArray commandPacket(quint8 command, QByteArrayView argument, quint8 *nextSeq)
{
    const qsizetype len = argument.size() + 1;
    QByteArray out;
    if (len < MaxPacketPayload) {
        if (nextSeq)
            *nextSeq = 1;
        // The common case, built in one allocation.
        out.resize(HeaderSize + len);
        writeHeader(out.data(), len, 0);
        out[HeaderSize] = char(command);
        if (!argument.isEmpty())
            memcpy(out.data() + HeaderSize + 1, argument.data(), size_t(argument.size()));
        return out;
    }
    QByteArray payload;
    payload.reserve(len);
    payload.append(char(command));
    payload.append(argument.data(), argument.size());
    const quint8 seq = appendPacket(out, payload, 0);
    if (nextSeq)
        *nextSeq = seq;
    return out;
}

QByteArray frameCommand(QByteArray buffer, quint8 command, quint8 *nextSeq)
{
    Q_ASSERT(buffer.size() >= CommandPrefixSize);
    static_assert(CommandPrefixSize == HeaderSize + 1);
    const qsizetype len = buffer.size() - HeaderSize; // the command byte and the argument
    if (len >= MaxPacketPayload)
        return commandPacket(command, QByteArrayView(buffer).sliced(CommandPrefixSize), nextSeq);
    if (nextSeq)
        *nextSeq = 1;
    char *out = buffer.data(); // detaches if shared: framing never writes into a caller's copy
    writeHeader(out, len, 0);
    out[HeaderSize] = char(command);
    return buffer;
}

} // namespace AsyncMySql::Protocol
