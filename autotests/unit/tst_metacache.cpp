// SPDX-License-Identifier: MIT
// The result metadata cache: QueryExchange replies through one ResultMetaCache, as the results
// of a connection's queries go. What is shared, what is not, and that nothing the parser would
// refuse gets through because it resembles a cached result.
#include "protocol/constants.h"
#include "protocol/exchange.h"
#include "testutil.h"

#include <QtCore/QSet>
#include <QtCore/QThread>
#include <QtTest/QTest>

#include <atomic>
#include <memory>
#include <vector>

using namespace AsyncMySql;
using namespace AsyncMySql::Protocol;
using namespace TestUtil;

Q_DECLARE_METATYPE(AsyncMySql::Protocol::QueryExchange::Settings)

namespace {

using Status = Exchange::Status;

constexpr quint64 Caps = Capability::Protocol41 | Capability::SecureConnection | Capability::PluginAuth
        | Capability::DeprecateEof | Capability::MultiResults;

//! Keeps what a reply gives: the meta of every result and every row.
class MetaSink final : public ResultSink
{
public:
    QList<ResultMetaPtr> metas;
    QList<Row> rows;

    void resultStarted(const ResultMetaPtr &meta) override { metas.append(meta); }
    void rowReceived(Row &&row) override { rows.append(std::move(row)); }
    void resultFinished(const ResultMetaPtr &, const OkPacket &) override { }
};

struct Reply
{
    Status status = Status::Continue;
    QString failure;
    QList<ResultMetaPtr> metas;
    QList<Row> rows;

    const ResultMeta *meta(int i = 0) const { return metas.value(i).data(); }
};

using Definitions = QList<Bytes>;

/*! The reply to one COM_QUERY: one result per entry of \a results (its column definitions and
    one row of "7"s), read by a QueryExchange with \a settings that uses \a cache. */
Reply run(ResultMetaCache *cache, const QList<Definitions> &results, const QueryExchange::Settings &settings = {},
          quint64 caps = Caps)
{
    QList<Bytes> payloads;
    for (qsizetype i = 0; i < results.size(); ++i) {
        const Definitions &defs = results.at(i);
        payloads.append(lenenc(quint64(defs.size())));
        payloads.append(defs);
        payloads.append(rowPayload(QList<std::optional<Bytes>>(defs.size(), Bytes("7"))));
        const quint16 more = i + 1 < results.size() ? ServerStatus::MoreResultsExist : 0;
        payloads.append(okEndPayload(quint16(ServerStatus::Autocommit | more)));
    }
    MetaSink sink;
    QueryExchange ex(settings, &sink);
    ex.setCapabilities(caps);
    ex.setMetaCache(cache);
    Reply reply;
    QByteArray out;
    for (const Packet &p : packets(payloads)) {
        reply.status = ex.handle(p, out);
        if (reply.status != Status::Continue)
            break;
    }
    if (reply.status == Status::Failed)
        reply.failure = ex.failure().message;
    reply.metas = sink.metas;
    reply.rows = sink.rows;
    return reply;
}

Reply run(ResultMetaCache *cache, const Definitions &columns, const QueryExchange::Settings &settings = {},
          quint64 caps = Caps)
{
    return run(cache, QList<Definitions>{columns}, settings, caps);
}

ColumnSpec idSpec()
{
    ColumnSpec id;
    id.name = "id";
    id.type = Column::LongLong;
    id.flags = Column::NotNullFlag | Column::PrimaryKeyFlag;
    id.charset = Column::BinaryCharset;
    id.length = 20;
    return id;
}

ColumnSpec textSpec(const Bytes &name)
{
    ColumnSpec c;
    c.name = name;
    return c;
}

Bytes id() { return columnPayload(idSpec()); }
Bytes text(const Bytes &name) { return columnPayload(textSpec(name)); }
Definitions idName() { return {id(), text("name")}; }

QStringList names(const ResultMeta *meta)
{
    QStringList out;
    if (meta) {
        for (const Column &c : meta->columns)
            out.append(c.name());
    }
    return out;
}

} // namespace

