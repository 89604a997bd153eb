// SPDX-License-Identifier: MIT
// Text result sets from a hostile server: QueryExchange fed the fuzzer's bytes as the reply to
// a COM_QUERY (column count, column definitions, EOF, rows, OK/EOF/ERR, more results, a LOCAL
// INFILE request), every value of every row decoded by its column's type (decodeTextValue).
// The same reply is read three times: without a result metadata cache, then twice through one
// cache (cold, then warm, as a connection reads a repeated query): all three must agree, so a
// cached result never lets through what the parser refuses, nor decodes anything differently.
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
    QStringList seen; //!< what the reply gave: each result's columns, each row's values

    void resultStarted(const ResultMetaPtr &meta) override
    {
        FUZZ_CHECK(!inResult && meta && !meta->columns.isEmpty());
        FUZZ_CHECK(meta->kinds.size() == meta->columns.size() && meta->keys().size() == meta->columns.size());
        QString columns = QStringLiteral("result dict=%1:").arg(meta->dict);
        for (qsizetype i = 0; i < meta->columns.size(); ++i) {
            const Column &c = meta->columns.at(i);
            columns += QStringLiteral(" %1.%2.%3/%4 type=%5 flags=%6 charset=%7 length=%8 decimals=%9 ext=%10/%11 kind=%12")
                               .arg(c.schema(), c.table(), c.name(), c.orgName())
                               .arg(c.type())
                               .arg(c.flags())
                               .arg(c.charset())
                               .arg(c.length())
                               .arg(c.decimals())
                               .arg(c.extendedType(), c.extendedFormat())
                               .arg(int(meta->kinds.at(i)));
        }
        seen.append(columns + QLatin1Char(' ') + meta->keys().join(u','));
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
        QString values = QStringLiteral("row");
        for (int i = 0; i < row.size(); ++i) {
            const QVariant v = row.value(i);
            FUZZ_CHECK(row.isNull(i) == !v.isValid() || current->kinds.at(i) == ValueKind::Null);
            values += QLatin1Char(' ') + QString::fromLatin1(v.typeName()) + QLatin1Char('=') + v.toString();
        }
        seen.append(values);
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

//! What reading one reply gave.
struct Outcome
{
    Exchange::Status status = Exchange::Status::Continue;
    QString failure;
    long long rows = 0;
    int fileRequests = 0;
    QStringList seen;

    bool operator==(const Outcome &o) const
    {
        return status == o.status && failure == o.failure && rows == o.rows && fileRequests == o.fileRequests
                && seen == o.seen;
    }
};

Outcome readReply(const QByteArray &stream, const QList<qsizetype> &splits, const QueryExchange::Settings &settings,
                  quint64 caps, quint8 flags, ResultMetaCache *cache)
{
    CheckingSink sink;
    QueryExchange ex(settings, &sink);
    ex.setCapabilities(caps);
    ex.setCompressed(flags & 64);
    ex.setMetaCache(cache);
    Outcome outcome;
    outcome.status = FuzzInput::feedPackets(stream, splits, Exchange::Status::Continue, [&](const Packet &p) {
        QByteArray out;
        const Exchange::Status st = ex.handle(p, out);
        FUZZ_CHECK(out.isEmpty());
        if (st != Exchange::Status::Continue)
            return st;
        if (auto file = ex.takeFileRequest()) {
            // Only asked when the user enabled it; answered as the connection does.
            FUZZ_CHECK(settings.localInfile);
            ++outcome.fileRequests;
            ex.appendFileData(out, "1,2\n");
            ex.appendFileData(out, {});
            FUZZ_CHECK(!out.isEmpty());
        }
        return st;
    });
    if (outcome.status == Exchange::Status::Done) {
        FUZZ_CHECK(ex.lastOk() != nullptr && !sink.inResult);
        FUZZ_CHECK(!(ex.lastOk()->status & ServerStatus::MoreResultsExist));
    }
    if (outcome.status == Exchange::Status::Failed) {
        FUZZ_CHECK(!ex.failure().message.isEmpty() || ex.failure().fromServer);
        outcome.failure = ex.failure().message;
    }
    outcome.rows = sink.rows;
    outcome.seen = sink.seen;
    return outcome;
}

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
    if (flags & 128) // a user decoder: the meta's decoders, part of what the cache compares
        settings.converters.setDecoder(Column::LongLong, [](const Column &c, QByteArrayView text) {
            return QVariant(QStringLiteral("%1:%2").arg(c.name()).arg(text.size()));
        });
    const QList<qsizetype> splits = in.splits();
    const QByteArray stream = in.rest();

    // Without a cache, then twice through one: the second run finds the first run's results.
    ResultMetaCache cache;
    const Outcome plain = readReply(stream, splits, settings, caps, flags, nullptr);
    const Outcome cold = readReply(stream, splits, settings, caps, flags, &cache);
    const Outcome warm = readReply(stream, splits, settings, caps, flags, &cache);
    FUZZ_CHECK(cold == plain);
    FUZZ_CHECK(warm == plain);
    // The cache holds what the other context parsed: bytes that parsed there must be parsed
    // again here (the extended type info changes how they read, the encoding the names).
    QueryExchange::Settings otherSettings = settings;
    otherSettings.encoding = (flags & 8) ? TextEncoding::Utf8 : TextEncoding::Latin1;
    const quint64 otherCaps = caps ^ Capability::MariaDbExtendedTypeInfo;
    const Outcome otherPlain = readReply(stream, splits, otherSettings, otherCaps, flags, nullptr);
    FUZZ_CHECK(readReply(stream, splits, otherSettings, otherCaps, flags, &cache) == otherPlain);
    FUZZ_CHECK(cache.size() <= ResultMetaCache::Capacity);
    // FUZZ_VERBOSE=1 with one input: how far it got (checking that a seed reaches the rows).
    static const bool verbose = qEnvironmentVariableIsSet("FUZZ_VERBOSE");
    if (verbose)
        std::fprintf(stderr, "status %d, %lld rows, %d file requests, %d cached: %s\n", int(plain.status), plain.rows,
                     plain.fileRequests, int(cache.size()), qPrintable(plain.failure));
    return 0;
}
