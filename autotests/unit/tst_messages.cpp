// SPDX-License-Identifier: MIT
#include "protocol/messages.h"
#include "testutil.h"

#include <QtTest/QTest>

using namespace AsyncMySql;
using namespace AsyncMySql::Protocol;
using namespace TestUtil;

namespace {

//! The 32 bytes every handshake response (and SSLRequest) starts with, built by hand.
QByteArray responsePrefix(quint32 capsLow, quint8 collation, quint32 mariaDbCaps)
{
    return le(capsLow, 4) + hex("00000040") + char(collation) + QByteArray(19, '\0') + le(mariaDbCaps, 4);
}

//! Cell \a i of \a row as bytes; a null QByteArray for SQL NULL.
QByteArray cell(const Row &row, int i)
{
    const RowPrivate *d = RowPrivate::get(row);
    const RowPrivate::Cell c = d->cells()[i];
    return c.length < 0 ? QByteArray() : d->view(c).toByteArray();
}

const RowPrivate::Cell &cellAt(const Row &row, int i) { return RowPrivate::get(row)->cells()[i]; }

} // namespace

class tst_Messages : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parseOkWithoutInfo();
    void parseOkWithInfo();
    void parseOkSessionTrackInfo();
    void parseOkEndOfRowsHeader();
    void parseOkMalformed_data();
    void parseOkMalformed();
    void parseEof();
    void parseErrWithSqlState();
    void parseErrWithoutSqlState();
    void parseErrMalformed();
    void handshakeMariaDb();
    void handshakeMySql8();
    void handshakeMariaDbCapsIgnoredWithClientMysqlBit();
    void handshakePluginWithoutNul();
    void handshakeMalformed_data();
    void handshakeMalformed();
    void columnDefinition();
    void columnDefinitionExtendedTypeInfo();
    void columnDefinitionMalformed();
    void textRow();
    void textRowOwnsItsBytes();
    void textRowRejected_data();
    void textRowRejected();
    void endOfRowsDetection();
    void handshakeResponseMariaDb();
    void handshakeResponseClientMysqlBit();
    void handshakeResponseShortAuthLength();
    void sslRequest();
};

void tst_Messages::parseOkWithoutInfo()
{
    const auto ok = parseOk(hex("00" "fc2c01" "07" "0200" "0100"), 0);
    QVERIFY(ok);
    QCOMPARE(ok->affectedRows, quint64(300));
    QCOMPARE(ok->lastInsertId, quint64(7));
    QCOMPARE(ok->status, quint16(0x0002));
    QCOMPARE(ok->warnings, quint16(1));
    QVERIFY(ok->info.isEmpty());
}

void tst_Messages::parseOkWithInfo()
{
    const QByteArray info = "Records: 3  Duplicates: 0  Warnings: 0";
    const auto ok = parseOk(okPayload(3, 0, 0x0022, 0, info), 0);
    QVERIFY(ok);
    QCOMPARE(ok->affectedRows, quint64(3));
    QCOMPARE(ok->status, quint16(0x0022));
    QCOMPARE(ok->info, info);
}

void tst_Messages::parseOkSessionTrackInfo()
{
    const auto ok = parseOk(okPayload(1, 2, 0x4002, 0, lenencStr("Rows matched: 1")), Capability::SessionTrack);
    QVERIFY(ok);
    QCOMPARE(ok->status, quint16(0x4002));
    QCOMPARE(ok->info, QByteArray("Rows matched: 1"));
}

void tst_Messages::parseOkEndOfRowsHeader()
{
    const auto ok = parseOk(okEndPayload(0x000a, 2), Capability::DeprecateEof);
    QVERIFY(ok);
    QCOMPARE(ok->status, quint16(0x000a));
    QCOMPARE(ok->warnings, quint16(2));
}

void tst_Messages::parseOkMalformed_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("ERR header") << okPayload(0, 0, 0, 0, {}, '\xff');
    QTest::newRow("no status") << hex("000000");
    QTest::newRow("half warnings") << hex("0000000200" "01");
    QTest::newRow("truncated lenenc") << hex("00fc01");
}

void tst_Messages::parseOkMalformed()
{
    QFETCH(QByteArray, payload);
    QVERIFY(!parseOk(payload, 0));
}

void tst_Messages::parseEof()
{
    // EOF has warnings before status, the other way round from OK.
    const auto eof = Protocol::parseEof(eofPayload(3, 0x0022));
    QVERIFY(eof);
    QCOMPARE(eof->warnings, quint16(3));
    QCOMPARE(eof->status, quint16(0x0022));
    QVERIFY(!Protocol::parseEof(hex("fe0000")));
    QVERIFY(!Protocol::parseEof(hex("000000" "0200")));
}

