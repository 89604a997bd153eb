// SPDX-License-Identifier: MIT
#include "client/queuedcall_p.h"

#include <QtCore/QCoreApplication>
#include <QtTest/QTest>

#include <memory>

using namespace AsyncMySql;

class TestQueuedCall : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void runsLaterOnceForManySchedules()
    {
        QObject context;
        int runs = 0;
        QueuedCall call(&context, [&] { ++runs; });
        call.schedule();
        call.schedule();
        QVERIFY(call.isScheduled());
        QCOMPARE(runs, 0); // never from schedule() itself
        QCoreApplication::processEvents();
        QCOMPARE(runs, 1);
        QVERIFY(!call.isScheduled());
    }

    void scheduleWhileRunningPostsTheNext()
    {
        QObject context;
        int runs = 0;
        std::unique_ptr<QueuedCall> call;
        call = std::make_unique<QueuedCall>(&context, [&] {
            if (++runs == 1)
                call->schedule();
        });
        call->schedule();
        QCoreApplication::processEvents();
        QCOMPARE(runs, 1);
        QVERIFY(call->isScheduled());
        QCoreApplication::processEvents();
        QCOMPARE(runs, 2);
    }

    void cancelDropsThePendingCall()
    {
        QObject context;
        int runs = 0;
        QueuedCall call(&context, [&] { ++runs; });
        call.schedule();
        call.cancel();
        QVERIFY(!call.isScheduled());
        QCoreApplication::processEvents();
        QCOMPARE(runs, 0);
        // Rescheduled after a cancel: runs once, not twice (the cancelled post stays dead).
        call.schedule();
        call.cancel();
        call.schedule();
        QCoreApplication::processEvents();
        QCOMPARE(runs, 1);
    }

    void destroyedCallNeverRuns()
    {
        QObject context;
        int runs = 0;
        auto call = std::make_unique<QueuedCall>(&context, [&] { ++runs; });
        call->schedule();
        call.reset();
        QCoreApplication::processEvents();
        QCOMPARE(runs, 0);
    }

    void deadContextNeverRuns()
    {
        int runs = 0;
        auto context = std::make_unique<QObject>();
        QueuedCall call(context.get(), [&] { ++runs; });
        call.schedule();
        context.reset();
        QCoreApplication::processEvents();
        QCOMPARE(runs, 0);
        call.schedule(); // without a context: nothing to post to
        QVERIFY(!call.isScheduled());
    }

    void functionMayDestroyTheCall()
    {
        QObject context;
        int runs = 0;
        std::unique_ptr<QueuedCall> call;
        call = std::make_unique<QueuedCall>(&context, [&] {
            ++runs;
            call.reset();
        });
        call->schedule();
        QCoreApplication::processEvents();
        QCOMPARE(runs, 1);
        QVERIFY(!call);
    }
};

QTEST_GUILESS_MAIN(TestQueuedCall)
#include "tst_queuedcall.moc"
