// SPDX-License-Identifier: MIT
// The examples' default server: the throw-away MariaDB of scripts/testserver.sh, whose address
// and test user come in the ASYNCMYSQL_TEST_* variables (scripts/run-example.sh sets them).
#pragma once

#include <AsyncMySql/ConnectOptions.h>

inline AsyncMySql::ConnectOptions testServerOptions()
{
    AsyncMySql::ConnectOptions o;
    o.host = qEnvironmentVariable("ASYNCMYSQL_TEST_HOST", QStringLiteral("127.0.0.1"));
    o.port = quint16(qEnvironmentVariableIntValue("ASYNCMYSQL_TEST_PORT"));
    if (o.port == 0)
        o.port = 3306;
    o.user = qEnvironmentVariable("ASYNCMYSQL_TEST_USER", QStringLiteral("root"));
    o.password = qEnvironmentVariable("ASYNCMYSQL_TEST_PASSWORD");
    o.database = qEnvironmentVariable("ASYNCMYSQL_TEST_DB", QStringLiteral("test"));
    return o;
}
