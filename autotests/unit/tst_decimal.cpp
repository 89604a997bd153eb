// SPDX-License-Identifier: MIT
// AsyncMySql::Decimal: what it accepts, that its text stays exact, its numbers, its order, and
// that a QVariant holding one still converts the way the QString DECIMAL used to.
#include <AsyncMySql/Decimal.h>

#include <QtCore/QRandomGenerator>
#include <QtCore/QSet>
#include <QtCore/QVariant>
#include <QtTest/QTest>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>

using namespace AsyncMySql;

namespace AsyncMySql {
// Found by QCOMPARE through ADL: failures then print the text.
char *toString(const Decimal &d) { return qstrdup(d.isNull() ? "(null)" : d.toByteArray().constData()); }
} // namespace AsyncMySql

namespace {

Decimal dec(const char *text)
{
    bool ok = false;
    const Decimal d = Decimal::fromString(text, &ok);
    if (!ok)
        qFatal("not a decimal: %s", text);
    return d;
}

// DECIMAL(65,30) at both ends of its range, and a value needing all 30 fraction digits.
const QByteArray Max65 = QByteArray(35, '9') + '.' + QByteArray(30, '9');
const QByteArray Min65 = '-' + Max65;
const QByteArray Tiny65 = "0." + QByteArray(29, '0') + '1';

//! The reference reader: strtod in the C locale (the test runs in it).
double strtodOf(const QByteArray &text)
{
    return std::strtod(text.constData(), nullptr);
}

} // namespace

class tst_Decimal : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void toDoubleIsFromChars();
    void fromStringKeepsText_data();
    void fromStringKeepsText();
    void fromStringRejects_data();
    void fromStringRejects();
    void fromStringViews();
    void nullDecimal();
    void copiesAndMoves_data();
    void copiesAndMoves();
    void toDouble_data();
    void toDouble();
    void toDoubleOutOfRange();
    void wholeNumbers();
    void scaleAndPrecision_data();
    void scaleAndPrecision();
    void compares_data();
    void compares();
    void comparesLikeIntegers();
    void hashAgreesWithEquality();
    void metaType();
    void variantConversions();
    void variantFromString();
    void variantEqualityAndOrder();
};

void tst_Decimal::fromStringKeepsText_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("zero") << QByteArray("0");
    QTest::newRow("minus zero") << QByteArray("-0.00");
    QTest::newRow("cents") << QByteArray("-12.50");
    QTest::newRow("leading zeros") << QByteArray("007.10");
    QTest::newRow("23 characters (inline)") << QByteArray("-1234567890.12345678901");
    QTest::newRow("24 characters (shared)") << QByteArray("-1234567890.123456789012");
    QTest::newRow("DECIMAL(65,30) max") << Max65;
    QTest::newRow("DECIMAL(65,30) min") << Min65;
    QTest::newRow("DECIMAL(65,30) tiny") << Tiny65;
    QTest::newRow("longer than MySQL's") << QByteArray(300, '1') + ".5";
}

void tst_Decimal::fromStringKeepsText()
{
    QFETCH(QByteArray, text);
    bool ok = false;
    const Decimal d = Decimal::fromString(text, &ok);
    QVERIFY(ok);
    QVERIFY(d.isValid());
    QVERIFY(!d.isNull());
    QCOMPARE(d.toByteArray(), text);
    QCOMPARE(d.view().toByteArray(), text);
    QCOMPARE(d.toString(), QString::fromLatin1(text));
    // The same from UTF-16.
    const Decimal wide = Decimal::fromString(QString::fromLatin1(text), &ok);
    QVERIFY(ok);
    QCOMPARE(wide.toByteArray(), text);
}