class tst_MetaCache : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sameDefinitionsShareOneMeta();
    void differentDefinitionsDecodeTheirOwn_data();
    void differentDefinitionsDecodeTheirOwn();
    void contextIsPartOfTheKey_data();
    void contextIsPartOfTheKey();
    void copiesOfOneConvertersShare();
    void definitionsParsedInAnotherContextAreParsedAgain();
    void malformedDefinitionsAreRefusedAsWithoutCache_data();
    void malformedDefinitionsAreRefusedAsWithoutCache();
    void lruKeepsTheLastFour();
    void pipelinedMixOfShapes();
    void multiResultSetsLookedUpOneByOne();
    void largeDefinitionsAreNotKept();
    void cachesAreIndependent();
    void keysMadeOnceAcrossThreads();
};

void tst_MetaCache::sameDefinitionsShareOneMeta()
{
    ResultMetaCache cache;
    const Reply first = run(&cache, idName());
    const Reply second = run(&cache, idName());
    QCOMPARE(first.status, Status::Done);
    QCOMPARE(second.status, Status::Done);
    QVERIFY(first.meta());
    QCOMPARE(second.meta(), first.meta());
    QCOMPARE(cache.size(), 1);
    // The rows of the second result read as usual through the shared meta.
    QCOMPARE(second.rows.size(), 1);
    const Row &row = second.rows.first();
    QCOMPARE(row.value(0).typeId(), QMetaType::LongLong);
    QCOMPARE(row.value(0).toLongLong(), 7);
    QCOMPARE(row.value(QStringLiteral("name")), QVariant(QStringLiteral("7")));
    QCOMPARE(row.keys(), (QStringList{"id", "name"}));
    QCOMPARE(row.columns().at(0).flags(), quint16(Column::NotNullFlag | Column::PrimaryKeyFlag));

    // Without a cache every result decodes its own (what the test above would see if reuse broke).
    QVERIFY(run(nullptr, idName()).meta() != run(nullptr, idName()).meta());
}

void tst_MetaCache::differentDefinitionsDecodeTheirOwn_data()
{
    QTest::addColumn<Definitions>("columns");
    QTest::addColumn<QStringList>("expectedNames");

    QTest::newRow("second name") << Definitions{id(), text("title")} << QStringList{"id", "title"};
    QTest::newRow("first name") << Definitions{text("key"), text("name")} << QStringList{"key", "name"};
    ColumnSpec longId = idSpec();
    longId.type = Column::Long;
    QTest::newRow("first type") << Definitions{columnPayload(longId), text("name")} << QStringList{"id", "name"};
    ColumnSpec nullableName = textSpec("name");
    nullableName.flags = Column::NotNullFlag;
    QTest::newRow("second flags") << Definitions{id(), columnPayload(nullableName)} << QStringList{"id", "name"};
    ColumnSpec otherTable = textSpec("name");
    otherTable.table = "u";
    QTest::newRow("second table") << Definitions{id(), columnPayload(otherTable)} << QStringList{"id", "name"};
    // The parser ignores what follows the fixed fields, but these are other bytes all the same.
    QTest::newRow("one byte more") << Definitions{id(), text("name") + 'x'} << QStringList{"id", "name"};
    QTest::newRow("one column fewer") << Definitions{id()} << QStringList{"id"};
    QTest::newRow("one column more") << Definitions{id(), text("name"), text("extra")}
                                     << QStringList{"id", "name", "extra"};
}

void tst_MetaCache::differentDefinitionsDecodeTheirOwn()
{
    QFETCH(Definitions, columns);
    QFETCH(QStringList, expectedNames);
    ResultMetaCache cache;
    const Reply base = run(&cache, idName());
    const Reply other = run(&cache, columns);
    QCOMPARE(other.status, Status::Done);
    QVERIFY(other.meta() && other.meta() != base.meta());
    QCOMPARE(names(other.meta()), expectedNames);
    QCOMPARE(other.meta()->kinds.size(), expectedNames.size());
    QCOMPARE(other.rows.first().keys(), expectedNames);
    // Both shapes are kept: the first comes back, and so does the other.
    QCOMPARE(run(&cache, idName()).meta(), base.meta());
    QCOMPARE(run(&cache, columns).meta(), other.meta());
    QCOMPARE(cache.size(), 2);
}

