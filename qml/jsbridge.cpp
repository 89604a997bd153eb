// SPDX-License-Identifier: MIT
#include "jsbridge_p.h"

#include <AsyncMySql/Decimal.h>
#include <AsyncMySql/Types.h>

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonValue>

namespace AsyncMySql {

QVariant qmlValue(const QVariant &value)
{
    const QMetaType type = value.metaType();
    if (type == QMetaType::fromType<DateTime>())
        return value.value<DateTime>().toQDateTime();
    // JavaScript has no exact decimal number: the exact text, as mysql2 hands DECIMAL out.
    if (type == QMetaType::fromType<Decimal>())
        return value.value<Decimal>().toString();
    if (type == QMetaType::fromType<Duration>())
        return value.value<Duration>().toString();
    if (type == QMetaType::fromType<QJsonDocument>())
        return value.toJsonDocument().toVariant();
    if (type == QMetaType::fromType<QJsonValue>())
        return value.toJsonValue().toVariant();
    return value;
}

QVariant argumentsFromJs(const QJSValue &arguments)
{
    if (arguments.isUndefined() || arguments.isNull())
        return QVariantList();
    // toVariant() makes an array a QVariantList and any other object a QVariantMap.
    const QVariant value = arguments.toVariant();
    if (arguments.isArray() || (arguments.isObject() && value.metaType() == QMetaType::fromType<QVariantMap>()))
        return value;
    return QVariantList{value};
}

static QString typeName(Error::Type type)
{
    switch (type) {
    case Error::Type::Interface: return QStringLiteral("InterfaceError");
    case Error::Type::Database: return QStringLiteral("DatabaseError");
    case Error::Type::Data: return QStringLiteral("DataError");
    case Error::Type::Operational: return QStringLiteral("OperationalError");
    case Error::Type::Integrity: return QStringLiteral("IntegrityError");
    case Error::Type::Internal: return QStringLiteral("InternalError");
    case Error::Type::Programming: return QStringLiteral("ProgrammingError");
    case Error::Type::NotSupported: return QStringLiteral("NotSupportedError");
    }
    return QStringLiteral("Error");
}

QJSValue jsError(QJSEngine *engine, const Error &error)
{
    QJSValue e = engine->newErrorObject(QJSValue::GenericError, error.message());
    e.setProperty(QStringLiteral("type"), typeName(error.type()));
    e.setProperty(QStringLiteral("code"), error.code());
    e.setProperty(QStringLiteral("sqlState"), error.sqlState());
    return e;
}

JsPromise::JsPromise(QJSEngine *engine) : m_engine(engine)
{
    // The executor runs at once, inside the constructor of the Promise, and hands out the
    // two functions that settle it.
    QJSValue deferred = engine->evaluate(QStringLiteral(
            "(function () { var d = {}; d.promise = new Promise(function (resolve, reject) {"
            " d.resolve = resolve; d.reject = reject; }); return d; })()"));
    m_promise = deferred.property(QStringLiteral("promise"));
    m_resolve = deferred.property(QStringLiteral("resolve"));
    m_reject = deferred.property(QStringLiteral("reject"));
}

void JsPromise::resolve(const QJSValue &value)
{
    if (m_engine)
        m_resolve.call({value});
}

void JsPromise::reject(const QJSValue &reason)
{
    if (m_engine)
        m_reject.call({reason});
}

} // namespace AsyncMySql
