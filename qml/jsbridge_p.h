// SPDX-License-Identifier: MIT
// Values and errors of the library as QML and JavaScript see them.
#pragma once

#include <AsyncMySql/Error.h>

#include <QtCore/QPointer>
#include <QtCore/QVariant>
#include <QtQml/QJSEngine>
#include <QtQml/QJSValue>

namespace AsyncMySql {

/*! \a value with the library's own types made into what QML has: DateTime a date (JS Date),
    Decimal and Duration their text, JSON the objects and arrays it holds. Other values are
    unchanged. */
QVariant qmlValue(const QVariant &value);

//! Statement arguments from JavaScript: an array (positional), an object (named), or one value.
QVariant argumentsFromJs(const QJSValue &arguments);

//! A JavaScript Error carrying the library error's type name, code, sqlState and message.
QJSValue jsError(QJSEngine *engine, const Error &error);

/*!
    A JavaScript Promise settled from C++ later. Settling after the engine is gone does
    nothing.
*/
class JsPromise
{
public:
    explicit JsPromise(QJSEngine *engine);
    QJSValue promise() const { return m_promise; }
    void resolve(const QJSValue &value);
    void reject(const QJSValue &reason);
    QJSEngine *engine() const { return m_engine; }

private:
    QPointer<QJSEngine> m_engine;
    QJSValue m_promise, m_resolve, m_reject;
};

} // namespace AsyncMySql
