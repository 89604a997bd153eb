// SPDX-License-Identifier: MIT
// The binary protocol of prepared statements: the prepare reply, binary rows and their values
// (each checked against the text protocol's value for the same datum), the execute request
// and its parameters. Bytes are built here by hand from the protocol documentation.
#include "testutil.h"

#include "client/statement_p.h"
#include "client/values_p.h"
#include "protocol/binary.h"
#include "protocol/constants.h"
#include "protocol/exchange.h"

#include <AsyncMySql/Decimal.h>
#include <AsyncMySql/Types.h>

#include <QtCore/QDate>
#include <QtCore/QJsonDocument>
#include <QtCore/QPoint>
#include <QtTest/QTest>

#include <cmath>
#include <cstring>
#include <limits>

using namespace AsyncMySql;
using namespace AsyncMySql::Protocol;
using namespace TestUtil;

namespace {

//! A finalized binary meta of columns of \a types (with \a flags each).
ResultMetaPtr binaryMeta(const QList<QPair<quint8, quint16>> &types, quint16 charset = 45)
{
    ResultMetaPtr meta(new ResultMeta);
    for (const auto &[type, flags] : types) {
        ColumnSpec spec;
        spec.type = type;
        spec.flags = flags;
        spec.charset = (type == Column::Blob && (flags & Column::BinaryFlag)) || type < Column::VarChar ? 63 : charset;
        meta->columns.append(*parseColumnDefinition(columnPayload(spec), 0));
    }
    meta->binary = true;
    meta->finalize();
    return meta;
}

Bytes f32(float f)
{
    quint32 bits;
    memcpy(&bits, &f, 4);
    return le(bits, 4);
}

Bytes f64(double d)
{
    quint64 bits;
    memcpy(&bits, &d, 8);
    return le(bits, 8);
}

//! Binary DATE/DATETIME: the length byte, then the fields that are given.
Bytes dateBytes(int y, int m, int d, int h = -1, int mi = 0, int s = 0, int us = -1)
{
    Bytes out = le(quint64(y), 2) + char(m) + char(d);
    if (h >= 0)
        out += Bytes(1, char(h)) + char(mi) + char(s);
    if (us >= 0)
        out += le(quint64(us), 4);
    return char(out.size()) + out;
}

Bytes timeBytes(bool negative, quint32 days, int h, int m, int s, int us = -1)
{
    Bytes out = Bytes(1, char(negative ? 1 : 0)) + le(days, 4) + char(h) + char(m) + char(s);
    if (us >= 0)
        out += le(quint64(us), 4);
    return char(out.size()) + out;
}

Exchange::Status feed(Exchange &e, const QList<Bytes> &payloads)
{
    Exchange::Status s = Exchange::Status::Continue;
    QByteArray out;
    quint8 seq = 1;
    for (const Bytes &p : payloads) {
        if (s != Exchange::Status::Continue)
            return Exchange::Status::Failed; // more packets than the exchange wanted
        s = e.handle(packet(p, seq++), out);
    }
    return s;
}

//! The expected COM_STMT_EXECUTE payload: header, bitmap, bound flag, types, values.
Bytes executePayload(quint32 id, const QList<bool> &nulls, const Bytes &types, const Bytes &values)
{
    Bytes out = Bytes(1, '\x17') + le(id, 4) + Bytes(1, '\0') + le(1, 4);
    if (nulls.isEmpty())
        return out;
    Bytes bitmap((nulls.size() + 7) / 8, '\0');
    for (qsizetype i = 0; i < nulls.size(); ++i) {
        if (nulls.at(i))
            bitmap[i / 8] = char(quint8(bitmap.at(i / 8)) | (1u << (i % 8)));
    }
    return out + bitmap + '\x01' + types + values;
}

Bytes payloadOf(const QByteArray &framed)
{
    if (framed.size() < 4)
        return {};
    return framed.mid(4);
}

} // namespace

class tst_Binary : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void prepareOk();
    void prepareExchange_data();
    void prepareExchange();
    void prepareExchangeFailures_data();
    void prepareExchangeFailures();
    void values_data();
    void values();
    void nullBitmap();
    void malformedRows_data();
    void malformedRows();
    void executeQueryExchange();
    void executeWriter_data();
    void executeWriter();
    void parameterErrors_data();
    void parameterErrors();
    void longData();
    void closePacket();
    void bulkWriter();
    void bulkWriterRefusesAnotherType();
};

