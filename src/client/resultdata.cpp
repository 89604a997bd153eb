// SPDX-License-Identifier: MIT
// Column, Row and ResultSet: thin handles on the shared data the protocol layer fills.
#include "../protocol/resultdata.h"
#include "decimal_p.h"
#include "integers_p.h"
#include "values_p.h"

#include <AsyncMySql/Decimal.h>

#include <QtCore/QSet>

#include <charconv>
#include <memory>

namespace AsyncMySql {

// ---------------------------------------------------------------------------------------------
// Column

Column::Column() : d(new ColumnPrivate) { }
Column::Column(ColumnPrivate *dd) : d(dd) { }
Column::Column(const Column &) = default;
Column &Column::operator=(const Column &) = default;
Column::~Column() = default;

QString Column::name() const { return d->name; }
QString Column::orgName() const { return d->orgName; }
QString Column::table() const { return d->table; }
QString Column::orgTable() const { return d->orgTable; }
QString Column::schema() const { return d->schema; }
quint8 Column::type() const { return d->type; }
quint16 Column::flags() const { return d->flags; }
quint32 Column::length() const { return d->length; }
quint8 Column::decimals() const { return d->decimals; }
quint16 Column::charset() const { return d->charset; }
QString Column::extendedType() const { return d->extendedType; }
QString Column::extendedFormat() const { return d->extendedFormat; }

// ---------------------------------------------------------------------------------------------
// ResultMeta

ResultMeta::~ResultMeta() { delete m_names.load(std::memory_order_acquire); }

void ResultMeta::finalize(const Converters &converters)
{
    kinds.clear();
    kinds.reserve(columns.size());
    for (const Column &c : std::as_const(columns))
        kinds.append(valueKindFor(c));
    layouts.clear();
    if (binary) {
        layouts.reserve(columns.size());
        for (const Column &c : std::as_const(columns))
            layouts.append(binaryLayoutFor(c.type(), c.isUnsigned()));
    }
    decoders.clear();
    if (converters.isEmpty())
        return;
    bool any = false;
    for (int i = 0; i < columns.size(); ++i) {
        // MariaDB sends JSON as text with the "json" format: a JSON decoder applies to it too.
        const quint8 type = kinds.at(i) == ValueKind::Json ? quint8(Column::Json) : columns.at(i).type();
        decoders.append(converters.decoder(type));
        any = any || decoders.last();
    }
    if (!any)
        decoders.clear();
}

const ResultMeta::Names &ResultMeta::names() const
{
    if (const Names *names = m_names.load(std::memory_order_acquire))
        return *names;
    auto made = std::make_unique<Names>();
    made->keys.reserve(columns.size());
    for (int i = 0; i < columns.size(); ++i) {
        const Column &c = columns.at(i);
        // aiomysql's DictCursor: a name seen before is keyed "table.name".
        QString key = c.name();
        if (made->index.contains(key))
            key = c.table() + QLatin1Char('.') + key;
        made->keys.append(key);
        made->index.insert(key, i);
    }
    const Names *published = nullptr;
    if (m_names.compare_exchange_strong(published, made.get(), std::memory_order_acq_rel, std::memory_order_acquire))
        return *made.release();
    return *published; // another thread was first
}

// ---------------------------------------------------------------------------------------------
// Row

Row::Row() = default;
Row::Row(RowPrivate *dd) : d(dd) { }
Row::Row(const Row &) = default;
Row::Row(Row &&) noexcept = default;
Row &Row::operator=(const Row &) = default;
Row &Row::operator=(Row &&) noexcept = default;
Row::~Row() = default;

int Row::size() const { return d ? int(d->cellCount) : 0; }

bool Row::isNull(int column) const
{
    return column < 0 || column >= size() || d->cells()[column].length < 0;
}

QVariant Row::value(int column) const
{
    if (column < 0 || column >= size())
        return QVariant();
    const RowPrivate::Cell cell = d->cells()[column];
    if (cell.length < 0)
        return QVariant();
    if (!d->meta->decoders.isEmpty()) {
        if (const Converters::Decoder &decode = d->meta->decoders.at(column))
            return decode(d->meta->columns.at(column), d->view(cell));
    }
    if (d->meta->binary)
        return decodeBinaryValue(d->meta->kinds[column], d->meta->layouts[column], d->bytes() + cell.offset,
                                 cell.length, d->meta->encoding);
    return decodeTextValue(d->meta->kinds[column], d->bytes() + cell.offset, cell.length, d->meta->encoding);
}

namespace {
/*! The kind of \a column's value if value() would decode it with the built-in decoder and it
    is not NULL (then \a bytes holds it, and \a layout its binary layout: String for a text
    result); ValueKind::Null otherwise (out of range, NULL, or a Converters decoder: value()
    decides). */
ValueKind plainCell(const RowPrivate *d, int column, QByteArrayView &bytes, BinaryLayout &layout)
{
    if (!d || column < 0 || column >= int(d->cellCount))
        return ValueKind::Null;
    const RowPrivate::Cell cell = d->cells()[column];
    if (cell.length < 0 || (!d->meta->decoders.isEmpty() && d->meta->decoders.at(column)))
        return ValueKind::Null;
    bytes = d->view(cell);
    layout = d->meta->binary ? d->meta->layouts[column] : BinaryLayout::String;
    return d->meta->kinds[column];
}

template<typename T>
bool parsed(QByteArrayView bytes, T &value)
{
    if constexpr (std::is_integral_v<T>)
        return parseInteger(bytes.begin(), bytes.end(), value);
    else
        return std::from_chars(bytes.begin(), bytes.end(), value).ec == std::errc();
}

//! An integer cell of kind Int, in either protocol.
bool integerCell(QByteArrayView bytes, BinaryLayout layout, qint64 &v)
{
    return layout == BinaryLayout::String ? parsed(bytes, v) : binaryInteger(layout, bytes.data(), v);
}
} // namespace

// Each fast path gives what value() and QVariant's conversion give for that kind; anything
// else (a malformed cell, which value() hands out as text) takes the general way.
qint64 Row::toLongLong(int column, bool *ok) const
{
    QByteArrayView bytes;
    BinaryLayout layout;
    qint64 v = 0;
    if (plainCell(d.data(), column, bytes, layout) == ValueKind::Int && integerCell(bytes, layout, v)) {
        if (ok)
            *ok = true;
        return v;
    }
    return value(column).toLongLong(ok);
}

double Row::toDouble(int column, bool *ok) const
{
    QByteArrayView bytes;
    BinaryLayout layout;
    double v = 0;
    bool done = false;
    switch (plainCell(d.data(), column, bytes, layout)) {
    case ValueKind::Double:
        done = layout == BinaryLayout::String ? parsed(bytes, v) : binaryFloating(layout, bytes.data(), v);
        break;
    case ValueKind::Decimal:
        // What value()'s Decimal converts to, without making it (a string in both protocols).
        v = DecimalText::toDouble(bytes, &done); // not done: not a decimal, value() decides
        break;
    case ValueKind::Int: {
        qint64 i = 0;
        done = integerCell(bytes, layout, i);
        v = double(i);
        break;
    }
    default:
        break;
    }
    if (!done)
        return value(column).toDouble(ok);
    if (ok)
        *ok = true;
    return v;
}

QString Row::toString(int column) const
{
    QByteArrayView bytes;
    BinaryLayout layout;
    if (plainCell(d.data(), column, bytes, layout) == ValueKind::Text)
        return decodeText(bytes, d->meta->encoding);
    return value(column).toString();
}

QVariant Row::value(const QString &column) const
{
    if (!d)
        return QVariant();
    return value(d->meta->indexOf(column));
}

QByteArray Row::rawValue(int column) const
{
    if (isNull(column))
        return QByteArray();
    return d->view(d->cells()[column]).toByteArray();
}

QList<Column> Row::columns() const { return d ? d->meta->columns : QList<Column>(); }
QStringList Row::keys() const { return d ? d->meta->keys() : QStringList(); }
bool Row::isDict() const { return d && d->meta->dict; }

QVariantList Row::toList() const
{
    QVariantList list;
    list.reserve(size());
    for (int i = 0; i < size(); ++i)
        list.append(value(i));
    return list;
}

QVariantMap Row::toMap() const
{
    QVariantMap map;
    if (!d)
        return map;
    const QStringList &keys = d->meta->keys();
    for (int i = 0; i < size(); ++i)
        map.insert(keys.at(i), value(i));
    return map;
}

QList<std::pair<QString, QVariant>> Row::toPairs() const
{
    QList<std::pair<QString, QVariant>> pairs;
    if (!d)
        return pairs;
    pairs.reserve(size());
    const QStringList &keys = d->meta->keys();
    for (int i = 0; i < size(); ++i)
        pairs.emplace_back(keys.at(i), value(i));
    return pairs;
}

QVariant Row::toVariant() const { return isDict() ? QVariant(toMap()) : QVariant(toList()); }

// ---------------------------------------------------------------------------------------------
// ResultSet

namespace {
/*! Shared by every empty ResultSet (a failure's, QList::value() past the end, a default one):
    made once and never freed (the extra reference keeps its count above zero), so an empty
    result costs no allocation. ResultSet only reads its data, so nothing writes to it. */
ResultSetPrivate *emptyResultSet()
{
    static ResultSetPrivate *const empty = [] {
        auto *e = new ResultSetPrivate;
        e->ref.ref();
        return e;
    }();
    return empty;
}
} // namespace

ResultSet::ResultSet() : d(emptyResultSet()) { }
ResultSet::ResultSet(ResultSetPrivate *dd) : d(dd) { }
ResultSet::ResultSet(const ResultSet &) = default;
ResultSet &ResultSet::operator=(const ResultSet &) = default;
ResultSet::~ResultSet() = default;

QList<Column> ResultSet::columns() const { return d->meta ? d->meta->columns : QList<Column>(); }
QList<Row> ResultSet::rows() const { return d->rows; }
bool ResultSet::hasColumns() const { return bool(d->meta); }
quint64 ResultSet::affectedRows() const { return d->affectedRows; }
quint64 ResultSet::lastInsertId() const { return d->lastInsertId; }
int ResultSet::warningCount() const { return d->warningCount; }
quint16 ResultSet::serverStatus() const { return d->serverStatus; }
QString ResultSet::info() const { return d->info; }

} // namespace AsyncMySql
