// SPDX-License-Identifier: MIT
#include <AsyncMySql/Types.h>

#include <QtTest/QTest>

using namespace AsyncMySql;

namespace AsyncMySql {
// Found by QCOMPARE through ADL: failures then print the values, not just "not the same".
char *toString(const DateTime &dt) { return qstrdup(qPrintable(dt.toString())); }
} // namespace AsyncMySql

namespace {
constexpr qint64 Second = 1000000;
constexpr qint64 Hour = 3600 * Second;
} // namespace

class tst_Types : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void dateTimeFromString_data();
    void dateTimeFromString();
    void dateTimeRejects_data();
    void dateTimeRejects();
    void dateTimeRoundTrip_data();
    void dateTimeRoundTrip();
    void dateTimeZeroAndValid();
    void dateTimeToQDateTime();
    void dateTimeFromQDateTime();
    void durationFromString_data();
    void durationFromString();
    void durationRejects_data();
    void durationRejects();
    void durationRoundTrip_data();
    void durationRoundTrip();
    void durationParts();
    void durationToQTime();
    void durationFromQTime();
    void metaTypeNames();
    void variantConversionsDateTime();
    void variantConversionsDuration();
    void variantConversionsFromQt();
};

void tst_Types::dateTimeFromString_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<DateTime>("expected");
    QTest::newRow("seconds") << QStringLiteral("2024-01-02 03:04:05") << DateTime(2024, 1, 2, 3, 4, 5);
    QTest::newRow("micro") << QStringLiteral("2024-01-02 03:04:05.123456") << DateTime(2024, 1, 2, 3, 4, 5, 123456);
    QTest::newRow("one digit fraction") << QStringLiteral("2024-01-02 03:04:05.5") << DateTime(2024, 1, 2, 3, 4, 5, 500000);
    QTest::newRow("ISO T") << QStringLiteral("2024-01-02T03:04:05") << DateTime(2024, 1, 2, 3, 4, 5);
    QTest::newRow("date only") << QStringLiteral("2024-01-02") << DateTime(2024, 1, 2);
    QTest::newRow("zero") << QStringLiteral("0000-00-00 00:00:00") << DateTime();
}

void tst_Types::dateTimeFromString()
{
    QFETCH(QString, text);
    QFETCH(DateTime, expected);
    bool ok = false;
    const DateTime dt = DateTime::fromString(text, &ok);
    QVERIFY(ok);
    QCOMPARE(dt, expected);
}

void tst_Types::dateTimeRejects_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("empty") << QString();
    QTest::newRow("short fields") << QStringLiteral("2024-1-2");
    QTest::newRow("no seconds") << QStringLiteral("2024-01-02 03:04");
    QTest::newRow("7 fraction digits") << QStringLiteral("2024-01-02 03:04:05.1234567");
    QTest::newRow("empty fraction") << QStringLiteral("2024-01-02 03:04:05.");
    QTest::newRow("letters") << QStringLiteral("2024-0a-02");
    QTest::newRow("slash") << QStringLiteral("2024/01/02");
    QTest::newRow("trailing") << QStringLiteral("2024-01-02 03:04:05Z");
}

void tst_Types::dateTimeRejects()
{
    QFETCH(QString, text);
    bool ok = true;
    const DateTime dt = DateTime::fromString(text, &ok);
    QVERIFY(!ok);
    QVERIFY(dt.isZero());
}

void tst_Types::dateTimeRoundTrip_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("plain") << QStringLiteral("2024-01-02 03:04:05");
    QTest::newRow("1 us") << QStringLiteral("2024-01-02 03:04:05.000001");
    QTest::newRow("max") << QStringLiteral("9999-12-31 23:59:59.999999");
    QTest::newRow("zero") << QStringLiteral("0000-00-00 00:00:00");
    QTest::newRow("zero day") << QStringLiteral("2024-02-00 00:00:00"); // allowed without NO_ZERO_IN_DATE
    QTest::newRow("invalid day") << QStringLiteral("2023-02-30 12:00:00"); // ALLOW_INVALID_DATES
}

void tst_Types::dateTimeRoundTrip()
{
    QFETCH(QString, text);
    bool ok = false;
    QCOMPARE(DateTime::fromString(text, &ok).toString(), text);
    QVERIFY(ok);
}

