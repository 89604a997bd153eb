// SPDX-License-Identifier: MIT
// Protocol::Session against scripted servers: every operation of a connection as bytes in,
// bytes and events out (tst_session's clean runs), then the same scripts once per server step
// with a fault injected there (faults(): "<operation>/<step>/<fault>" rows made from the scripts).
#include "../common/sessionscript.h"
#include "../common/testcrypto.h"

#include "protocol/auth.h"
#include "protocol/wire.h"

#include <QtTest/QTest>

using namespace AsyncMySql;
using namespace AsyncMySql::Protocol;
using namespace Scripted;
using namespace TestUtil;
using Cmd = AsyncMySql::Protocol::Command;

Q_DECLARE_METATYPE(Scripted::Fault)

namespace {

const QByteArray Password = "secret";

//! One key pair for the whole run: generating RSA keys takes a while.
const TestCrypto::RsaKeyPair &rsaKey()
{
    static const TestCrypto::RsaKeyPair key;
    return key;
}

//! The fields of a HandshakeResponse41 (or the SSLRequest prefix of it) the tests look at.
struct Response
{
    quint32 caps = 0;
    QByteArray user, auth, database, plugin;
    bool sslRequest = false; //!< the 32-byte SSLRequest, nothing after the fillers
    bool ok = false;
};

Response parseResponse(const QByteArray &payload)
{
    Response r;
    ByteReader in(payload);
    r.caps = in.u32();
    in.skip(4 + 1 + 23);
    if (payload.size() == 32) {
        r.sslRequest = r.ok = in.ok();
        return r;
    }
    r.user = in.nulString().toByteArray();
    r.auth = in.lenencString().toByteArray();
    if (r.caps & Capability::ConnectWithDb)
        r.database = in.nulString().toByteArray();
    if (r.caps & Capability::PluginAuth)
        r.plugin = in.nulString().toByteArray();
    r.ok = in.ok();
    return r;
}

//! A check of a handshake response: user "app", \a plugin, and \a auth as its auth response.
std::function<QString(const QByteArray &)> isResponse(const QByteArray &plugin, std::function<bool(const QByteArray &)> auth,
                                                      quint64 mustHave = 0)
{
    return [=](const QByteArray &payload) -> QString {
        const Response r = parseResponse(payload);
        if (!r.ok || r.sslRequest)
            return QStringLiteral("not a handshake response");
        if (r.user != "app" || r.plugin != plugin)
            return QStringLiteral("user %1 plugin %2").arg(QString::fromUtf8(r.user), QString::fromUtf8(r.plugin));
        if (!auth(r.auth))
            return QStringLiteral("wrong auth response %1").arg(QString::fromLatin1(r.auth.toHex()));
        if ((r.caps & mustHave) != mustHave)
            return QStringLiteral("capabilities 0x%1 lack 0x%2").arg(r.caps, 0, 16).arg(mustHave, 0, 16);
        return {};
    };
}

auto equals(const QByteArray &expected)
{
    return [expected](const QByteArray &got) { return got == expected; };
}

//! RSA-encrypted (password + NUL) XOR scramble, as the server decrypts it.
auto rsaPassword()
{
    return [](const QByteArray &cipher) {
        return TestCrypto::xorRepeated(rsaKey().decrypt(cipher), scramble()) == Password + '\0';
    };
}

QByteArray ed25519Nonce()
{
    QByteArray n;
    for (int i = 0; i < 32; ++i)
        n.append(char(0x41 + i));
    return n;
}

enum class Auth {
    Native,
    Sha2Fast,
    Sha2FullWithKey,    //!< the user gave the server's RSA key
    Sha2FullAskForKey,  //!< the client asks the server for its key
    Sha2FullOverTls,    //!< the password in clear, over TLS
    Sha256WithKey,
    ClearText,          //!< AuthSwitch to mysql_clear_password, allowed by the user
    Ed25519,            //!< AuthSwitch to client_ed25519 (MariaDB)
    SwitchToNative,     //!< AuthSwitch to mysql_native_password with a new scramble
};

struct Login
{
    Auth auth = Auth::Native;
    CompressionAlgorithm compression = CompressionAlgorithm::None;
    bool localInfile = false;
    QList<QByteArray> setup = {}; //!< setup statements answered to authenticated()
    std::chrono::milliseconds connectTimeout{0};
};

Session::Settings settingsFor(const Login &l)
{
    Session::Settings s;
    s.connect.user = "app";
    s.connect.password = Password;
    s.connect.collation = 45;
    s.connect.tls = l.auth == Auth::Sha2FullOverTls ? ConnectExchange::Tls::Required : ConnectExchange::Tls::Disabled;
    s.connect.compression = l.compression;
    s.connect.localInfile = l.localInfile;
    s.connect.allowCleartextPassword = l.auth == Auth::ClearText;
    if (l.auth == Auth::Sha2FullWithKey || l.auth == Auth::Sha256WithKey)
        s.connect.serverPublicKey = rsaKey().publicPem();
    s.peerName = QStringLiteral("db.example:3306");
    s.localInfile = l.localInfile;
    s.connectTimeout = l.connectTimeout;
    return s;
}

Greeting greetingFor(const Login &l)
{
    Greeting g;
    const bool mysql = l.auth != Auth::Native && l.auth != Auth::Ed25519 && l.auth != Auth::SwitchToNative;
    g.flavour = mysql || l.compression == CompressionAlgorithm::Zstd ? Flavour::MySql : Flavour::MariaDb;
    switch (l.auth) {
    case Auth::Native:
    case Auth::SwitchToNative:
    case Auth::Ed25519:
    case Auth::ClearText: g.plugin = "mysql_native_password"; break;
    case Auth::Sha256WithKey: g.plugin = "sha256_password"; break;
    default: g.plugin = "caching_sha2_password"; break;
    }
    g.tls = l.auth == Auth::Sha2FullOverTls;
    g.compress = l.compression == CompressionAlgorithm::Zlib;
    g.zstd = l.compression == CompressionAlgorithm::Zstd;
    return g;
}

/*! From start() to Ready: the greeting, the authentication \a l asks for, the setup statements.
    The server steps belong to "open". */
Script login(const Login &l = {})
{
    const quint64 compressCap = l.compression == CompressionAlgorithm::Zlib ? quint64(Capability::Compress)
            : l.compression == CompressionAlgorithm::Zstd                   ? quint64(Capability::ZstdCompression)
                                                                            : 0;
    Script s;
    s << doing("start", [settings = settingsFor(l), setup = l.setup](SessionDriver &d) {
        d.setupStatements = setup;
        d.start(settings);
    })
      << serverSends("greeting", "open", {greeting(greetingFor(l))}, 0);
    const QByteArray native = nativePasswordScramble(Password, scramble());
    const QByteArray sha2 = cachingSha2Scramble(Password, scramble());
    quint8 seq = 1; // the client's next sequence id
    switch (l.auth) {
    case Auth::Native:
        s << clientWrites({anyPacket(1, isResponse("mysql_native_password", equals(native), compressCap))});
        seq = 2;
        break;
    case Auth::Sha2Fast:
        s << clientWrites({anyPacket(1, isResponse("caching_sha2_password", equals(sha2), compressCap))})
          << serverSends("fast-auth", "open", {sha2FastAuthOk()}, 2);
        seq = 3;
        break;
    case Auth::Sha2FullWithKey:
        s << clientWrites({anyPacket(1, isResponse("caching_sha2_password", equals(sha2)))})
          << serverSends("full-auth", "open", {sha2FullAuthNeeded()}, 2)
          << clientWrites({anyPacket(3, [](const QByteArray &p) { return rsaPassword()(p) ? QString() : QStringLiteral("not the encrypted password"); })});
        seq = 4;
        break;
    case Auth::Sha2FullAskForKey:
        s << clientWrites({anyPacket(1, isResponse("caching_sha2_password", equals(sha2)))})
          << serverSends("full-auth", "open", {sha2FullAuthNeeded()}, 2)
          << clientWrites({exactPacket(3, QByteArray(1, '\x02'))})
          << serverSends("public-key", "open", {publicKeyPacket(rsaKey().publicPem())}, 4)
          << clientWrites({anyPacket(5, [](const QByteArray &p) { return rsaPassword()(p) ? QString() : QStringLiteral("not the encrypted password"); })});
        seq = 6;
        break;
    case Auth::Sha2FullOverTls:
        s << clientWrites({anyPacket(1, [](const QByteArray &p) { return parseResponse(p).sslRequest ? QString() : QStringLiteral("not an SSLRequest"); })})
          << expectEvents({QStringLiteral("startTls")})
          << checkThat("tls-phase", [](SessionDriver &d) {
                 return d.session.phase() == Session::Phase::TlsHandshake ? QString() : QStringLiteral("not in TlsHandshake");
             })
          << doing("tls-established", [](SessionDriver &d) {
                 d.session.tlsEstablished();
                 d.processInput();
             })
          << clientWrites({anyPacket(2, isResponse("caching_sha2_password", equals(sha2), Capability::Ssl))})
          << serverSends("full-auth", "open", {sha2FullAuthNeeded()}, 3)
          << clientWrites({exactPacket(4, Password + '\0')});
        seq = 5;
        break;
    case Auth::Sha256WithKey:
        s << clientWrites({anyPacket(1, isResponse("sha256_password", rsaPassword()))});
        seq = 2;
        break;
    case Auth::ClearText:
        s << clientWrites({anyPacket(1, isResponse("mysql_native_password", equals(native)))})
          << serverSends("auth-switch", "open", {authSwitch("mysql_clear_password", {})}, 2)
          << clientWrites({exactPacket(3, Password + '\0')});
        seq = 4;
        break;
    case Auth::Ed25519:
        s << clientWrites({anyPacket(1, isResponse("mysql_native_password", equals(native)))})
          << serverSends("auth-switch", "open", {authSwitch("client_ed25519", ed25519Nonce())}, 2)
          << clientWrites({anyPacket(3, [](const QByteArray &sig) {
                 return TestCrypto::ed25519Verify(sig, ed25519Nonce(), TestCrypto::ed25519PublicKey(Password))
                         ? QString()
                         : QStringLiteral("not a valid signature of the nonce");
             })});
        seq = 4;
        break;
    case Auth::SwitchToNative: {
        const QByteArray fresh = "0123456789abcdefghij";
        s << clientWrites({anyPacket(1, isResponse("mysql_native_password", equals(native)))})
          << serverSends("auth-switch", "open", {authSwitch("mysql_native_password", fresh + '\0')}, 2)
          << clientWrites({exactPacket(3, nativePasswordScramble(Password, fresh))});
        seq = 4;
        break;
    }
    }
    s << serverSends("auth-ok", "open", {ok()}, seq);
    if (l.compression != CompressionAlgorithm::None)
        s << doing("compression", [alg = l.compression](SessionDriver &d) { d.wire.startCompression(alg); });
    if (l.setup.isEmpty())
        s << expectEvents({QStringLiteral("authenticated"), QStringLiteral("ready")});
    else
        s << expectEvents({QStringLiteral("authenticated")});
    const bool compressed = l.compression != CompressionAlgorithm::None;
    if (!l.setup.isEmpty()) {
        // All written at once (pipelined), each its own compressed sequence.
        QList<Expected> writes;
        for (const QByteArray &sql : l.setup)
            writes << command(Cmd::Query, sql, compressed ? 0 : -1);
        s << clientWrites(writes);
        for (int i = 0; i < l.setup.size(); ++i) {
            Step reply = serverSends(QStringLiteral("setup%1").arg(i), "open", {ok()});
            reply.compressed = compressed;
            s << reply;
        }
        s << expectEvents({QStringLiteral("ready")});
    }
    s << checkThat("ready", [](SessionDriver &d) {
             return d.session.phase() == Session::Phase::Ready ? QString() : QStringLiteral("not Ready");
         });
    return s;
}

//! What the operations' server steps depend on: the compressed protocol, MariaDB's column format.
struct Ctx
{
    bool compressed = false;
    bool mariaDb = true;
};

//! A reply step, compressed (one compressed packet numbered 1) when \a compressed.
Step reply(const QString &name, const QString &owner, QList<Bytes> payloads, const Ctx &c, quint8 firstSeq = 1,
           int compressedSeq = 1)
{
    Step s = serverSends(name, owner, std::move(payloads), firstSeq);
    s.compressed = c.compressed;
    s.compressedSeq = compressedSeq;
    return s;
}

Expected writesCommand(Cmd cmd, const QByteArray &argument, const Ctx &c)
{
    return command(cmd, argument, c.compressed ? 0 : -1);
}

QString expectLines(SessionDriver &d, const QString &name, const QStringList &lines)
{
    const auto it = d.commands.find(name);
    if (it == d.commands.end())
        return name + QStringLiteral(" was never submitted");
    if (it->second->sink.lines != lines)
        return QStringLiteral("%1 got [%2], expected [%3]").arg(name, it->second->sink.lines.join(u"; "), lines.join(u"; "));
    return {};
}

QString expectPhase(SessionDriver &d, Session::Phase phase)
{
    return d.session.phase() == phase ? QString() : QStringLiteral("phase %1, expected %2").arg(int(d.session.phase())).arg(int(phase));
}

// --- operations (after a login) -----------------------------------------------------------------

/*! A SELECT with a text result: the columns, the rows and the end are steps of their own. */
Script selectQuery(const Ctx &c)
{
    const QList<Bytes> rs = resultSet({"a", "b"}, {Cells{Bytes("1"), Bytes("x")}, Cells{Bytes("2"), std::nullopt}}, c.mariaDb);
    return {doing("submit", [](SessionDriver &d) { d.query("q1", "SELECT a, b FROM t"); }),
            clientWrites({writesCommand(Cmd::Query, "SELECT a, b FROM t", c)}),
            reply("q1-columns", "q1", rs.mid(0, 3), c, 1, 1),
            reply("q1-rows", "q1", rs.mid(3, 2), c, 4, 2),
            reply("q1-end", "q1", rs.mid(5), c, 6, 3),
            expectEvents({"finished q1"}),
            checkThat("results", [](SessionDriver &d) {
                return expectLines(d, "q1", {"cols a,b", "row 1|x", "row 2|NULL", "end affected=0 id=0 status=2"});
            })};
}

//! Three results (OK, rows, OK) of a multi-statement query, MORE_RESULTS_EXISTS on all but the last.
Script multiResult(const Ctx &c)
{
    constexpr quint16 more = ServerStatus::Autocommit | ServerStatus::MoreResultsExist;
    const QList<Bytes> rs = resultSet({"id"}, {Cells{Bytes("7")}}, c.mariaDb, more);
    return {doing("submit", [](SessionDriver &d) { d.query("q1", "UPDATE t SET a=1; SELECT id FROM t; DO 1"); }),
            clientWrites({command(Cmd::Query, "UPDATE t SET a=1; SELECT id FROM t; DO 1")}),
            reply("q1-ok1", "q1", {ok(more, 3)}, c, 1),
            reply("q1-result2", "q1", rs, c, 2),
            reply("q1-ok3", "q1", {ok(ServerStatus::Autocommit, 0, 9)}, c, 2 + quint8(rs.size())),
            expectEvents({"finished q1"}),
            checkThat("results", [](SessionDriver &d) {
                return expectLines(d, "q1", {"end ok affected=3 id=0 status=10", "cols id", "row 7",
                                             "end affected=0 id=0 status=10", "end ok affected=0 id=9 status=2"});
            })};
}

/*! LOAD DATA LOCAL INFILE: the request, the file in chunks, the empty end, the server's OK. A
    query submitted behind it is written only once its reply is complete. */
Script localInfile(const Ctx &c, bool refused)
{
    const QByteArray sql = "LOAD DATA LOCAL INFILE 'data.csv' INTO TABLE t";
    const QByteArray content = "1,a\n2,b\n3";
    QList<Expected> upload;
    quint8 seq = 2;
    if (!refused) {
        for (qsizetype at = 0; at < content.size(); at += 4)
            upload << exactPacket(seq++, content.mid(at, 4));
    }
    upload << exactPacket(seq++, {});
    return {doing("submit", [=](SessionDriver &d) {
                auto cmd = d.makeCommand("q1", Cmd::Query, sql, true);
                if (!refused)
                    cmd->file = content;
                d.submit(cmd);
                d.query("q2", "SELECT 1");
            }),
            clientWrites({command(Cmd::Query, sql)}), // not q2: the reply may be a file request
            reply("q1-request", "q1", {localInfileRequest("data.csv")}, c, 1),
            expectEvents({"file data.csv"}),
            checkThat("requested", [](SessionDriver &d) {
                return d.commands.at("q1")->requestedFile == "data.csv" ? QString() : QStringLiteral("wrong file name");
            }),
            clientWrites(upload),
            reply("q1-ok", "q1", {ok(ServerStatus::Autocommit, refused ? 0 : 3)}, c, seq, -1),
            expectEvents({"finished q1"}),
            clientWrites({command(Cmd::Query, "SELECT 1")}),
            reply("q2-result", "q2", resultSet({"1"}, {Cells{Bytes("1")}}, c.mariaDb), c),
            expectEvents({"finished q2"}),
            checkThat("results", [refused](SessionDriver &d) {
                return expectLines(d, "q1", {QStringLiteral("end ok affected=%1 id=0 status=2").arg(refused ? 0 : 3)});
            })};
}

//! A command answered by OK: COM_PING, COM_INIT_DB, COM_RESET_CONNECTION.
Script simpleCommand(const Ctx &c, Cmd cmd, const QByteArray &argument = {})
{
    return {doing("submit", [=](SessionDriver &d) { d.simple("c1", cmd, argument); }),
            clientWrites({writesCommand(cmd, argument, c)}),
            reply("c1-ok", "c1", {ok()}, c),
            expectEvents({"finished c1"})};
}

//! Three commands written before any reply; the replies are matched in order.
Script pipelined(const Ctx &c)
{
    return {doing("submit", [](SessionDriver &d) {
                d.query("q1", "SELECT a FROM t");
                d.simple("p2", Cmd::Ping);
                d.query("q3", "INSERT INTO t VALUES (1)");
            }),
            clientWrites({writesCommand(Cmd::Query, "SELECT a FROM t", c), writesCommand(Cmd::Ping, {}, c),
                          writesCommand(Cmd::Query, "INSERT INTO t VALUES (1)", c)}),
            reply("q1-result", "q1", resultSet({"a"}, oneColumnRows(2), c.mariaDb), c),
            reply("p2-ok", "p2", {ok()}, c),
            reply("q3-ok", "q3", {ok(ServerStatus::Autocommit, 1, 5)}, c),
            expectEvents({"finished q1", "finished p2", "finished q3"}),
            checkThat("results", [](SessionDriver &d) {
                QString wrong = expectLines(d, "q1", {"cols a", "row v0", "row v1", "end affected=0 id=0 status=2"});
                if (wrong.isEmpty())
                    wrong = expectLines(d, "q3", {"end ok affected=1 id=5 status=2"});
                if (wrong.isEmpty() && d.session.insertId() != 5)
                    wrong = QStringLiteral("insertId %1").arg(d.session.insertId());
                return wrong;
            })};
}

/*! The engine stops waiting for a query (cancel, timeout): it finished at once, its reply is
    still read and dropped, and the command behind it gets its own reply. */
Script abandonQuery(const Ctx &c)
{
    return {doing("submit", [](SessionDriver &d) { d.query("q1", "SELECT SLEEP(10)"); }),
            clientWrites({command(Cmd::Query, "SELECT SLEEP(10)")}),
            doing("abandon", [](SessionDriver &d) {
                d.abandon("q1");
                d.query("q2", "SELECT 2");
            }),
            clientWrites({command(Cmd::Query, "SELECT 2")}),
            reply("q1-result", "q1", resultSet({"s"}, {Cells{Bytes("1")}}, c.mariaDb), c),
            reply("q2-result", "q2", resultSet({"x"}, {Cells{Bytes("2")}}, c.mariaDb), c),
            expectEvents({"finished q1", "finished q2"}),
            checkThat("results", [](SessionDriver &d) {
                return expectLines(d, "q2", {"cols x", "row 2", "end affected=0 id=0 status=2"});
            })};
}

/*! KILL QUERY for the query the server runs: nothing new is written until the KILL landed
    and the target's reply is complete (else the KILL could hit the next statement). */
Script killHold(const Ctx &c)
{
    return {doing("submit", [](SessionDriver &d) { d.query("q1", "SELECT SLEEP(10)"); }),
            clientWrites({command(Cmd::Query, "SELECT SLEEP(10)")}),
            checkThat("may-interrupt", [](SessionDriver &d) {
                return d.session.mayInterrupt(*d.commands.at("q1")) ? QString() : QStringLiteral("may not interrupt q1");
            }),
            doing("kill", [](SessionDriver &d) {
                d.session.interruptStarted();
                d.query("q2", "SELECT 2");
            }),
            clientWrites({}), // held
            checkThat("held", [](SessionDriver &d) {
                if (d.session.interrupt() != Session::Interrupt::KillInFlight)
                    return QStringLiteral("interrupt %1").arg(int(d.session.interrupt()));
                return d.session.mayInterrupt(*d.commands.at("q1")) ? QStringLiteral("a second KILL allowed") : QString();
            }),
            doing("kill-landed", [](SessionDriver &d) { d.session.interruptFinished(); }),
            clientWrites({}), // still held: q1's reply is not complete
            reply("q1-killed", "q1", {err(1317, "70100", "Query execution was interrupted")}, c),
            expectEvents({"finished q1 server 1317 70100"}),
            clientWrites({command(Cmd::Query, "SELECT 2")}),
            reply("q2-result", "q2", resultSet({"x"}, {Cells{Bytes("2")}}, c.mariaDb), c),
            expectEvents({"finished q2"}),
            checkThat("released", [](SessionDriver &d) {
                return d.session.interrupt() == Session::Interrupt::None ? QString() : QStringLiteral("still held");
            })};
}

/*! What Connection::resetConnection() queues: one pipelined group, one round trip, reported
    once, on its end, when the last statement answered. The replies of the statements before
    the end are owned by "reset/N": a fault there is reported on "reset". */
Script resetGroup(const Ctx &c)
{
    return {doing("submit", [](SessionDriver &d) {
                d.reset("reset", "shop", {"SET NAMES utf8mb4", "SET AUTOCOMMIT = 1"});
                d.query("after", "SELECT 2");
            }),
            clientWrites({writesCommand(Cmd::ResetConnection, {}, c), writesCommand(Cmd::InitDb, "shop", c),
                          writesCommand(Cmd::Query, "SET NAMES utf8mb4", c), writesCommand(Cmd::Query, "SET AUTOCOMMIT = 1", c),
                          writesCommand(Cmd::Query, "SELECT 2", c)}),
            reply("reset-ok", "reset/1", {ok(0)}, c),
            reply("initdb-ok", "reset/2", {ok(0)}, c),
            reply("names-ok", "reset/3", {ok(0)}, c),
            expectEvents({}), // the group is not done yet
            reply("autocommit-ok", "reset", {ok(ServerStatus::Autocommit)}, c),
            expectEvents({"finished reset"}),
            reply("after-result", "after", resultSet({"x"}, {Cells{Bytes("2")}}, c.mariaDb), c),
            expectEvents({"finished after"}),
            checkThat("results", [](SessionDriver &d) {
                if (!(d.session.status() & ServerStatus::Autocommit))
                    return QStringLiteral("status %1").arg(d.session.status());
                return expectLines(d, "after", {"cols x", "row 2", "end affected=0 id=0 status=2"});
            })};
}

//! COM_QUIT: written, nothing accepted after it; the server closes, which is the expected end.
Script quitSession(const Ctx &)
{
    return {doing("quit", [](SessionDriver &d) { d.quit("quit"); }),
            clientWrites({command(Cmd::Quit)}),
            checkThat("quitting", [](SessionDriver &d) { return expectPhase(d, Session::Phase::Quitting); }),
            doing("server-closes", [](SessionDriver &d) { d.transportEnded(ClientError::ServerLost, "the server closed the connection"); }),
            expectEvents({"transport 2013"}),
            checkThat("closed", [](SessionDriver &d) {
                if (d.commands.at("quit")->failure)
                    return QStringLiteral("COM_QUIT failed");
                return expectPhase(d, Session::Phase::Closed);
            })};
}

/*! A streaming query whose sink holds two rows: reading stops when it is full and goes on when
    the cursor took rows. */
Script backPressure(const Ctx &c)
{
    const QList<Bytes> rs = resultSet({"a"}, oneColumnRows(5), c.mariaDb);
    return {doing("submit", [](SessionDriver &d) { d.streamingQuery("s1", "SELECT a FROM big", 2); }),
            clientWrites({command(Cmd::Query, "SELECT a FROM big")}),
            reply("s1-result", "s1", rs, c),
            expectEvents({"paused"}),
            checkThat("two-rows", [](SessionDriver &d) {
                if (!d.session.isReadPaused())
                    return QStringLiteral("reading not paused");
                return expectLines(d, "s1", {"cols a", "row v0", "row v1"});
            }),
            doing("take-one", [](SessionDriver &d) { d.takeRows("s1", 1); }),
            expectEvents({"resumed", "paused"}),
            doing("take-all", [](SessionDriver &d) {
                d.takeRows("s1", 2);
                d.takeRows("s1", 2);
            }),
            expectEvents({"resumed", "paused", "resumed", "finished s1"}),
            checkThat("all-rows", [](SessionDriver &d) {
                return expectLines(d, "s1", {"cols a", "row v0", "row v1", "row v2", "row v3", "row v4", "end affected=0 id=0 status=2"});
            })};
}

/*! Prepared statements: COM_STMT_PREPARE, COM_STMT_SEND_LONG_DATA and COM_STMT_EXECUTE
    written together, then COM_STMT_CLOSE (which has no reply) and a query, all pipelined. The
    unanswered commands finish once written and every command before them answered; the
    replies are matched past them. */
Script preparedStatement(const Ctx &c)
{
    const QByteArray sql = "SELECT a FROM t WHERE id = ? AND b = ?";
    // Parameter 0 an integer, parameter 1 sent ahead as long data.
    const Bytes executeArgs = le(1, 4) + Bytes(1, '\0') + le(1, 4) + Bytes(1, '\0') + Bytes(1, '\x01')
            + Bytes("\x08\x00\xfc\x00", 4) + le(5, 8);
    const Bytes longData = le(1, 4) + le(1, 2) + Bytes("blob");
    ColumnSpec a{"a"};
    a.type = Column::LongLong;
    a.charset = 63;
    a.withExtendedInfo = c.mariaDb;
    ColumnSpec param{"?"};
    param.withExtendedInfo = c.mariaDb;
    const QList<Bytes> prepared{prepareOkPayload(1, 1, 2), columnPayload(param), columnPayload(param), columnPayload(a)};
    const QList<Bytes> rows{lenenc(1), columnPayload(a), binaryRowPayload({le(7, 8)}), binaryRowPayload({std::nullopt}),
                            okEndPayload(ServerStatus::Autocommit)};
    return {doing("submit", [=](SessionDriver &d) {
                d.prepare("p1", sql);
                d.unanswered("l1", commandPacket(quint8(Cmd::StmtSendLongData), longData));
                d.execute("e1", commandPacket(quint8(Cmd::StmtExecute), executeArgs));
                d.unanswered("c1", commandPacket(quint8(Cmd::StmtClose), le(1, 4)));
                d.query("q2", "SELECT 2");
            }),
            clientWrites({writesCommand(Cmd::StmtPrepare, sql, c), writesCommand(Cmd::StmtSendLongData, longData, c),
                          writesCommand(Cmd::StmtExecute, executeArgs, c), writesCommand(Cmd::StmtClose, le(1, 4), c),
                          writesCommand(Cmd::Query, "SELECT 2", c)}),
            expectEvents({}), // l1 waits behind p1's reply, c1 behind e1's
            reply("p1-prepared", "p1", prepared, c),
            expectEvents({"finished p1", "finished l1"}),
            reply("e1-rows", "e1", rows, c),
            expectEvents({"finished e1", "finished c1"}),
            reply("q2-result", "q2", resultSet({"x"}, {Cells{Bytes("2")}}, c.mariaDb), c),
            expectEvents({"finished q2"}),
            checkThat("results", [](SessionDriver &d) {
                const auto *p = d.commands.at("p1")->prepared();
                if (!p || p->prepared().statementId != 1 || p->params().size() != 2 || p->columns().size() != 1)
                    return QStringLiteral("wrong prepare reply");
                QString wrong = expectLines(d, "e1", {"cols a", "row 7", "row NULL", "end affected=0 id=0 status=2"});
                if (wrong.isEmpty())
                    wrong = expectLines(d, "q2", {"cols x", "row 2", "end affected=0 id=0 status=2"});
                return wrong;
            })};
}

/*! A close written when nothing waits for a reply: finished at once. Behind a query whose reply
    is still coming, it is matched past (the next reply belongs to the query). */
Script unansweredAlone(const Ctx &c)
{
    return {doing("close", [](SessionDriver &d) { d.unanswered("c1", commandPacket(quint8(Cmd::StmtClose), le(3, 4))); }),
            clientWrites({writesCommand(Cmd::StmtClose, le(3, 4), c)}),
            expectEvents({"finished c1"}),
            checkThat("idle", [](SessionDriver &d) { return d.session.isIdle() ? QString() : QStringLiteral("not idle"); })};
}

//! A login followed by \a operation, written for that server.
Script after(const Login &l, const std::function<Script(const Ctx &)> &operation)
{
    return login(l) + operation(Ctx{l.compression != CompressionAlgorithm::None, greetingFor(l).flavour == Flavour::MariaDb});
}

/*! Every operation, by name: the clean tests run them, the fault tests derive their rows from
    their server steps. Adding one here adds its fault rows. */
QList<QPair<QString, std::function<Script()>>> operations()
{
    using Make = std::function<Script()>;
    using Op = std::function<Script(const Ctx &)>;
    const Login plain;
    const Login mysql{Auth::Sha2Fast};
    const Login infile{Auth::Native, CompressionAlgorithm::None, true};
    const Login zlib{Auth::Native, CompressionAlgorithm::Zlib};
    const Login zstd{Auth::Native, CompressionAlgorithm::Zstd};
    const QList<QByteArray> setup{"SET sql_mode='ANSI'", "SET autocommit=0"};
    const auto op = [](const Login &l, Op o) { return Make([l, o] { return after(l, o); }); };
    return {
            {"login-native", Make([] { return login({Auth::Native}); })},
            {"login-sha2-fast", Make([] { return login({Auth::Sha2Fast}); })},
            {"login-sha2-full-key", Make([] { return login({Auth::Sha2FullWithKey}); })},
            {"login-sha2-full-ask", Make([] { return login({Auth::Sha2FullAskForKey}); })},
            {"login-sha2-full-tls", Make([] { return login({Auth::Sha2FullOverTls}); })},
            {"login-sha256", Make([] { return login({Auth::Sha256WithKey}); })},
            {"login-clear", Make([] { return login({Auth::ClearText}); })},
            {"login-ed25519", Make([] { return login({Auth::Ed25519}); })},
            {"login-switch-native", Make([] { return login({Auth::SwitchToNative}); })},
            {"login-setup", Make([setup] { return login({Auth::Native, CompressionAlgorithm::None, false, setup}); })},
            {"login-setup-zlib", Make([setup] { return login({Auth::Native, CompressionAlgorithm::Zlib, false, setup}); })},
            {"query", op(plain, selectQuery)},
            {"query-mysql", op(mysql, selectQuery)},
            {"multi-result", op(plain, multiResult)},
            {"local-infile", op(infile, [](const Ctx &c) { return localInfile(c, false); })},
            {"local-infile-refused", op(infile, [](const Ctx &c) { return localInfile(c, true); })},
            {"ping", op(plain, [](const Ctx &c) { return simpleCommand(c, Cmd::Ping); })},
            {"init-db", op(plain, [](const Ctx &c) { return simpleCommand(c, Cmd::InitDb, "shop"); })},
            {"reset", op(plain, resetGroup)},
            {"reset-zlib", op(zlib, resetGroup)},
            {"pipelined", op(plain, pipelined)},
            {"abandon", op(plain, abandonQuery)},
            {"kill-hold", op(plain, killHold)},
            {"quit", op(plain, quitSession)},
            {"back-pressure", op(plain, backPressure)},
            {"prepared", op(plain, preparedStatement)},
            {"prepared-mysql", op(mysql, preparedStatement)},
            {"prepared-zlib", op(zlib, preparedStatement)},
            {"unanswered", op(plain, unansweredAlone)},
            {"query-zlib", op(zlib, selectQuery)},
            {"query-zstd", op(zstd, selectQuery)},
            {"pipelined-zlib", op(zlib, pipelined)},
            {"pipelined-zstd", op(zstd, pipelined)},
            {"local-infile-zlib", op({Auth::Native, CompressionAlgorithm::Zlib, true}, [](const Ctx &c) { return localInfile(c, false); })},
    };
}

std::function<Script()> operation(const QString &name)
{
    for (const auto &[n, make] : operations()) {
        if (n == name)
            return make;
    }
    return {};
}

} // namespace

