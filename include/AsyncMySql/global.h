// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/qglobal.h>

#if defined(ASYNCMYSQL_STATIC)
#  define ASYNCMYSQL_EXPORT
#elif defined(ASYNCMYSQL_BUILDING_LIBRARY)
#  define ASYNCMYSQL_EXPORT Q_DECL_EXPORT
#else
#  define ASYNCMYSQL_EXPORT Q_DECL_IMPORT
#endif

namespace AsyncMySql {

//! How a Cursor hands out rows (aiomysql's cursorclass).
enum class CursorType {
    Buffered,      //!< Cursor: the whole result is read before execute() finishes
    Dict,          //!< DictCursor: like Buffered, rows keyed by column name (duplicates as "table.column")
    Streaming,     //!< SSCursor: rows are read from the server as they are fetched
    StreamingDict, //!< SSDictCursor
};

//! Cursor::scroll() modes (DB-API).
enum class ScrollMode { Relative, Absolute };

} // namespace AsyncMySql