void tst_Types::dateTimeZeroAndValid()
{
    QVERIFY(DateTime().isZero());
    QVERIFY(!DateTime().isValid());
    QVERIFY(DateTime(0, 0, 0).isZero());
    QVERIFY(!DateTime(0, 0, 0, 0, 0, 0, 1).isZero());
    QVERIFY(!DateTime(2024, 1, 1).isZero());
    QVERIFY(DateTime(2024, 2, 29, 23, 59, 59, 999999).isValid());
    QVERIFY(!DateTime(2023, 2, 29).isValid());
    QVERIFY(!DateTime(2024, 1, 1, 24).isValid());
    QVERIFY(!DateTime(2024, 1, 1, 0, 60).isValid());
    QVERIFY(!DateTime(2024, 1, 1, 0, 0, 60).isValid());
    QVERIFY(!DateTime(2024, 1, 1, 0, 0, 0, 1000000).isValid());
    QCOMPARE(DateTime(2024, 1, 1).toString(), QStringLiteral("2024-01-01 00:00:00"));
    QVERIFY(DateTime(2024, 1, 1) != DateTime(2024, 1, 1, 0, 0, 0, 1));
}

void tst_Types::dateTimeToQDateTime()
{
    const DateTime dt(2024, 1, 2, 3, 4, 5, 123456);
    const QDateTime q = dt.toQDateTime();
    QVERIFY(q.isValid());
    QCOMPARE(q.date(), QDate(2024, 1, 2));
    QCOMPARE(q.time(), QTime(3, 4, 5, 123)); // microseconds truncated, not rounded
    QCOMPARE(q.timeSpec(), Qt::LocalTime);
    QCOMPARE(dt.date(), QDate(2024, 1, 2));
    QCOMPARE(dt.time(), QTime(3, 4, 5, 123));
    QVERIFY(!DateTime().toQDateTime().isValid());
    QVERIFY(!DateTime(2023, 2, 30).toQDateTime().isValid());
}

void tst_Types::dateTimeFromQDateTime()
{
    const DateTime dt = DateTime::fromQDateTime(QDateTime(QDate(2024, 1, 2), QTime(3, 4, 5, 6)));
    QCOMPARE(dt, DateTime(2024, 1, 2, 3, 4, 5, 6000));
    // Fields are taken as they are: a UTC QDateTime is not converted to local time.
    const DateTime utc = DateTime::fromQDateTime(QDateTime(QDate(2024, 6, 1), QTime(12, 0), Qt::UTC));
    QCOMPARE(utc, DateTime(2024, 6, 1, 12));
    QVERIFY(DateTime::fromQDateTime(QDateTime()).isZero());
}

void tst_Types::durationFromString_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("us");
    QTest::newRow("zero") << QStringLiteral("00:00:00") << qint64(0);
    QTest::newRow("plain") << QStringLiteral("12:34:56") << (12 * Hour + (34 * 60 + 56) * Second);
    QTest::newRow("one hour digit") << QStringLiteral("1:00:00") << Hour;
    QTest::newRow("max") << QStringLiteral("838:59:59") << (838 * Hour + 3599 * Second);
    QTest::newRow("min") << QStringLiteral("-838:59:59.000000") << -(838 * Hour + 3599 * Second);
    QTest::newRow("fraction") << QStringLiteral("00:00:00.5") << qint64(500000);
    QTest::newRow("negative fraction") << QStringLiteral("-00:00:01.000001") << qint64(-1000001);
}

void tst_Types::durationFromString()
{
    QFETCH(QString, text);
    QFETCH(qint64, us);
    bool ok = false;
    QCOMPARE(Duration::fromString(text, &ok).totalMicroseconds(), us);
    QVERIFY(ok);
}

void tst_Types::durationRejects_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("empty") << QString();
    QTest::newRow("minus only") << QStringLiteral("-");
    QTest::newRow("minutes 60") << QStringLiteral("12:60:00");
    QTest::newRow("seconds 60") << QStringLiteral("12:00:60");
    QTest::newRow("short fields") << QStringLiteral("1:2:3");
    QTest::newRow("letters") << QStringLiteral("ab:cd:ef");
    QTest::newRow("7 fraction digits") << QStringLiteral("00:00:00.1234567");
    QTest::newRow("no colon") << QStringLiteral("123456");
}

void tst_Types::durationRejects()
{
    QFETCH(QString, text);
    bool ok = true;
    const Duration d = Duration::fromString(text, &ok);
    QVERIFY(!ok);
    QCOMPARE(d.totalMicroseconds(), qint64(0));
}

