// SPDX-License-Identifier: MIT
#include "client/integers_p.h"
#include "client/values_p.h"
#include "protocol/messages.h"
#include "testutil.h"

#include <AsyncMySql/Decimal.h>
#include <AsyncMySql/Types.h>

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QJsonValue>
#include <QtCore/QPoint>
#include <QtTest/QTest>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

using namespace AsyncMySql;
using namespace TestUtil;

Q_DECLARE_METATYPE(AsyncMySql::ValueKind)

namespace {

QVariant decode(ValueKind kind, const QByteArray &text, TextEncoding encoding = TextEncoding::Utf8)
{
    // Exact-size copy: a decoder reading past the value is caught by ASan.
    const ExactBuffer buf(text);
    return decodeTextValue(kind, buf.data(), buf.size(), encoding);
}

struct Literal
{
    bool ok = false;
    QByteArray sql;
    ErrorInfo error;
};

Literal literal(const QVariant &value, bool noBackslashEscapes = false, TextEncoding encoding = TextEncoding::Utf8)
{
    Literal l;
    SqlWriter w(encoding, noBackslashEscapes);
    l.ok = w.appendLiteral(value, l.error);
    l.sql = w.take();
    return l;
}

constexpr qint64 UsPerHour = qint64(3600) * 1000000;

} // namespace

class tst_Values : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parseIntegerIsFromChars();
    void valueKindFor_data();
    void valueKindFor();
    void decodeIntegers();
    void decodeDoubles();
    void decodeDecimalStaysExact();
    void decodeDate();
    void decodeDateTime();
    void decodeTime();
    void decodeBit();
    void decodeJson();
    void decodeText();
    void decodeBytes();
    void latin1IsCp1252();
    void decodeMalformedKeepsText();
    void literal_data();
    void literal();
    void literalDoubleRoundTrips_data();
    void literalDoubleRoundTrips();
    void literalNonFiniteIsDataError_data();
    void literalNonFiniteIsDataError();
    void literalNoBackslashEscapes();
    void literalLatin1();
    void literalList();
    void literalUnsupportedType();
    void literalBytesAsHex();
    void decodedValuesWriteBack_data();
    void decodedValuesWriteBack();
};

void tst_Values::valueKindFor_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<int>("flags");
    QTest::addColumn<int>("charset");
    QTest::addColumn<QByteArray>("format");
    QTest::addColumn<ValueKind>("kind");

    const int bin = Column::BinaryCharset;
    QTest::newRow("TINYINT") << int(Column::Tiny) << 0 << bin << QByteArray() << ValueKind::Int;
    QTest::newRow("YEAR") << int(Column::Year) << 0 << bin << QByteArray() << ValueKind::Int;
    QTest::newRow("BIGINT") << int(Column::LongLong) << 0 << bin << QByteArray() << ValueKind::Int;
    QTest::newRow("BIGINT UNSIGNED") << int(Column::LongLong) << int(Column::UnsignedFlag) << bin << QByteArray() << ValueKind::UInt64;
    QTest::newRow("INT UNSIGNED") << int(Column::Long) << int(Column::UnsignedFlag) << bin << QByteArray() << ValueKind::Int;
    QTest::newRow("DOUBLE") << int(Column::Double) << 0 << bin << QByteArray() << ValueKind::Double;
    QTest::newRow("DECIMAL") << int(Column::NewDecimal) << 0 << bin << QByteArray() << ValueKind::Decimal;
    QTest::newRow("DATE") << int(Column::Date) << 0 << bin << QByteArray() << ValueKind::Date;
    QTest::newRow("DATETIME") << int(Column::DateTimeType) << 0 << bin << QByteArray() << ValueKind::DateTime;
    QTest::newRow("TIMESTAMP") << int(Column::Timestamp) << 0 << bin << QByteArray() << ValueKind::DateTime;
    QTest::newRow("TIME") << int(Column::Time) << 0 << bin << QByteArray() << ValueKind::Time;
    QTest::newRow("BIT") << int(Column::Bit) << 0 << bin << QByteArray() << ValueKind::Bit;
    QTest::newRow("JSON (MySQL)") << int(Column::Json) << 0 << bin << QByteArray() << ValueKind::Json;
    QTest::newRow("JSON (MariaDB)") << int(Column::Blob) << 0 << 45 << QByteArray("json") << ValueKind::Json;
    QTest::newRow("VARCHAR") << int(Column::VarString) << 0 << 45 << QByteArray() << ValueKind::Text;
    QTest::newRow("TEXT") << int(Column::Blob) << int(Column::BlobFlag) << 45 << QByteArray() << ValueKind::Text;
    QTest::newRow("ENUM") << int(Column::String) << int(Column::EnumFlag) << 45 << QByteArray() << ValueKind::Text;
    QTest::newRow("VARBINARY") << int(Column::VarString) << 0 << bin << QByteArray() << ValueKind::Bytes;
    QTest::newRow("BLOB") << int(Column::Blob) << int(Column::BlobFlag) << bin << QByteArray() << ValueKind::Bytes;
    QTest::newRow("GEOMETRY") << int(Column::Geometry) << 0 << bin << QByteArray() << ValueKind::Bytes;
    QTest::newRow("NULL") << int(Column::Null) << 0 << bin << QByteArray() << ValueKind::Null;
}