class tst_Session : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void operations_data();
    void operations();
    void splitEverywhere_data();
    void splitEverywhere();
    void serverInfo();
    void plainFallback();
    void connectDeadline();
    void unsolicitedErrWhileIdle();
    void commandsQueuedWhileConnecting();
    void withdrawUnwritten();
    void sayGoodbye();
    void sayGoodbyeRefusedWithLocalInfile();
    void compressedSequenceIds();
    void quitBehindHeldWrites_data();
    void quitBehindHeldWrites();
    void failureOutlivesCloseInFailed();
    void closeReturnsOnlyTheEnginesCommands();
    void resetReportsTheFirstFailure();
    void resetOneAtATimeWithLocalInfile();
    void metaCachePerSession();
    void faults_data();
    void faults();
};

void tst_Session::initTestCase()
{
    QVERIFY(rsaKey().isValid());
}

void tst_Session::operations_data()
{
    QTest::addColumn<QString>("name");
    for (const auto &[name, make] : ::operations())
        QTest::newRow(qPrintable(name)) << name;
}

void tst_Session::operations()
{
    QFETCH(QString, name);
    SessionDriver d;
    const QString wrong = play(d, operation(name)());
    QVERIFY2(wrong.isEmpty(), qPrintable(wrong));
    QCOMPARE(d.takeWritten().toHex(), QByteArray()); // nothing written that the script did not check
    QCOMPARE(d.takeEvents(), QStringList());
    d.closeNow();
    const QStringList problems = d.checkAllFinishedOnce();
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u"; ")));
}

