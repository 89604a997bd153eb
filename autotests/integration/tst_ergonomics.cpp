// SPDX-License-Identifier: MIT
// What a first-time user relies on without reading the source: every failure is heard
// (Connection::errorOccurred, or a warning when nobody read it), the variadic query()/execute(),
// QDebug of what came back.
#include "testutil.h"

#include <QtCore/QDebug>
#include <QtTest/QSignalSpy>

using namespace AsyncMySql;

namespace {

//! Collects the warnings of "asyncmysql.unobserved"; everything else goes on to QTest.
class UnobservedLog
{
public:
    UnobservedLog() : m_previous(qInstallMessageHandler(&UnobservedLog::handle)) { s_current = this; }
    ~UnobservedLog()
    {
        qInstallMessageHandler(m_previous);
        s_current = nullptr;
    }
    QStringList messages;
    //! How many messages mention \a text.
    int count(const QString &text) const { return int(messages.filter(text).size()); }

private:
    static void handle(QtMsgType type, const QMessageLogContext &context, const QString &message)
    {
        if (s_current && type == QtWarningMsg && qstrcmp(context.category, "asyncmysql.unobserved") == 0) {
            s_current->messages << message;
            return;
        }
        if (s_current && s_current->m_previous)
            s_current->m_previous(type, context, message);
    }
    QtMessageHandler m_previous;
    static inline UnobservedLog *s_current = nullptr;
};

//! The Error a QSignalSpy recorded (a copy of the signal's argument).
const Error &spiedError(const QSignalSpy &spy, int index)
{
    return *static_cast<const Error *>(spy.at(index).at(0).constData());
}

} // namespace

class tst_Ergonomics : public QObject
{
    Q_OBJECT

    std::unique_ptr<Connection> conn;

    /*! Sends a failing query whose future is dropped and waits for its warning. Futures go
        in the order they finish, so once it is logged, an earlier failure would have been too. */
    bool canary(UnobservedLog &log, Connection *c, const QString &table)
    {
        (void)c->query(QStringLiteral("SELECT * FROM %1").arg(table));
        return QTest::qWaitFor([&] { return log.count(table) == 1; }, 10000);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(TestUtil::haveServer(), "run through scripts/test.sh (it starts the server)");
        conn = TestUtil::openConnection();
    }

    void droppedFailureIsSignalledAndLogged()
    {
        QSignalSpy errors(conn.get(), &Connection::errorOccurred);
        UnobservedLog log;
        (void)conn->query(QStringLiteral("SELECT * FROM no_such_table"));
        QTRY_COMPARE(errors.count(), 1);
        QTRY_COMPARE(log.messages.size(), 1);
        QVERIFY2(log.messages.first().contains(QStringLiteral("ProgrammingError (1146, '42S02')")), qPrintable(log.messages.first()));
        QVERIFY2(log.messages.first().endsWith(QStringLiteral("[SELECT * FROM no_such_table]")), qPrintable(log.messages.first()));
        QCOMPARE(spiedError(errors, 0).code(), 1146);
        QCOMPARE(spiedError(errors, 0).sqlState(), QStringLiteral("42S02"));
    }

    void handledFailureIsSignalledNotLogged()
    {
        QSignalSpy errors(conn.get(), &Connection::errorOccurred);
        UnobservedLog log;
        int code = 0;
        conn->query(QStringLiteral("SELECT * FROM no_such_table_handled"))
                .then(this, [](const ResultSet &) { QFAIL("the query cannot succeed"); })
                .onFailed(this, [&code](const ProgrammingError &e) { code = e.code(); });
        QTRY_COMPARE(code, 1146);
        QCOMPARE(errors.count(), 1);
        QVERIFY(canary(log, conn.get(), QStringLiteral("canary_handled")));
        QCOMPARE(log.count(QStringLiteral("no_such_table_handled")), 0);
        QCOMPARE(errors.count(), 2);
    }