void tst_Values::valueKindFor()
{
    QFETCH(int, type);
    QFETCH(int, flags);
    QFETCH(int, charset);
    QFETCH(QByteArray, format);
    QFETCH(ValueKind, kind);

    ColumnSpec spec;
    spec.type = quint8(type);
    spec.flags = quint16(flags);
    spec.charset = quint16(charset);
    spec.withExtendedInfo = true;
    if (!format.isEmpty())
        spec.extended = {{1, format}};
    const auto column = Protocol::parseColumnDefinition(columnPayload(spec), Protocol::Capability::MariaDbExtendedTypeInfo);
    QVERIFY(column);
    QCOMPARE(AsyncMySql::valueKindFor(*column), kind);
}

void tst_Values::parseIntegerIsFromChars()
{
    // Row cells go through parseInteger(): it must give what std::from_chars gives, also at the
    // edges (signs, overflow by one, digits followed by other bytes, no digits at all).
    QList<QByteArray> inputs = {"", "-", "+1", " 1", "0", "-0", "7", "-7", "123abc", "12-3", "00000000000000000000042",
                                "999999999999999999", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
                                "-9223372036854775809", "18446744073709551615", "18446744073709551616",
                                "99999999999999999999999", "-18446744073709551615", "1.5", "1e3", "--1"};
    quint64 seed = 12345;
    for (int i = 0; i < 2000; ++i) { // digits of every length, some with a sign or a tail
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        QByteArray s = (seed >> 60) & 1 ? "-" : "";
        const int digits = int((seed >> 32) % 24) + 1;
        for (int d = 0; d < digits; ++d) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            s.append(char('0' + (seed >> 33) % 10));
        }
        if ((seed >> 58) % 4 == 0)
            s.append("x");
        inputs.append(s);
    }
    for (const QByteArray &in : std::as_const(inputs)) {
        const char *b = in.constData();
        const char *e = b + in.size();
        qint64 mine = 7, theirs = 7;
        QCOMPARE(parseInteger(b, e, mine), std::from_chars(b, e, theirs).ec == std::errc());
        QCOMPARE(mine, theirs);
        quint64 umine = 7, utheirs = 7;
        QCOMPARE(parseInteger(b, e, umine), std::from_chars(b, e, utheirs).ec == std::errc());
        QCOMPARE(umine, utheirs);
    }
}

