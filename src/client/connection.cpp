// SPDX-License-Identifier: MIT
#include "connection_p.h"
#include "connectoptions_p.h"
#include "interpolate_p.h"
#include "logging_p.h"
#include "optionfile_p.h"
#include "transaction_p.h"

#include <AsyncMySql/Cursor.h>

#include "../protocol/charsets.h"
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
    if (m_count++ == 0)
        m_first = ResultSetPrivate::make(d);
    else
        m_more.append(ResultSetPrivate::make(d));
}

QList<ResultSet> BufferedSink::results() const
{
    QList<ResultSet> all;
    if (m_count == 0)
        return all;
    all.reserve(m_count);
    all.append(m_first);
    all.append(m_more);
    return all;
}

// ---------------------------------------------------------------------------------------------
// ConnectionPrivate

namespace {

QByteArray clientVersion() { return QByteArrayLiteral("0.1.0"); }

} // namespace

ConnectionPrivate::ConnectionPrivate(Connection *qq, const ConnectOptions &opts)
    : q(qq), givenOptions(opts), baseOptions(opts), options(opts), session(this),
      flushCall(qq, [this] { flushDeferred(); }),
      resumeCall(qq, [this] {
          // Queued: the cursor asking may itself run inside a continuation of the parser's work.
          if (session.resumeReading())
              onReadyRead();
      }),
      database(opts.database), charset(opts.charset), echo(opts.echo)
{
    connectTimer.setSingleShot(true);
    // How soon a QFuture::cancel() or a query timeout takes effect.
    sweepTimer.setInterval(std::chrono::milliseconds(25));
    QObject::connect(&sweepTimer, &QTimer::timeout, q, [this] { sweepWatched(); });
    QObject::connect(&connectTimer, &QTimer::timeout, q, [this] { onConnectTimeout(); });
}

ConnectionPrivate::~ConnectionPrivate() = default;

void ConnectionPrivate::defer(std::function<void()> f) { defer(Deferred{nullptr, std::move(f)}); }

void ConnectionPrivate::defer(Deferred entry)
{
    deferred.append(std::move(entry));
    if (!destroying)
        flushCall.schedule();
}

void ConnectionPrivate::flushDeferred()
{
    flushCall.cancel();
    // Callbacks may queue more work (e.g. a continuation sending the next query): that goes
    // into the next round, in order.
    // The lists swap places, so neither is allocated anew each round (a callback may also
    // flush from a nested event loop: then it takes a list of its own).
    while (!deferred.isEmpty()) {
        QList<Deferred> batch = std::exchange(spareDeferred, {});
        batch.swap(deferred);
        for (const Deferred &d : std::as_const(batch)) {
            if (d.call) {
                d.call();
            } else {
                finish(*d.command, nullptr);
                recycle(*d.command);
            }
        }
        batch.clear(); // keeps the capacity
        spareDeferred = std::move(batch);
    }
}

void ConnectionPrivate::emitError(const ErrorInfo &error)
{
    defer([this, error] { emitFailure(error); });
}

void ConnectionPrivate::emitFailure(const ErrorInfo &error)
{
    if (!destroying)
        Q_EMIT q->errorOccurred(*error.make());
}

namespace {
//! What \a cmd was, for the warning about a failure nobody read: its SQL, or the command.
QString describeCommand(const PendingCommand &cmd, TextEncoding encoding)
{
    if (cmd.packet.size() < 5)
        return QString();
    const QByteArrayView payload = QByteArrayView(cmd.packet).sliced(5);
    switch (Command(quint8(cmd.packet.at(4)))) {
    case Command::Query: {
        if (cmd.kind == PendingCommand::Kind::ResetEnd) // its failure may be any statement's of the group
            return QStringLiteral("resetting the session");
        constexpr qsizetype Shown = 200;
        QString sql = decodeText(payload.first(qMin(payload.size(), Shown)), encoding);
        if (payload.size() > Shown)
            sql += QStringLiteral("...");
        return sql;
    }
    case Command::InitDb: return QStringLiteral("COM_INIT_DB ") + decodeText(payload, encoding);
    case Command::Ping: return QStringLiteral("COM_PING");
    case Command::ResetConnection: return QStringLiteral("COM_RESET_CONNECTION");
    default: return QStringLiteral("command %1").arg(quint8(cmd.packet.at(4)));
    }
}
} // namespace

Connection::State ConnectionPrivate::state() const
{
    switch (session.phase()) {
    case Session::Phase::Closed:
    case Session::Phase::Lost:
        return Connection::State::Closed;
    case Session::Phase::Greeting:
    case Session::Phase::TlsHandshake:
    case Session::Phase::Authenticating:
    case Session::Phase::SettingUp:
        return Connection::State::Connecting;
    case Session::Phase::Ready:
        return Connection::State::Connected;
    case Session::Phase::Quitting:
        return Connection::State::Closing;
    }
    return Connection::State::Closed;
}

