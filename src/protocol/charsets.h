// SPDX-License-Identifier: MIT
// The client character sets: MySQL's name, the collation the handshake announces, and how the
// text is converted. UTF-8 and latin1 (cp1252) have their own fast paths (values.cpp); every
// other character set goes through Qt's converters, which on Debian's Qt 6.4 are ICU's.
#pragma once

#include "resultdata.h"

#include <QtCore/QByteArrayView>
#include <QtCore/QString>

#include <span>

namespace AsyncMySql::Protocol {

//! A byte of a single-byte character set that the server reads as another character than
//! ICU's table says (found by comparing CONVERT(... USING utf8mb4) on MariaDB 10.11 with ICU).
struct ByteMapping
{
    quint8 byte;
    char16_t codePoint;
};

//! A character of a multi-byte set that the server reads as another character than ICU does:
//! ICU decodes the bytes to \c icu, the server to \c server.
struct CharMapping
{
    char16_t icu;
    char16_t server;
};

struct Charset
{
    const char *name;   //!< MySQL's name, lower case
    quint8 collation;   //!< the character set's default collation id (MariaDB 10.11)
    quint8 maxBytes;    //!< bytes per character at most
    //! A multi-byte character may end in 0x5C (gbk, big5, sjis, cp932): escaping must work on
    //! characters, and bytes go as X'..' hex literals (a raw lead byte would swallow the
    //! backslash of the escape after it).
    bool backslashInMultibyte;
    //! The Qt (ICU) converter; nullptr for the fast paths.
    const char *codec;
    //! How text in this character set is converted: Utf8 or Latin1 for the fast paths, else
    //! the charset's own value (its index in charsets()).
    TextEncoding encoding;
    //! Single-byte sets only: where the server's table differs from ICU's.
    std::span<const ByteMapping> byteFixes = {};
    //! Multi-byte sets only: where the server's table differs from ICU's. Applied to what ICU
    //! decodes, and the other way round before encoding - except that an ASCII character is
    //! always written as itself (the escaping relies on it).
    std::span<const CharMapping> charFixes = {};
};

//! Every character set a connection can use, in the order TextEncoding values index.
std::span<const Charset> charsets();
//! The character set called \a name (case-insensitive, "utf8" is utf8mb3), or nullptr.
const Charset *findCharset(QStringView name);
//! The character set \a encoding belongs to (for Utf8 utf8mb4, for Latin1 latin1).
const Charset &charsetFor(TextEncoding encoding);
//! Why \a name cannot be a client character set, for a NotSupportedError.
QString unsupportedCharsetMessage(QStringView name);

//! Text in a character set converted by Qt (not one of the fast paths). Characters the set
//! cannot hold become '?', as the server itself converts them. Thread-safe: multi-byte sets
//! use one converter per thread, single-byte sets a table built once.
QString decodeConverted(QByteArrayView bytes, TextEncoding encoding);
QByteArray encodeConverted(QStringView text, TextEncoding encoding);
//! A name in a column definition (column, table, schema) in any of the sets, latin1 too.
QString decodeName(QByteArrayView bytes, TextEncoding encoding);

} // namespace AsyncMySql::Protocol