void tst_Messages::parseErrWithSqlState()
{
    const auto err = parseErr(errPayload(1062, "23000", "Duplicate entry '1' for key 'PRIMARY'"));
    QVERIFY(err);
    QCOMPARE(err->code, quint16(1062));
    QCOMPARE(err->sqlState, QByteArray("23000"));
    QCOMPARE(err->message, QByteArray("Duplicate entry '1' for key 'PRIMARY'"));
}

void tst_Messages::parseErrWithoutSqlState()
{
    const auto err = parseErr(errPayload(1040, {}, "Too many connections"));
    QVERIFY(err);
    QCOMPARE(err->code, quint16(1040));
    QCOMPARE(err->sqlState, QByteArray("HY000"));
    QCOMPARE(err->message, QByteArray("Too many connections"));
}

void tst_Messages::parseErrMalformed()
{
    QVERIFY(!parseErr(hex("ff10")));
    QVERIFY(!parseErr(hex("00100400")));
    QVERIFY(!parseErr(hex("ff1004") + "#230")); // '#' but less than five state characters
}

void tst_Messages::handshakeMariaDb()
{
    HandshakeSpec spec;
    spec.capabilities = MariaDb1011Caps;
    const auto h = parseHandshake(handshakePayload(spec));
    QVERIFY(h);
    QCOMPARE(h->protocolVersion, quint8(10));
    QCOMPARE(h->serverVersion, QByteArray("10.11.6-MariaDB"));
    QVERIFY(h->isMariaDb);
    QCOMPARE(h->threadId, quint32(42));
    QCOMPARE(h->scramble.size(), 20);
    QCOMPARE(h->scramble, spec.scramble);
    QCOMPARE(h->capabilities, MariaDb1011Caps);
    QVERIFY(h->capabilities & Capability::MariaDbExtendedTypeInfo);
    QVERIFY(!(h->capabilities & Capability::LongPassword));
    QCOMPARE(h->collation, quint8(45));
    QCOMPARE(h->status, quint16(0x0002));
    QCOMPARE(h->authPlugin, QByteArray("mysql_native_password"));
}

void tst_Messages::handshakeMySql8()
{
    HandshakeSpec spec;
    spec.version = "8.0.36";
    spec.capabilities = MySql8Caps;
    spec.collation = 255;
    spec.plugin = "caching_sha2_password";
    const auto h = parseHandshake(handshakePayload(spec));
    QVERIFY(h);
    QCOMPARE(h->serverVersion, QByteArray("8.0.36"));
    QVERIFY(!h->isMariaDb);
    QCOMPARE(h->capabilities, MySql8Caps);
    QCOMPARE(h->collation, quint8(255));
    QCOMPARE(h->scramble, spec.scramble);
    QCOMPARE(h->authPlugin, QByteArray("caching_sha2_password"));
}

void tst_Messages::handshakeMariaDbCapsIgnoredWithClientMysqlBit()
{
    // With CLIENT_MYSQL set, the last reserved bytes are filler, whatever they hold.
    HandshakeSpec spec;
    spec.capabilities = (quint64(0x1d) << 32) | 0x81bff7ff;
    const auto h = parseHandshake(handshakePayload(spec));
    QVERIFY(h);
    QCOMPARE(h->capabilities, quint64(0x81bff7ff));
}

void tst_Messages::handshakePluginWithoutNul()
{
    HandshakeSpec spec;
    spec.capabilities = MySql8Caps;
    spec.version = "5.5.8";
    spec.pluginNul = false;
    const auto h = parseHandshake(handshakePayload(spec));
    QVERIFY(h);
    QCOMPARE(h->authPlugin, QByteArray("mysql_native_password"));
    QVERIFY(!h->isMariaDb);
    QCOMPARE(h->serverVersion, QByteArray("5.5.8"));
}

void tst_Messages::handshakeMalformed_data()
{
    HandshakeSpec spec;
    spec.capabilities = MariaDb1011Caps;
    const QByteArray good = handshakePayload(spec);
    QTest::addColumn<QByteArray>("payload");
    QTest::newRow("protocol 9") << '\x09' + good.mid(1);
    QTest::newRow("no version NUL") << good.left(10);
    QTest::newRow("cut in scramble part 1") << good.left(30);
    QTest::newRow("cut in scramble part 2") << good.left(good.indexOf("mysql_native") - 5);
    QTest::newRow("empty") << QByteArray();
}

void tst_Messages::handshakeMalformed()
{
    QFETCH(QByteArray, payload);
    QVERIFY(!parseHandshake(payload));
}

