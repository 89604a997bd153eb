// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QFuture>
#include <QtCore/QPointer>

#include <type_traits>
#include <utility>

namespace AsyncMySql {

/*!
    future.then(object, f), written so that it is safe on Qt 6.4: there, a continuation whose
    context object is destroyed before the future finishes asserts. So no context object is
    given; the continuation runs wherever the future finishes (our futures finish from a queued
    call in the connection's thread) and calls \a f only if \a object is still alive, with it
    as the first argument (then the future's value, unless it is a QFuture<void>).

    The returned QFuture<void> carries the future's failure on (for .onFailed()): \a f is not
    called for a failed or cancelled future, as with QFuture::then.
*/
template<typename T, typename Object, typename Function>
QFuture<void> thenGuarded(QFuture<T> future, Object *object, Function f)
{
    QPointer<Object> guard(object);
    if constexpr (std::is_void_v<T>) {
        return future.then([guard, f = std::move(f)]() mutable {
            if (guard)
                f(guard.data());
        });
    } else {
        return future.then([guard, f = std::move(f)](T value) mutable {
            if (guard)
                f(guard.data(), std::move(value));
        });
    }
}

} // namespace AsyncMySql