void tst_Session::splitEverywhere_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("chunk");
    for (const QString name : {"query", "pipelined", "multi-result", "login-sha2-full-ask", "query-zlib", "pipelined-zstd",
                               "local-infile", "back-pressure"}) {
        for (int chunk : {1, 2, 3, 7})
            QTest::addRow("%s/%d", qPrintable(name), chunk) << name << chunk;
    }
}

//! The same conversations with the server's bytes arriving in pieces of every size.
void tst_Session::splitEverywhere()
{
    QFETCH(QString, name);
    QFETCH(int, chunk);
    SessionDriver d;
    const QString wrong = play(d, operation(name)(), chunk);
    QVERIFY2(wrong.isEmpty(), qPrintable(wrong));
}

void tst_Session::serverInfo()
{
    SessionDriver d;
    QCOMPARE(play(d, login({Auth::Sha2Fast})), QString());
    QCOMPARE(d.session.serverVersion(), QStringLiteral("8.0.36"));
    QCOMPARE(d.session.threadId(), 42u);
    QCOMPARE(d.session.authPlugin(), QByteArray("caching_sha2_password"));
    QVERIFY(!d.session.usedTls());
    QVERIFY(d.session.capabilities() & Capability::DeprecateEof);
    QCOMPARE(d.session.status(), quint16(ServerStatus::Autocommit));

    SessionDriver maria;
    QCOMPARE(play(maria, login({Auth::Native})), QString());
    QCOMPARE(maria.session.serverVersion(), QStringLiteral("10.11.6-MariaDB"));

    SessionDriver tls;
    QCOMPARE(play(tls, login({Auth::Sha2FullOverTls})), QString());
    QVERIFY(tls.session.usedTls());
}

