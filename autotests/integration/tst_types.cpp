// SPDX-License-Identifier: MIT
// Every MySQL column type read from the real server, and written back: what was read must
// write the same value (nothing is lost on the round trip).
#include "testutil.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QRandomGenerator>

using namespace AsyncMySql;

namespace {
// DECIMAL(65,30) at its largest, and its smallest step.
const QString MaxDecimal65 = QString(35, u'9') + u'.' + QString(30, u'9');
const QString TinyDecimal65 = QStringLiteral("0.") + QString(29, u'0') + u'1';
} // namespace

class tst_Types : public QObject
{
    Q_OBJECT

    std::unique_ptr<Connection> conn;

    QVariant readBack(int id)
    {
        const ResultSet rs = AWAIT(conn->query(QStringLiteral("SELECT v FROM t_rt WHERE id = %s"), {id}));
        if (rs.rows().size() != 1)
            qFatal("row %d missing", id);
        return rs.rows().first().value(0);
    }

    static QByteArray randomBytes(qsizetype n)
    {
        QByteArray b(n, Qt::Uninitialized);
        QRandomGenerator gen(42);
        for (qsizetype i = 0; i < n; ++i)
            b[i] = char(gen.bounded(256));
        return b;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(TestUtil::haveServer(), "run through scripts/test.sh (it starts the server)");
        conn = TestUtil::openConnection();
        // UTC, so TIMESTAMP values are not shifted by the machine's zone or DST gaps.
        AWAIT(conn->query(QStringLiteral("SET time_zone = '+00:00'")));
    }

    void cleanupTestCase()
    {
        if (conn && !conn->isClosed())
            AWAIT(conn->query(QStringLiteral("DROP TABLE IF EXISTS t_rt")));
    }

