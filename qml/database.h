// SPDX-License-Identifier: MIT
#pragma once

#include <AsyncMySql/Pool.h>

#include <QtCore/QObject>
#include <QtCore/QUrl>
#include <QtQml/QJSValue>
#include <QtQml/qqmlregistration.h>

#include <memory>

namespace AsyncMySql {

class DatabasePrivate;

/*!
    QML: a database to query, as connection options plus the Pool they make.

    \qml
    Database {
        id: db
        url: "mysql://user:password@127.0.0.1:3306/shop"   // or host, port, user, ...
        maxSize: 4
    }
    SqlQueryModel { database: db; query: "SELECT id, name FROM items" }
    Button { onClicked: db.exec("INSERT INTO items (name) VALUES (%s)", [field.text])
                             .then(r => console.log("new id", r.lastInsertId),
                                   e => console.log(e.type, e.code, e.message)) }
    \endqml

    The pool is (re)made from a queued call after the properties change, so the properties
    set at creation make one pool. \c url, when set, gives the connection options and the
    separate host, port, unixSocket, user, password, database, sslMode and sslCa are not used;
    the pool sizes and autocommit apply either way. status is Connecting until a first
    connection is open (Ready) or failed to open (Error, with errorString).

    autocommit is on by default, unlike aiomysql: each exec() borrows a connection for one
    statement, and the pool rolls back a transaction left open when the connection comes back.
*/
class Database : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(QUrl url READ url WRITE setUrl NOTIFY urlChanged)
    Q_PROPERTY(QString host READ host WRITE setHost NOTIFY hostChanged)
    Q_PROPERTY(int port READ port WRITE setPort NOTIFY portChanged)
    Q_PROPERTY(QString unixSocket READ unixSocket WRITE setUnixSocket NOTIFY unixSocketChanged)
    Q_PROPERTY(QString user READ user WRITE setUser NOTIFY userChanged)
    Q_PROPERTY(QString password READ password WRITE setPassword NOTIFY passwordChanged)
    Q_PROPERTY(QString database READ database WRITE setDatabase NOTIFY databaseChanged)
    Q_PROPERTY(SslMode sslMode READ sslMode WRITE setSslMode NOTIFY sslModeChanged)
    Q_PROPERTY(QString sslCa READ sslCa WRITE setSslCa NOTIFY sslCaChanged)
    Q_PROPERTY(int minSize READ minSize WRITE setMinSize NOTIFY minSizeChanged)
    Q_PROPERTY(int maxSize READ maxSize WRITE setMaxSize NOTIFY maxSizeChanged)
    Q_PROPERTY(bool autocommit READ autocommit WRITE setAutocommit NOTIFY autocommitChanged)
    Q_PROPERTY(Status status READ status NOTIFY statusChanged)
    Q_PROPERTY(QString errorString READ errorString NOTIFY statusChanged)
    Q_PROPERTY(AsyncMySql::Pool *pool READ pool NOTIFY poolChanged)

public:
    enum class Status { Null, Connecting, Ready, Error };
    Q_ENUM(Status)
    //! SslOptions::Mode, for QML (Default: VerifyIdentity when sslCa is set, else Preferred).
    enum class SslMode { Default, Disabled, Preferred, Required, VerifyCa, VerifyIdentity };
    Q_ENUM(SslMode)

    explicit Database(QObject *parent = nullptr);
    ~Database() override;

    QUrl url() const;
    void setUrl(const QUrl &url);
    QString host() const;
    void setHost(const QString &host);
    int port() const;
    void setPort(int port);
    QString unixSocket() const;
    void setUnixSocket(const QString &path);
    QString user() const;
    void setUser(const QString &user);
    QString password() const;
    void setPassword(const QString &password);
    QString database() const;
    void setDatabase(const QString &database);
    SslMode sslMode() const;
    void setSslMode(SslMode mode);
    QString sslCa() const;
    void setSslCa(const QString &path);
    int minSize() const;
    void setMinSize(int size);
    int maxSize() const;
    void setMaxSize(int size);
    bool autocommit() const;
    void setAutocommit(bool on);

    Status status() const;
    QString errorString() const;
    //! The current pool; nullptr until the first one is made (see open()).
    Pool *pool() const;
    //! The options the next pool is made with.
    PoolOptions poolOptions() const;

    /*!
        Runs \a sql with \a arguments (an array for `%s`, an object for `%(name)s`, or one
        value) on a connection of the pool. Returns a JavaScript Promise that resolves to
        { rows, columns, rowCount, lastInsertId, warningCount } (rows: one object per row, keyed
        by column name) or rejects with an Error whose type ("IntegrityError", ...), code,
        sqlState and message are the library's error.
    */
    Q_INVOKABLE QJSValue exec(const QString &sql, const QJSValue &arguments = QJSValue());

public Q_SLOTS:
    //! Makes a new pool now from the current properties (the old one is closed).
    void open();

Q_SIGNALS:
    void urlChanged();
    void hostChanged();
    void portChanged();
    void unixSocketChanged();
    void userChanged();
    void passwordChanged();
    void databaseChanged();
    void sslModeChanged();
    void sslCaChanged();
    void minSizeChanged();
    void maxSizeChanged();
    void autocommitChanged();
    void statusChanged();
    void poolChanged();

private:
    friend class DatabasePrivate;
    std::unique_ptr<DatabasePrivate> d;
};

} // namespace AsyncMySql