void tst_Values::decodeIntegers()
{
    const QVariant max = decode(ValueKind::Int, "9223372036854775807");
    QCOMPARE(max.typeId(), QMetaType::LongLong);
    QCOMPARE(max.toLongLong(), std::numeric_limits<qint64>::max());
    QCOMPARE(decode(ValueKind::Int, "-9223372036854775808").toLongLong(), std::numeric_limits<qint64>::min());
    QCOMPARE(decode(ValueKind::Int, "0").toLongLong(), qint64(0));
    QCOMPARE(decode(ValueKind::Int, "-1").toLongLong(), qint64(-1));

    const QVariant umax = decode(ValueKind::UInt64, "18446744073709551615");
    QCOMPARE(umax.typeId(), QMetaType::ULongLong);
    QCOMPARE(umax.toULongLong(), std::numeric_limits<quint64>::max());
    QCOMPARE(decode(ValueKind::UInt64, "9223372036854775808").toULongLong(), quint64(1) << 63);
}

void tst_Values::decodeDoubles()
{
    const QVariant v = decode(ValueKind::Double, "1.5");
    QCOMPARE(v.typeId(), QMetaType::Double);
    QCOMPARE(v.toDouble(), 1.5);
    QCOMPARE(decode(ValueKind::Double, "-2.5e-10").toDouble(), -2.5e-10);
    QCOMPARE(decode(ValueKind::Double, "1.7976931348623157e308").toDouble(), std::numeric_limits<double>::max());
    QCOMPARE(decode(ValueKind::Double, "0.30000000000000004").toDouble(), 0.1 + 0.2);
    // FLOAT columns arrive with the float's shortest text; the double must be exactly that.
    QCOMPARE(decode(ValueKind::Double, "3.14159").toDouble(), 3.14159);
}

void tst_Values::decodeDecimalStaysExact()
{
    const QByteArray text = "12345678901234567890.123456789012345678901234567890";
    const QVariant v = decode(ValueKind::Decimal, text);
    QCOMPARE(v.typeId(), qMetaTypeId<Decimal>());
    QCOMPARE(v.value<Decimal>().toByteArray(), text);
    QCOMPARE(v.toString(), QString::fromLatin1(text)); // through the registered converter
    QCOMPARE(v.toDouble(), 12345678901234567890.123456789012345678901234567890);
    const QVariant zero = decode(ValueKind::Decimal, "-0.00");
    QCOMPARE(zero.typeId(), qMetaTypeId<Decimal>());
    QCOMPARE(zero.toString(), QStringLiteral("-0.00"));
    const QVariant cents = decode(ValueKind::Decimal, "12.50");
    QCOMPARE(cents.value<Decimal>().toDouble(), 12.5);
    QCOMPARE(cents.value<Decimal>().scale(), 2);
}

void tst_Values::decodeDate()
{
    const QVariant v = decode(ValueKind::Date, "2024-02-29");
    QCOMPARE(v.typeId(), QMetaType::QDate);
    QCOMPARE(v.toDate(), QDate(2024, 2, 29));
    QCOMPARE(decode(ValueKind::Date, "0001-01-01").toDate(), QDate(1, 1, 1));
    QCOMPARE(decode(ValueKind::Date, "9999-12-31").toDate(), QDate(9999, 12, 31));

    const QVariant zero = decode(ValueKind::Date, "0000-00-00");
    QCOMPARE(zero.typeId(), QMetaType::QDate);
    QVERIFY(!zero.toDate().isValid());
}

void tst_Values::decodeDateTime()
{
    const QVariant v = decode(ValueKind::DateTime, "2024-01-02 03:04:05");
    QCOMPARE(v.typeId(), qMetaTypeId<DateTime>());
    QCOMPARE(v.value<DateTime>(), DateTime(2024, 1, 2, 3, 4, 5));
    QCOMPARE(decode(ValueKind::DateTime, "2024-01-02 03:04:05.123456").value<DateTime>(),
             DateTime(2024, 1, 2, 3, 4, 5, 123456));
    // DATETIME(1): the fraction has as many digits as the column's precision.
    QCOMPARE(decode(ValueKind::DateTime, "1999-12-31 23:59:59.5").value<DateTime>(),
             DateTime(1999, 12, 31, 23, 59, 59, 500000));
    QCOMPARE(decode(ValueKind::DateTime, "2038-01-19 03:14:07.000001").value<DateTime>().microsecond(), 1);

    const DateTime zero = decode(ValueKind::DateTime, "0000-00-00 00:00:00").value<DateTime>();
    QVERIFY(zero.isZero());
    QVERIFY(!zero.isValid());
}