    void roundTrip_data()
    {
        QTest::addColumn<QString>("columnType");
        QTest::addColumn<QString>("valueSql"); // how the first value is written: "%s" or an expression
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

    void roundTrip()
    {
        QFETCH(QString, columnType);
        QFETCH(QString, valueSql);
        QFETCH(QVariant, input);
        QFETCH(QVariant, expected);

        AWAIT(conn->query(QStringLiteral("CREATE OR REPLACE TABLE t_rt (id INT PRIMARY KEY, v %1)").arg(columnType)));
        const QVariantList firstArgs = valueSql == u"%s" ? QVariantList{input} : QVariantList{};
        AWAIT(conn->query(QStringLiteral("INSERT INTO t_rt VALUES (1, %1)").arg(valueSql), firstArgs));
        const QVariant got = readBack(1);
        if (valueSql == u"%s") {
            QCOMPARE(got.typeId(), expected.typeId());
            QCOMPARE(got, expected);
            if (got.typeId() == qMetaTypeId<Decimal>()) // == is numeric: the text must be the same too
                QCOMPARE(got.toString(), expected.toString());
        } else {
            QCOMPARE(got.typeId(), int(QMetaType::QByteArray)); // GEOMETRY: SRID + WKB bytes
            QCOMPARE(got.toByteArray().size(), 25);
        }
        // Writing what we read must store the very same value.
        AWAIT(conn->query(QStringLiteral("INSERT INTO t_rt VALUES (2, %s)"), {got}));
        const QVariant again = readBack(2);
        QCOMPARE(again.typeId(), got.typeId());
        QCOMPARE(again, got);
        QCOMPARE(again.toString(), got.toString());
        // And the server agrees the two rows hold equal values.
        const ResultSet same = AWAIT(conn->query(QStringLiteral(
                "SELECT (SELECT v FROM t_rt WHERE id = 1) <=> (SELECT v FROM t_rt WHERE id = 2)")));
        if (!columnType.startsWith(u"JSON") && !columnType.startsWith(u"GEOMETRY"))
            QCOMPARE(same.rows().first().value(0).toInt(), 1);
    }

    void qvariantConversionsForViews()
    {
        const Row r = AWAIT(conn->query(QStringLiteral(
                "SELECT CAST('2024-05-06 07:08:09.123456' AS DATETIME(6)), CAST('-01:02:03' AS TIME), 0.1 + 0.2")))
                .rows().first();
        QCOMPARE(r.value(0).toDateTime(), QDateTime(QDate(2024, 5, 6), QTime(7, 8, 9, 123)));
        QCOMPARE(r.value(0).toString(), QStringLiteral("2024-05-06 07:08:09.123456"));
        QCOMPARE(r.value(1).toString(), QStringLiteral("-01:02:03"));
        QCOMPARE(r.value(2).typeId(), qMetaTypeId<Decimal>());
        QCOMPARE(r.value(2).toString(), QStringLiteral("0.3")); // exact, not 0.30000000000000004
        QCOMPARE(r.value(2).toDouble(), 0.3);
    }

    void decimalExtremes()
    {
        // What the server computes at DECIMAL(65,30)'s ends comes back digit for digit.
        const QString min = u'-' + MaxDecimal65;
        const Row r = AWAIT(conn->query(QStringLiteral(
                "SELECT CAST('%1' AS DECIMAL(65,30)), CAST('%2' AS DECIMAL(65,30)), CAST('%3' AS DECIMAL(65,30)), "
                "CAST('%1' AS DECIMAL(65,30)) - CAST('%3' AS DECIMAL(65,30))").arg(MaxDecimal65, min, TinyDecimal65)))
                .rows().first();
        const QString maxMinusTiny = QString(35, u'9') + u'.' + QString(29, u'9') + u'8';
        const QStringList expected{MaxDecimal65, min, TinyDecimal65, maxMinusTiny};
        for (int i = 0; i < expected.size(); ++i) {
            QCOMPARE(r.value(i).typeId(), qMetaTypeId<Decimal>());
            const Decimal d = r.value(i).value<Decimal>();
            QCOMPARE(d.toString(), expected.at(i));
            QCOMPARE(d.scale(), 30);
        }
        QCOMPARE(r.value(0).value<Decimal>().precision(), 65);
        QVERIFY(r.value(3).value<Decimal>() < r.value(0).value<Decimal>());
        QCOMPARE(r.value(0).toDouble(), 1e35);
        QCOMPARE(r.value(1).toDouble(), -1e35);
        QCOMPARE(r.value(2).toDouble(), 1e-30);
    }

    void decimalParameters()
    {
        // A Decimal parameter is an exact DECIMAL literal: the server computes with it exactly
        // (a double would make 0.1 + 0.2 = 0.30000000000000004, a string a DOUBLE sum).
        const QVariant a = QVariant::fromValue(Decimal::fromString(u"0.1"));
        const QVariant b = QVariant::fromValue(Decimal::fromString(u"0.2"));
        const QVariant max = QVariant::fromValue(Decimal::fromString(MaxDecimal65));
        const QVariant tiny = QVariant::fromValue(Decimal::fromString(TinyDecimal65));
        const Row r = AWAIT(conn->query(QStringLiteral("SELECT %s + %s, %s, %s - %s, %s = CAST('%1' AS DECIMAL(65,30)), %s")
                                                .arg(MaxDecimal65),
                                        {a, b, max, max, tiny, max, QVariant::fromValue(Decimal())}))
                .rows().first();
        QCOMPARE(r.value(0).typeId(), qMetaTypeId<Decimal>());
        QCOMPARE(r.value(0).toString(), QStringLiteral("0.3"));
        QCOMPARE(r.value(1).toString(), MaxDecimal65);
        QCOMPARE(r.value(2).toString(), QString(35, u'9') + u'.' + QString(29, u'9') + u'8');
        QCOMPARE(r.value(3).toLongLong(), qint64(1));
        QVERIFY(r.value(4).isNull()); // a null Decimal is NULL
        // The same text in escape() and mogrify(), ready to paste into SQL.
        QCOMPARE(conn->literal(max), MaxDecimal65);
        Cursor *cur = conn->cursor();
        QCOMPARE(cur->mogrify(QStringLiteral("SELECT %s"), {a}), QStringLiteral("SELECT 0.1"));
    }

    void listParameterForIn()
    {
        const ResultSet rs = AWAIT(conn->query(QStringLiteral("SELECT 3 IN %s, 'b' IN %s"),
                                               {QVariantList{1, 2, 3}, QStringList{QStringLiteral("a"), QStringLiteral("c")}}));
        QCOMPARE(rs.rows().first().value(0).toInt(), 1);
        QCOMPARE(rs.rows().first().value(1).toInt(), 0);
    }

    void twentyMegabyteValue()
    {
        const QByteArray big = randomBytes(20 * 1024 * 1024);
        AWAIT(conn->query(QStringLiteral("CREATE OR REPLACE TABLE t_rt (id INT PRIMARY KEY, v LONGBLOB)")));
        AWAIT(conn->query(QStringLiteral("INSERT INTO t_rt VALUES (1, %s)"), {big}));
        const QVariant got = readBack(1);
        QCOMPARE(got.toByteArray().size(), big.size());
        QVERIFY(got.toByteArray() == big);
        const ResultSet md5 = AWAIT(conn->query(QStringLiteral("SELECT MD5(v) = MD5(%s) FROM t_rt"), {big}));
        QCOMPARE(md5.rows().first().value(0).toInt(), 1);
    }

    void packetBoundaries()
    {
        // A command payload of exactly 0xffffff bytes: the protocol then needs an empty packet.
        const qsizetype fill = 0xffffff - 1 - qsizetype(sizeof("SELECT LENGTH('')") - 1);
        const QString sql = QStringLiteral("SELECT LENGTH('%1')").arg(QString(fill, QLatin1Char('a')));
        QCOMPARE(sql.size() + 1, qsizetype(0xffffff));
        QCOMPARE(AWAIT(conn->query(sql)).rows().first().value(0).toLongLong(), qint64(fill));
        // A row of exactly 0xffffff bytes (4-byte length prefix + value) and one just above.
        for (const qint64 n : {qint64(0xffffff - 4), qint64(0xffffff - 3), qint64(0xffffff * 2)}) {
            const Row r = AWAIT(conn->query(QStringLiteral("SELECT REPEAT('x', %s), 7"), {n})).rows().first();
            QCOMPARE(r.value(0).toString().size(), n);
            QCOMPARE(r.value(1).toInt(), 7);
        }
    }
};

QTEST_GUILESS_MAIN(tst_Types)
#include "tst_types.moc"
