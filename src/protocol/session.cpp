// SPDX-License-Identifier: MIT
#include "session.h"

#include "constants.h"

namespace AsyncMySql::Protocol {

namespace {

//! The setup statements' results: nobody reads them.
class DiscardSink final : public ResultSink
{
public:
    void resultStarted(const ResultMetaPtr &) override { }
    void rowReceived(Row &&) override { }
    void resultFinished(const ResultMetaPtr &, const OkPacket &) override { }
};

DiscardSink discardSink; // stateless: one for every session

Failure clientFailure(Error::Type type, quint16 code, const char *sqlState, const QString &message)
{
    return Failure{false, true, type, code, QByteArray(sqlState), message};
}

Failure protocolFailure(quint16 code, const QString &why)
{
    return clientFailure(Error::Type::Internal, code, "HY000", QStringLiteral("Protocol error: %1").arg(why));
}

/*! Makes \a cmd the command \a command with \a argument (a query's rows are dropped: nobody
    reads what setup statements return). */
void prepareOwnCommand(Session::Command &cmd, Command command, QByteArrayView argument,
                       const QueryExchange::Settings &settings)
{
    quint8 replySeq = 1;
    QByteArray packet = commandPacket(quint8(command), argument, &replySeq);
    if (command == Command::Query)
        cmd.makeQuery(std::move(packet), replySeq, settings, &discardSink);
    else
        cmd.makeSimple(std::move(packet), replySeq);
}

} // namespace

//! A setup or reset statement: the session's own command.
struct Session::SetupCommand final : Command
{
    SetupCommand(Protocol::Command command, QByteArrayView argument, const QueryExchange::Settings &settings,
                 const Command *groupEnd = nullptr)
        : groupEnd(groupEnd)
    {
        kind = Kind::Setup;
        prepareOwnCommand(*this, command, argument, settings);
    }
    const Command *groupEnd; //!< reset(): the engine's command its failure is reported on
};

void Session::Command::makeSimple(QByteArray framed, quint8 replySeq)
{
    packet = std::move(framed);
    exchange = &m_exchange.emplace<SimpleExchange>();
    query = nullptr;
    exchange->setNextSequenceId(replySeq);
}

void Session::Command::makeQuery(QByteArray framed, quint8 replySeq, QueryExchange::Settings settings, ResultSink *sink)
{
    packet = std::move(framed);
    query = &m_exchange.emplace<QueryExchange>(std::move(settings), sink);
    exchange = query;
    exchange->setNextSequenceId(replySeq);
}

void Session::Command::makePrepare(QByteArray framed, quint8 replySeq, TextEncoding encoding)
{
    packet = std::move(framed);
    exchange = &m_exchange.emplace<PrepareExchange>(encoding);
    query = nullptr;
    exchange->setNextSequenceId(replySeq);
}

void Session::Command::makeNoReply(QByteArray framed)
{
    packet = std::move(framed);
    m_exchange.emplace<std::monostate>();
    exchange = nullptr;
    query = nullptr;
}

Session::Session(Listener *listener) : m_listener(listener) { }

Session::~Session() = default;

// --- lifecycle --------------------------------------------------------------------------------

void Session::start(Settings settings, Clock::time_point now)
{
    Q_ASSERT(m_commands.empty());
    ++m_generation;
    m_zstdLevel = settings.connect.zstdLevel;
    m_connect = std::make_unique<ConnectExchange>(std::move(settings.connect));
    settings.connect = {};
    m_settings = std::move(settings);
    m_phase = Phase::Greeting;
    m_interrupt = Interrupt::None;
    m_killTarget = nullptr;
    m_upload = Upload::None;
    m_readPaused = false;
    m_setupPending = 0;
    m_groupFailures.clear();
    m_reader.reset();
    m_reader.setMaxPayload(m_settings.maxPayload);
    m_compressor.reset();
    m_decompressor.reset();
    m_compression = CompressionAlgorithm::None;
    m_output.clear();
    m_metaCache.clear();
    m_status = 0;
    m_uncommittedChanges = false;
    m_hasDeadline = m_settings.connectTimeout.count() > 0;
    if (m_hasDeadline)
        m_deadline = now + m_settings.connectTimeout;
}

bool Session::isOpen() const { return m_phase != Phase::Closed && m_phase != Phase::Lost; }

bool Session::isConnecting() const
{
    switch (m_phase) {
    case Phase::Greeting:
    case Phase::TlsHandshake:
    case Phase::Authenticating:
    case Phase::SettingUp:
        return true;
    default:
        return false;
    }
}

void Session::tlsEstablished()
{
    if (!m_connect || m_phase != Phase::TlsHandshake)
        return;
    m_phase = Phase::Authenticating;
    QByteArray out;
    const Exchange::Status s = m_connect->tlsEstablished(out);
    m_output.append(out); // authentication is never compressed
    if (s == Exchange::Status::Failed)
        fail(m_connect->failure());
}

std::optional<Session::Clock::time_point> Session::deadline() const
{
    if (!m_hasDeadline || !isConnecting())
        return std::nullopt;
    return m_deadline;
}

void Session::tick(Clock::time_point now)
{
    if (!m_hasDeadline || !isConnecting() || now < m_deadline)
        return;
    fail(clientFailure(Error::Type::Operational, ClientError::ConnHostError, "08001",
                       QStringLiteral("Can't connect to MySQL server on '%1' (timed out after %2 ms)")
                               .arg(m_settings.peerName).arg(m_settings.connectTimeout.count())));
}

std::optional<Failure> Session::transportFailure(int code, const QString &message) const
{
    const auto failure = [code](const char *sqlState, const QString &text) {
        return clientFailure(Error::Type::Operational, quint16(code), sqlState, text);
    };
    switch (m_phase) {
    case Phase::Closed:
    case Phase::Lost:
    case Phase::Quitting: // the server closes after COM_QUIT, as it should
        return std::nullopt;
    case Phase::SettingUp:
        return failure("08S01", QStringLiteral("Lost connection to MySQL server while setting up the session (%1)").arg(message));
    case Phase::Greeting:
    case Phase::TlsHandshake:
    case Phase::Authenticating:
        if (code == ClientError::SslConnectionError)
            return failure("08001", QStringLiteral("TLS handshake with '%1' failed: %2").arg(m_settings.peerName, message));
        if (code == ClientError::ServerLost)
            return failure("08S01", QStringLiteral("Lost connection to MySQL server during the handshake (%1)").arg(message));
        return failure("08001", QStringLiteral("Can't connect to MySQL server on '%1' (%2)").arg(m_settings.peerName, message));
    case Phase::Ready:
        break;
    }
    return failure("08S01", QStringLiteral("Lost connection to MySQL server (%1)").arg(message));
}

std::deque<Session::CommandPtr> Session::close(bool failed)
{
    ++m_generation;
    // Lost tells a later user of the connection that the server went away, not that it was closed.
    m_phase = m_phase == Phase::Lost || (failed && m_phase == Phase::Ready) ? Phase::Lost : Phase::Closed;
    m_connect.reset();
    m_reader.reset();
    m_compressor.reset();
    m_decompressor.reset();
    m_setupPending = 0;
    m_groupFailures.clear();
    m_interrupt = Interrupt::None;
    m_killTarget = nullptr;
    m_upload = Upload::None;
    m_readPaused = false;
    m_output.clear();
    m_hasDeadline = false;
    // The setup statements are the session's own: the engine never saw them, and must not
    // get them to fail (it takes every command returned for one of its own).
    std::deque<CommandPtr> pending = std::exchange(m_commands, {});
    pending.erase(std::remove_if(pending.begin(), pending.end(),
                                 [](const CommandPtr &c) { return c->kind == Command::Kind::Setup; }),
                  pending.end());
    return pending;
}

void Session::fail(const Failure &cause)
{
    // A copy: the cause may live in the connect exchange or a command, which the listener's
    // close() destroys while it still reads the failure.
    const Failure failure = cause;
    const quint64 generation = m_generation;
    if (m_listener)
        m_listener->failed(failure);
    if (generation == m_generation)
        close(true);
}

void Session::quit(const CommandPtr &quit)
{
    submit(quit);
    if (m_phase == Phase::Ready)
        m_phase = Phase::Quitting;
}

bool Session::sayGoodbye()
{
    if (m_phase != Phase::Ready || m_upload != Upload::None)
        return false;
    // Behind a command whose reply is still coming, COM_QUIT could be taken for a file's content.
    if (!mayWriteBehindFront() && std::any_of(m_commands.begin(), m_commands.end(), [](const CommandPtr &c) { return c->written; }))
        return false;
    // Behind commands that are queued but not written yet nothing is lost: they fail anyway.
    writePackets(commandPacket(quint8(Protocol::Command::Quit)), 0);
    return true;
}

// --- input ------------------------------------------------------------------------------------

char *Session::reserveInput(qsizetype bytes)
{
    return m_decompressor ? m_decompressor->reserveInput(bytes) : m_reader.reserveInput(bytes);
}

void Session::commitInput(qsizetype written)
{
    if (m_decompressor)
        m_decompressor->commitInput(written);
    else
        m_reader.commitInput(written);
}

void Session::feed(const QByteArray &bytes)
{
    if (m_decompressor)
        m_decompressor->feed(bytes);
    else
        m_reader.feed(bytes);
}

bool Session::frontIsFull() const
{
    return !m_commands.empty() && m_commands.front()->stream && m_commands.front()->stream->isFull();
}

bool Session::process()
{
    if (!isOpen() || m_readPaused)
        return false;
    const quint64 generation = m_generation;
    Packet packet;
    for (;;) {
        if (frontIsFull()) {
            // Back-pressure: what was read waits in the reader, the socket buffers a little
            // more, and then TCP makes the server wait.
            m_readPaused = true;
            if (m_listener)
                m_listener->setReadPaused(true);
            return false;
        }
        const PacketReader::Status st = m_reader.next(packet);
        if (st == PacketReader::Status::NeedMore) {
            packet = Packet(); // the reader's buffer is ours alone again: it can be reused
            if (m_decompressor) {
                // One compressed packet at a time: which sequence id it must carry depends on the
                // command whose reply is read, known only once the previous reply is complete.
                QByteArray inner;
                const FrameDecompressor::Status ds = m_decompressor->next(inner);
                if (ds == FrameDecompressor::Status::Malformed) {
                    fail(protocolFailure(m_decompressor->errorCode(), m_decompressor->errorString()));
                    return false;
                }
                if (ds == FrameDecompressor::Status::Ready) {
                    m_reader.feed(inner);
                    continue;
                }
            }
            return true;
        }
        if (st == PacketReader::Status::Malformed) {
            fail(protocolFailure(ClientError::MalformedPacket, m_reader.errorString()));
            return false;
        }
        handlePacket(packet);
        if (generation != m_generation || !isOpen())
            return false;
    }
}

bool Session::handlePacket(const Packet &packet)
{
    if (m_connect)
        return handleConnectPacket(packet);
    if (m_commands.empty() || !m_commands.front()->written) {
        unsolicited(packet);
        return false;
    }
    // No copy of the shared pointer per packet: the exchange and its sink never reach the
    // listener (a streaming sink defers what it tells), so the command stays at the front.
    Command *cmd = m_commands.front().get();
    QByteArray out;
    const Exchange::Status s = cmd->exchange->handle(packet, out);
    if (!out.isEmpty())
        writeReplyPackets(out);
    if (s != Exchange::Status::Continue) {
        finishFront(s);
        return true;
    }
    if (cmd->query) {
        if (const auto file = cmd->query->takeFileRequest()) {
            m_upload = Upload::Sending;
            if (cmd->kind != Command::Kind::Engine || !m_listener)
                sendFileChunk({}); // a setup or reset statement has no file to send: nothing is loaded
            else
                m_listener->fileRequested(CommandPtr(m_commands.front()), *file); // a copy: it may close the session
        }
    }
    return true;
}

bool Session::handleConnectPacket(const Packet &packet)
{
    QByteArray out;
    const Exchange::Status s = m_connect->handle(packet, out);
    const ConnectExchange::Action action = m_connect->takeAction();
    m_output.append(out); // authentication is never compressed
    if (s == Exchange::Status::Failed) {
        fail(m_connect->failure());
        return false;
    }
    if (m_phase == Phase::Greeting)
        m_phase = Phase::Authenticating;
    if (action == ConnectExchange::Action::PlainFallback && m_listener)
        m_listener->plainFallback();
    if (action == ConnectExchange::Action::StartTls) {
        m_phase = Phase::TlsHandshake;
        if (m_listener)
            m_listener->startTls();
    }
    if (s == Exchange::Status::Done && m_connect)
        onAuthenticated();
    return true;
}

void Session::onAuthenticated()
{
    const Handshake &hs = m_connect->handshake();
    m_serverVersion = QString::fromUtf8(hs.serverVersion);
    m_threadId = hs.threadId;
    m_capabilities = m_connect->capabilities();
    if (const OkPacket *ok = m_connect->lastOk())
        m_status = ok->status;
    m_usedTls = m_connect->usedTls();
    m_authPlugin = m_connect->authPlugin();
    const CompressionAlgorithm negotiated = m_connect->compression();
    m_connect.reset();
    if (negotiated != CompressionAlgorithm::None && m_reader.pending() > 0) {
        // The server waits for a command after its OK; bytes now would be read in the wrong framing.
        fail(protocolFailure(ClientError::MalformedPacket, QStringLiteral("unexpected bytes after the authentication OK packet")));
        return;
    }
    m_compression = negotiated;
    if (negotiated != CompressionAlgorithm::None) {
        m_compressor = std::make_unique<FrameCompressor>(negotiated, m_zstdLevel);
        m_decompressor = std::make_unique<FrameDecompressor>(negotiated);
    }
    m_phase = Phase::SettingUp;
    if (m_listener)
        m_listener->authenticated();
}

void Session::setUp(const QList<QByteArray> &statements, const QueryExchange::Settings &settings)
{
    if (m_phase != Phase::SettingUp || m_setupPending > 0)
        return;
    if (statements.isEmpty()) {
        becomeReady();
        return;
    }
    m_setupPending = int(statements.size());
    std::vector<CommandPtr> setup;
    setup.reserve(statements.size());
    for (const QByteArray &sql : statements)
        setup.push_back(std::make_shared<SetupCommand>(Protocol::Command::Query, sql, settings));
    // These go before anything the user queued meanwhile (which is not written yet).
    m_commands.insert(m_commands.begin(), setup.begin(), setup.end());
    for (const CommandPtr &cmd : setup)
        write(*cmd);
}

void Session::becomeReady()
{
    m_phase = Phase::Ready;
    m_hasDeadline = false;
    writePending();
    if (m_listener)
        m_listener->ready();
}

void Session::unsolicited(const Packet &packet)
{
    // A server about to close an idle session says why first: ERR 1927 "Connection was
    // killed", 4031 "disconnected by the server because of inactivity", 1053 shutdown.
    if (packet.first() == ErrHeader) {
        if (const auto err = parseErr(packet.view())) {
            fail(Failure{false, true, Error::Type::Operational, err->code, err->sqlState, QString::fromUtf8(err->message)});
            return;
        }
    }
    fail(protocolFailure(ClientError::CommandsOutOfSync, QStringLiteral("the server sent a packet nobody asked for")));
}

void Session::finishFront(Exchange::Status status)
{
    const quint64 generation = m_generation;
    const CommandPtr cmd = std::move(m_commands.front());
    m_commands.pop_front();
    cmd->replied = true;
    if (cmd.get() == m_killTarget)
        m_killTarget = nullptr;
    if (!m_commands.empty() && m_commands.front()->written && m_commands.front()->expectsReply())
        expectReplyOf(*m_commands.front());
    if (const OkPacket *ok = cmd->exchange->lastOk())
        updateFromOk(*ok);
    const Failure *failure = status == Exchange::Status::Failed ? &cmd->exchange->failure() : nullptr;
    // While setting up, only the setup statements are written: the reply is one of theirs.
    if (m_phase == Phase::SettingUp) {
        if (failure)
            fail(*failure);
        else if (--m_setupPending == 0)
            becomeReady();
        return;
    }
    // A reset group is reported on its end command, with the group's first failure.
    const std::optional<Failure> earlier = cmd->kind == Command::Kind::ResetEnd ? takeGroupFailure(cmd.get()) : std::nullopt;
    if (m_listener && cmd->kind != Command::Kind::Setup)
        m_listener->commandFinished(cmd, earlier ? &*earlier : failure);
    if (generation != m_generation)
        return;
    if (failure && failure->fatal) {
        fail(*failure);
        return;
    }
    if (failure && cmd->kind == Command::Kind::Setup) {
        const Command *end = static_cast<const SetupCommand &>(*cmd).groupEnd;
        if (groupFailure(end) == m_groupFailures.end()) // the first one counts
            m_groupFailures.emplace_back(end, *failure);
    }
    afterReply();
}

void Session::afterReply()
{
    finishUnanswered(); // written behind the command that just answered
    if (m_interrupt != Interrupt::None)
        releaseWrites();
    else if (m_settings.localInfile)
        writePending(); // one command at a time: the next goes out now
}

void Session::finishUnanswered()
{
    bool finished = false;
    while (!m_commands.empty() && m_commands.front()->written && !m_commands.front()->expectsReply()) {
        const quint64 generation = m_generation;
        const CommandPtr cmd = std::move(m_commands.front());
        m_commands.pop_front();
        cmd->replied = true;
        finished = true;
        if (!m_commands.empty() && m_commands.front()->written && m_commands.front()->expectsReply())
            expectReplyOf(*m_commands.front());
        if (m_listener && cmd->kind == Command::Kind::Engine)
            m_listener->commandFinished(cmd, nullptr);
        if (generation != m_generation)
            return;
    }
    // One command at a time (LOCAL INFILE): the one behind may go now.
    if (finished && !mayWriteBehindFront())
        writePending();
}

std::vector<std::pair<const Session::Command *, Failure>>::iterator Session::groupFailure(const Command *end)
{
    return std::find_if(m_groupFailures.begin(), m_groupFailures.end(), [end](const auto &f) { return f.first == end; });
}

std::optional<Failure> Session::takeGroupFailure(const Command *end)
{
    const auto it = groupFailure(end);
    if (it == m_groupFailures.end())
        return std::nullopt;
    Failure failure = std::move(it->second);
    m_groupFailures.erase(it);
    return failure;
}

void Session::updateFromOk(const OkPacket &ok)
{
    m_status = ok.status;
    // What closing now would lose. A SELECT under autocommit off opens a transaction too, but
    // ends with no affected rows: closing after it loses nothing worth a warning.
    m_uncommittedChanges = (m_status & ServerStatus::InTransaction) && (m_uncommittedChanges || ok.affectedRows > 0);
    m_insertId = ok.lastInsertId;
    m_affectedRows = ok.affectedRows;
}

// --- commands ---------------------------------------------------------------------------------

bool Session::mayWriteNow() const
{
    // Quitting too: what was queued before COM_QUIT (and COM_QUIT itself) may still be held back
    // by a KILL or an upload, and goes out once that ends; nothing new is queued in Quitting.
    return (m_phase == Phase::Ready || m_phase == Phase::Quitting) && m_interrupt == Interrupt::None;
}

bool Session::mayWriteBehindFront() const
{
    // With LOCAL INFILE enabled any reply may turn into a file request, and the server would
    // read a command written behind it as the file's content: one command at a time.
    return !m_settings.localInfile;
}

void Session::submit(const CommandPtr &command)
{
    Q_ASSERT(isOpen());
    m_commands.push_back(command);
    // Pipelining: written now, replies are matched in order. Those before it are written
    // already unless something holds writes back; then writePending() catches up later.
    if (mayWriteNow() && (m_commands.size() == 1 || mayWriteBehindFront())) {
        write(*command);
        finishUnanswered();
    }
}

void Session::reset(const CommandPtr &command, const QByteArray &database, const QList<QByteArray> &statements,
                    const QueryExchange::Settings &settings)
{
    Q_ASSERT(!statements.isEmpty());
    submit(std::make_shared<SetupCommand>(Protocol::Command::ResetConnection, QByteArrayView(), settings, command.get()));
    if (!database.isEmpty())
        submit(std::make_shared<SetupCommand>(Protocol::Command::InitDb, database, settings, command.get()));
    for (qsizetype i = 0; i + 1 < statements.size(); ++i)
        submit(std::make_shared<SetupCommand>(Protocol::Command::Query, statements.at(i), settings, command.get()));
    prepareOwnCommand(*command, Protocol::Command::Query, statements.last(), settings);
    command->kind = Command::Kind::ResetEnd;
    submit(command);
}

void Session::writePending()
{
    if (!mayWriteNow())
        return;
    for (size_t i = 0; i < m_commands.size(); ++i) {
        Command &cmd = *m_commands[i];
        if (cmd.written)
            continue;
        if (i != 0 && !mayWriteBehindFront())
            break;
        write(cmd);
    }
    finishUnanswered();
}

void Session::write(Command &cmd)
{
    if (cmd.exchange) {
        cmd.exchange->setCapabilities(m_capabilities);
        cmd.exchange->setCompressed(m_compressor != nullptr);
    }
    if (cmd.query)
        cmd.query->setMetaCache(&m_metaCache);
    // Every command starts a new compressed sequence, also when written behind others.
    cmd.replyCompressedSeq = writePackets(cmd.packet, 0);
    cmd.written = true;
    if (m_commands.front().get() == &cmd && cmd.expectsReply())
        expectReplyOf(cmd);
}

quint8 Session::writePackets(const QByteArray &packets, quint8 compressedSeq)
{
    if (!m_compressor) {
        if (m_output.isEmpty())
            m_output = packets; // shared, not copied: the common case of one command per round
        else
            m_output.append(packets);
        return compressedSeq;
    }
    return m_compressor->compress(packets, compressedSeq, m_output);
}

void Session::writeReplyPackets(const QByteArray &packets)
{
    if (!m_decompressor) {
        writePackets(packets, 0);
        return;
    }
    // The server numbers what follows from our last compressed packet, as we do from its.
    m_decompressor->setNextSequenceId(writePackets(packets, m_decompressor->nextSequenceId()));
}

void Session::expectReplyOf(const Command &cmd)
{
    if (m_decompressor)
        m_decompressor->setNextSequenceId(cmd.replyCompressedSeq);
}

bool Session::withdraw(const Command &command)
{
    const auto it = std::find_if(m_commands.begin(), m_commands.end(), [&](const CommandPtr &c) { return c.get() == &command; });
    // A reset group's end stays: its statements before it report their failures on it.
    if (it == m_commands.end() || (*it)->written || (*it)->kind == Command::Kind::ResetEnd)
        return false;
    m_commands.erase(it);
    return true;
}

bool Session::contains(const Command &command) const
{
    return std::any_of(m_commands.begin(), m_commands.end(), [&](const CommandPtr &c) { return c.get() == &command; });
}

bool Session::mayInterrupt(const Command &command) const
{
    // Only if the server is running it now, and nothing is written behind it: else the KILL
    // could land after it ended and hit another statement instead.
    if (m_commands.empty() || m_commands.front().get() != &command || m_interrupt != Interrupt::None)
        return false;
    return !(m_commands.size() > 1 && m_commands[1]->written);
}

void Session::interruptStarted()
{
    if (m_commands.empty())
        return;
    m_interrupt = Interrupt::KillInFlight; // nothing new may start on the server until the KILL has landed
    m_killTarget = m_commands.front().get();
}

void Session::interruptFinished()
{
    if (m_interrupt != Interrupt::KillInFlight)
        return;
    m_interrupt = Interrupt::WaitingForTarget;
    releaseWrites();
}

void Session::releaseWrites()
{
    if (m_interrupt != Interrupt::WaitingForTarget || m_killTarget)
        return;
    m_interrupt = Interrupt::None;
    writePending();
}

void Session::sendFileChunk(QByteArrayView chunk)
{
    if (m_upload != Upload::Sending || m_commands.empty() || !m_commands.front()->query)
        return;
    QByteArray out;
    m_commands.front()->query->appendFileData(out, chunk);
    if (chunk.isEmpty())
        m_upload = Upload::None;
    writeReplyPackets(out);
}

bool Session::resumeReading()
{
    if (!m_readPaused || !isOpen() || frontIsFull())
        return false;
    m_readPaused = false;
    if (m_listener)
        m_listener->setReadPaused(false);
    return true;
}

} // namespace AsyncMySql::Protocol
