// SPDX-License-Identifier: MIT
#include "protocol/exchange.h"
#include "protocol/wire.h"
#include "testutil.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtTest/QTest>

using namespace AsyncMySql;
using namespace AsyncMySql::Protocol;
using namespace TestUtil;

Q_DECLARE_METATYPE(AsyncMySql::Protocol::Packet)
Q_DECLARE_METATYPE(QList<AsyncMySql::Protocol::Packet>)
Q_DECLARE_METATYPE(AsyncMySql::Protocol::ConnectExchange::Settings)
Q_DECLARE_METATYPE(AsyncMySql::Protocol::CompressionAlgorithm)

namespace {

using Status = Exchange::Status;

QString cellText(const QVariant &v) { return v.isNull() ? QStringLiteral("NULL") : v.toString(); }

QString columnNames(const ResultMetaPtr &meta)
{
    if (!meta)
        return QStringLiteral("none");
    QStringList names;
    for (const Column &c : meta->columns)
        names.append(c.name());
    return names.join(u',');
}

/*! Writes what the exchange reports as one line per event, so a test compares the whole
    conversation in one QCOMPARE. */
class RecordingSink final : public ResultSink
{
public:
    QStringList events;
    QList<Row> rows;

    void resultStarted(const ResultMetaPtr &meta) override { events.append(QStringLiteral("start ") + columnNames(meta)); }
    void rowReceived(Row &&row) override
    {
        QStringList cells;
        for (const QVariant &v : row.toList())
            cells.append(cellText(v));
        events.append(QStringLiteral("row ") + cells.join(u'|'));
        rows.append(std::move(row));
    }
    void resultFinished(const ResultMetaPtr &meta, const OkPacket &ok) override
    {
        events.append(QStringLiteral("end %1 affected=%2 id=%3 status=%4 warnings=%5")
                              .arg(columnNames(meta))
                              .arg(ok.affectedRows)
                              .arg(ok.lastInsertId)
                              .arg(ok.status)
                              .arg(ok.warnings));
    }
};

/*! A failure in one comparable line: "server fatal 1045 28000: Access denied ..." for ERR
    packets, "local fatal Internal 2027" for failures found on this side (whose messages are
    free text). */
QString describe(const Failure &f)
{
    const QString head = QStringLiteral("%1 %2").arg(f.fromServer ? u"server" : u"local", f.fatal ? u"fatal" : u"recoverable");
    if (f.fromServer)
        return QStringLiteral("%1 %2 %3: %4").arg(head).arg(f.code).arg(QString::fromLatin1(f.sqlState), f.message);
    static const char *const types[] = {"Interface", "Database", "Data", "Operational", "Integrity",
                                        "Internal", "Programming", "NotSupported"};
    static_assert(int(Error::Type::NotSupported) == 7, "keep the names in the order of Error::Type");
    return QStringLiteral("%1 %2 %3").arg(head, QLatin1String(types[int(f.type)])).arg(f.code);
}

struct Run
{
    Status status = Status::Continue;
    int handled = 0;
    QByteArray out;
};

//! Hands \a packets to \a ex until it stops asking for more.
Run drive(Exchange &ex, const QList<Packet> &packets)
{
    Run run;
    for (const Packet &p : packets) {
        run.status = ex.handle(p, run.out);
        ++run.handled;
        if (run.status != Status::Continue)
            break;
    }
    return run;
}

QList<QByteArray> idNameColumns()
{
    ColumnSpec id;
    id.name = "id";
    id.type = Column::LongLong;
    id.flags = Column::NotNullFlag | Column::PrimaryKeyFlag;
    id.charset = 63;
    ColumnSpec name;
    name.name = "name";
    return {columnPayload(id), columnPayload(name)};
}

QByteArray idColumn() { return idNameColumns().first(); }

constexpr quint64 Caps41 = Capability::Protocol41 | Capability::SecureConnection | Capability::PluginAuth;
constexpr quint64 CapsDeprecateEof = Caps41 | Capability::DeprecateEof;

ConnectExchange::Settings connectSettings(ConnectExchange::Tls tls = ConnectExchange::Tls::Disabled)
{
    ConnectExchange::Settings s;
    s.user = "app";
    s.password = "secret";
    s.database = "shop";
    s.collation = 45;
    s.tls = tls;
    s.attributes = {{"_client_name", "AsyncMySql"}};
    return s;
}

Packet handshakePacket(quint64 caps, const QByteArray &plugin = "mysql_native_password")
{
    HandshakeSpec spec;
    spec.capabilities = caps;
    spec.plugin = plugin;
    return packet(handshakePayload(spec), 0);
}

//! HandshakeResponse41 read back field by field.
struct Response
{
    quint32 caps = 0, maxPacket = 0, mariaDbCaps = 0;
    quint8 collation = 0;
    QByteArray user, auth, database, plugin, attributes;
    int zstdLevel = -1; // the byte after the attributes, with CLIENT_ZSTD_COMPRESSION_ALGORITHM
    bool ok = false;
};

Response parseResponse(const QByteArray &payload)
{
    Response r;
    ByteReader in(payload);
    r.caps = in.u32();
    r.maxPacket = in.u32();
    r.collation = in.u8();
    in.skip(19);
    r.mariaDbCaps = in.u32();
    r.user = in.nulString().toByteArray();
    r.auth = in.lenencString().toByteArray();
    if (r.caps & Capability::ConnectWithDb)
        r.database = in.nulString().toByteArray();
    r.plugin = in.nulString().toByteArray();
    if (r.caps & Capability::ConnectAttrs)
        r.attributes = in.lenencString().toByteArray();
    if (r.caps & Capability::ZstdCompression)
        r.zstdLevel = in.u8();
    r.ok = in.ok() && in.atEnd();
    return r;
}

} // namespace