void tst_Decimal::fromStringRejects_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("empty") << QString();
    QTest::newRow("minus") << QStringLiteral("-");
    QTest::newRow("dot") << QStringLiteral(".");
    QTest::newRow("no fraction digits") << QStringLiteral("1.");
    QTest::newRow("no whole digits") << QStringLiteral(".5");
    QTest::newRow("minus dot") << QStringLiteral("-.5");
    QTest::newRow("plus") << QStringLiteral("+1");
    QTest::newRow("two minus") << QStringLiteral("--1");
    QTest::newRow("minus after") << QStringLiteral("1-");
    QTest::newRow("exponent") << QStringLiteral("1e5");
    QTest::newRow("two dots") << QStringLiteral("1.2.3");
    QTest::newRow("comma") << QStringLiteral("1,5");
    QTest::newRow("leading space") << QStringLiteral(" 1");
    QTest::newRow("trailing space") << QStringLiteral("1 ");
    QTest::newRow("hex") << QStringLiteral("0x10");
    QTest::newRow("nan") << QStringLiteral("nan");
    QTest::newRow("inf") << QStringLiteral("-inf");
    QTest::newRow("sql") << QStringLiteral("1; DROP TABLE t");
    QTest::newRow("quote") << QStringLiteral("1'");
    QTest::newRow("NUL") << QString::fromLatin1("1\0", 2);
    QTest::newRow("arabic-indic digit") << QStringLiteral("\u0661");
    // Its low byte is '1': the check must be on the character, not on what it narrows to.
    QTest::newRow("U+0131") << QStringLiteral("\u0131");
    QTest::newRow("fullwidth digit") << QStringLiteral("\uff11");
}

void tst_Decimal::fromStringRejects()
{
    QFETCH(QString, text);
    bool ok = true;
    const Decimal d = Decimal::fromString(text, &ok);
    QVERIFY(!ok);
    QVERIFY(d.isNull());
    // As bytes (UTF-8) too.
    ok = true;
    QVERIFY(Decimal::fromString(text.toUtf8(), &ok).isNull());
    QVERIFY(!ok);
    QVERIFY(Decimal::fromString(text).isNull()); // ok may be left out
}

void tst_Decimal::fromStringViews()
{
    // Every kind of text Qt has: QString, UTF-16 literal, UTF-8 bytes, Latin-1, a byte view.
    QCOMPARE(Decimal::fromString(QStringLiteral("1.25")).toString(), QStringLiteral("1.25"));
    QCOMPARE(Decimal::fromString(u"1.25").toString(), QStringLiteral("1.25"));
    QCOMPARE(Decimal::fromString(QByteArray("1.25")).toString(), QStringLiteral("1.25"));
    QCOMPARE(Decimal::fromString(QLatin1String("1.25")).toString(), QStringLiteral("1.25"));
    const char row[] = "9.99|rest";
    QCOMPARE(Decimal::fromString(QByteArrayView(row, 4)).toString(), QStringLiteral("9.99"));
}

void tst_Decimal::nullDecimal()
{
    const Decimal d;
    QVERIFY(d.isNull());
    QVERIFY(!d.isValid());
    QVERIFY(d.toString().isNull());
    QVERIFY(d.toByteArray().isEmpty());
    QVERIFY(d.view().isEmpty());
    bool ok = true;
    QCOMPARE(d.toDouble(&ok), 0.0);
    QVERIFY(!ok);
    ok = true;
    QCOMPARE(d.toLongLong(&ok), qint64(0));
    QVERIFY(!ok);
    QCOMPARE(d.scale(), 0);
    QCOMPARE(d.precision(), 0);
}

void tst_Decimal::copiesAndMoves_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("inline") << QByteArray("-12.50");
    QTest::newRow("shared") << Max65;
}

void tst_Decimal::copiesAndMoves()
{
    // Under ASan: a miscounted shared block is a use after free, a double free or a leak.
    QFETCH(QByteArray, text);
    std::optional<Decimal> original(dec(text.constData()));
    Decimal copy(*original);
    Decimal assigned;
    assigned = *original;
    original.reset(); // the copies outlive it
    QCOMPARE(copy.toByteArray(), text);
    QCOMPARE(assigned.toByteArray(), text);

    Decimal moved(std::move(copy));
    QVERIFY(copy.isNull()); // NOLINT(bugprone-use-after-move): moved-from is null, by contract
    QCOMPARE(moved.toByteArray(), text);
    Decimal other = dec("1");
    other = std::move(moved);
    QCOMPARE(other.toByteArray(), text);

    Decimal &alias = other;
    other = alias; // self-assignment
    QCOMPARE(other.toByteArray(), text);
    Decimal small = dec("2");
    small.swap(other);
    QCOMPARE(small.toByteArray(), text);
    QCOMPARE(other.toByteArray(), QByteArray("2"));
    other = small; // a shared or inline value over an inline one
    small = Decimal();
    QCOMPARE(other.toByteArray(), text);

    QList<Decimal> list;
    for (int i = 0; i < 100; ++i)
        list.append(other); // relocated as the list grows
    QCOMPARE(list.last().toByteArray(), text);
}

