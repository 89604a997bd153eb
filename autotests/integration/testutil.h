// SPDX-License-Identifier: MIT
// Helpers for tests against the throw-away server of scripts/testserver.sh.
#pragma once

#include <AsyncMySql/AsyncMySql.h>

#include <QtCore/QEventLoop>
#include <QtCore/QFutureWatcher>
#include <QtCore/QTimer>
#include <QtTest/QTest>

#include <functional>
#include <memory>

namespace TestUtil {

//! Options for the test user; the server's address comes from the environment.
inline AsyncMySql::ConnectOptions options()
{
    AsyncMySql::ConnectOptions o;
    o.host = qEnvironmentVariable("ASYNCMYSQL_TEST_HOST");
    o.port = quint16(qEnvironmentVariableIntValue("ASYNCMYSQL_TEST_PORT"));
    o.user = qEnvironmentVariable("ASYNCMYSQL_TEST_USER");
    o.password = qEnvironmentVariable("ASYNCMYSQL_TEST_PASSWORD");
    o.database = qEnvironmentVariable("ASYNCMYSQL_TEST_DB");
    o.connectTimeout = std::chrono::seconds(10);
    return o;
}

inline AsyncMySql::ConnectOptions adminOptions()
{
    AsyncMySql::ConnectOptions o = options();
    o.user = qEnvironmentVariable("ASYNCMYSQL_TEST_ADMIN_USER");
    o.password = qEnvironmentVariable("ASYNCMYSQL_TEST_ADMIN_PASSWORD");
    o.autocommit = true;
    return o;
}

inline bool haveServer()
{
    return qEnvironmentVariableIsSet("ASYNCMYSQL_TEST_PORT");
}

//! Runs the event loop until \a future finishes or \a timeoutMs pass; true if it finished.
template<typename T>
bool waitFor(const QFuture<T> &future, int timeoutMs = 15000)
{
    if (future.isFinished())
        return true;
    QEventLoop loop;
    QFutureWatcher<T> watcher;
    QObject::connect(&watcher, &QFutureWatcherBase::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    watcher.setFuture(future);
    loop.exec();
    return future.isFinished();
}

//! The error \a future failed with, or nullptr if it succeeded (or did not finish).
template<typename T>
std::shared_ptr<AsyncMySql::Error> errorOf(QFuture<T> future, int timeoutMs = 15000)
{
    if (!waitFor(future, timeoutMs))
        return nullptr;
    try {
        future.waitForFinished();
        if constexpr (!std::is_void_v<T>)
            (void)future.result();
    } catch (const AsyncMySql::Error &e) {
        return std::shared_ptr<AsyncMySql::Error>(e.clone());
    }
    return nullptr;
}

} // namespace TestUtil

namespace TestUtil {
//! The result of \a future once finished; aborts the test on timeout or error (see AWAIT).
template<typename T>
T awaitResult(QFuture<T> future, const char *file, int line)
{
    if (!waitFor(future))
        qFatal("%s:%d: future did not finish in time", file, line);
    try {
        if constexpr (std::is_void_v<T>)
            future.waitForFinished();
        else
            return future.result();
    } catch (const AsyncMySql::Error &e) {
        qFatal("%s:%d: unexpected error %s", file, line, e.what());
    }
}
} // namespace TestUtil

namespace TestUtil {
//! A connection opened with the test options (changed by \a tweak), owned by the caller.
inline std::unique_ptr<AsyncMySql::Connection>
openConnectionWith(const std::function<void(AsyncMySql::ConnectOptions &)> &tweak, const char *file, int line)
{
    AsyncMySql::ConnectOptions o = options();
    if (tweak)
        tweak(o);
    auto c = std::make_unique<AsyncMySql::Connection>(o);
    awaitResult(c->open(), file, line);
    return c;
}
//! An open connection as the test user, autocommit on, for a test's setup and checks.
inline std::unique_ptr<AsyncMySql::Connection> openConnection()
{
    return openConnectionWith([](AsyncMySql::ConnectOptions &o) { o.autocommit = true; }, __FILE__, __LINE__);
}
} // namespace TestUtil

//! Waits for a future and yields its result; ends the test run on timeout or error.
#define AWAIT(future) TestUtil::awaitResult((future), __FILE__, __LINE__)

//! Expects \a future to fail with exception class \a Class (and, if nonzero, error \a errorCode).
#define EXPECT_ERROR(future, Class, errorCode)                                                   \
    do {                                                                                         \
        auto err_ = TestUtil::errorOf(future);                                                   \
        QVERIFY2(err_, "expected " #Class ", the future succeeded or hung");                    \
        QVERIFY2(dynamic_cast<const AsyncMySql::Class *>(err_.get()),                            \
                 qPrintable(QStringLiteral("expected " #Class ", got %1").arg(err_->toString()))); \
        if ((errorCode) != 0)                                                                    \
            QCOMPARE(err_->code(), (errorCode));                                                 \
    } while (false)
