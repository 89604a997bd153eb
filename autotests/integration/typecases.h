// SPDX-License-Identifier: MIT
// The column types and values every integration test of values goes through: the text
// protocol's round trip (tst_types) and the binary protocol's (tst_prepared) share them.
#pragma once

#include <AsyncMySql/AsyncMySql.h>

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QRandomGenerator>
#include <QtTest/QTest>

#include <limits>

namespace TypeCases {

using namespace AsyncMySql;

// DECIMAL(65,30) at its largest, and its smallest step.
inline const QString MaxDecimal65 = QString(35, u'9') + u'.' + QString(30, u'9');
inline const QString TinyDecimal65 = QStringLiteral("0.") + QString(29, u'0') + u'1';

inline QByteArray randomBytes(qsizetype n)
{
    QByteArray b(n, Qt::Uninitialized);
    QRandomGenerator gen(42);
    for (qsizetype i = 0; i < n; ++i)
        b[i] = char(gen.bounded(256));
    return b;
}

/*! Adds the rows: columnType (SQL), valueSql (how the first value is written: "%s", or an
    expression that needs no argument), input (the parameter), expected (what reading it gives). */
inline void add()
{
    QTest::addColumn<QString>("columnType");
    QTest::addColumn<QString>("valueSql");
    QTest::addColumn<QVariant>("input");
    QTest::addColumn<QVariant>("expected");

    auto row = [](const char *name, const char *type, const QVariant &in, const QVariant &out) {
        QTest::newRow(name) << QString::fromLatin1(type) << QStringLiteral("%s") << in << out;
    };
    row("tinyint", "TINYINT", -128, qint64(-128));
    row("tinyint unsigned", "TINYINT UNSIGNED", 255, qint64(255));
    row("smallint", "SMALLINT", -32768, qint64(-32768));
    row("smallint unsigned", "SMALLINT UNSIGNED", 65535, qint64(65535));
    row("mediumint", "MEDIUMINT", -8388608, qint64(-8388608));
    row("mediumint unsigned", "MEDIUMINT UNSIGNED", 16777215, qint64(16777215));
    row("int", "INT", qint64(-2147483648LL), qint64(-2147483648LL));
    row("int unsigned", "INT UNSIGNED", quint32(4294967295u), qint64(4294967295LL));
    row("bigint min", "BIGINT", std::numeric_limits<qint64>::min(), std::numeric_limits<qint64>::min());
    row("bigint max", "BIGINT", std::numeric_limits<qint64>::max(), std::numeric_limits<qint64>::max());
    row("bigint unsigned max", "BIGINT UNSIGNED", std::numeric_limits<quint64>::max(), std::numeric_limits<quint64>::max());
    row("bool", "TINYINT(1)", true, qint64(1));
    row("float", "FLOAT", 1.5, 1.5);
    row("double", "DOUBLE", 0.1, 0.1);
    row("double large", "DOUBLE", 1.7976931348623157e308, 1.7976931348623157e308);
    row("double tiny", "DOUBLE", -2.5e-300, -2.5e-300);
    const QString dec = QStringLiteral("12345678901234567890123456789012345.123456789012345678901234567890");
    auto decimal = [](const QString &text) { return QVariant::fromValue(Decimal::fromString(text)); };
    // A QString parameter (quoted, converted by the server) and a Decimal one (an exact literal).
    row("decimal(65,30) from text", "DECIMAL(65,30)", dec, decimal(dec));
    row("decimal(65,30) max", "DECIMAL(65,30)", decimal(MaxDecimal65), decimal(MaxDecimal65));
    row("decimal(65,30) min", "DECIMAL(65,30)", decimal(u'-' + MaxDecimal65), decimal(u'-' + MaxDecimal65));
    row("decimal(65,30) tiny", "DECIMAL(65,30)", decimal(TinyDecimal65), decimal(TinyDecimal65));
    row("decimal negative", "DECIMAL(10,2)", QStringLiteral("-0.10"), decimal(QStringLiteral("-0.10")));
    row("decimal unsigned", "DECIMAL(20,0) UNSIGNED", decimal(QStringLiteral("18446744073709551615")),
        decimal(QStringLiteral("18446744073709551615")));
    row("date", "DATE", QDate(2024, 2, 29), QDate(2024, 2, 29));
    row("date zero", "DATE", QDate(), QDate());
    row("datetime(6)", "DATETIME(6)", QVariant::fromValue(DateTime(2024, 12, 31, 23, 59, 59, 999999)),
        QVariant::fromValue(DateTime(2024, 12, 31, 23, 59, 59, 999999)));
    row("datetime from QDateTime", "DATETIME(3)", QDateTime(QDate(2020, 1, 2), QTime(3, 4, 5, 678)),
        QVariant::fromValue(DateTime(2020, 1, 2, 3, 4, 5, 678000)));
    row("datetime zero", "DATETIME", QVariant::fromValue(DateTime()), QVariant::fromValue(DateTime()));
    row("timestamp(6)", "TIMESTAMP(6) NULL", QVariant::fromValue(DateTime(2021, 6, 15, 12, 0, 0, 500000)),
        QVariant::fromValue(DateTime(2021, 6, 15, 12, 0, 0, 500000)));
    row("time negative max", "TIME(6)", QVariant::fromValue(Duration::fromString(u"-838:59:59")),
        QVariant::fromValue(Duration::fromParts(true, 838, 59, 59)));
    row("time over a day", "TIME(6)", QVariant::fromValue(Duration::fromString(u"123:45:06.5")),
        QVariant::fromValue(Duration::fromParts(false, 123, 45, 6, 500000)));
    row("time from QTime", "TIME(3)", QTime(13, 14, 15, 16), QVariant::fromValue(Duration::fromParts(false, 13, 14, 15, 16000)));
    row("year", "YEAR", 2155, qint64(2155));
    row("char", "CHAR(10)", QStringLiteral("abc"), QStringLiteral("abc"));
    const QString unicode = QStringLiteral("emoji \U0001F600 \u00fcn\u00efc\u00f6d\u00e9 \u4e2d\u6587");
    row("varchar utf8mb4", "VARCHAR(100)", unicode, unicode);
    const QString tricky = QString::fromUtf8("quote ' dq \" bs \\ nl \n cr \r nul \0 sub \x1a end", 48);
    row("text escapes", "TEXT", tricky, tricky);
    row("empty string", "VARCHAR(10)", QString(), QString());
    const QByteArray bin("\x00\x01\xff\x27", 4);
    row("binary", "BINARY(4)", bin, bin);
    QByteArray all(256, 0);
    for (int i = 0; i < 256; ++i)
        all[i] = char(i);
    row("varbinary all bytes", "VARBINARY(300)", all, all);
    row("blob", "BLOB", randomBytes(60000), randomBytes(60000));
    row("bit(64)", "BIT(64)", quint64(0x8000000000000001ull), quint64(0x8000000000000001ull));
    row("bit(3)", "BIT(3)", 5, quint64(5));
    row("enum", "ENUM('a','b','c')", QStringLiteral("b"), QStringLiteral("b"));
    row("set", "SET('x','y','z')", QStringLiteral("x,z"), QStringLiteral("x,z"));
    const QJsonDocument json(QJsonObject{{QStringLiteral("a"), 1},
                                         {QStringLiteral("b"), QJsonArray{true, QJsonValue::Null, QStringLiteral("\u00e9")}}});
    row("json", "JSON", QVariant::fromValue(json), QVariant::fromValue(json));
    row("null", "INT NULL", QVariant(), QVariant());
    QTest::newRow("geometry") << QStringLiteral("GEOMETRY") << QStringLiteral("ST_GeomFromText('POINT(1 2)')")
                              << QVariant() << QVariant();
}

} // namespace TypeCases