void tst_Binary::prepareOk()
{
    const auto ok = parsePrepareOk(prepareOkPayload(0x01020304, 3, 2, 1));
    QVERIFY(ok);
    QCOMPARE(ok->statementId, 0x01020304u);
    QCOMPARE(ok->columnCount, 3);
    QCOMPARE(ok->paramCount, 2);
    QCOMPARE(ok->warnings, 1);
    QVERIFY(!parsePrepareOk(prepareOkPayload(1, 0, 0).left(8)));
    QVERIFY(!parsePrepareOk(Bytes("\xff") + prepareOkPayload(1, 0, 0).mid(1)));
}

void tst_Binary::prepareExchange_data()
{
    QTest::addColumn<bool>("deprecateEof");
    QTest::addColumn<int>("params");
    QTest::addColumn<int>("columns");
    for (bool deprecate : {true, false}) {
        const char *eof = deprecate ? "deprecate-eof" : "classic-eof";
        QTest::addRow("%s/none", eof) << deprecate << 0 << 0;
        QTest::addRow("%s/params", eof) << deprecate << 2 << 0;
        QTest::addRow("%s/columns", eof) << deprecate << 0 << 3;
        QTest::addRow("%s/both", eof) << deprecate << 1 << 2;
    }
}

void tst_Binary::prepareExchange()
{
    QFETCH(bool, deprecateEof);
    QFETCH(int, params);
    QFETCH(int, columns);
    QList<Bytes> reply{prepareOkPayload(9, quint16(columns), quint16(params))};
    for (int i = 0; i < params; ++i)
        reply << columnPayload(ColumnSpec{"?"});
    if (params && !deprecateEof)
        reply << eofPayload(0, 2);
    for (int i = 0; i < columns; ++i)
        reply << columnPayload(ColumnSpec{Bytes("c") + Bytes::number(i)});
    if (columns && !deprecateEof)
        reply << eofPayload(0, 2);
    PrepareExchange e(TextEncoding::Utf8);
    e.setCapabilities(deprecateEof ? quint64(Capability::DeprecateEof) : 0);
    QCOMPARE(feed(e, reply), Exchange::Status::Done);
    QCOMPARE(e.prepared().statementId, 9u);
    QCOMPARE(e.params().size(), params);
    QCOMPARE(e.columns().size(), columns);
    for (int i = 0; i < columns; ++i)
        QCOMPARE(e.columns().at(i).name(), QStringLiteral("c%1").arg(i));
}

void tst_Binary::prepareExchangeFailures_data()
{
    QTest::addColumn<QList<Bytes>>("reply");
    QTest::addColumn<bool>("fromServer");
    QTest::newRow("err") << QList<Bytes>{errPayload(1064, "42000", "You have an error in your SQL syntax")} << true;
    QTest::newRow("short-ok") << QList<Bytes>{prepareOkPayload(1, 0, 0).left(6)} << false;
    QTest::newRow("bad-param-definition") << QList<Bytes>{prepareOkPayload(1, 0, 1), Bytes("\x03" "de")} << false;
    QTest::newRow("bad-column-definition") << QList<Bytes>{prepareOkPayload(1, 1, 0), Bytes("\x01")} << false;
    QTest::newRow("missing-eof") << QList<Bytes>{prepareOkPayload(1, 1, 1), columnPayload({}), columnPayload({})} << false;
}

void tst_Binary::prepareExchangeFailures()
{
    QFETCH(QList<Bytes>, reply);
    QFETCH(bool, fromServer);
    PrepareExchange e(TextEncoding::Utf8);
    e.setCapabilities(0); // classic EOFs: "missing-eof" sends a definition where the EOF belongs
    QCOMPARE(feed(e, reply), Exchange::Status::Failed);
    QCOMPARE(e.failure().fromServer, fromServer);
    QCOMPARE(e.failure().fatal, !fromServer);
}

