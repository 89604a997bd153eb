// SPDX-License-Identifier: MIT
#include "protocol/wire.h"
#include "testutil.h"

#include <QtTest/QTest>

using namespace AsyncMySql::Protocol;
using namespace TestUtil;

class tst_Wire : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void lenencBoundaries_data();
    void lenencBoundaries();
    void lenencNullMarker();
    void lenencInvalidMarker();
    void lenencTruncated_data();
    void lenencTruncated();
    void fixedIntegers();
    void fixedTruncatedFailsAndSticks();
    void lenencString();
    void lenencStringTooLong_data();
    void lenencStringTooLong();
    void nulString();
    void nulStringMissingNul();
    void nulStringOrRest();
    void bytesAndRest();
    void peekAtEnd();
    void writerFixedAndStrings();
    // Last: under UBSan a failure here aborts the executable.
    void emptyNullView();
};

void tst_Wire::lenencBoundaries_data()
{
    QTest::addColumn<quint64>("value");
    QTest::addColumn<QByteArray>("encoded");

    QTest::newRow("0") << quint64(0) << hex("00");
    QTest::newRow("250") << quint64(250) << hex("fa");
    QTest::newRow("251") << quint64(251) << hex("fcfb00");
    QTest::newRow("0xffff") << quint64(0xffff) << hex("fcffff");
    QTest::newRow("0x10000") << quint64(0x10000) << hex("fd000001");
    QTest::newRow("0xffffff") << quint64(0xffffff) << hex("fdffffff");
    QTest::newRow("0x1000000") << quint64(0x1000000) << hex("fe0000000100000000");
    QTest::newRow("2^32") << (quint64(1) << 32) << hex("fe0000000001000000");
    QTest::newRow("2^64-1") << ~quint64(0) << hex("feffffffffffffffff");
}

void tst_Wire::lenencBoundaries()
{
    QFETCH(quint64, value);
    QFETCH(QByteArray, encoded);

    QByteArray written;
    ByteWriter w(written);
    w.lenenc(value);
    QCOMPARE(written, encoded);
    QCOMPARE(ByteWriter::lenencSize(value), int(encoded.size()));

    const ExactBuffer buf(encoded);
    ByteReader r(buf.data(), buf.size());
    QCOMPARE(r.lenenc(), value);
    QVERIFY(r.ok());
    QVERIFY(r.atEnd());
    QCOMPARE(r.position(), encoded.size());

    ByteReader r2(buf.data(), buf.size());
    const auto maybe = r2.lenencOrNull();
    QVERIFY(maybe.has_value());
    QCOMPARE(*maybe, value);
}

void tst_Wire::lenencNullMarker()
{
    const ExactBuffer buf(hex("fb07"));
    ByteReader r(buf.data(), buf.size());
    QVERIFY(!r.lenencOrNull().has_value());
    // NULL is a legal value here: the reader stays usable and moved past the marker only.
    QVERIFY(r.ok());
    QCOMPARE(r.position(), 1);
    QCOMPARE(r.lenenc(), quint64(7));

    ByteReader strict(buf.data(), buf.size());
    QCOMPARE(strict.lenenc(), quint64(0));
    QVERIFY(!strict.ok());

    ByteReader str(buf.data(), buf.size());
    QVERIFY(str.lenencString().isEmpty());
    QVERIFY(!str.ok());
}

void tst_Wire::lenencInvalidMarker()
{
    const ExactBuffer buf(hex("ff0102"));
    ByteReader r(buf.data(), buf.size());
    const auto v = r.lenencOrNull();
    QVERIFY(!r.ok());
    QVERIFY(!v || *v == 0);
    QCOMPARE(r.remaining(), 0);
}

void tst_Wire::lenencTruncated_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("fc, 1 of 2") << hex("fcff");
    QTest::newRow("fc, 0 of 2") << hex("fc");
    QTest::newRow("fd, 2 of 3") << hex("fdffff");
    QTest::newRow("fe, 7 of 8") << hex("fe00000000000000");
    QTest::newRow("fe, 0 of 8") << hex("fe");
}

