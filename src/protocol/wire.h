// SPDX-License-Identifier: MIT
// Reading and writing the protocol's basic data types: fixed-size little-endian integers,
// length-encoded integers and strings, NUL-terminated strings.
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QByteArrayView>
#include <QtCore/qendian.h>

#include <optional>

namespace AsyncMySql::Protocol {

/*!
    A cursor over a packet payload. Reading past the end never reads out of bounds: it sets
    the reader to failed, returns zero/empty values, and ok() tells the caller the packet was
    malformed. Callers check ok() once after parsing a whole packet.
*/
class ByteReader
{
public:
    ByteReader(const char *data, qsizetype size) : m_data(data), m_size(size) { }
    explicit ByteReader(QByteArrayView v) : m_data(v.data()), m_size(v.size()) { }

    bool ok() const { return m_ok; }
    bool atEnd() const { return m_pos >= m_size; }
    qsizetype position() const { return m_pos; }
    qsizetype remaining() const { return m_ok ? m_size - m_pos : 0; }
    const char *current() const { return m_data + m_pos; }
    //! Marks the packet as malformed (for semantic checks done by the caller).
    void fail() { m_ok = false; m_pos = m_size; }

    quint8 peek() const { return m_pos < m_size ? quint8(m_data[m_pos]) : 0; }
    // u8(), u16() and the one-byte length are inline: every OK packet and result header reads
    // them, and fixed() is a loop behind a call.
    quint8 u8()
    {
        if (m_pos >= m_size) {
            fail();
            return 0;
        }
        return quint8(m_data[m_pos++]);
    }
    quint16 u16()
    {
        if (m_size - m_pos < 2) {
            fail();
            return 0;
        }
        const auto *p = reinterpret_cast<const uchar *>(m_data + m_pos);
        m_pos += 2;
        return quint16(p[0] | (p[1] << 8));
    }
    quint32 u24() { return quint32(fixed(3)); }
    quint32 u32() { return quint32(fixed(4)); }
    quint64 u64() { return fixed(8); }
    //! Little-endian unsigned integer of \a n bytes (n <= 8).
    quint64 fixed(int n);

    //! A length-encoded integer; std::nullopt for the NULL marker 0xfb.
    std::optional<quint64> lenencOrNull()
    {
        if (m_pos < m_size && quint8(m_data[m_pos]) < 0xfb)
            return quint8(m_data[m_pos++]);
        return lenencOrNullSlow();
    }
    //! A length-encoded integer where NULL is not allowed (NULL fails the reader).
    quint64 lenenc();
    //! A length-encoded string (NULL fails the reader).
    QByteArrayView lenencString();
    //! Bytes up to a NUL, which is skipped; a missing NUL fails the reader.
    QByteArrayView nulString();
    //! Bytes up to a NUL if there is one, else to the end (some servers omit the last NUL).
    QByteArrayView nulStringOrRest();
    QByteArrayView bytes(qsizetype n);
    QByteArrayView rest();
    void skip(qsizetype n) { bytes(n); }

private:
    std::optional<quint64> lenencOrNullSlow();
    const char *findNul() const;

    const char *m_data;
    qsizetype m_size;
    qsizetype m_pos = 0;
    bool m_ok = true;
};

/*! Appends protocol data types to a QByteArray. */
class ByteWriter
{
public:
    explicit ByteWriter(QByteArray &out) : m_out(out) { }

    void u8(quint8 v) { m_out.append(char(v)); }
    void u16(quint16 v) { fixed(v, 2); }
    void u24(quint32 v) { fixed(v, 3); }
    void u32(quint32 v) { fixed(v, 4); }
    void u64(quint64 v) { fixed(v, 8); }
    void fixed(quint64 v, int n);
    void lenenc(quint64 v);
    void lenencString(QByteArrayView s) { lenenc(quint64(s.size())); bytes(s); }
    void nulString(QByteArrayView s) { bytes(s); u8(0); }
    void bytes(QByteArrayView s) { m_out.append(s.data(), s.size()); }
    void zeros(qsizetype n) { m_out.append(n, '\0'); }

    //! Bytes a length-encoded integer of value \a v takes.
    static int lenencSize(quint64 v) { return v < 251 ? 1 : v < (1u << 16) ? 3 : v < (1u << 24) ? 4 : 9; }

private:
    QByteArray &m_out;
};

} // namespace AsyncMySql::Protocol