void tst_Binary::values_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<int>("flags");
    QTest::addColumn<Bytes>("binary");
    QTest::addColumn<Bytes>("text"); // what the text protocol sends for the same datum
    const int u = Column::UnsignedFlag;
    QTest::newRow("TINY -1") << int(Column::Tiny) << 0 << le(0xff, 1) << Bytes("-1");
    QTest::newRow("TINY UNSIGNED 255") << int(Column::Tiny) << u << le(0xff, 1) << Bytes("255");
    QTest::newRow("SHORT -2") << int(Column::Short) << 0 << le(0xfffe, 2) << Bytes("-2");
    QTest::newRow("SHORT UNSIGNED 65535") << int(Column::Short) << u << le(0xffff, 2) << Bytes("65535");
    QTest::newRow("YEAR 2024") << int(Column::Year) << u << le(2024, 2) << Bytes("2024");
    QTest::newRow("INT24 min") << int(Column::Int24) << 0 << le(quint32(-8388608), 4) << Bytes("-8388608");
    QTest::newRow("LONG min") << int(Column::Long) << 0 << le(0x80000000u, 4) << Bytes("-2147483648");
    QTest::newRow("LONG UNSIGNED max") << int(Column::Long) << u << le(0xffffffffu, 4) << Bytes("4294967295");
    QTest::newRow("LONGLONG min") << int(Column::LongLong) << 0 << le(0x8000000000000000ull, 8) << Bytes("-9223372036854775808");
    QTest::newRow("LONGLONG UNSIGNED max") << int(Column::LongLong) << u << le(~0ull, 8) << Bytes("18446744073709551615");
    QTest::newRow("FLOAT 0.1") << int(Column::Float) << 0 << f32(0.1f) << Bytes("0.1");
    QTest::newRow("FLOAT -1.5e-7") << int(Column::Float) << 0 << f32(-1.5e-7f) << Bytes("-1.5e-7");
    QTest::newRow("FLOAT max") << int(Column::Float) << 0 << f32(std::numeric_limits<float>::max()) << Bytes("3.4028235e38");
    QTest::newRow("DOUBLE 1/3") << int(Column::Double) << 0 << f64(1.0 / 3) << Bytes("0.3333333333333333");
    QTest::newRow("DOUBLE -0") << int(Column::Double) << 0 << f64(-0.0) << Bytes("-0");
    QTest::newRow("DOUBLE min subnormal") << int(Column::Double) << 0 << f64(4.9406564584124654e-324) << Bytes("5e-324");
    QTest::newRow("DECIMAL") << int(Column::NewDecimal) << 0 << lenencStr("-12.50") << Bytes("-12.50");
    QTest::newRow("DATE") << int(Column::Date) << 0 << dateBytes(2024, 2, 29) << Bytes("2024-02-29");
    QTest::newRow("DATE zero") << int(Column::Date) << 0 << Bytes(1, '\0') << Bytes("0000-00-00");
    QTest::newRow("DATETIME") << int(Column::DateTimeType) << 0 << dateBytes(2024, 5, 1, 12, 30, 0) << Bytes("2024-05-01 12:30:00");
    QTest::newRow("DATETIME us") << int(Column::DateTimeType) << 0 << dateBytes(2024, 5, 1, 12, 30, 0, 250)
                                 << Bytes("2024-05-01 12:30:00.000250");
    QTest::newRow("DATETIME midnight") << int(Column::DateTimeType) << 0 << dateBytes(2024, 5, 1) << Bytes("2024-05-01 00:00:00");
    QTest::newRow("TIMESTAMP zero") << int(Column::Timestamp) << 0 << Bytes(1, '\0') << Bytes("0000-00-00 00:00:00");
    QTest::newRow("TIME zero") << int(Column::Time) << 0 << Bytes(1, '\0') << Bytes("00:00:00");
    QTest::newRow("TIME negative") << int(Column::Time) << 0 << timeBytes(true, 1, 2, 3, 4) << Bytes("-26:03:04");
    QTest::newRow("TIME max") << int(Column::Time) << 0 << timeBytes(false, 34, 22, 59, 59, 999999) << Bytes("838:59:59.999999");
    QTest::newRow("TIME min") << int(Column::Time) << 0 << timeBytes(true, 34, 22, 59, 59, 0) << Bytes("-838:59:59");
    QTest::newRow("VARCHAR") << int(Column::VarString) << 0 << lenencStr("h\xc3\xa9llo") << Bytes("h\xc3\xa9llo");
    QTest::newRow("VARCHAR empty") << int(Column::VarString) << 0 << lenencStr("") << Bytes("");
    QTest::newRow("BLOB") << int(Column::Blob) << int(Column::BinaryFlag | Column::BlobFlag) << lenencStr(Bytes("a\0b", 3))
                          << Bytes("a\0b", 3);
    QTest::newRow("BLOB 300 bytes") << int(Column::Blob) << int(Column::BinaryFlag | Column::BlobFlag)
                                    << lenencStr(Bytes(300, 'x')) << Bytes(300, 'x');
    QTest::newRow("BIT") << int(Column::Bit) << u << lenencStr(Bytes("\x01\x05", 2)) << Bytes("\x01\x05", 2);
    QTest::newRow("JSON") << int(Column::Json) << 0 << lenencStr("{\"a\":1}") << Bytes("{\"a\":1}");
    QTest::newRow("ENUM") << int(Column::String) << int(Column::EnumFlag) << lenencStr("red") << Bytes("red");
}