void tst_MetaCache::contextIsPartOfTheKey_data()
{
    QTest::addColumn<QueryExchange::Settings>("settings");
    QTest::addColumn<QString>("expectedName");
    QTest::addColumn<bool>("hasDecoders");

    const QString utf8Name = QStringLiteral("caf\u00e9");
    QueryExchange::Settings latin1;
    latin1.encoding = TextEncoding::Latin1;
    // A SET NAMES latin1 later: the same name bytes are other characters now.
    QTest::newRow("encoding") << latin1 << QStringLiteral("caf\u00c3\u00a9") << false;
    QueryExchange::Settings dict;
    dict.dict = true;
    QTest::newRow("dict") << dict << utf8Name << false;
    QueryExchange::Settings decoding;
    decoding.converters.setDecoder(Column::LongLong, [](const Column &, QByteArrayView) { return QVariant(42); });
    QTest::newRow("converters") << decoding << utf8Name << true;
}

void tst_MetaCache::contextIsPartOfTheKey()
{
    QFETCH(QueryExchange::Settings, settings);
    QFETCH(QString, expectedName);
    QFETCH(bool, hasDecoders);
    const Definitions columns{id(), text("caf\xc3\xa9")};
    ResultMetaCache cache;
    const Reply plain = run(&cache, columns);
    QCOMPARE(names(plain.meta()).at(1), QStringLiteral("caf\u00e9"));

    const Reply other = run(&cache, columns, settings);
    QCOMPARE(other.status, Status::Done);
    QVERIFY(other.meta() && other.meta() != plain.meta());
    QCOMPARE(names(other.meta()).at(1), expectedName);
    QCOMPARE(other.meta()->encoding, settings.encoding);
    QCOMPARE(other.meta()->dict, settings.dict);
    QCOMPARE(other.rows.first().isDict(), settings.dict);
    QCOMPARE(!other.meta()->decoders.isEmpty(), hasDecoders);
    QCOMPARE(other.rows.first().value(0).toInt(), hasDecoders ? 42 : 7);
    // Each context keeps its own entry.
    QCOMPARE(run(&cache, columns).meta(), plain.meta());
    QCOMPARE(run(&cache, columns, settings).meta(), other.meta());
}

void tst_MetaCache::copiesOfOneConvertersShare()
{
    const auto decoder = [](const Column &, QByteArrayView) { return QVariant(42); };
    QueryExchange::Settings settings;
    settings.converters.setDecoder(Column::LongLong, decoder);
    const QueryExchange::Settings copy = settings; // the engine copies its options' set per query
    ResultMetaCache cache;
    const Reply first = run(&cache, idName(), settings);
    QCOMPARE(run(&cache, idName(), copy).meta(), first.meta());

    // Another set with the same decoder: std::function cannot be compared, so it is another context.
    QueryExchange::Settings another;
    another.converters.setDecoder(Column::LongLong, decoder);
    const Reply third = run(&cache, idName(), another);
    QVERIFY(third.meta() != first.meta());
    QCOMPARE(third.rows.first().value(0).toInt(), 42);

    // Encoders do not change how results decode: such a set shares the meta of no converters.
    const Reply none = run(&cache, idName());
    QueryExchange::Settings encoding;
    encoding.converters.setEncoder(QMetaType::fromType<int>(), [](const QVariant &v) { return v; });
    QCOMPARE(run(&cache, idName(), encoding).meta(), none.meta());
    QVERIFY(none.meta()->decoders.isEmpty());
}

/*! Bytes that parsed under MARIADB_CLIENT_EXTENDED_TYPE_INFO are not a definition without it
    (the type info would be read as the length of the fixed fields): they are parsed again, and
    refused, instead of being taken from the cache. */