void tst_Session::plainFallback()
{
    SessionDriver d;
    Session::Settings s = settingsFor({});
    s.connect.tls = ConnectExchange::Tls::Preferred;
    d.start(s);
    d.receive(framed({greeting()}, 0));
    QCOMPARE(d.takeEvents(), QStringList{"plainFallback"});
    const QList<ClientPacket> out = parseClientOutput(d.takeWritten());
    QCOMPARE(out.size(), 1);
    QVERIFY(!parseResponse(out[0].payload).sslRequest);
    QCOMPARE(d.session.phase(), Session::Phase::Authenticating);
}

void tst_Session::connectDeadline()
{
    SessionDriver d;
    Login l;
    l.connectTimeout = std::chrono::milliseconds(1000);
    d.start(settingsFor(l));
    QVERIFY(d.session.deadline());
    QCOMPARE(*d.session.deadline(), d.now + std::chrono::milliseconds(1000));
    d.advance(std::chrono::milliseconds(999));
    QCOMPARE(d.session.phase(), Session::Phase::Greeting);
    d.receive(framed({greeting()}, 0));
    QCOMPARE(d.session.phase(), Session::Phase::Authenticating);
    d.advance(std::chrono::milliseconds(1));
    QCOMPARE(d.session.phase(), Session::Phase::Closed);
    QVERIFY(d.openFailure);
    QCOMPARE(d.openFailure->code, quint16(2003));
    QCOMPARE(d.openFailure->sqlState, QByteArray("08001"));
    QVERIFY(d.openFailure->message.contains(QStringLiteral("db.example:3306")));
    QVERIFY(!d.session.deadline());

    // Once Ready, the deadline is gone: time passing changes nothing.
    SessionDriver ready;
    Script s = login(l);
    QCOMPARE(play(ready, s), QString());
    QVERIFY(!ready.session.deadline());
    ready.advance(std::chrono::hours(1));
    QCOMPARE(ready.session.phase(), Session::Phase::Ready);
}

