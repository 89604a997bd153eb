// SPDX-License-Identifier: MIT
// The argument list the variadic Connection::query(sql, a, b, ...) and Cursor::execute(sql, a,
// b, ...) build. Compiled with QT_NO_CAST_FROM_ASCII, as strict applications are.
#include <AsyncMySql/Arguments.h>
#include <AsyncMySql/Types.h>

#include <QtCore/QDate>
#include <QtTest/QTest>

using namespace AsyncMySql;

// The variadic overloads take values, and leave a single list or map to the list overloads.
static_assert(Arguments::isValuePack<int>());
static_assert(Arguments::isValuePack<const char (&)[4], QString, std::nullptr_t>());
static_assert(Arguments::isValuePack<QVariantList, int>()); // a list among values: IN %s
static_assert(Arguments::isValuePack<QVariant>());          // one QVariant, even holding a list
static_assert(!Arguments::isValuePack<>());
static_assert(!Arguments::isValuePack<QVariantList>());
static_assert(!Arguments::isValuePack<const QVariantList &>());
static_assert(!Arguments::isValuePack<QVariantMap &>());

class tst_Arguments : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void values()
    {
        const long big = 1L << 40;
        const unsigned short small = 7;
        const QVariantList list = Arguments::list(1, "text", nullptr, big, small, true, 2.5,
                                                  QStringLiteral("q"), QDate(2024, 5, 1), DateTime(2024, 5, 1, 12),
                                                  QVariantList{1, 2}, QVariant(3));
        QCOMPARE(list.size(), 12);
        QCOMPARE(list.at(0).metaType(), QMetaType::fromType<qint64>());
        QCOMPARE(list.at(1), QVariant(QStringLiteral("text")));
        QVERIFY(list.at(2).isNull());
        QCOMPARE(list.at(3), QVariant(qint64(big)));
        QCOMPARE(list.at(4).metaType(), QMetaType::fromType<quint64>());
        QCOMPARE(list.at(5), QVariant(true));
        QCOMPARE(list.at(6), QVariant(2.5));
        QCOMPARE(list.at(7), QVariant(QStringLiteral("q")));
        QCOMPARE(list.at(8), QVariant(QDate(2024, 5, 1)));
        QCOMPARE(list.at(9).value<DateTime>(), DateTime(2024, 5, 1, 12));
        QCOMPARE(list.at(10), QVariant(QVariantList{1, 2})); // one argument: a list, for IN %s
        QCOMPARE(list.at(11), QVariant(3));                   // a QVariant as it is
    }

    void utf8Text()
    {
        QCOMPARE(Arguments::list("gr\xc3\xbc\xc3\x9f").value(0), QVariant(QStringView(u"grüß").toString()));
    }
};

QTEST_GUILESS_MAIN(tst_Arguments)
#include "tst_arguments.moc"