class tst_Exchanges : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // QueryExchange
    void okOnly();
    void resultSetDeprecateEof();
    void resultSetClassicEof();
    void classicMissingColumnsEof();
    void moreResultsChain();
    void errInRows();
    void errAsSecondResult();
    void fatalProtocolErrors_data();
    void fatalProtocolErrors();
    void splitPacketAdvancesSequence();
    void rowStartingWith0xfeIsNotEnd();
    void localInfileNotEnabled();
    void jsonColumnWithExtendedTypeInfo();
    // SimpleExchange
    void simpleOk();
    void simpleErr();
    void simpleUnexpected_data();
    void simpleUnexpected();
    // ConnectExchange
    void connectNativePassword();
    void connectNegotiatedCapabilities();
    void connectEmptyPassword();
    void connectAuthSwitchToNative();
    void connectServerError_data();
    void connectServerError();
    void connectRefusedAtHandshake_data();
    void connectRefusedAtHandshake();
    void connectRefusedDuringAuth_data();
    void connectRefusedDuringAuth();
    void connectTlsPreferred();
    void connectTlsPreferredWithoutServerSsl();
    void connectTlsDisabled();
    void connectCompression_data();
    void connectCompression();
    void compressedReplyInnerSequenceNotChecked();
};

// ---------------------------------------------------------------------------------------------
// QueryExchange

void tst_Exchanges::okOnly()
{
    RecordingSink sink;
    QueryExchange ex({}, &sink);
    ex.setCapabilities(CapsDeprecateEof);
    const Run run = drive(ex, packets({okPayload(3, 7, 0x0002, 1, "Rows matched: 3")}));
    QCOMPARE(run.status, Status::Done);
    QVERIFY(run.out.isEmpty());
    QCOMPARE(sink.events, QStringList{"end none affected=3 id=7 status=2 warnings=1"});
    QVERIFY(ex.lastOk());
    QCOMPARE(ex.lastOk()->affectedRows, quint64(3));
    QCOMPARE(ex.lastOk()->info, QByteArray("Rows matched: 3"));
}

void tst_Exchanges::resultSetDeprecateEof()
{
    RecordingSink sink;
    QueryExchange ex({}, &sink);
    ex.setCapabilities(CapsDeprecateEof);
    const QList<QByteArray> payloads = QList<QByteArray>{lenenc(2)} + idNameColumns()
            + QList<QByteArray>{rowPayload({QByteArray("1"), QByteArray("alice")}),
                                rowPayload({QByteArray("2"), std::nullopt}), okEndPayload(0x0022, 1)};
    const Run run = drive(ex, packets(payloads));
    QCOMPARE(run.handled, payloads.size());
    QCOMPARE(run.status, Status::Done);
    const QStringList expected{"start id,name", "row 1|alice", "row 2|NULL",
                               "end id,name affected=0 id=0 status=34 warnings=1"};
    QCOMPARE(sink.events, expected);
    QCOMPARE(sink.rows.size(), 2);
    QCOMPARE(sink.rows[0].value(0).typeId(), QMetaType::LongLong);
    QCOMPARE(sink.rows[0].value(QStringLiteral("name")), QVariant(QStringLiteral("alice")));
    QVERIFY(sink.rows[1].isNull(1));
    QCOMPARE(ex.lastOk()->status, quint16(0x0022));
}