void tst_Decimal::toDouble_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("1.5") << QByteArray("1.5");
    QTest::newRow("0.1") << QByteArray("0.1");
    QTest::newRow("-0.10") << QByteArray("-0.10");
    QTest::newRow("cents") << QByteArray("12345.67");
    QTest::newRow("2^53 + 1") << QByteArray("9007199254740993");
    QTest::newRow("DECIMAL(65,30) max") << Max65;
    QTest::newRow("DECIMAL(65,30) min") << Min65;
    QTest::newRow("DECIMAL(65,30) tiny") << Tiny65;
    QTest::newRow("65 nines") << QByteArray(65, '9');
    QTest::newRow("-1e-38") << "-0." + QByteArray(37, '0') + '1';
    QTest::newRow("halfway") << QByteArray("0.3000000000000000166533453693773481063544750213623046875");
    QTest::newRow("leading zeros") << QByteArray("000123.4500");
}

void tst_Decimal::toDouble()
{
    QFETCH(QByteArray, text);
    bool ok = false;
    const double d = dec(text.constData()).toDouble(&ok);
    QVERIFY(ok);
    const double expected = strtodOf(text);
    QCOMPARE(d, expected); // QCOMPARE on doubles is fuzzy: the bits must match too
    QCOMPARE(std::memcmp(&d, &expected, sizeof d), 0);
    QVERIFY(std::isfinite(d));
}

void tst_Decimal::toDoubleOutOfRange()
{
    bool ok = true;
    QCOMPARE(dec("-0.00").toDouble(&ok), 0.0);
    QVERIFY(ok);
    QVERIFY(std::signbit(dec("-0.00").toDouble()));

    const QByteArray huge = '1' + QByteArray(400, '0');
    QCOMPARE(dec(huge.constData()).toDouble(&ok), std::numeric_limits<double>::infinity());
    QVERIFY(!ok);
    QCOMPARE(dec(('-' + huge).constData()).toDouble(&ok), -std::numeric_limits<double>::infinity());
    QVERIFY(!ok);
    ok = true;
    const QByteArray tiny = "0." + QByteArray(400, '0') + '1';
    QCOMPARE(dec(tiny.constData()).toDouble(&ok), 0.0);
    QVERIFY(!ok);
    // Denormals are in range.
    const QByteArray denormal = "0." + QByteArray(310, '0') + '5';
    QCOMPARE(dec(denormal.constData()).toDouble(&ok), strtodOf(denormal));
    QVERIFY(ok);
}

void tst_Decimal::wholeNumbers()
{
    bool ok = false;
    QCOMPARE(dec("12").toLongLong(&ok), qint64(12));
    QVERIFY(ok);
    QCOMPARE(dec("-12.000").toLongLong(&ok), qint64(-12));
    QVERIFY(ok);
    QCOMPARE(dec("-9223372036854775808").toLongLong(&ok), std::numeric_limits<qint64>::min());
    QVERIFY(ok);
    QCOMPARE(dec("-0.0").toLongLong(&ok), qint64(0));
    QVERIFY(ok);
    QCOMPARE(dec("12.5").toLongLong(&ok), qint64(0));
    QVERIFY(!ok);
    ok = true;
    QCOMPARE(dec("12.01").toLongLong(&ok), qint64(0));
    QVERIFY(!ok);
    ok = true;
    QCOMPARE(dec("9223372036854775808").toLongLong(&ok), qint64(0));
    QVERIFY(!ok);

    QCOMPARE(dec("18446744073709551615.00").toULongLong(&ok), std::numeric_limits<quint64>::max());
    QVERIFY(ok);
    QCOMPARE(dec("-0.00").toULongLong(&ok), quint64(0));
    QVERIFY(ok);
    QCOMPARE(dec("-1").toULongLong(&ok), quint64(0));
    QVERIFY(!ok);
    ok = true;
    QCOMPARE(dec("18446744073709551616").toULongLong(&ok), quint64(0));
    QVERIFY(!ok);

    QCOMPARE(dec("-2147483648").toInt(&ok), std::numeric_limits<int>::min());
    QVERIFY(ok);
    QCOMPARE(dec("2147483648").toInt(&ok), 0);
    QVERIFY(!ok);
    QCOMPARE(dec("7.00").toInt(), 7);
}