    void slotThatReadsCountsAsHeard()
    {
        QList<int> codes;
        const QMetaObject::Connection c = connect(conn.get(), &Connection::errorOccurred, this,
                                                  [&codes](const Error &e) { codes << e.code(); });
        UnobservedLog log;
        (void)conn->query(QStringLiteral("SELECT * FROM no_such_table_slot"));
        QTRY_COMPARE(codes, QList<int>{1146});
        disconnect(c);
        QVERIFY(canary(log, conn.get(), QStringLiteral("canary_slot")));
        QCOMPARE(log.count(QStringLiteral("no_such_table_slot")), 0);
    }

    void cursorFailureIsSignalledOnBoth()
    {
        Cursor *cur = conn->cursor();
        QSignalSpy connectionErrors(conn.get(), &Connection::errorOccurred);
        QSignalSpy cursorErrors(cur, &Cursor::errorOccurred);
        UnobservedLog log;
        (void)cur->execute(QStringLiteral("SELECT * FROM no_such_table_cursor"));
        QTRY_COMPARE(cursorErrors.count(), 1);
        QCOMPARE(connectionErrors.count(), 1);
        QTRY_COMPARE(log.count(QStringLiteral("[SELECT * FROM no_such_table_cursor]")), 1);
        // Refused before it is sent: reported the same way, from a queued call.
        QFuture<qint64> bad = cur->execute(QStringLiteral("SELECT %s, %s"), 1);
        QVERIFY(!bad.isFinished());
        QCOMPARE(cursorErrors.count(), 1);
        EXPECT_ERROR(bad, ProgrammingError, 0);
        QCOMPARE(cursorErrors.count(), 2);
        QCOMPARE(connectionErrors.count(), 2);
        delete cur;
    }

    void refusedArgumentsAreReported()
    {
        QSignalSpy errors(conn.get(), &Connection::errorOccurred);
        UnobservedLog log;
        (void)conn->query(QStringLiteral("SELECT %s, %s"), QVariantList{1});
        QTRY_COMPARE(errors.count(), 1);
        QTRY_COMPARE(log.count(QStringLiteral("ProgrammingError")), 1);
        (void)conn->setCharset(QStringLiteral("klingon"));
        QTRY_COMPARE(errors.count(), 2);
        QTRY_COMPARE(log.count(QStringLiteral("NotSupportedError")), 1);
    }

    void closeAndCancelAreNotReported()
    {
        // What the user did is no news to them: close() fails the pending commands quietly.
        auto c = TestUtil::openConnection();
        QSignalSpy errors(c.get(), &Connection::errorOccurred);
        UnobservedLog log;
        QFuture<ResultSet> cancelled = c->query(QStringLiteral("SELECT SLEEP(5)"));
        QTest::qWait(100); // on the server now: cancel() interrupts it (KILL QUERY)
        cancelled.cancel();
        // Queued behind the KILL, so it runs once the cancellation has been dealt with.
        QCOMPARE(AWAIT(c->query(QStringLiteral("SELECT 1"))).rows().value(0).value(0).toInt(), 1);
        (void)c->query(QStringLiteral("SELECT SLEEP(5), 'pending_a'"));
        (void)c->query(QStringLiteral("SELECT 'pending_b'"));
        c->close();
        // Use after close() is a mistake, though: it is reported (and is the canary here).
        (void)c->query(QStringLiteral("SELECT 'after_close'"));
        QTRY_COMPARE(log.count(QStringLiteral("after_close")), 1);
        QCOMPARE(log.messages.size(), 1);
        QCOMPARE(errors.count(), 1);
        QCOMPARE(spiedError(errors, 0).code(), 0); // InterfaceError "Not connected"
        QVERIFY(cancelled.isCanceled());
    }

