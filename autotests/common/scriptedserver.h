// SPDX-License-Identifier: MIT
// The server side of a conversation, as bytes: the packets a MySQL or MariaDB server sends
// (greetings of both flavours, the authentication messages, result sets, LOCAL INFILE requests),
// framed with sequence ids and, under the compressed protocol, wrapped in compressed packets;
// and the client's output cut back into the packets it wrote. Sans-I/O like the session it
// tests: no sockets, no event loop. The single messages come from testutil.h (written from the
// protocol documentation, not from the library's writer); the compressed framing reuses the
// library's FrameCompressor/FrameDecompressor, which have their own tests.
#pragma once

#include "../unit/testutil.h"

#include "protocol/compression.h"
#include "protocol/constants.h"

#include <QtCore/QByteArray>
#include <QtCore/QList>

#include <optional>

namespace Scripted {

using TestUtil::Bytes;
namespace Capability = AsyncMySql::Protocol::Capability;
namespace ServerStatus = AsyncMySql::Protocol::ServerStatus;
using AsyncMySql::Protocol::CompressionAlgorithm;

// --- greetings ---------------------------------------------------------------------------------

enum class Flavour { MariaDb, MySql };

//! The scramble every greeting below carries (20 bytes, no NUL inside).
inline Bytes scramble() { return TestUtil::HandshakeSpec().scramble; }

struct Greeting
{
    Flavour flavour = Flavour::MariaDb;
    Bytes plugin = "mysql_native_password";
    bool tls = false;          //!< offers CLIENT_SSL
    bool compress = false;     //!< offers CLIENT_COMPRESS (zlib)
    bool zstd = false;         //!< offers CLIENT_ZSTD_COMPRESSION_ALGORITHM (MySQL 8.0.18+)
    bool deprecateEof = true;  //!< offers CLIENT_DEPRECATE_EOF
    bool localFiles = true;    //!< offers CLIENT_LOCAL_FILES
    quint32 threadId = 42;
    quint16 status = ServerStatus::Autocommit;
};

//! The capabilities a server of \a g's flavour offers, with \a g's choices applied.
inline quint64 greetingCapabilities(const Greeting &g)
{
    quint64 caps = g.flavour == Flavour::MariaDb ? TestUtil::MariaDb1011Caps : TestUtil::MySql8Caps;
    const auto offer = [&caps](quint64 bit, bool on) { caps = on ? caps | bit : caps & ~bit; };
    offer(Capability::Ssl, g.tls);
    offer(Capability::Compress, g.compress);
    offer(Capability::ZstdCompression, g.zstd && g.flavour == Flavour::MySql);
    offer(Capability::DeprecateEof, g.deprecateEof);
    offer(Capability::LocalFiles, g.localFiles);
    return caps;
}

//! HandshakeV10 of a MariaDB 10.11 ("5.5.5-" prefix, extended capabilities) or MySQL 8.0 server.
inline Bytes greeting(const Greeting &g = {})
{
    TestUtil::HandshakeSpec spec;
    spec.version = g.flavour == Flavour::MariaDb ? Bytes("5.5.5-10.11.6-MariaDB") : Bytes("8.0.36");
    spec.threadId = g.threadId;
    spec.capabilities = greetingCapabilities(g);
    spec.status = g.status;
    spec.plugin = g.plugin;
    return TestUtil::handshakePayload(spec);
}

// --- authentication ----------------------------------------------------------------------------

//! AuthSwitchRequest: 0xfe, plugin name, NUL, the new plugin's data (a scramble, usually + NUL).
inline Bytes authSwitch(const Bytes &plugin, const Bytes &data) { return '\xfe' + TestUtil::nul(plugin) + data; }
//! AuthMoreData: 0x01 and the plugin's data.
inline Bytes authMoreData(const Bytes &data) { return '\x01' + data; }
//! caching_sha2_password's answers to the scramble: the password was in the cache (fast auth,
//! an OK follows), or it was not and the password itself must come (full auth).
inline Bytes sha2FastAuthOk() { return authMoreData(Bytes(1, '\x03')); }
inline Bytes sha2FullAuthNeeded() { return authMoreData(Bytes(1, '\x04')); }
//! The server's RSA public key (PEM), the answer to the client's request for it (0x02).
inline Bytes publicKeyPacket(const Bytes &pem) { return authMoreData(pem); }

// --- replies -----------------------------------------------------------------------------------

using TestUtil::errPayload;
using TestUtil::okPayload;

inline Bytes ok(quint16 status = ServerStatus::Autocommit, quint64 affected = 0, quint64 insertId = 0, quint16 warnings = 0)
{
    return okPayload(affected, insertId, status, warnings);
}

inline Bytes err(quint16 code, const Bytes &sqlState, const Bytes &message) { return errPayload(code, sqlState, message); }

//! LOCAL INFILE request: 0xfb and the file name the statement named.
inline Bytes localInfileRequest(const Bytes &fileName) { return '\xfb' + fileName; }

/*! A VARCHAR column called \a name (or a BIGINT one). \a extendedTypeInfo: with the (empty)
    extended type info MariaDB adds under MARIADB_CLIENT_EXTENDED_TYPE_INFO. */
inline Bytes column(const Bytes &name, bool integer = false, bool extendedTypeInfo = false)
{
    TestUtil::ColumnSpec c;
    c.name = name;
    c.withExtendedInfo = extendedTypeInfo;
    if (integer) {
        c.type = 8; // LONGLONG
        c.charset = 63;
        c.length = 20;
    }
    return TestUtil::columnPayload(c);
}

using Cells = QList<std::optional<Bytes>>;

/*!
    The payloads of one text result set: column count, definitions, (EOF,) rows, and the end
    (OK with 0xfe under CLIENT_DEPRECATE_EOF, else EOF) carrying \a status: add
    ServerStatus::MoreResultsExist for all but the last result of a multi-result reply.
    \a mariaDb: column definitions with MariaDB's extended type info (the client asks for it).
*/
inline QList<Bytes> resultSet(const QList<Bytes> &columnNames, const QList<Cells> &rows, bool mariaDb = false,
                              quint16 status = ServerStatus::Autocommit, bool deprecateEof = true)
{
    QList<Bytes> out{TestUtil::lenenc(quint64(columnNames.size()))};
    for (const Bytes &name : columnNames)
        out.append(column(name, false, mariaDb));
    if (!deprecateEof)
        out.append(TestUtil::eofPayload(0, status));
    for (const Cells &row : rows)
        out.append(TestUtil::rowPayload(row));
    out.append(deprecateEof ? TestUtil::okEndPayload(status) : TestUtil::eofPayload(0, status));
    return out;
}

//! Rows of one VARCHAR column: "v0", "v1", ...
inline QList<Cells> oneColumnRows(int count)
{
    QList<Cells> rows;
    for (int i = 0; i < count; ++i)
        rows.append(Cells{Bytes("v") + Bytes::number(i)});
    return rows;
}

// --- the wire ----------------------------------------------------------------------------------

//! \a payloads framed with consecutive sequence ids from \a firstSeq (payloads under 16 MiB).
inline Bytes framed(const QList<Bytes> &payloads, quint8 firstSeq = 1) { return TestUtil::frames(payloads, firstSeq); }

/*!
    The server's direction of one connection: frames its replies as the protocol in force wants
    them, plain or compressed. Under compression each reply is one compressed packet (or more,
    for large ones) numbered from the compressed sequence id the client's command ended with.
*/
class ServerWire
{
public:
    void startCompression(CompressionAlgorithm algorithm)
    {
        m_algorithm = algorithm;
        m_compressor.emplace(algorithm);
    }
    bool isCompressed() const { return m_compressor.has_value(); }
    CompressionAlgorithm algorithm() const { return m_algorithm; }