void ConnectionPrivate::syncState()
{
    const Connection::State s = state();
    if (announcedState == s)
        return;
    announcedState = s;
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

bool ConnectionPrivate::isIdleBehind(const PendingCommand *last) const
{
    if (state() != Connection::State::Connected)
        return false;
    // Commands run in order: if \a last is the last one queued, nothing else is behind it.
    return !session.hasCommands() || (last && session.back() == last);
}

ErrorInfo ConnectionPrivate::notConnectedError() const
{
    if (refusal)
        return *refusal;
    if (session.phase() == Session::Phase::Lost)
        return ErrorInfo::operational(ClientError::ServerGoneError, QStringLiteral("MySQL server has gone away"),
                                      QStringLiteral("08S01"));
    return ErrorInfo::interface(QStringLiteral("Not connected"));
}

bool ConnectionPrivate::applyCharset(const QString &name, ErrorInfo *error)
{
    const Charset *cs = findCharset(name);
    if (!cs) {
        if (error)
            *error = ErrorInfo::notSupported(unsupportedCharsetMessage(name));
        return false;
    }
    charset = name.toLower();
    collation = cs->collation;
    encoding = cs->encoding;
    return true;
}

ConnectOptions::Compression ConnectionPrivate::compression() const
{
    switch (session.compression()) {
    case CompressionAlgorithm::Zstd: return ConnectOptions::Compression::Zstd;
    case CompressionAlgorithm::Zlib: return ConnectOptions::Compression::Zlib;
    case CompressionAlgorithm::None: break;
    }
    return ConnectOptions::Compression::None;
}

// --- lifecycle --------------------------------------------------------------------------------

void ConnectionPrivate::open(std::function<void(const ErrorInfo *)> done)
{
    switch (state()) {
    case Connection::State::Connected:
        defer([done] { done(nullptr); });
        return;
    case Connection::State::Connecting:
        openWaiters.append(std::move(done));
        return;
    case Connection::State::Closing: {
        const ErrorInfo e = ErrorInfo::interface(QStringLiteral("The connection is closing")).reported();
        defer([this, done, e] {
            emitFailure(e);
            done(&e);
        });
        return;
    }
    case Connection::State::Closed:
        break;
    }
    if (refusal) {
        defer([done, e = *refusal] { done(&e); });
        return;
    }
    // Read on every open: a reconnect sees the file as it is now.
    baseOptions = applyOptionFile(givenOptions);
    options = baseOptions;
    sessionChanges.applyTo(options);
    ErrorInfo error;
    const auto failOpen = [this, &done](const ErrorInfo &e) {
        defer([this, done, e = e.reported()] {
            emitFailure(e);
            done(&e);
        });
    };
    if (!applyCharset(options.charset, &error)) {
        failOpen(error);
        return;
    }
    if (options.compression == ConnectOptions::Compression::Zstd && (options.zstdLevel < 1 || options.zstdLevel > 22)) {
        failOpen(ErrorInfo::programming(QStringLiteral("zstdLevel must be between 1 and 22, not %1").arg(options.zstdLevel)));
        return;
    }
    const SslOptions::Mode tlsMode = effectiveSslMode(options.ssl);
    QSslConfiguration tlsConfiguration;
    if (options.unixSocket.isEmpty() && tlsMode != SslOptions::Mode::Disabled) {
        QString why;
        const auto conf = Transport::tlsConfiguration(options.ssl, tlsMode, &why);
        if (!conf) {
            error = ErrorInfo::operational(ClientError::SslConnectionError, why);
            defer([done, error] { done(&error); });
            return;
        }
        tlsConfiguration = *conf;
    }
    openWaiters.append(std::move(done));
    database = options.database;

    transport = new Transport(options, q);
    transport->setTls(tlsMode, tlsConfiguration);
    QObject::connect(transport, &Transport::connected, q, [this] {
        qCDebug(lcConnection) << "transport connected to" << transport->peerName();
    });
    transport->setReader([this] { onReadyRead(); });
    QObject::connect(transport, &Transport::bytesWritten, q, [this] {
        if (infile)
            pumpLocalInfile();
    });
    QObject::connect(transport, &Transport::encrypted, q, [this] {
        session.tlsEstablished();
        flushOutput();
    });
    QObject::connect(transport, &Transport::failed, q, [this](int code, const QString &msg) { onTransportFailed(code, msg); });

    Session::Settings settings;
    ConnectExchange::Settings &s = settings.connect;
    s.user = options.user.toUtf8();
    s.password = options.password.toUtf8();
    s.database = options.database.toUtf8();
    s.authPlugin = options.authPlugin.toUtf8();
    s.collation = collation;
    s.extraCapabilities = options.clientFlag;
    s.localInfile = options.localInfile;
    s.multiStatements = options.multiStatements;
    s.serverPublicKey = options.serverPublicKey;
    s.allowCleartextPassword = options.allowCleartextPassword;
    s.secureTransport = transport->isLocal();
    switch (options.compression) {
    case ConnectOptions::Compression::None: s.compression = CompressionAlgorithm::None; break;
    case ConnectOptions::Compression::Zlib: s.compression = CompressionAlgorithm::Zlib; break;
    case ConnectOptions::Compression::Zstd: s.compression = CompressionAlgorithm::Zstd; break;
    }
    s.zstdLevel = quint8(qBound(1, options.zstdLevel, 22));
    switch (tlsMode) {
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
    settings.peerName = transport->peerName();
    settings.connectTimeout = options.connectTimeout;
    settings.localInfile = options.localInfile;
    newStatementEpoch(); // a new server session: no statement of an earlier one is open in it
    statementCache.setCapacity(options.statementCacheSize);
    session.start(std::move(settings), Session::Clock::now());
    syncState();

    if (options.connectTimeout.count() > 0)
        connectTimer.start(options.connectTimeout);
    qCDebug(lcConnection) << "connecting to" << transport->peerName();
    transport->open();
}

void ConnectionPrivate::warnPlainFallback()
{
    // A warning, not info: the category shows warnings by default, and this is the one moment a
    // session the user did not explicitly allow to be plain (Preferred is the default without a
    // CA) goes out readable, and tamperable, by anyone on the path, possibly because someone on
    // the path removed the server's TLS flag. One line per session that falls back.
    qCWarning(lcConnection).noquote()
            << QStringLiteral("%1 offers no TLS: ssl mode Preferred continues without encryption "
                              "(choose Required or a CA to refuse, Disabled to connect in plain text on purpose)")
                       .arg(transport->peerName());
}

void ConnectionPrivate::ping(bool reconnect, std::function<void(const ErrorInfo *)> done)
{
    auto reopenAndPing = [this, done] {
        open([this, done](const ErrorInfo *error) {
            if (error)
                done(error);
            else
                ping(false, done);
        });
    };
    if (reconnect && state() == Connection::State::Closed) {
        reopenAndPing();
        return;
    }
    // A server end that went away while we were not reading (KILL CONNECTION, a restart,
    // wait_timeout) shows only now, as a failed ping: as aiomysql does, reconnect then. Not
    // for a connection still being opened (its own failure is the answer) nor one the user is
    // closing or has closed (InterfaceError).
    const bool mayReconnect = reconnect && state() == Connection::State::Connected;
    runCommand(Command::Ping, {}, [this, mayReconnect, done, reopenAndPing](const ErrorInfo *error) {
        // COM_PING has no error of its own: an ERR (1927 killed, 1053 shutdown) is the server
        // ending the session, and its close follows. End it here, as that close would.
        if (error && !destroying && state() == Connection::State::Connected && error->type != Error::Type::Interface)
            fatal(*error);
        if (!error || !mayReconnect || destroying || error->type == Error::Type::Interface
            || state() == Connection::State::Closing) {
            done(error);
            return;
        }
        qCInfo(lcConnection).noquote() << "ping failed, reconnecting:" << error->message;
        reopenAndPing();
    });
}

void ConnectionPrivate::onConnectTimeout()
{
    const auto now = Session::Clock::now();
    session.tick(now);
    // A timer may fire a little early: wait for the rest.
    if (const auto deadline = session.deadline())
        connectTimer.start(std::chrono::ceil<std::chrono::milliseconds>(*deadline - now));
}

void ConnectionPrivate::onTransportFailed(int code, const QString &message)
{
    if (state() == Connection::State::Closed)
        return;
    if (const auto failure = session.transportFailure(code, message))
        fatal(ErrorInfo::fromFailure(*failure));
    else // the server closed after COM_QUIT, as it should
        shutdown(ErrorInfo::interface(QStringLiteral("Connection closed")), true);
}

void ConnectionPrivate::fatal(const ErrorInfo &cause)
{
    qCWarning(lcConnection).noquote() << "connection failed:" << cause.message;
    // One failure, reported once: errorOccurred once (unless the caller did already: a report
    // is attached then), and the futures it fails share the report.
    const ErrorInfo error = cause.reported();
    if (!cause.report)
        emitError(error);
    endSession(error, false, true);
}

void ConnectionPrivate::shutdown(const ErrorInfo &error, bool graceful)
{
    endSession(error, graceful, false);
}

void ConnectionPrivate::endSession(const ErrorInfo &error, bool graceful, bool failed)
{
    connectTimer.stop();
    if (transport) {
        transport->disconnect(q);
        transport->setReader({});
        if (graceful)
            transport->closeGracefully();
        else
            transport->abort();
        transport->deleteLater();
        transport = nullptr;
    }
    transaction = nullptr; // the server rolls an open one back with the session
    newStatementEpoch();   // and closes its prepared statements
    infile.reset();
    const auto pending = session.close(failed);
    for (const Session::CommandPtr &c : pending) {
        auto &cmd = static_cast<PendingCommand &>(*c);
        complete(cmd, cmd.noReply ? nullptr : &error, false); // COM_QUIT completes by the connection closing
    }
    const auto waiters = std::exchange(openWaiters, {});
    for (const auto &w : waiters)
        defer([w, error] { w(&error); });
    syncState();
}

void ConnectionPrivate::warnIfInTransaction(const char *how) const
{
    if (state() != Connection::State::Connected || !((session.status() & ServerStatus::InTransaction) && (session.uncommittedChanges() || transaction)))
        return;
    qCWarning(lcConnection).noquote()
            << QStringLiteral("a connection with an open transaction is %1: the server rolls the transaction back "
                              "(commit it first; autocommit is off unless ConnectOptions::autocommit is set)")
                       .arg(QLatin1String(how));
}

void ConnectionPrivate::sayGoodbye()
{
    if (!transport || !session.sayGoodbye())
        return;
    flushOutput();
    transport->flushAndAbort();
}

void ConnectionPrivate::flushOutput()
{
    if (transport && session.hasOutput())
        transport->write(session.takeOutput());
}

bool ConnectionPrivate::readInput()
{
    // Straight into the session's one buffer, which is reused read after read.
    constexpr qint64 room = Transport::ReadChunk;
    const qint64 n = transport->read(session.reserveInput(room), room);
    session.commitInput(n);
    return n > 0;
}

void ConnectionPrivate::onReadyRead()
{
    // At most one bounded read per round, and only once the bytes read before are used up: a
    // paused stream's bytes wait in the socket and the kernel, not in our buffers. The
    // transport signals again for what it still holds.
    bool readThisRound = false;
    while (transport) {
        const bool wantsMore = session.process();
        flushOutput();
        if (!wantsMore || !transport || readThisRound || !readInput())
            return;
        readThisRound = true;
    }
}

// --- what the session tells -------------------------------------------------------------------

void ConnectionPrivate::authenticated()
{
    qCDebug(lcConnection) << "authenticated to" << session.serverVersion() << "thread" << session.threadId()
                          << "tls" << session.usedTls() << "plugin" << session.authPlugin();
    const auto wanted = options.compression;
    if (compression() != wanted) {
        qCInfo(lcConnection).noquote() << "the server does not offer"
                                       << (wanted == ConnectOptions::Compression::Zstd ? "zstd" : "zlib")
                                       << "compression; using"
                                       << (compression() == ConnectOptions::Compression::Zlib ? "zlib" : "none");
    }
    session.setUp(setupStatements(SetupFor::Login), querySettings(false));
}

void ConnectionPrivate::ready()
{
    connectTimer.stop();
    syncState();
    const auto waiters = std::exchange(openWaiters, {});
    for (const auto &w : waiters)
        defer([w] { w(nullptr); });
}

void ConnectionPrivate::commandFinished(const Session::CommandPtr &command, const Failure *failure)
{
    auto &cmd = static_cast<PendingCommand &>(*command);
    if (!failure) {
        complete(cmd, cmd.localError ? &*cmd.localError : nullptr);
        return;
    }
    const ErrorInfo error = ErrorInfo::fromFailure(*failure);
    if (failure->fatal) {
        // One report for cmd and every command the connection's end fails, emitted
        // before any of their futures fails.
        const ErrorInfo reported = error.reported(describeCommand(cmd, encoding));
        emitError(reported);
        complete(cmd, &reported, false);
        fatal(reported);
        return;
    }
    complete(cmd, &error);
}

void ConnectionPrivate::fileRequested(const Session::CommandPtr &command, const QByteArray &fileName)
{
    startLocalInfile(std::static_pointer_cast<PendingCommand>(command), fileName);
}

void ConnectionPrivate::startTls()
{
    flushOutput(); // the SSLRequest goes out in plain text
    transport->startTls();
}

void ConnectionPrivate::plainFallback() { warnPlainFallback(); }

void ConnectionPrivate::setReadPaused(bool paused)
{
    if (transport)
        transport->setReadPaused(paused);
}

void ConnectionPrivate::failed(const Failure &failure) { fatal(ErrorInfo::fromFailure(failure)); }

void ConnectionPrivate::complete(PendingCommand &cmd, const ErrorInfo *error, bool report)
{
    if (cmd.completionQueued || !cmd.hasWaiter())
        return; // abandoned (it finished already), or nobody waits
    cmd.completionQueued = true;
    if (!error) {
        defer(Deferred{cmd.shared_from_this(), {}});
    } else if (report && !cmd.quiet) {
        // errorOccurred before the future fails, so that a slot reading it counts as heard
        // before the future's last copy can go.
        defer([this, self = cmd.shared_from_this(), e = error->reported(describeCommand(cmd, encoding))] {
            emitFailure(e);
            finish(*self, &e);
        });
    } else {
        defer([self = cmd.shared_from_this(), e = *error] { finish(*self, &e); });
    }
}

void ConnectionPrivate::finish(PendingCommand &cmd, const ErrorInfo *error)
{
    if (cmd.callback) {
        const std::shared_ptr<Detail::QueryCallback> callback = std::exchange(cmd.callback, {});
        callback->run(error || !cmd.sink ? ResultSet() : cmd.sink->first(), error ? error->make().get() : nullptr);
    } else if (cmd.queryDone) {
        std::exchange(cmd.queryDone, {})(error, cmd.sink->results());
    } else if (cmd.done) {
        std::exchange(cmd.done, {})(error);
    }
}

// --- commands ---------------------------------------------------------------------------------

bool ConnectionPrivate::admit(const CommandPtr &cmd)
{
    const Connection::State s = state();
    if (s == Connection::State::Closed || s == Connection::State::Closing) {
        const ErrorInfo error = s == Connection::State::Closing
                ? ErrorInfo::interface(QStringLiteral("The connection is closing"))
                : notConnectedError();
        complete(*cmd, &error);
        return false;
    }
    // A streaming result still being read would hold this command up for as long as its
    // cursor takes to fetch: the rest of it is read and dropped (as PyMySQL's SSCursor does).
    if (const CommandPtr earlier = std::exchange(liveStream, {}).lock(); earlier && !earlier->replied) {
        earlier->streamSink->drain();
        if (earlier->streamSink->changed)
            earlier->streamSink->changed();
        resumeReading();
    }
    if (cmd->streamSink)
        liveStream = cmd;
    return true;
}

void ConnectionPrivate::enqueue(const CommandPtr &cmd)
{
    if (!admit(cmd))
        return;
    // Nothing comes between the long data and its execute: they are queued together.
    for (const QByteArray &packet : std::exchange(cmd->ahead, {})) {
        auto part = std::make_shared<PendingCommand>();
        part->makeNoReply(packet);
        session.submit(part);
    }
    session.submit(cmd);
    flushOutput();
}

void ConnectionPrivate::enqueueQuit(const CommandPtr &quit)
{
    if (!admit(quit))
        return;
    session.quit(quit);
    flushOutput();
    syncState();
}

CommandPtr ConnectionPrivate::simpleCommand(Protocol::Command command, QByteArrayView argument, PendingCommand::Done done)
{
    auto cmd = std::make_shared<PendingCommand>();
    quint8 replySeq = 1;
    QByteArray packet = commandPacket(quint8(command), argument, &replySeq);
    cmd->makeSimple(std::move(packet), replySeq);
    cmd->done = std::move(done);
    return cmd;
}

CommandPtr ConnectionPrivate::runCommand(Protocol::Command command, QByteArrayView argument, PendingCommand::Done done)
{
    CommandPtr cmd = simpleCommand(command, argument, std::move(done));
    enqueue(cmd);
    return cmd;
}

QueryExchange::Settings ConnectionPrivate::querySettings(bool dict) const
{
    return {encoding, dict, options.converters, options.localInfile};
}

ConnectionPrivate::QueryPacket ConnectionPrivate::queryPacket(QByteArrayView sql)
{
    logQuery(sql);
    QueryPacket p;
    p.bytes = commandPacket(quint8(Command::Query), sql, &p.replySeq);
    return p;
}

ConnectionPrivate::QueryPacket ConnectionPrivate::queryPacket(SqlWriter &writer)
{
    logQuery(writer.sql());
    QueryPacket p;
    p.bytes = writer.takeCommand(quint8(Command::Query), &p.replySeq);
    return p;
}

CommandPtr ConnectionPrivate::queryCommand(QueryPacket sql, bool dict)
{
    // One allocation for the command, its exchange and its buffered results.
    auto cmd = std::make_shared<PendingCommand>();
    QueryExchange::Settings settings = querySettings(dict);
    settings.binary = sql.binary;
    cmd->makeQuery(std::move(sql.bytes), sql.replySeq, std::move(settings), &cmd->sink.emplace());
    cmd->ahead = std::move(sql.ahead);
    return cmd;
}

CommandPtr ConnectionPrivate::streamingCommand(const QByteArray &sql, bool dict, std::shared_ptr<StreamingSink> sink,
                                               PendingCommand::Done done)
{
    return streamingCommand(queryPacket(sql), dict, std::move(sink), std::move(done));
}

CommandPtr ConnectionPrivate::streamingCommand(QueryPacket packet, bool dict, std::shared_ptr<StreamingSink> sink,
                                               PendingCommand::Done done)
{
    auto cmd = std::make_shared<PendingCommand>();
    QueryExchange::Settings settings = querySettings(dict);
    settings.binary = packet.binary;
    cmd->makeQuery(std::move(packet.bytes), packet.replySeq, std::move(settings), sink.get());
    cmd->ahead = std::move(packet.ahead);
    cmd->stream = sink.get();
    cmd->streamSink = std::move(sink);
    cmd->done = std::move(done);
    return cmd;
}

void ConnectionPrivate::resumeReading()
{
    if (session.isReadPaused())
        resumeCall.schedule();
}

SqlWriter ConnectionPrivate::sqlWriter() const
{
    return SqlWriter(encoding, session.status() & ServerStatus::NoBackslashEscapes, &options.converters);
}

SqlWriter ConnectionPrivate::commandWriter()
{
    SqlWriter writer = sqlWriter();
    writer.reuse(std::exchange(spareCommandBuffer, QByteArray()));
    return writer;
}

void ConnectionPrivate::recycle(PendingCommand &cmd)
{
    // Its reply is complete: nothing reads its packet any more. A large one is let go.
    constexpr qsizetype MaxKept = 16 * 1024;
    if (cmd.packet.isDetached() && cmd.packet.capacity() <= MaxKept && cmd.packet.capacity() > spareCommandBuffer.capacity())
        spareCommandBuffer = std::move(cmd.packet);
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

void ConnectionPrivate::rememberSession(const SessionChanges &change)
{
    if (change.database)
        sessionChanges.database = change.database;
    if (change.charset)
        sessionChanges.charset = change.charset;
    if (change.autocommit)
        sessionChanges.autocommit = change.autocommit;
    change.applyTo(options);
}

CommandPtr ConnectionPrivate::runQuery(QueryPacket sql, QueryDone done, bool dict)
{
    CommandPtr cmd = queryCommand(std::move(sql), dict);
    cmd->queryDone = std::move(done);
    enqueue(cmd);
    return cmd;
}

QFuture<ResultSet> ConnectionPrivate::bufferedQuery(QueryPacket packet)
{
    auto promise = startedPromise<ResultSet>();
    const CommandPtr cmd = runQuery(std::move(packet), completing(promise, [](const QList<ResultSet> &results) {
        return results.value(0);
    }));
    std::weak_ptr<PendingCommand> weak = cmd;
    watch(promise->future(), options.queryTimeout, [this, weak](const ErrorInfo &why) {
        if (const CommandPtr c = weak.lock())
            abandon(c, why);
    });
    return promise->future();
}

void ConnectionPrivate::runQuery(QueryPacket sql, std::shared_ptr<Detail::QueryCallback> callback,
                                 std::chrono::milliseconds timeout)
{
    CommandPtr cmd = queryCommand(std::move(sql), false);
    cmd->callback = std::move(callback);
    enqueue(cmd);
    if (timeout.count() > 0 && !cmd->completionQueued) {
        watched.push_back(Watched{{}, cmd, true, timeout, QDeadlineTimer(timeout), [this, weak = std::weak_ptr<PendingCommand>(cmd)](const ErrorInfo &why) {
                                      if (const CommandPtr c = weak.lock())
                                          abandon(c, why);
                                  }});
        if (!sweepTimer.isActive())
            sweepTimer.start();
    }
}

void ConnectionPrivate::failCallback(std::shared_ptr<Detail::QueryCallback> callback, const ErrorInfo &error)
{
    auto cmd = std::make_shared<PendingCommand>();
    cmd->callback = std::move(callback);
    complete(*cmd, &error);
}

QList<QByteArray> ConnectionPrivate::setupStatements(SetupFor when) const
{
    // As PyMySQL does it: sql_mode, init_command, then autocommit. After a reset first the
    // character set, which COM_RESET_CONNECTION set back to the server's default.
    QStringList sql;
    if (when == SetupFor::Reset)
        sql << QStringLiteral("SET NAMES %1").arg(charset);
    if (!options.sqlMode.isEmpty())
        sql << QStringLiteral("SET sql_mode=%1").arg(q->escape(options.sqlMode));
    if (!options.initCommand.isEmpty())
        sql << options.initCommand;
    // Unless it is left to the server. The login OK tells the mode before init_command, which
    // may change it: then it is set whatever the OK said. A reset set the server's default.
    if (options.autocommit
        && (when == SetupFor::Reset || !options.initCommand.isEmpty()
            || *options.autocommit != bool(session.status() & ServerStatus::Autocommit)))
        sql << QStringLiteral("SET AUTOCOMMIT = %1").arg(*options.autocommit ? 1 : 0);
    QList<QByteArray> statements;
    statements.reserve(sql.size());
    for (const QString &text : std::as_const(sql))
        statements.append(encodeText(text, encoding));
    return statements;
}

CommandPtr ConnectionPrivate::resetSession(std::function<void(const ErrorInfo *)> done)
{
    // COM_RESET_CONNECTION also sets the character set and autocommit back to the server's
    // defaults and may keep a database chosen with USE, so the session is set up again the way
    // open() did it, pipelined (one round trip); the session reports the group's first failure
    // once its last statement answered, so the connection is in step again by then.
    // Back to the session as configured: what selectDb() & co. changed is forgotten.
    sessionChanges = {};
    transaction = nullptr; // COM_RESET_CONNECTION rolls it back
    options = baseOptions;
    auto cmd = std::make_shared<PendingCommand>();
    cmd->done = std::move(done);
    if (!admit(cmd))
        return cmd;
    newStatementEpoch(); // COM_RESET_CONNECTION closes every prepared statement
    QByteArray db;
    if (!options.database.isEmpty()) {
        db = encodeText(options.database, encoding);
        database = options.database;
    }
    // Client-side at once: the commands queued after these are encoded in this charset.
    applyCharset(options.charset, nullptr);
    const QList<QByteArray> statements = setupStatements(SetupFor::Reset);
    for (const QByteArray &sql : statements)
        logQuery(sql);
    session.reset(cmd, db, statements, querySettings(false));
    flushOutput();
    // What the replies will say (a pool hands the connection out before they arrive).
    // Autocommit as configured; left to the server, its default is what the reset's OK tells.
    quint16 set = 0;
    quint16 clear = ServerStatus::InTransaction;
    if (options.autocommit)
        (*options.autocommit ? set : clear) |= quint16(ServerStatus::Autocommit);
    session.assumeStatus(set, clear);
    return cmd;
}

void ConnectionPrivate::expectTransactionEnd()
{
    session.assumeStatus(0, ServerStatus::InTransaction);
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
    if (d->state() != State::Closed) {
        d->warnIfInTransaction("deleted");
        d->sayGoodbye();
        d->shutdown(ErrorInfo::interface(QStringLiteral("Connection destroyed")));
    }
    d->destroying = true;
    d->flushDeferred();
    d->statementCache.clear(); // destroying: its handles close nothing
}

QFuture<Connection *> Connection::connect(const ConnectOptions &options, QObject *parent)
{
    auto promise = startedPromise<Connection *>();
    auto *conn = new Connection(options, parent);
    conn->d->open(completing(promise, [conn] { return conn; }, [conn](const ErrorInfo &) { conn->deleteLater(); }));
    return promise->future();
}

QFuture<void> Connection::open()
{
    auto promise = startedPromise<void>();
    d->open(finishing(promise));
    return promise->future();
}

Cursor *Connection::cursor() { return cursor(d->options.cursorType); }

Cursor *Connection::cursor(CursorType type) { return new Cursor(this, type); }

QFuture<ResultSet> Connection::query(const QString &sql, const QVariantList &args)
{
    SqlWriter writer = d->commandWriter();
    ErrorInfo error;
    if (!interpolateCommand(writer, sql, args, error, &d->lastTemplate)) // the packet is built where the SQL is written
        return d->failedCommand<ResultSet>(error);
    return d->bufferedQuery(d->queryPacket(writer));
}

void Connection::queryWithCallback(const QString &sql, const QVariantList &args, std::shared_ptr<Detail::QueryCallback> callback)
{
    SqlWriter writer = d->commandWriter();
    ErrorInfo error;
    if (!interpolateCommand(writer, sql, args, error, &d->lastTemplate)) {
        d->failCallback(std::move(callback), error);
        return;
    }
    d->runQuery(d->queryPacket(writer), std::move(callback), d->options.queryTimeout);
}

Detail::QueryCallback::~QueryCallback() = default;

QFuture<void> Connection::ping(bool reconnect)
{
    auto promise = startedPromise<void>();
    d->ping(reconnect, finishing(promise));
    return promise->future();
}

void Connection::close()
{
    if (d->state() == State::Closed)
        return;
    qCDebug(lcConnection) << "closing";
    d->warnIfInTransaction("closed");
    d->shutdown(ErrorInfo::interface(QStringLiteral("Connection closed")));
}

QFuture<void> Connection::ensureClosed()
{
    auto promise = startedPromise<void>();
    if (d->state() == State::Closed) {
        promise->finish();
        return promise->future();
    }
    d->warnIfInTransaction("closed");
    auto quit = d->simpleCommand(Command::Quit, {}, [promise](const ErrorInfo *) { promise->finish(); });
    quit->noReply = true;
    d->enqueueQuit(quit);
    // The server answers COM_QUIT by closing; the transport's failure then ends the session.
    // If it does not within a few seconds, close from our side.
    QTimer::singleShot(5000, this, [this, quit] {
        if (d->isQueued(*quit))
            close();
    });
    return promise->future();
}

QFuture<void> Connection::resetConnection()
{
    auto promise = startedPromise<void>();
    d->resetSession(finishing(promise));
    return promise->future();
}

QFuture<void> Connection::setAutocommit(bool on)
{
    auto promise = startedPromise<void>();
    d->runQuery(QStringLiteral("SET AUTOCOMMIT = %1").arg(on ? 1 : 0), completing(promise, [this, on] {
        d->rememberSession({.autocommit = on});
    }));
    return promise->future();
}

// These end the session's transaction, whoever began it: a Transaction handle no longer owns it.
QFuture<void> Connection::begin()
{
    d->transaction = nullptr;
    return d->statement(QStringLiteral("BEGIN"));
}

QFuture<void> Connection::commit()
{
    d->transaction = nullptr;
    return d->statement(QStringLiteral("COMMIT"));
}

QFuture<void> Connection::rollback()
{
    d->transaction = nullptr;
    return d->statement(QStringLiteral("ROLLBACK"));
}

QFuture<Transaction> Connection::transaction()
{
    using State = TransactionPrivate::State;
    if (d->transaction && (d->transaction->state == State::Beginning || d->transaction->state == State::Active))
        return d->failedCommand<Transaction>(ErrorInfo::programming(
                QStringLiteral("Another Transaction is active on this connection (commit or roll it back first)")));
    auto tx = std::make_shared<TransactionPrivate>(this);
    d->transaction = tx.get();
    auto promise = startedPromise<Transaction>();
    d->runQuery(QStringLiteral("BEGIN"), completing(promise, [tx] {
        tx->state = State::Active;
        // The copy in the result store holds the transaction only until a copy is taken out.
        return TransactionPrivate::storedHandle(tx);
    }, [tx](const ErrorInfo &) {
        tx->state = State::Ended;
        if (ConnectionPrivate *cd = tx->session())
            cd->transaction = nullptr;
    }));
    return promise->future();
}

QFuture<void> Connection::selectDb(const QString &db)
{
    auto promise = startedPromise<void>();
    d->enqueue(d->simpleCommand(Command::InitDb, encodeText(db, d->encoding), completing(promise, [this, db] {
        d->database = db;
        d->rememberSession({.database = db});
    })));
    return promise->future();
}

QFuture<void> Connection::setCharset(const QString &charset)
{
    // Checked here, before anything is sent: the name goes into SET NAMES as it is.
    if (!findCharset(charset))
        return d->failedCommand<void>(ErrorInfo::notSupported(unsupportedCharsetMessage(charset)));
    auto promise = startedPromise<void>();
    d->runQuery(QStringLiteral("SET NAMES %1").arg(charset), completing(promise, [this, charset] {
        d->applyCharset(charset, nullptr);
        d->rememberSession({.charset = charset});
    }));
    return promise->future();
}

QFuture<QList<Warning>> Connection::showWarnings()
{
    auto promise = startedPromise<QList<Warning>>();
    d->runQuery(QStringLiteral("SHOW WARNINGS"), completing(promise, [](const QList<ResultSet> &results) {
        QList<Warning> warnings;
        for (const Row &row : results.value(0).rows())
            warnings.append(Warning(row.value(0).toString(), quint16(row.value(1).toUInt()), row.value(2).toString()));
        return warnings;
    }));
    return promise->future();
}

QString sqlText(bool written, QByteArrayView sql, TextEncoding encoding, const ErrorInfo &error, bool *ok)
{
    if (ok)
        *ok = written;
    if (!written) {
        // A null QString, never an empty one: "" could pass for SQL that writes nothing.
        qCWarning(lcConnection).noquote() << "cannot write the SQL:" << error.message;
        return QString();
    }
    const QString text = decodeText(sql, encoding);
    return text.isNull() ? QStringLiteral("") : text;
}

QString Connection::escape(const QVariant &value, bool *ok) const
{
    SqlWriter writer = d->sqlWriter();
    writer.setBytesAsHex(true);
    ErrorInfo error;
    const bool written = writer.appendLiteral(value, error);
    return sqlText(written, writer.result(), d->encoding, error, ok);
}

QString Connection::escapeString(const QString &text) const
{
    SqlWriter writer = d->sqlWriter();
    writer.appendEscapedText(text);
    return decodeText(writer.result(), d->encoding);
}

Connection::State Connection::state() const { return d->state(); }
bool Connection::isClosed() const { return d->state() == State::Closed; }
QString Connection::host() const { return d->options.host; }
quint16 Connection::port() const { return d->options.port; }
QString Connection::user() const { return d->options.user; }
QString Connection::unixSocket() const { return d->options.unixSocket; }
QString Connection::database() const { return d->database; }
QString Connection::charset() const { return d->charset; }
QString Connection::encoding() const
{
    if (d->encoding == TextEncoding::Utf8)
        return QStringLiteral("UTF-8");
    if (d->encoding == TextEncoding::Latin1)
        return QStringLiteral("windows-1252");
    return QLatin1String(charsetFor(d->encoding).codec);
}
bool Connection::echo() const { return d->echo; }
void Connection::setEcho(bool on) { d->echo = on; }
bool Connection::autocommit() const { return d->session.status() & ServerStatus::Autocommit; }
bool Connection::inTransaction() const { return d->session.status() & ServerStatus::InTransaction; }
QString Connection::serverVersion() const { return d->session.serverVersion(); }
quint32 Connection::threadId() const { return d->session.threadId(); }
quint64 Connection::insertId() const { return d->session.insertId(); }
quint64 Connection::affectedRows() const { return d->session.affectedRows(); }
quint16 Connection::serverStatus() const { return d->session.status(); }
ConnectOptions::Compression Connection::compression() const { return d->compression(); }
bool Connection::isEncrypted() const { return d->transport && d->transport->isEncrypted(); }
QSslCipher Connection::sslCipher() const { return d->transport ? d->transport->sessionCipher() : QSslCipher(); }
QSsl::SslProtocol Connection::sslProtocol() const
{
    return d->transport ? d->transport->sessionProtocol() : QSsl::UnknownProtocol;
}
const ConnectOptions &Connection::options() const { return d->options; }

} // namespace AsyncMySql