void tst_Exchanges::resultSetClassicEof()
{
    RecordingSink sink;
    QueryExchange ex({}, &sink);
    ex.setCapabilities(Caps41);
    const QList<QByteArray> payloads = QList<QByteArray>{lenenc(2)} + idNameColumns()
            + QList<QByteArray>{eofPayload(0, 0x0002), rowPayload({QByteArray("5"), QByteArray("")}),
                                eofPayload(2, 0x0022)};
    const Run run = drive(ex, packets(payloads));
    QCOMPARE(run.handled, payloads.size());
    QCOMPARE(run.status, Status::Done);
    const QStringList expected{"start id,name", "row 5|", "end id,name affected=0 id=0 status=34 warnings=2"};
    QCOMPARE(sink.events, expected);
}

void tst_Exchanges::classicMissingColumnsEof()
{
    RecordingSink sink;
    QueryExchange ex({}, &sink);
    ex.setCapabilities(Caps41);
    const Run run = drive(ex, packets({lenenc(1), idColumn(), rowPayload({QByteArray("1")})}));
    QCOMPARE(run.status, Status::Failed);
    QCOMPARE(run.handled, 3);
    QCOMPARE(describe(ex.failure()), QStringLiteral("local fatal Internal 2027"));
    QVERIFY(sink.events.isEmpty());
}

void tst_Exchanges::moreResultsChain()
{
    constexpr quint16 more = 0x000a; // autocommit | more results exist
    RecordingSink sink;
    QueryExchange ex({}, &sink);
    ex.setCapabilities(CapsDeprecateEof);
    const QList<QByteArray> payloads{okPayload(1, 5, more, 0), lenenc(1), idColumn(),
                                     rowPayload({QByteArray("7")}), okEndPayload(more),
                                     okPayload(2, 0, 0x0002, 0)};
    const Run run = drive(ex, packets(payloads));
    QCOMPARE(run.handled, payloads.size());
    QCOMPARE(run.status, Status::Done);
    const QStringList expected{"end none affected=1 id=5 status=10 warnings=0", "start id", "row 7",
                               "end id affected=0 id=0 status=10 warnings=0",
                               "end none affected=2 id=0 status=2 warnings=0"};
    QCOMPARE(sink.events, expected);
}

void tst_Exchanges::errInRows()
{
    RecordingSink sink;
    QueryExchange ex({}, &sink);
    ex.setCapabilities(CapsDeprecateEof);
    const Run run = drive(ex, packets({lenenc(1), idColumn(), rowPayload({QByteArray("1")}),
                                       errPayload(1317, "70100", "Query execution was interrupted")}));
    QCOMPARE(run.handled, 4);
    QCOMPARE(run.status, Status::Failed);
    // The ERR ends the reply: the connection is still in step.
    QCOMPARE(describe(ex.failure()), QStringLiteral("server recoverable 1317 70100: Query execution was interrupted"));
    QCOMPARE(sink.events, (QStringList{"start id", "row 1"}));
}

void tst_Exchanges::errAsSecondResult()
{
    RecordingSink sink;
    QueryExchange ex({}, &sink);
    ex.setCapabilities(CapsDeprecateEof);
    const Run run = drive(ex, packets({okPayload(1, 0, 0x000a, 0),
                                       errPayload(1146, "42S02", "Table 'test.nope' doesn't exist")}));
    QCOMPARE(run.handled, 2);
    QCOMPARE(run.status, Status::Failed);
    QCOMPARE(describe(ex.failure()), QStringLiteral("server recoverable 1146 42S02: Table 'test.nope' doesn't exist"));
    QCOMPARE(sink.events, QStringList{"end none affected=1 id=0 status=10 warnings=0"});
}

void tst_Exchanges::splitPacketAdvancesSequence()
{
    // A row that came in three wire packets (seq 3..5): the end of rows follows with seq 6.
    RecordingSink sink;
    QueryExchange ex({}, &sink);
    ex.setCapabilities(CapsDeprecateEof);
    QList<Packet> input = packets({lenenc(1), idColumn()});
    Packet row = packet(rowPayload({QByteArray("9")}), 3);
    row.lastSeq = 5;
    input << row << packet(okEndPayload(2), 6);
    const Run run = drive(ex, input);
    QCOMPARE(run.status, Status::Done);
    QCOMPARE(sink.events.size(), 3);
}

void tst_Exchanges::rowStartingWith0xfeIsNotEnd()
{
    // A first value of 16 MiB has a 0xfe length prefix: only the packet size tells it from
    // the end-of-rows packet.
    const QByteArrayView big = patternView(qsizetype(1) << 24);
    RecordingSink sink;
    QueryExchange ex({}, &sink);
    ex.setCapabilities(CapsDeprecateEof);
    QList<Packet> input = packets({lenenc(1), idColumn()});
    Packet row = packet(lenenc(quint64(big.size())).append(big), 3);
    row.lastSeq = 4;
    QCOMPARE(row.first(), quint8(0xfe));
    input << row << packet(okEndPayload(2), 5);
    QCOMPARE(drive(ex, input).status, Status::Done);
    QCOMPARE(sink.rows.size(), 1);
    QVERIFY(sink.rows[0].rawValue(0) == big);
}