void tst_Values::decodeTime()
{
    const QVariant v = decode(ValueKind::Time, "-838:59:59.000000");
    QCOMPARE(v.typeId(), qMetaTypeId<Duration>());
    const Duration min = v.value<Duration>();
    QCOMPARE(min.totalMicroseconds(), -(838 * UsPerHour + (59 * 60 + 59) * qint64(1000000)));
    QVERIFY(min.isNegative());
    QCOMPARE(min.hours(), 838);

    QCOMPARE(decode(ValueKind::Time, "838:59:59").value<Duration>().totalMicroseconds(), -min.totalMicroseconds());
    QCOMPARE(decode(ValueKind::Time, "12:34:56").value<Duration>().totalMicroseconds(),
             (qint64(12 * 3600 + 34 * 60 + 56)) * 1000000);
    QCOMPARE(decode(ValueKind::Time, "100:00:00.25").value<Duration>().totalMicroseconds(), 100 * UsPerHour + 250000);
    // Minus zero hours: the sign must survive even though the hour field is 0.
    QCOMPARE(decode(ValueKind::Time, "-00:00:01.500000").value<Duration>().totalMicroseconds(), qint64(-1500000));
    QCOMPARE(decode(ValueKind::Time, "00:00:00").value<Duration>().totalMicroseconds(), qint64(0));
}

void tst_Values::decodeBit()
{
    const QVariant v = decode(ValueKind::Bit, hex("0102"));
    QCOMPARE(v.typeId(), QMetaType::ULongLong);
    QCOMPARE(v.toULongLong(), quint64(0x0102));
    QCOMPARE(decode(ValueKind::Bit, hex("01")).toULongLong(), quint64(1));
    QCOMPARE(decode(ValueKind::Bit, hex("8000000000000001")).toULongLong(), 0x8000000000000001ull);
    QCOMPARE(decode(ValueKind::Bit, hex("ffffffffffffffff")).toULongLong(), ~quint64(0));
}

void tst_Values::decodeJson()
{
    const QVariant object = decode(ValueKind::Json, R"({"a": 1, "b": [true, null]})");
    QCOMPARE(object.typeId(), QMetaType::QJsonDocument);
    const QJsonObject o = object.toJsonDocument().object();
    QCOMPARE(o.value(QStringLiteral("a")), QJsonValue(1));
    QCOMPARE(o.value(QStringLiteral("b")), QJsonValue(QJsonArray{true, QJsonValue::Null}));

    const QVariant array = decode(ValueKind::Json, "[1, \"x\"]");
    QCOMPARE(array.typeId(), QMetaType::QJsonDocument);
    QCOMPARE(array.toJsonDocument().array(), (QJsonArray{1, QStringLiteral("x")}));

    // Scalars (JSON_EXTRACT results) cannot live in a QJsonDocument.
    const QVariant number = decode(ValueKind::Json, "42");
    QCOMPARE(number.typeId(), QMetaType::QJsonValue);
    QCOMPARE(number.toJsonValue(), QJsonValue(42));
    QCOMPARE(decode(ValueKind::Json, "\"text\"").toJsonValue(), QJsonValue(QStringLiteral("text")));
    QCOMPARE(decode(ValueKind::Json, "true").toJsonValue(), QJsonValue(true));
    const QVariant null = decode(ValueKind::Json, "null");
    QCOMPARE(null.typeId(), QMetaType::QJsonValue);
    QVERIFY(null.toJsonValue().isNull());
}

void tst_Values::decodeText()
{
    const QString unicode = QStringLiteral("h\u00e9llo \U0001F600 \u4e2d");
    const QVariant v = decode(ValueKind::Text, unicode.toUtf8());
    QCOMPARE(v.typeId(), QMetaType::QString);
    QCOMPARE(v.toString(), unicode);
    QCOMPARE(decode(ValueKind::Text, hex("e974e9"), TextEncoding::Latin1).toString(), QStringLiteral("\u00e9t\u00e9"));
    const QVariant empty = decode(ValueKind::Text, "");
    QCOMPARE(empty.typeId(), QMetaType::QString);
    QVERIFY(empty.toString().isEmpty());
    QVERIFY(!empty.isNull());
}

