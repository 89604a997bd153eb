// SPDX-License-Identifier: MIT
#include "connection_p.h"
#include "interpolate_p.h"
#include "logging_p.h"

#include <AsyncMySql/Cursor.h>

#include "../protocol/constants.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QSysInfo>

namespace AsyncMySql {

using namespace Protocol;

// ---------------------------------------------------------------------------------------------
// BufferedSink

void BufferedSink::resultStarted(const ResultMetaPtr &)
{
    m_rows.clear();
}

void BufferedSink::rowReceived(Row &&row)
{
    m_rows.append(std::move(row));
}

void BufferedSink::resultFinished(const ResultMetaPtr &meta, const OkPacket &ok)
{
    auto *d = new ResultSetPrivate;
    d->meta = meta;
    d->rows = std::move(m_rows);
    m_rows = QList<Row>();
    d->affectedRows = ok.affectedRows;
    d->lastInsertId = ok.lastInsertId;
    d->warningCount = ok.warnings;
    d->serverStatus = ok.status;
    d->info = QString::fromUtf8(ok.info);
    results.append(ResultSetPrivate::make(d));
}

// ---------------------------------------------------------------------------------------------
// ConnectionPrivate

namespace {

struct CharsetInfo
{
    quint8 collation;
    TextEncoding encoding;
};

// The character sets whose text we can decode; the collation is announced in the handshake.
std::optional<CharsetInfo> charsetInfo(const QString &name)
{
    const QString n = name.toLower();
    if (n == u"utf8mb4")
        return CharsetInfo{Collation::Utf8mb4GeneralCi, TextEncoding::Utf8};
    if (n == u"utf8" || n == u"utf8mb3")
        return CharsetInfo{Collation::Utf8GeneralCi, TextEncoding::Utf8};
    if (n == u"latin1")
        return CharsetInfo{Collation::Latin1SwedishCi, TextEncoding::Latin1};
    if (n == u"ascii")
        return CharsetInfo{11, TextEncoding::Latin1};
    if (n == u"binary")
        return CharsetInfo{Collation::Binary, TextEncoding::Utf8};
    return std::nullopt;
}

QByteArray clientVersion() { return QByteArrayLiteral("0.1.0"); }

} // namespace

ConnectionPrivate::ConnectionPrivate(Connection *qq, const ConnectOptions &opts)
    : q(qq), options(opts), database(opts.database), charset(opts.charset), echo(opts.echo)
{
    connectTimer.setSingleShot(true);
    QObject::connect(&connectTimer, &QTimer::timeout, q, [this] { onConnectTimeout(); });
}

ConnectionPrivate::~ConnectionPrivate() = default;

void ConnectionPrivate::defer(std::function<void()> f)
{
    deferred.append(std::move(f));
    if (flushScheduled || destroying)
        return;
    flushScheduled = true;
    QMetaObject::invokeMethod(q, [this] { flushDeferred(); }, Qt::QueuedConnection);
}

void ConnectionPrivate::flushDeferred()
{
    flushScheduled = false;
    // Callbacks may queue more work (e.g. a continuation sending the next query): that goes
    // into the next round, in order.
    while (!deferred.isEmpty()) {
        const auto batch = std::exchange(deferred, {});
        for (const auto &f : batch)
            f();
    }
}

void ConnectionPrivate::emitError(const ErrorInfo &error)
{
    defer([this, error] {
        if (!destroying)
            Q_EMIT q->errorOccurred(*error.make());
    });
}

void ConnectionPrivate::setState(Connection::State s)
{
    if (state == s)
        return;
    state = s;
    defer([this, s] {
        if (destroying)
            return;
        Q_EMIT q->stateChanged(s);
        if (s == Connection::State::Connected)
            Q_EMIT q->connected();
        else if (s == Connection::State::Closed)
            Q_EMIT q->disconnected();
    });
}

ErrorInfo ConnectionPrivate::notConnectedError() const
{
    if (lostConnection)
        return ErrorInfo::operational(ClientError::ServerGoneError, QStringLiteral("MySQL server has gone away"),
                                      QStringLiteral("08S01"));
    return ErrorInfo::interface(QStringLiteral("Not connected"));
}

bool ConnectionPrivate::applyCharset(const QString &name, ErrorInfo *error)
{
    const auto info = charsetInfo(name);
    if (!info) {
        if (error)
            *error = ErrorInfo::notSupported(QStringLiteral("Character set '%1' is not supported "
                                                            "(use utf8mb4, utf8mb3, latin1, ascii or binary)").arg(name));
        return false;
    }
    charset = name.toLower();
    collation = info->collation;
    encoding = info->encoding;
    return true;
}

// --- lifecycle --------------------------------------------------------------------------------

void ConnectionPrivate::open(std::function<void(const ErrorInfo *)> done)
{
    switch (state) {
    case Connection::State::Connected:
        defer([done] { done(nullptr); });
        return;
    case Connection::State::Connecting:
        openWaiters.append(std::move(done));
        return;
    case Connection::State::Closing: {
        const ErrorInfo e = ErrorInfo::interface(QStringLiteral("The connection is closing"));
        defer([done, e] { done(&e); });
        return;
    }
    case Connection::State::Closed:
        break;
    }
    ErrorInfo error;
    if (!applyCharset(options.charset, &error)) {
        defer([done, error] { done(&error); });
        return;
    }
    openWaiters.append(std::move(done));
    lostConnection = false;
    status = 0;
    database = options.database;
    reader.reset();
    setState(Connection::State::Connecting);

    transport = new Transport(options, q);
    QObject::connect(transport, &Transport::connected, q, [this] { onTransportConnected(); });
    QObject::connect(transport, &Transport::readyRead, q, [this] { onReadyRead(); });
    QObject::connect(transport, &Transport::encrypted, q, [this] {
        if (!connectExchange)
            return;
        QByteArray out;
        connectExchange->tlsEstablished(out);
        transport->write(out);
    });
    QObject::connect(transport, &Transport::failed, q, [this](int code, const QString &msg) { onTransportFailed(code, msg); });

    ConnectExchange::Settings s;
    s.user = options.user.toUtf8();
    s.password = options.password.toUtf8();
    s.database = options.database.toUtf8();
    s.authPlugin = options.authPlugin.toUtf8();
    s.collation = collation;
    s.extraCapabilities = options.clientFlag;
    s.localInfile = options.localInfile;
    s.serverPublicKey = options.serverPublicKey;
    s.secureTransport = transport->isLocal();
    switch (options.ssl.mode) {
    case SslOptions::Mode::Disabled: s.tls = ConnectExchange::Tls::Disabled; break;
    case SslOptions::Mode::Preferred: s.tls = ConnectExchange::Tls::Preferred; break;
    default: s.tls = ConnectExchange::Tls::Required; break;
    }
    s.attributes = {
        {"_client_name", "AsyncMySql"},
        {"_client_version", clientVersion()},
        {"_os", QSysInfo::productType().toUtf8()},
        {"_platform", QSysInfo::currentCpuArchitecture().toUtf8()},
        {"_pid", QByteArray::number(QCoreApplication::applicationPid())},
    };
    const QString program = options.programName.isEmpty() ? QCoreApplication::applicationName() : options.programName;
    if (!program.isEmpty())
        s.attributes.append({"program_name", program.toUtf8()});
    connectExchange = std::make_unique<ConnectExchange>(std::move(s));

    if (options.connectTimeout.count() > 0)
        connectTimer.start(options.connectTimeout);
    qCDebug(lcConnection) << "connecting to" << transport->peerName();
    transport->open();
}

void ConnectionPrivate::onTransportConnected()
{
    qCDebug(lcConnection) << "transport connected to" << transport->peerName();
}

void ConnectionPrivate::onConnectTimeout()
{
    if (state != Connection::State::Connecting)
        return;
    fatal(ErrorInfo::operational(ClientError::ConnHostError,
                                 QStringLiteral("Can't connect to MySQL server on '%1' (timed out after %2 ms)")
                                         .arg(transport->peerName()).arg(options.connectTimeout.count()),
                                 QStringLiteral("08001")));
}

void ConnectionPrivate::onTransportFailed(int code, const QString &message)
{
    if (state == Connection::State::Closed)
        return;
    QString text;
    QString sqlState = QStringLiteral("08S01");
    if (state == Connection::State::Connecting && !connectExchange) {
        text = QStringLiteral("Lost connection to MySQL server while setting up the session (%1)").arg(message);
    } else if (state == Connection::State::Connecting) {
        text = code == ClientError::ServerLost
                ? QStringLiteral("Lost connection to MySQL server during the handshake (%1)").arg(message)
                : QStringLiteral("Can't connect to MySQL server on '%1' (%2)").arg(transport->peerName(), message);
        if (code != ClientError::ServerLost)
            sqlState = QStringLiteral("08001");
    } else if (state == Connection::State::Closing) {
        // The server closed after COM_QUIT, as it should.
        shutdown(ErrorInfo::interface(QStringLiteral("Connection closed")), true);
        return;
    } else {
        text = QStringLiteral("Lost connection to MySQL server (%1)").arg(message);
    }
    fatal(ErrorInfo::operational(code, text, sqlState));
}

void ConnectionPrivate::fatal(const ErrorInfo &error)
{
    qCWarning(lcConnection).noquote() << "connection failed:" << error.message;
    const bool wasOpen = state == Connection::State::Connected;
    emitError(error);
    shutdown(error);
    lostConnection = lostConnection || wasOpen;
}

void ConnectionPrivate::shutdown(const ErrorInfo &error, bool graceful)
{
    connectTimer.stop();
    if (transport) {
        transport->disconnect(q);
        if (graceful)
            transport->closeGracefully();
        else
            transport->abort();
        transport->deleteLater();
        transport = nullptr;
    }
    connectExchange.reset();
    reader.reset();
    setupPending = 0;
    auto pending = std::exchange(commands, {});
    for (const CommandPtr &cmd : pending) {
        if (cmd->noReply) { // COM_QUIT completes by the connection closing
            defer([cmd] { cmd->done(nullptr); });
            continue;
        }
        defer([cmd, error] { cmd->done(&error); });
    }
    const auto waiters = std::exchange(openWaiters, {});
    for (const auto &w : waiters)
        defer([w, error] { w(&error); });
    setState(Connection::State::Closed);
}

void ConnectionPrivate::onReadyRead()
{
    if (!transport)
        return;
    reader.feed(transport->readAll());
    QByteArray out;
    Packet packet;
    // Each packet goes to the connect exchange or the command at the front of the queue.
    while (transport) {
        const PacketReader::Status st = reader.next(packet);
        if (st == PacketReader::Status::NeedMore)
            break;
        if (st == PacketReader::Status::Malformed) {
            fatal(ErrorInfo{Error::Type::Internal, ClientError::MalformedPacket, QStringLiteral("HY000"),
                            QStringLiteral("Protocol error: %1").arg(reader.errorString())});
            return;
        }
        if (connectExchange) {
            const Exchange::Status s = connectExchange->handle(packet, out);
            const bool startTls = connectExchange->takeAction() == ConnectExchange::Action::StartTls;
            if (!out.isEmpty())
                transport->write(std::exchange(out, {}));
            if (s == Exchange::Status::Failed) {
                fatal(ErrorInfo::fromFailure(connectExchange->failure()));
                return;
            }
            if (startTls)
                transport->startTls();
            if (s == Exchange::Status::Done)
                authenticated();
            continue;
        }
        if (commands.empty() || !commands.front()->written) {
            fatal(ErrorInfo{Error::Type::Internal, ClientError::CommandsOutOfSync, QStringLiteral("HY000"),
                            QStringLiteral("Protocol error: the server sent a packet nobody asked for")});
            return;
        }
        CommandPtr cmd = commands.front();
        const Exchange::Status s = cmd->exchange->handle(packet, out);
        if (!out.isEmpty())
            transport->write(std::exchange(out, {}));
        if (s == Exchange::Status::Continue)
            continue;
        commands.pop_front();
        if (const OkPacket *ok = cmd->exchange->lastOk())
            updateFromOk(*ok);
        if (s == Exchange::Status::Done) {
            defer([cmd] { cmd->done(nullptr); });
            continue;
        }
        const Failure &f = cmd->exchange->failure();
        const ErrorInfo error = ErrorInfo::fromFailure(f);
        if (f.fatal) {
            defer([cmd, error] { cmd->done(&error); });
            fatal(error);
            return;
        }
        defer([cmd, error] { cmd->done(&error); });
    }
}

void ConnectionPrivate::updateFromOk(const OkPacket &ok)
{
    status = ok.status;
    insertId = ok.lastInsertId;
    affectedRows = ok.affectedRows;
}

void ConnectionPrivate::authenticated()
{
    const Handshake &hs = connectExchange->handshake();
    serverVersion = QString::fromUtf8(hs.serverVersion);
    threadId = hs.threadId;
    capabilities = connectExchange->capabilities();
    if (const OkPacket *ok = connectExchange->lastOk())
        status = ok->status;
    qCDebug(lcConnection) << "authenticated to" << serverVersion << "thread" << threadId
                          << "tls" << connectExchange->usedTls();
    connectExchange.reset();

    // Session setup, as PyMySQL does it: sql_mode, init_command, then autocommit.
    QStringList setup = sessionStatements();
    if (options.autocommit != bool(status & ServerStatus::Autocommit))
        setup << QStringLiteral("SET AUTOCOMMIT = %1").arg(options.autocommit ? 1 : 0);
    if (setup.isEmpty()) {
        setupDone();
        return;
    }
    setupPending = int(setup.size());
    std::vector<CommandPtr> setupCommands;
    for (const QString &sql : std::as_const(setup)) {
        setupCommands.push_back(queryCommand(encodeText(sql, encoding), false, [this](const ErrorInfo *error) {
            if (state != Connection::State::Connecting)
                return;
            if (error) {
                fatal(*error);
                return;
            }
            if (--setupPending == 0)
                setupDone();
        }));
    }
    // These go before anything the user queued meanwhile (which is not written yet).
    commands.insert(commands.begin(), setupCommands.begin(), setupCommands.end());
    for (const CommandPtr &cmd : setupCommands) {
        write(cmd);
    }
}

void ConnectionPrivate::setupDone()
{
    connectTimer.stop();
    setState(Connection::State::Connected);
    for (const CommandPtr &cmd : commands) {
        if (!cmd->written) {
            write(cmd);
        }
    }
    const auto waiters = std::exchange(openWaiters, {});
    for (const auto &w : waiters)
        defer([w] { w(nullptr); });
}

// --- commands ---------------------------------------------------------------------------------

void ConnectionPrivate::write(const CommandPtr &cmd)
{
    cmd->exchange->setCapabilities(capabilities);
    transport->write(cmd->packet);
    cmd->written = true;
}

void ConnectionPrivate::enqueue(const CommandPtr &cmd)
{
    if (state == Connection::State::Closed || state == Connection::State::Closing) {
        const ErrorInfo error = state == Connection::State::Closing
                ? ErrorInfo::interface(QStringLiteral("The connection is closing"))
                : notConnectedError();
        defer([cmd, error] { cmd->done(&error); });
        return;
    }
    commands.push_back(cmd);
    // Pipelining: write now, replies are matched in order. Not with LOCAL INFILE enabled: the
    // server would read the next command as file content.
    const bool canWrite = state == Connection::State::Connected
            && (!options.localInfile || commands.size() == 1);
    if (canWrite) {
        write(cmd);
    }
}

CommandPtr ConnectionPrivate::simpleCommand(Protocol::Command command, QByteArrayView argument, PendingCommand::Done done)
{
    auto cmd = std::make_shared<PendingCommand>();
    quint8 replySeq = 1;
    cmd->packet = commandPacket(quint8(command), argument, &replySeq);
    cmd->exchange = std::make_unique<SimpleExchange>();
    cmd->exchange->setNextSequenceId(replySeq);
    cmd->done = std::move(done);
    return cmd;
}

CommandPtr ConnectionPrivate::queryCommand(const QByteArray &sql, bool dict, PendingCommand::Done done)
{
    auto cmd = std::make_shared<PendingCommand>();
    quint8 replySeq = 1;
    cmd->packet = commandPacket(quint8(Command::Query), sql, &replySeq);
    cmd->sink = std::make_shared<BufferedSink>();
    QueryExchange::Settings settings{encoding, dict};
    cmd->exchange = std::make_unique<QueryExchange>(settings, cmd->sink.get());
    cmd->exchange->setNextSequenceId(replySeq);
    cmd->done = std::move(done);
    return cmd;
}

SqlWriter ConnectionPrivate::sqlWriter() const
{
    return SqlWriter(encoding, status & ServerStatus::NoBackslashEscapes);
}

void ConnectionPrivate::logQuery(QByteArrayView sql)
{
    if (!echo)
        return;
    // For reading only: binary literals do not survive the decoding.
    const QString text = decodeText(sql, encoding);
    qCInfo(lcQuery).noquote() << text;
    Q_EMIT q->queryLogged(text);
}

void ConnectionPrivate::runQuery(const QByteArray &sql, QueryDone done)
{
    logQuery(sql);
    CommandPtr cmd = queryCommand(sql, false, {});
    // The sink outlives the exchange that fills it: the completion reads it afterwards.
    cmd->done = [done, sink = cmd->sink](const ErrorInfo *error) { done(error, sink->results); };
    enqueue(cmd);
}

QStringList ConnectionPrivate::sessionStatements() const
{
    QStringList statements;
    if (!options.sqlMode.isEmpty())
        statements << QStringLiteral("SET sql_mode=%1").arg(q->escape(options.sqlMode));
    if (!options.initCommand.isEmpty())
        statements << options.initCommand;
    return statements;
}

void ConnectionPrivate::resetSession(std::function<void(const ErrorInfo *)> done)
{
    // COM_RESET_CONNECTION also sets the character set and autocommit back to the server's
    // defaults and may keep a database chosen with USE, so the session is set up again the way
    // open() did it. All of it is pipelined: one round trip. The first failure is reported
    // once the last command has answered, so the connection is in step again by then.
    struct Progress
    {
        int pending = 0;
        std::optional<ErrorInfo> error;
        std::function<void(const ErrorInfo *)> done;
    };
    auto progress = std::make_shared<Progress>();
    progress->done = std::move(done);
    auto step = [progress](const ErrorInfo *error) {
        if (error && !progress->error)
            progress->error = *error;
        if (--progress->pending == 0)
            progress->done(progress->error ? &*progress->error : nullptr);
    };
    QList<CommandPtr> steps;
    steps << simpleCommand(Command::ResetConnection, {}, step);
    if (!options.database.isEmpty()) {
        steps << simpleCommand(Command::InitDb, encodeText(options.database, encoding), step);
        database = options.database;
    }
    // Client-side at once: the commands queued after these are encoded in this charset.
    applyCharset(options.charset, nullptr);
    QStringList statements{QStringLiteral("SET NAMES %1").arg(charset)};
    statements << sessionStatements() << QStringLiteral("SET AUTOCOMMIT = %1").arg(options.autocommit ? 1 : 0);
    for (const QString &sql : std::as_const(statements)) {
        const QByteArray bytes = encodeText(sql, encoding);
        logQuery(bytes);
        steps << queryCommand(bytes, false, step);
    }
    progress->pending = int(steps.size());
    for (const CommandPtr &cmd : std::as_const(steps))
        enqueue(cmd);
}

QFuture<void> ConnectionPrivate::statement(const QString &sql)
{
    auto promise = startedPromise<void>();
    runQuery(sql, [promise](const ErrorInfo *error, const QList<ResultSet> &) {
        if (error)
            failPromise(*promise, *error);
        else
            promise->finish();
    });
    return promise->future();
}

// ---------------------------------------------------------------------------------------------
// Connection

Connection::Connection(const ConnectOptions &options, QObject *parent)
    : QObject(parent), d(std::make_unique<ConnectionPrivate>(this, options))
{
}

Connection::~Connection()
{
    // Every pending future still finishes (with an error) before the connection goes away.
    if (d->state != State::Closed)
        d->shutdown(ErrorInfo::interface(QStringLiteral("Connection destroyed")));
    d->destroying = true;
    d->flushDeferred();
}

QFuture<Connection *> Connection::connect(const ConnectOptions &options, QObject *parent)
{
    auto promise = startedPromise<Connection *>();
    auto *conn = new Connection(options, parent);
    conn->d->open([promise, conn](const ErrorInfo *error) {
        if (error) {
            conn->deleteLater();
            failPromise(*promise, *error);
            return;
        }
        promise->addResult(conn);
        promise->finish();
    });
    return promise->future();
}

QFuture<void> Connection::open()
{
    auto promise = startedPromise<void>();
    d->open([promise](const ErrorInfo *error) {
        if (error)
            failPromise(*promise, *error);
        else
            promise->finish();
    });
    return promise->future();
}

Cursor *Connection::cursor() { return cursor(d->options.cursorType); }

Cursor *Connection::cursor(CursorType type) { return new Cursor(this, type); }

QFuture<ResultSet> Connection::query(const QString &sql, const QVariantList &args)
{
    SqlWriter writer = d->sqlWriter();
    ErrorInfo error;
    if (!interpolate(writer, sql, args, error))
        return failedFuture<ResultSet>(error);
    auto promise = startedPromise<ResultSet>();
    d->runQuery(writer.take(), [promise](const ErrorInfo *error, const QList<ResultSet> &results) {
        if (error) {
            failPromise(*promise, *error);
            return;
        }
        promise->addResult(results.value(0));
        promise->finish();
    });
    return promise->future();
}

QFuture<void> Connection::ping(bool reconnect)
{
    auto promise = startedPromise<void>();
    auto sendPing = [this, promise] {
        d->enqueue(d->simpleCommand(Command::Ping, {}, [promise](const ErrorInfo *error) {
            if (error)
                failPromise(*promise, *error);
            else
                promise->finish();
        }));
    };
    if (d->state == State::Closed && reconnect) {
        d->open([promise, sendPing](const ErrorInfo *error) {
            if (error)
                failPromise(*promise, *error);
            else
                sendPing();
        });
    } else {
        sendPing();
    }
    return promise->future();
}

void Connection::close()
{
    if (d->state == State::Closed)
        return;
    qCDebug(lcConnection) << "closing";
    d->lostConnection = false;
    d->shutdown(ErrorInfo::interface(QStringLiteral("Connection closed")));
}

QFuture<void> Connection::ensureClosed()
{
    auto promise = startedPromise<void>();
    if (d->state == State::Closed) {
        promise->finish();
        return promise->future();
    }
    auto quit = d->simpleCommand(Command::Quit, {}, [promise](const ErrorInfo *) { promise->finish(); });
    quit->noReply = true;
    d->enqueue(quit);
    if (d->state == State::Connected)
        d->setState(State::Closing);
    // The server answers COM_QUIT by closing; the transport's failure then ends the session.
    // If it does not within a few seconds, close from our side.
    QTimer::singleShot(5000, this, [this, quit] {
        if (!d->commands.empty() && std::find(d->commands.begin(), d->commands.end(), quit) != d->commands.end())
            close();
    });
    return promise->future();
}

QFuture<void> Connection::resetConnection()
{
    auto promise = startedPromise<void>();
    d->resetSession([promise](const ErrorInfo *error) {
        if (error)
            failPromise(*promise, *error);
        else
            promise->finish();
    });
    return promise->future();
}

QFuture<void> Connection::setAutocommit(bool on)
{
    return d->statement(QStringLiteral("SET AUTOCOMMIT = %1").arg(on ? 1 : 0));
}

QFuture<void> Connection::begin() { return d->statement(QStringLiteral("BEGIN")); }
QFuture<void> Connection::commit() { return d->statement(QStringLiteral("COMMIT")); }
QFuture<void> Connection::rollback() { return d->statement(QStringLiteral("ROLLBACK")); }

QFuture<void> Connection::selectDb(const QString &db)
{
    auto promise = startedPromise<void>();
    d->enqueue(d->simpleCommand(Command::InitDb, encodeText(db, d->encoding), [this, promise, db](const ErrorInfo *error) {
        if (error) {
            failPromise(*promise, *error);
            return;
        }
        d->database = db;
        promise->finish();
    }));
    return promise->future();
}

QFuture<void> Connection::setCharset(const QString &charset)
{
    if (!charsetInfo(charset))
        return failedFuture<void>(ErrorInfo::notSupported(
                QStringLiteral("Character set '%1' is not supported").arg(charset)));
    auto promise = startedPromise<void>();
    d->runQuery(QStringLiteral("SET NAMES %1").arg(charset), [this, promise, charset](const ErrorInfo *error, const QList<ResultSet> &) {
        if (error) {
            failPromise(*promise, *error);
            return;
        }
        d->applyCharset(charset, nullptr);
        d->options.charset = charset; // a reconnect keeps it
        promise->finish();
    });
    return promise->future();
}

QFuture<QList<Warning>> Connection::showWarnings()
{
    auto promise = startedPromise<QList<Warning>>();
    d->runQuery(QStringLiteral("SHOW WARNINGS"), [promise](const ErrorInfo *error, const QList<ResultSet> &results) {
        if (error) {
            failPromise(*promise, *error);
            return;
        }
        QList<Warning> warnings;
        for (const Row &row : results.value(0).rows())
            warnings.append(Warning(row.value(0).toString(), quint16(row.value(1).toUInt()), row.value(2).toString()));
        promise->addResult(warnings);
        promise->finish();
    });
    return promise->future();
}

QString Connection::escape(const QVariant &value) const
{
    SqlWriter writer = d->sqlWriter();
    ErrorInfo error;
    if (!writer.appendLiteral(value, error))
        return QString();
    return decodeText(writer.result(), d->encoding);
}

QString Connection::escapeString(const QString &text) const
{
    SqlWriter writer = d->sqlWriter();
    writer.appendEscaped(encodeText(text, d->encoding));
    return decodeText(writer.result(), d->encoding);
}

Connection::State Connection::state() const { return d->state; }
bool Connection::isClosed() const { return d->state == State::Closed; }
QString Connection::host() const { return d->options.host; }
quint16 Connection::port() const { return d->options.port; }
QString Connection::user() const { return d->options.user; }
QString Connection::unixSocket() const { return d->options.unixSocket; }
QString Connection::database() const { return d->database; }
QString Connection::charset() const { return d->charset; }
QString Connection::encoding() const
{
    return d->encoding == TextEncoding::Latin1 ? QStringLiteral("windows-1252") : QStringLiteral("UTF-8");
}
bool Connection::echo() const { return d->echo; }
void Connection::setEcho(bool on) { d->echo = on; }
bool Connection::autocommit() const { return d->status & ServerStatus::Autocommit; }
bool Connection::inTransaction() const { return d->status & ServerStatus::InTransaction; }
QString Connection::serverVersion() const { return d->serverVersion; }
quint32 Connection::threadId() const { return d->threadId; }
quint64 Connection::insertId() const { return d->insertId; }
quint64 Connection::affectedRows() const { return d->affectedRows; }
quint16 Connection::serverStatus() const { return d->status; }
const ConnectOptions &Connection::options() const { return d->options; }

} // namespace AsyncMySql
