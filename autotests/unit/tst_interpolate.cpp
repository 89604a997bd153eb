// SPDX-License-Identifier: MIT
#include "client/interpolate_p.h"

#include <QtTest/QTest>

using namespace AsyncMySql;

namespace {

struct Result
{
    bool ok = false;
    QByteArray sql;
    ErrorInfo error;
};

template<typename Args>
Result run(const QString &sql, const Args &args, bool noBackslashEscapes = false)
{
    Result r;
    SqlWriter w(TextEncoding::Utf8, noBackslashEscapes);
    r.ok = interpolate(w, sql, args, r.error);
    r.sql = w.take();
    return r;
}

} // namespace

class tst_Interpolate : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void positional_data();
    void positional();
    void positionalErrors_data();
    void positionalErrors();
    void emptyArgsLeaveSqlUnchanged_data();
    void emptyArgsLeaveSqlUnchanged();
    void named_data();
    void named();
    void namedErrors_data();
    void namedErrors();
    void valueErrorStopsInterpolation();
    void noBackslashEscapesMode();
};

void tst_Interpolate::positional_data()
{
    QTest::addColumn<QString>("sql");
    QTest::addColumn<QVariantList>("args");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("two") << QStringLiteral("SELECT %s, %s") << QVariantList{1, QStringLiteral("x")}
                         << QByteArray("SELECT 1, 'x'");
    QTest::newRow("adjacent") << QStringLiteral("%s%s") << QVariantList{1, 2} << QByteArray("12");
    QTest::newRow("at both ends") << QStringLiteral("%s + %s") << QVariantList{QVariant(), true}
                                  << QByteArray("NULL + 1");
    QTest::newRow("literal percent") << QStringLiteral("SELECT '%%', %s LIKE 'a%%'") << QVariantList{5}
                                     << QByteArray("SELECT '%', 5 LIKE 'a%'");
    QTest::newRow("double percent then s") << QStringLiteral("SELECT '%%s', %s") << QVariantList{7}
                                           << QByteArray("SELECT '%s', 7");
    QTest::newRow("IN list") << QStringLiteral("SELECT * FROM t WHERE id IN %s")
                             << QVariantList{QVariant(QVariantList{1, 2, 3})}
                             << QByteArray("SELECT * FROM t WHERE id IN (1, 2, 3)");
    QTest::newRow("arg containing %s") << QStringLiteral("SELECT %s, %s")
                                       << QVariantList{QStringLiteral("%s"), 2} << QByteArray("SELECT '%s', 2");
    QTest::newRow("unicode sql") << QStringLiteral("SELECT '\u00e9', %s") << QVariantList{QStringLiteral("\u00fc")}
                                 << QByteArray("SELECT '\xc3\xa9', '\xc3\xbc'");
}

void tst_Interpolate::positional()
{
    QFETCH(QString, sql);
    QFETCH(QVariantList, args);
    QFETCH(QByteArray, expected);
    const Result r = run(sql, args);
    QVERIFY2(r.ok, qPrintable(r.error.message));
    QCOMPARE(r.sql, expected);
}

void tst_Interpolate::positionalErrors_data()
{
    QTest::addColumn<QString>("sql");
    QTest::addColumn<QVariantList>("args");

    QTest::newRow("too few") << QStringLiteral("SELECT %s, %s") << QVariantList{1};
    QTest::newRow("too many") << QStringLiteral("SELECT %s") << QVariantList{1, 2};
    QTest::newRow("none used") << QStringLiteral("SELECT 1") << QVariantList{1};
    QTest::newRow("%d") << QStringLiteral("SELECT %d") << QVariantList{1};
    QTest::newRow("%(name)s with a list") << QStringLiteral("SELECT %(a)s") << QVariantList{1};
    QTest::newRow("trailing %") << QStringLiteral("SELECT %s %") << QVariantList{1};
    QTest::newRow("lone % in LIKE") << QStringLiteral("SELECT %s LIKE 'a%'") << QVariantList{1};
}

void tst_Interpolate::positionalErrors()
{
    QFETCH(QString, sql);
    QFETCH(QVariantList, args);
    const Result r = run(sql, args);
    QVERIFY(!r.ok);
    QCOMPARE(r.error.type, Error::Type::Programming);
    QVERIFY(!r.error.message.isEmpty());
}

