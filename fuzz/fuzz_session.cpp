// SPDX-License-Identifier: MIT
// The whole connection (Protocol::Session) against a hostile server: after a scripted login, or
// with the login itself fuzzed, a few commands are submitted (a buffered query, a streaming
// query whose sink holds two rows, a session reset, a ping, a pipelined query, an abandoned one, a KILL hold,
// COM_QUIT), and the fuzzer's bytes are what the server sends, plain or compressed.
// Input: [mode byte][commands byte][splits][server stream]. The engine's side is the tests'
// SessionDriver (autotests/common/sessionscript.h), which checks that no command finishes twice.
#include "fuzzinput.h"

#include "../autotests/common/sessionscript.h"

using namespace AsyncMySql::Protocol;
using namespace Scripted;

namespace {

namespace Mode {
enum : quint8 {
    FuzzedLogin = 1,      // the stream starts with the greeting
    CompressionBits = 6,  // 0 none, 1 zlib, 2 zstd, 3 none
    LocalInfile = 8,
    MySql = 16,           // a MySQL 8 greeting (else MariaDB)
    SetupStatement = 32,  // one setup statement after the login
    Deadline = 64,        // a connect deadline that time passes while the stream arrives
    Reset = 128,          // a session reset after the first command
};
}

namespace Submit {
enum : quint8 {
    Buffered = 1,
    Streaming = 2,
    Ping = 4,
    Pipelined = 8,
    Abandon = 16,
    Kill = 32,
    Quit = 64,
    LoadFile = 128,
};
}

CompressionAlgorithm compressionOf(quint8 mode)
{
    switch ((mode & Mode::CompressionBits) >> 1) {
    case 1: return CompressionAlgorithm::Zlib;
    case 2: return CompressionAlgorithm::Zstd;
    default: return CompressionAlgorithm::None;
    }
}

//! \a bytes are well framed: whole packets, nothing left over (plain or compressed).
void checkFraming(const QByteArray &bytes, CompressionAlgorithm algorithm)
{
    for (const ClientPacket &p : parseClientOutput(bytes, algorithm))
        FUZZ_CHECK(p.seq >= 0);
}

void submitCommands(SessionDriver &d, quint8 commands, quint8 mode)
{
    if (commands & Submit::Buffered)
        d.query("buffered", "SELECT a, b FROM t");
    if (mode & Mode::Reset)
        d.reset("reset", "db", {"SET NAMES utf8mb4", "SET AUTOCOMMIT = 1"});
    if (commands & Submit::Streaming)
        d.streamingQuery("streaming", "SELECT a FROM big", 2);
    if (commands & Submit::LoadFile) {
        auto cmd = d.makeCommand("load", AsyncMySql::Protocol::Command::Query, "LOAD DATA LOCAL INFILE 'f' INTO TABLE t", true);
        cmd->file = QByteArray("1,a\n2,b\n");
        d.submit(cmd);
    }
    if (commands & Submit::Ping)
        d.simple("ping", AsyncMySql::Protocol::Command::Ping);
    if (commands & Submit::Pipelined)
        d.query("pipelined", "INSERT INTO t VALUES (1)");
    if ((commands & Submit::Abandon) && !d.order.isEmpty())
        d.abandon(d.order.first()->name);
    if ((commands & Submit::Kill) && d.session.front() && d.session.mayInterrupt(*d.session.front())) {
        d.session.interruptStarted();
        d.query("behind-kill", "SELECT 2");
    }
    if (commands & Submit::Quit)
        d.quit("quit");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput::Reader in(data, size);
    const quint8 mode = in.byte();
    const quint8 commands = in.byte();
    const QList<qsizetype> splits = in.splits();
    const QByteArray stream = in.rest();

    const CompressionAlgorithm compression = compressionOf(mode);
    Session::Settings settings;
    settings.connect.user = "fuzz";
    settings.connect.password = "secret";
    settings.connect.collation = 45;
    settings.connect.tls = ConnectExchange::Tls::Disabled;
    settings.connect.compression = compression;
    settings.connect.localInfile = mode & Mode::LocalInfile;
    settings.localInfile = mode & Mode::LocalInfile;
    settings.peerName = QStringLiteral("fuzz:3306");
    settings.maxPayload = 1 << 20;
    if (mode & Mode::Deadline)
        settings.connectTimeout = std::chrono::milliseconds(1000);

    SessionDriver d;
    d.keepLoginOutputApart = true;
    if (mode & Mode::SetupStatement)
        d.setupStatements = {"SET sql_mode='ANSI'"};
    d.start(settings);

    if (mode & Mode::FuzzedLogin) {
        submitCommands(d, commands, mode); // queued while connecting
    } else {
        Greeting g;
        g.flavour = (mode & Mode::MySql) || compression == CompressionAlgorithm::Zstd ? Flavour::MySql : Flavour::MariaDb;
        g.compress = compression == CompressionAlgorithm::Zlib;
        g.zstd = compression == CompressionAlgorithm::Zstd;
        d.receive(framed({greeting(g)}, 0));
        d.receive(framed({ok()}, 2));
        if (compression != CompressionAlgorithm::None)
            d.wire.startCompression(compression);
        if (mode & Mode::SetupStatement)
            d.receive(d.wire.reply({ok()}));
        FUZZ_CHECK(d.session.phase() == Session::Phase::Ready);
        submitCommands(d, commands, mode);
    }
    // What the client wrote up to the login is plain; after it, compressed if agreed.
    const auto checkOutput = [&d] {
        checkFraming(std::exchange(d.loginOutput, {}), CompressionAlgorithm::None);
        checkFraming(d.takeWritten(), d.wasAuthenticated ? d.session.compression() : CompressionAlgorithm::None);
    };
    checkOutput();

    for (const QByteArray &chunk : FuzzInput::chunks(stream, splits)) {
        if (!d.isOpen())
            break;
        d.receive(chunk);
        checkOutput();
        // The streaming cursor takes its rows one by one: reading resumes each time.
        for (int taken = 0; d.commands.count("streaming") && d.session.isReadPaused() && taken < 1000; ++taken)
            d.takeRows("streaming", 1);
        if (d.session.interrupt() == Session::Interrupt::KillInFlight)
            d.session.interruptFinished();
        d.advance(std::chrono::milliseconds(300));
        checkOutput();
    }
    // The server closes the connection: every command finishes, exactly once, and none is left.
    d.transportEnded(ClientError::ServerLost, QStringLiteral("the server closed the connection"));
    FUZZ_CHECK(!d.isOpen());
    FUZZ_CHECK(!d.session.hasCommands());
    const QStringList problems = d.checkAllFinishedOnce();
    if (!problems.isEmpty())
        std::fprintf(stderr, "%s\n", qPrintable(problems.join(u"; ")));
    FUZZ_CHECK(problems.isEmpty());
    // Every failure is typed: an SQLSTATE, and a client error number for what this side found
    // (an ERR packet's number is the server's to choose, 0 included).
    const auto typed = [](const Failure &f) {
        if (f.type == AsyncMySql::Error::Type::Interface)
            return true; // the driver's own: not connected, closed
        return f.sqlState.size() == 5 && (f.code != 0 || f.type != AsyncMySql::Error::Type::Internal);
    };
    for (const TestCommandPtr &cmd : std::as_const(d.order)) {
        if (cmd->failure)
            FUZZ_CHECK(typed(*cmd->failure));
    }
    if (d.openFailure)
        FUZZ_CHECK(typed(*d.openFailure));
    static const bool verbose = qEnvironmentVariableIsSet("FUZZ_VERBOSE");
    if (verbose) {
        for (const TestCommandPtr &cmd : std::as_const(d.order))
            std::fprintf(stderr, "%s: %s\n", qPrintable(cmd->name), qPrintable(cmd->outcome()));
    }
    return 0;
}