void tst_Decimal::scaleAndPrecision_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("scale");
    QTest::addColumn<int>("precision");
    QTest::newRow("-12.50") << QByteArray("-12.50") << 2 << 4;
    QTest::newRow("0.05") << QByteArray("0.05") << 2 << 2;
    QTest::newRow("0") << QByteArray("0") << 0 << 1;
    QTest::newRow("-0.00") << QByteArray("-0.00") << 2 << 2;
    QTest::newRow("123") << QByteArray("123") << 0 << 3;
    QTest::newRow("007.5") << QByteArray("007.5") << 1 << 2;
    QTest::newRow("DECIMAL(65,30)") << Max65 << 30 << 65;
    QTest::newRow("DECIMAL(30,30)") << Tiny65 << 30 << 30;
}

void tst_Decimal::scaleAndPrecision()
{
    QFETCH(QByteArray, text);
    QFETCH(int, scale);
    QFETCH(int, precision);
    const Decimal d = dec(text.constData());
    QCOMPARE(d.scale(), scale);
    QCOMPARE(d.precision(), precision);
}

void tst_Decimal::compares_data()
{
    QTest::addColumn<QByteArray>("a");
    QTest::addColumn<QByteArray>("b");
    QTest::addColumn<int>("order"); // of a against b
    QTest::newRow("1.50 = 1.5") << QByteArray("1.50") << QByteArray("1.5") << 0;
    QTest::newRow("1 = 1.000") << QByteArray("1") << QByteArray("1.000") << 0;
    QTest::newRow("007 = 7") << QByteArray("007") << QByteArray("7") << 0;
    QTest::newRow("-0 = 0.00") << QByteArray("-0") << QByteArray("0.00") << 0;
    QTest::newRow("-0.00 = 000") << QByteArray("-0.00") << QByteArray("000") << 0;
    QTest::newRow("2 < 10") << QByteArray("2") << QByteArray("10") << -1;
    QTest::newRow("9.99 < 10") << QByteArray("9.99") << QByteArray("10") << -1;
    QTest::newRow("0.5 < 0.51") << QByteArray("0.5") << QByteArray("0.51") << -1;
    QTest::newRow("0.6 > 0.51") << QByteArray("0.6") << QByteArray("0.51") << 1;
    QTest::newRow("0.1 > 0.09999") << QByteArray("0.1") << QByteArray("0.09999") << 1;
    QTest::newRow("-1 < 1") << QByteArray("-1") << QByteArray("1") << -1;
    QTest::newRow("-2 > -10") << QByteArray("-2") << QByteArray("-10") << 1;
    QTest::newRow("-0.5 < 0") << QByteArray("-0.5") << QByteArray("0") << -1;
    QTest::newRow("0 > -0.5") << QByteArray("0") << QByteArray("-0.5") << 1;
    QTest::newRow("-0.001 < -0.0001") << QByteArray("-0.001") << QByteArray("-0.0001") << -1;
    QTest::newRow("max > max - tiny") << Max65 << QByteArray(35, '9') + '.' + QByteArray(29, '9') + '8' << 1;
    QTest::newRow("min < max") << Min65 << Max65 << -1;
    QTest::newRow("tiny > 0") << Tiny65 << QByteArray("0.000") << 1;
    // Beyond a double's precision: the difference is in the 66th digit.
    QTest::newRow("exact beyond double") << QByteArray("1.00000000000000000000000000000000000000000000000000000000000000001")
                                         << QByteArray("1") << 1;
}

void tst_Decimal::compares()
{
    QFETCH(QByteArray, a);
    QFETCH(QByteArray, b);
    QFETCH(int, order);
    const Decimal x = dec(a.constData());
    const Decimal y = dec(b.constData());
    QCOMPARE(x == y, order == 0);
    QCOMPARE(x != y, order != 0);
    QCOMPARE(x < y, order < 0);
    QCOMPARE(x <= y, order <= 0);
    QCOMPARE(x > y, order > 0);
    QCOMPARE(x >= y, order >= 0);
    // And the other way round.
    QCOMPARE(y < x, order > 0);
    QCOMPARE(y > x, order < 0);
    QCOMPARE(y == x, order == 0);
    // The null Decimal: equal only to itself, below every number.
    QVERIFY(Decimal() == Decimal());
    QVERIFY(Decimal() != x);
    QVERIFY(Decimal() < x);
    QVERIFY(x > Decimal());
}

