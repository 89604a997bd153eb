// SPDX-License-Identifier: MIT
// What a parameter value is: the one dispatch over QVariant types behind both ways of sending
// one, as a SQL literal (SqlWriter, text protocol) and as a binary parameter (prepared
// statements), so that the two accept the same types and mean the same values.
#pragma once

#include "errors_p.h"

#include <AsyncMySql/Converters.h>
#include <AsyncMySql/Decimal.h>
#include <AsyncMySql/Types.h>

#include <QtCore/QDate>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QJsonValue>
#include <QtCore/QVariant>

#include <cmath>

namespace AsyncMySql {

namespace Detail {
template<typename Sink>
bool visitBuiltinParameter(const QVariant &value, Sink &sink, ErrorInfo &error)
{
    // Qt 6: only an invalid QVariant or a typed null (QVariant(QMetaType)) is null; a
    // QVariant holding a null QString is an empty string.
    if (value.isNull()) {
        sink.null();
        return true;
    }
    const int type = value.typeId();
    switch (type) {
    case QMetaType::Bool:
        sink.boolean(value.toBool());
        return true;
    case QMetaType::Int: case QMetaType::Short: case QMetaType::SChar: case QMetaType::Long:
    case QMetaType::LongLong:
        sink.integer(type == QMetaType::Int ? *static_cast<const int *>(value.constData()) : value.toLongLong());
        return true;
    case QMetaType::UInt: case QMetaType::UShort: case QMetaType::UChar: case QMetaType::ULong:
    case QMetaType::ULongLong:
        sink.unsignedInteger(value.toULongLong());
        return true;
    case QMetaType::Double: case QMetaType::Float: {
        const double d = value.toDouble();
        if (!std::isfinite(d)) {
            error = ErrorInfo::data(QStringLiteral("%1 cannot be sent to MySQL").arg(d));
            return false;
        }
        sink.floating(d);
        return true;
    }
    case QMetaType::QString:
        sink.text(value.toString());
        return true;
    case QMetaType::QByteArray:
        sink.bytes(value.toByteArray());
        return true;
    case QMetaType::QDate:
        // An invalid QDate is what the zero date reads as: sent back as the zero date.
        sink.date(value.toDate());
        return true;
    case QMetaType::QTime:
        sink.time(Duration::fromQTime(value.toTime()));
        return true;
    case QMetaType::QDateTime:
        sink.dateTime(DateTime::fromQDateTime(value.toDateTime()));
        return true;
    case QMetaType::QJsonDocument:
        sink.json(value.toJsonDocument().toJson(QJsonDocument::Compact));
        return true;
    case QMetaType::QJsonObject:
        sink.json(QJsonDocument(value.toJsonObject()).toJson(QJsonDocument::Compact));
        return true;
    case QMetaType::QJsonArray:
        sink.json(QJsonDocument(value.toJsonArray()).toJson(QJsonDocument::Compact));
        return true;
    case QMetaType::QJsonValue: {
        // A scalar: serialised inside an array, the brackets stripped.
        const QByteArray text = QJsonDocument(QJsonArray{value.toJsonValue()}).toJson(QJsonDocument::Compact);
        sink.json(text.sliced(1, text.size() - 2));
        return true;
    }
    case QMetaType::QVariantList: case QMetaType::QStringList:
        return sink.list(value.toList(), error);
    default:
        break;
    }
    if (type == qMetaTypeId<Decimal>()) {
        const Decimal &d = *static_cast<const Decimal *>(value.constData());
        if (d.isNull()) // a null Decimal is SQL NULL
            sink.null();
        else
            sink.decimal(d);
        return true;
    }
    if (type == qMetaTypeId<DateTime>()) {
        sink.dateTime(value.value<DateTime>());
        return true;
    }
    if (type == qMetaTypeId<Duration>()) {
        sink.time(value.value<Duration>());
        return true;
    }
    error = ErrorInfo::programming(QStringLiteral("A value of type %1 cannot be used as a parameter")
                                           .arg(QString::fromLatin1(value.typeName())));
    return false;
}
} // namespace Detail

/*!
    Calls the one member of \a sink that takes what \a value holds, after \a converters' encoder
    for its type (if any) replaced it: null(), boolean(), integer(), unsignedInteger(),
    floating() (finite only: NaN and infinity are a DataError), text(), bytes(), date() (an
    invalid QDate is the zero date), time() (a Duration; QTime too), dateTime() (a DateTime;
    QDateTime too, fields as they are), json() (the compact UTF-8 text of a QJsonDocument,
    object, array or scalar), decimal() (a null Decimal is null()), and `bool list(list, error)`
    and `bool raw(sql, error)` (an encoder's RawSql), which may refuse. False, with \a error set,
    for a value that cannot be a parameter (an unknown type: ProgrammingError).
*/
template<typename Sink>
bool visitParameter(const QVariant &value, const Converters *converters, Sink &sink, ErrorInfo &error)
{
    if (converters && !converters->isEmpty()) {
        if (const Converters::Encoder encode = converters->encoder(value.metaType())) {
            const QVariant replaced = encode(value);
            if (replaced.metaType() == QMetaType::fromType<RawSql>())
                return sink.raw(replaced.value<RawSql>().sql, error);
            // An encoder that returns its own type would call itself forever.
            return replaced.metaType() == value.metaType() ? Detail::visitBuiltinParameter(replaced, sink, error)
                                                           : visitParameter(replaced, converters, sink, error);
        }
    }
    return Detail::visitBuiltinParameter(value, sink, error);
}

} // namespace AsyncMySql
