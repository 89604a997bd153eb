// SPDX-License-Identifier: MIT
// Shared by the fuzz targets: reading the fuzzer's bytes as settings and chunks, and the
// invariant check that fails loudly (abort, so libFuzzer keeps the input) in every build type.
#pragma once

#include "protocol/framing.h"

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QtGlobal>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                                         \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);  \
            std::abort();                                                                        \
        }                                                                                        \
    } while (false)

namespace FuzzInput {

/*! The fuzzer's bytes, consumed from the front: settings first, the stream last. Reading past
    the end yields zeros, so every input is a valid one. */
class Reader
{
public:
    Reader(const uint8_t *data, size_t size) : m_data(reinterpret_cast<const char *>(data)), m_size(qsizetype(size)) { }

    quint8 byte() { return m_pos < m_size ? quint8(m_data[m_pos++]) : 0; }
    quint16 u16()
    {
        const quint16 lo = byte();
        return quint16(lo | (byte() << 8));
    }
    //! Up to \a n bytes.
    QByteArray take(qsizetype n)
    {
        n = qMin(n, m_size - m_pos);
        QByteArray out(m_data + m_pos, n);
        m_pos += n;
        return out;
    }
    QByteArray rest() { return take(m_size - m_pos); }
    qsizetype remaining() const { return m_size - m_pos; }

    /*! Chunk sizes chosen by the fuzzer: one byte n (n % 9 sizes follow, two bytes each). A
        stream cut at these places is how the socket could have delivered it. */
    QList<qsizetype> splits()
    {
        QList<qsizetype> out;
        const int n = byte() % 9;
        for (int i = 0; i < n; ++i)
            out.append(qsizetype(u16()));
        return out;
    }

private:
    const char *m_data;
    qsizetype m_size;
    qsizetype m_pos = 0;
};

//! \a stream cut into chunks of the sizes in \a splits (0 means 1), the rest in one last chunk.
inline QList<QByteArray> chunks(const QByteArray &stream, const QList<qsizetype> &splits)
{
    QList<QByteArray> out;
    qsizetype at = 0;
    for (qsizetype s : splits) {
        if (at >= stream.size())
            break;
        const qsizetype n = qMin(qMax<qsizetype>(s, 1), stream.size() - at);
        out.append(stream.mid(at, n));
        at += n;
    }
    if (at < stream.size())
        out.append(stream.mid(at));
    return out;
}

/*! Feeds \a stream, cut as chunks() cuts it, to a PacketReader and hands each packet to
    \a handle (which returns the exchange's status) while that status is Continue; stops at the
    first other status or a malformed stream. Returns the last status. */
template<typename Status, typename Handle>
Status feedPackets(const QByteArray &stream, const QList<qsizetype> &splits, Status status, Handle handle)
{
    AsyncMySql::Protocol::PacketReader reader;
    for (const QByteArray &chunk : chunks(stream, splits)) {
        reader.feed(chunk);
        AsyncMySql::Protocol::Packet p;
        AsyncMySql::Protocol::PacketReader::Status ps;
        while (status == Status::Continue && (ps = reader.next(p)) == AsyncMySql::Protocol::PacketReader::Status::Ready)
            status = handle(p);
        if (status != Status::Continue || ps == AsyncMySql::Protocol::PacketReader::Status::Malformed)
            break;
    }
    return status;
}

} // namespace FuzzInput