void tst_Exchanges::fatalProtocolErrors_data()
{
    QTest::addColumn<QList<Packet>>("input");
    QTest::addColumn<int>("failsAt");
    QTest::addColumn<QString>("failure");

    const QString outOfSync = QStringLiteral("local fatal Internal 2014");
    QTest::newRow("reply starts at seq 2") << QList<Packet>{packet(okPayload(0, 0, 2, 0), 2)} << 1 << outOfSync;
    QTest::newRow("reply starts at seq 0") << QList<Packet>{packet(okPayload(0, 0, 2, 0), 0)} << 1 << outOfSync;
    QList<Packet> repeated = packets({lenenc(1), idColumn(), rowPayload({QByteArray("1")})});
    repeated.append(packet(okEndPayload(2), 3)); // seq 3 again instead of 4
    QTest::newRow("seq repeated in rows") << repeated << 4 << outOfSync;

    const QString malformed = QStringLiteral("local fatal Internal 2027");
    const QList<QPair<const char *, QList<QByteArray>>> cases{
        {"column count cut short", {hex("fc01")}},
        {"column count with trailing byte", {hex("0200")}},
        {"column count 4097", {hex("fc0110")}},
        {"column count 8 bytes", {hex("fe0000000001000000")}},
        {"malformed OK", {hex("0000")}},
        {"malformed ERR", {hex("ff01")}},
        {"column definition cut", {lenenc(1), idColumn().left(8)}},
        {"row cut", {lenenc(1), idColumn(), hex("0561")}},
        {"row with too many values", {lenenc(1), idColumn(), rowPayload({QByteArray("1"), QByteArray("2")})}},
        {"end of rows cut", {lenenc(1), idColumn(), hex("fe00")}},
    };
    for (const auto &[name, payloads] : cases)
        QTest::newRow(name) << packets(payloads) << int(payloads.size()) << malformed;
}

void tst_Exchanges::fatalProtocolErrors()
{
    QFETCH(QList<Packet>, input);
    QFETCH(int, failsAt);
    QFETCH(QString, failure);
    RecordingSink sink;
    QueryExchange ex({}, &sink);
    ex.setCapabilities(CapsDeprecateEof);
    const Run run = drive(ex, input);
    QCOMPARE(run.status, Status::Failed);
    QCOMPARE(run.handled, failsAt);
    QCOMPARE(describe(ex.failure()), failure);
}

void tst_Exchanges::localInfileNotEnabled()
{
    RecordingSink sink;
    QueryExchange ex({}, &sink);
    ex.setCapabilities(CapsDeprecateEof);
    const Run run = drive(ex, packets({"\xfb/etc/passwd"}));
    QCOMPARE(run.status, Status::Failed);
    QCOMPARE(describe(ex.failure()), QStringLiteral("local fatal Internal 2027"));
    // Not a single byte of any file (nor an empty-file reply) may be sent.
    QVERIFY(run.out.isEmpty());
    QVERIFY(sink.events.isEmpty());
}

void tst_Exchanges::jsonColumnWithExtendedTypeInfo()
{
    ColumnSpec doc;
    doc.name = "doc";
    doc.type = Column::Blob;
    doc.withExtendedInfo = true;
    doc.extended = {{1, "json"}};
    RecordingSink sink;
    QueryExchange ex({}, &sink);
    ex.setCapabilities(CapsDeprecateEof | Capability::MariaDbExtendedTypeInfo);
    const Run run = drive(ex, packets({lenenc(1), columnPayload(doc), rowPayload({QByteArray(R"({"a":1})")}),
                                       okEndPayload(2)}));
    QCOMPARE(run.status, Status::Done);
    QCOMPARE(sink.rows.size(), 1);
    const QVariant v = sink.rows[0].value(0);
    QCOMPARE(v.typeId(), QMetaType::QJsonDocument);
    QCOMPARE(v.toJsonDocument().object().value(QStringLiteral("a")).toInt(), 1);
}

// ---------------------------------------------------------------------------------------------
// SimpleExchange

void tst_Exchanges::simpleOk()
{
    SimpleExchange ex;
    ex.setCapabilities(CapsDeprecateEof);
    const Run run = drive(ex, packets({okPayload(0, 0, 0x0003, 0)}));
    QCOMPARE(run.status, Status::Done);
    QVERIFY(run.out.isEmpty());
    QVERIFY(ex.lastOk());
    QCOMPARE(ex.lastOk()->status, quint16(0x0003));
}

