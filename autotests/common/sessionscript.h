// SPDX-License-Identifier: MIT
// Scripted conversations with a Protocol::Session: a script is a list of steps (what the client
// must have written, what the server sends, what the session must have reported, what the engine
// does), played by a SessionDriver that stands in for the engine (Connection) exactly as far as
// the session's contract goes: it writes what takeOutput() gives, fails what close() returns,
// sends the LOCAL INFILE file asked for. The same scripts run clean (tst_session) and with a
// fault injected at each server step (the fault-at-every-step tests), and seed the fuzz target.
#pragma once

#include "scriptedserver.h"

#include "protocol/session.h"

#include <QtCore/QDebug>
#include <QtCore/QStringList>

#include <functional>
#include <map>

namespace Scripted {

using AsyncMySql::Protocol::Failure;
using AsyncMySql::Protocol::Session;

//! A failure in one comparable word: "server 1146 42S02", "local 2027 HY000".
inline QString describe(const Failure &f)
{
    return QStringLiteral("%1 %2 %3%4")
            .arg(f.fromServer ? u"server" : u"local")
            .arg(f.code)
            .arg(QString::fromLatin1(f.sqlState), f.fatal ? QStringLiteral(" fatal") : QString());
}

//! Records a query's results as lines ("cols a,b", "row x|NULL", "end affected=1 status=2").
class RecordingSink final : public AsyncMySql::Protocol::ResultSink
{
public:
    QStringList lines;
    int buffered = 0;     //!< rows not taken yet (streaming)
    int capacity = 0;     //!< streaming: full at this many buffered rows (0: never full)
    QList<AsyncMySql::ResultMetaPtr> metas; //!< of every result, in order

    void resultStarted(const AsyncMySql::ResultMetaPtr &meta) override
    {
        metas.append(meta);
        QStringList names;
        for (const AsyncMySql::Column &c : meta->columns)
            names.append(c.name());
        lines.append(QStringLiteral("cols ") + names.join(u','));
    }
    void rowReceived(AsyncMySql::Row &&row) override
    {
        QStringList cells;
        for (const QVariant &v : row.toList())
            cells.append(v.isNull() ? QStringLiteral("NULL") : v.toString());
        lines.append(QStringLiteral("row ") + cells.join(u'|'));
        ++buffered;
    }
    void resultFinished(const AsyncMySql::ResultMetaPtr &meta, const AsyncMySql::Protocol::OkPacket &ok) override
    {
        lines.append(QStringLiteral("end%1 affected=%2 id=%3 status=%4")
                             .arg(meta ? QString() : QStringLiteral(" ok"))
                             .arg(ok.affectedRows)
                             .arg(ok.lastInsertId)
                             .arg(ok.status));
    }
    bool isFull() const override { return capacity > 0 && buffered >= capacity; }
};

//! A command as the driver submits it: a name for the script, and what became of it.
struct TestCommand : Session::Command
{
    QString name;
    RecordingSink sink;
    int finished = 0;             //!< commandFinished() calls, plus the close() that failed it
    std::optional<Failure> failure;
    bool abandoned = false;       //!< the engine stopped waiting: commandFinished() is ignored
    // LOCAL INFILE: what the engine sends when asked (std::nullopt: the file is refused).
    std::optional<QByteArray> file;
    qsizetype fileChunk = 4;      //!< bytes per sendFileChunk()
    QByteArray requestedFile;     //!< what the server asked for

    //! What became of it, for comparing a run with the clean one.
    QString outcome() const
    {
        QString s = failure ? QStringLiteral("failed ") + describe(*failure) : QStringLiteral("ok");
        if (const auto *p = prepared(); p && !failure)
            s += QStringLiteral(" statement %1 params %2 columns %3")
                         .arg(p->prepared().statementId).arg(p->params().size()).arg(p->columns().size());
        if (!sink.lines.isEmpty())
            s += QStringLiteral(": ") + sink.lines.join(u"; ");
        return s;
    }
};
using TestCommandPtr = std::shared_ptr<TestCommand>;

/*! Stands in for the engine. Every Listener call is logged ("authenticated", "finished q1",
    "failed 2013", ...) so that a script can check the order of what happened. */
class SessionDriver final : public Session::Listener
{
public:
    SessionDriver() { session.setListener(this); }