void tst_Values::decodeBytes()
{
    const QByteArray raw("\x00\xff\x27\x5c\x00", 5);
    const QVariant v = decode(ValueKind::Bytes, raw);
    QCOMPARE(v.typeId(), QMetaType::QByteArray);
    QCOMPARE(v.toByteArray(), raw);
    QVERIFY(!decode(ValueKind::Null, "x").isValid());
}

void tst_Values::latin1IsCp1252()
{
    // MySQL's "latin1" is Windows cp1252 (0x80 is the euro sign), as PyMySQL decodes it; ISO
    // 8859-1 would turn a stored '€' into the control character U+0080 and back to '?'.
    QCOMPARE(decode(ValueKind::Text, hex("80"), TextEncoding::Latin1).toString(), QStringLiteral("\u20ac"));
    QCOMPARE(decode(ValueKind::Text, hex("93" "41" "94"), TextEncoding::Latin1).toString(),
             QStringLiteral("\u201cA\u201d"));
    const Literal euro = ::literal(QStringLiteral("\u20ac"), false, TextEncoding::Latin1);
    QVERIFY(euro.ok);
    QCOMPARE(euro.sql, QByteArray("'\x80'"));
}

void tst_Values::decodeMalformedKeepsText()
{
    // Out of range or not what the column type promises: the text is handed over, not 0.
    const QVariant big = decode(ValueKind::Int, "9223372036854775808");
    QCOMPARE(big.typeId(), QMetaType::QString);
    QCOMPARE(big.toString(), QStringLiteral("9223372036854775808"));
    QCOMPARE(decode(ValueKind::DateTime, "2024-01-02 3:04:05").toString(), QStringLiteral("2024-01-02 3:04:05"));
    QCOMPARE(decode(ValueKind::Time, "12:61:00").toString(), QStringLiteral("12:61:00"));
    QCOMPARE(decode(ValueKind::Date, "2024-01").toString(), QStringLiteral("2024-01"));
    // Not a decimal number: text, never a Decimal (which is written into SQL unquoted).
    for (const char *bad : {"1e5", "1; DROP TABLE t", "", "-", "1.", "nan"}) {
        const QVariant v = decode(ValueKind::Decimal, bad);
        QCOMPARE(v.typeId(), QMetaType::QString);
        QCOMPARE(v.toString(), QString::fromLatin1(bad));
    }
}