//! A server about to close an idle session says why first: that ERR is the session's failure.
void tst_Session::unsolicitedErrWhileIdle()
{
    SessionDriver d;
    QCOMPARE(play(d, login()), QString());
    d.receive(framed({err(1927, "70100", "Connection was killed")}, 0));
    QVERIFY(d.sessionFailure);
    QCOMPARE(d.sessionFailure->code, quint16(1927));
    QCOMPARE(d.sessionFailure->sqlState, QByteArray("70100"));
    QCOMPARE(d.session.phase(), Session::Phase::Lost);

    SessionDriver garbage;
    QCOMPARE(play(garbage, login()), QString());
    garbage.receive(framed({ok()}, 1));
    QVERIFY(garbage.sessionFailure);
    QCOMPARE(garbage.sessionFailure->code, quint16(ClientError::CommandsOutOfSync));
}

//! Commands submitted while connecting wait, then go out behind the setup statements.
void tst_Session::commandsQueuedWhileConnecting()
{
    SessionDriver d;
    Login l{Auth::Native, CompressionAlgorithm::None, false, {"SET sql_mode='ANSI'"}};
    d.setupStatements = l.setup;
    d.start(settingsFor(l));
    d.query("early", "SELECT 1");
    QCOMPARE(d.takeWritten(), QByteArray());
    d.receive(framed({greeting()}, 0));
    QCOMPARE(parseClientOutput(d.takeWritten()).size(), 1); // the handshake response only
    d.receive(framed({ok()}, 2));
    QCOMPARE(compareWrites(d.takeWritten(), {command(Cmd::Query, "SET sql_mode='ANSI'")}, CompressionAlgorithm::None), QString());
    QCOMPARE(d.session.phase(), Session::Phase::SettingUp);
    d.receive(framed({ok()}));
    QCOMPARE(d.session.phase(), Session::Phase::Ready);
    QCOMPARE(compareWrites(d.takeWritten(), {command(Cmd::Query, "SELECT 1")}, CompressionAlgorithm::None), QString());
    d.receive(framed({ok()}));
    QCOMPARE(d.takeEvents(), (QStringList{"authenticated", "ready", "finished early"}));
}

