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

//! Bytes of \a text in the connection's encoding.
QByteArray encodeText(QStringView text, TextEncoding encoding);
QString decodeText(QByteArrayView bytes, TextEncoding encoding);

/*! Writes SQL: plain text and literals for parameters, in the connection's encoding and
    escaping mode. Binary parameters are written as _binary'...' byte strings. */
class SqlWriter
{
public:
    //! \a converters (if given) must outlive the writer.
    SqlWriter(TextEncoding encoding, bool noBackslashEscapes, const Converters *converters = nullptr)
        : m_converters(converters), m_encoding(encoding), m_noBackslashEscapes(noBackslashEscapes) { }

    /*! For SQL handed out as a QString (Connection::escape(), Cursor::mogrify()): byte arrays
        are written as _binary X'hex' literals, which survive the decoding into text, instead
        of _binary'...' with their raw bytes (half the size, what goes to the server). */
    void setBytesAsHex(bool on) { m_bytesAsHex = on; }

    void appendText(QStringView sql);
    //! Appends the literal for \a value; false (with \a error set) for values that cannot be one.
    bool appendLiteral(const QVariant &value, ErrorInfo &error);
    //! Appends \a bytes escaped, without quotes.
    void appendEscaped(QByteArrayView bytes);

    QByteArray &result() { return m_out; }
    QByteArray take() { return std::move(m_out); }

private:
    void appendQuoted(QByteArrayView bytes);
    bool appendBuiltinLiteral(const QVariant &value, ErrorInfo &error);

    QByteArray m_out;
    const Converters *m_converters;
    TextEncoding m_encoding;
    bool m_noBackslashEscapes;
    bool m_bytesAsHex = false;
};

} // namespace AsyncMySql
