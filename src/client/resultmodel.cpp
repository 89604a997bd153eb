// SPDX-License-Identifier: MIT
#include <AsyncMySql/Cursor.h>
#include <AsyncMySql/ResultModel.h>

#include "async_p.h"
#include "errors_p.h"
#include "logging_p.h"
#include "queuedcall_p.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QJsonValue>
#include <QtCore/QPointer>

namespace AsyncMySql {

/*
    How every ResultModel (and so every QML SqlQueryModel) reads its rows: streaming, so a
    100,000-row table costs the memory of the rows the view fetched, not of the whole result
    (the server waits while the model does not ask for more). The model only uses execute(),
    description(), fetchMany() and close(), which behave the same for a buffered cursor.
*/
static constexpr CursorType ModelCursorType = CursorType::Streaming;
static constexpr int DefaultBatchSize = 200;

namespace {

//! What a view can show: text for JSON and for the library's own types (DateTime, Duration).
QVariant displayValue(const QVariant &value)
{
    switch (value.metaType().id()) {
    case QMetaType::QJsonDocument:
        return QString::fromUtf8(value.toJsonDocument().toJson(QJsonDocument::Compact));
    case QMetaType::QJsonValue: {
        const QJsonValue json = value.toJsonValue();
        if (json.isObject())
            return QString::fromUtf8(QJsonDocument(json.toObject()).toJson(QJsonDocument::Compact));
        if (json.isArray())
            return QString::fromUtf8(QJsonDocument(json.toArray()).toJson(QJsonDocument::Compact));
        return json.toVariant();
    }
    default:
        break;
    }
    if (value.metaType().id() >= QMetaType::User && value.canConvert<QString>())
        return value.toString();
    return value;
}

//! \a arguments as the QVariantList or QVariantMap Cursor::execute() takes.
QVariant normalizedArguments(const QVariant &arguments)
{
    if (!arguments.isValid() || arguments.isNull())
        return QVariantList();
    switch (arguments.metaType().id()) {
    case QMetaType::QVariantList:
    case QMetaType::QVariantMap:
        return arguments;
    case QMetaType::QStringList:
        return arguments.toList();
    case QMetaType::QVariantHash: {
        const QVariantHash hash = arguments.toHash();
        QVariantMap map;
        for (auto it = hash.begin(); it != hash.end(); ++it)
            map.insert(it.key(), it.value());
        return map;
    }
    default:
        break;
    }
    // A JavaScript array or object arrives from QML as a QJSValue, which QtQml can convert.
    // Checking for conversions rather than naming QJSValue keeps this library free of QtQml;
    // the library's own value types (DateTime, ...) have neither and stay one argument.
    if (arguments.metaType().id() >= QMetaType::User) {
        if (arguments.canConvert<QVariantMap>()) {
            const QVariantMap map = arguments.toMap();
            if (!map.isEmpty())
                return map;
        }
        if (arguments.canConvert<QVariantList>())
            return arguments.toList();
    }
    return QVariantList{arguments};
}

} // namespace

class ResultModelPrivate
{
public:
    using Status = ResultModel::Status;

    //! One run of the query: the borrowed connection, its cursor and the step in flight.
    struct Job
    {
        //! The steps of a run, in order; Idle and Fetching alternate until AtEnd.
        enum class Phase {
            Acquiring, // waiting for a connection from the pool
            Executing, // execute() is in flight: the columns are not known yet
            Idle,      // the columns are known; more rows wait until the view asks
            Fetching,  // a batch is in flight
            AtEnd,     // every row is in (or the statement had no result set)
        };

        ~Job() { finish(); }
        //! Closes the cursor (a streaming one reads what is left), then gives the connection back.
        void finish();
        //! Rows may still come: what canFetchMore() reports.
        bool hasMore() const { return phase == Phase::Idle || phase == Phase::Fetching; }

        PooledConnection lease;
        QPointer<Cursor> cursor;
        QFuture<void> pending;   // the acquire, execute or fetch this run waits for
        Phase phase = Phase::Acquiring;
        /* Not a phase but a request: fetchMore() was called and not served yet. A view asks
           while a batch is in flight as well as between batches, so it is orthogonal to
           Idle/Fetching; the next batch starts when both hold (Idle and wanted). */
        bool moreWanted = false;
    };
    using Phase = Job::Phase;
    using JobPtr = std::shared_ptr<Job>;

