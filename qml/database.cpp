// SPDX-License-Identifier: MIT
#include "database.h"

#include "jsbridge_p.h"

#include "../src/client/async_p.h"
#include "../src/client/queuedcall_p.h"

#include <AsyncMySql/Cursor.h>

#include <QtCore/QLoggingCategory>
#include <QtCore/QPointer>
#include <QtQml/QQmlEngine>
#include <QtQml/QQmlInfo>

namespace AsyncMySql {

namespace {

// Its own category: the library's (src/client/logging_p.h) are not exported to this module.
Q_LOGGING_CATEGORY(lcQml, "asyncmysql.qml", QtWarningMsg)

//! What exec() resolves with, gathered before the connection goes back.
struct ExecResult
{
    QList<Column> columns;
    QList<Row> rows;
    qint64 rowCount = 0;
    quint64 lastInsertId = 0;
    int warningCount = 0;
};

QJSValue toJs(QJSEngine *engine, const ExecResult &r)
{
    QStringList names;
    for (const Column &c : r.columns)
        names.append(c.name());
    QVariantList rows;
    rows.reserve(r.rows.size());
    for (const Row &row : r.rows) {
        QVariantMap object;
        for (int i = 0; i < names.size(); ++i) {
            if (!object.contains(names.at(i))) // the first of two equal names, as the models do
                object.insert(names.at(i), qmlValue(row.value(i)));
        }
        rows.append(object);
    }
    QJSValue result = engine->newObject();
    result.setProperty(QStringLiteral("rows"), engine->toScriptValue(rows));
    result.setProperty(QStringLiteral("columns"), engine->toScriptValue(names));
    result.setProperty(QStringLiteral("rowCount"), double(r.rowCount));
    result.setProperty(QStringLiteral("lastInsertId"), double(r.lastInsertId));
    result.setProperty(QStringLiteral("warningCount"), r.warningCount);
    return result;
}

} // namespace

class DatabasePrivate
{
public:
    explicit DatabasePrivate(Database *qq) : q(qq), openCall(qq, [this] { q->open(); }) { }

    //! Sets \a field and makes a new pool soon, if \a value differs.
    template<typename T>
    void update(T &field, const T &value, void (Database::*changed)())
    {
        if (field == value)
            return;
        field = value;
        Q_EMIT(q->*changed)();
        scheduleOpen();
    }
    void scheduleOpen();
    void closePool();
    void setStatus(Database::Status status, const QString &error = QString());

    Database *q;
    QUrl url;
    QString host = QStringLiteral("localhost");
    int port = 3306;
    QString unixSocket, user, password, database, sslCa;
    Database::SslMode sslMode = Database::SslMode::Default;
    int minSize = 1;
    int maxSize = 10;
    bool autocommit = true;