    Session session;
    Session::Clock::time_point now{std::chrono::seconds(1000)};
    ServerWire wire;                          //!< the server's framing (compressed once negotiated)
    QByteArray written;                       //!< client output not checked by the script yet
    QStringList events;                       //!< Listener calls not checked by the script yet
    QList<QByteArray> setupStatements;        //!< answered to authenticated()
    AsyncMySql::Protocol::QueryExchange::Settings querySettings;
    std::map<QString, TestCommandPtr> commands; //!< every command submitted, by name
    QList<TestCommandPtr> order;              //!< the same, in the order submitted
    int openFinished = 0;                     //!< ready() or the failure that ended the connecting
    std::optional<Failure> openFailure;
    std::optional<Failure> sessionFailure;    //!< what failed() or the transport said
    QStringList violations;                   //!< broken rules (a command finished twice, ...)
    int lastClientCompressedSeq = -1;         //!< of the last packet a ClientWrites step checked
    bool wasAuthenticated = false;            //!< authenticated() was called
    //! Set: what the client wrote up to authenticated() goes to loginOutput, not written (the
    //! compressed protocol starts there: the two must be parsed apart).
    bool keepLoginOutputApart = false;
    QByteArray loginOutput;
    bool paused = false;

    // --- the engine's side -----------------------------------------------------------------

    void start(Session::Settings settings)
    {
        querySettings.localInfile = settings.localInfile; // as the engine builds every query's exchange
        session.start(std::move(settings), now);
        drain();
    }

    //! Feeds \a bytes in chunks of \a chunk bytes (0: all at once), processing after each.
    void receive(const QByteArray &bytes, qsizetype chunk = 0)
    {
        qsizetype at = 0;
        while (at < bytes.size() && isOpen()) {
            const qsizetype n = chunk > 0 ? qMin(chunk, bytes.size() - at) : bytes.size() - at;
            session.feed(bytes.mid(at, n));
            at += n;
            processInput();
        }
    }

    //! What the engine does after bytes arrived or reading resumed.
    void processInput()
    {
        if (isOpen() && !session.isReadPaused())
            session.process();
        drain();
    }

    /*! The transport ended (closed by the server, or a socket error \a code): as the engine,
        asks the session what it means and fails what is pending. */
    void transportEnded(int code, const QString &message)
    {
        if (!isOpen())
            return;
        const std::optional<Failure> f = session.transportFailure(code, message);
        events.append(QStringLiteral("transport %1").arg(code));
        const bool wasConnecting = session.isConnecting();
        const std::deque<Session::CommandPtr> pending = session.close(f.has_value());
        if (f) {
            sessionFailure = f;
            if (wasConnecting)
                finishOpen(&*f);
        }
        // The expected end (after COM_QUIT): what is still queued fails as closed, as the engine's
        // graceful shutdown does; COM_QUIT itself completes.
        Failure closed{false, false, AsyncMySql::Error::Type::Interface, 0, {}, QStringLiteral("Connection closed")};
        failAll(pending, f ? &*f : &closed, true);
        drain();
    }

    //! The engine closes the connection itself (Connection::close()).
    void closeNow()
    {
        const bool wasConnecting = session.isConnecting();
        const std::deque<Session::CommandPtr> pending = session.close(false);
        Failure closed{false, false, AsyncMySql::Error::Type::Interface, 0, {}, QStringLiteral("Connection closed")};
        if (wasConnecting)
            finishOpen(&closed);
        failAll(pending, &closed);
        drain();
    }