void tst_Messages::columnDefinition()
{
    ColumnSpec spec;
    spec.name = "alias";
    spec.orgName = "id";
    spec.table = "u";
    spec.orgTable = "users";
    spec.schema = "shop";
    spec.type = Column::LongLong;
    spec.flags = Column::NotNullFlag | Column::PrimaryKeyFlag | Column::UnsignedFlag;
    spec.charset = 63;
    spec.length = 20;
    spec.decimals = 0;
    const auto c = parseColumnDefinition(columnPayload(spec), 0);
    QVERIFY(c);
    QCOMPARE(c->name(), QStringLiteral("alias"));
    QCOMPARE(c->orgName(), QStringLiteral("id"));
    QCOMPARE(c->table(), QStringLiteral("u"));
    QCOMPARE(c->orgTable(), QStringLiteral("users"));
    QCOMPARE(c->schema(), QStringLiteral("shop"));
    QCOMPARE(c->type(), quint8(Column::LongLong));
    QCOMPARE(c->flags(), quint16(35));
    QCOMPARE(c->charset(), quint16(63));
    QCOMPARE(c->length(), quint32(20));
    QCOMPARE(c->decimals(), quint8(0));
    QVERIFY(c->isUnsigned());
    QVERIFY(!c->isNullable());
    QVERIFY(c->isBinary());
    QVERIFY(c->extendedType().isEmpty());
    QVERIFY(c->extendedFormat().isEmpty());
}

void tst_Messages::columnDefinitionExtendedTypeInfo()
{
    ColumnSpec spec;
    spec.name = "doc";
    spec.type = Column::Blob;
    spec.decimals = 0x27;
    spec.withExtendedInfo = true;
    spec.extended = {{1, "json"}};
    const auto c = parseColumnDefinition(columnPayload(spec), Capability::MariaDbExtendedTypeInfo);
    QVERIFY(c);
    QCOMPARE(c->name(), QStringLiteral("doc"));
    QCOMPARE(c->extendedFormat(), QStringLiteral("json"));
    QVERIFY(c->extendedType().isEmpty());
    QCOMPARE(c->type(), quint8(Column::Blob));
    QCOMPARE(c->decimals(), quint8(0x27));

    spec.extended = {{0, "point"}};
    const auto geo = parseColumnDefinition(columnPayload(spec), Capability::MariaDbExtendedTypeInfo);
    QVERIFY(geo);
    QCOMPARE(geo->extendedType(), QStringLiteral("point"));
    QVERIFY(geo->extendedFormat().isEmpty());

    spec.extended = {};
    const auto none = parseColumnDefinition(columnPayload(spec), Capability::MariaDbExtendedTypeInfo);
    QVERIFY(none);
    QVERIFY(none->extendedFormat().isEmpty());
    QCOMPARE(none->charset(), quint16(45));
}

void tst_Messages::columnDefinitionMalformed()
{
    const QByteArray good = columnPayload(ColumnSpec());
    QVERIFY(parseColumnDefinition(good, 0));
    QVERIFY(!parseColumnDefinition(good.left(good.size() - 5), 0));
    QVERIFY(!parseColumnDefinition(good.left(3), 0));
    ColumnSpec bad;
    bad.withExtendedInfo = true;
    bad.extended = {{1, "json"}};
    QByteArray cutExtended = columnPayload(bad);
    // A dangling key without its value at the end of the extended info.
    const qsizetype at = cutExtended.indexOf(char(1) + lenencStr("json")) - 1;
    cutExtended[at] = char(cutExtended[at] + 1);
    cutExtended.insert(at + 7, '\x00');
    QVERIFY(!parseColumnDefinition(cutExtended, Capability::MariaDbExtendedTypeInfo));
}

void tst_Messages::textRow()
{
    const Packet p = packet(rowPayload({QByteArray("1"), std::nullopt, QByteArray(""), QByteArray(300, 'z')}), 4);
    const ResultMetaPtr meta(new ResultMeta);
    const Row row = parseTextRow(p, 4, meta);
    QCOMPARE(row.size(), 4);
    QCOMPARE(cell(row, 0), QByteArray("1"));
    QCOMPARE(cellAt(row, 1).length, -1);
    QCOMPARE(cellAt(row, 2).length, 0);
    QVERIFY(!cell(row, 2).isNull());
    QCOMPARE(cell(row, 3), QByteArray(300, 'z'));
    QCOMPARE(cellAt(row, 3).offset, quint32(1 + 1 + 1 + 1 + 3));
    QVERIFY(RowPrivate::get(row)->meta == meta);
}

void tst_Messages::textRowOwnsItsBytes()
{
    // A packet in the middle of a larger read buffer: the row copies its payload only, so it
    // neither keeps the read buffer alive nor changes when the buffer is reused.
    Packet p;
    const QByteArray payload = rowPayload({QByteArray("ab"), QByteArray("cde")});
    p.buffer = QByteArray("HEADERxx") + payload + "next packet";
    p.offset = 8;
    p.size = payload.size();
    const Row row = parseTextRow(p, 2, ResultMetaPtr(new ResultMeta));
    QCOMPARE(RowPrivate::get(row)->byteCount, quint32(payload.size()));
    QCOMPARE(cellAt(row, 0).offset, quint32(1));
    QVERIFY(p.buffer.isDetached()); // the row holds no reference to it
    p.buffer.fill('?');
    QCOMPARE(cell(row, 0), QByteArray("ab"));
    QCOMPARE(cell(row, 1), QByteArray("cde"));
}