void tst_Session::withdrawUnwritten()
{
    SessionDriver d;
    QCOMPARE(play(d, login({Auth::Native, CompressionAlgorithm::None, true})), QString());
    d.query("q1", "SELECT 1");
    d.query("q2", "SELECT 2"); // LOCAL INFILE enabled: waits for q1's reply
    QVERIFY(!d.session.withdraw(*d.commands.at("q1")));
    QVERIFY(d.session.withdraw(*d.commands.at("q2")));
    QVERIFY(!d.session.contains(*d.commands.at("q2")));
    QCOMPARE(d.session.commandCount(), 1);
    d.takeWritten();
    d.receive(framed({ok()}));
    QCOMPARE(d.takeWritten(), QByteArray()); // q2 is gone: nothing follows
    QVERIFY(d.session.isIdle());
}

void tst_Session::sayGoodbye()
{
    SessionDriver d;
    QCOMPARE(play(d, login()), QString());
    d.query("q1", "SELECT 1");
    d.takeWritten();
    QVERIFY(d.sayGoodbye());
    QCOMPARE(compareWrites(d.takeWritten(), {command(Cmd::Quit)}, CompressionAlgorithm::None), QString());
}

//! With LOCAL INFILE allowed, a reply outstanding may turn into a file request: no COM_QUIT then.
void tst_Session::sayGoodbyeRefusedWithLocalInfile()
{
    SessionDriver d;
    QCOMPARE(play(d, login({Auth::Native, CompressionAlgorithm::None, true})), QString());
    d.query("q1", "SELECT 1");
    d.takeWritten();
    QVERIFY(!d.sayGoodbye());
    QCOMPARE(d.takeWritten(), QByteArray());
    d.receive(framed({ok()}));
    QVERIFY(d.sayGoodbye());
}

/*! Under the compressed protocol each command starts its own compressed sequence (0), and its
    reply continues it (1); a LOCAL INFILE upload continues the reply's sequence. */
