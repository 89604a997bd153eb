// SPDX-License-Identifier: MIT
// Row's typed accessors (toLongLong(), toDouble(), toString()): the same results as value(i)
// with QVariant's conversion, for every kind of column, NULL, malformed cells, indexes out of
// range and columns with a Converters decoder.
#include "client/connection_p.h"
#include "protocol/exchange.h"
#include "testutil.h"

#include <AsyncMySql/AsyncMySql.h>

#include <QtTest/QTest>

using namespace AsyncMySql;
using namespace AsyncMySql::Protocol;
using namespace TestUtil;

namespace {

constexpr quint64 Caps = Capability::Protocol41 | Capability::SecureConnection | Capability::PluginAuth
        | Capability::DeprecateEof;

ColumnSpec spec(quint8 type, quint16 charset = 63, quint16 flags = 0)
{
    ColumnSpec c;
    c.type = type;
    c.charset = charset;
    c.flags = flags;
    return c;
}

//! One row of cells \a cells for columns \a columns, decoded as the connection decodes it.
Row rowOf(const QList<ColumnSpec> &columns, const QList<std::optional<QByteArray>> &cells, const Converters &converters = {})
{
    BufferedSink sink;
    QueryExchange exchange({TextEncoding::Utf8, false, converters, false}, &sink);
    exchange.setCapabilities(Caps);
    QList<QByteArray> payloads{lenenc(quint64(columns.size()))};
    for (const ColumnSpec &c : columns)
        payloads << columnPayload(c);
    payloads << rowPayload(cells) << okEndPayload(0x0002);
    QByteArray out;
    for (const Packet &p : packets(payloads)) {
        if (exchange.handle(p, out) != Exchange::Status::Continue)
            break;
    }
    return sink.first().rows().value(0);
}

//! Every accessor against value(i)'s conversion, for every column and two indexes out of range.
void compareAll(const Row &row)
{
    for (int i = -1; i <= row.size(); ++i) {
        const QVariant v = row.value(i);
        bool okFast = false, okSlow = false;
        QCOMPARE(row.toLongLong(i, &okFast), v.toLongLong(&okSlow));
        QCOMPARE(okFast, okSlow);
        const double fast = row.toDouble(i, &okFast);
        const double slow = v.toDouble(&okSlow);
        QCOMPARE(okFast, okSlow);
        QVERIFY2(fast == slow || (std::isnan(fast) && std::isnan(slow)), qPrintable(QStringLiteral("column %1: %2 vs %3").arg(i).arg(fast).arg(slow)));
        const QString text = row.toString(i);
        QCOMPARE(text, v.toString());
        QCOMPARE(text.isNull(), v.toString().isNull());
    }
}

} // namespace

class tst_Rows : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sameAsValue_data()
    {
        QTest::addColumn<QList<std::optional<QByteArray>>>("cells");
        using Cells = QList<std::optional<QByteArray>>;
        QTest::newRow("plain") << Cells{"42", "-7", "18446744073709551615", "2.5", "12.345", "-0.001", "héllo", "123", "2024-02-29 12:34:56.123456", "00:01:02"};
        QTest::newRow("nulls") << Cells{std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt};
        // A server sending nonsense: value() hands out the text, the accessors must agree.
        QTest::newRow("malformed") << Cells{"4x2", "", "-1", "1e999", "1.2.3", "--1", "", " 5", "not a date", "??"};
        QTest::newRow("edges") << Cells{"9223372036854775807", "-9223372036854775808", "0", "-0", "99999999999999999999999999999999999999999999999999999999999999999", "0.000000000000000000000000000001", "1.5", "-12", "0000-00-00 00:00:00", "-838:59:59"};
    }
    void sameAsValue()
    {
        QFETCH(QList<std::optional<QByteArray>>, cells);
        const QList<ColumnSpec> columns{spec(Column::LongLong), spec(Column::Long), spec(Column::LongLong, 63, Column::UnsignedFlag),
                                        spec(Column::Double), spec(Column::NewDecimal), spec(Column::NewDecimal),
                                        spec(Column::VarString, 45), spec(Column::VarString, 45), spec(Column::DateTimeType),
                                        spec(Column::Time)};
        const Row row = rowOf(columns, cells);
        QCOMPARE(row.size(), int(columns.size()));
        compareAll(row);
    }

    //! A decoder of the user's decides the value; the accessors follow it.
    void converterDecides()
    {
        Converters conv;
        conv.setDecoder(Column::LongLong, [](const Column &, QByteArrayView text) { return QVariant(text.toByteArray() + "00"); });
        conv.setDecoder(Column::VarString, [](const Column &, QByteArrayView) { return QVariant(7); });
        const Row row = rowOf({spec(Column::LongLong), spec(Column::VarString, 45), spec(Column::Double)}, {"42", "text", "0.5"}, conv);
        QCOMPARE(row.toLongLong(0), qint64(4200));
        QCOMPARE(row.toString(1), QStringLiteral("7"));
        QCOMPARE(row.toDouble(2), 0.5);
        compareAll(row);
    }
};

QTEST_GUILESS_MAIN(tst_Rows)
#include "tst_rows.moc"
