// SPDX-License-Identifier: MIT
// Text result sets from a hostile server: QueryExchange fed the fuzzer's bytes as the reply to
// a COM_QUERY (column count, column definitions, EOF, rows, OK/EOF/ERR, more results, a LOCAL
// INFILE request), every value of every row decoded by its column's type (decodeTextValue).
// Input: [flags byte][splits][stream].
#include "fuzzinput.h"
#include "protocol/constants.h"
#include "protocol/exchange.h"

#include <QtCore/QVariant>

using namespace AsyncMySql;
using namespace AsyncMySql::Protocol;

namespace {

class CheckingSink final : public ResultSink
{
public:
    bool inResult = false;
    ResultMetaPtr current;
    long long rows = 0;

    void resultStarted(const ResultMetaPtr &meta) override
    {
        FUZZ_CHECK(!inResult && meta && !meta->columns.isEmpty());
        FUZZ_CHECK(meta->kinds.size() == meta->columns.size() && meta->keys().size() == meta->columns.size());
        for (const Column &c : meta->columns)
            (void)c.name();
        inResult = true;
        current = meta;
    }
    void rowReceived(Row &&row) override
    {
        FUZZ_CHECK(inResult);
        ++rows;
        const RowPrivate *d = RowPrivate::get(row);
        FUZZ_CHECK(d->meta == current && row.size() == current->columns.size());
        // Every cell lies inside the row's own bytes: decoding never reads past its view.
        FUZZ_CHECK(d->cellCount == quint32(row.size()));
        for (quint32 i = 0; i < d->cellCount; ++i) {
            const RowPrivate::Cell &cell = d->cells()[i];
            FUZZ_CHECK(cell.length == -1 || (cell.length >= 0 && quint64(cell.offset) + quint64(cell.length) <= d->byteCount));
        }
        for (int i = 0; i < row.size(); ++i) {
            const QVariant v = row.value(i);
            FUZZ_CHECK(row.isNull(i) == !v.isValid() || current->kinds.at(i) == ValueKind::Null);
            (void)v.toString();
        }
        if (current->dict)
            (void)row.toMap();
    }
    void resultFinished(const ResultMetaPtr &meta, const OkPacket &) override
    {
        FUZZ_CHECK(meta == current && (!meta || inResult));
        inResult = false;
        current.reset();
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput::Reader in(data, size);
    const quint8 flags = in.byte();
    quint64 caps = Capability::Protocol41 | Capability::SecureConnection | Capability::PluginAuth
            | Capability::MultiResults;
    if (flags & 1)
        caps |= Capability::DeprecateEof;
    if (flags & 2)
        caps |= Capability::SessionTrack;
    if (flags & 4)
        caps |= Capability::MariaDbExtendedTypeInfo;
    QueryExchange::Settings settings;
    settings.encoding = (flags & 8) ? TextEncoding::Latin1 : TextEncoding::Utf8;
    settings.dict = flags & 16;
    settings.localInfile = flags & 32;
    const QList<qsizetype> splits = in.splits();
    const QByteArray stream = in.rest();

    CheckingSink sink;
    QueryExchange ex(settings, &sink);
    ex.setCapabilities(caps);
    ex.setCompressed(flags & 64);
    int fileRequests = 0;
    const Exchange::Status status = FuzzInput::feedPackets(stream, splits, Exchange::Status::Continue, [&](const Packet &p) {
        QByteArray out;
        const Exchange::Status st = ex.handle(p, out);
        FUZZ_CHECK(out.isEmpty());
        if (st != Exchange::Status::Continue)
            return st;
        if (auto file = ex.takeFileRequest()) {
            // Only asked when the user enabled it; answered as the connection does.
            FUZZ_CHECK(settings.localInfile);
            ++fileRequests;
            ex.appendFileData(out, "1,2\n");
            ex.appendFileData(out, {});
            FUZZ_CHECK(!out.isEmpty());
        }
        return st;
    });
    if (status == Exchange::Status::Done) {
        FUZZ_CHECK(ex.lastOk() != nullptr && !sink.inResult);
        FUZZ_CHECK(!(ex.lastOk()->status & ServerStatus::MoreResultsExist));
    }
    if (status == Exchange::Status::Failed)
        FUZZ_CHECK(!ex.failure().message.isEmpty() || ex.failure().fromServer);
    // FUZZ_VERBOSE=1 with one input: how far it got (checking that a seed reaches the rows).
    static const bool verbose = qEnvironmentVariableIsSet("FUZZ_VERBOSE");
    if (verbose)
        std::fprintf(stderr, "status %d, %lld rows, %d file requests: %s\n", int(status), sink.rows,
                     fileRequests, qPrintable(ex.failure().message));
    return 0;
}