    explicit ResultModelPrivate(ResultModel *qq)
        : q(qq), startCall(qq, [this] { start(); }), pumpCall(qq, [this] { pump(); })
    {
    }

    //! The model's private part if \a job is still the run it waits for, else nullptr.
    static ResultModelPrivate *current(ResultModel *model, const JobPtr &job)
    {
        return model && model->d->job == job ? model->d.get() : nullptr;
    }
    //! A failure of \a job: shown if it is still the model's job, else dropped on purpose (it is
    //! read either way, so it is not logged as a failure nobody observed).
    static void failed(const QPointer<ResultModel> &model, const JobPtr &job, const Error &error)
    {
        if (ResultModelPrivate *d = current(model, job))
            d->fail(error);
        else
            (void)error.type();
    }

    void restart();
    void start();
    void execute(const JobPtr &job, const QVariant &arguments);
    void described(const JobPtr &job);
    void fetch(const JobPtr &job);
    void received(const JobPtr &job, const QList<Row> &batch, int asked);
    void pump();
    void fail(const Error &error);
    //! Forgets the running job; its connection goes back once its step in flight is over.
    void abandon();

    void setColumns(const QList<Column> &columns);
    void clearRows();
    void clearAll();
    void setStatus(Status status);

    ResultModel *q;
    QPointer<Pool> pool;
    QMetaObject::Connection poolDestroyed;
    QString query;
    QVariant arguments = QVariantList();
    int batchSize = DefaultBatchSize;
    Status status = Status::Null;
    QString errorString;
    QList<Column> columns;
    QStringList columnNames;
    QHash<int, QByteArray> roles;
    QList<Row> rows;
    JobPtr job;
    // Queued, and one call for many requests: start() after a burst of property changes,
    // pump() after fetchMore() (never inside the view's own call).
    QueuedCall startCall;
    QueuedCall pumpCall;
};

void ResultModelPrivate::Job::finish()
{
    if (!lease)
        return;
    PooledConnection connection = std::exchange(lease, PooledConnection());
    if (Cursor *c = cursor.data()) {
        cursor.clear();
        // The copy in the continuation keeps the connection lent until the cursor is closed.
        c->close().then([connection]() mutable { connection.release(); });
    } else {
        connection.release();
    }
}

void ResultModelPrivate::restart()
{
    abandon();
    clearRows();
    errorString.clear();
    if (!pool || query.isEmpty()) {
        clearAll();
        setStatus(Status::Null);
        return;
    }
    setStatus(Status::Loading);
    // Queued: setting query and arguments together (as QML does at creation) runs one query.
    startCall.schedule();
}

void ResultModelPrivate::start()
{
    if (job || status != Status::Loading || !pool || query.isEmpty())
        return;
    qCDebug(lcModel).noquote() << "loading" << query;
    auto run = std::make_shared<Job>();
    job = run;
    QFuture<PooledConnection> acquired = pool->acquire();
    run->pending = QFuture<void>(acquired);
    // The guard and the job check make a late answer (the model gone, or on to a new run) harmless.
    QPointer<ResultModel> model(q);
    thenGuarded(acquired, q, [run, args = arguments](ResultModel *m, PooledConnection connection) {
        if (ResultModelPrivate *d = current(m, run)) {
            run->lease = connection;
            d->execute(run, args);
        }
    }).onFailed([model, run](const Error &error) { failed(model, run, error); });
}

void ResultModelPrivate::execute(const JobPtr &run, const QVariant &args)
{
    if (!run->lease) {
        fail(InterfaceError(0, QStringLiteral("08003"), QStringLiteral("The pool is gone")));
        return;
    }
    Cursor *cursor = run->lease->cursor(ModelCursorType);
    run->cursor = cursor;
    QFuture<qint64> executed = args.metaType().id() == QMetaType::QVariantMap
            ? cursor->execute(query, args.toMap())
            : cursor->execute(query, args.toList());
    run->pending = QFuture<void>(executed);
    run->phase = Phase::Executing;
    QPointer<ResultModel> model(q);
    thenGuarded(executed, q, [run](ResultModel *m, qint64) {
        if (ResultModelPrivate *d = current(m, run))
            d->described(run);
    }).onFailed([model, run](const Error &error) { failed(model, run, error); });
}

void ResultModelPrivate::described(const JobPtr &run)
{
    run->phase = Phase::Idle;
    setColumns(run->cursor ? run->cursor->description() : QList<Column>());
    if (columns.isEmpty()) {
        // A statement without a result set (UPDATE, SET ...): nothing to fetch.
        run->phase = Phase::AtEnd;
        run->finish();
        setStatus(Status::Ready);
        return;
    }
    // The first batch comes unasked: an empty view has no last row to reach, so it never asks.
    fetch(run);
}

void ResultModelPrivate::fetch(const JobPtr &run)
{
    if (!run->cursor) {
        fail(InterfaceError(0, QStringLiteral("08003"), QStringLiteral("The cursor is gone")));
        return;
    }
    run->phase = Phase::Fetching;
    run->moreWanted = false;
    const int asked = batchSize;
    QFuture<QList<Row>> batch = run->cursor->fetchMany(asked);
    run->pending = QFuture<void>(batch);
    QPointer<ResultModel> model(q);
    thenGuarded(batch, q, [run, asked](ResultModel *m, const QList<Row> &rows) {
        if (ResultModelPrivate *d = current(m, run))
            d->received(run, rows, asked);
    }).onFailed([model, run](const Error &error) { failed(model, run, error); });
}

void ResultModelPrivate::received(const JobPtr &run, const QList<Row> &batch, int asked)
{
    // A short batch is the end for both kinds of cursor; rowCount() is no guide, as a
    // streaming cursor only knows it at the end. Known before the rows go in, so that
    // canFetchMore() is right for whoever reacts to rowsInserted.
    run->phase = batch.size() < asked ? Phase::AtEnd : Phase::Idle;
    if (!batch.isEmpty()) {
        q->beginInsertRows(QModelIndex(), int(rows.size()), int(rows.size() + batch.size() - 1));
        rows.append(batch);
        q->endInsertRows();
        Q_EMIT q->rowCountChanged();
    }
    if (run->phase == Phase::AtEnd) {
        run->finish();
        qCDebug(lcModel) << "all" << rows.size() << "rows in";
    }
    setStatus(Status::Ready);
    if (run->moreWanted && run->phase == Phase::Idle)
        pumpCall.schedule();
}

void ResultModelPrivate::pump()
{
    if (job && job->phase == Phase::Idle && job->moreWanted)
        fetch(job);
}

void ResultModelPrivate::fail(const Error &error)
{
    qCDebug(lcModel).noquote() << "query failed:" << error.toString();
    abandon();
    clearAll();
    errorString = error.message();
    setStatus(Status::Error);
    Q_EMIT q->errorOccurred(error);
}

void ResultModelPrivate::abandon()
{
    if (!job)
        return;
    // Cancelling an acquire takes nothing from the pool; cancelling a statement stops it
    // where the connection supports that, else it runs to its end with nobody listening.
    if (!job->pending.isFinished())
        job->pending.cancel();
    job.reset();
}

void ResultModelPrivate::setColumns(const QList<Column> &newColumns)
{
    QStringList names;
    names.reserve(newColumns.size());
    for (const Column &c : newColumns)
        names.append(c.name());
    if (names == columnNames) {
        // Same shape (a reload, a new filter): views keep their columns and delegates.
        columns = newColumns;
        return;
    }
    q->beginResetModel();
    columns = newColumns;
    columnNames = names;
    roles.clear();
    roles.insert(Qt::DisplayRole, QByteArrayLiteral("display"));
    QSet<QByteArray> taken{QByteArrayLiteral("display")};
    for (int i = 0; i < names.size(); ++i) {
        const QByteArray role = names.at(i).toUtf8();
        if (!taken.contains(role)) {
            taken.insert(role);
            roles.insert(Qt::UserRole + i, role);
        }
    }
    q->endResetModel();
    Q_EMIT q->columnNamesChanged();
}

void ResultModelPrivate::clearRows()
{
    if (rows.isEmpty())
        return;
    q->beginRemoveRows(QModelIndex(), 0, int(rows.size() - 1));
    rows.clear();
    q->endRemoveRows();
    Q_EMIT q->rowCountChanged();
}

void ResultModelPrivate::clearAll()
{
    clearRows();
    setColumns({});
}

void ResultModelPrivate::setStatus(Status s)
{
    if (status == s)
        return;
    status = s;
    Q_EMIT q->statusChanged(s);
}

// ---------------------------------------------------------------------------------------------

ResultModel::ResultModel(QObject *parent) : ResultModel(nullptr, parent) { }

ResultModel::ResultModel(Pool *pool, QObject *parent)
    : QAbstractTableModel(parent), d(std::make_unique<ResultModelPrivate>(this))
{
    setPool(pool);
}

ResultModel::~ResultModel()
{
    d->abandon();
}

Pool *ResultModel::pool() const { return d->pool; }

void ResultModel::setPool(Pool *pool)
{
    if (d->pool == pool)
        return;
    disconnect(d->poolDestroyed);
    d->pool = pool;
    if (pool) {
        d->poolDestroyed = connect(pool, &QObject::destroyed, this, [this] {
            d->restart();
            Q_EMIT poolChanged();
        });
    }
    Q_EMIT poolChanged();
    d->restart();
}

QString ResultModel::query() const { return d->query; }

void ResultModel::setQuery(const QString &query)
{
    if (d->query == query)
        return;
    d->query = query;
    Q_EMIT queryChanged();
    d->restart();
}

QVariant ResultModel::arguments() const { return d->arguments; }

void ResultModel::setArguments(const QVariant &arguments)
{
    // Normalized first, so that a binding handing over an equal array again changes nothing.
    const QVariant normalized = normalizedArguments(arguments);
    if (d->arguments == normalized)
        return;
    d->arguments = normalized;
    Q_EMIT argumentsChanged();
    d->restart();
}

int ResultModel::batchSize() const { return d->batchSize; }

void ResultModel::setBatchSize(int size)
{
    size = qMax(1, size);
    if (d->batchSize == size)
        return;
    d->batchSize = size;
    Q_EMIT batchSizeChanged();
}

ResultModel::Status ResultModel::status() const { return d->status; }
QString ResultModel::errorString() const { return d->errorString; }
int ResultModel::count() const { return int(d->rows.size()); }
QStringList ResultModel::columnNames() const { return d->columnNames; }
QList<Column> ResultModel::columns() const { return d->columns; }

Row ResultModel::row(int row) const
{
    return row >= 0 && row < d->rows.size() ? d->rows.at(row) : Row();
}

QVariantMap ResultModel::get(int row) const
{
    QVariantMap map;
    if (row < 0 || row >= d->rows.size())
        return map;
    const Row &r = d->rows.at(row);
    for (int c = 0; c < d->columnNames.size(); ++c) {
        if (!map.contains(d->columnNames.at(c)))
            map.insert(d->columnNames.at(c), r.value(c));
    }
    return map;
}

int ResultModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(d->rows.size());
}

int ResultModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(d->columns.size());
}

QVariant ResultModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return QVariant();
    const Row &r = d->rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return displayValue(r.value(index.column()));
    case Qt::EditRole:
        return r.value(index.column());
    default:
        // A column role reads that column of the row, whichever column the index is in: a
        // ListView asks column 0 for every role.
        if (role >= Qt::UserRole && role - Qt::UserRole < d->columns.size())
            return r.value(role - Qt::UserRole);
        return QVariant();
    }
}

QVariant ResultModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role == Qt::DisplayRole && orientation == Qt::Horizontal && section >= 0 && section < d->columnNames.size())
        return d->columnNames.at(section);
    if (role == Qt::DisplayRole && orientation == Qt::Vertical && section >= 0 && section < d->rows.size())
        return section + 1;
    return QAbstractTableModel::headerData(section, orientation, role);
}

QHash<int, QByteArray> ResultModel::roleNames() const
{
    if (d->roles.isEmpty())
        return {{Qt::DisplayRole, QByteArrayLiteral("display")}};
    return d->roles;
}

bool ResultModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && d->job && d->job->hasMore();
}

void ResultModel::fetchMore(const QModelIndex &parent)
{
    qCDebug(lcModel) << "fetchMore asked; rows" << d->rows.size();
    if (!canFetchMore(parent))
        return;
    // Never inside the caller: a view asks while it handles rowsInserted, and a buffered
    // cursor's batch is ready at once.
    d->job->moreWanted = true;
    d->pumpCall.schedule();
}

void ResultModel::reload()
{
    d->restart();
}

} // namespace AsyncMySql