void tst_Binary::values()
{
    QFETCH(int, type);
    QFETCH(int, flags);
    QFETCH(Bytes, binary);
    QFETCH(Bytes, text);
    const ResultMetaPtr meta = binaryMeta({{quint8(type), quint16(flags)}});
    const Row row = parseBinaryRow(packet(binaryRowPayload({binary}), 1), meta);
    QVERIFY(!row.isEmpty());
    const QVariant expected = decodeTextValue(meta->kinds.at(0), text.constData(), text.size(), TextEncoding::Utf8);
    const QVariant got = row.value(0);
    QCOMPARE(got.metaType(), expected.metaType());
    QCOMPARE(got, expected);
    if (expected.typeId() == QMetaType::Double) // bit for bit, -0 included
        QCOMPARE(std::signbit(got.toDouble()), std::signbit(expected.toDouble()));
    // The typed accessors agree with value().
    bool ok1 = false, ok2 = false;
    QCOMPARE(row.toLongLong(0, &ok1), expected.toLongLong(&ok2));
    QCOMPARE(ok1, ok2);
    QCOMPARE(row.toDouble(0, &ok1), expected.toDouble(&ok2));
    QCOMPARE(ok1, ok2);
    QCOMPARE(row.toString(0), expected.toString());
}

void tst_Binary::nullBitmap()
{
    // Ten columns: the bitmap starts at bit 2, so columns 6..9 are in its second byte.
    QList<QPair<quint8, quint16>> types;
    QList<std::optional<Bytes>> values;
    for (int i = 0; i < 10; ++i) {
        types.append({quint8(Column::Long), 0});
        if (i % 3 == 1)
            values.append(std::nullopt);
        else
            values.append(le(quint64(i * 100), 4));
    }
    const Row row = parseBinaryRow(packet(binaryRowPayload(values), 1), binaryMeta(types));
    QCOMPARE(row.size(), 10);
    for (int i = 0; i < 10; ++i) {
        QCOMPARE(row.isNull(i), i % 3 == 1);
        if (i % 3 != 1)
            QCOMPARE(row.value(i), QVariant(qint64(i * 100)));
    }
}

void tst_Binary::malformedRows_data()
{
    QTest::addColumn<Bytes>("payload");
    const Bytes good = binaryRowPayload({le(7, 4), lenencStr("abc"), dateBytes(2024, 1, 2)});
    QTest::newRow("good") << good; // the control: parses
    QTest::newRow("eof header") << Bytes("\xfe") + good.mid(1);
    QTest::newRow("empty") << Bytes();
    QTest::newRow("no bitmap") << Bytes(1, '\0');
    QTest::newRow("int truncated") << good.left(4);
    QTest::newRow("string past the end") << binaryRowPayload({le(7, 4), Bytes("\x09" "abc")});
    QTest::newRow("null marker as length") << binaryRowPayload({le(7, 4), Bytes("\xfb"), dateBytes(2024, 1, 2)});
    QTest::newRow("date past the end") << binaryRowPayload({le(7, 4), lenencStr("abc"), Bytes("\x0b\xe8\x07")});
    QTest::newRow("trailing byte") << good + '\0';
}

void tst_Binary::malformedRows()
{
    QFETCH(Bytes, payload);
    const ResultMetaPtr meta = binaryMeta({{quint8(Column::Long), 0}, {quint8(Column::VarString), 0}, {quint8(Column::Date), 0}});
    const Row row = parseBinaryRow(packet(payload, 1), meta);
    QCOMPARE(row.isEmpty(), QByteArray(QTest::currentDataTag()) != "good");
}

