// SPDX-License-Identifier: MIT
// QDebug operators and the names of column types and flags: the exact text a developer sees.
#include "client/connection_p.h"
#include "protocol/exchange.h"
#include "testutil.h"

#include <AsyncMySql/AsyncMySql.h>

#include <QtCore/QDebug>
#include <QtTest/QTest>

using namespace AsyncMySql;
using namespace AsyncMySql::Protocol;
using namespace TestUtil;

namespace {

template<typename T>
QString printed(const T &value)
{
    QString text;
    QDebug(&text).nospace() << value;
    return text;
}

constexpr quint64 Caps = Capability::Protocol41 | Capability::SecureConnection | Capability::PluginAuth
        | Capability::DeprecateEof;

QByteArray okPacketPayload() { return okPayload(3, 7, 0x0002, 0, "Records: 3  Duplicates: 0  Warnings: 0"); }

//! The columns id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(255), price DECIMAL(10,2).
QList<QByteArray> itemColumns()
{
    ColumnSpec id;
    id.name = "id";
    id.type = Column::LongLong;
    id.flags = Column::NotNullFlag | Column::PrimaryKeyFlag;
    id.charset = 63;
    id.length = 20;
    ColumnSpec name;
    name.name = "name";
    ColumnSpec price;
    price.name = "price";
    price.type = Column::NewDecimal;
    price.length = 12;
    price.decimals = 2;
    price.charset = 63;
    return {columnPayload(id), columnPayload(name), columnPayload(price)};
}

//! What the connection would hand out for \a payloads (one reply to COM_QUERY).
QList<ResultSet> results(const QList<QByteArray> &payloads, bool dict = false)
{
    BufferedSink sink;
    QueryExchange exchange({TextEncoding::Utf8, dict, {}, false}, &sink);
    exchange.setCapabilities(Caps);
    QByteArray out;
    for (const Packet &p : packets(payloads)) {
        if (exchange.handle(p, out) != Exchange::Status::Continue)
            break;
    }
    return sink.results();
}

QList<QByteArray> itemRows(int count)
{
    QList<QByteArray> payloads{lenenc(3)};
    payloads += itemColumns();
    payloads += rowPayload({QByteArray("1"), QByteArray("apple"), QByteArray("1.50")});
    if (count > 1)
        payloads += rowPayload({QByteArray("2"), std::nullopt, QByteArray("2.00")});
    for (int i = 3; i <= count; ++i)
        payloads += rowPayload({QByteArray::number(i), QByteArray("pear"), QByteArray("0.10")});
    payloads += okEndPayload(0x0002);
    return payloads;
}

} // namespace

