// SPDX-License-Identifier: MIT
#include "client/errors_p.h"
#include "protocol/exchange.h"

#include <QtCore/QFuture>
#include <QtCore/QPromise>
#include <QtCore/QRegularExpression>
#include <QtTest/QTest>

#include <AsyncMySql/ResultSet.h>

#include <memory>

using namespace AsyncMySql;

Q_DECLARE_METATYPE(AsyncMySql::Error::Type)

namespace {

ErrorInfo duplicateKey()
{
    return ErrorInfo{Error::Type::Integrity, 1062, QStringLiteral("23000"), QStringLiteral("Duplicate entry '1' for key 'PRIMARY'")};
}

//! Whether \a e has the dynamic class that Error::Type \a type names.
bool hasClass(const Error &e, Error::Type type)
{
    switch (type) {
    case Error::Type::Interface: return dynamic_cast<const InterfaceError *>(&e);
    case Error::Type::Database: return dynamic_cast<const DatabaseError *>(&e);
    case Error::Type::Data: return dynamic_cast<const DataError *>(&e);
    case Error::Type::Operational: return dynamic_cast<const OperationalError *>(&e);
    case Error::Type::Integrity: return dynamic_cast<const IntegrityError *>(&e);
    case Error::Type::Internal: return dynamic_cast<const InternalError *>(&e);
    case Error::Type::Programming: return dynamic_cast<const ProgrammingError *>(&e);
    case Error::Type::NotSupported: return dynamic_cast<const NotSupportedError *>(&e);
    }
    return false;
}

/*! Runs \a f and returns the code() of the exception it throws if that is an \a E;
    -1 if it throws nothing, -2 if it throws something else. */
template<typename E, typename F>
int codeCaughtAs(F &&f)
{
    try {
        f();
    } catch (const E &e) {
        return e.code();
    } catch (...) {
        return -2;
    }
    return -1;
}

} // namespace

class tst_Errors : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void typeForServerError_data();
    void typeForServerError();
    void makeGivesDynamicClass_data();
    void makeGivesDynamicClass();
    void hierarchy();
    void textAndCopies();
    void cloneKeepsClass();
    void exceptionPtrKeepsClass();
    void fromFailure();
    void failedFutureRethrowsConcreteClass();
    void onFailedReceivesConcreteClass();
    void onFailedSkipsOtherClasses();
    void setExceptionByBaseReference();
    void factories();
    // FailureReport: a failure nobody read is logged when its last future goes.
    void unreadFailureWarns();
    void readFailureIsQuiet();
    void readThroughSignalCopyIsQuiet();
    void sharedReportWarnsOnce();
    void unreportedNeverWarns();
    void cancelledNeverWarns();
    void catchByTypeOnlyStillWarns();
};

namespace {
const QRegularExpression unobserved(QStringLiteral("nobody observed"));
const char *const duplicateKeyWarning =
        "an error nobody observed (no continuation or slot read it): IntegrityError (1062, '23000'): "
        "Duplicate entry '1' for key 'PRIMARY' [INSERT INTO t VALUES (1)]";
} // namespace

void tst_Errors::unreadFailureWarns()
{
    QTest::ignoreMessage(QtWarningMsg, duplicateKeyWarning);
    {
        QFuture<void> f = failedFuture<void>(duplicateKey().reported(QStringLiteral("INSERT INTO t VALUES (1)")));
        QVERIFY(f.isFinished());
    } // the last copy goes here: ignoreMessage() fails the test if the warning did not come
}

void tst_Errors::readFailureIsQuiet()
{
    QTest::failOnWarning(unobserved);
    int code = 0;
    failedFuture<void>(duplicateKey().reported()).onFailed([&code](const Error &e) { code = e.code(); });
    QCOMPARE(code, 1062);
    // QCoro's way: result() in a try block.
    QFuture<int> f = failedFuture<int>(duplicateKey().reported());
    try {
        (void)f.result();
    } catch (const IntegrityError &e) {
        QCOMPARE(e.message(), QStringLiteral("Duplicate entry '1' for key 'PRIMARY'"));
    }
}