void tst_Wire::lenencTruncated()
{
    QFETCH(QByteArray, bytes);
    // Exact-size heap block: ASan reports any read past its end.
    const ExactBuffer buf(bytes);
    ByteReader r(buf.data(), buf.size());
    QCOMPARE(r.lenenc(), quint64(0));
    QVERIFY(!r.ok());
    QCOMPARE(r.remaining(), 0);
    QVERIFY(r.atEnd());

    ByteReader r2(buf.data(), buf.size());
    QVERIFY(r2.lenencString().isEmpty());
    QVERIFY(!r2.ok());
}

void tst_Wire::fixedIntegers()
{
    const QByteArray bytes = hex("01" "0201" "030201" "04030201" "0807060504030201");
    const ExactBuffer buf(bytes);
    ByteReader r(buf.data(), buf.size());
    QCOMPARE(r.u8(), quint8(0x01));
    QCOMPARE(r.u16(), quint16(0x0102));
    QCOMPARE(r.u24(), quint32(0x010203));
    QCOMPARE(r.u32(), quint32(0x01020304));
    QCOMPARE(r.u64(), quint64(0x0102030405060708));
    QVERIFY(r.ok());
    QVERIFY(r.atEnd());

    const ExactBuffer top(hex("ffffffffffffffff"));
    ByteReader r2(top.data(), top.size());
    QCOMPARE(r2.u64(), ~quint64(0));
}

void tst_Wire::fixedTruncatedFailsAndSticks()
{
    const ExactBuffer buf(hex("aabbcc"));
    ByteReader r(buf.data(), buf.size());
    QCOMPARE(r.u32(), quint32(0));
    QVERIFY(!r.ok());
    // Once failed, even reads that would fit give nothing: callers check ok() only at the end.
    QCOMPARE(r.u8(), quint8(0));
    QCOMPARE(r.u16(), quint16(0));
    QVERIFY(r.bytes(1).isEmpty());
    QVERIFY(r.rest().isEmpty());
    QVERIFY(!r.ok());
    QCOMPARE(r.remaining(), 0);

    ByteReader r2(buf.data(), buf.size());
    QCOMPARE(r2.u16(), quint16(0xbbaa));
    QCOMPARE(r2.u16(), quint16(0));
    QVERIFY(!r2.ok());
}

void tst_Wire::lenencString()
{
    const QByteArray bytes = lenencStr("abc") + lenencStr("") + lenencStr(QByteArray(300, 'x')) + "z";
    const ExactBuffer buf(bytes);
    ByteReader r(buf.data(), buf.size());
    QCOMPARE(r.lenencString().toByteArray(), QByteArray("abc"));
    QCOMPARE(r.lenencString().size(), 0);
    QCOMPARE(r.lenencString().toByteArray(), QByteArray(300, 'x'));
    QVERIFY(r.ok());
    QCOMPARE(r.remaining(), 1);
    QCOMPARE(r.u8(), quint8('z'));
}

void tst_Wire::lenencStringTooLong_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::newRow("one byte short") << hex("03616263").left(3);
    QTest::newRow("3-byte length") << hex("fd000001") + "abc";
    QTest::newRow("2^64-1 length") << hex("feffffffffffffffff") + "abc";
    QTest::newRow("2^63 length") << hex("fe0000000000000080") + "abc";
}

void tst_Wire::lenencStringTooLong()
{
    QFETCH(QByteArray, bytes);
    const ExactBuffer buf(bytes);
    ByteReader r(buf.data(), buf.size());
    QVERIFY(r.lenencString().isEmpty());
    QVERIFY(!r.ok());
    QCOMPARE(r.remaining(), 0);
}