void tst_MetaCache::definitionsParsedInAnotherContextAreParsedAgain()
{
    ColumnSpec doc = textSpec("doc");
    doc.type = Column::Blob;
    doc.withExtendedInfo = true;
    doc.extended = {{1, "json"}};
    const Definitions columns{columnPayload(doc)};
    ResultMetaCache cache;
    const Reply maria = run(&cache, columns, {}, Caps | Capability::MariaDbExtendedTypeInfo);
    QCOMPARE(maria.status, Status::Done);
    QCOMPARE(maria.meta()->kinds.first(), ValueKind::Json);

    const Reply plain = run(&cache, columns, {}, Caps);
    QCOMPARE(plain.status, Status::Failed);
    QCOMPARE(plain.failure, run(nullptr, columns, {}, Caps).failure);
    QVERIFY(plain.failure.contains(QLatin1String("malformed column definition")));
    QCOMPARE(cache.size(), 1);
    QCOMPARE(run(&cache, columns, {}, Caps | Capability::MariaDbExtendedTypeInfo).meta(), maria.meta());
}

void tst_MetaCache::malformedDefinitionsAreRefusedAsWithoutCache_data()
{
    QTest::addColumn<Definitions>("columns");

    const Bytes name = text("name");
    QTest::newRow("second truncated") << Definitions{id(), name.chopped(3)};
    QTest::newRow("second empty") << Definitions{id(), Bytes()};
    Bytes shortFixed = name;
    shortFixed[shortFixed.size() - 13] = '\x09'; // the fixed fields' length, 12, now below 10
    QTest::newRow("second fixed length") << Definitions{id(), shortFixed};
    QTest::newRow("first truncated") << Definitions{id().chopped(1), name};
    // A cached prefix, then the count says more columns than definitions follow: the end
    // packet is read as a definition.
    QTest::newRow("end as definition") << Definitions{id(), name, okEndPayload(0)};
}

void tst_MetaCache::malformedDefinitionsAreRefusedAsWithoutCache()
{
    QFETCH(Definitions, columns);
    ResultMetaCache cache;
    const Reply base = run(&cache, idName());
    const Reply uncached = run(nullptr, columns);
    QCOMPARE(uncached.status, Status::Failed);
    const Reply cached = run(&cache, columns);
    QCOMPARE(cached.status, Status::Failed);
    QCOMPARE(cached.failure, uncached.failure);
    QVERIFY(cached.metas.isEmpty());
    // Nothing of the failed result was kept; the good one still serves.
    QCOMPARE(cache.size(), 1);
    QCOMPARE(run(&cache, idName()).meta(), base.meta());
}

void tst_MetaCache::lruKeepsTheLastFour()
{
    static_assert(ResultMetaCache::Capacity == 4, "the shapes below assume 4 entries");
    ResultMetaCache cache;
    const auto shape = [](int i) { return Definitions{text(Bytes("c") + Bytes::number(i))}; };
    QList<const ResultMeta *> first;
    for (int i = 0; i < 4; ++i)
        first.append(run(&cache, shape(i)).meta());
    QCOMPARE(cache.size(), 4);
    QCOMPARE(QSet<const ResultMeta *>(first.cbegin(), first.cend()).size(), 4);
    // Most recent first: 3 2 1 0. Using 0 again makes it the most recent: 0 3 2 1.
    QCOMPARE(run(&cache, shape(0)).meta(), first[0]);
    // A fifth shape drops the least recent, 1: 4 0 3 2.
    const ResultMeta *fifth = run(&cache, shape(4)).meta();
    QVERIFY(!first.contains(fifth));
    QCOMPARE(cache.size(), 4);
    // 1 is decoded anew (and drops 2): 1 4 0 3.
    const ResultMeta *again = run(&cache, shape(1)).meta();
    QVERIFY(again != first[1]);
    QCOMPARE(names(again), QStringList{"c1"});
    QCOMPARE(run(&cache, shape(3)).meta(), first[3]);
    QCOMPARE(run(&cache, shape(0)).meta(), first[0]);
    QCOMPARE(run(&cache, shape(4)).meta(), fifth);
    QVERIFY(run(&cache, shape(2)).meta() != first[2]);
}

/*! Two shapes with the same column count and the same first column, queried in turn (as a
    pipeline of two kinds of lookups does): both stay cached; a third that shares the first
    column only is decoded from its second column on. */