void tst_Errors::readThroughSignalCopyIsQuiet()
{
    QTest::failOnWarning(unobserved);
    const ErrorInfo info = duplicateKey().reported();
    QCOMPARE(info.make()->sqlState(), QStringLiteral("23000")); // what a slot on errorOccurred sees
    (void)failedFuture<void>(info);
}

void tst_Errors::sharedReportWarnsOnce()
{
    // A lost connection fails every pending command with one report: one warning, at the end.
    QTest::ignoreMessage(QtWarningMsg, duplicateKeyWarning);
    QTest::failOnWarning(unobserved);
    const ErrorInfo info = duplicateKey().reported(QStringLiteral("INSERT INTO t VALUES (1)"));
    auto first = std::make_unique<QFuture<void>>(failedFuture<void>(info));
    auto second = std::make_unique<QFuture<ResultSet>>(failedFuture<ResultSet>(info));
    first.reset();
    second.reset();
}

void tst_Errors::unreportedNeverWarns()
{
    QTest::failOnWarning(unobserved);
    (void)failedFuture<void>(duplicateKey()); // internal: the library's own callbacks read it
}

void tst_Errors::cancelledNeverWarns()
{
    QTest::failOnWarning(unobserved);
    QPromise<void> promise;
    QFuture<void> f = promise.future();
    promise.start();
    f.cancel(); // the user's own doing: nobody is owed a report
    failPromise(promise, duplicateKey().reported());
    f = QFuture<void>();
}

void tst_Errors::catchByTypeOnlyStillWarns()
{
    // The documented limit: a catch that never asks the error anything cannot be told from
    // no catch at all, so it is reported (read it, e.g. e.code(), to say it was seen).
    QTest::ignoreMessage(QtWarningMsg, duplicateKeyWarning);
    QFuture<void> f = failedFuture<void>(duplicateKey().reported(QStringLiteral("INSERT INTO t VALUES (1)")));
    bool caught = false;
    try {
        f.waitForFinished();
    } catch (const IntegrityError &) {
        caught = true;
    }
    QVERIFY(caught);
    f = QFuture<void>();
}

void tst_Errors::typeForServerError_data()
{
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("sqlState");
    QTest::addColumn<Error::Type>("type");

    QTest::newRow("1062 duplicate") << 1062 << QStringLiteral("23000") << Error::Type::Integrity;
    QTest::newRow("1452 foreign key") << 1452 << QStringLiteral("23000") << Error::Type::Integrity;
    QTest::newRow("1048 not null") << 1048 << QStringLiteral("23000") << Error::Type::Integrity;
    QTest::newRow("1064 syntax") << 1064 << QStringLiteral("42000") << Error::Type::Programming;
    QTest::newRow("1146 no table") << 1146 << QStringLiteral("42S02") << Error::Type::Programming;
    QTest::newRow("1054 no column") << 1054 << QStringLiteral("42S22") << Error::Type::Programming;
    QTest::newRow("1045 access denied") << 1045 << QStringLiteral("28000") << Error::Type::Operational;
    QTest::newRow("1213 deadlock") << 1213 << QStringLiteral("40001") << Error::Type::Operational;
    QTest::newRow("1205 lock wait") << 1205 << QStringLiteral("HY000") << Error::Type::Operational;
    QTest::newRow("2013 lost") << 2013 << QStringLiteral("HY000") << Error::Type::Operational;
    QTest::newRow("1406 too long") << 1406 << QStringLiteral("22001") << Error::Type::Data;
    QTest::newRow("1264 out of range") << 1264 << QStringLiteral("22003") << Error::Type::Data;
    QTest::newRow("1235 not supported") << 1235 << QStringLiteral("42000") << Error::Type::NotSupported;
    QTest::newRow("unknown 42xxx") << 9999 << QStringLiteral("42S99") << Error::Type::Programming;
    QTest::newRow("unknown 23xxx") << 9998 << QStringLiteral("23999") << Error::Type::Integrity;
    QTest::newRow("unknown 22xxx") << 9997 << QStringLiteral("22999") << Error::Type::Data;
    QTest::newRow("unknown 0Axxx") << 9996 << QStringLiteral("0A000") << Error::Type::NotSupported;
    QTest::newRow("unknown 08xxx") << 9995 << QStringLiteral("08S01") << Error::Type::Operational;
    QTest::newRow("unknown HY000") << 9994 << QStringLiteral("HY000") << Error::Type::Operational;
}