void tst_Decimal::comparesLikeIntegers()
{
    // Random values at random scales against exact integer arithmetic: a*10^-s against b*10^-t
    // compares as a*10^t against b*10^s.
    QRandomGenerator gen(13);
    for (int i = 0; i < 20000; ++i) {
        const qint64 a = qint64(gen.generate64() >> gen.bounded(1, 64)) * (gen.bounded(2) ? 1 : -1);
        const qint64 b = gen.bounded(8) == 0 ? a : qint64(gen.generate64() >> gen.bounded(1, 64)) * (gen.bounded(2) ? 1 : -1);
        const int s = gen.bounded(0, 19), t = gen.bounded(0, 19);
        auto text = [](qint64 v, int scale) {
            QByteArray digits = QByteArray::number(v < 0 ? -(v + 1) + 1ull : quint64(v));
            if (digits.size() <= scale)
                digits.prepend(QByteArray(scale - digits.size() + 1, '0'));
            if (scale)
                digits.insert(digits.size() - scale, '.');
            return (v < 0 ? QByteArray("-") : QByteArray()) + digits;
        };
        __int128 pa = a, pb = b;
        for (int k = 0; k < t; ++k)
            pa *= 10;
        for (int k = 0; k < s; ++k)
            pb *= 10;
        const int expected = pa < pb ? -1 : pa > pb ? 1 : 0;
        const QByteArray ta = text(a, s), tb = text(b, t);
        const Decimal x = dec(ta.constData()), y = dec(tb.constData());
        const int got = x < y ? -1 : x > y ? 1 : 0;
        if (got != expected || (x == y) != (expected == 0))
            QFAIL(qPrintable(QStringLiteral("%1 against %2: got %3, expected %4")
                                     .arg(QString::fromLatin1(ta), QString::fromLatin1(tb)).arg(got).arg(expected)));
        if (expected == 0 && qHash(x, 7) != qHash(y, 7))
            QFAIL(qPrintable(QStringLiteral("%1 and %2 hash apart").arg(QString::fromLatin1(ta), QString::fromLatin1(tb))));
    }
}

void tst_Decimal::hashAgreesWithEquality()
{
    QCOMPARE(qHash(dec("1.50")), qHash(dec("1.5")));
    QCOMPARE(qHash(dec("-0.00")), qHash(dec("0")));
    QCOMPARE(qHash(dec("007.000"), 42), qHash(dec("7"), 42));
    QVERIFY(qHash(dec("1.5")) != qHash(dec("-1.5")));
    QVERIFY(qHash(dec("15")) != qHash(dec("1.5")));
    const QSet<Decimal> set{dec("1.50"), dec("1.5"), dec("1.500"), dec("2"), Decimal(), Decimal()};
    QCOMPARE(set.size(), 3);
    QVERIFY(set.contains(dec("2.0")));
}

void tst_Decimal::metaType()
{
    const QMetaType type = QMetaType::fromType<Decimal>();
    QCOMPARE(QByteArray(type.name()), QByteArray("AsyncMySql::Decimal"));
    QCOMPARE(QMetaType::fromName("AsyncMySql::Decimal"), type);
    QVERIFY(type.flags() & QMetaType::RelocatableType);
    // Held inside the QVariant, without an allocation of its own.
    const QVariant v = QVariant::fromValue(dec("12.50"));
    const char *data = static_cast<const char *>(v.constData());
    QVERIFY(data >= reinterpret_cast<const char *>(&v) && data < reinterpret_cast<const char *>(&v) + sizeof(v));
    QCOMPARE(sizeof(Decimal), 3 * sizeof(void *));
}

