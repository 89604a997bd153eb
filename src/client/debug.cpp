// SPDX-License-Identifier: MIT
// What a Qt developer prints while finding out what came back: QDebug operators for the public
// value types, and the names of column types and flags.
#include <AsyncMySql/Column.h>
#include <AsyncMySql/Decimal.h>
#include <AsyncMySql/Error.h>
#include <AsyncMySql/ResultSet.h>
#include <AsyncMySql/Row.h>
#include <AsyncMySql/Types.h>

#include <QtCore/QDebug>

#include <iterator>

namespace AsyncMySql {

QString Column::typeName() const { return typeName(type()); }

QString Column::typeName(quint8 type)
{
    switch (type) {
    case Decimal: return QStringLiteral("DECIMAL");
    case Tiny: return QStringLiteral("TINY");
    case Short: return QStringLiteral("SHORT");
    case Long: return QStringLiteral("LONG");
    case Float: return QStringLiteral("FLOAT");
    case Double: return QStringLiteral("DOUBLE");
    case Null: return QStringLiteral("NULL");
    case Timestamp: return QStringLiteral("TIMESTAMP");
    case LongLong: return QStringLiteral("LONGLONG");
    case Int24: return QStringLiteral("INT24");
    case Date: return QStringLiteral("DATE");
    case Time: return QStringLiteral("TIME");
    case DateTimeType: return QStringLiteral("DATETIME");
    case Year: return QStringLiteral("YEAR");
    case NewDate: return QStringLiteral("NEWDATE");
    case VarChar: return QStringLiteral("VARCHAR");
    case Bit: return QStringLiteral("BIT");
    case Json: return QStringLiteral("JSON");
    case NewDecimal: return QStringLiteral("NEWDECIMAL");
    case Enum: return QStringLiteral("ENUM");
    case Set: return QStringLiteral("SET");
    case TinyBlob: return QStringLiteral("TINY_BLOB");
    case MediumBlob: return QStringLiteral("MEDIUM_BLOB");
    case LongBlob: return QStringLiteral("LONG_BLOB");
    case Blob: return QStringLiteral("BLOB");
    case VarString: return QStringLiteral("VAR_STRING");
    case String: return QStringLiteral("STRING");
    case Geometry: return QStringLiteral("GEOMETRY");
    }
    return QStringLiteral("UNKNOWN(%1)").arg(type);
}

QStringList Column::flagNames(quint16 flags)
{
    // Bit i is named names[i]; 4096..16384 have no Flag enumerator but MySQL sends them.
    static const char *const names[] = {
        "NOT_NULL", "PRI_KEY", "UNIQUE_KEY", "MULTIPLE_KEY", "BLOB", "UNSIGNED", "ZEROFILL", "BINARY",
        "ENUM", "AUTO_INCREMENT", "TIMESTAMP", "SET", "NO_DEFAULT_VALUE", "ON_UPDATE_NOW", "PART_KEY", "NUM",
    };
    static_assert(std::size(names) == 16);
    QStringList out;
    for (int bit = 0; bit < 16; ++bit) {
        if (flags & (1u << bit))
            out << QLatin1String(names[bit]);
    }
    return out;
}

namespace {

//! One value as a reader wants to see it: "text" quoted, 42, NULL, our types by their text.
void printValue(QDebug &debug, const QVariant &value)
{
    if (value.isNull()) {
        debug << "NULL";
        return;
    }
    switch (value.metaType().id()) {
    case QMetaType::QString: debug << value.toString(); return;
    case QMetaType::LongLong: debug << value.toLongLong(); return;
    case QMetaType::ULongLong: debug << value.toULongLong(); return;
    case QMetaType::Int: debug << value.toInt(); return;
    case QMetaType::Double: debug << value.toDouble(); return;
    case QMetaType::Bool: debug << value.toBool(); return;
    case QMetaType::QByteArray: debug << value.toByteArray(); return;
    default: break;
    }
    if (value.metaType() == QMetaType::fromType<Decimal>())
    {
        debug.noquote() << value.value<Decimal>().toString(); // a number: unquoted, as 42 is
        debug.quote();
    }
    else if (value.metaType() == QMetaType::fromType<DateTime>())
        debug << value.value<DateTime>().toString();
    else if (value.metaType() == QMetaType::fromType<Duration>())
        debug << value.value<Duration>().toString();
    else
        debug << value;
}

} // namespace

QDebug operator<<(QDebug debug, const Column &column)
{
    const QDebugStateSaver saver(debug);
    debug.nospace() << "AsyncMySql::Column(name=" << column.name();
    if (!column.table().isEmpty())
        debug << ", table=" << column.table();
    debug.noquote() << ", type=" << column.typeName() << ", length=" << column.length();
    // 31 (0x1f) is the protocol's "not a fixed number of decimals" of strings and floats.
    if (column.decimals() && column.decimals() != 31)
        debug << ", decimals=" << column.decimals();
    if (column.flags())
        debug << ", flags=" << Column::flagNames(column.flags()).join(QLatin1Char('|'));
    debug << ')';
    return debug;
}

QDebug operator<<(QDebug debug, const Row &row)
{
    const QDebugStateSaver saver(debug);
    debug.nospace() << "AsyncMySql::Row(";
    const QStringList keys = row.keys();
    for (int i = 0; i < row.size(); ++i) {
        if (i)
            debug << ", ";
        debug.noquote() << keys.value(i) << '=';
        debug.quote();
        printValue(debug, row.value(i));
    }
    debug << ')';
    return debug;
}

QDebug operator<<(QDebug debug, const ResultSet &result)
{
    const QDebugStateSaver saver(debug);
    debug.nospace() << "AsyncMySql::ResultSet(";
    if (result.hasColumns()) {
        // A few rows tell what came back; a million would drown the log.
        constexpr int Shown = 5;
        const QList<Row> rows = result.rows();
        QStringList names;
        for (const Column &c : result.columns())
            names << c.name();
        debug.noquote() << rows.size() << (rows.size() == 1 ? " row" : " rows") << ", columns: " << names.join(u", ");
        debug.quote();
        for (int r = 0; r < qMin(int(rows.size()), Shown); ++r) {
            debug << (r ? ", (" : "; (");
            for (int i = 0; i < rows.at(r).size(); ++i) {
                if (i)
                    debug << ", ";
                printValue(debug, rows.at(r).value(i));
            }
            debug << ')';
        }
        if (rows.size() > Shown)
            debug << ", ... and " << rows.size() - Shown << " more";
    } else {
        debug << "affectedRows: " << result.affectedRows() << ", lastInsertId: " << result.lastInsertId();
    }
    if (result.warningCount())
        debug << ", warnings: " << result.warningCount();
    if (!result.info().isEmpty())
        debug << ", info: " << result.info();
    debug << ')';
    return debug;
}

QDebug operator<<(QDebug debug, const Warning &warning)
{
    const QDebugStateSaver saver(debug);
    debug.nospace() << "AsyncMySql::Warning(";
    debug.noquote() << warning.level();
    debug.quote() << ", " << warning.code() << ", " << warning.message() << ')';
    return debug;
}

QDebug operator<<(QDebug debug, const Error &error)
{
    const QDebugStateSaver saver(debug);
    debug.nospace().noquote() << "AsyncMySql::" << Error::typeName(error.type()) << error.toString();
    return debug;
}

QDebug operator<<(QDebug debug, const DateTime &value)
{
    const QDebugStateSaver saver(debug);
    debug.nospace().noquote() << "AsyncMySql::DateTime(" << value.toString() << ')';
    return debug;
}

QDebug operator<<(QDebug debug, const Decimal &value)
{
    const QDebugStateSaver saver(debug);
    debug.nospace().noquote() << "AsyncMySql::Decimal(" << value.toString() << ')';
    return debug;
}

QDebug operator<<(QDebug debug, Duration value)
{
    const QDebugStateSaver saver(debug);
    debug.nospace().noquote() << "AsyncMySql::Duration(" << value.toString() << ')';
    return debug;
}

} // namespace AsyncMySql