void tst_Session::compressedSequenceIds()
{
    SessionDriver d;
    QCOMPARE(play(d, login({Auth::Native, CompressionAlgorithm::Zlib, true})), QString());
    QCOMPARE(d.session.compression(), CompressionAlgorithm::Zlib);
    auto cmd = d.makeCommand("load", Cmd::Query, "LOAD DATA LOCAL INFILE 'f' INTO TABLE t", true);
    cmd->file = QByteArray("abcdefgh");
    d.submit(cmd);
    QCOMPARE(compareWrites(d.takeWritten(), {command(Cmd::Query, "LOAD DATA LOCAL INFILE 'f' INTO TABLE t", 0)},
                           CompressionAlgorithm::Zlib),
             QString());
    // The request comes in compressed packet 1: the upload continues with 2, 3, ...
    d.receive(d.wire.reply({localInfileRequest("f")}, 1, 1));
    const QList<ClientPacket> upload = parseClientOutput(d.takeWritten(), CompressionAlgorithm::Zlib);
    QCOMPARE(upload.size(), 3);
    QCOMPARE(upload[0].seq, 2);
    QCOMPARE(upload[0].compressedSeq, 2);
    QCOMPARE(upload[2].payload, QByteArray());
    // The server's OK continues the compressed sequence after the client's last packet.
    const int next = upload.last().compressedSeq + 1;
    d.receive(d.wire.reply({ok(ServerStatus::Autocommit, 2)}, 5, quint8(next)));
    QCOMPARE(d.takeEvents(), (QStringList{"file f", "finished load"}));
    QVERIFY(!d.commands.at("load")->failure);
}

void tst_Session::quitBehindHeldWrites_data()
{
    QTest::addColumn<bool>("localInfile");
    QTest::newRow("local-infile") << true;
    QTest::newRow("kill-hold") << false;
}

/*! COM_QUIT queued while writes wait (LOCAL INFILE allows one command at a time; a KILL is on
    its way) goes out once the reply in front is complete, and so do the commands before it. */
void tst_Session::quitBehindHeldWrites()
{
    QFETCH(bool, localInfile);
    SessionDriver d;
    QCOMPARE(play(d, login({Auth::Native, CompressionAlgorithm::None, localInfile})), QString());
    d.query("q1", "SELECT SLEEP(1)");
    if (!localInfile)
        d.session.interruptStarted();
    d.query("q2", "SELECT 2");
    d.quit("quit");
    QCOMPARE(compareWrites(d.takeWritten(), {command(Cmd::Query, "SELECT SLEEP(1)")}, CompressionAlgorithm::None), QString());
    if (!localInfile)
        d.session.interruptFinished();
    d.receive(framed({ok()}));
    QCOMPARE(d.takeEvents(), QStringList{"finished q1"});
    // Written once the hold ends, COM_QUIT last (before, they waited for ensureClosed()'s 5 s
    // fallback to close the connection). With LOCAL INFILE still one at a time: q2's reply could
    // be a file request, which would take COM_QUIT for the file's content.
    if (localInfile) {
        QCOMPARE(compareWrites(d.takeWritten(), {command(Cmd::Query, "SELECT 2")}, CompressionAlgorithm::None), QString());
        d.receive(framed({ok()}));
        QCOMPARE(d.takeEvents(), QStringList{"finished q2"});
        QCOMPARE(compareWrites(d.takeWritten(), {command(Cmd::Quit)}, CompressionAlgorithm::None), QString());
    } else {
        QCOMPARE(compareWrites(d.takeWritten(), {command(Cmd::Query, "SELECT 2"), command(Cmd::Quit)},
                               CompressionAlgorithm::None),
                 QString());
    }
}

/*! The failure handed to Listener::failed() stays valid while the listener closes the session
    there (as the header asks it to): it used to live in the connect exchange close() deletes. */
void tst_Session::failureOutlivesCloseInFailed()
{
    SessionDriver d;
    d.start(settingsFor({}));
    d.receive(framed({greeting()}, 0));
    d.receive(framed({err(1045, "28000", "Access denied for user 'app'")}, 2));
    QVERIFY(d.openFailure);
    QCOMPARE(d.openFailure->code, quint16(1045));
    QCOMPARE(d.openFailure->sqlState, QByteArray("28000"));
    QCOMPARE(d.openFailure->message, QStringLiteral("Access denied for user 'app'"));
    QCOMPARE(d.session.phase(), Session::Phase::Closed);
}

/*! close() returns the engine's commands only, not the session's own setup statements (the
    engine casts each one it gets to its own command type). */
void tst_Session::closeReturnsOnlyTheEnginesCommands()
{
    SessionDriver d;
    d.setupStatements = {"SET sql_mode='ANSI'", "SET autocommit=0"};
    d.start(settingsFor({}));
    d.query("early", "SELECT 1");
    d.receive(framed({greeting()}, 0));
    d.receive(framed({ok()}, 2));
    QCOMPARE(d.session.phase(), Session::Phase::SettingUp);
    QCOMPARE(d.session.commandCount(), 3);
    const std::deque<Session::CommandPtr> pending = d.session.close(true);
    QCOMPARE(pending.size(), size_t(1));
    QCOMPARE(pending.front().get(), d.commands.at("early").get());
}

/*! Two statements of a reset fail: the group's end reports the first failure, after its own
    reply; the end cannot be withdrawn (the statements before it report on it). */
void tst_Session::resetReportsTheFirstFailure()
{
    SessionDriver d;
    QCOMPARE(play(d, login()), QString());
    d.reset("reset", "gone", {"SET NAMES nonsense", "SET AUTOCOMMIT = 1"});
    QCOMPARE(d.session.commandCount(), 4);
    QVERIFY(!d.session.withdraw(*d.commands.at("reset")));
    QCOMPARE(parseClientOutput(d.takeWritten(), CompressionAlgorithm::None).size(), 4);
    d.receive(framed({ok()}));
    d.receive(framed({err(1049, "42000", "Unknown database 'gone'")}));
    d.receive(framed({err(1115, "42000", "Unknown character set: 'nonsense'")}));
    QCOMPARE(d.takeEvents(), QStringList());
    d.receive(framed({ok()}));
    QCOMPARE(d.takeEvents(), QStringList{"finished reset server 1049 42000"});
    QVERIFY(d.session.isIdle());
    d.reset("again", {}, {"SET NAMES utf8mb4"}); // no failure left over from the first group
    QCOMPARE(parseClientOutput(d.takeWritten(), CompressionAlgorithm::None).size(), 2);
    d.receive(framed({ok()}));
    d.receive(framed({ok()}));
    QCOMPARE(d.takeEvents(), QStringList{"finished again"});
    QVERIFY(!d.commands.at("again")->failure);
}

/*! With LOCAL INFILE enabled the reset's statements go one at a time, and a file request to one
    of them (init_command could be a LOAD DATA) is answered by the session: nothing is loaded. */
