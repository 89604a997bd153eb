// SPDX-License-Identifier: MIT
#include "logging_p.h"

namespace AsyncMySql {
Q_LOGGING_CATEGORY(lcConnection, "asyncmysql.connection", QtWarningMsg)
// Info by default: echo=true is an explicit request to see the statements.
Q_LOGGING_CATEGORY(lcQuery, "asyncmysql.query", QtInfoMsg)
Q_LOGGING_CATEGORY(lcProtocol, "asyncmysql.protocol", QtWarningMsg)
Q_LOGGING_CATEGORY(lcPool, "asyncmysql.pool", QtWarningMsg)
Q_LOGGING_CATEGORY(lcModel, "asyncmysql.model", QtWarningMsg)
Q_LOGGING_CATEGORY(lcUnobserved, "asyncmysql.unobserved", QtWarningMsg)
} // namespace AsyncMySql