void tst_Binary::executeQueryExchange()
{
    // COM_STMT_EXECUTE's reply is a result set whose rows are binary.
    class Rows final : public ResultSink
    {
    public:
        QList<Row> rows;
        void resultStarted(const ResultMetaPtr &) override { }
        void rowReceived(Row &&row) override { rows.append(std::move(row)); }
        void resultFinished(const ResultMetaPtr &, const OkPacket &) override { }
    } sink;
    QueryExchange::Settings settings;
    settings.binary = true;
    QueryExchange e(settings, &sink);
    e.setCapabilities(Capability::DeprecateEof);
    ColumnSpec id{"id"};
    id.type = Column::LongLong;
    id.charset = 63;
    const QList<Bytes> reply{lenenc(2), columnPayload(id), columnPayload(ColumnSpec{"name"}),
                             binaryRowPayload({le(5, 8), lenencStr("five")}), binaryRowPayload({le(6, 8), std::nullopt}),
                             okEndPayload(2)};
    QCOMPARE(feed(e, reply), Exchange::Status::Done);
    QCOMPARE(sink.rows.size(), 2);
    QCOMPARE(sink.rows.at(0).value(0), QVariant(qint64(5)));
    QCOMPARE(sink.rows.at(0).value(1), QVariant(QStringLiteral("five")));
    QVERIFY(sink.rows.at(1).isNull(1));
    // A text row where a binary one belongs is malformed; so is a file request.
    QueryExchange text(settings, &sink);
    text.setCapabilities(Capability::DeprecateEof);
    QCOMPARE(feed(text, {lenenc(1), columnPayload(id), rowPayload({Bytes("5")})}), Exchange::Status::Failed);
    QVERIFY(text.failure().fatal);
    QueryExchange infile(settings, &sink);
    QCOMPARE(feed(infile, {Bytes("\xfb" "x.csv")}), Exchange::Status::Failed);
}

void tst_Binary::executeWriter_data()
{
    QTest::addColumn<QVariantList>("args");
    QTest::addColumn<Bytes>("payload");
    const Bytes s(1, '\0'), us(1, '\x80');
    QTest::newRow("none") << QVariantList{} << executePayload(5, {}, {}, {});
    QTest::newRow("int") << QVariantList{42} << executePayload(5, {false}, Bytes("\x08") + s, le(42, 8));
    QTest::newRow("negative") << QVariantList{qint64(-2)} << executePayload(5, {false}, Bytes("\x08") + s, le(quint64(-2), 8));
    QTest::newRow("unsigned max") << QVariantList{std::numeric_limits<quint64>::max()}
                                  << executePayload(5, {false}, Bytes("\x08") + us, le(~0ull, 8));
    QTest::newRow("bool") << QVariantList{true} << executePayload(5, {false}, Bytes("\x08") + s, le(1, 8));
    QTest::newRow("double") << QVariantList{1.5} << executePayload(5, {false}, Bytes("\x05") + s, f64(1.5));
    QTest::newRow("string") << QVariantList{QStringLiteral("h\u00e9")}
                            << executePayload(5, {false}, Bytes("\xfd") + s, lenencStr("h\xc3\xa9"));
    QTest::newRow("bytes") << QVariantList{QByteArray("a\0b", 3)} << executePayload(5, {false}, Bytes("\xfc") + s, lenencStr(Bytes("a\0b", 3)));
    QTest::newRow("null") << QVariantList{QVariant()} << executePayload(5, {true}, Bytes("\x06") + s, {});
    QTest::newRow("null decimal") << QVariantList{QVariant::fromValue(Decimal())} << executePayload(5, {true}, Bytes("\x06") + s, {});
    QTest::newRow("decimal") << QVariantList{QVariant::fromValue(Decimal::fromString(u"-1.25"))}
                             << executePayload(5, {false}, Bytes("\xf6") + s, lenencStr("-1.25"));
    QTest::newRow("date") << QVariantList{QDate(2024, 2, 29)} << executePayload(5, {false}, Bytes("\x0a") + s, dateBytes(2024, 2, 29));
    QTest::newRow("zero date") << QVariantList{QDate()} << executePayload(5, {false}, Bytes("\x0a") + s, dateBytes(0, 0, 0));
    QTest::newRow("datetime") << QVariantList{QVariant::fromValue(DateTime(2024, 5, 1, 12, 30, 7))}
                              << executePayload(5, {false}, Bytes("\x0c") + s, dateBytes(2024, 5, 1, 12, 30, 7));
    QTest::newRow("datetime us") << QVariantList{QVariant::fromValue(DateTime(2024, 5, 1, 12, 30, 7, 250))}
                                 << executePayload(5, {false}, Bytes("\x0c") + s, dateBytes(2024, 5, 1, 12, 30, 7, 250));
    QTest::newRow("time") << QVariantList{QVariant::fromValue(Duration::fromParts(true, 26, 3, 4, 5))}
                          << executePayload(5, {false}, Bytes("\x0b") + s, timeBytes(true, 1, 2, 3, 4, 5));
    QTest::newRow("qtime") << QVariantList{QTime(13, 14, 15)} << executePayload(5, {false}, Bytes("\x0b") + s, timeBytes(false, 0, 13, 14, 15));
    QTest::newRow("json") << QVariantList{QJsonDocument::fromJson("{\"a\":[1,2]}")}
                          << executePayload(5, {false}, Bytes("\xfd") + s, lenencStr("{\"a\":[1,2]}"));
    // Nine parameters: the bitmap takes two bytes; NULLs at 0 and 8.
    QVariantList nine{QVariant()};
    Bytes types = Bytes("\x06") + s, values;
    for (int i = 1; i < 8; ++i) {
        nine << i;
        types += Bytes("\x08") + s;
        values += le(quint64(i), 8);
    }
    nine << QVariant();
    types += Bytes("\x06") + s;
    QTest::newRow("nine") << nine << executePayload(5, {true, false, false, false, false, false, false, false, true}, types, values);
}