class tst_Debug : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void typeNames()
    {
        QCOMPARE(Column::typeName(Column::LongLong), QStringLiteral("LONGLONG"));
        QCOMPARE(Column::typeName(Column::VarString), QStringLiteral("VAR_STRING"));
        QCOMPARE(Column::typeName(Column::NewDecimal), QStringLiteral("NEWDECIMAL"));
        QCOMPARE(Column::typeName(Column::DateTimeType), QStringLiteral("DATETIME"));
        QCOMPARE(Column::typeName(Column::Json), QStringLiteral("JSON"));
        QCOMPARE(Column::typeName(Column::Geometry), QStringLiteral("GEOMETRY"));
        QCOMPARE(Column::typeName(100), QStringLiteral("UNKNOWN(100)"));
        const ResultSet rs = results(itemRows(1)).value(0);
        QCOMPARE(rs.columns().at(0).typeName(), QStringLiteral("LONGLONG"));
    }

    void flagNames()
    {
        QCOMPARE(Column::flagNames(0), QStringList());
        QCOMPARE(Column::flagNames(Column::NotNullFlag | Column::PrimaryKeyFlag | Column::AutoIncrementFlag | Column::NumFlag),
                 (QStringList{"NOT_NULL", "PRI_KEY", "AUTO_INCREMENT", "NUM"}));
        QCOMPARE(Column::flagNames(Column::UnsignedFlag | Column::BinaryFlag | 4096 | 16384),
                 (QStringList{"UNSIGNED", "BINARY", "NO_DEFAULT_VALUE", "PART_KEY"}));
    }

    void errorTypeNames()
    {
        QCOMPARE(Error::typeName(Error::Type::Integrity), QStringLiteral("IntegrityError"));
        QCOMPARE(Error::typeName(Error::Type::NotSupported), QStringLiteral("NotSupportedError"));
        QCOMPARE(Error::typeName(OperationalError(2013, "HY000", "lost").type()), QStringLiteral("OperationalError"));
    }

    void column()
    {
        const QList<Column> columns = results(itemRows(1)).value(0).columns();
        QCOMPARE(printed(columns.at(0)),
                 QStringLiteral("AsyncMySql::Column(name=\"id\", table=\"t\", type=LONGLONG, length=20, flags=NOT_NULL|PRI_KEY)"));
        QCOMPARE(printed(columns.at(1)), QStringLiteral("AsyncMySql::Column(name=\"name\", table=\"t\", type=VAR_STRING, length=1020)"));
        QCOMPARE(printed(columns.at(2)),
                 QStringLiteral("AsyncMySql::Column(name=\"price\", table=\"t\", type=NEWDECIMAL, length=12, decimals=2)"));
        // What `qDebug() << cur->description()` prints.
        QVERIFY(printed(columns).startsWith(QStringLiteral("QList(AsyncMySql::Column(name=\"id\"")));
    }

    void row()
    {
        const QList<Row> rows = results(itemRows(2)).value(0).rows();
        QCOMPARE(printed(rows.at(0)), QStringLiteral("AsyncMySql::Row(id=1, name=\"apple\", price=1.50)"));
        QCOMPARE(printed(rows.at(1)), QStringLiteral("AsyncMySql::Row(id=2, name=NULL, price=2.00)"));
        QCOMPARE(printed(Row()), QStringLiteral("AsyncMySql::Row()"));
    }

    void resultSet()
    {
        QCOMPARE(printed(results(itemRows(2)).value(0)),
                 QStringLiteral("AsyncMySql::ResultSet(2 rows, columns: id, name, price; (1, \"apple\", 1.50), (2, NULL, 2.00))"));
        QCOMPARE(printed(results(itemRows(7)).value(0)),
                 QStringLiteral("AsyncMySql::ResultSet(7 rows, columns: id, name, price; (1, \"apple\", 1.50), (2, NULL, 2.00), "
                                "(3, \"pear\", 0.10), (4, \"pear\", 0.10), (5, \"pear\", 0.10), ... and 2 more)"));
        QCOMPARE(printed(results({okPacketPayload()}).value(0)),
                 QStringLiteral("AsyncMySql::ResultSet(affectedRows: 3, lastInsertId: 7, info: \"Records: 3  Duplicates: 0  Warnings: 0\")"));
    }

    void values()
    {
        QCOMPARE(printed(ProgrammingError(1146, QStringLiteral("42S02"), QStringLiteral("Table 'test.t' doesn't exist"))),
                 QStringLiteral("AsyncMySql::ProgrammingError(1146, '42S02'): Table 'test.t' doesn't exist"));
        QCOMPARE(printed(DateTime(2024, 5, 1, 12, 30, 0, 250)), QStringLiteral("AsyncMySql::DateTime(2024-05-01 12:30:00.000250)"));
        QCOMPARE(printed(DateTime()), QStringLiteral("AsyncMySql::DateTime(0000-00-00 00:00:00)"));
        QCOMPARE(printed(Duration::fromParts(true, 838, 59, 59)), QStringLiteral("AsyncMySql::Duration(-838:59:59)"));
        QCOMPARE(printed(Decimal::fromString(u"-12.50")), QStringLiteral("AsyncMySql::Decimal(-12.50)"));
        QCOMPARE(printed(Decimal()), QStringLiteral("AsyncMySql::Decimal()"));
        // Inside a QVariant too: the operator is found through the metatype.
        QCOMPARE(printed(QVariant::fromValue(Decimal::fromString("0.10"))),
                 QStringLiteral("QVariant(AsyncMySql::Decimal, AsyncMySql::Decimal(0.10))"));
        QCOMPARE(printed(Warning(QStringLiteral("Note"), 1051, QStringLiteral("Unknown table 'test.t'"))),
                 QStringLiteral("AsyncMySql::Warning(Note, 1051, \"Unknown table 'test.t'\")"));
    }

    void toPairsKeepsColumnOrder()
    {
        ColumnSpec zeta;
        zeta.name = "zeta";
        ColumnSpec alpha;
        alpha.name = "alpha";
        ColumnSpec again; // a repeated name: keyed "table.name", as aiomysql's DictCursor does
        again.name = "zeta";
        again.table = "u";
        const QList<QByteArray> payloads{lenenc(3), columnPayload(zeta), columnPayload(alpha), columnPayload(again),
                                         rowPayload({QByteArray("z"), QByteArray("a"), QByteArray("z2")}), okEndPayload(0x0002)};
        const Row row = results(payloads, true).value(0).rows().value(0);
        const QList<std::pair<QString, QVariant>> pairs = row.toPairs();
        QCOMPARE(pairs.size(), 3);
        QCOMPARE(pairs.at(0), (std::pair<QString, QVariant>(QStringLiteral("zeta"), QStringLiteral("z"))));
        QCOMPARE(pairs.at(1), (std::pair<QString, QVariant>(QStringLiteral("alpha"), QStringLiteral("a"))));
        QCOMPARE(pairs.at(2), (std::pair<QString, QVariant>(QStringLiteral("u.zeta"), QStringLiteral("z2"))));
        // toMap() is sorted by key: that is why toPairs() exists.
        QCOMPARE(row.toMap().keys(), (QStringList{"alpha", "u.zeta", "zeta"}));
        QVERIFY(Row().toPairs().isEmpty());
    }
};

QTEST_GUILESS_MAIN(tst_Debug)
#include "tst_debug.moc"
