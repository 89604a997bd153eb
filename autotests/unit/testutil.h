// SPDX-License-Identifier: MIT
// Byte builders shared by the unit tests. They are written from the protocol documentation,
// independently of src/protocol/wire.*, so a bug in the library's writer cannot hide the same
// bug in its reader.
#pragma once

#include "protocol/framing.h"

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QPair>

#include <cstring>
#include <memory>
#include <optional>

namespace TestUtil {

using Bytes = QByteArray;

//! \a n bytes of \a v, least significant first.
inline Bytes le(quint64 v, int n)
{
    Bytes out;
    for (int i = 0; i < n; ++i)
        out.append(char((v >> (8 * i)) & 0xff));
    return out;
}

inline Bytes lenenc(quint64 v)
{
    if (v < 0xfb)
        return le(v, 1);
    if (v <= 0xffff)
        return '\xfc' + le(v, 2);
    if (v <= 0xffffff)
        return '\xfd' + le(v, 3);
    return '\xfe' + le(v, 8);
}

inline Bytes lenencStr(const Bytes &s) { return lenenc(quint64(s.size())) + s; }
inline Bytes nul(const Bytes &s) { return s + '\0'; }
inline Bytes hex(const char *h) { return Bytes::fromHex(h); }

//! One wire packet (payloads shorter than 0xffffff bytes only).
inline Bytes frame(const Bytes &payload, quint8 seq) { return le(quint64(payload.size()), 3) + char(seq) + payload; }

//! \a payloads framed one after another with consecutive sequence ids.
inline Bytes frames(const QList<Bytes> &payloads, quint8 firstSeq = 1)
{
    Bytes out;
    for (const Bytes &p : payloads)
        out += frame(p, firstSeq++);
    return out;
}

inline AsyncMySql::Protocol::Packet packet(const Bytes &payload, quint8 seq)
{
    return AsyncMySql::Protocol::Packet::fromPayload(payload, seq);
}

//! \a payloads as packets with consecutive sequence ids, as a reply to a command (seq 1 first).
inline QList<AsyncMySql::Protocol::Packet> packets(const QList<Bytes> &payloads, quint8 firstSeq = 1)
{
    QList<AsyncMySql::Protocol::Packet> out;
    for (const Bytes &p : payloads)
        out.append(packet(p, firstSeq++));
    return out;
}

/*!
    A view of \a size bytes (up to 21 MiB) whose content depends on the position, so that a
    misplaced or dropped chunk changes it. Built once from a 64 KiB block with no shorter period,
    rotated by one more byte in each copy (memcpy: byte loops are slow under ASan at -O0).
    Large tests use the view directly: under ASan every fresh megabyte costs page faults.
*/
inline QByteArrayView patternView(qsizetype size)
{
    static const Bytes source = [] {
        constexpr qsizetype block = 65536, blocks = 336;
        char base[block];
        for (qsizetype j = 0; j < block; ++j)
            base[j] = char((j * 7 + (j >> 8)) & 0xff);
        Bytes out(block * blocks, Qt::Uninitialized);
        for (qsizetype k = 0; k < blocks; ++k) {
            char *at = out.data() + k * block;
            memcpy(at, base + k, size_t(block - k));
            memcpy(at + block - k, base, size_t(k));
        }
        return out;
    }();
    Q_ASSERT(size <= source.size());
    return QByteArrayView(source).first(size);
}

inline Bytes pattern(qsizetype size) { return patternView(size).toByteArray(); }

//! Cuts framed bytes written by the library back into (sequence id, payload), for payloads
//! shorter than 0xffffff bytes; a trailing partial packet is returned with seq -1.
inline QList<QPair<int, Bytes>> unframe(const Bytes &wire)
{
    QList<QPair<int, Bytes>> out;
    qsizetype at = 0;
    while (at + 4 <= wire.size()) {
        const auto *h = reinterpret_cast<const uchar *>(wire.constData() + at);
        const qsizetype len = h[0] | (h[1] << 8) | (h[2] << 16);
        if (at + 4 + len > wire.size())
            break;
        out.append({h[3], wire.mid(at + 4, len)});
        at += 4 + len;
    }
    if (at < wire.size())
        out.append({-1, wire.mid(at)});
    return out;
}

// --- server messages ------------------------------------------------------------------------

//! OK packet without CLIENT_SESSION_TRACK: the info string runs to the end.
inline Bytes okPayload(quint64 affected, quint64 insertId, quint16 status, quint16 warnings,
                       const Bytes &info = {}, char header = '\x00')
{
    return header + lenenc(affected) + lenenc(insertId) + le(status, 2) + le(warnings, 2) + info;
}

//! The OK packet that ends a result set under CLIENT_DEPRECATE_EOF.
inline Bytes okEndPayload(quint16 status, quint16 warnings = 0)
{
    return okPayload(0, 0, status, warnings, {}, '\xfe');
}

inline Bytes eofPayload(quint16 warnings, quint16 status) { return '\xfe' + le(warnings, 2) + le(status, 2); }

//! ERR packet; an empty \a sqlState leaves out the '#' marker (errors before the handshake).
inline Bytes errPayload(quint16 code, const Bytes &sqlState, const Bytes &message)
{
    Bytes out = '\xff' + le(code, 2);
    if (!sqlState.isEmpty())
        out += '#' + sqlState;
    return out + message;
}

struct ColumnSpec
{
    Bytes name = "c";
    quint8 type = 253; // VAR_STRING
    quint16 flags = 0;
    quint16 charset = 45; // utf8mb4_general_ci
    quint32 length = 1020;
    quint8 decimals = 0;
    Bytes schema = "test", table = "t", orgTable = "t", orgName = {};
    //! MariaDB extended type info pairs (key 0 type name, key 1 format); only written when
    //! \a withExtendedInfo is set, as the server does under MARIADB_CLIENT_EXTENDED_TYPE_INFO.
    QList<QPair<quint8, Bytes>> extended;
    bool withExtendedInfo = false;
};

inline Bytes columnPayload(const ColumnSpec &c)
{
    Bytes out = lenencStr("def") + lenencStr(c.schema) + lenencStr(c.table) + lenencStr(c.orgTable)
            + lenencStr(c.name) + lenencStr(c.orgName.isNull() ? c.name : c.orgName);
    if (c.withExtendedInfo) {
        Bytes ext;
        for (const auto &[key, value] : c.extended)
            ext += char(key) + lenencStr(value);
        out += lenencStr(ext);
    }
    return out + '\x0c' + le(c.charset, 2) + le(c.length, 4) + char(c.type) + le(c.flags, 2)
            + char(c.decimals) + le(0, 2);
}

//! A text-protocol row: std::nullopt is SQL NULL.
inline Bytes rowPayload(const QList<std::optional<Bytes>> &cells)
{
    Bytes out;
    for (const auto &cell : cells)
        out += cell ? lenencStr(*cell) : Bytes("\xfb", 1);
    return out;
}

/*! A binary-protocol row: 0x00, the NULL bitmap (from bit 2), then the values that are not
    NULL, each already in its binary form (std::nullopt is SQL NULL). */
inline Bytes binaryRowPayload(const QList<std::optional<Bytes>> &values)
{
    Bytes bitmap((values.size() + 7 + 2) / 8, '\0');
    Bytes data;
    for (qsizetype i = 0; i < values.size(); ++i) {
        if (!values.at(i))
            bitmap[(i + 2) / 8] = char(quint8(bitmap.at((i + 2) / 8)) | (1u << ((i + 2) % 8)));
        else
            data += *values.at(i);
    }
    return Bytes(1, '\0') + bitmap + data;
}

//! COM_STMT_PREPARE_OK: statement id, column and parameter counts, warnings.
inline Bytes prepareOkPayload(quint32 id, quint16 columns, quint16 params, quint16 warnings = 0)
{
    return Bytes(1, '\0') + le(id, 4) + le(columns, 2) + le(params, 2) + Bytes(1, '\0') + le(warnings, 2);
}

struct HandshakeSpec
{
    Bytes version = "5.5.5-10.11.6-MariaDB";
    quint32 threadId = 42;
    Bytes scramble = hex("3a5c2f4e6b7d1a29" "47583c6e2d7f4b5a6c3e2a19");
    quint64 capabilities = 0;
    quint8 collation = 45;
    quint16 status = 0x0002;
    Bytes plugin = "mysql_native_password";
    bool pluginNul = true; // some old servers omit the NUL after the plugin name
};

//! HandshakeV10: bits 32..63 of \a capabilities go to the last 4 reserved bytes, where MariaDB
//! puts its extended capabilities.
inline Bytes handshakePayload(const HandshakeSpec &h)
{
    Bytes out = '\x0a' + nul(h.version) + le(h.threadId, 4) + h.scramble.left(8) + '\0'
            + le(h.capabilities & 0xffff, 2) + char(h.collation) + le(h.status, 2)
            + le((h.capabilities >> 16) & 0xffff, 2) + char(h.scramble.size() + 1) + Bytes(6, '\0')
            + le(h.capabilities >> 32, 4) + nul(h.scramble.mid(8)) + h.plugin;
    return h.pluginNul ? nul(out) : out;
}

// Capability sets of real servers (values seen on the wire).
constexpr quint64 MariaDb1011Caps = 0x0000001d81bff7feull; // CLIENT_MYSQL clear, ext caps 0x1d
constexpr quint64 MySql8Caps = 0xdfffffffull;

/*!
    A heap copy of \a bytes in a block of exactly that size: reading one byte past the end is a
    heap-buffer-overflow under AddressSanitizer (a QByteArray always has a terminator to spare).
*/
class ExactBuffer
{
public:
    explicit ExactBuffer(const Bytes &bytes) : m_size(bytes.size()), m_data(new char[size_t(qMax<qsizetype>(1, m_size))])
    {
        if (m_size)
            memcpy(m_data.get(), bytes.constData(), size_t(m_size));
    }
    const char *data() const { return m_data.get(); }
    qsizetype size() const { return m_size; }

private:
    qsizetype m_size;
    std::unique_ptr<char[]> m_data;
};

} // namespace TestUtil