    Database::Status status = Database::Status::Null;
    QString errorString;
    QPointer<Pool> pool;
    QueuedCall openCall; // one new pool for a burst of option changes; open() cancels it
};

void DatabasePrivate::scheduleOpen()
{
    openCall.schedule();
}

void DatabasePrivate::closePool()
{
    Pool *old = pool.data();
    if (!old)
        return;
    pool.clear();
    // Lent connections too: the models using the old pool are told to move on by poolChanged.
    old->terminate();
    thenGuarded(old->waitClosed(), old, [](Pool *closed) { closed->deleteLater(); });
}

void DatabasePrivate::setStatus(Database::Status s, const QString &error)
{
    if (status == s && errorString == error)
        return;
    status = s;
    errorString = error;
    Q_EMIT q->statusChanged();
}

// ---------------------------------------------------------------------------------------------

Database::Database(QObject *parent) : QObject(parent), d(std::make_unique<DatabasePrivate>(this)) { }

Database::~Database() = default; // the pool is a child: it closes its connections

QUrl Database::url() const { return d->url; }
void Database::setUrl(const QUrl &url) { d->update(d->url, url, &Database::urlChanged); }
QString Database::host() const { return d->host; }
void Database::setHost(const QString &host) { d->update(d->host, host, &Database::hostChanged); }
int Database::port() const { return d->port; }
void Database::setPort(int port) { d->update(d->port, port, &Database::portChanged); }
QString Database::unixSocket() const { return d->unixSocket; }
void Database::setUnixSocket(const QString &path) { d->update(d->unixSocket, path, &Database::unixSocketChanged); }
QString Database::user() const { return d->user; }
void Database::setUser(const QString &user) { d->update(d->user, user, &Database::userChanged); }
QString Database::password() const { return d->password; }
void Database::setPassword(const QString &password) { d->update(d->password, password, &Database::passwordChanged); }
QString Database::database() const { return d->database; }
void Database::setDatabase(const QString &database) { d->update(d->database, database, &Database::databaseChanged); }
Database::SslMode Database::sslMode() const { return d->sslMode; }
void Database::setSslMode(SslMode mode) { d->update(d->sslMode, mode, &Database::sslModeChanged); }
QString Database::sslCa() const { return d->sslCa; }
void Database::setSslCa(const QString &path) { d->update(d->sslCa, path, &Database::sslCaChanged); }
int Database::minSize() const { return d->minSize; }
void Database::setMinSize(int size) { d->update(d->minSize, size, &Database::minSizeChanged); }
int Database::maxSize() const { return d->maxSize; }
void Database::setMaxSize(int size) { d->update(d->maxSize, size, &Database::maxSizeChanged); }
bool Database::autocommit() const { return d->autocommit; }
void Database::setAutocommit(bool on) { d->update(d->autocommit, on, &Database::autocommitChanged); }

Database::Status Database::status() const { return d->status; }
QString Database::errorString() const { return d->errorString; }
Pool *Database::pool() const { return d->pool; }

PoolOptions Database::poolOptions() const
{
    PoolOptions options;
    ConnectOptions &c = options.connection;
    if (!d->url.isEmpty()) {
        c = ConnectOptions::fromUrl(d->url);
    } else {
        c.host = d->host;
        c.port = quint16(d->port);
        c.unixSocket = d->unixSocket;
        c.user = d->user;
        c.password = d->password;
        c.database = d->database;
        static_assert(int(Database::SslMode::Default) == int(SslOptions::Mode::Default)
                      && int(Database::SslMode::VerifyIdentity) == int(SslOptions::Mode::VerifyIdentity));
        c.ssl.mode = SslOptions::Mode(int(d->sslMode));
        c.ssl.ca = d->sslCa;
    }
    c.autocommit = d->autocommit;
    options.minSize = d->minSize;
    options.maxSize = d->maxSize;
    return options;
}

void Database::open()
{
    d->openCall.cancel();
    d->closePool();
    auto *pool = new Pool(poolOptions(), this);
    d->pool = pool;
    d->setStatus(Status::Connecting);
    Q_EMIT poolChanged();
    // A first connection tells whether the options work; it goes straight back to the pool.
    QPointer<Database> self(this);
    QPointer<Pool> made(pool);
    thenGuarded(pool->acquire(), this, [made](Database *database, PooledConnection) {
        if (database->d->pool == made && made)
            database->d->setStatus(Status::Ready);
    })
            .onFailed([self, made](const Error &error) {
                if (self && self->d->pool == made && made) {
                    qCWarning(lcQml).noquote() << "cannot connect:" << error.toString();
                    self->d->setStatus(Status::Error, error.message());
                } else {
                    (void)error.type(); // for a pool replaced meanwhile: dropped on purpose
                }
            });
}

QJSValue Database::exec(const QString &sql, const QJSValue &arguments)
{
    QJSEngine *engine = qjsEngine(this);
    if (!engine) {
        qmlWarning(this) << "exec() needs an object created by a QML engine";
        return QJSValue();
    }
    if (d->openCall.isScheduled() || !d->pool)
        open(); // called before the queued open() ran (Component.onCompleted)
    auto promise = std::make_shared<JsPromise>(engine);
    const QVariant args = argumentsFromJs(arguments);
    // No context objects: on Qt 6.4 a continuation whose context goes first asserts. The
    // handle captured until the end keeps the connection lent until the rows are read.
    d->pool->acquire()
            .then([sql, args](PooledConnection connection) {
                Cursor *cursor = connection->cursor(CursorType::Buffered);
                QFuture<qint64> executed = args.metaType() == QMetaType::fromType<QVariantMap>()
                        ? cursor->execute(sql, args.toMap())
                        : cursor->execute(sql, args.toList());
                return executed
                        .then([connection, cursor](qint64 rowCount) {
                            ExecResult r{cursor->description(), {}, rowCount, cursor->lastRowId(), cursor->warningCount()};
                            return cursor->fetchAll().then([connection, r](const QList<Row> &rows) mutable {
                                r.rows = rows;
                                return r;
                            });
                        })
                        .unwrap();
            })
            .unwrap()
            .then([promise](const ExecResult &result) {
                if (QJSEngine *e = promise->engine())
                    promise->resolve(toJs(e, result));
            })
            .onFailed([promise](const Error &error) {
                if (QJSEngine *e = promise->engine())
                    promise->reject(jsError(e, error));
                else
                    (void)error.type(); // the engine is gone: nobody is left to tell
            });
    return promise->promise();
}

} // namespace AsyncMySql