void tst_Binary::executeWriter()
{
    QFETCH(QVariantList, args);
    QFETCH(Bytes, payload);
    ExecuteWriter w(5, int(args.size()), QByteArray("reused block, emptied first"));
    ErrorInfo error;
    QVERIFY2(writeParameters(w, args, TextEncoding::Utf8, nullptr, error), qPrintable(error.message));
    QCOMPARE(w.count(), args.size());
    quint8 replySeq = 0;
    const QByteArray framed = w.take(&replySeq);
    QCOMPARE(replySeq, 1);
    QCOMPARE(framed.left(4), le(quint64(payload.size()), 3) + '\0');
    QCOMPARE(payloadOf(framed).toHex(' '), payload.toHex(' '));
}

void tst_Binary::parameterErrors_data()
{
    QTest::addColumn<QVariant>("value");
    QTest::addColumn<int>("type");
    QTest::newRow("list") << QVariant(QVariantList{1, 2}) << int(Error::Type::Programming);
    QTest::newRow("NaN") << QVariant(std::nan("")) << int(Error::Type::Data);
    QTest::newRow("infinity") << QVariant(HUGE_VAL) << int(Error::Type::Data);
    QTest::newRow("QPoint") << QVariant(QPoint(1, 2)) << int(Error::Type::Programming);
}

void tst_Binary::parameterErrors()
{
    QFETCH(QVariant, value);
    QFETCH(int, type);
    ExecuteWriter w(1, 1);
    ErrorInfo error;
    QVERIFY(!writeParameters(w, {value}, TextEncoding::Utf8, nullptr, error));
    QCOMPARE(int(error.type), type);
    QVERIFY(!error.message.isEmpty());

    // An encoder's RawSql cannot be a parameter either: it is SQL, not a value.
    Converters converters;
    converters.setEncoder(QMetaType::fromType<QPoint>(), [](const QVariant &) { return QVariant::fromValue(RawSql{"NOW()"}); });
    ExecuteWriter w2(1, 1);
    QVERIFY(!writeParameters(w2, {QPoint(1, 2)}, TextEncoding::Utf8, &converters, error));
    QCOMPARE(error.type, Error::Type::Programming);
}

