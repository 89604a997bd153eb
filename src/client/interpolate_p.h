// SPDX-License-Identifier: MIT
// Client-side parameter interpolation with Python's % semantics, as aiomysql does it.
#pragma once

#include "values_p.h"

namespace AsyncMySql {

/*! Writes \a sql to \a out with each %s replaced by the literal of the next of \a args and
    each %% by %. Empty \a args: the SQL is written unchanged. */
bool interpolate(SqlWriter &out, QStringView sql, const QVariantList &args, ErrorInfo &error);
//! The same with %(name)s placeholders taken from \a args.
bool interpolate(SqlWriter &out, QStringView sql, const QVariantMap &args, ErrorInfo &error);
//! Writes \a sql that takes no arguments: %% becomes %, any placeholder is a ProgrammingError.
bool interpolateText(SqlWriter &out, QStringView sql, ErrorInfo &error);

} // namespace AsyncMySql
