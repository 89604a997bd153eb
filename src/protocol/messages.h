// SPDX-License-Identifier: MIT
// Parsing and building the individual protocol messages.
#pragma once

#include "constants.h"
#include "framing.h"
#include "resultdata.h"

#include <QtCore/QByteArray>
#include <QtCore/QString>

#include <optional>

namespace AsyncMySql::Protocol {

//! An OK packet, or the EOF packet that ends a result without CLIENT_DEPRECATE_EOF.
struct OkPacket
{
    quint64 affectedRows = 0;
    quint64 lastInsertId = 0;
    quint16 status = 0;
    quint16 warnings = 0;
    QByteArray info;
};

//! An ERR packet.
struct ErrPacket
{
    quint16 code = 0;
    QByteArray sqlState; // "HY000" when the server sent none
    QByteArray message;
};

//! The server's first packet (Protocol::HandshakeV10).
struct Handshake
{
    quint8 protocolVersion = 0;
    QByteArray serverVersion; // MariaDB's "5.5.5-" replication prefix removed
    quint32 threadId = 0;
    QByteArray scramble;      // 20 bytes of auth plugin data, without the trailing NUL
    quint64 capabilities = 0; // including MariaDB's extended capabilities
    quint8 collation = 0;
    quint16 status = 0;
    QByteArray authPlugin;    // empty: mysql_native_password
    bool isMariaDb = false;
};

//! What the client sends in HandshakeResponse41 (and the SSLRequest prefix of it).
struct HandshakeResponse
{
    quint64 capabilities = 0;
    quint8 collation = 0;
    QByteArray user;
    QByteArray authResponse;
    QByteArray database;
    QByteArray authPlugin;
    QList<QPair<QByteArray, QByteArray>> attributes;
    quint8 zstdLevel = 0; //!< sent with CLIENT_ZSTD_COMPRESSION_ALGORITHM
};

// Parsers return std::nullopt for a malformed packet.
std::optional<OkPacket> parseOk(QByteArrayView payload, quint64 capabilities);
std::optional<OkPacket> parseEof(QByteArrayView payload);
std::optional<ErrPacket> parseErr(QByteArrayView payload);
std::optional<Handshake> parseHandshake(QByteArrayView payload);
//! A column definition packet (Protocol::ColumnDefinition41).
std::optional<Column> parseColumnDefinition(QByteArrayView payload, quint64 capabilities,
                                            TextEncoding encoding = TextEncoding::Utf8);
/*! A text-protocol row of \a meta's result: a copy of \a packet's payload and where each value
    is in it. A null Row if the packet does not hold exactly \a columnCount values. */
Row parseTextRow(const Packet &packet, int columnCount, const ResultMetaPtr &meta);

//! True for the packet that ends rows: 0xfe header and shorter than a full packet.
inline bool isEndOfRows(const Packet &p) { return p.first() == EofHeader && p.size < MaxPacketPayload; }

QByteArray buildHandshakeResponse(const HandshakeResponse &r);
//! The 32-byte SSLRequest payload: the first fields of the handshake response.
QByteArray buildSslRequest(quint64 capabilities, quint8 collation);

} // namespace AsyncMySql::Protocol
