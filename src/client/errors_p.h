// SPDX-License-Identifier: MIT
#pragma once

#include <AsyncMySql/Error.h>

#include <QtCore/QPromise>

#include <exception>
#include <memory>

namespace AsyncMySql {

namespace Protocol { struct Failure; }

//! Everything needed to build one of the Error classes later (they are not cheap to pass around).
struct ErrorInfo
{
    Error::Type type = Error::Type::Internal;
    int code = 0;
    QString sqlState;
    QString message;

    std::unique_ptr<Error> make() const;
    std::exception_ptr toExceptionPtr() const;

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
    promise.setException(error.toExceptionPtr());
    promise.finish();
}

//! A completion callback that finishes \a promise, with the error if there is one.
inline auto finishing(std::shared_ptr<QPromise<void>> promise)
{
    return [promise = std::move(promise)](const ErrorInfo *error) {
        if (error)
            failPromise(*promise, *error);
        else
            promise->finish();
    };
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
