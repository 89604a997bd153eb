// SPDX-License-Identifier: MIT
#include "connectoptions_p.h"

#include "logging_p.h"

#include <QtCore/QUrlQuery>
#include <QtNetwork/QSslSocket>

#include <climits>

namespace AsyncMySql {

namespace {

bool parseBool(const QString &v)
{
    const QString l = v.toLower();
    return l == u"1" || l == u"true" || l == u"yes" || l == u"on";
}

} // namespace

std::optional<SslOptions::Mode> parseSslMode(const QString &v)
{
    const QString l = v.toLower().replace(QLatin1Char('_'), QLatin1Char('-'));
    if (l == u"disabled" || l == u"disable") return SslOptions::Mode::Disabled;
    if (l == u"preferred" || l == u"prefer") return SslOptions::Mode::Preferred;
    if (l == u"required" || l == u"require") return SslOptions::Mode::Required;
    if (l == u"verify-ca") return SslOptions::Mode::VerifyCa;
    if (l == u"verify-identity" || l == u"verify-full") return SslOptions::Mode::VerifyIdentity;
    return std::nullopt;
}

std::optional<std::chrono::milliseconds> parseTimeoutSeconds(const QString &value)
{
    bool ok = false;
    const double ms = value.toDouble(&ok) * 1000;
    // Written so that NaN fails too.
    if (!ok || !(ms >= 0 && ms <= double(INT_MAX)))
        return std::nullopt;
    return std::chrono::milliseconds(qint64(ms));
}

SslOptions::Mode effectiveSslMode(const SslOptions &ssl)
{
    if (ssl.mode != SslOptions::Mode::Default)
        return ssl.mode;
    if (ssl.configuration) {
        // The configuration asks for verification (Qt's client default, AutoVerifyPeer, too):
        // falling back to plain text would drop the check it asked for.
        const QSslSocket::PeerVerifyMode v = ssl.configuration->peerVerifyMode();
        return v == QSslSocket::VerifyPeer || v == QSslSocket::AutoVerifyPeer ? SslOptions::Mode::VerifyIdentity
                                                                              : SslOptions::Mode::Preferred;
    }
    // A CA is only given to check the server against it (PyMySQL verifies chain and name then).
    return ssl.ca.isEmpty() ? SslOptions::Mode::Preferred : SslOptions::Mode::VerifyIdentity;
}

ConnectOptions ConnectOptions::fromUrl(const QUrl &url)
{
    ConnectOptions o;
    if (url.scheme() != u"mysql" && url.scheme() != u"mariadb" && !url.scheme().isEmpty())
        qCWarning(lcConnection) << "unexpected URL scheme" << url.scheme() << "(use mysql://)";
    if (!url.host().isEmpty())
        o.host = url.host();
    o.port = quint16(url.port(3306));
    o.user = url.userName(QUrl::FullyDecoded);
    o.password = url.password(QUrl::FullyDecoded);
    QString path = url.path(QUrl::FullyDecoded);
    if (path.startsWith(QLatin1Char('/')))
        path.remove(0, 1);
    o.database = path;

    const QUrlQuery query(url);
    for (const auto &[rawKey, rawValue] : query.queryItems(QUrl::FullyDecoded)) {
        const QString key = QString(rawKey).toLower().replace(QLatin1Char('_'), QLatin1Char('-'));
        const QString &value = rawValue;
        if (key == u"ssl-mode" || key == u"sslmode") {
            if (auto mode = parseSslMode(value))
                o.ssl.mode = *mode;
            else
                qCWarning(lcConnection) << "unknown ssl-mode" << value;
        } else if (key == u"ssl-ca") {
            o.ssl.ca = value;
        } else if (key == u"ssl-cert") {
            o.ssl.cert = value;
        } else if (key == u"ssl-key") {
            o.ssl.key = value;
        } else if (key == u"charset") {
            o.charset = value;
        } else if (key == u"unix-socket" || key == u"socket") {
            o.unixSocket = value;
        } else if (key == u"connect-timeout" || key == u"query-timeout") {
            if (const auto timeout = parseTimeoutSeconds(value))
                (key == u"connect-timeout" ? o.connectTimeout : o.queryTimeout) = *timeout;
            else
                qCWarning(lcConnection) << "ignoring invalid" << key << value;
        } else if (key == u"autocommit") {
            // aiomysql autocommit=None: keep the server's default.
            const QString l = value.toLower();
            if (l.isEmpty() || l == u"none" || l == u"null" || l == u"default")
                o.autocommit = std::nullopt;
            else
                o.autocommit = parseBool(value);
        } else if (key == u"statement-cache-size") {
            bool ok = false;
            const int size = value.toInt(&ok);
            if (ok && size >= 0)
                o.statementCacheSize = size;
            else
                qCWarning(lcConnection) << "ignoring invalid" << key << value;
        } else if (key == u"multi-statements") {
            o.multiStatements = parseBool(value);
        } else if (key == u"init-command") {
            o.initCommand = value;
        } else if (key == u"sql-mode") {
            o.sqlMode = value;
        } else if (key == u"local-infile") {
            o.localInfile = parseBool(value);
        } else if (key == u"local-infile-directory") {
            o.localInfileDirectory = value;
        } else if (key == u"program-name") {
            o.programName = value;
        } else if (key == u"auth-plugin") {
            o.authPlugin = value;
        } else if (key == u"read-default-file") {
            o.readDefaultFile = value;
        } else if (key == u"read-default-group") {
            o.readDefaultGroup = value;
        } else if (key == u"allow-cleartext-password") {
            o.allowCleartextPassword = parseBool(value);
        } else if (key == u"echo") {
            o.echo = parseBool(value);
        } else if (key == u"compression") {
            const QString l = value.toLower();
            o.compression = l == u"zstd" ? Compression::Zstd : l == u"zlib" ? Compression::Zlib : Compression::None;
        } else {
            qCWarning(lcConnection) << "ignoring unknown connection URL option" << rawKey;
        }
    }
    return o;
}

} // namespace AsyncMySql