    void lostConnectionIsReportedOnce()
    {
        auto c = TestUtil::openConnection();
        auto admin = std::make_unique<Connection>(TestUtil::adminOptions());
        AWAIT(admin->open());
        QSignalSpy errors(c.get(), &Connection::errorOccurred);
        UnobservedLog log;
        constexpr int pending = 5;
        for (int i = 0; i < pending; ++i)
            (void)c->query(QStringLiteral("SELECT SLEEP(5), %s"), i);
        QTest::qWait(100); // let the first one start on the server
        AWAIT(admin->query(QStringLiteral("KILL CONNECTION %s"), c->threadId()));
        QTRY_VERIFY(c->isClosed());
        QVERIFY(canary(log, c.get(), QStringLiteral("canary_lost")));
        // The running statement may get its own ERR 1927 before the socket closes; the loss
        // of the connection is then one more report, shared by every command it failed.
        const int reports = int(errors.count()) - 1;
        QVERIFY2(reports >= 1 && reports <= 2, qPrintable(QString::number(reports)));
        QCOMPARE(int(log.messages.size()) - 1, reports);
    }

    void variadicQuery()
    {
        const ResultSet rs = AWAIT(conn->query(QStringLiteral("SELECT %s, %s, %s, %s, %s IN %s"), 1, QStringLiteral("two"),
                                               "three", nullptr, 2, QVariantList{1, 2, 3}));
        const Row row = rs.rows().value(0);
        QCOMPARE(row.value(0), QVariant(qint64(1)));
        QCOMPARE(row.value(1), QVariant(QStringLiteral("two")));
        QCOMPARE(row.value(2), QVariant(QStringLiteral("three")));
        QVERIFY(row.isNull(3));
        QCOMPARE(row.value(4), QVariant(qint64(1)));
        // Our own value types and other integer types go through as well.
        const long big = 1L << 40;
        const Row typed = AWAIT(conn->query(QStringLiteral("SELECT CAST(%s AS DATETIME(6)), CAST(%s AS TIME), %s"), DateTime(2024, 5, 1, 12, 30, 0, 250),
                                            Duration::fromParts(true, 1, 2, 3), big)).rows().value(0);
        QCOMPARE(typed.value(0).value<DateTime>(), DateTime(2024, 5, 1, 12, 30, 0, 250));
        QCOMPARE(typed.value(1).value<Duration>(), Duration::fromParts(true, 1, 2, 3));
        QCOMPARE(typed.value(2).toLongLong(), qint64(big));
        // A single list is still the whole argument list.
        const QVariantList args{7, 8};
        QCOMPARE(AWAIT(conn->query(QStringLiteral("SELECT %s + %s"), args)).rows().value(0).value(0).toInt(), 15);
    }

    void variadicExecute()
    {
        Cursor *cur = conn->cursor(CursorType::Dict);
        QCOMPARE(AWAIT(cur->execute(QStringLiteral("SELECT %s AS zeta, %s AS alpha"), 5, QStringLiteral("a"))), qint64(1));
        const Row row = AWAIT(cur->fetchOne()).value();
        QCOMPARE(row.toPairs().value(0).first, QStringLiteral("zeta"));
        QCOMPARE(row.toPairs().value(1).second, QVariant(QStringLiteral("a")));
        QVariantMap named{{QStringLiteral("x"), 2}};
        QCOMPARE(AWAIT(cur->execute(QStringLiteral("SELECT %(x)s"), named)), qint64(1)); // the map overload still
        // What a user types first when looking at a result: it compiles and says what came back.
        qDebug() << cur->description() << AWAIT(cur->fetchAll());
        QString text;
        QDebug(&text).nospace() << cur->description();
        QCOMPARE(text, QStringLiteral("QList(AsyncMySql::Column(name=\"2\", type=LONG, length=1, flags=NOT_NULL|BINARY))"));
        delete cur;
    }
};

QTEST_GUILESS_MAIN(tst_Ergonomics)
#include "tst_ergonomics.moc"
