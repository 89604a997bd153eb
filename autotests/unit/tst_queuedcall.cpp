// SPDX-License-Identifier: MIT
#include "client/queuedcall_p.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QThread>
#include <QtTest/QTest>

#include <atomic>
#include <memory>
#include <vector>

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

    void functionMayDestroyTheContext()
    {
        // The receiver is the context's child: it goes with it, inside its own event().
        auto context = std::make_unique<QObject>();
        int runs = 0;
        QueuedCall call(context.get(), [&] {
            ++runs;
            context.reset();
        });
        call.schedule();
        QCoreApplication::processEvents();
        QCOMPARE(runs, 1);
        QVERIFY(!context);
        call.schedule(); // its context is gone: nothing is posted
        QVERIFY(!call.isScheduled());
    }

    void nestedEventLoopRunsTheNextCall()
    {
        // A function that runs the event loop itself (a user's nested loop) sees its next
        // call from inside.
        QObject context;
        int runs = 0;
        std::unique_ptr<QueuedCall> call;
        call = std::make_unique<QueuedCall>(&context, [&] {
            if (++runs == 1) {
                call->schedule();
                QCoreApplication::processEvents();
                QCOMPARE(runs, 2);
            }
        });
        call->schedule();
        QCoreApplication::processEvents();
        QCOMPARE(runs, 2);
    }

    void nestedCallMayDestroyTheCall()
    {
        // The inner call, delivered by the outer one's nested loop, destroys the QueuedCall:
        // both events are still being delivered then, and Qt deletes both afterwards.
        QObject context;
        int runs = 0;
        std::unique_ptr<QueuedCall> call;
        call = std::make_unique<QueuedCall>(&context, [&] {
            if (++runs == 1) {
                call->schedule();
                QCoreApplication::processEvents();
            } else {
                call.reset();
            }
        });
        call->schedule();
        QCoreApplication::processEvents();
        QCOMPARE(runs, 2);
        QVERIFY(!call);
    }

    void followsTheContextToItsThread()
    {
        QThread thread;
        thread.start();
        QObject context;
        std::atomic<QThread *> ranOn{nullptr};
        QueuedCall call(&context, [&] { ranOn = QThread::currentThread(); });
        context.moveToThread(&thread);
        call.schedule();
        QTRY_COMPARE(ranOn.load(), &thread);
        thread.quit();
        thread.wait();
        context.moveToThread(QThread::currentThread());
    }

    void manyCallsReuseTheirEvents()
    {
        // Events come from a small free list: many rounds, and more calls pending at once
        // than it holds, all run exactly as asked.
        QObject context;
        std::vector<std::unique_ptr<QueuedCall>> calls;
        std::vector<int> runs(20);
        for (int i = 0; i < 20; ++i)
            calls.push_back(std::make_unique<QueuedCall>(&context, [&runs, i] { ++runs[i]; }));
        for (int round = 0; round < 100; ++round) {
            for (auto &c : calls)
                c->schedule();
            QCoreApplication::processEvents();
        }
        for (int i = 0; i < 20; ++i)
            QCOMPARE(runs[i], 100);
    }
};

QTEST_GUILESS_MAIN(TestQueuedCall)
#include "tst_queuedcall.moc"