void tst_Values::literal_data()
{
    QTest::addColumn<QVariant>("value");
    QTest::addColumn<QByteArray>("sql");

    QTest::newRow("invalid") << QVariant() << QByteArray("NULL");
    QTest::newRow("typed null") << QVariant(QMetaType::fromType<int>()) << QByteArray("NULL");
    QTest::newRow("true") << QVariant(true) << QByteArray("1");
    QTest::newRow("false") << QVariant(false) << QByteArray("0");
    QTest::newRow("int") << QVariant(-5) << QByteArray("-5");
    QTest::newRow("qint64 min") << QVariant(std::numeric_limits<qint64>::min()) << QByteArray("-9223372036854775808");
    QTest::newRow("uint") << QVariant(4000000000u) << QByteArray("4000000000");
    QTest::newRow("quint64 max") << QVariant(std::numeric_limits<quint64>::max()) << QByteArray("18446744073709551615");
    QTest::newRow("short") << QVariant::fromValue(short(-7)) << QByteArray("-7");
    QTest::newRow("double 0.1") << QVariant(0.1) << QByteArray("0.1e0");
    QTest::newRow("double 1") << QVariant(1.0) << QByteArray("1e0");
    QTest::newRow("double -0.5") << QVariant(-0.5) << QByteArray("-0.5e0");
    QTest::newRow("double 1e300") << QVariant(1e300) << QByteArray("1e+300");
    QTest::newRow("double 0.1+0.2") << QVariant(0.1 + 0.2) << QByteArray("0.30000000000000004e0");
    QTest::newRow("float 1.5") << QVariant(1.5f) << QByteArray("1.5e0");
    QTest::newRow("string") << QVariant(QStringLiteral("abc")) << QByteArray("'abc'");
    QTest::newRow("empty string") << QVariant(QString()) << QByteArray("''");
    QTest::newRow("string escapes") << QVariant(QString::fromUtf8("a'b\\c\0d\ne\rf\x1ag\"h", 15))
                                    << QByteArray("'a\\'b\\\\c\\0d\\ne\\rf\\Zg\\\"h'");
    QTest::newRow("string utf8") << QVariant(QStringLiteral("\u00e9\U0001F600")) << QByteArray("'\xc3\xa9\xf0\x9f\x98\x80'");
    QTest::newRow("bytes") << QVariant(QByteArray("\x00\xff'\\x", 5)) << QByteArray("_binary'\\0\xff\\'\\\\x'");
    QTest::newRow("empty bytes") << QVariant(QByteArray("")) << QByteArray("_binary''");
    QTest::newRow("QDate") << QVariant(QDate(2024, 2, 29)) << QByteArray("'2024-02-29'");
    QTest::newRow("QDate zero") << QVariant(QDate()) << QByteArray("'0000-00-00'");
    QTest::newRow("QTime") << QVariant(QTime(13, 14, 15, 16)) << QByteArray("'13:14:15.016000'");
    QTest::newRow("QTime whole") << QVariant(QTime(0, 0)) << QByteArray("'00:00:00'");
    QTest::newRow("QDateTime") << QVariant(QDateTime(QDate(2024, 1, 2), QTime(3, 4, 5, 6)))
                               << QByteArray("'2024-01-02 03:04:05.006000'");
    QTest::newRow("DateTime") << QVariant::fromValue(DateTime(2024, 1, 2, 3, 4, 5, 123456))
                              << QByteArray("'2024-01-02 03:04:05.123456'");
    // An exact DECIMAL literal, unquoted (quoted, it would be a string the server converts).
    QTest::newRow("Decimal") << QVariant::fromValue(Decimal::fromString(u"-12.50")) << QByteArray("-12.50");
    QTest::newRow("Decimal long") << QVariant::fromValue(Decimal::fromString(u"0.000000000000000000000000000001"))
                                  << QByteArray("0.000000000000000000000000000001");
    QTest::newRow("Decimal null") << QVariant::fromValue(Decimal()) << QByteArray("NULL");
    QTest::newRow("Decimal in list") << QVariant(QVariantList{QVariant::fromValue(Decimal::fromString(u"1.5")), 2})
                                     << QByteArray("(1.5, 2)");
    QTest::newRow("DateTime zero") << QVariant::fromValue(DateTime()) << QByteArray("'0000-00-00 00:00:00'");
    QTest::newRow("Duration min") << QVariant::fromValue(Duration(-(838 * UsPerHour + 3599 * qint64(1000000))))
                                  << QByteArray("'-838:59:59'");
    QTest::newRow("Duration fraction") << QVariant::fromValue(Duration(-1500000)) << QByteArray("'-00:00:01.500000'");
    QTest::newRow("QJsonDocument") << QVariant(QJsonDocument(QJsonObject{{QStringLiteral("a"), 1}}))
                                   << QByteArray("'{\\\"a\\\":1}'");
    QTest::newRow("QJsonObject") << QVariant(QJsonObject{{QStringLiteral("k"), QStringLiteral("it's")}})
                                 << QByteArray("'{\\\"k\\\":\\\"it\\'s\\\"}'");
    QTest::newRow("QJsonArray") << QVariant(QJsonArray{1, 2}) << QByteArray("'[1,2]'");
    QTest::newRow("QJsonValue number") << QVariant(QJsonValue(3)) << QByteArray("'3'");
    QTest::newRow("QJsonValue string") << QVariant(QJsonValue(QStringLiteral("x"))) << QByteArray("'\\\"x\\\"'");
    QTest::newRow("QJsonValue null") << QVariant(QJsonValue(QJsonValue::Null)) << QByteArray("'null'");
    QTest::newRow("list") << QVariant(QVariantList{1, QStringLiteral("a"), QVariant()}) << QByteArray("(1, 'a', NULL)");
    QTest::newRow("string list") << QVariant(QStringList{QStringLiteral("x"), QStringLiteral("y'")})
                                 << QByteArray("('x', 'y\\'')");
}

