// SPDX-License-Identifier: MIT
// Every MySQL column type read from the real server, and written back: what was read must
// write the same value (nothing is lost on the round trip).
#include "testutil.h"
#include "typecases.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QRandomGenerator>

using namespace AsyncMySql;

using TypeCases::MaxDecimal65;
using TypeCases::TinyDecimal65;

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

    void roundTrip_data() { TypeCases::add(); }

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
        const QByteArray big = TypeCases::randomBytes(20 * 1024 * 1024);
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
