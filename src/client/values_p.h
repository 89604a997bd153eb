// SPDX-License-Identifier: MIT
// Type conversion both ways: text-protocol bytes to QVariant, QVariant to SQL literals.
#pragma once

#include "../protocol/resultdata.h"
#include "errors_p.h"

#include <QtCore/QByteArray>
#include <QtCore/QVariant>

#include <optional>

namespace AsyncMySql {

//! How values of \a column decode (ResultMeta::finalize() calls it once per column).
ValueKind valueKindFor(const Column &column);
//! Decodes one text-protocol value (never NULL: callers check that first).
QVariant decodeTextValue(ValueKind kind, const char *data, qsizetype size, TextEncoding encoding);

/*! Decodes one binary-protocol value (never NULL) of \a layout into the same value the text
    protocol gives for \a kind. A FLOAT becomes the double nearest to its shortest decimal form
    (what the server's text for it reads as: 0.1, not 0.100000001490116). */
QVariant decodeBinaryValue(ValueKind kind, BinaryLayout layout, const char *data, qsizetype size, TextEncoding encoding);
//! A binary-protocol integer cell of \a layout (Int8..UInt64) as qint64 (UInt64 wraps); false for other layouts.
bool binaryInteger(BinaryLayout layout, const char *data, qint64 &value);
//! A binary-protocol FLOAT or DOUBLE cell; false for other layouts.
bool binaryFloating(BinaryLayout layout, const char *data, double &value);

//! Bytes of \a text in the connection's encoding.
QByteArray encodeText(QStringView text, TextEncoding encoding);
QString decodeText(QByteArrayView bytes, TextEncoding encoding);

/*! Writes SQL: plain text and literals for parameters, in the connection's encoding and
    escaping mode. Binary parameters are written as _binary'...' byte strings. */
class SqlWriter
{
public:
    //! \a converters (if given) must outlive the writer.
    SqlWriter(TextEncoding encoding, bool noBackslashEscapes, const Converters *converters = nullptr);

    /*! For SQL handed out as a QString (Connection::escape(), Cursor::mogrify()): byte arrays
        are written as _binary X'hex' literals, which survive the decoding into text, instead
        of _binary'...' with their raw bytes (half the size, what goes to the server). */
    void setBytesAsHex(bool on) { m_bytesAsHex = on; }

    void appendText(QStringView sql);
    //! Appends \a sql that is in the connection's encoding already.
    void appendEncoded(QByteArrayView sql) { m_out.append(sql); }
    TextEncoding encoding() const { return m_encoding; }
    //! Appends the literal for \a value; false (with \a error set) for values that cannot be one.
    bool appendLiteral(const QVariant &value, ErrorInfo &error);
    //! Appends \a bytes escaped, without quotes (byte-wise: safe only where no multi-byte
    //! character holds an ASCII byte; text goes through appendEscapedText()).
    void appendEscaped(QByteArrayView bytes);
    /*! Appends \a text escaped and encoded, without quotes; safe in every character set. In
        gbk, big5, sjis and cp932 a multi-byte character can end in 0x5C: there the characters
        are escaped before they are encoded, so no backslash is ever added after a lead byte
        (where the server would read the two as one character). */
    void appendEscapedText(QStringView text);

    /*! Leaves room for a command packet's header and command byte before the SQL (call it
        first), and reserves \a sqlSize bytes after it: takeCommand() then frames the packet
        where the SQL was written, no copy. */
    void startCommand(qsizetype sqlSize = 0);
    /*! Writes into \a buffer's block (emptied first) if nothing else shares it: a finished
        query's packet, so that a connection running query after query allocates none. Call
        before writing anything. */
    void reuse(QByteArray buffer);
    //! Room for \a bytes more without growing again.
    void reserve(qsizetype bytes) { m_out.reserve(m_out.size() + bytes); }
    //! The SQL written so far (without the room of startCommand()).
    QByteArrayView sql() const { return QByteArrayView(m_out).sliced(m_sqlStart); }
    //! After startCommand(): the framed packet (Protocol::frameCommand()).
    QByteArray takeCommand(quint8 command, quint8 *nextSeq);

    QByteArray &result() { return m_out; }
    QByteArray take() { return std::move(m_out); }

private:
    template<typename Integer>
    void appendNumber(Integer n);
    void appendQuoted(QByteArrayView bytes);
    void appendQuotedText(QStringView text);
    void appendQuotedUtf8(QByteArrayView utf8);
    struct LiteralSink;

    QByteArray m_out;
    qsizetype m_sqlStart = 0; //!< where the SQL starts in m_out (after startCommand()'s room)
    const Converters *m_converters;
    TextEncoding m_encoding;
    bool m_noBackslashEscapes;
    bool m_bytesAsHex = false;
    bool m_escapeCharacters; //!< appendEscapedText() escapes characters, bytes go as X'..'
};

} // namespace AsyncMySql
