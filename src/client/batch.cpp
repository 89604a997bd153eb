// SPDX-License-Identifier: MIT
// Batches: many statements written in one go, one outcome each (Connection::run()), or all of
// them in one transaction (Connection::transaction(const Batch &)).
#include <AsyncMySql/Batch.h>
#include <AsyncMySql/Connection.h>
#include <AsyncMySql/Error.h>

#include "connection_p.h"
#include "interpolate_p.h"
#include "statement_p.h"
#include "transaction_p.h"

namespace AsyncMySql {

class BatchPrivate : public QSharedData
{
public:
    struct Entry
    {
        QString sql;
        QVariantList args;
        PreparedStatement statement; //!< valid handle or not: used if prepared
        bool prepared = false;
    };
    QList<Entry> entries;

    static const QList<Entry> &entriesOf(const Batch &batch) { return batch.d->entries; }
};

Batch::Batch() : d(new BatchPrivate) { }
Batch::Batch(const Batch &) = default;
Batch::Batch(Batch &&) noexcept = default;
Batch &Batch::operator=(const Batch &) = default;
Batch &Batch::operator=(Batch &&) noexcept = default;
Batch::~Batch() = default;

Batch &Batch::add(const QString &sql, const QVariantList &args)
{
    d->entries.append({sql, args, PreparedStatement(), false});
    return *this;
}

Batch &Batch::add(const PreparedStatement &statement, const QVariantList &args)
{
    d->entries.append({statement.sql(), args, statement, true});
    return *this;
}

int Batch::size() const { return int(d->entries.size()); }

BatchResult::BatchResult() = default;

BatchResult BatchResult::fromResult(const ResultSet &result)
{
    BatchResult r;
    r.m_result = result;
    return r;
}

BatchResult BatchResult::fromError(std::exception_ptr error)
{
    BatchResult r;
    r.m_error = std::move(error);
    return r;
}

const Error *BatchResult::error() const
{
    if (!m_error)
        return nullptr;
    // The exception object lives as long as m_error holds it.
    try {
        std::rethrow_exception(m_error);
    } catch (const Error &e) {
        return &e;
    } catch (...) {
    }
    return nullptr;
}

void BatchResult::raise() const
{
    if (m_error)
        std::rethrow_exception(m_error);
}

namespace {

//! The outcomes of a batch's commands as they come in; \a finished once every one is in.
struct BatchRun
{
    explicit BatchRun(qsizetype n) : errors(n), results(n), pending(n) { }

    void settle(qsizetype index, const ErrorInfo *error, const ResultSet &result)
    {
        if (error)
            errors[index] = *error;
        else
            results[index] = result;
        if (--pending == 0)
            finished(*this);
    }
    const ErrorInfo *firstError() const
    {
        for (const std::optional<ErrorInfo> &e : errors) {
            if (e)
                return &*e;
        }
        return nullptr;
    }
    //! Cancel or timeout: what has not answered yet is abandoned.
    void stop(ConnectionPrivate *d, const ErrorInfo &why)
    {
        for (const std::weak_ptr<PendingCommand> &w : commands) {
            if (const CommandPtr cmd = w.lock())
                d->abandon(cmd, why);
        }
    }