    //! \a packets (framed) as they travel: as they are, or as compressed packets from \a compressedSeq.
    Bytes wrap(const Bytes &packets, quint8 compressedSeq) const
    {
        if (!m_compressor)
            return packets;
        Bytes out;
        m_compressor->compress(packets, compressedSeq, out);
        return out;
    }

    //! A reply to a command: \a payloads framed from sequence id \a firstSeq, then wrapped.
    Bytes reply(const QList<Bytes> &payloads, quint8 firstSeq = 1, quint8 compressedSeq = 1) const
    {
        return wrap(framed(payloads, firstSeq), compressedSeq);
    }

private:
    CompressionAlgorithm m_algorithm = CompressionAlgorithm::None;
    // compress() changes the codec's state only, not what a caller sees: a const wire can send.
    mutable std::optional<AsyncMySql::Protocol::FrameCompressor> m_compressor;
};

//! One packet the client wrote.
struct ClientPacket
{
    int seq = -1;            //!< its sequence id; -1: the output ended inside it
    int compressedSeq = -1;  //!< the compressed packet it started in (-1: not compressed)
    Bytes payload;
    quint8 command() const { return payload.isEmpty() ? 0 : quint8(payload.at(0)); }
    Bytes argument() const { return payload.mid(1); }
};

/*!
    Cuts what the client wrote back into packets: plain, or inside compressed packets (whose
    sequence ids are recorded, not checked: the test compares them). A malformed compressed
    packet or one that inflates wrongly ends the list with a packet of seq -1 holding the rest.
*/
inline QList<ClientPacket> parseClientOutput(const Bytes &wire, CompressionAlgorithm algorithm = CompressionAlgorithm::None)
{
    QList<ClientPacket> out;
    if (algorithm == CompressionAlgorithm::None) {
        for (const auto &[seq, payload] : TestUtil::unframe(wire))
            out.append({seq, -1, payload});
        return out;
    }
    // Inflate each compressed packet, remembering where in the inner stream each began.
    Bytes inner;
    QList<QPair<qsizetype, int>> starts; // inner offset, compressed sequence id
    qsizetype at = 0;
    while (at + AsyncMySql::Protocol::CompressedHeaderSize <= wire.size()) {
        const auto *h = reinterpret_cast<const uchar *>(wire.constData() + at);
        const qsizetype length = h[0] | (h[1] << 8) | (h[2] << 16);
        const qsizetype packet = AsyncMySql::Protocol::CompressedHeaderSize + length;
        if (at + packet > wire.size())
            break;
        AsyncMySql::Protocol::FrameDecompressor decompressor(algorithm);
        decompressor.setNextSequenceId(h[3]);
        decompressor.feed(wire.mid(at, packet));
        Bytes chunk;
        if (decompressor.next(chunk) != AsyncMySql::Protocol::FrameDecompressor::Status::Ready)
            break;
        starts.append({inner.size(), h[3]});
        inner += chunk;
        at += packet;
    }
    qsizetype offset = 0;
    for (const auto &[seq, payload] : TestUtil::unframe(inner)) {
        int compressedSeq = -1;
        for (const auto &[start, cseq] : std::as_const(starts)) {
            if (start <= offset)
                compressedSeq = cseq;
        }
        out.append({seq, compressedSeq, payload});
        offset += 4 + payload.size();
    }
    if (at < wire.size())
        out.append({-1, -1, wire.mid(at)});
    return out;
}

} // namespace Scripted