void tst_Interpolate::emptyArgsLeaveSqlUnchanged_data()
{
    QTest::addColumn<QString>("sql");
    QTest::newRow("plain") << QStringLiteral("SELECT 1");
    QTest::newRow("with %s") << QStringLiteral("SELECT '%s'");
    QTest::newRow("with %%") << QStringLiteral("SELECT 'a%%'");
    QTest::newRow("with lone %") << QStringLiteral("SELECT * FROM t WHERE c LIKE 'a%'");
    QTest::newRow("with %(x)s") << QStringLiteral("SELECT '%(x)s'");
}

void tst_Interpolate::emptyArgsLeaveSqlUnchanged()
{
    QFETCH(QString, sql);
    const Result list = run(sql, QVariantList());
    QVERIFY(list.ok);
    QCOMPARE(list.sql, sql.toUtf8());
    const Result map = run(sql, QVariantMap());
    QVERIFY(map.ok);
    QCOMPARE(map.sql, sql.toUtf8());
}

void tst_Interpolate::named_data()
{
    QTest::addColumn<QString>("sql");
    QTest::addColumn<QVariantMap>("args");
    QTest::addColumn<QByteArray>("expected");

    const QVariantMap ab{{QStringLiteral("a"), 1}, {QStringLiteral("b"), QStringLiteral("it's")}};
    QTest::newRow("repeated") << QStringLiteral("SELECT %(a)s + %(a)s, %(b)s") << ab
                              << QByteArray("SELECT 1 + 1, 'it\\'s'");
    QTest::newRow("unused key") << QStringLiteral("SELECT %(a)s") << ab << QByteArray("SELECT 1");
    QTest::newRow("literal percent") << QStringLiteral("SELECT '%%', %(a)s") << ab << QByteArray("SELECT '%', 1");
    QTest::newRow("name with underscore") << QStringLiteral("x=%(user_id)s")
                                          << QVariantMap{{QStringLiteral("user_id"), 9}} << QByteArray("x=9");
    QTest::newRow("null value") << QStringLiteral("%(n)s") << QVariantMap{{QStringLiteral("n"), QVariant()}}
                                << QByteArray("NULL");
}

void tst_Interpolate::named()
{
    QFETCH(QString, sql);
    QFETCH(QVariantMap, args);
    QFETCH(QByteArray, expected);
    const Result r = run(sql, args);
    QVERIFY2(r.ok, qPrintable(r.error.message));
    QCOMPARE(r.sql, expected);
}

void tst_Interpolate::namedErrors_data()
{
    QTest::addColumn<QString>("sql");
    QTest::newRow("missing name") << QStringLiteral("SELECT %(nope)s");
    QTest::newRow("%s with a map") << QStringLiteral("SELECT %s");
    QTest::newRow("%(a)d") << QStringLiteral("SELECT %(a)d");
    QTest::newRow("unclosed") << QStringLiteral("SELECT %(a");
    QTest::newRow("no conversion") << QStringLiteral("SELECT %(a)");
    QTest::newRow("trailing %") << QStringLiteral("SELECT %(a)s %");
}

void tst_Interpolate::namedErrors()
{
    QFETCH(QString, sql);
    const Result r = run(sql, QVariantMap{{QStringLiteral("a"), 1}});
    QVERIFY(!r.ok);
    QCOMPARE(r.error.type, Error::Type::Programming);
    QVERIFY(!r.error.message.isEmpty());
}

void tst_Interpolate::valueErrorStopsInterpolation()
{
    // The value's own error class comes through, not a generic formatting error.
    const Result nan = run(QStringLiteral("SELECT %s"), QVariantList{qQNaN()});
    QVERIFY(!nan.ok);
    QCOMPARE(nan.error.type, Error::Type::Data);
    const Result named = run(QStringLiteral("SELECT %(a)s"), QVariantMap{{QStringLiteral("a"), qInf()}});
    QVERIFY(!named.ok);
    QCOMPARE(named.error.type, Error::Type::Data);
}

void tst_Interpolate::noBackslashEscapesMode()
{
    const Result r = run(QStringLiteral("SELECT %s"), QVariantList{QStringLiteral("a'\\b")}, true);
    QVERIFY(r.ok);
    QCOMPARE(r.sql, QByteArray("SELECT 'a''\\b'"));
}

QTEST_APPLESS_MAIN(tst_Interpolate)
#include "tst_interpolate.moc"