    TestCommandPtr makeCommand(const QString &name, AsyncMySql::Protocol::Command command, QByteArrayView argument,
                               bool query)
    {
        auto cmd = std::make_shared<TestCommand>();
        cmd->name = name;
        quint8 replySeq = 1;
        QByteArray packet = AsyncMySql::Protocol::commandPacket(quint8(command), argument, &replySeq);
        if (query)
            cmd->makeQuery(std::move(packet), replySeq, querySettings, &cmd->sink);
        else
            cmd->makeSimple(std::move(packet), replySeq);
        return cmd;
    }

    //! Submits \a cmd as the engine does: refused at once (not connected) when the session is not open.
    TestCommandPtr submit(const TestCommandPtr &cmd)
    {
        if (commands.count(cmd->name))
            violations.append(QStringLiteral("two commands called %1 in the script").arg(cmd->name));
        commands[cmd->name] = cmd;
        order.append(cmd);
        if (!acceptsCommands()) {
            Failure notConnected{false, false, AsyncMySql::Error::Type::Interface, 0, {}, QStringLiteral("Not connected")};
            complete(cmd, &notConnected);
            return cmd;
        }
        session.submit(cmd);
        drain();
        return cmd;
    }

    TestCommandPtr query(const QString &name, const QByteArray &sql)
    {
        return submit(makeCommand(name, AsyncMySql::Protocol::Command::Query, sql, true));
    }
    //! A streaming query whose sink is full at \a capacity rows not taken.
    TestCommandPtr streamingQuery(const QString &name, const QByteArray &sql, int capacity)
    {
        auto cmd = makeCommand(name, AsyncMySql::Protocol::Command::Query, sql, true);
        cmd->sink.capacity = capacity;
        cmd->stream = &cmd->sink;
        return submit(cmd);
    }
    TestCommandPtr simple(const QString &name, AsyncMySql::Protocol::Command command, QByteArrayView argument = {})
    {
        return submit(makeCommand(name, command, argument, false));
    }
    //! COM_STMT_PREPARE of \a sql.
    TestCommandPtr prepare(const QString &name, const QByteArray &sql)
    {
        auto cmd = std::make_shared<TestCommand>();
        cmd->name = name;
        quint8 replySeq = 1;
        cmd->makePrepare(AsyncMySql::Protocol::commandPacket(quint8(AsyncMySql::Protocol::Command::StmtPrepare), sql, &replySeq),
                         replySeq, querySettings.encoding);
        return submit(cmd);
    }
    //! COM_STMT_EXECUTE \a packet (framed): its rows are binary.
    TestCommandPtr execute(const QString &name, const QByteArray &packet)
    {
        auto cmd = std::make_shared<TestCommand>();
        cmd->name = name;
        auto settings = querySettings;
        settings.binary = true;
        cmd->makeQuery(packet, 1, settings, &cmd->sink);
        return submit(cmd);
    }
    //! A command without a reply (COM_STMT_CLOSE, COM_STMT_SEND_LONG_DATA): \a packet framed.
    TestCommandPtr unanswered(const QString &name, const QByteArray &packet)
    {
        auto cmd = std::make_shared<TestCommand>();
        cmd->name = name;
        cmd->makeNoReply(packet);
        return submit(cmd);
    }
    /*! A session reset as the engine queues it: COM_RESET_CONNECTION, COM_INIT_DB of
        \a database (unless empty), \a statements; \a name is the group's end. */
    TestCommandPtr reset(const QString &name, const QByteArray &database, const QList<QByteArray> &statements)
    {
        auto cmd = std::make_shared<TestCommand>(); // the session sets its packet and exchange
        cmd->name = name;
        if (!acceptsCommands())
            return submit(cmd);
        commands[name] = cmd;
        order.append(cmd);
        session.reset(cmd, database, statements, querySettings);
        drain();
        return cmd;
    }
    TestCommandPtr quit(const QString &name)
    {
        auto cmd = makeCommand(name, AsyncMySql::Protocol::Command::Quit, {}, false);
        if (!acceptsCommands()) {
            submit(cmd); // refused as any command
            return cmd;
        }
        commands[name] = cmd;
        order.append(cmd);
        session.quit(cmd);
        drain();
        return cmd;
    }
    //! A streaming cursor takes \a n rows: reading resumes if the sink has room again.
    void takeRows(const QString &name, int n)
    {
        TestCommand &cmd = *commands.at(name);
        cmd.sink.buffered = qMax(0, cmd.sink.buffered - n);
        if (session.resumeReading())
            processInput();
        drain();
    }
    //! The engine stops waiting for \a name (cancel, timeout): finished now, reply still read.
    void abandon(const QString &name)
    {
        const TestCommandPtr cmd = commands.at(name);
        if (cmd->finished)
            return; // its future finished already: nothing to stop
        Failure cancelled{false, false, AsyncMySql::Error::Type::Operational, 2013, "70100", QStringLiteral("cancelled")};
        if (!session.withdraw(*cmd))
            cmd->abandoned = true;
        complete(cmd, &cancelled);
    }

