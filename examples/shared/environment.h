// SPDX-License-Identifier: MIT
// Where the examples connect: a mysql:// URL given on the command line, else the
// ASYNCMYSQL_TEST_* variables of scripts/testserver.sh.
#pragma once

#include <AsyncMySql/ConnectOptions.h>

#include <QtCore/QUrl>

namespace Example {

inline QUrl urlFromEnvironment()
{
    QUrl url;
    url.setScheme(QStringLiteral("mysql"));
    url.setHost(qEnvironmentVariable("ASYNCMYSQL_TEST_HOST", QStringLiteral("127.0.0.1")));
    const int port = qEnvironmentVariableIntValue("ASYNCMYSQL_TEST_PORT");
    url.setPort(port ? port : 3306);
    url.setUserName(qEnvironmentVariable("ASYNCMYSQL_TEST_USER", QStringLiteral("root")));
    url.setPassword(qEnvironmentVariable("ASYNCMYSQL_TEST_PASSWORD"));
    url.setPath(QLatin1Char('/') + qEnvironmentVariable("ASYNCMYSQL_TEST_DB", QStringLiteral("test")));
    return url;
}

//! \a argument if it is a URL, else the test server's.
inline QUrl databaseUrl(const QString &argument)
{
    return argument.isEmpty() ? urlFromEnvironment() : QUrl(argument);
}

inline AsyncMySql::ConnectOptions connectOptions(const QString &argument)
{
    AsyncMySql::ConnectOptions options = AsyncMySql::ConnectOptions::fromUrl(databaseUrl(argument));
    options.autocommit = true;
    return options;
}

} // namespace Example