void tst_Exchanges::simpleErr()
{
    SimpleExchange ex;
    const Run run = drive(ex, packets({errPayload(1049, "42000", "Unknown database 'nope'")}));
    QCOMPARE(run.status, Status::Failed);
    QCOMPARE(describe(ex.failure()), QStringLiteral("server recoverable 1049 42000: Unknown database 'nope'"));
    QVERIFY(!ex.lastOk());
}

void tst_Exchanges::simpleUnexpected_data()
{
    QTest::addColumn<QList<Packet>>("input");
    QTest::addColumn<QString>("failure");
    QTest::newRow("EOF") << packets({eofPayload(0, 2)}) << QStringLiteral("local fatal Internal 2027");
    QTest::newRow("result set") << packets({lenenc(1)}) << QStringLiteral("local fatal Internal 2027");
    QTest::newRow("empty") << packets({QByteArray()}) << QStringLiteral("local fatal Internal 2027");
    QTest::newRow("seq 0") << QList<Packet>{packet(okPayload(0, 0, 2, 0), 0)} << QStringLiteral("local fatal Internal 2014");
}

void tst_Exchanges::simpleUnexpected()
{
    QFETCH(QList<Packet>, input);
    QFETCH(QString, failure);
    SimpleExchange ex;
    const Run run = drive(ex, input);
    QCOMPARE(run.status, Status::Failed);
    QCOMPARE(describe(ex.failure()), failure);
}

// ---------------------------------------------------------------------------------------------
// ConnectExchange

void tst_Exchanges::connectNativePassword()
{
    ConnectExchange ex(connectSettings());
    QByteArray out;
    QCOMPARE(ex.handle(handshakePacket(MariaDb1011Caps), out), Status::Continue);
    QCOMPARE(ex.takeAction(), ConnectExchange::Action::None);
    QCOMPARE(ex.handshake().serverVersion, QByteArray("10.11.6-MariaDB"));

    const auto sent = unframe(out);
    QCOMPARE(sent.size(), 1);
    QCOMPARE(sent[0].first, 1);
    const Response r = parseResponse(sent[0].second);
    QVERIFY(r.ok);
    QCOMPARE(r.caps, quint32(ex.capabilities()));
    QCOMPARE(r.mariaDbCaps, quint32(ex.capabilities() >> 32));
    QCOMPARE(r.maxPacket, quint32(1) << 30);
    QCOMPARE(r.collation, quint8(45));
    QCOMPARE(r.user, QByteArray("app"));
    QCOMPARE(r.auth, nativePasswordScramble("secret", HandshakeSpec().scramble));
    QCOMPARE(r.database, QByteArray("shop"));
    QCOMPARE(r.plugin, QByteArray("mysql_native_password"));
    QCOMPARE(r.attributes, lenencStr("_client_name") + lenencStr("AsyncMySql"));

    out.clear();
    QCOMPARE(ex.handle(packet(okPayload(0, 0, 0x0002, 0), 2), out), Status::Done);
    QVERIFY(out.isEmpty());
    QVERIFY(ex.lastOk());
    QVERIFY(!ex.usedTls());
}

void tst_Exchanges::connectNegotiatedCapabilities()
{
    // MariaDB (CLIENT_MYSQL clear): we drop CLIENT_MYSQL too and ask for extended type info.
    ConnectExchange::Settings s = connectSettings();
    s.localInfile = true;
    ConnectExchange maria(s);
    QByteArray out;
    QCOMPARE(maria.handle(handshakePacket(MariaDb1011Caps), out), Status::Continue);
    const quint64 caps = maria.capabilities();
    QVERIFY(!(caps & Capability::LongPassword));
    QVERIFY(caps & Capability::MariaDbExtendedTypeInfo);
    QVERIFY(caps & Capability::DeprecateEof);
    QVERIFY(caps & Capability::ConnectWithDb);
    QVERIFY(caps & Capability::LocalFiles);
    QVERIFY(caps & Capability::PluginAuthLenencData);
    QVERIFY(!(caps & Capability::Ssl));
    QVERIFY(!(caps & Capability::MultiStatements));
    QVERIFY(!(caps & Capability::Compress));
    QVERIFY(!(caps & Capability::SessionTrack));
    QVERIFY(!(caps & ~MariaDb1011Caps)); // never more than the server offers

    // MySQL: CLIENT_MYSQL kept, no extended bits, no CONNECT_WITH_DB without a database.
    ConnectExchange::Settings noDb = connectSettings();
    noDb.database.clear();
    ConnectExchange mysql(noDb);
    out.clear();
    QCOMPARE(mysql.handle(handshakePacket(MySql8Caps), out), Status::Continue);
    QVERIFY(mysql.capabilities() & Capability::LongPassword);
    QCOMPARE(mysql.capabilities() >> 32, quint64(0));
    QVERIFY(!(mysql.capabilities() & Capability::ConnectWithDb));
    QVERIFY(!(mysql.capabilities() & Capability::LocalFiles));
    const Response r = parseResponse(unframe(out).value(0).second);
    QVERIFY(r.ok);
    QCOMPARE(r.mariaDbCaps, quint32(0));
}

