// SPDX-License-Identifier: MIT
// The connection phase against a hostile server: ConnectExchange with each auth plugin
// setting, TLS mode and compression wish, fed the fuzzer's bytes as the server's packets
// (greeting, AuthSwitchRequest, AuthMoreData, OK/ERR). Input: [plugin byte][flags byte][stream].
#include "fuzzinput.h"
#include "protocol/constants.h"
#include "protocol/exchange.h"

using namespace AsyncMySql::Protocol;

namespace {

// A throw-away RSA key for the sha256/caching_sha2 paths that encrypt with a configured key.
const char PublicKey[] = "-----BEGIN PUBLIC KEY-----\n"
                         "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC9rQjjNqdT0nu3fj1hcAFVKvCT\n"
                         "E03oM4xeBIYzABBceXrklW6NCLHrlY1XP+IGHu3MWNW8+56wvmjXICD3JXkwy1vo\n"
                         "mKt77IaLiqNzyGY1NwQ5G7EDF9ookW1s/qWi+hBQ9kpkF0SPiS9ARRW2RuYCtps9\n"
                         "80ofYfZ7Q3TDaJ0aMQIDAQAB\n"
                         "-----END PUBLIC KEY-----\n";

const char *const Plugins[] = {"", "mysql_native_password", "caching_sha2_password", "sha256_password",
                               "mysql_clear_password", "client_ed25519", "no_such_plugin"};

//! What the client wrote is well-framed, with consecutive sequence ids from \a firstSeq.
void checkClientBytes(const QByteArray &out, quint8 &nextSeq)
{
    if (out.isEmpty())
        return;
    PacketReader r;
    r.feed(out);
    Packet p;
    while (r.next(p) == PacketReader::Status::Ready) {
        FUZZ_CHECK(p.seq == nextSeq);
        nextSeq = quint8(p.lastSeq + 1);
    }
    FUZZ_CHECK(r.pending() == 0);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput::Reader in(data, size);
    ConnectExchange::Settings s;
    s.authPlugin = Plugins[in.byte() % std::size(Plugins)];
    const quint8 flags = in.byte();
    s.user = "fuzz";
    s.password = (flags & 1) ? QByteArray() : QByteArray("secret");
    s.database = (flags & 2) ? QByteArray("db") : QByteArray();
    s.tls = ConnectExchange::Tls((flags >> 2) % 3);
    s.secureTransport = flags & 16;
    s.allowCleartextPassword = flags & 32;
    s.serverPublicKey = (flags & 64) ? QByteArray(PublicKey) : QByteArray();
    s.compression = (flags & 128) ? CompressionAlgorithm::Zstd : CompressionAlgorithm::None;
    s.localInfile = flags & 8;
    s.collation = 45;
    s.attributes = {{"_client_name", "fuzz"}};
    const QList<qsizetype> splits = in.splits();
    const QByteArray stream = in.rest();

    ConnectExchange ex(s);
    quint8 clientSeq = 1; // the client's first packet answers the greeting (seq 0)
    bool tlsStarted = false;
    QByteArray written; // everything the client sent
    const Exchange::Status status = FuzzInput::feedPackets(stream, splits, Exchange::Status::Continue, [&](const Packet &p) {
        QByteArray out;
        Exchange::Status st = ex.handle(p, out);
        if (st == Exchange::Status::Continue) {
            const auto action = ex.takeAction();
            if (action == ConnectExchange::Action::StartTls) {
                FUZZ_CHECK(!tlsStarted && s.tls != ConnectExchange::Tls::Disabled && !s.secureTransport);
                tlsStarted = true;
                st = ex.tlsEstablished(out);
            }
        }
        // The client's packets continue the server's sequence.
        clientSeq = quint8(p.lastSeq + 1);
        checkClientBytes(out, clientSeq);
        written += out;
        return st;
    });
    // The password never travels in clear over an unencrypted TCP connection unless allowed.
    if (!s.password.isEmpty() && !s.secureTransport && !tlsStarted && !s.allowCleartextPassword)
        FUZZ_CHECK(!written.contains(s.password));
    if (status == Exchange::Status::Failed) {
        // Every failure of the connection phase closes the connection, with a reason.
        FUZZ_CHECK(ex.failure().fatal);
        FUZZ_CHECK(!ex.failure().message.isEmpty() || ex.failure().fromServer);
    }
    if (status == Exchange::Status::Done) {
        FUZZ_CHECK(ex.lastOk() != nullptr);
        // Never a protocol feature the client did not ask for, whatever the server offers.
        if (s.compression == CompressionAlgorithm::None)
            FUZZ_CHECK(ex.compression() == CompressionAlgorithm::None);
        if (!s.localInfile)
            FUZZ_CHECK(!(ex.capabilities() & Capability::LocalFiles));
        FUZZ_CHECK(ex.usedTls() == tlsStarted);
        if (s.tls == ConnectExchange::Tls::Disabled)
            FUZZ_CHECK(!ex.usedTls());
        // Required TLS over TCP: a login only ever succeeds encrypted.
        if (s.tls == ConnectExchange::Tls::Required && !s.secureTransport)
            FUZZ_CHECK(ex.usedTls());
        FUZZ_CHECK(ex.capabilities() & Capability::Protocol41);
    }
    // FUZZ_VERBOSE=1 with one input: how far it got (checking that a seed logs in).
    static const bool verbose = qEnvironmentVariableIsSet("FUZZ_VERBOSE");
    if (verbose)
        std::fprintf(stderr, "status %d, plugin %s: %s\n", int(status), ex.authPlugin().constData(),
                     qPrintable(ex.failure().message));
    return 0;
}