void tst_Session::resetOneAtATimeWithLocalInfile()
{
    SessionDriver d;
    QCOMPARE(play(d, login({Auth::Native, CompressionAlgorithm::None, true})), QString());
    d.reset("reset", {}, {"LOAD DATA LOCAL INFILE 'x' INTO TABLE t", "SET AUTOCOMMIT = 1"});
    QList<ClientPacket> out = parseClientOutput(d.takeWritten(), CompressionAlgorithm::None);
    QCOMPARE(out.size(), 1);
    QCOMPARE(out.first().command(), quint8(Cmd::ResetConnection));
    d.receive(framed({ok()}));
    out = parseClientOutput(d.takeWritten(), CompressionAlgorithm::None);
    QCOMPARE(out.size(), 1);
    QCOMPARE(out.first().command(), quint8(Cmd::Query));
    d.receive(framed({localInfileRequest("x")}));
    out = parseClientOutput(d.takeWritten(), CompressionAlgorithm::None);
    QCOMPARE(out.size(), 1); // the empty packet that ends the file
    QCOMPARE(out.first().seq, 2);
    QCOMPARE(out.first().payload, QByteArray());
    QCOMPARE(d.takeEvents(), QStringList());
    d.receive(framed({ok()}, 3));
    out = parseClientOutput(d.takeWritten(), CompressionAlgorithm::None);
    QCOMPARE(out.size(), 1);
    d.receive(framed({ok()}));
    QCOMPARE(d.takeEvents(), QStringList{"finished reset"});
    QVERIFY(d.session.isIdle());
}

/*! The result metadata a session's queries reuse is the session's own: another connection's
    identical result, or the next session of the same driver (a reconnect), decodes its own. */
void tst_Session::metaCachePerSession()
{
    const QByteArray reply = framed(resultSet({"id", "name"}, {{Bytes("1"), Bytes("x")}}, true));
    const auto query = [&reply](SessionDriver &d, const QString &name) {
        d.query(name, "SELECT id, name FROM t");
        d.takeWritten();
        d.receive(reply);
        const TestCommandPtr &cmd = d.commands.at(name);
        return cmd->sink.metas.size() == 1 ? cmd->sink.metas.first() : ResultMetaPtr();
    };
    SessionDriver one, other;
    QCOMPARE(play(one, login()), QString());
    QCOMPARE(play(other, login()), QString());
    const ResultMetaPtr first = query(one, "q1");
    QVERIFY(first);
    QCOMPARE(query(one, "q2"), first);
    QCOMPARE(one.session.metaCache().size(), 1);
    const ResultMetaPtr elsewhere = query(other, "q1");
    QVERIFY(elsewhere && elsewhere != first);
    QCOMPARE(query(other, "q2"), elsewhere);

    one.closeNow();
    one.takeEvents();
    QCOMPARE(play(one, login()), QString());
    QCOMPARE(one.session.metaCache().size(), 0);
    const ResultMetaPtr reconnected = query(one, "q3");
    QVERIFY(reconnected && reconnected != first);
    QCOMPARE(reconnected->columns.at(1).name(), QStringLiteral("name"));
}

void tst_Session::faults_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("step");
    QTest::addColumn<Fault>("fault");
    for (const auto &[name, make] : ::operations()) {
        const Script script = make();
        for (int i = 0; i < script.size(); ++i) {
            for (Fault f : faultsFor(script.at(i))) {
                QTest::addRow("%s/%s/%s", qPrintable(name), qPrintable(script.at(i).name), qPrintable(faultName(f)))
                        << name << i << f;
            }
        }
    }
}

namespace {
//! A failure the session made: a client error number or the server's, and an SQLSTATE.
QString untyped(const QString &who, const Failure &f)
{
    if (f.type == Error::Type::Interface)
        return {}; // the driver's own (not connected, closed by the engine): no number, as in the engine
    if (f.code == 0 || f.sqlState.size() != 5)
        return QStringLiteral("%1 failed without a typed error: %2 (%3)").arg(who, describe(f), f.message);
    return {};
}
} // namespace

/*! Each operation with each fault at each server step: every command finishes exactly once,
    the one whose reply was hit fails with a typed error (the server's code and SQLSTATE if it
    sent an ERR), the ones behind it are never misread, and the session ends closed or in step
    (an idle session still answers a ping). */
void tst_Session::faults()
{
    QFETCH(QString, name);
    QFETCH(int, step);
    QFETCH(Fault, fault);
    const Script script = operation(name)();
    const Step &at = script.at(step);

    SessionDriver clean; // what each command comes to without the fault
    QCOMPARE(play(clean, script), QString());

    SessionDriver d;
    const QString wrong = playWithFault(d, script, step, fault);
    QVERIFY2(wrong.isEmpty(), qPrintable(wrong));

    if (d.session.phase() == Session::Phase::Ready && !d.session.hasCommands()) {
        d.simple("final-ping", Cmd::Ping);
        const QList<ClientPacket> out = parseClientOutput(d.takeWritten(), d.wire.isCompressed() ? d.wire.algorithm() : CompressionAlgorithm::None);
        QVERIFY(!out.isEmpty());
        QCOMPARE(out.last().command(), quint8(Cmd::Ping));
        d.receive(d.wire.isCompressed() ? d.wire.reply({ok()}, 1, 1) : framed({ok()}));
        const TestCommand &ping = *d.commands.at("final-ping");
        if (ping.failure)
            QVERIFY2(!d.isOpen(), qPrintable(QStringLiteral("the ping after the fault failed, and the session goes on: ") + describe(*ping.failure)));
        else
            QVERIFY2(ping.finished == 1, "the ping after the fault was not answered");
    }
    const bool sessionFailed = d.sessionFailure.has_value();
    d.closeNow();
    const QStringList problems = d.checkAllFinishedOnce();
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u"; ")));

    if (d.openFailure) {
        const QString why = untyped(QStringLiteral("the connecting"), *d.openFailure);
        QVERIFY2(why.isEmpty(), qPrintable(why));
    }
    for (const TestCommandPtr &cmd : std::as_const(d.order)) {
        if (cmd->failure) {
            const QString why = untyped(cmd->name, *cmd->failure);
            QVERIFY2(why.isEmpty(), qPrintable(why));
        }
    }

    // The command whose reply was hit.
    const QString owner = reportedOn(at);
    const std::optional<Failure> ownerFailure = owner == QLatin1String("open") ? d.openFailure
            : d.commands.count(owner)                                        ? d.commands.at(owner)->failure
                                                                             : std::nullopt;
    if (mustFailOwner(at, fault))
        QVERIFY2(ownerFailure, qPrintable(owner + QStringLiteral(" did not fail")));
    if (fault == Fault::Err && ownerFailure && ownerFailure->fromServer) {
        const std::optional<ErrPacket> expected = parseErr(faultErr(at));
        QVERIFY(expected);
        QCOMPARE(ownerFailure->code, expected->code);
        QCOMPARE(ownerFailure->sqlState, expected->sqlState);
    }

    // The others: as without the fault, or failed; after an ERR that kept the session in step,
    // exactly as without the fault.
    for (const TestCommandPtr &cmd : std::as_const(d.order)) {
        if (cmd->name == owner || !clean.commands.count(cmd->name))
            continue;
        const QString expected = clean.commands.at(cmd->name)->outcome();
        const QString got = cmd->outcome();
        if (fault == Fault::Err && !sessionFailed && at.owner != QLatin1String("open"))
            QCOMPARE(got, expected);
        else if (!cmd->failure)
            QCOMPARE(got, expected);
    }
}

QTEST_GUILESS_MAIN(tst_Session)
#include "tst_session.moc"