void tst_Exchanges::connectEmptyPassword()
{
    ConnectExchange::Settings s = connectSettings();
    s.password.clear();
    ConnectExchange ex(s);
    QByteArray out;
    QCOMPARE(ex.handle(handshakePacket(MariaDb1011Caps), out), Status::Continue);
    const Response r = parseResponse(unframe(out).value(0).second);
    QVERIFY(r.ok);
    QVERIFY(r.auth.isEmpty());
}

void tst_Exchanges::connectAuthSwitchToNative()
{
    // A server whose default plugin we lack: we answer with mysql_native_password and the
    // server switches us to it with a fresh scramble.
    ConnectExchange ex(connectSettings());
    QByteArray out;
    QCOMPARE(ex.handle(handshakePacket(MySql8Caps, "authentication_kerberos_client"), out), Status::Continue);
    const Response first = parseResponse(unframe(out).value(0).second);
    QVERIFY(first.ok);
    QCOMPARE(first.plugin, QByteArray("mysql_native_password"));
    QCOMPARE(first.auth, nativePasswordScramble("secret", HandshakeSpec().scramble));

    const QByteArray fresh = hex("0102030405060708090a0b0c0d0e0f1011121314");
    out.clear();
    const Packet switchRequest = packet('\xfe' + nul("mysql_native_password") + nul(fresh), 2);
    QCOMPARE(ex.handle(switchRequest, out), Status::Continue);
    const auto sent = unframe(out);
    QCOMPARE(sent.size(), 1);
    QCOMPARE(sent[0].first, 3);
    QCOMPARE(sent[0].second, hex("b32bb3a583e1340c0a1108d58b1be49781ad8c2f")); // see tst_auth
    QCOMPARE(sent[0].second, nativePasswordScramble("secret", fresh));

    out.clear();
    QCOMPARE(ex.handle(packet(okPayload(0, 0, 2, 0), 4), out), Status::Done);
}

void tst_Exchanges::connectServerError_data()
{
    QTest::addColumn<QList<Packet>>("input");
    QTest::addColumn<QString>("failure");

    // Sent before any handshake (no '#' SQLSTATE marker then).
    QTest::newRow("instead of handshake") << QList<Packet>{packet(errPayload(1040, {}, "Too many connections"), 0)}
                                          << QStringLiteral("server fatal 1040 HY000: Too many connections");
    const QByteArray denied = "Access denied for user 'app'@'localhost' (using password: YES)";
    QTest::newRow("access denied") << QList<Packet>{handshakePacket(MariaDb1011Caps), packet(errPayload(1045, "28000", denied), 2)}
                                   << QStringLiteral("server fatal 1045 28000: ") + QString::fromUtf8(denied);
}

void tst_Exchanges::connectServerError()
{
    QFETCH(QList<Packet>, input);
    QFETCH(QString, failure);
    ConnectExchange ex(connectSettings());
    const Run run = drive(ex, input);
    QCOMPARE(run.status, Status::Failed);
    QCOMPARE(run.handled, input.size());
    // Fatal: an ERR during the connection phase ends the connection.
    QCOMPARE(describe(ex.failure()), failure);
}

void tst_Exchanges::connectRefusedAtHandshake_data()
{
    QTest::addColumn<ConnectExchange::Settings>("settings");
    QTest::addColumn<Packet>("handshake");
    QTest::addColumn<QString>("failure");

    Packet wrongSeq = handshakePacket(MariaDb1011Caps);
    wrongSeq.seq = wrongSeq.lastSeq = 1;
    QTest::newRow("wrong sequence") << connectSettings() << wrongSeq << QStringLiteral("local fatal Internal 2014");
    QTest::newRow("malformed") << connectSettings() << packet(handshakePayload(HandshakeSpec()).left(20), 0)
                               << QStringLiteral("local fatal Operational 2012");
    QTest::newRow("no protocol 4.1") << connectSettings() << handshakePacket(MySql8Caps & ~quint64(Capability::Protocol41))
                                     << QStringLiteral("local fatal NotSupported 2012");
    ConnectExchange::Settings unknownPlugin = connectSettings();
    unknownPlugin.authPlugin = "no_such_plugin";
    QTest::newRow("requested plugin unknown") << unknownPlugin << handshakePacket(MariaDb1011Caps)
                                              << QStringLiteral("local fatal NotSupported 2059");
    static_assert(!(MariaDb1011Caps & Capability::Ssl));
    QTest::newRow("TLS required, server without SSL") << connectSettings(ConnectExchange::Tls::Required)
                                                      << handshakePacket(MariaDb1011Caps)
                                                      << QStringLiteral("local fatal Operational 2026");
}

