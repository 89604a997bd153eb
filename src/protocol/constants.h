// SPDX-License-Identifier: MIT
// Numbers of the MySQL/MariaDB client/server protocol.
#pragma once

#include <QtCore/qglobal.h>

namespace AsyncMySql::Protocol {

namespace Capability {
enum : quint64 {
    LongPassword = 1u << 0, // "CLIENT_MYSQL" for MariaDB: clear it to use extended capabilities
    FoundRows = 1u << 1,
    LongFlag = 1u << 2,
    ConnectWithDb = 1u << 3,
    NoSchema = 1u << 4,
    Compress = 1u << 5,
    Odbc = 1u << 6,
    LocalFiles = 1u << 7,
    IgnoreSpace = 1u << 8,
    Protocol41 = 1u << 9,
    Interactive = 1u << 10,
    Ssl = 1u << 11,
    IgnoreSigpipe = 1u << 12,
    Transactions = 1u << 13,
    Reserved = 1u << 14,
    SecureConnection = 1u << 15,
    MultiStatements = 1u << 16,
    MultiResults = 1u << 17,
    PsMultiResults = 1u << 18,
    PluginAuth = 1u << 19,
    ConnectAttrs = 1u << 20,
    PluginAuthLenencData = 1u << 21,
    CanHandleExpiredPasswords = 1u << 22,
    SessionTrack = 1u << 23,
    DeprecateEof = 1u << 24,
    OptionalResultsetMetadata = 1u << 25,
    ZstdCompression = 1u << 26,
    QueryAttributes = 1u << 27,
    MultiFactorAuth = 1u << 28,
    SslVerifyServerCert = 1u << 30,
    RememberOptions = 1u << 31,
    // MariaDB extended capabilities (sent in the last 4 bytes of the handshake fillers)
    MariaDbProgress = 1ull << 32,
    MariaDbComMulti = 1ull << 33,
    MariaDbStmtBulk = 1ull << 34,
    MariaDbExtendedTypeInfo = 1ull << 35,
    MariaDbCacheMetadata = 1ull << 36,
};
}

namespace ServerStatus {
enum : quint16 {
    InTransaction = 0x0001,
    Autocommit = 0x0002,
    MoreResultsExist = 0x0008,
    NoGoodIndexUsed = 0x0010,
    NoIndexUsed = 0x0020,
    CursorExists = 0x0040,
    LastRowSent = 0x0080,
    DbDropped = 0x0100,
    NoBackslashEscapes = 0x0200,
    MetadataChanged = 0x0400,
    QueryWasSlow = 0x0800,
    PsOutParams = 0x1000,
    InTransactionReadOnly = 0x2000,
    SessionStateChanged = 0x4000,
};
}

enum class Command : quint8 {
    Quit = 0x01,
    InitDb = 0x02,
    Query = 0x03,
    Ping = 0x0e,
    ChangeUser = 0x11,
    StmtPrepare = 0x16,
    StmtExecute = 0x17,
    StmtSendLongData = 0x18, // no reply
    StmtClose = 0x19,        // no reply
    StmtReset = 0x1a,
    SetOption = 0x1b,
    ResetConnection = 0x1f,
    StmtBulkExecute = 0xfa,  // MariaDB (MARIADB_CLIENT_STMT_BULK_OPERATIONS)
};

//! Largest payload of one wire packet; longer payloads continue in the next packet.
constexpr qsizetype MaxPacketPayload = 0xffffff;

//! The max_packet_size a client announces (1 GiB, the server's own maximum).
constexpr quint32 ClientMaxPacketSize = 1u << 30;

// First byte of a response packet.
constexpr quint8 OkHeader = 0x00;
constexpr quint8 EofHeader = 0xfe;
constexpr quint8 ErrHeader = 0xff;
constexpr quint8 LocalInfileHeader = 0xfb;
constexpr quint8 AuthMoreDataHeader = 0x01;
constexpr quint8 AuthSwitchHeader = 0xfe;

// Client-side error numbers (libmysqlclient's CR_*), used for failures found on this side.
namespace ClientError {
enum : quint16 {
    UnknownError = 2000,
    ConnectionError = 2002,    // unix socket
    ConnHostError = 2003,      // can't connect / timeout
    UnknownHost = 2005,
    ServerGoneError = 2006,
    OutOfMemory = 2008,
    WrongHostInfo = 2009,
    ServerHandshakeError = 2012,
    ServerLost = 2013,
    CommandsOutOfSync = 2014,
    SslConnectionError = 2026,
    MalformedPacket = 2027,
    AuthPluginCannotLoad = 2059,
    AuthPluginError = 2061,
};
}

//! Collation numbers the handshake can announce directly (every character set's default
//! collation is in charsets.cpp).
namespace Collation {
enum : quint8 {
    Binary = 63,
    Utf8mb4GeneralCi = 45,
};
}

} // namespace AsyncMySql::Protocol
