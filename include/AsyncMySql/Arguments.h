// SPDX-License-Identifier: MIT
// What the variadic Connection::query(sql, a, b, ...) and Cursor::execute(sql, a, b, ...) build
// their argument list with.
#pragma once

#include <AsyncMySql/global.h>

#include <QtCore/QObject>
#include <QtCore/QVariant>

#include <cstddef>
#include <type_traits>
#include <utility>

namespace AsyncMySql {
namespace Arguments {

//! One statement argument as a QVariant: nullptr is SQL NULL, a QVariant is taken as it is,
//! integers become qint64 / quint64, a C string UTF-8 text.
template<typename T>
QVariant toVariant(T &&value)
{
    using D = std::decay_t<T>;
    if constexpr (std::is_same_v<D, std::nullptr_t>)
        return QVariant();
    else if constexpr (std::is_same_v<D, QVariant>)
        return std::forward<T>(value);
    else if constexpr (std::is_same_v<D, const char *> || std::is_same_v<D, char *>)
        return QString::fromUtf8(value); // "text": UTF-8, also under QT_NO_CAST_FROM_ASCII
    else if constexpr (std::is_same_v<D, bool>)
        return QVariant(value);
    else if constexpr (std::is_integral_v<D> && std::is_signed_v<D>)
        return QVariant(qint64(value)); // long, short, ... too: QVariant has no constructor for all of them
    else if constexpr (std::is_integral_v<D>)
        return QVariant(quint64(value));
    else if constexpr (std::is_constructible_v<QVariant, T &&>)
        return QVariant(std::forward<T>(value)); // int, QString, "text", QDate, QByteArray, ...
    else
        return QVariant::fromValue(std::forward<T>(value)); // DateTime, Duration, registered types
}

//! A pointer to a QObject: never a value, but the context of a callback form such as Connection::query(sql, args, context, onDone).
template<typename T>
constexpr bool isObjectPointer()
{
    using D = std::decay_t<T>;
    return std::is_pointer_v<D> && std::is_base_of_v<QObject, std::remove_cv_t<std::remove_pointer_t<D>>>;
}

/*! True for an argument pack the variadic overloads take: one or more values, except a single
    QVariantList or QVariantMap, which the (sql, QVariantList) and (sql, QVariantMap) overloads
    take as the whole argument list, and except packs with a QObject pointer (callback forms). */
template<typename... Args>
constexpr bool isValuePack()
{
    if constexpr (sizeof...(Args) == 0)
        return false;
    else if constexpr ((isObjectPointer<Args>() || ...))
        return false;
    else if constexpr (sizeof...(Args) == 1)
        return !(std::is_same_v<std::decay_t<Args>, QVariantList> || ...)
               && !(std::is_same_v<std::decay_t<Args>, QVariantMap> || ...);
    else
        return true;
}

template<typename... Args>
using EnableIfValues = std::enable_if_t<isValuePack<Args...>(), bool>;

//! The positional argument list of \a values.
template<typename... Args>
QVariantList list(Args &&...values)
{
    return QVariantList{toVariant(std::forward<Args>(values))...};
}

} // namespace Arguments
} // namespace AsyncMySql