    void advance(std::chrono::milliseconds ms)
    {
        now += ms;
        session.tick(now);
        drain();
    }

    //! The engine is about to abort: COM_QUIT now, if the session says it may go.
    bool sayGoodbye()
    {
        const bool said = session.sayGoodbye();
        drain();
        return said;
    }

    //! All pending client output; the script checks it.
    QByteArray takeWritten() { return std::exchange(written, {}); }
    QStringList takeEvents() { return std::exchange(events, {}); }

    bool acceptsCommands() const { return isOpen() && session.phase() != Session::Phase::Quitting; }
    bool isOpen() const
    {
        const Session::Phase p = session.phase();
        return p != Session::Phase::Closed && p != Session::Phase::Lost;
    }
    //! Every command finished exactly once, and so did the connecting; none is left in the session.
    QStringList checkAllFinishedOnce() const
    {
        QStringList problems = violations;
        for (const TestCommandPtr &c : order) {
            if (c->finished != 1)
                problems.append(QStringLiteral("%1 finished %2 times").arg(c->name).arg(c->finished));
        }
        if (openFinished != 1)
            problems.append(QStringLiteral("the connecting finished %1 times").arg(openFinished));
        if (!isOpen() && session.hasCommands())
            problems.append(QStringLiteral("the session ended with %1 commands queued").arg(session.commandCount()));
        return problems;
    }

    // --- Session::Listener -------------------------------------------------------------------