void tst_Wire::nulString()
{
    const QByteArray bytes("abc\0\0def\0", 9);
    const ExactBuffer buf(bytes);
    ByteReader r(buf.data(), buf.size());
    QCOMPARE(r.nulString().toByteArray(), QByteArray("abc"));
    QCOMPARE(r.position(), 4);
    QCOMPARE(r.nulString().size(), 0);
    QCOMPARE(r.nulString().toByteArray(), QByteArray("def"));
    QVERIFY(r.ok());
    QVERIFY(r.atEnd());
}

void tst_Wire::nulStringMissingNul()
{
    const ExactBuffer buf(QByteArray("abcdef"));
    ByteReader r(buf.data(), buf.size());
    QVERIFY(r.nulString().isEmpty());
    QVERIFY(!r.ok());
    QCOMPARE(r.remaining(), 0);

    const ExactBuffer empty(QByteArray{});
    ByteReader r2(empty.data(), empty.size());
    QVERIFY(r2.nulString().isEmpty());
    QVERIFY(!r2.ok());
}

void tst_Wire::nulStringOrRest()
{
    const ExactBuffer withNul(QByteArray("ab\0cd", 5));
    ByteReader r(withNul.data(), withNul.size());
    QCOMPARE(r.nulStringOrRest().toByteArray(), QByteArray("ab"));
    QCOMPARE(r.nulStringOrRest().toByteArray(), QByteArray("cd"));
    QVERIFY(r.ok());
    QVERIFY(r.atEnd());
}

void tst_Wire::bytesAndRest()
{
    const ExactBuffer buf(QByteArray("0123456789"));
    ByteReader r(buf.data(), buf.size());
    QCOMPARE(r.bytes(3).toByteArray(), QByteArray("012"));
    r.skip(2);
    QCOMPARE(r.rest().toByteArray(), QByteArray("56789"));
    QVERIFY(r.ok());
    QCOMPARE(r.rest().size(), 0);
    QVERIFY(r.ok());

    ByteReader over(buf.data(), buf.size());
    QVERIFY(over.bytes(11).isEmpty());
    QVERIFY(!over.ok());

    ByteReader negative(buf.data(), buf.size());
    QVERIFY(negative.bytes(-1).isEmpty());
    QVERIFY(!negative.ok());
}

void tst_Wire::peekAtEnd()
{
    const ExactBuffer buf(hex("7f"));
    ByteReader r(buf.data(), buf.size());
    QCOMPARE(r.peek(), quint8(0x7f));
    QCOMPARE(r.position(), 0);
    r.skip(1);
    QCOMPARE(r.peek(), quint8(0));
    QVERIFY(r.ok());
}

void tst_Wire::writerFixedAndStrings()
{
    QByteArray out;
    ByteWriter w(out);
    w.u8(0x01);
    w.u16(0x0203);
    w.u24(0x040506);
    w.u32(0x0708090a);
    w.u64(0x0b0c0d0e0f101112);
    w.nulString("hi");
    w.lenencString(QByteArray(251, 'q'));
    w.zeros(3);
    const QByteArray expected = hex("01" "0302" "060504" "0a090807" "1211100f0e0d0c0b") + QByteArray("hi\0", 3)
            + hex("fcfb00") + QByteArray(251, 'q') + QByteArray(3, '\0');
    QCOMPARE(out, expected);
}

void tst_Wire::emptyNullView()
{
    // A default QByteArrayView has a null data pointer; reading it must fail cleanly, without
    // handing nullptr to memchr (undefined even for length 0).
    ByteReader r{QByteArrayView()};
    QVERIFY(r.nulString().isEmpty());
    QVERIFY(!r.ok());
    ByteReader r2(nullptr, 0);
    QVERIFY(r2.nulStringOrRest().isEmpty());
    QCOMPARE(r2.u8(), quint8(0));
    QVERIFY(!r2.ok());
}

QTEST_APPLESS_MAIN(tst_Wire)
#include "tst_wire.moc"