void tst_Messages::textRowRejected_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<int>("columns");
    QTest::newRow("value cut short") << hex("0561626364") << 1;
    QTest::newRow("missing column") << rowPayload({QByteArray("a")}) << 2;
    QTest::newRow("extra bytes") << rowPayload({QByteArray("a"), QByteArray("b")}) << 1;
    QTest::newRow("trailing garbage") << rowPayload({QByteArray("a")}) + "x" << 1;
    QTest::newRow("0xff length") << hex("ff0161") << 1;
    QTest::newRow("truncated lenenc") << hex("fc01") << 1;
}

void tst_Messages::textRowRejected()
{
    QFETCH(QByteArray, payload);
    QFETCH(int, columns);
    QVERIFY(parseTextRow(packet(payload, 1), columns, ResultMetaPtr(new ResultMeta)).isEmpty());
}

void tst_Messages::endOfRowsDetection()
{
    QVERIFY(isEndOfRows(packet(eofPayload(0, 2), 1)));
    QVERIFY(isEndOfRows(packet(okEndPayload(2), 1)));
    QVERIFY(!isEndOfRows(packet(rowPayload({QByteArray("x")}), 1)));
    QVERIFY(!isEndOfRows(packet(QByteArray(), 1)));
}

void tst_Messages::handshakeResponseMariaDb()
{
    HandshakeResponse r;
    r.capabilities = Capability::Protocol41 | Capability::SecureConnection | Capability::PluginAuth
            | Capability::PluginAuthLenencData | Capability::ConnectWithDb | Capability::ConnectAttrs
            | Capability::MariaDbExtendedTypeInfo;
    r.collation = 45;
    r.user = "app";
    r.authResponse = QByteArray(20, '\x5a');
    r.database = "shop";
    r.authPlugin = "mysql_native_password";
    r.attributes = {{"_client_name", "AsyncMySql"}, {"_pid", "12"}};

    const QByteArray attrs = lenencStr("_client_name") + lenencStr("AsyncMySql") + lenencStr("_pid") + lenencStr("12");
    const QByteArray expected = responsePrefix(quint32(r.capabilities), 45, 0x08) + nul("app")
            + lenencStr(r.authResponse) + nul("shop") + nul("mysql_native_password") + lenencStr(attrs);
    const QByteArray built = buildHandshakeResponse(r);
    QCOMPARE(built.left(32), expected.left(32));
    QCOMPARE(built, expected);
}

void tst_Messages::handshakeResponseClientMysqlBit()
{
    // CLIENT_MYSQL set: the last filler bytes stay zero even though extended bits are set.
    HandshakeResponse r;
    r.capabilities = Capability::LongPassword | Capability::Protocol41 | Capability::SecureConnection
            | Capability::PluginAuth | Capability::PluginAuthLenencData | Capability::MariaDbExtendedTypeInfo;
    r.collation = 33;
    r.user = "u";
    r.database = "ignored: no CONNECT_WITH_DB";
    r.authPlugin = "mysql_native_password";
    const QByteArray expected = responsePrefix(quint32(r.capabilities), 33, 0) + nul("u") + lenenc(0)
            + nul("mysql_native_password");
    QCOMPARE(buildHandshakeResponse(r), expected);
}

void tst_Messages::handshakeResponseShortAuthLength()
{
    // Without PLUGIN_AUTH_LENENC_CLIENT_DATA the auth response has a one-byte length.
    HandshakeResponse r;
    r.capabilities = Capability::LongPassword | Capability::Protocol41 | Capability::SecureConnection;
    r.collation = 8;
    r.user = "root";
    r.authResponse = QByteArray(20, '\x01');
    const QByteArray expected = responsePrefix(quint32(r.capabilities), 8, 0) + nul("root") + char(20) + r.authResponse;
    QCOMPARE(buildHandshakeResponse(r), expected);
}

void tst_Messages::sslRequest()
{
    const quint64 caps = Capability::Protocol41 | Capability::Ssl | Capability::SecureConnection
            | Capability::MariaDbExtendedTypeInfo | Capability::MariaDbProgress;
    const QByteArray req = buildSslRequest(caps, 45);
    QCOMPARE(req.size(), 32);
    QCOMPARE(req, responsePrefix(quint32(caps), 45, 0x09));
}

QTEST_APPLESS_MAIN(tst_Messages)
#include "tst_messages.moc"
