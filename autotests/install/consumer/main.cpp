// Builds as C++17 against the installed headers and runs without a server.
#include <AsyncMySql/AsyncMySql.h>

#include <QtCore/QCoreApplication>
#include <cstdio>

static_assert(__cplusplus == 201703L, "the consumer must build as C++17");

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const auto o = AsyncMySql::ConnectOptions::fromUrl(QUrl(QStringLiteral("mysql://u:p@h:3307/db?ssl-mode=required")));
    if (o.port != 3307 || o.ssl.mode != AsyncMySql::SslOptions::Mode::Required)
        return 1;
    const QVariant dt = QVariant::fromValue(AsyncMySql::DateTime(2024, 1, 2, 3, 4, 5, 6));
    if (dt.toString() != QStringLiteral("2024-01-02 03:04:05.000006"))
        return 2;
    // The installed Decimal.h: its converters are registered by the library.
    const QVariant price = QVariant::fromValue(AsyncMySql::Decimal::fromString("-12.50"));
    if (price.toString() != QStringLiteral("-12.50") || price.toDouble() != -12.5)
        return 5;
    AsyncMySql::Connection conn(o);
    if (!conn.isClosed() || conn.escape(QStringLiteral("it's")) != QStringLiteral("'it\\'s'"))
        return 3;
    try {
        AsyncMySql::IntegrityError(1062, QStringLiteral("23000"), QStringLiteral("dup")).raise();
    } catch (const AsyncMySql::DatabaseError &e) {
        std::printf("consumer ok %s\n", e.what());
        return 0;
    }
    return 4;
}
