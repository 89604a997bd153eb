// SPDX-License-Identifier: MIT
#pragma once

#include <AsyncMySql/Converters.h>
#include <AsyncMySql/global.h>

#include <QtCore/QString>
#include <QtCore/QUrl>
#include <QtNetwork/QSslConfiguration>

#include <chrono>
#include <optional>

namespace AsyncMySql {

/*!
    TLS settings (aiomysql ssl=..., MySQL's --ssl-mode).

    Over TCP with a mode other than Disabled, open() reads ca, cert and key before it connects:
    a file that cannot be read or holds no PEM certificate / private key, or a cert without a
    key (or a key without a cert), fails open() with OperationalError 2026 naming the file, and
    nothing is sent. Over a unix socket TLS is never used and the files are not read.
*/
struct SslOptions
{
    enum class Mode {
        /*! Not chosen: VerifyIdentity when ca is given (as PyMySQL does with a CA); with a
            configuration, what its peerVerifyMode says (VerifyPeer / AutoVerifyPeer: the
            chain and host name are verified and TLS is required; otherwise as Preferred, and
            its peerVerifyMode is kept); else Preferred. */
        Default,
        Disabled,       //!< never TLS
        Preferred,      //!< TLS when the server offers it, without certificate checks
        Required,       //!< TLS or fail, without certificate checks
        VerifyCa,       //!< TLS, the server's chain must verify against ca
        VerifyIdentity, //!< VerifyCa plus the host name must match the certificate
    };
    Mode mode = Mode::Default;
    QString ca, cert, key; //!< PEM file paths
    /*! A complete configuration; wins over ca/cert/key when set (they are then not read). A
        mode other than Default overrides its peerVerifyMode. */
    std::optional<QSslConfiguration> configuration;
};

/*! Every aiomysql.connect() keyword, camelCased. */
struct ASYNCMYSQL_EXPORT ConnectOptions
{
    QString host = QStringLiteral("localhost");
    quint16 port = 3306;
    QString unixSocket; //!< if set, connect through this unix socket instead of TCP
    QString user;
    QString password;
    QString database;   //!< aiomysql: db
    /*! The client character set (MySQL's name, case-insensitive): utf8mb4, utf8mb3/utf8, latin1
        (cp1252), ascii, binary, or any other MariaDB client set Qt can convert (cp1250,
        koi8r, gbk, big5, sjis, ujis, ... listed in the README). Others make open() fail with
        NotSupportedError. */
    QString charset = QStringLiteral("utf8mb4");
    QString sqlMode;     //!< if set: SET sql_mode after connecting
    QString initCommand; //!< if set: run after connecting
    /*! A MySQL option file (my.cnf) read on every open(): its [client] group, then
        [readDefaultGroup], set host, port, user, password, database, socket,
        default-character-set, init-command, connect-timeout, ssl-ca/-cert/-key/-mode for every
        option left at its default here (explicit options win). */
    QString readDefaultFile, readDefaultGroup;
    std::chrono::milliseconds connectTimeout{10000}; //!< covers TCP, TLS and authentication
    /*! If not zero: a query without its result after this long fails with OperationalError
        3024, and the server is told to stop it (as QFuture::cancel() does). Cursors may set
        their own (Cursor::setQueryTimeout). */
    std::chrono::milliseconds queryTimeout{0};
    /*! The session's autocommit mode, set after connecting (and after a reconnect or
        Connection::resetConnection()). false (aiomysql's default) or true: SET AUTOCOMMIT
        after initCommand, unless the server's mode is that already (and no initCommand could
        have changed it). std::nullopt (aiomysql autocommit=None) leaves the session as the
        server (and initCommand) set it up: the server's @@autocommit. */
    std::optional<bool> autocommit = false;
    bool echo = false;       //!< log every statement (category asyncmysql.query) and emit queryLogged
    /*! Allows LOAD DATA LOCAL INFILE (off by default: the server names the file, so a
        hostile server could ask for any file the program can read). */
    bool localInfile = false;
    //! If set, LOAD DATA LOCAL may only read files inside this directory.
    QString localInfileDirectory;
    SslOptions ssl;
    /*! The plugin to answer the handshake with (mysql_native_password, caching_sha2_password,
        sha256_password, mysql_clear_password, client_ed25519) instead of the server's default. */
    QString authPlugin;
    QString programName;
    //! PEM RSA public key of the server for sha256_password / caching_sha2_password without
    //! TLS; if empty, the key is requested from the server.
    QByteArray serverPublicKey;
    //! Lets mysql_clear_password send the password over a connection that is neither TLS nor
    //! a unix socket.
    bool allowCleartextPassword = false;
    /*! Lets one query() or Cursor::execute() hold several statements separated by `;`
        (CLIENT_MULTI_STATEMENTS); Cursor::nextSet() moves through their results. Off by
        default, unlike aiomysql: with it, a parameter interpolated wrongly (or SQL built by
        hand) can append statements of its own ("stacked queries"), so an injection becomes
        DROP TABLE instead of a wrong WHERE. Off, the server rejects a `;` followed by another
        statement with ProgrammingError 1064. Cursor::callProc() and executeMany() do not need it. */
    bool multiStatements = false;
    quint32 clientFlag = 0; //!< extra capability flags (CLIENT_MULTI_STATEMENTS here works as multiStatements)
    enum class Compression { None, Zlib, Zstd } compression = Compression::None;
    int zstdLevel = 3;
    CursorType cursorType = CursorType::Buffered; //!< default of Connection::cursor()
    /*! How many prepared statements Connection::queryPrepared() and Cursor::executePrepared()
        keep per connection (least recently used ones are closed first); 0: none, every call
        prepares and closes its statement. */
    int statementCacheSize = 256;
    Converters converters; //!< user decoders per column type and encoders per parameter type

    /*! mysql://user:password@host:port/database?option=value... Options: ssl-mode
        (disabled, preferred, required, verify-ca, verify-identity), ssl-ca, ssl-cert, ssl-key,
        charset, unix-socket (or socket), connect-timeout (seconds), autocommit (true/false;
        none, default or empty for std::nullopt), multi-statements (true/false), init-command,
        sql-mode, local-infile, program-name, auth-plugin, allow-cleartext-password
        (true/false), compression (zlib, zstd), read-default-file, read-default-group,
        local-infile-directory, query-timeout (seconds), statement-cache-size.
        Unknown options are ignored with a warning, and so is a timeout that is no number from
        0 to INT_MAX milliseconds (about 24.8 days). */
    static ConnectOptions fromUrl(const QUrl &url);
};

} // namespace AsyncMySql
