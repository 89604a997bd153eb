// SPDX-License-Identifier: MIT
// The `?` placeholders of a prepared statement's SQL, found as the server finds them: outside
// string literals, quoted identifiers and comments.
#pragma once

#include "values_p.h"

namespace AsyncMySql {

/*! Writes \a sql to \a out with each `?` placeholder replaced by the literal of the next of
    \a args: the text protocol's form of a prepared statement (used when the server has no room
    for another prepared statement). `?` inside '...', "...", `...` and comments (-- , #,
    slash-star) is text; inside MariaDB's executable comments it is a placeholder, as the
    server reads those as SQL. \a noBackslashEscapes: backslashes do not escape in strings (the
    sql_mode of that name). ProgrammingError if the placeholders and \a args do not pair up. */
bool writeWithPlaceholders(SqlWriter &out, QStringView sql, const QVariantList &args, bool noBackslashEscapes,
                           ErrorInfo &error);

//! The number of `?` placeholders in \a sql (as above).
qsizetype placeholderCount(QStringView sql, bool noBackslashEscapes);

} // namespace AsyncMySql