    void authenticated() override
    {
        events.append(QStringLiteral("authenticated"));
        wasAuthenticated = true;
        if (keepLoginOutputApart) {
            drain();
            loginOutput += std::exchange(written, {});
        }
        session.setUp(setupStatements, querySettings);
    }
    void ready() override
    {
        events.append(QStringLiteral("ready"));
        finishOpen(nullptr);
    }
    void commandFinished(const Session::CommandPtr &command, const Failure *failure) override
    {
        auto cmd = std::dynamic_pointer_cast<TestCommand>(command);
        if (!cmd) {
            // The session's own setup statements are not the engine's: they never come here.
            violations.append(QStringLiteral("commandFinished for a command the engine never submitted"));
            return;
        }
        events.append(QStringLiteral("finished %1%2").arg(cmd->name, failure ? QStringLiteral(" ") + describe(*failure) : QString()));
        if (cmd->abandoned) {
            cmd->abandoned = false; // its late reply: dropped, once
            return;
        }
        complete(cmd, failure);
    }
    void fileRequested(const Session::CommandPtr &command, const QByteArray &fileName) override
    {
        auto cmd = std::dynamic_pointer_cast<TestCommand>(command);
        events.append(QStringLiteral("file %1").arg(QString::fromUtf8(fileName)));
        if (!cmd) {
            violations.append(QStringLiteral("fileRequested for a command the engine never submitted"));
            return;
        }
        cmd->requestedFile = fileName;
        if (cmd->file) {
            for (qsizetype at = 0; at < cmd->file->size() && session.upload() == Session::Upload::Sending; at += cmd->fileChunk)
                session.sendFileChunk(QByteArrayView(*cmd->file).sliced(at, qMin(cmd->fileChunk, cmd->file->size() - at)));
        }
        if (session.upload() == Session::Upload::Sending)
            session.sendFileChunk({});
    }
    void startTls() override
    {
        drain(); // the SSLRequest goes out in plain text first
        events.append(QStringLiteral("startTls"));
    }
    void plainFallback() override { events.append(QStringLiteral("plainFallback")); }
    void setReadPaused(bool p) override
    {
        if (p == paused)
            violations.append(QStringLiteral("setReadPaused(%1) twice").arg(p));
        paused = p;
        events.append(p ? QStringLiteral("paused") : QStringLiteral("resumed"));
    }
    void failed(const Failure &failure) override
    {
        events.append(QStringLiteral("failed ") + describe(failure));
        if (sessionFailure)
            violations.append(QStringLiteral("failed() after the session had failed already"));
        sessionFailure = failure;
        const bool wasConnecting = session.isConnecting();
        const std::deque<Session::CommandPtr> pending = session.close(true);
        if (wasConnecting)
            finishOpen(&failure);
        failAll(pending, &failure);
    }

private:
    void drain()
    {
        if (session.hasOutput())
            written += session.takeOutput();
    }
    void finishOpen(const Failure *failure)
    {
        ++openFinished;
        if (failure)
            openFailure = *failure;
    }
    void complete(const TestCommandPtr &cmd, const Failure *failure)
    {
        ++cmd->finished;
        if (cmd->finished > 1)
            violations.append(QStringLiteral("%1 finished twice").arg(cmd->name));
        if (failure)
            cmd->failure = *failure;
    }
    //! Fails \a pending with \a failure; COM_QUIT succeeds if \a quitSucceeds.
    void failAll(const std::deque<Session::CommandPtr> &pending, const Failure *failure, bool quitSucceeds = false)
    {
        for (const Session::CommandPtr &c : pending) {
            auto cmd = std::dynamic_pointer_cast<TestCommand>(c);
            if (!cmd) {
                violations.append(QStringLiteral("close() returned a command the engine never submitted"));
                continue;
            }
            if (cmd->abandoned) {
                cmd->abandoned = false;
                continue;
            }
            const bool isQuit = cmd->packet.size() > 4 && quint8(cmd->packet.at(4)) == quint8(AsyncMySql::Protocol::Command::Quit);
            // COM_QUIT completes by the connection closing.
            complete(cmd, isQuit && quitSucceeds ? nullptr : failure);
        }
    }
};

// --- scripts -----------------------------------------------------------------------------------

//! One packet the client must have written.
struct Expected
{
    int command = -1;      //!< first payload byte (-1: any, e.g. a handshake response)
    int seq = 0;
    int compressedSeq = -1; //!< -1: not checked
    std::optional<QByteArray> payload = std::nullopt; //!< the whole payload, if checked
    std::function<QString(const QByteArray &)> check = {}; //!< returns what is wrong, if anything
};

struct Step
{
    enum class Kind { ClientWrites, ServerSends, Do, ExpectEvents, CheckThat };
    Kind kind;
    QString name = {};      //!< unique in its script: names the fault rows
    QString owner = {};     //!< ServerSends: the command whose reply this is ("open": connecting)
    QList<Bytes> payloads = {}; //!< ServerSends
    quint8 firstSeq = 1;
    //! ServerSends, compressed: the compressed sequence id; -1: the one after the client's last
    //! (checked by the ClientWrites step before), as a reply to an upload continues it.
    int compressedSeq = 1;
    bool compressed = false; //!< ServerSends: wrapped in compressed packets
    QList<Expected> expected = {}; //!< ClientWrites
    QStringList events = {}; //!< ExpectEvents
    std::function<void(SessionDriver &)> action = {};  //!< Do
    std::function<QString(SessionDriver &)> check = {}; //!< CheckThat: what is wrong, if anything
};

using Script = QList<Step>;

inline Step clientWrites(QList<Expected> expected) { return {Step::Kind::ClientWrites, {}, {}, {}, 0, 0, false, std::move(expected)}; }
inline Step serverSends(const QString &name, const QString &owner, QList<Bytes> payloads, quint8 firstSeq = 1)
{
    return {Step::Kind::ServerSends, name, owner, std::move(payloads), firstSeq};
}
//! A reply under the compressed protocol: packets from \a firstSeq inside one compressed packet \a compressedSeq.
inline Step serverSendsCompressed(const QString &name, const QString &owner, QList<Bytes> payloads, quint8 firstSeq,
                                  quint8 compressedSeq)
{
    Step s = serverSends(name, owner, std::move(payloads), firstSeq);
    s.compressedSeq = compressedSeq;
    s.compressed = true;
    return s;
}
inline Step doing(const QString &name, std::function<void(SessionDriver &)> action)
{
    Step s{Step::Kind::Do, name};
    s.action = std::move(action);
    return s;
}
inline Step expectEvents(QStringList events)
{
    Step s{Step::Kind::ExpectEvents};
    s.events = std::move(events);
    return s;
}
inline Step checkThat(const QString &name, std::function<QString(SessionDriver &)> check)
{
    Step s{Step::Kind::CheckThat, name};
    s.check = std::move(check);
    return s;
}

//! Expected packets: a command with its argument (sequence id 0).
inline Expected command(AsyncMySql::Protocol::Command c, const QByteArray &argument = {}, int compressedSeq = -1)
{
    return {int(quint8(c)), 0, compressedSeq, char(quint8(c)) + argument};
}
inline Expected anyPacket(int seq, std::function<QString(const QByteArray &)> check = {})
{
    return {-1, seq, -1, std::nullopt, std::move(check)};
}
inline Expected exactPacket(int seq, const QByteArray &payload) { return {-1, seq, -1, payload}; }

//! The serialized bytes of a ServerSends step.
inline QByteArray serverBytes(const Step &s, const SessionDriver &driver)
{
    const QByteArray packets = framed(s.payloads, s.firstSeq);
    if (!s.compressed)
        return packets;
    const int seq = s.compressedSeq >= 0 ? s.compressedSeq : driver.lastClientCompressedSeq + 1;
    return driver.wire.wrap(packets, quint8(seq));
}

/*! What is wrong with the client's output \a wire against \a expected, if anything. Sets
    \a lastCompressedSeq to the compressed sequence id of the last packet, if given. */
inline QString compareWrites(const QByteArray &wire, const QList<Expected> &expected, CompressionAlgorithm algorithm,
                             int *lastCompressedSeq = nullptr)
{
    const QList<ClientPacket> got = parseClientOutput(wire, algorithm);
    if (lastCompressedSeq && !got.isEmpty())
        *lastCompressedSeq = got.last().compressedSeq;
    QStringList problems;
    if (got.size() != expected.size())
        problems.append(QStringLiteral("%1 packets written, %2 expected").arg(got.size()).arg(expected.size()));
    for (qsizetype i = 0; i < qMin(got.size(), expected.size()); ++i) {
        const ClientPacket &g = got.at(i);
        const Expected &e = expected.at(i);
        const QString at = QStringLiteral("packet %1: ").arg(i);
        if (e.command >= 0 && g.command() != e.command)
            problems.append(at + QStringLiteral("command 0x%1, expected 0x%2").arg(g.command(), 0, 16).arg(e.command, 0, 16));
        if (g.seq != e.seq)
            problems.append(at + QStringLiteral("sequence id %1, expected %2").arg(g.seq).arg(e.seq));
        if (e.compressedSeq >= 0 && g.compressedSeq != e.compressedSeq)
            problems.append(at + QStringLiteral("compressed sequence id %1, expected %2").arg(g.compressedSeq).arg(e.compressedSeq));
        if (e.payload && g.payload != *e.payload)
            problems.append(at + QStringLiteral("payload %1, expected %2").arg(QString::fromLatin1(g.payload.toHex()),
                                                                                QString::fromLatin1(e.payload->toHex())));
        if (e.check) {
            const QString wrong = e.check(g.payload);
            if (!wrong.isEmpty())
                problems.append(at + wrong);
        }
    }
    return problems.join(QStringLiteral("; "));
}

/*! Plays \a script on \a driver, feeding server bytes in chunks of \a chunk bytes (0: each
    step at once). Returns what went wrong first (empty: the script ran as written). */
inline QString play(SessionDriver &driver, const Script &script, qsizetype chunk = 0)
{
    for (qsizetype i = 0; i < script.size(); ++i) {
        const Step &s = script.at(i);
        const QString where = s.name.isEmpty() ? QString() : QStringLiteral("at %1: ").arg(s.name);
        switch (s.kind) {
        case Step::Kind::ClientWrites: {
            const QString wrong = compareWrites(driver.takeWritten(), s.expected,
                                                driver.wire.isCompressed() ? driver.wire.algorithm() : CompressionAlgorithm::None,
                                                &driver.lastClientCompressedSeq);
            if (!wrong.isEmpty())
                return QStringLiteral("client output before step %1: %2").arg(i).arg(wrong);
            break;
        }
        case Step::Kind::ServerSends:
            driver.receive(serverBytes(s, driver), chunk);
            break;
        case Step::Kind::Do:
            s.action(driver);
            break;
        case Step::Kind::ExpectEvents: {
            const QStringList got = driver.takeEvents();
            if (got != s.events)
                return QStringLiteral("events [%1], expected [%2]").arg(got.join(u", "), s.events.join(u", "));
            break;
        }
        case Step::Kind::CheckThat: {
            const QString wrong = s.check(driver);
            if (!wrong.isEmpty())
                return where + wrong;
            break;
        }
        }
        if (!driver.violations.isEmpty())
            return where + driver.violations.join(u"; ");
    }
    return {};
}

// --- faults ------------------------------------------------------------------------------------

/*! What can go wrong at a server step. The transport faults end the connection there; the
    others change the step's bytes. */
enum class Fault {
    Closed,             //!< half of the step's bytes arrive, then the server closes the connection
    SocketError,        //!< none arrive: the connection is reset
    Err,                //!< an ERR packet instead of the step's packets
    Truncated,          //!< the first packet's payload cut to half (its length says so)
    BadLength,          //!< the first packet's length one short: the stream is out of step after it
    WrongSeq,           //!< the first packet's sequence id one too high
    WrongCompressedSeq, //!< the compressed packet's sequence id one too high
};

inline QString faultName(Fault f)
{
    switch (f) {
    case Fault::Closed: return QStringLiteral("closed");
    case Fault::SocketError: return QStringLiteral("socket-error");
    case Fault::Err: return QStringLiteral("err");
    case Fault::Truncated: return QStringLiteral("truncated");
    case Fault::BadLength: return QStringLiteral("bad-length");
    case Fault::WrongSeq: return QStringLiteral("wrong-seq");
    case Fault::WrongCompressedSeq: return QStringLiteral("wrong-compressed-seq");
    }
    return {};
}

//! The faults that apply to \a s: every one to a server step, the compressed one to compressed steps.
inline QList<Fault> faultsFor(const Step &s)
{
    if (s.kind != Step::Kind::ServerSends)
        return {};
    QList<Fault> out{Fault::Closed, Fault::SocketError, Fault::Err, Fault::Truncated, Fault::BadLength, Fault::WrongSeq};
    if (s.compressed)
        out.append(Fault::WrongCompressedSeq);
    return out;
}

/*! The command a fault at step \a s is reported on: its owner, or for a statement of a reset
    group (owner "reset/N") the group's end ("reset"). */
inline QString reportedOn(const Step &s)
{
    return s.owner.section(u'/', 0, 0);
}

//! The ERR a faulty server sends instead of step \a s: a login refused, or a statement failing.
inline Bytes faultErr(const Step &s)
{
    return s.owner == QLatin1String("open") ? err(1045, "28000", "Access denied for user 'app'")
                                           : err(1146, "42S02", "Table 'test.t' doesn't exist");
}

//! True if \a f at \a s must fail the step's owner (the others may pass unnoticed).
inline bool mustFailOwner(const Step &s, Fault f)
{
    switch (f) {
    case Fault::Closed:
    case Fault::SocketError:
    case Fault::Err:
    case Fault::WrongCompressedSeq:
        return true;
    case Fault::WrongSeq:
        // Inside compressed packets the packets' own ids are not checked (they restart when
        // the server flushes), as libmysqlclient does not.
        return !s.compressed;
    case Fault::Truncated:
    case Fault::BadLength:
        return false;
    }
    return false;
}

//! Plays server step \a s with fault \a f.
inline void injectFault(SessionDriver &driver, const Step &s, Fault f)
{
    Step faulty = s;
    switch (f) {
    case Fault::Closed: {
        const QByteArray bytes = serverBytes(s, driver);
        driver.receive(bytes.left(bytes.size() / 2));
        driver.transportEnded(AsyncMySql::Protocol::ClientError::ServerLost, QStringLiteral("the server closed the connection"));
        return;
    }
    case Fault::SocketError:
        driver.transportEnded(AsyncMySql::Protocol::ClientError::ServerLost, QStringLiteral("Connection reset by peer"));
        return;
    case Fault::Err:
        faulty.payloads = {faultErr(s)};
        break;
    case Fault::Truncated:
        faulty.payloads[0].truncate(faulty.payloads[0].size() / 2);
        break;
    case Fault::BadLength:
    case Fault::WrongSeq: {
        QByteArray packets = framed(s.payloads, s.firstSeq);
        if (f == Fault::WrongSeq) {
            packets[3] = char(quint8(packets[3]) + 1);
        } else {
            const qsizetype n = s.payloads[0].size();
            const qsizetype wrong = n > 0 ? n - 1 : 1;
            packets[0] = char(wrong & 0xff);
            packets[1] = char((wrong >> 8) & 0xff);
            packets[2] = char((wrong >> 16) & 0xff);
        }
        const int cseq = s.compressedSeq >= 0 ? s.compressedSeq : driver.lastClientCompressedSeq + 1;
        driver.receive(s.compressed ? driver.wire.wrap(packets, quint8(cseq)) : packets);
        return;
    }
    case Fault::WrongCompressedSeq:
        faulty.compressedSeq = (s.compressedSeq >= 0 ? s.compressedSeq : driver.lastClientCompressedSeq + 1) + 1;
        break;
    }
    driver.receive(serverBytes(faulty, driver));
}

/*! Plays \a script with fault \a f at step \a at (a ServerSends step), then the rest of it as
    a server would go on: nothing more once the connection ended, and after an ERR not the rest
    of the reply it replaced. The checks of the script are skipped after the fault (what is
    written and reported differs); its actions still run, as the engine's would. */
inline QString playWithFault(SessionDriver &driver, const Script &script, qsizetype at, Fault f)
{
    const QString owner = script.at(at).owner;
    const QString before = play(driver, script.first(at));
    if (!before.isEmpty())
        return QStringLiteral("before the fault: ") + before;
    injectFault(driver, script.at(at), f);
    for (qsizetype i = at + 1; i < script.size(); ++i) {
        const Step &s = script.at(i);
        switch (s.kind) {
        case Step::Kind::ClientWrites:
            compareWrites(driver.takeWritten(), {},
                          driver.wire.isCompressed() ? driver.wire.algorithm() : CompressionAlgorithm::None,
                          &driver.lastClientCompressedSeq);
            break;
        case Step::Kind::ServerSends:
            if (driver.isOpen() && !(f == Fault::Err && s.owner == owner))
                driver.receive(serverBytes(s, driver));
            break;
        case Step::Kind::Do:
            s.action(driver);
            break;
        case Step::Kind::ExpectEvents:
        case Step::Kind::CheckThat:
            break;
        }
    }
    return {};
}

} // namespace Scripted
