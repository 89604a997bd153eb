// SPDX-License-Identifier: MIT
#include "messages.h"
#include "charsets.h"
#include "constants.h"
#include "wire.h"

#include <cstring>
#include <limits>

namespace AsyncMySql::Protocol {

std::optional<OkPacket> parseOk(QByteArrayView payload, quint64 capabilities)
{
    ByteReader r(payload);
    const quint8 header = r.u8();
    if (header != OkHeader && header != EofHeader)
        return std::nullopt;
    OkPacket ok;
    ok.affectedRows = r.lenenc();
    ok.lastInsertId = r.lenenc();
    ok.status = r.u16();
    ok.warnings = r.u16();
    if (!r.ok())
        return std::nullopt;
    if (capabilities & Capability::SessionTrack) {
        if (!r.atEnd())
            ok.info = r.lenencString().toByteArray();
        // Session state changes follow; we do not ask for them (no SESSION_TRACK sent).
    } else {
        ok.info = r.rest().toByteArray();
    }
    if (!r.ok())
        return std::nullopt;
    return ok;
}

std::optional<OkPacket> parseEof(QByteArrayView payload)
{
    ByteReader r(payload);
    if (r.u8() != EofHeader)
        return std::nullopt;
    OkPacket eof;
    eof.warnings = r.u16();
    eof.status = r.u16();
    if (!r.ok())
        return std::nullopt;
    return eof;
}

std::optional<ErrPacket> parseErr(QByteArrayView payload)
{
    ByteReader r(payload);
    if (r.u8() != ErrHeader)
        return std::nullopt;
    ErrPacket err;
    err.code = r.u16();
    if (!r.ok())
        return std::nullopt;
    if (r.peek() == '#') {
        r.skip(1);
        err.sqlState = r.bytes(5).toByteArray();
    } else {
        err.sqlState = QByteArrayLiteral("HY000"); // e.g. errors sent before the handshake
    }
    err.message = r.rest().toByteArray();
    if (!r.ok())
        return std::nullopt;
    return err;
}

std::optional<Handshake> parseHandshake(QByteArrayView payload)
{
    ByteReader r(payload);
    Handshake h;
    h.protocolVersion = r.u8();
    if (h.protocolVersion != 10)
        return std::nullopt;
    h.serverVersion = r.nulString().toByteArray();
    h.threadId = r.u32();
    h.scramble = r.bytes(8).toByteArray();
    r.skip(1);
    quint64 caps = r.u16();
    if (r.atEnd()) { // a pre-4.1 server: nothing more
        h.capabilities = caps;
        return r.ok() ? std::optional(h) : std::nullopt;
    }
    h.collation = r.u8();
    h.status = r.u16();
    caps |= quint64(r.u16()) << 16;
    const quint8 authDataLength = r.u8();
    r.skip(6);
    const quint32 mariaDbCaps = r.u32(); // MariaDB: extended capabilities, else filler
    if (!(caps & Capability::LongPassword))
        caps |= quint64(mariaDbCaps) << 32;
    h.capabilities = caps;
    if (caps & Capability::SecureConnection) {
        const int part2 = qMax(13, int(authDataLength) - 8);
        QByteArrayView rest = r.bytes(part2);
        if (!rest.isEmpty() && rest.back() == '\0')
            rest.chop(1);
        h.scramble += rest.toByteArray();
    }
    if (caps & Capability::PluginAuth)
        h.authPlugin = r.nulStringOrRest().toByteArray();
    if (!r.ok())
        return std::nullopt;
    static constexpr char replicationPrefix[] = "5.5.5-";
    if (h.serverVersion.startsWith(replicationPrefix))
        h.serverVersion.remove(0, qsizetype(sizeof(replicationPrefix) - 1));
    h.isMariaDb = h.serverVersion.contains("MariaDB");
    return h;
}

std::optional<Column> parseColumnDefinition(QByteArrayView payload, quint64 capabilities, TextEncoding encoding)
{
    ByteReader r(payload);
    auto *d = new ColumnPrivate;
    Column column = ColumnPrivate::make(d); // owns d from here on
    // Names come in character_set_results, which is the connection's character set.
    auto text = [&r, encoding] { return decodeName(r.lenencString(), encoding); };
    r.lenencString(); // catalog, always "def"
    d->schema = text();
    d->table = text();
    d->orgTable = text();
    d->name = text();
    d->orgName = text();
    if (capabilities & Capability::MariaDbExtendedTypeInfo) {
        ByteReader ext(r.lenencString());
        while (ext.ok() && !ext.atEnd()) {
            const quint8 key = ext.u8();
            const QString value = QString::fromUtf8(ext.lenencString());
            if (key == 0)
                d->extendedType = value;
            else if (key == 1)
                d->extendedFormat = value;
        }
        if (!ext.ok())
            return std::nullopt;
    }
    const quint64 fixedLength = r.lenenc();
    if (fixedLength < 10)
        return std::nullopt;
    const qsizetype fixedStart = r.position();
    d->charset = r.u16();
    d->length = r.u32();
    d->type = r.u8();
    d->flags = r.u16();
    d->decimals = r.u8();
    r.skip(qsizetype(fixedLength) - (r.position() - fixedStart));
    if (!r.ok())
        return std::nullopt;
    return column;
}

Row parseTextRow(const Packet &packet, int columnCount, const ResultMetaPtr &meta)
{
    // Offsets are kept in 32 bits; a payload is at most 1 GiB (PacketReader's limit) anyway.
    if (columnCount < 0 || packet.size > std::numeric_limits<qint32>::max())
        return Row();
    RowPrivate *row = RowPrivate::create(quint32(columnCount), quint32(packet.size));
    Row handle = RowPrivate::make(row); // frees the row if it turns out malformed
    RowPrivate::Cell *cells = row->cells();
    // The length-encoded cells read by hand, not through ByteReader: this runs for every cell
    // of every row, and nearly every length is its first byte.
    const auto *p = reinterpret_cast<const uchar *>(packet.data());
    const qsizetype size = packet.size;
    qsizetype pos = 0;
    for (int i = 0; i < columnCount; ++i) {
        if (pos >= size)
            return Row();
        quint64 len = p[pos++];
        if (len >= 0xfb) {
            if (len == 0xfb) { // NULL
                cells[i] = {0, -1};
                continue;
            }
            if (len == 0xff) // no length-encoded integer (it marks an ERR packet)
                return Row();
            const int n = len == 0xfc ? 2 : len == 0xfd ? 3 : 8;
            if (size - pos < n)
                return Row();
            len = 0;
            for (int b = 0; b < n; ++b)
                len |= quint64(p[pos + b]) << (8 * b);
            pos += n;
        }
        if (len > quint64(size - pos))
            return Row();
        cells[i] = {quint32(pos), qint32(len)};
        pos += qsizetype(len);
    }
    if (pos != size)
        return Row();
    if (packet.size > 0)
        memcpy(row->bytes(), packet.data(), size_t(packet.size));
    row->meta = meta;
    return handle;
}

namespace {
void writeResponsePrefix(ByteWriter &w, quint64 capabilities, quint8 collation)
{
    w.u32(quint32(capabilities));
    w.u32(ClientMaxPacketSize);
    w.u8(collation);
    w.zeros(19);
    // MariaDB reads its extended capabilities from the last 4 filler bytes when the client
    // does not claim CLIENT_MYSQL (bit 0).
    w.u32((capabilities & Capability::LongPassword) ? 0 : quint32(capabilities >> 32));
}
} // namespace

QByteArray buildSslRequest(quint64 capabilities, quint8 collation)
{
    QByteArray out;
    ByteWriter w(out);
    writeResponsePrefix(w, capabilities, collation);
    return out;
}

QByteArray buildHandshakeResponse(const HandshakeResponse &resp)
{
    QByteArray out;
    ByteWriter w(out);
    writeResponsePrefix(w, resp.capabilities, resp.collation);
    w.nulString(resp.user);
    if (resp.capabilities & Capability::PluginAuthLenencData) {
        w.lenencString(resp.authResponse);
    } else {
        w.u8(quint8(resp.authResponse.size()));
        w.bytes(resp.authResponse);
    }
    if (resp.capabilities & Capability::ConnectWithDb)
        w.nulString(resp.database);
    if (resp.capabilities & Capability::PluginAuth)
        w.nulString(resp.authPlugin);
    if (resp.capabilities & Capability::ConnectAttrs) {
        QByteArray attrs;
        ByteWriter aw(attrs);
        for (const auto &[key, value] : resp.attributes) {
            aw.lenencString(key);
            aw.lenencString(value);
        }
        w.lenencString(attrs);
    }
    if (resp.capabilities & Capability::ZstdCompression)
        w.u8(resp.zstdLevel);
    return out;
}

} // namespace AsyncMySql::Protocol