    QList<std::optional<ErrorInfo>> errors;
    QList<ResultSet> results;
    qsizetype pending;
    std::vector<std::weak_ptr<PendingCommand>> commands;
    std::function<void(BatchRun &)> finished;
};

} // namespace

bool ConnectionPrivate::batchPacket(const QString &sql, const QVariantList &args, const PreparedStatement *statement,
                                    QueryPacket &packet, ErrorInfo &error)
{
    if (statement)
        return executePacket(*statement, args, packet, error);
    SqlWriter writer = commandWriter();
    if (!interpolateCommand(writer, sql, args, error, &lastTemplate))
        return false;
    packet = queryPacket(writer);
    return true;
}

QFuture<QList<BatchResult>> Connection::run(const Batch &batch)
{
    const auto &entries = BatchPrivate::entriesOf(batch);
    auto promise = startedPromise<QList<BatchResult>>();
    if (entries.isEmpty()) {
        d->defer([promise] {
            promise->addResult(QList<BatchResult>());
            promise->finish();
        });
        return promise->future();
    }
    auto run = std::make_shared<BatchRun>(entries.size());
    run->finished = [promise](BatchRun &r) {
        QList<BatchResult> out;
        out.reserve(r.results.size());
        for (qsizetype i = 0; i < r.results.size(); ++i)
            out.append(r.errors[i] ? BatchResult::fromError(r.errors[i]->toExceptionPtr()) : BatchResult::fromResult(r.results[i]));
        promise->addResult(out);
        promise->finish();
    };
    for (qsizetype i = 0; i < entries.size(); ++i) {
        const BatchPrivate::Entry &e = entries.at(i);
        ConnectionPrivate::QueryPacket packet;
        ErrorInfo error;
        if (!d->batchPacket(e.sql, e.args, e.prepared ? &e.statement : nullptr, packet, error)) {
            // Refused before it is sent (bad arguments): reported as a failed command is; the
            // others still run.
            d->defer([cd = d.get(), run, i, reported = error.reported()] {
                cd->emitFailure(reported);
                run->settle(i, &reported, ResultSet());
            });
            continue;
        }
        run->commands.push_back(d->runQuery(std::move(packet), [run, i](const ErrorInfo *error, const QList<ResultSet> &results) {
            run->settle(i, error, results.value(0));
        }));
    }
    d->watch(promise->future(), d->options.queryTimeout, [cd = d.get(), run](const ErrorInfo &why) { run->stop(cd, why); });
    return promise->future();
}

QFuture<QList<ResultSet>> Connection::transaction(const Batch &batch)
{
    using State = TransactionPrivate::State;
    if ((d->transaction && (d->transaction->state == State::Beginning || d->transaction->state == State::Active)) || inTransaction())
        return d->failedCommand<QList<ResultSet>>(ErrorInfo::programming(
                QStringLiteral("A transaction is open on this connection (a batch's BEGIN would commit it)")));
    const auto &entries = BatchPrivate::entriesOf(batch);
    // Every statement is checked before anything is sent: a bad argument runs nothing.
    QList<ConnectionPrivate::QueryPacket> packets(entries.size());
    for (qsizetype i = 0; i < entries.size(); ++i) {
        const BatchPrivate::Entry &e = entries.at(i);
        ErrorInfo error;
        if (!d->batchPacket(e.sql, e.args, e.prepared ? &e.statement : nullptr, packets[i], error))
            return d->failedCommand<QList<ResultSet>>(error);
    }

    // Written in one go: [SET autocommit = 0], BEGIN, the statements; COMMIT or ROLLBACK once
    // all have answered (so the outcome decides it), then [SET autocommit = 1]. With autocommit
    // off, a statement behind one whose error ended the transaction on the server (a
    // deadlock rolls it back) starts a new transaction, which the ROLLBACK undoes, instead of
    // committing on its own.
    const bool autocommitWas = autocommit();
    const qsizetype setup = autocommitWas ? 2 : 1;
    auto promise = startedPromise<QList<ResultSet>>();
    auto run = std::make_shared<BatchRun>(setup + entries.size());
    ConnectionPrivate *cd = d.get();
    const auto settleAt = [run](qsizetype index) {
        return [run, index](const ErrorInfo *error, const QList<ResultSet> &results) { run->settle(index, error, results.value(0)); };
    };
    run->finished = [cd, promise, setup, autocommitWas](BatchRun &r) {
        const ErrorInfo *failed = r.firstError();
        const auto restore = [cd, autocommitWas] {
            if (autocommitWas)
                cd->runQuery(QStringLiteral("SET autocommit = 1"), [](const ErrorInfo *, const QList<ResultSet> &) { });
        };
        if (failed) {
            cd->runQuery(QStringLiteral("ROLLBACK"), [](const ErrorInfo *, const QList<ResultSet> &) { });
            restore();
            failPromise(*promise, *failed); // the first error: the ROLLBACK's own result is not it
            return;
        }
        QList<ResultSet> results = r.results.mid(setup);
        // autocommit comes back only after the COMMIT's answer: turned on before a failed
        // COMMIT's ROLLBACK, it would commit.
        cd->runQuery(QStringLiteral("COMMIT"), [cd, promise, results, restore](const ErrorInfo *error, const QList<ResultSet> &) {
            if (error)
                cd->runQuery(QStringLiteral("ROLLBACK"), [](const ErrorInfo *, const QList<ResultSet> &) { });
            restore();
            if (error) {
                failPromise(*promise, *error);
                return;
            }
            promise->addResult(results);
            promise->finish();
        });
    };
    qsizetype index = 0;
    if (autocommitWas)
        run->commands.push_back(cd->runQuery(QStringLiteral("SET autocommit = 0"), settleAt(index++)));
    run->commands.push_back(cd->runQuery(QStringLiteral("BEGIN"), settleAt(index++)));
    for (ConnectionPrivate::QueryPacket &packet : packets)
        run->commands.push_back(cd->runQuery(std::move(packet), settleAt(index++)));
    d->watch(promise->future(), d->options.queryTimeout, [cd, run](const ErrorInfo &why) { run->stop(cd, why); });
    return promise->future();
}

} // namespace AsyncMySql
