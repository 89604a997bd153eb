// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QLoggingCategory>

namespace AsyncMySql {
Q_DECLARE_LOGGING_CATEGORY(lcConnection) // "asyncmysql.connection": connects, closes, failures
Q_DECLARE_LOGGING_CATEGORY(lcQuery)      // "asyncmysql.query": every statement when echo is on
Q_DECLARE_LOGGING_CATEGORY(lcProtocol)   // "asyncmysql.protocol": packet-level detail (debug)
Q_DECLARE_LOGGING_CATEGORY(lcPool)       // "asyncmysql.pool": connections opened, replaced, closed
Q_DECLARE_LOGGING_CATEGORY(lcModel)      // "asyncmysql.model": ResultModel loads, batches, errors
Q_DECLARE_LOGGING_CATEGORY(lcUnobserved) // "asyncmysql.unobserved": failures nobody read (warning)
} // namespace AsyncMySql