void tst_Exchanges::connectRefusedAtHandshake()
{
    QFETCH(ConnectExchange::Settings, settings);
    QFETCH(Packet, handshake);
    QFETCH(QString, failure);
    ConnectExchange ex(settings);
    QByteArray out;
    QCOMPARE(ex.handle(handshake, out), Status::Failed);
    QCOMPARE(describe(ex.failure()), failure);
    // Nothing goes out: above all no password hash over a connection that was meant to be TLS.
    QVERIFY(out.isEmpty());
}

void tst_Exchanges::connectRefusedDuringAuth_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<QString>("failure");
    QTest::addColumn<QString>("mentions");

    QTest::newRow("switch to unknown plugin") << QByteArray('\xfe' + nul("dialog") + "Password: ")
                                              << QStringLiteral("local fatal NotSupported 2059") << QStringLiteral("dialog");
    // A lone 0xfe asks for the pre-4.1 hash, which is broken and not supported.
    QTest::newRow("pre-4.1 password") << QByteArray("\xfe") << QStringLiteral("local fatal NotSupported 2059") << QString();
    // mysql_native_password has a single round trip: AuthMoreData makes no sense for it.
    QTest::newRow("AuthMoreData for native") << QByteArray("\x01\x03") << QStringLiteral("local fatal Operational 2061")
                                             << QStringLiteral("mysql_native_password");
}

void tst_Exchanges::connectRefusedDuringAuth()
{
    QFETCH(QByteArray, payload);
    QFETCH(QString, failure);
    QFETCH(QString, mentions);
    ConnectExchange ex(connectSettings());
    QByteArray out;
    QCOMPARE(ex.handle(handshakePacket(MariaDb1011Caps), out), Status::Continue);
    out.clear();
    QCOMPARE(ex.handle(packet(payload, 2), out), Status::Failed);
    QCOMPARE(describe(ex.failure()), failure);
    QVERIFY2(ex.failure().message.contains(mentions), qPrintable(ex.failure().message));
    QVERIFY(out.isEmpty());
}

void tst_Exchanges::connectTlsPreferred()
{
    ConnectExchange ex(connectSettings(ConnectExchange::Tls::Preferred));
    QByteArray out;
    QCOMPARE(ex.handle(handshakePacket(MariaDb1011Caps | Capability::Ssl), out), Status::Continue);
    QCOMPARE(ex.takeAction(), ConnectExchange::Action::StartTls);
    QCOMPARE(ex.takeAction(), ConnectExchange::Action::None);
    QVERIFY(ex.usedTls());
    QVERIFY(ex.capabilities() & Capability::Ssl);

    const auto request = unframe(out);
    QCOMPARE(request.size(), 1);
    QCOMPARE(request[0].first, 1);
    QCOMPARE(request[0].second.size(), 32);
    QCOMPARE(request[0].second, buildSslRequest(ex.capabilities(), 45));

    QByteArray afterTls;
    ex.tlsEstablished(afterTls);
    const auto response = unframe(afterTls);
    QCOMPARE(response.size(), 1);
    QCOMPARE(response[0].first, 2);
    QCOMPARE(response[0].second.left(32), request[0].second);
    const Response r = parseResponse(response[0].second);
    QVERIFY(r.ok);
    QCOMPARE(r.user, QByteArray("app"));
    QCOMPARE(r.auth, nativePasswordScramble("secret", HandshakeSpec().scramble));

    QByteArray none;
    QCOMPARE(ex.handle(packet(okPayload(0, 0, 2, 0), 3), none), Status::Done);
    QVERIFY(none.isEmpty());
}

void tst_Exchanges::connectTlsPreferredWithoutServerSsl()
{
    ConnectExchange ex(connectSettings(ConnectExchange::Tls::Preferred));
    QByteArray out;
    QCOMPARE(ex.handle(handshakePacket(MariaDb1011Caps), out), Status::Continue);
    // The I/O layer hears of the fallback once (to tell the user).
    QCOMPARE(ex.takeAction(), ConnectExchange::Action::PlainFallback);
    QCOMPARE(ex.takeAction(), ConnectExchange::Action::None);
    QVERIFY(!ex.usedTls());
    const auto sent = unframe(out);
    QCOMPARE(sent.size(), 1);
    QCOMPARE(sent[0].first, 1);
    QCOMPARE(parseResponse(sent[0].second).user, QByteArray("app"));
}