void tst_Errors::typeForServerError()
{
    QFETCH(int, code);
    QFETCH(QString, sqlState);
    QFETCH(Error::Type, type);
    QCOMPARE(ErrorInfo::typeForServerError(code, sqlState), type);
}

void tst_Errors::makeGivesDynamicClass_data()
{
    QTest::addColumn<Error::Type>("type");
    QTest::newRow("Interface") << Error::Type::Interface;
    QTest::newRow("Database") << Error::Type::Database;
    QTest::newRow("Data") << Error::Type::Data;
    QTest::newRow("Operational") << Error::Type::Operational;
    QTest::newRow("Integrity") << Error::Type::Integrity;
    QTest::newRow("Internal") << Error::Type::Internal;
    QTest::newRow("Programming") << Error::Type::Programming;
    QTest::newRow("NotSupported") << Error::Type::NotSupported;
}

void tst_Errors::makeGivesDynamicClass()
{
    QFETCH(Error::Type, type);
    const ErrorInfo info{type, 2013, QStringLiteral("HY000"), QStringLiteral("Lost connection")};
    const std::unique_ptr<Error> e = info.make();
    QVERIFY(e);
    QCOMPARE(e->type(), type);
    QVERIFY(hasClass(*e, type));
    QCOMPARE(e->code(), 2013);
    QCOMPARE(e->sqlState(), QStringLiteral("HY000"));
    QCOMPARE(e->message(), QStringLiteral("Lost connection"));
}

void tst_Errors::hierarchy()
{
    const std::unique_ptr<Error> integrity = duplicateKey().make();
    QVERIFY(dynamic_cast<const DatabaseError *>(integrity.get()));
    QVERIFY(dynamic_cast<const QException *>(integrity.get()));
    QVERIFY(!dynamic_cast<const ProgrammingError *>(integrity.get()));
    const std::unique_ptr<Error> iface = ErrorInfo::interface(QStringLiteral("closed")).make();
    QVERIFY(dynamic_cast<const InterfaceError *>(iface.get()));
    QVERIFY(!dynamic_cast<const DatabaseError *>(iface.get()));
}

void tst_Errors::textAndCopies()
{
    const std::unique_ptr<Error> e = duplicateKey().make();
    const QString expected = QStringLiteral("(1062, '23000'): Duplicate entry '1' for key 'PRIMARY'");
    QCOMPARE(e->toString(), expected);
    QCOMPARE(QByteArray(e->what()), expected.toUtf8());
    const IntegrityError copy = *static_cast<IntegrityError *>(e.get());
    QCOMPARE(QByteArray(copy.what()), expected.toUtf8());
    const IntegrityError unicode(1062, QStringLiteral("23000"), QStringLiteral("Duplicate entry '\u00e9'"));
    QCOMPARE(QString::fromUtf8(unicode.what()), QStringLiteral("(1062, '23000'): Duplicate entry '\u00e9'"));
}

void tst_Errors::cloneKeepsClass()
{
    const std::unique_ptr<Error> e = duplicateKey().make();
    const std::unique_ptr<Error> copy(e->clone());
    QVERIFY(dynamic_cast<IntegrityError *>(copy.get()));
    QCOMPARE(copy->code(), 1062);
    QCOMPARE(copy->message(), e->message());
}

void tst_Errors::exceptionPtrKeepsClass()
{
    const std::exception_ptr p = duplicateKey().toExceptionPtr();
    QCOMPARE(codeCaughtAs<IntegrityError>([&p] { std::rethrow_exception(p); }), 1062);
}

