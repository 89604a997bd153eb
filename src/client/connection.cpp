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
    results.append(ResultSetPrivate::make(d));
}

// ---------------------------------------------------------------------------------------------
// ConnectionPrivate

namespace {

QByteArray clientVersion() { return QByteArrayLiteral("0.1.0"); }

} // namespace

ConnectionPrivate::ConnectionPrivate(Connection *qq, const ConnectOptions &opts)
    : q(qq), givenOptions(opts), baseOptions(opts), options(opts), database(opts.database), charset(opts.charset), echo(opts.echo)
{
    connectTimer.setSingleShot(true);
    // How soon a QFuture::cancel() or a query timeout takes effect.
    sweepTimer.setInterval(std::chrono::milliseconds(25));
    QObject::connect(&sweepTimer, &QTimer::timeout, q, [this] { sweepWatched(); });
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
    if (refusal)
        return *refusal;
    if (lostConnection)
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
    lostConnection = false;
    status = 0;
    uncommittedChanges = false;
    database = options.database;
    reader.reset();
    compression = ConnectOptions::Compression::None;
    setState(Connection::State::Connecting);

    transport = new Transport(options, q);
    transport->setTls(tlsMode, tlsConfiguration);
    QObject::connect(transport, &Transport::connected, q, [this] { onTransportConnected(); });
    QObject::connect(transport, &Transport::readyRead, q, [this] { onReadyRead(); });
    QObject::connect(transport, &Transport::bytesWritten, q, [this] {
        if (infile)
            pumpLocalInfile();
    });
    QObject::connect(transport, &Transport::encrypted, q, [this] {
        if (!connectExchange)
            return;
        QByteArray out;
        const Exchange::Status s = connectExchange->tlsEstablished(out);
        transport->write(out);
        if (s == Exchange::Status::Failed)
            fatal(ErrorInfo::fromFailure(connectExchange->failure()));
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
    connectExchange = std::make_unique<ConnectExchange>(std::move(s));

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
    if (reconnect && state == Connection::State::Closed) {
        reopenAndPing();
        return;
    }
    // A server end that went away while we were not reading (KILL CONNECTION, a restart,
    // wait_timeout) shows only now, as a failed ping: as aiomysql does, reconnect then. Not
    // for a connection still being opened (its own failure is the answer) nor one the user is
    // closing or has closed (InterfaceError).
    const bool mayReconnect = reconnect && state == Connection::State::Connected;
    enqueue(simpleCommand(Command::Ping, {}, [this, mayReconnect, done, reopenAndPing](const ErrorInfo *error) {
        // COM_PING has no error of its own: an ERR (1927 killed, 1053 shutdown) is the server
        // ending the session, and its close follows. End it here, as that close would.
        if (error && !destroying && state == Connection::State::Connected && error->type != Error::Type::Interface)
            fatal(*error);
        if (!error || !mayReconnect || destroying || error->type == Error::Type::Interface
            || state == Connection::State::Closing) {
            done(error);
            return;
        }
        qCInfo(lcConnection).noquote() << "ping failed, reconnecting:" << error->message;
        reopenAndPing();
    }));
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
    } else if (state == Connection::State::Connecting && code == ClientError::SslConnectionError) {
        text = QStringLiteral("TLS handshake with '%1' failed: %2").arg(transport->peerName(), message);
        sqlState = QStringLiteral("08001");
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

void ConnectionPrivate::fatal(const ErrorInfo &cause)
{
    qCWarning(lcConnection).noquote() << "connection failed:" << cause.message;
    const bool wasOpen = state == Connection::State::Connected;
    // One failure, reported once: errorOccurred once (unless the caller did already: a report
    // is attached then), and the futures it fails share the report.
    const ErrorInfo error = cause.reported();
    if (!cause.report)
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
    compressor.reset();
    decompressor.reset();
    setupPending = 0;
    transaction = nullptr; // the server rolls an open one back with the session
    holdWrites = false;
    killInFlight = false;
    readingPaused = false;
    infile.reset();
    auto pending = std::exchange(commands, {});
    for (const CommandPtr &cmd : pending)
        complete(cmd, cmd->noReply ? nullptr : &error, false); // COM_QUIT completes by the connection closing
    const auto waiters = std::exchange(openWaiters, {});
    for (const auto &w : waiters)
        defer([w, error] { w(&error); });
    setState(Connection::State::Closed);
}

void ConnectionPrivate::warnIfInTransaction(const char *how) const
{
    if (state != Connection::State::Connected || !((status & ServerStatus::InTransaction) && (uncommittedChanges || transaction)))
        return;
    qCWarning(lcConnection).noquote()
            << QStringLiteral("a connection with an open transaction is %1: the server rolls the transaction back "
                              "(commit it first; autocommit is off unless ConnectOptions::autocommit is set)")
                       .arg(QLatin1String(how));
}

void ConnectionPrivate::sayGoodbye()
{
    if (state != Connection::State::Connected || !transport || infile)
        return;
    // With LOCAL INFILE allowed, a command whose reply is still coming may turn into a file
    // request, and the server would take COM_QUIT for the file's content.
    if (options.localInfile && std::any_of(commands.begin(), commands.end(), [](const CommandPtr &c) { return c->written; }))
        return;
    // Behind commands that are queued but not written yet nothing is lost: they fail anyway.
    writePackets(commandPacket(quint8(Command::Quit)), 0);
    transport->flushAndAbort();
}

bool ConnectionPrivate::readInput()
{
    // Straight into the reader's (or decompressor's) one buffer, which is reused read after read.
    constexpr qint64 room = Transport::ReadChunk;
    if (decompressor) {
        const qint64 n = transport->read(decompressor->reserveInput(room), room);
        decompressor->commitInput(n);
        return n > 0;
    }
    const qint64 n = transport->read(reader.reserveInput(room), room);
    reader.commitInput(n);
    return n > 0;
}

void ConnectionPrivate::onReadyRead()
{
    if (!transport || readingPaused)
        return;
    QByteArray out;
    Packet packet;
    // At most one bounded read per round, and only once the bytes read before are used up: a
    // paused stream's bytes wait in the socket and the kernel, not in our buffers. The
    // transport signals again for what it still holds.
    bool readThisRound = false;
    // Each packet goes to the connect exchange or the command at the front of the queue.
    while (transport) {
        if (!commands.empty() && commands.front()->stream && commands.front()->stream->isFull()) {
            // Back-pressure: what was read waits in the reader, the socket buffers a little
            // more, and then TCP makes the server wait.
            readingPaused = true;
            transport->setReadPaused(true);
            return;
        }
        const PacketReader::Status st = reader.next(packet);
        if (st == PacketReader::Status::NeedMore) {
            packet = Packet(); // the reader's buffer is ours alone again: it can be reused
            if (decompressor) {
                // One compressed packet at a time: which sequence id it must carry depends on the
                // command whose reply is read, known only once the previous reply is complete.
                QByteArray inner;
                const FrameDecompressor::Status ds = decompressor->next(inner);
                if (ds == FrameDecompressor::Status::Malformed) {
                    fatal(ErrorInfo{Error::Type::Internal, decompressor->errorCode(), QStringLiteral("HY000"),
                                    QStringLiteral("Protocol error: %1").arg(decompressor->errorString())});
                    return;
                }
                if (ds == FrameDecompressor::Status::Ready) {
                    reader.feed(inner);
                    continue;
                }
            }
            if (readThisRound || !readInput())
                break;
            readThisRound = true;
            continue;
        }
        if (st == PacketReader::Status::Malformed) {
            fatal(ErrorInfo{Error::Type::Internal, ClientError::MalformedPacket, QStringLiteral("HY000"),
                            QStringLiteral("Protocol error: %1").arg(reader.errorString())});
            return;
        }
        if (connectExchange) {
            const Exchange::Status s = connectExchange->handle(packet, out);
            const ConnectExchange::Action action = connectExchange->takeAction();
            const bool startTls = action == ConnectExchange::Action::StartTls;
            if (!out.isEmpty())
                transport->write(std::exchange(out, {})); // authentication is never compressed
            if (s == Exchange::Status::Failed) {
                fatal(ErrorInfo::fromFailure(connectExchange->failure()));
                return;
            }
            if (action == ConnectExchange::Action::PlainFallback)
                warnPlainFallback();
            if (startTls)
                transport->startTls();
            if (s == Exchange::Status::Done)
                authenticated();
            continue;
        }
        if (commands.empty() || !commands.front()->written) {
            unsolicited(packet);
            return;
        }
        CommandPtr cmd = commands.front();
        const Exchange::Status s = cmd->exchange->handle(packet, out);
        if (!out.isEmpty())
            writeReplyPackets(std::exchange(out, {}));
        if (s == Exchange::Status::Continue) {
            if (cmd->query) {
                if (const auto file = cmd->query->takeFileRequest())
                    startLocalInfile(cmd, *file);
            }
            continue;
        }
        commands.pop_front();
        cmd->replied = true;
        if (!commands.empty() && commands.front()->written)
            expectReplyOf(*commands.front());
        if (const OkPacket *ok = cmd->exchange->lastOk())
            updateFromOk(*ok);
        if (s == Exchange::Status::Done) {
            complete(cmd, cmd->localError ? &*cmd->localError : nullptr);
        } else {
            const Failure &f = cmd->exchange->failure();
            const ErrorInfo error = ErrorInfo::fromFailure(f);
            if (f.fatal) {
                // One report for cmd and every command the connection's end fails, emitted
                // before any of their futures fails.
                const ErrorInfo reported = error.reported(describeCommand(*cmd, encoding));
                emitError(reported);
                complete(cmd, &reported, false);
                fatal(reported);
                return;
            }
            complete(cmd, &error);
        }
        if (holdWrites)
            releaseWrites();
        else if (options.localInfile)
            writePending(); // one command at a time: the next goes out now
    }
}

void ConnectionPrivate::unsolicited(const Packet &packet)
{
    // A server about to close an idle session says why first: ERR 1927 "Connection was
    // killed", 4031 "disconnected by the server because of inactivity", 1053 shutdown.
    if (packet.first() == ErrHeader) {
        if (const auto err = parseErr(packet.view())) {
            fatal(ErrorInfo::operational(err->code, QString::fromUtf8(err->message), QString::fromLatin1(err->sqlState)));
            return;
        }
    }
    fatal(ErrorInfo{Error::Type::Internal, ClientError::CommandsOutOfSync, QStringLiteral("HY000"),
                    QStringLiteral("Protocol error: the server sent a packet nobody asked for")});
}

void ConnectionPrivate::complete(const CommandPtr &cmd, const ErrorInfo *error, bool report)
{
    PendingCommand::Done done = std::exchange(cmd->done, {});
    if (!done)
        return; // abandoned: its future has finished already
    if (!error) {
        defer([done] { done(nullptr); });
    } else if (report && cmd->reportsFailure) {
        // errorOccurred before the future fails, so that a slot reading it counts as heard
        // before the future's last copy can go.
        defer([this, done, e = error->reported(describeCommand(*cmd, encoding))] {
            emitFailure(e);
            done(&e);
        });
    } else {
        defer([done, e = *error] { done(&e); });
    }
}

void ConnectionPrivate::writePending()
{
    if (state != Connection::State::Connected || holdWrites || !transport)
        return;
    for (const CommandPtr &cmd : commands) {
        if (cmd->written)
            continue;
        // Not past a command with LOCAL INFILE enabled: the server would read the next
        // command as the file's content.
        if (options.localInfile && cmd != commands.front())
            break;
        write(cmd);
    }
}

void ConnectionPrivate::updateFromOk(const OkPacket &ok)
{
    status = ok.status;
    // What closing now would lose. A SELECT under autocommit off opens a transaction too, but
    // ends with no affected rows: closing after it loses nothing worth a warning.
    uncommittedChanges = (status & ServerStatus::InTransaction) && (uncommittedChanges || ok.affectedRows > 0);
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
                          << "tls" << connectExchange->usedTls() << "plugin" << connectExchange->authPlugin();
    const CompressionAlgorithm negotiated = connectExchange->compression();
    connectExchange.reset();
    if (negotiated != CompressionAlgorithm::None && reader.pending() > 0) {
        // The server waits for a command after its OK; bytes now would be read in the wrong framing.
        fatal(ErrorInfo{Error::Type::Internal, ClientError::MalformedPacket, QStringLiteral("HY000"),
                        QStringLiteral("Protocol error: unexpected bytes after the authentication OK packet")});
        return;
    }
    startCompression(negotiated);

    // Session setup, as PyMySQL does it: sql_mode, init_command, then autocommit (unless it
    // is left to the server). The login OK tells the mode before init_command, which may
    // change it: then it is set whatever the OK said.
    QStringList setup = sessionStatements();
    if (options.autocommit
        && (!options.initCommand.isEmpty() || *options.autocommit != bool(status & ServerStatus::Autocommit)))
        setup << QStringLiteral("SET AUTOCOMMIT = %1").arg(*options.autocommit ? 1 : 0);
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
        setupCommands.back()->reportsFailure = false; // fatal() reports it, once
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
    writePending();
    const auto waiters = std::exchange(openWaiters, {});
    for (const auto &w : waiters)
        defer([w] { w(nullptr); });
}

// --- commands ---------------------------------------------------------------------------------

void ConnectionPrivate::write(const CommandPtr &cmd)
{
    cmd->exchange->setCapabilities(capabilities);
    cmd->exchange->setCompressed(compressor != nullptr);
    // Every command starts a new compressed sequence, also when written behind others.
    cmd->replyCompressedSeq = writePackets(cmd->packet, 0);
    cmd->written = true;
    if (commands.front() == cmd)
        expectReplyOf(*cmd);
}

quint8 ConnectionPrivate::writePackets(const QByteArray &packets, quint8 compressedSeq)
{
    if (!compressor) {
        transport->write(packets);
        return compressedSeq;
    }
    QByteArray wire;
    compressedSeq = compressor->compress(packets, compressedSeq, wire);
    transport->write(wire);
    return compressedSeq;
}

void ConnectionPrivate::writeReplyPackets(const QByteArray &packets)
{
    if (!decompressor) {
        transport->write(packets);
        return;
    }
    // The server numbers what follows from our last compressed packet, as we do from its.
    decompressor->setNextSequenceId(writePackets(packets, decompressor->nextSequenceId()));
}

void ConnectionPrivate::expectReplyOf(const PendingCommand &cmd)
{
    if (decompressor)
        decompressor->setNextSequenceId(cmd.replyCompressedSeq);
}

void ConnectionPrivate::startCompression(CompressionAlgorithm algorithm)
{
    const auto wanted = options.compression;
    compression = algorithm == CompressionAlgorithm::Zstd ? ConnectOptions::Compression::Zstd
            : algorithm == CompressionAlgorithm::Zlib     ? ConnectOptions::Compression::Zlib
                                                          : ConnectOptions::Compression::None;
    if (compression != wanted) {
        qCInfo(lcConnection).noquote() << "the server does not offer"
                                       << (wanted == ConnectOptions::Compression::Zstd ? "zstd" : "zlib")
                                       << "compression; using"
                                       << (compression == ConnectOptions::Compression::Zlib ? "zlib" : "none");
    }
    if (algorithm == CompressionAlgorithm::None)
        return;
    compressor = std::make_unique<FrameCompressor>(algorithm, qBound(1, options.zstdLevel, 22));
    decompressor = std::make_unique<FrameDecompressor>(algorithm);
}

void ConnectionPrivate::enqueue(const CommandPtr &cmd)
{
    if (state == Connection::State::Closed || state == Connection::State::Closing) {
        const ErrorInfo error = state == Connection::State::Closing
                ? ErrorInfo::interface(QStringLiteral("The connection is closing"))
                : notConnectedError();
        complete(cmd, &error);
        return;
    }
    // A streaming result still being read would hold this command up for as long as its
    // cursor takes to fetch: the rest of it is read and dropped (as PyMySQL's SSCursor does).
    if (const CommandPtr earlier = std::exchange(liveStream, {}).lock(); earlier && !earlier->replied) {
        earlier->stream->drain();
        if (earlier->stream->changed)
            earlier->stream->changed();
        resumeReading();
    }
    if (cmd->stream)
        liveStream = cmd;
    commands.push_back(cmd);
    // Pipelining: written now, replies are matched in order. Those before it are written
    // already unless something holds writes back; then writePending() catches up later.
    if (state == Connection::State::Connected && !holdWrites && (!options.localInfile || commands.size() == 1))
        write(cmd);
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

namespace {
CommandPtr makeQueryCommand(const QByteArray &sql, const QueryExchange::Settings &settings, ResultSink *sink,
                            PendingCommand::Done done)
{
    auto cmd = std::make_shared<PendingCommand>();
    quint8 replySeq = 1;
    cmd->packet = commandPacket(quint8(Command::Query), sql, &replySeq);
    auto exchange = std::make_unique<QueryExchange>(settings, sink);
    exchange->setNextSequenceId(replySeq);
    cmd->query = exchange.get();
    cmd->exchange = std::move(exchange);
    cmd->done = std::move(done);
    return cmd;
}
} // namespace

CommandPtr ConnectionPrivate::queryCommand(const QByteArray &sql, bool dict, PendingCommand::Done done)
{
    auto sink = std::make_shared<BufferedSink>();
    CommandPtr cmd = makeQueryCommand(sql, {encoding, dict, options.converters, options.localInfile}, sink.get(),
                                      std::move(done));
    cmd->sink = std::move(sink);
    return cmd;
}

CommandPtr ConnectionPrivate::streamingCommand(const QByteArray &sql, bool dict, std::shared_ptr<StreamingSink> sink,
                                               PendingCommand::Done done)
{
    CommandPtr cmd = makeQueryCommand(sql, {encoding, dict, options.converters, options.localInfile}, sink.get(),
                                      std::move(done));
    cmd->stream = std::move(sink);
    return cmd;
}

void ConnectionPrivate::resumeReading()
{
    if (!readingPaused || resumeScheduled)
        return;
    // Queued: the cursor calling us may itself run inside a continuation of the parser's work.
    resumeScheduled = true;
    QMetaObject::invokeMethod(q, [this] {
        resumeScheduled = false;
        if (!readingPaused || !transport)
            return;
        if (!commands.empty() && commands.front()->stream && commands.front()->stream->isFull())
            return; // taken rows were not enough yet
        readingPaused = false;
        transport->setReadPaused(false);
        onReadyRead();
    }, Qt::QueuedConnection);
}

SqlWriter ConnectionPrivate::sqlWriter() const
{
    return SqlWriter(encoding, status & ServerStatus::NoBackslashEscapes, &options.converters);
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

CommandPtr ConnectionPrivate::runQuery(const QByteArray &sql, QueryDone done, bool dict)
{
    logQuery(sql);
    CommandPtr cmd = queryCommand(sql, dict, {});
    // The sink outlives the exchange that fills it: the completion reads it afterwards.
    cmd->done = [done, sink = cmd->sink](const ErrorInfo *error) { done(error, sink->results); };
    enqueue(cmd);
    return cmd;
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

CommandPtr ConnectionPrivate::resetSession(std::function<void(const ErrorInfo *)> done)
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
    // Back to the session as configured: what selectDb() & co. changed is forgotten.
    sessionChanges = {};
    transaction = nullptr; // COM_RESET_CONNECTION rolls it back
    options = baseOptions;
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
    statements << sessionStatements();
    // Left to the server: COM_RESET_CONNECTION has set it back to the server's default.
    if (options.autocommit)
        statements << QStringLiteral("SET AUTOCOMMIT = %1").arg(*options.autocommit ? 1 : 0);
    for (const QString &sql : std::as_const(statements)) {
        const QByteArray bytes = encodeText(sql, encoding);
        logQuery(bytes);
        steps << queryCommand(bytes, false, step);
    }
    progress->pending = int(steps.size());
    for (const CommandPtr &cmd : std::as_const(steps))
        enqueue(cmd);
    // What the replies will say (a pool hands the connection out before they arrive).
    status &= ~quint16(ServerStatus::InTransaction);
    if (options.autocommit)
        status |= ServerStatus::Autocommit;
    else
        status &= ~quint16(ServerStatus::Autocommit);
    return steps.last();
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
    if (d->state != State::Closed) {
        d->warnIfInTransaction("deleted");
        d->sayGoodbye();
        d->shutdown(ErrorInfo::interface(QStringLiteral("Connection destroyed")));
    }
    d->destroying = true;
    d->flushDeferred();
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
    SqlWriter writer = d->sqlWriter();
    ErrorInfo error;
    if (!interpolate(writer, sql, args, error))
        return d->failedCommand<ResultSet>(error);
    auto promise = startedPromise<ResultSet>();
    const CommandPtr cmd = d->runQuery(writer.take(), completing(promise, [](const QList<ResultSet> &results) {
        return results.value(0);
    }));
    std::weak_ptr<PendingCommand> weak = cmd;
    d->watch(promise->future(), d->options.queryTimeout, [this, weak](const ErrorInfo &why) {
        if (const CommandPtr c = weak.lock())
            d->abandon(c, why);
    });
    return promise->future();
}

QFuture<void> Connection::ping(bool reconnect)
{
    auto promise = startedPromise<void>();
    d->ping(reconnect, finishing(promise));
    return promise->future();
}

void Connection::close()
{
    if (d->state == State::Closed)
        return;
    qCDebug(lcConnection) << "closing";
    d->warnIfInTransaction("closed");
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
    d->warnIfInTransaction("closed");
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
    if (d->encoding == TextEncoding::Utf8)
        return QStringLiteral("UTF-8");
    if (d->encoding == TextEncoding::Latin1)
        return QStringLiteral("windows-1252");
    return QLatin1String(charsetFor(d->encoding).codec);
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
ConnectOptions::Compression Connection::compression() const { return d->compression; }
bool Connection::isEncrypted() const { return d->transport && d->transport->isEncrypted(); }
QSslCipher Connection::sslCipher() const { return d->transport ? d->transport->sessionCipher() : QSslCipher(); }
QSsl::SslProtocol Connection::sslProtocol() const
{
    return d->transport ? d->transport->sessionProtocol() : QSsl::UnknownProtocol;
}
const ConnectOptions &Connection::options() const { return d->options; }

} // namespace AsyncMySql