void tst_Exchanges::connectTlsDisabled()
{
    ConnectExchange ex(connectSettings(ConnectExchange::Tls::Disabled));
    QByteArray out;
    QCOMPARE(ex.handle(handshakePacket(MariaDb1011Caps | Capability::Ssl), out), Status::Continue);
    QCOMPARE(ex.takeAction(), ConnectExchange::Action::None);
    QVERIFY(!ex.usedTls());
    QVERIFY(!(ex.capabilities() & Capability::Ssl));
    const Response r = parseResponse(unframe(out).value(0).second);
    QVERIFY(r.ok);
    QVERIFY(!(r.caps & Capability::Ssl));
}

void tst_Exchanges::connectCompression_data()
{
    using Algo = CompressionAlgorithm;
    QTest::addColumn<Algo>("wanted");
    QTest::addColumn<quint64>("serverCaps");
    QTest::addColumn<quint32>("clientFlag");
    QTest::addColumn<Algo>("negotiated");
    constexpr quint64 noCompression = MySql8Caps & ~quint64(Capability::Compress | Capability::ZstdCompression);
    QTest::newRow("zlib from MariaDB") << Algo::Zlib << MariaDb1011Caps << 0u << Algo::Zlib;
    QTest::newRow("zstd from MySQL 8") << Algo::Zstd << MySql8Caps << 0u << Algo::Zstd;
    QTest::newRow("zlib from MySQL 8") << Algo::Zlib << MySql8Caps << 0u << Algo::Zlib;
    QTest::newRow("zstd falls back to zlib") << Algo::Zstd << MariaDb1011Caps << 0u << Algo::Zlib;
    QTest::newRow("zstd falls back to none") << Algo::Zstd << noCompression << 0u << Algo::None;
    QTest::newRow("zlib falls back to none") << Algo::Zlib << noCompression << 0u << Algo::None;
    QTest::newRow("none asked") << Algo::None << MySql8Caps << 0u << Algo::None;
    // The raw flags would switch the server to a framing the connection does not read.
    QTest::newRow("clientFlag cannot turn it on") << Algo::None << MySql8Caps
                                                  << quint32(Capability::Compress | Capability::ZstdCompression) << Algo::None;
}

void tst_Exchanges::connectCompression()
{
    QFETCH(CompressionAlgorithm, wanted);
    QFETCH(quint64, serverCaps);
    QFETCH(quint32, clientFlag);
    QFETCH(CompressionAlgorithm, negotiated);
    ConnectExchange::Settings s = connectSettings();
    s.compression = wanted;
    s.zstdLevel = 7;
    s.extraCapabilities = clientFlag;
    ConnectExchange ex(s);
    QByteArray out;
    QCOMPARE(ex.handle(handshakePacket(serverCaps), out), Status::Continue);
    QCOMPARE(ex.compression(), negotiated);
    const Response r = parseResponse(unframe(out).value(0).second);
    QVERIFY(r.ok); // the level byte, if any, is the last one
    QCOMPARE(bool(r.caps & Capability::Compress), negotiated == CompressionAlgorithm::Zlib);
    QCOMPARE(bool(r.caps & Capability::ZstdCompression), negotiated == CompressionAlgorithm::Zstd);
    QCOMPARE(r.zstdLevel, negotiated == CompressionAlgorithm::Zstd ? 7 : -1);
    // Authentication itself is not compressed: the OK packet arrives as an ordinary packet.
    out.clear();
    QCOMPARE(ex.handle(packet(okPayload(0, 0, 0x0002, 0), 2), out), Status::Done);
}

void tst_Exchanges::compressedReplyInnerSequenceNotChecked()
{
    // Two results of a multi-statement query: after the first, the server flushed and its inner
    // sequence restarted at the next compressed sequence id (2), not at 5.
    constexpr quint16 more = 0x000a;
    QList<Packet> reply = packets({lenenc(1), idColumn(), rowPayload({QByteArray("1")}), okEndPayload(more)});
    reply += packets({okPayload(0, 0, 0x0002, 0)}, 2);
    RecordingSink sink;
    QueryExchange compressed({}, &sink);
    compressed.setCapabilities(CapsDeprecateEof);
    compressed.setCompressed(true);
    QCOMPARE(drive(compressed, reply).status, Status::Done);
    QCOMPARE(sink.events.size(), 4);

    // Without compression the same ids are out of step.
    RecordingSink plainSink;
    QueryExchange plain({}, &plainSink);
    plain.setCapabilities(CapsDeprecateEof);
    QCOMPARE(drive(plain, reply).status, Status::Failed);
    QCOMPARE(describe(plain.failure()), QStringLiteral("local fatal Internal 2014"));
}

QTEST_APPLESS_MAIN(tst_Exchanges)
#include "tst_exchanges.moc"
