// SPDX-License-Identifier: MIT
// Client-side parameter interpolation with Python's % semantics, as aiomysql does it.
#pragma once

#include "values_p.h"

namespace AsyncMySql {

/*! Writes \a sql to \a out with each %s replaced by the literal of the next of \a args and
    each %% by %. Empty \a args: the SQL is written unchanged. */
bool interpolate(SqlWriter &out, QStringView sql, const QVariantList &args, ErrorInfo &error);
/*!
    A %s query template taken apart once: its text encoded, split at the placeholders. A
    program runs the same few statements again and again; a connection keeps the last one it
    interpolated, so the next run of it only compares the text and writes the pieces and the
    literals (no scan, no encoding of the text).
*/
class SqlTemplate
{
public:
    /*! Takes \a sql apart for \a encoding; false (and empty) if it is not a plain %s
        template: interpolate() then reports the error. */
    bool parse(const QString &sql, TextEncoding encoding);
    bool isValid() const { return !m_ends.isEmpty(); }
    bool matches(const QString &sql, TextEncoding encoding) const { return isValid() && m_encoding == encoding && m_sql == sql; }
    qsizetype placeholderCount() const { return m_ends.size() - 1; }
    //! The text with \a args in place of the placeholders (as many as placeholderCount()).
    bool write(SqlWriter &out, const QVariantList &args, ErrorInfo &error) const;

private:
    QString m_sql; //!< as given: shares the caller's data
    TextEncoding m_encoding = TextEncoding::Utf8;
    QByteArray m_text;       //!< the text between the placeholders, encoded, back to back
    QList<qsizetype> m_ends; //!< where each piece of m_text ends; a placeholder follows all but the last
};

/*! interpolate() into a COM_QUERY packet: starts \a out (SqlWriter::startCommand()), with
    room for the usual query in one allocation. With \a cache, a template it holds is not
    taken apart again; another one replaces it. */
bool interpolateCommand(SqlWriter &out, const QString &sql, const QVariantList &args, ErrorInfo &error,
                        SqlTemplate *cache = nullptr);
//! The same with %(name)s placeholders taken from \a args.
bool interpolate(SqlWriter &out, QStringView sql, const QVariantMap &args, ErrorInfo &error);
//! Writes \a sql that takes no arguments: %% becomes %, any placeholder is a ProgrammingError.
bool interpolateText(SqlWriter &out, QStringView sql, ErrorInfo &error);

} // namespace AsyncMySql
