// SPDX-License-Identifier: MIT
#pragma once

#include <AsyncMySql/Error.h>

#include <QtCore/QPromise>

#include <atomic>
#include <exception>
#include <memory>
#include <type_traits>

namespace AsyncMySql {

namespace Protocol { struct Failure; }

/*!
    One failure as the user is told about it. The errors made from it (the exception of every
    future that fails with it, the arguments of the errorOccurred signals) share it; reading
    any of them (code(), sqlState(), message(), type(), toString(), what(), QDebug) marks it
    heard. When the last exception holding it goes (every future that carried it is gone) and
    nothing ever read it, a warning goes to the "asyncmysql.unobserved" category: an error is
    never lost without a trace.
*/
struct FailureReport
{
    std::atomic<bool> heard{false};
    std::atomic<int> exceptions{0}; // live exception objects (futures' errors) carrying it
    QString context;                // what failed, for the warning ("SELECT ...")
};

//! Everything needed to build one of the Error classes later (they are not cheap to pass around).
struct ErrorInfo
{
    Error::Type type = Error::Type::Internal;
    int code = 0;
    QString sqlState;
    QString message;
    //! Set once the failure is reported to the user (see FailureReport); null for internal ones.
    std::shared_ptr<FailureReport> report = nullptr;

    //! The Error for errorOccurred (shares the report, if any).
    std::unique_ptr<Error> make() const;
    //! The future's exception; it counts as one of the report's exceptions.
    std::exception_ptr toExceptionPtr() const;
    //! This error with a report attached (a copy of it if it has one already).
    ErrorInfo reported(const QString &context = QString()) const;

    static ErrorInfo fromFailure(const Protocol::Failure &f);
    //! The DB-API class of a server error (PyMySQL's table, then the SQLSTATE class).
    static Error::Type typeForServerError(int code, QStringView sqlState);
    static ErrorInfo interface(const QString &message, int code = 0, const QString &state = QStringLiteral("08003"));
    static ErrorInfo programming(const QString &message);
    static ErrorInfo data(const QString &message);
    static ErrorInfo notSupported(const QString &message);
    static ErrorInfo operational(int code, const QString &message, const QString &state = QStringLiteral("HY000"));
};

//! Finishes \a promise with \a error (it must have been started).
template<typename T>
void failPromise(QPromise<T> &promise, const ErrorInfo &error)
{
    if (promise.isCanceled()) {
        // The user cancelled it: the exception would be dropped, and nobody is owed a report.
        promise.finish();
        return;
    }
    promise.setException(error.toExceptionPtr());
    promise.finish();
}

//! What completing() does on an error before it fails the promise: nothing.
struct NoFailureStep
{
    void operator()(const ErrorInfo &) const { }
};

namespace Detail {
//! \a f with \a results if it takes them, else without (a function template, not a nested
//! lambda over the pack: clang 14 checks both branches of that one).
template<typename F, typename... Results>
decltype(auto) invokeWithResults(const F &f, const Results &...results)
{
    if constexpr (std::is_invocable_v<const F &, const Results &...>)
        return f(results...);
    else
        return f();
}
} // namespace Detail

/*!
    A completion callback (`(const ErrorInfo *error, results...)`, the shape every command
    callback has) that finishes \a promise exactly once: with the error if there is one (after
    \a onFailure(*error)), else with what \a onSuccess returns (nothing for a void promise).
    \a onSuccess takes the callback's results, or nothing if it does not need them.
*/
template<typename T, typename OnSuccess, typename OnFailure = NoFailureStep>
auto completing(std::shared_ptr<QPromise<T>> promise, OnSuccess onSuccess, OnFailure onFailure = {})
{
    return [promise = std::move(promise), onSuccess = std::move(onSuccess), onFailure = std::move(onFailure)](
                   const ErrorInfo *error, const auto &...results) {
        if (error) {
            onFailure(*error);
            failPromise(*promise, *error);
            return;
        }
        if constexpr (std::is_void_v<T>)
            Detail::invokeWithResults(onSuccess, results...);
        else
            promise->addResult(Detail::invokeWithResults(onSuccess, results...));
        promise->finish();
    };
}

//! A completion callback that finishes \a promise, with the error if there is one.
inline auto finishing(std::shared_ptr<QPromise<void>> promise)
{
    return completing(std::move(promise), [] { });
}

//! A future that has already failed with \a error.
template<typename T>
QFuture<T> failedFuture(const ErrorInfo &error)
{
    QPromise<T> promise;
    QFuture<T> future = promise.future();
    promise.start();
    failPromise(promise, error);
    return future;
}

} // namespace AsyncMySql
