// SPDX-License-Identifier: MIT
// Cancelled and timed-out commands: finished at once, their replies drained, the statement the
// server runs interrupted with KILL QUERY from a side connection.
#include "connection_p.h"
#include "logging_p.h"

#include <QtCore/QPointer>

#include "../protocol/constants.h"

namespace AsyncMySql {

using namespace Protocol;

ErrorInfo ConnectionPrivate::cancelledError()
{
    return ErrorInfo::operational(1317, QStringLiteral("Query execution was interrupted: cancelled"), QStringLiteral("70100"));
}

ErrorInfo ConnectionPrivate::timeoutError(std::chrono::milliseconds timeout)
{
    return ErrorInfo::operational(3024, QStringLiteral("Query execution was interrupted: no result within %1 ms")
                                                .arg(timeout.count()));
}

void ConnectionPrivate::watchFuture(QFuture<void> future, std::chrono::milliseconds timeout,
                                    std::function<void(const ErrorInfo &)> stop)
{
    const QDeadlineTimer deadline = timeout.count() > 0 ? QDeadlineTimer(timeout) : QDeadlineTimer(QDeadlineTimer::Forever);
    watched.push_back(Watched{std::move(future), {}, false, timeout, deadline, std::move(stop)});
    if (!sweepTimer.isActive())
        sweepTimer.start();
}

void ConnectionPrivate::sweepWatched()
{
    // A stop() may watch new futures: work on the list as it is now, keep the rest after.
    std::vector<Watched> now = std::exchange(watched, {});
    std::vector<Watched> keep;
    for (Watched &w : now) {
        if (w.byCommand) {
            const CommandPtr cmd = w.command.lock();
            if (!cmd || cmd->completionQueued)
                continue;
        } else if (w.future.isFinished()) {
            continue;
        } else if (w.future.isCanceled()) {
            w.stop(cancelledError());
            continue;
        }
        if (w.deadline.hasExpired())
            w.stop(timeoutError(w.timeout));
        else
            keep.push_back(std::move(w));
    }
    std::move(keep.begin(), keep.end(), std::back_inserter(watched));
    if (watched.empty())
        sweepTimer.stop();
}

bool ConnectionPrivate::isCancellation(const ErrorInfo &error)
{
    const ErrorInfo cancelled = cancelledError();
    return error.code == cancelled.code && error.message == cancelled.message;
}

void ConnectionPrivate::abandon(const CommandPtr &cmd, const ErrorInfo &error)
{
    if (!session.contains(*cmd))
        return; // its reply is complete
    // A cancellation is the user's own doing: not reported as a failure (a timeout is).
    const bool report = !isCancellation(error);
    if (session.withdraw(*cmd)) {
        complete(*cmd, &error, report);
        return;
    }
    // Written: the reply must still be read (replies are matched in order), then dropped.
    complete(*cmd, &error, report);
    interrupt(cmd);
}

void ConnectionPrivate::interrupt(const CommandPtr &cmd)
{
    // Only if the server is running it now, and nothing is written behind it: else the KILL
    // could land after it ended and hit another statement instead.
    if (session.mayInterrupt(*cmd))
        killQuery(cmd);
}

void ConnectionPrivate::killQuery(const CommandPtr &cmd)
{
    Q_UNUSED(cmd); // the front command: the session holds writes until its reply is complete
    session.interruptStarted(); // nothing new may start on the server until the KILL has landed
    ConnectOptions side = options;
    side.readDefaultFile.clear(); // options are in effect already
    side.initCommand.clear();
    side.sqlMode.clear();
    side.autocommit = true;
    side.echo = false;
    auto *killer = new Connection(side, q);
    const quint32 victim = session.threadId();
    qCDebug(lcConnection) << "interrupting the query of thread" << victim;
    // Continuations without a context object, guarded by hand: either connection may be
    // destroyed before they run, and on Qt 6.4 a continuation whose context died asserts. They
    // run inside a promise's finish(), which the library only ever calls from a queued call.
    const QPointer<Connection> self = q;
    const QPointer<Connection> sideConnection = killer;
    killer->open()
            .then([sideConnection, victim] {
                if (!sideConnection)
                    return failedFuture<ResultSet>(ErrorInfo::interface(QStringLiteral("Connection destroyed")));
                return sideConnection->query(QStringLiteral("KILL QUERY %1").arg(victim));
            })
            .unwrap()
            .then([self, sideConnection](const ResultSet &) {
                if (sideConnection) {
                    sideConnection->ensureClosed().then([sideConnection] {
                        if (sideConnection)
                            sideConnection->deleteLater();
                    });
                }
                if (self)
                    ConnectionPrivate::get(self)->killFinished(nullptr);
            })
            .onFailed([self, sideConnection](const Error &e) {
                if (sideConnection)
                    sideConnection->deleteLater();
                const ErrorInfo why = ErrorInfo::operational(
                        ClientError::ServerLost, QStringLiteral("Could not interrupt the cancelled query (%1); "
                                                                "the connection is closed").arg(e.message()),
                        QStringLiteral("HY000"));
                if (self)
                    ConnectionPrivate::get(self)->killFinished(&why);
            });
}

void ConnectionPrivate::killFinished(const ErrorInfo *error)
{
    if (session.interrupt() != Session::Interrupt::KillInFlight)
        return; // the connection was closed meanwhile
    if (error) {
        // The server goes on running it: rather than leave a connection that is busy for who
        // knows how long, end it.
        fatal(*error);
        return;
    }
    session.interruptFinished();
    flushOutput();
}

} // namespace AsyncMySql