void tst_Binary::longData()
{
    ExecuteWriter w(3, 3);
    std::vector<LongData> ahead;
    ErrorInfo error;
    QVERIFY(writeParameters(w, {QByteArray("12345678"), QStringLiteral("abc"), QStringLiteral("long text")},
                            TextEncoding::Utf8, nullptr, error, &ahead, 8));
    QCOMPARE(ahead.size(), size_t(2));
    QCOMPARE(ahead[0].param, 0);
    QCOMPARE(ahead[0].bytes, QByteArray("12345678"));
    QCOMPARE(ahead[1].param, 2);
    QCOMPARE(ahead[1].bytes, QByteArray("long text"));
    // Long values have their type and no value; their NULL bits stay clear.
    const Bytes s(1, '\0');
    QCOMPARE(payloadOf(w.take(nullptr)).toHex(' '),
             executePayload(3, {false, false, false}, Bytes("\xfc") + s + '\xfd' + s + '\xfd' + s, lenencStr("abc")).toHex(' '));
    QCOMPARE(longDataPacket(3, 2, "chunk"), le(12, 3) + '\0' + '\x18' + le(3, 4) + le(2, 2) + "chunk");
}

void tst_Binary::bulkWriter()
{
    // Header: statement, SEND_TYPES_TO_SERVER, the types once; then per row an indicator per
    // value (0: a value follows, 1: NULL). Column 1 is NULL in row 1: row 2 gives its type.
    BulkWriter w(7, 3);
    ErrorInfo error;
    for (const QVariantList &row : {QVariantList{1, QVariant(), QStringLiteral("a")},
                                    QVariantList{quint64(2), 2.5, QVariant()}}) {
        w.beginRow();
        QVERIFY2(writeParameters(w, row, TextEncoding::Utf8, nullptr, error), qPrintable(error.message));
        if (row.at(0).typeId() == QMetaType::ULongLong) {
            QVERIFY(!w.endRow()); // unsigned after signed: another type for column 0
            continue;
        }
        QVERIFY(w.endRow());
    }
    QCOMPARE(w.rowCount(), 1);
    w.beginRow();
    QVERIFY(writeParameters(w, {-3, 2.5, QVariant()}, TextEncoding::Utf8, nullptr, error));
    QVERIFY(w.endRow());
    QCOMPARE(w.rowCount(), 2);
    quint8 replySeq = 0;
    const QByteArray framed = w.take(&replySeq);
    QCOMPARE(replySeq, 1);
    const Bytes expected = Bytes("\xfa") + le(7, 4) + le(128, 2)
            + hex("0800" "0500" "fd00") // BIGINT, DOUBLE (from row 2), VAR_STRING
            + '\0' + le(1, 8) + '\x01' + '\0' + lenencStr("a")              // row 1
            + '\0' + le(quint64(-3), 8) + '\0' + le(0x4004000000000000ull, 8) + '\x01'; // row 2
    QCOMPARE(payloadOf(framed).toHex(' '), expected.toHex(' '));
}

void tst_Binary::bulkWriterRefusesAnotherType()
{
    // A refused row leaves the packet as it was, including the types it set before the
    // conflict (column 1 would have become DOUBLE).
    BulkWriter w(1, 2);
    ErrorInfo error;
    w.beginRow();
    QVERIFY(writeParameters(w, {QStringLiteral("x"), QVariant()}, TextEncoding::Utf8, nullptr, error));
    QVERIFY(w.endRow());
    const qsizetype size = w.size();
    w.beginRow();
    QVERIFY(writeParameters(w, {QByteArray("y"), 1.0}, TextEncoding::Utf8, nullptr, error)); // BLOB after VAR_STRING
    QVERIFY(!w.endRow());
    QCOMPARE(w.size(), size);
    w.beginRow();
    QVERIFY(writeParameters(w, {QVariant(), 7}, TextEncoding::Utf8, nullptr, error));
    QVERIFY(w.endRow());
    const Bytes expected = Bytes("\xfa") + le(1, 4) + le(128, 2) + hex("fd00" "0800")
            + '\0' + lenencStr("x") + '\x01' + '\x01' + '\0' + le(7, 8);
    QCOMPARE(payloadOf(w.take(nullptr)).toHex(' '), expected.toHex(' '));
    // Values that cannot be parameters are errors here as in an execute.
    BulkWriter bad(1, 1);
    bad.beginRow();
    QVERIFY(!writeParameters(bad, QVariantList{QVariant(QVariantList{1})}, TextEncoding::Utf8, nullptr, error));
    QCOMPARE(error.type, Error::Type::Programming);
}

void tst_Binary::closePacket()
{
    QCOMPARE(closeStatementPacket(0x0a0b0c0d), le(5, 3) + '\0' + '\x19' + le(0x0a0b0c0d, 4));
}

QTEST_GUILESS_MAIN(tst_Binary)
#include "tst_binary.moc"