void tst_Types::durationRoundTrip_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("zero") << QStringLiteral("00:00:00");
    QTest::newRow("min") << QStringLiteral("-838:59:59");
    QTest::newRow("max us") << QStringLiteral("838:59:59.999999");
    QTest::newRow("minus half") << QStringLiteral("-00:00:00.500000");
    QTest::newRow("day+") << QStringLiteral("100:00:00.000001");
}

void tst_Types::durationRoundTrip()
{
    QFETCH(QString, text);
    bool ok = false;
    QCOMPARE(Duration::fromString(text, &ok).toString(), text);
    QVERIFY(ok);
}

void tst_Types::durationParts()
{
    const Duration d = Duration::fromParts(true, 1, 2, 3, 4);
    QCOMPARE(d.totalMicroseconds(), -(Hour + 123 * Second + 4));
    QVERIFY(d.isNegative());
    QCOMPARE(d.hours(), 1);
    QCOMPARE(d.minutes(), 2);
    QCOMPARE(d.seconds(), 3);
    QCOMPARE(d.microseconds(), 4);
    QCOMPARE(d.toString(), QStringLiteral("-01:02:03.000004"));
    QCOMPARE(Duration::fromParts(false, 838, 59, 59).hours(), 838);
    QVERIFY(Duration(5) != Duration(-5));
}

void tst_Types::durationToQTime()
{
    QCOMPARE(Duration(13 * Hour + 14 * 60 * Second + 15 * Second + 16999).toQTime(), QTime(13, 14, 15, 16));
    QCOMPARE(Duration(0).toQTime(), QTime(0, 0));
    QCOMPARE(Duration(24 * Hour - 1).toQTime(), QTime(23, 59, 59, 999));
    QVERIFY(!Duration(24 * Hour).toQTime().isValid());
    QVERIFY(!Duration(-1).toQTime().isValid());
}

void tst_Types::durationFromQTime()
{
    QCOMPARE(Duration::fromQTime(QTime(1, 2, 3, 4)).totalMicroseconds(), Hour + 123 * Second + 4000);
    QCOMPARE(Duration::fromQTime(QTime()).totalMicroseconds(), qint64(0));
}

void tst_Types::metaTypeNames()
{
    QCOMPARE(QByteArray(QMetaType::fromType<DateTime>().name()), QByteArray("AsyncMySql::DateTime"));
    QCOMPARE(QByteArray(QMetaType::fromType<Duration>().name()), QByteArray("AsyncMySql::Duration"));
}

void tst_Types::variantConversionsDateTime()
{
    const QVariant v = QVariant::fromValue(DateTime(2024, 1, 2, 3, 4, 5, 6000));
    QVERIFY(v.canConvert<QDateTime>());
    QCOMPARE(v.toDateTime(), QDateTime(QDate(2024, 1, 2), QTime(3, 4, 5, 6)));
    QCOMPARE(v.toDate(), QDate(2024, 1, 2));
    QCOMPARE(v.toString(), QStringLiteral("2024-01-02 03:04:05.006000"));
    const QVariant zero = QVariant::fromValue(DateTime());
    QCOMPARE(zero.toString(), QStringLiteral("0000-00-00 00:00:00"));
    QVERIFY(!zero.toDateTime().isValid());
}

void tst_Types::variantConversionsDuration()
{
    const QVariant v = QVariant::fromValue(Duration::fromParts(false, 13, 14, 15, 16000));
    QCOMPARE(v.toString(), QStringLiteral("13:14:15.016000"));
    QCOMPARE(v.toTime(), QTime(13, 14, 15, 16));
    QCOMPARE(v.toLongLong(), 13 * Hour + (14 * 60 + 15) * Second + 16000);
    const QVariant big = QVariant::fromValue(Duration::fromParts(true, 838, 59, 59));
    QCOMPARE(big.toString(), QStringLiteral("-838:59:59"));
    QVERIFY(!big.toTime().isValid());
}

void tst_Types::variantConversionsFromQt()
{
    const QVariant dt(QDateTime(QDate(2024, 1, 2), QTime(3, 4, 5, 6)));
    QVERIFY(dt.canConvert<DateTime>());
    QCOMPARE(dt.value<DateTime>(), DateTime(2024, 1, 2, 3, 4, 5, 6000));
    const QVariant t(QTime(1, 2, 3, 4));
    QCOMPARE(t.value<Duration>().totalMicroseconds(), Hour + 123 * Second + 4000);
}

QTEST_APPLESS_MAIN(tst_Types)
#include "tst_types.moc"
