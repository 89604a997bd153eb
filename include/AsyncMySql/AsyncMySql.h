// SPDX-License-Identifier: MIT
// Umbrella header: #include <AsyncMySql/AsyncMySql.h>
#pragma once

#include <AsyncMySql/global.h>
#include <AsyncMySql/Arguments.h>
#include <AsyncMySql/Error.h>
#include <AsyncMySql/Decimal.h>
#include <AsyncMySql/Types.h>
#include <AsyncMySql/Column.h>
#include <AsyncMySql/Row.h>
#include <AsyncMySql/ResultSet.h>
#include <AsyncMySql/PreparedStatement.h>
#include <AsyncMySql/Batch.h>
#include <AsyncMySql/ConnectOptions.h>
#include <AsyncMySql/Converters.h>
#include <AsyncMySql/Transaction.h>
#include <AsyncMySql/Connection.h>
#include <AsyncMySql/Cursor.h>
#include <AsyncMySql/Pool.h>
#include <AsyncMySql/ResultModel.h>