void tst_Errors::fromFailure()
{
    Protocol::Failure server;
    server.fromServer = true;
    server.code = 1062;
    server.sqlState = "23000";
    server.message = QStringLiteral("dup");
    const ErrorInfo a = ErrorInfo::fromFailure(server);
    QCOMPARE(a.type, Error::Type::Integrity);
    QCOMPARE(a.code, 1062);
    QCOMPARE(a.sqlState, QStringLiteral("23000"));
    QCOMPARE(a.message, QStringLiteral("dup"));

    Protocol::Failure local;
    local.fatal = true;
    local.type = Error::Type::Operational;
    local.code = 2026;
    local.sqlState = "HY000";
    local.message = QStringLiteral("TLS required");
    const ErrorInfo b = ErrorInfo::fromFailure(local);
    QCOMPARE(b.type, Error::Type::Operational);
    QCOMPARE(b.code, 2026);
}

void tst_Errors::failedFutureRethrowsConcreteClass()
{
    QFuture<int> f = failedFuture<int>(duplicateKey());
    QVERIFY(f.isFinished());
    QCOMPARE(codeCaughtAs<IntegrityError>([&f] { f.result(); }), 1062);

    // Also through the base class, the way generic handlers catch.
    QString what;
    try {
        failedFuture<void>(ErrorInfo::programming(QStringLiteral("bad"))).waitForFinished();
    } catch (const Error &e) {
        what = e.message();
        QCOMPARE(e.type(), Error::Type::Programming);
    }
    QCOMPARE(what, QStringLiteral("bad"));
}

void tst_Errors::onFailedReceivesConcreteClass()
{
    int code = 0;
    QFuture<int> handled = failedFuture<int>(duplicateKey()).onFailed([&code](const IntegrityError &e) {
        code = e.code();
        return -1;
    });
    QCOMPARE(handled.result(), -1);
    QCOMPARE(code, 1062);
}

void tst_Errors::onFailedSkipsOtherClasses()
{
    bool wrongHandler = false;
    QFuture<int> handled = failedFuture<int>(duplicateKey())
                                   .onFailed([&wrongHandler](const ProgrammingError &) {
                                       wrongHandler = true;
                                       return 1;
                                   })
                                   .onFailed([](const DatabaseError &e) { return e.type() == Error::Type::Integrity ? 2 : 3; });
    QCOMPARE(handled.result(), 2);
    QVERIFY(!wrongHandler);
}

void tst_Errors::setExceptionByBaseReference()
{
    // QPromise::setException(const QException &) re-throws through raise(): with only the base
    // reference in hand the concrete class must still arrive.
    QPromise<int> promise;
    QFuture<int> f = promise.future();
    promise.start();
    const std::unique_ptr<Error> e = ErrorInfo::operational(2013, QStringLiteral("Lost connection")).make();
    const QException &base = *e;
    promise.setException(base);
    promise.finish();
    QCOMPARE(codeCaughtAs<OperationalError>([&f] { f.waitForFinished(); }), 2013);
}

void tst_Errors::factories()
{
    const ErrorInfo p = ErrorInfo::programming(QStringLiteral("x"));
    QCOMPARE(p.type, Error::Type::Programming);
    QCOMPARE(p.sqlState, QStringLiteral("42000"));
    const ErrorInfo d = ErrorInfo::data(QStringLiteral("x"));
    QCOMPARE(d.type, Error::Type::Data);
    QCOMPARE(d.sqlState, QStringLiteral("22000"));
    const ErrorInfo n = ErrorInfo::notSupported(QStringLiteral("x"));
    QCOMPARE(n.type, Error::Type::NotSupported);
    const ErrorInfo i = ErrorInfo::interface(QStringLiteral("x"));
    QCOMPARE(i.type, Error::Type::Interface);
    QCOMPARE(i.sqlState, QStringLiteral("08003"));
    const ErrorInfo o = ErrorInfo::operational(2003, QStringLiteral("x"));
    QCOMPARE(o.type, Error::Type::Operational);
    QCOMPARE(o.code, 2003);
}

QTEST_GUILESS_MAIN(tst_Errors)
#include "tst_errors.moc"
