// SPDX-License-Identifier: MIT
// Connecting over verified TLS, as a managed cloud database wants it:
//
//   tls 'mysql://user:password@host/db?ssl-mode=verify-identity&ssl-ca=/path/to/ca.pem'
//
// The URL carries everything: ssl-mode (disabled, preferred, required, verify-ca,
// verify-identity), ssl-ca, and for servers that want a client certificate ssl-cert and
// ssl-key. Without a URL, one is built for the throw-away server of scripts/testserver.sh
// (ASYNCMYSQL_TEST_* variables) and its generated CA.
//
// Prints what the server says of the session: its TLS version and cipher.

#include <AsyncMySql/AsyncMySql.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QTextStream>
#include <QtCore/QUrlQuery>

using namespace AsyncMySql;

static QUrl urlFromEnvironment()
{
    QUrl url;
    url.setScheme(QStringLiteral("mysql"));
    url.setHost(qEnvironmentVariable("ASYNCMYSQL_TEST_HOST", QStringLiteral("127.0.0.1")));
    url.setPort(qEnvironmentVariableIntValue("ASYNCMYSQL_TEST_PORT"));
    url.setUserName(qEnvironmentVariable("ASYNCMYSQL_TEST_USER"));
    url.setPassword(qEnvironmentVariable("ASYNCMYSQL_TEST_PASSWORD"));
    url.setPath(QLatin1Char('/') + qEnvironmentVariable("ASYNCMYSQL_TEST_DB"));
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("ssl-mode"), QStringLiteral("verify-identity"));
    query.addQueryItem(QStringLiteral("ssl-ca"), qEnvironmentVariable("ASYNCMYSQL_TEST_SSL_DIR") + QStringLiteral("/ca.pem"));
    url.setQuery(query);
    return url;
}

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QTextStream out(stdout);
    const QUrl url = app.arguments().size() > 1 ? QUrl(app.arguments().at(1)) : urlFromEnvironment();

    auto *conn = new Connection(ConnectOptions::fromUrl(url), &app);
    conn->open()
            .then(&app, [conn] {
                return conn->query(QStringLiteral("SHOW SESSION STATUS WHERE Variable_name IN ('Ssl_version', 'Ssl_cipher')"));
            })
            .unwrap()
            .then(&app, [&out, conn](const ResultSet &status) {
                out << "connected to " << conn->host() << ':' << conn->port() << " (" << conn->serverVersion() << ")\n";
                for (const Row &row : status.rows())
                    out << "  " << row.value(0).toString() << ": " << row.value(1).toString() << '\n';
                // The client's side of the same session.
                out << "  encrypted: " << (conn->isEncrypted() ? "yes" : "no") << ", cipher "
                    << conn->sslCipher().name() << " (" << conn->sslCipher().protocolString() << ")\n";
                out.flush();
                return conn->ensureClosed();
            })
            .unwrap()
            .then(&app, [] { QCoreApplication::exit(0); })
            .onFailed(&app, [&out](const Error &e) {
                // A failed certificate check lands here as an OperationalError (2026).
                out << "error: " << e.toString() << '\n';
                out.flush();
                QCoreApplication::exit(1);
            });
    return app.exec();
}
