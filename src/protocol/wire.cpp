// SPDX-License-Identifier: MIT
#include "wire.h"

namespace AsyncMySql::Protocol {

quint64 ByteReader::fixed(int n)
{
    if (m_size - m_pos < n) {
        fail();
        return 0;
    }
    quint64 v = 0;
    for (int i = n - 1; i >= 0; --i)
        v = (v << 8) | quint8(m_data[m_pos + i]);
    m_pos += n;
    return v;
}

std::optional<quint64> ByteReader::lenencOrNullSlow()
{
    const quint8 first = u8();
    switch (first) {
    case 0xfb:
        return std::nullopt;
    case 0xfc:
        return fixed(2);
    case 0xfd:
        return fixed(3);
    case 0xfe:
        return fixed(8);
    case 0xff: // not a valid length-encoded integer (it marks an ERR packet)
        fail();
        return 0;
    default:
        return first;
    }
}

quint64 ByteReader::lenenc()
{
    const auto v = lenencOrNull();
    if (!v) {
        fail();
        return 0;
    }
    return *v;
}

QByteArrayView ByteReader::lenencString()
{
    const quint64 n = lenenc();
    if (n > quint64(remaining())) {
        fail();
        return {};
    }
    return bytes(qsizetype(n));
}

const char *ByteReader::findNul() const
{
    // memchr() must not see a null pointer, even for zero bytes (an empty view has one).
    if (m_pos >= m_size)
        return nullptr;
    return static_cast<const char *>(memchr(m_data + m_pos, 0, size_t(m_size - m_pos)));
}

QByteArrayView ByteReader::nulString()
{
    if (!m_ok)
        return {};
    const char *nul = findNul();
    if (!nul) {
        fail();
        return {};
    }
    const qsizetype len = nul - (m_data + m_pos);
    QByteArrayView v(m_data + m_pos, len);
    m_pos += len + 1;
    return v;
}

QByteArrayView ByteReader::nulStringOrRest()
{
    if (!m_ok)
        return {};
    if (findNul())
        return nulString();
    return rest();
}

QByteArrayView ByteReader::bytes(qsizetype n)
{
    if (n < 0 || m_size - m_pos < n) {
        fail();
        return {};
    }
    QByteArrayView v(m_data + m_pos, n);
    m_pos += n;
    return v;
}

QByteArrayView ByteReader::rest()
{
    if (!m_ok)
        return {};
    return bytes(m_size - m_pos);
}

void ByteWriter::fixed(quint64 v, int n)
{
    for (int i = 0; i < n; ++i) {
        m_out.append(char(v & 0xff));
        v >>= 8;
    }
}

void ByteWriter::lenenc(quint64 v)
{
    if (v < 251) {
        u8(quint8(v));
    } else if (v < (1u << 16)) {
        u8(0xfc);
        fixed(v, 2);
    } else if (v < (1u << 24)) {
        u8(0xfd);
        fixed(v, 3);
    } else {
        u8(0xfe);
        fixed(v, 8);
    }
}

} // namespace AsyncMySql::Protocol