void tst_Values::literal()
{
    QFETCH(QVariant, value);
    QFETCH(QByteArray, sql);
    const Literal l = ::literal(value);
    QVERIFY2(l.ok, qPrintable(l.error.message));
    QCOMPARE(l.sql, sql);
}

void tst_Values::literalDoubleRoundTrips_data()
{
    QTest::addColumn<double>("value");
    QTest::newRow("0.1") << 0.1;
    QTest::newRow("1/3") << 1.0 / 3.0;
    QTest::newRow("max") << std::numeric_limits<double>::max();
    QTest::newRow("min normal") << std::numeric_limits<double>::min();
    QTest::newRow("denormal") << std::numeric_limits<double>::denorm_min();
    QTest::newRow("2^53+2") << 9007199254740994.0;
    QTest::newRow("-0") << -0.0;
}

void tst_Values::literalDoubleRoundTrips()
{
    QFETCH(double, value);
    const Literal l = ::literal(value);
    QVERIFY(l.ok);
    // Either an exponent of its own, or the "e0" that makes MySQL read a DOUBLE, not a DECIMAL.
    QVERIFY2(l.sql.contains('e'), l.sql.constData());
    // strtod as the reference reader: the literal must be plain C syntax, as MySQL parses it.
    char *end = nullptr;
    const double back = std::strtod(l.sql.constData(), &end);
    QCOMPARE(end, l.sql.constData() + l.sql.size());
    QCOMPARE(back, value);
    QCOMPARE(std::signbit(back), std::signbit(value));
}

void tst_Values::literalNonFiniteIsDataError_data()
{
    QTest::addColumn<QVariant>("value");
    QTest::newRow("NaN") << QVariant(std::numeric_limits<double>::quiet_NaN());
    QTest::newRow("inf") << QVariant(std::numeric_limits<double>::infinity());
    QTest::newRow("-inf") << QVariant(-std::numeric_limits<double>::infinity());
    QTest::newRow("float NaN") << QVariant(std::numeric_limits<float>::quiet_NaN());
    QTest::newRow("NaN inside a list") << QVariant(QVariantList{1, std::numeric_limits<double>::quiet_NaN()});
}

void tst_Values::literalNonFiniteIsDataError()
{
    QFETCH(QVariant, value);
    const Literal l = ::literal(value);
    QVERIFY(!l.ok);
    QCOMPARE(l.error.type, Error::Type::Data);
    QVERIFY(!l.error.message.isEmpty());
}

void tst_Values::literalNoBackslashEscapes()
{
    // With NO_BACKSLASH_ESCAPES the server reads backslashes literally: only quotes double.
    const Literal l = ::literal(QStringLiteral("it's a \\ test\n\"q\""), true);
    QVERIFY(l.ok);
    QCOMPARE(l.sql, QByteArray("'it''s a \\ test\n\"q\"'"));
    const Literal bytes = ::literal(QByteArray("a'\\", 3), true);
    QCOMPARE(bytes.sql, QByteArray("_binary'a''\\'"));
}

void tst_Values::literalLatin1()
{
    const Literal l = ::literal(QStringLiteral("caf\u00e9'"), false, TextEncoding::Latin1);
    QVERIFY(l.ok);
    QCOMPARE(l.sql, QByteArray("'caf\xe9\\''"));
}

void tst_Values::literalList()
{
    const Literal empty = ::literal(QVariantList());
    QVERIFY(empty.ok);
    QCOMPARE(empty.sql, QByteArray("()"));
    const Literal nested = ::literal(QVariantList{QVariant::fromValue(DateTime(2000, 1, 1)), QVariant(QByteArray("b"))});
    QCOMPARE(nested.sql, QByteArray("('2000-01-01 00:00:00', _binary'b')"));
}