void tst_Decimal::variantConversions()
{
    // What user code written for the QString DECIMAL used to be calls on the QVariant.
    const QVariant cents = QVariant::fromValue(dec("-12.50"));
    QCOMPARE(cents.typeId(), qMetaTypeId<Decimal>());
    QVERIFY(cents.canConvert<QString>());
    QVERIFY(cents.canConvert<double>());
    QCOMPARE(cents.toString(), QStringLiteral("-12.50"));
    QCOMPARE(cents.toByteArray(), QByteArray("-12.50"));
    bool ok = false;
    QCOMPARE(cents.toDouble(&ok), -12.5);
    QVERIFY(ok);
    QCOMPARE(cents.value<double>(), -12.5);
    cents.toLongLong(&ok);
    QVERIFY(!ok); // not a whole number, as QString("-12.50").toLongLong() said
    QCOMPARE(cents.value<Decimal>(), dec("-12.5"));

    const QVariant whole = QVariant::fromValue(dec("42.00"));
    QCOMPARE(whole.toLongLong(&ok), qint64(42));
    QVERIFY(ok);
    QCOMPARE(whole.toInt(&ok), 42);
    QVERIFY(ok);
    QCOMPARE(whole.toULongLong(&ok), quint64(42));
    QVERIFY(ok);

    QVERIFY(cents.toBool());
    QVERIFY(!QVariant::fromValue(dec("-0.00")).toBool()); // SQL's truth: not zero
    QVERIFY(QVariant::fromValue(dec("0.01")).toBool());
    // Documented: a QVariant of the same text as a QString is another type, not equal.
    QVERIFY(cents != QVariant(QStringLiteral("-12.50")));

    const QVariant big = QVariant::fromValue(dec(Max65.constData()));
    QCOMPARE(big.toString(), QString::fromLatin1(Max65));
    QCOMPARE(big.toDouble(), 1e35);

    // The QVariant keeps its own copy (shared text): the original may go.
    QVariant kept;
    {
        const Decimal d = dec(Min65.constData());
        kept = QVariant::fromValue(d);
    }
    QVariant copy = kept;
    kept = QVariant();
    QCOMPARE(copy.toString(), QString::fromLatin1(Min65));
}

void tst_Decimal::variantFromString()
{
    const QVariant text(QStringLiteral("1.25"));
    QVERIFY(text.canConvert<Decimal>());
    QCOMPARE(text.value<Decimal>(), dec("1.25"));
    QCOMPARE(text.value<Decimal>().toString(), QStringLiteral("1.25"));
    QVERIFY(QVariant(QStringLiteral("1,25")).value<Decimal>().isNull()); // not a decimal: null
}

void tst_Decimal::variantEqualityAndOrder()
{
    const QVariant a = QVariant::fromValue(dec("1.50"));
    const QVariant b = QVariant::fromValue(dec("1.5"));
    const QVariant c = QVariant::fromValue(dec("10"));
    QCOMPARE(a, b); // QMetaType equality uses operator==: numeric
    QVERIFY(a != c);
    QCOMPARE(QVariant::compare(a, c), QPartialOrdering::Less);
    QCOMPARE(QVariant::compare(c, b), QPartialOrdering::Greater);
    // The text still tells them apart.
    QVERIFY(a.toString() != b.toString());
}

void tst_Decimal::toDoubleIsFromChars()
{
    // Up to 15 digits toDouble() divides exact doubles (Clinger's fast path), beyond it calls
    // from_chars: both must give the correctly rounded double from_chars gives, bit for bit,
    // and Row::toDouble() of a DECIMAL cell the same.
    QList<QByteArray> inputs = {"0", "-0", "0.00", "-0.00", "1", "-1", "0.1", "0.3", "123456789012345", "1234567890123456",
                                "99999999999999.9", "999999999999999.9", "0.000000000000001", "-9007199254740993",
                                "9007199254740993.5", "1.7976931348623157", "12345678901234567890.123456789"};
    QRandomGenerator random(7);
    for (int i = 0; i < 5000; ++i) {
        QByteArray s = random.bounded(4) == 0 ? "-" : "";
        const int whole = int(random.bounded(1, 19));
        const int fraction = int(random.bounded(0, 8));
        for (int d = 0; d < whole; ++d)
            s.append(char('0' + random.bounded(10)));
        if (fraction) {
            s.append('.');
            for (int d = 0; d < fraction; ++d)
                s.append(char('0' + random.bounded(10)));
        }
        inputs.append(s);
    }
    for (const QByteArray &in : std::as_const(inputs)) {
        bool valid = false;
        const Decimal d = Decimal::fromString(in, &valid);
        QVERIFY2(valid, in.constData());
        double expected = 0;
        QVERIFY(std::from_chars(in.constData(), in.constData() + in.size(), expected).ec == std::errc());
        bool ok = false;
        const double got = d.toDouble(&ok);
        QVERIFY(ok);
        QVERIFY2(std::memcmp(&got, &expected, sizeof got) == 0, in.constData());
    }
}

QTEST_APPLESS_MAIN(tst_Decimal)
#include "tst_decimal.moc"