void tst_MetaCache::pipelinedMixOfShapes()
{
    ResultMetaCache cache;
    const Definitions a = idName();
    const Definitions b{id(), text("title")};
    const ResultMeta *metaA = run(&cache, a).meta();
    const ResultMeta *metaB = run(&cache, b).meta();
    QVERIFY(metaA != metaB);
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(run(&cache, a).meta(), metaA);
        QCOMPARE(run(&cache, b).meta(), metaB);
    }
    const Reply c = run(&cache, Definitions{id(), text("other")});
    QVERIFY(c.meta() != metaA && c.meta() != metaB);
    QCOMPARE(names(c.meta()), (QStringList{"id", "other"}));
    QCOMPARE(c.meta()->kinds, (QList<ValueKind>{ValueKind::Int, ValueKind::Text}));
    QCOMPARE(c.rows.first().value(QStringLiteral("other")), QVariant(QStringLiteral("7")));
    QCOMPARE(c.rows.first().value(0).typeId(), QMetaType::LongLong);
    QCOMPARE(cache.size(), 3);
}

void tst_MetaCache::multiResultSetsLookedUpOneByOne()
{
    ResultMetaCache cache;
    const Definitions single{id()};
    const Reply reply = run(&cache, QList<Definitions>{idName(), single, idName()});
    QCOMPARE(reply.status, Status::Done);
    QCOMPARE(reply.metas.size(), 3);
    QCOMPARE(names(reply.meta(0)), (QStringList{"id", "name"}));
    QCOMPARE(names(reply.meta(1)), QStringList{"id"});
    QVERIFY(reply.meta(1) != reply.meta(0));
    QCOMPARE(reply.meta(2), reply.meta(0));
    QCOMPARE(run(&cache, single).meta(), reply.meta(1));
}

void tst_MetaCache::largeDefinitionsAreNotKept()
{
    const Bytes longName(ResultMetaCache::MaxDefinitionBytes, 'n');
    const Definitions columns{id(), text(longName)};
    ResultMetaCache cache;
    const Reply first = run(&cache, columns);
    const Reply second = run(&cache, columns);
    QCOMPARE(second.status, Status::Done);
    QVERIFY(first.meta() != second.meta());
    QCOMPARE(names(second.meta()).at(1), QString::fromLatin1(longName));
    QCOMPARE(cache.size(), 0);
}

//! One cache per connection: another connection's identical result decodes its own meta.
void tst_MetaCache::cachesAreIndependent()
{
    ResultMetaCache one, other;
    const ResultMeta *a = run(&one, idName()).meta();
    const ResultMeta *b = run(&other, idName()).meta();
    QVERIFY(a != b);
    QCOMPARE(run(&one, idName()).meta(), a);
    QCOMPARE(run(&other, idName()).meta(), b);
    one.clear();
    QCOMPARE(one.size(), 0);
    QVERIFY(run(&one, idName()).meta() != a);
}

/*! Rows of one result read by name on several threads at once: the keys are made by whichever
    thread comes first, and every thread sees the same ones. */
void tst_MetaCache::keysMadeOnceAcrossThreads()
{
    const Definitions columns{id(), text("name"), text("name")}; // a duplicate: keyed "t.name"
    for (int round = 0; round < 20; ++round) {
        const Reply reply = run(nullptr, columns);
        QCOMPARE(reply.rows.size(), 1);
        const Row row = reply.rows.first();
        constexpr int threadCount = 4;
        std::atomic<int> waiting{threadCount};
        std::vector<const QStringList *> seen(threadCount, nullptr);
        std::vector<std::unique_ptr<QThread>> threads;
        for (int t = 0; t < threadCount; ++t) {
            threads.emplace_back(QThread::create([&, t, row] {
                waiting.fetch_sub(1);
                while (waiting.load() > 0)
                    QThread::yieldCurrentThread();
                if (row.value(QStringLiteral("t.name")).toString() == QLatin1String("7"))
                    seen[t] = &reply.meta()->keys();
            }));
            threads.back()->start();
        }
        for (auto &thread : threads)
            QVERIFY(thread->wait(10000));
        for (int t = 0; t < threadCount; ++t)
            QCOMPARE(seen[t], &reply.meta()->keys());
        QCOMPARE(row.keys(), (QStringList{"id", "name", "t.name"}));
    }
}

QTEST_GUILESS_MAIN(tst_MetaCache)
#include "tst_metacache.moc"