void tst_Values::literalUnsupportedType()
{
    const Literal l = ::literal(QVariant::fromValue(QPoint(1, 2)));
    QVERIFY(!l.ok);
    QCOMPARE(l.error.type, Error::Type::Programming);
    QVERIFY(l.error.message.contains(u"QPoint"));
    const Literal inList = ::literal(QVariantList{1, QVariant::fromValue(QPoint())});
    QVERIFY(!inList.ok);
    QCOMPARE(inList.error.type, Error::Type::Programming);
}

void tst_Values::literalBytesAsHex()
{
    // For SQL handed out as text: bytes that are not text survive only as hex.
    for (const bool noBackslashEscapes : {false, true}) {
        SqlWriter w(TextEncoding::Utf8, noBackslashEscapes);
        w.setBytesAsHex(true);
        ErrorInfo error;
        QVERIFY(w.appendLiteral(QByteArray("\x00\x01'\xff", 4), error));
        w.appendText(u" ");
        QVERIFY(w.appendLiteral(QByteArray(""), error));
        w.appendText(u" ");
        QVERIFY(w.appendLiteral(QVariantList{QByteArray("\\"), QStringLiteral("it's")}, error));
        QCOMPARE(w.take(), noBackslashEscapes ? QByteArray("_binary X'000127ff' _binary X'' (_binary X'5c', 'it''s')")
                                              : QByteArray("_binary X'000127ff' _binary X'' (_binary X'5c', 'it\\'s')"));
    }
}

void tst_Values::decodedValuesWriteBack_data()
{
    // Design: "Every decoded value passed back as a parameter writes the same value".
    QTest::addColumn<ValueKind>("kind");
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QByteArray>("sql");
    QTest::newRow("BIGINT UNSIGNED") << ValueKind::UInt64 << QByteArray("18446744073709551615") << QByteArray("18446744073709551615");
    QTest::newRow("DECIMAL") << ValueKind::Decimal << QByteArray("-12.50") << QByteArray("-12.50");
    const QByteArray dec65 = "-" + QByteArray(35, '9') + '.' + QByteArray(30, '9');
    QTest::newRow("DECIMAL(65,30)") << ValueKind::Decimal << dec65 << dec65;
    QTest::newRow("zero date") << ValueKind::Date << QByteArray("0000-00-00") << QByteArray("'0000-00-00'");
    QTest::newRow("zero datetime") << ValueKind::DateTime << QByteArray("0000-00-00 00:00:00")
                                   << QByteArray("'0000-00-00 00:00:00'");
    QTest::newRow("datetime us") << ValueKind::DateTime << QByteArray("2024-01-02 03:04:05.000007")
                                 << QByteArray("'2024-01-02 03:04:05.000007'");
    QTest::newRow("TIME min") << ValueKind::Time << QByteArray("-838:59:59") << QByteArray("'-838:59:59'");
    QTest::newRow("TIME -0.5s") << ValueKind::Time << QByteArray("-00:00:00.500000") << QByteArray("'-00:00:00.500000'");
    QTest::newRow("BIT") << ValueKind::Bit << hex("0100") << QByteArray("256");
    QTest::newRow("JSON") << ValueKind::Json << QByteArray(R"({"a":[1,2]})") << QByteArray("'{\\\"a\\\":[1,2]}'");
    QTest::newRow("JSON scalar") << ValueKind::Json << QByteArray("\"s\"") << QByteArray("'\\\"s\\\"'");
}

void tst_Values::decodedValuesWriteBack()
{
    QFETCH(ValueKind, kind);
    QFETCH(QByteArray, text);
    QFETCH(QByteArray, sql);
    const Literal l = ::literal(decode(kind, text));
    QVERIFY(l.ok);
    QCOMPARE(l.sql, sql);
}

QTEST_APPLESS_MAIN(tst_Values)
#include "tst_values.moc"
