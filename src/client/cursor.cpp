// SPDX-License-Identifier: MIT
#include <AsyncMySql/Cursor.h>

#include "connection_p.h"
#include "interpolate_p.h"

#include <QtCore/QPointer>

namespace AsyncMySql {

//! DB-API rowcount: rows of a result set, affected rows of anything else.
static qint64 rowCountOf(const ResultSet &rs)
{
    return rs.hasColumns() ? qint64(rs.size()) : qint64(rs.affectedRows());
}

class CursorPrivate
{
public:
    CursorPrivate(Cursor *qq, Connection *c, CursorType t) : q(qq), connection(c), type(t) { }

    template<typename Args>
    QFuture<qint64> execute(const QString &sql, const Args &args);
    template<typename Args>
    bool mogrify(const QString &sql, const Args &args, QByteArray &out, ErrorInfo &error) const;
    //! Makes results[index] the current result.
    void select(int index);
    //! The error fetching from this cursor is, or nullptr if it may fetch.
    std::optional<ErrorInfo> fetchError() const;
    QList<Row> take(qint64 count);
    template<typename T>
    QFuture<T> ready(const T &value)
    {
        QPromise<T> p;
        p.start();
        p.addResult(value);
        p.finish();
        return p.future();
    }

    Cursor *q;
    QPointer<Connection> connection;
    CursorType type;
    QList<ResultSet> results;
    std::optional<ErrorInfo> laterError; // a failed later statement of a multi-statement query
    int resultIndex = -1;
    ResultSet current;
    QList<Row> currentRows; // current.rows(), cached: ResultSet::rows() returns a copy
    qint64 rowCount = -1;
    qint64 position = 0;
    quint64 lastRowId = 0;
    int arraySize = 1;
    int warningCount = 0;
    bool closed = false;
    QString lastExecuted;
};

template<typename Args>
bool CursorPrivate::mogrify(const QString &sql, const Args &args, QByteArray &out, ErrorInfo &error) const
{
    if (!connection) {
        error = ErrorInfo::interface(QStringLiteral("The cursor's connection is gone"));
        return false;
    }
    SqlWriter writer = ConnectionPrivate::get(connection)->sqlWriter();
    if (!interpolate(writer, sql, args, error))
        return false;
    out = writer.take();
    return true;
}

template<typename Args>
QFuture<qint64> CursorPrivate::execute(const QString &sql, const Args &args)
{
    if (closed)
        return failedFuture<qint64>(ErrorInfo::programming(QStringLiteral("Cursor closed")));
    QByteArray bytes;
    ErrorInfo error;
    if (!mogrify(sql, args, bytes, error)) {
        Q_EMIT q->errorOccurred(*error.make());
        return failedFuture<qint64>(error);
    }
    ConnectionPrivate *cd = ConnectionPrivate::get(connection);
    lastExecuted = decodeText(bytes, cd->encoding);
    cd->logQuery(bytes);
    auto promise = startedPromise<qint64>();
    const bool dict = type == CursorType::Dict || type == CursorType::StreamingDict;
    CommandPtr cmd = cd->queryCommand(bytes, dict, {});
    QPointer<Cursor> guard(q);
    cmd->done = [this, guard, promise, sink = cmd->sink](const ErrorInfo *error) {
        // The cursor may be gone by now: the future still finishes, with the same value.
        if (error && sink->results.isEmpty()) {
            if (guard) {
                results.clear();
                select(-1);
                Q_EMIT q->errorOccurred(*error->make());
            }
            failPromise(*promise, *error);
            return;
        }
        const qint64 count = rowCountOf(sink->results.first());
        if (guard) {
            results = sink->results;
            laterError.reset();
            if (error)
                laterError = *error; // raised by nextSet() when the failed statement is reached
            select(0);
            Q_EMIT q->executed(rowCount);
            if (!currentRows.isEmpty())
                Q_EMIT q->rowsAvailable();
        }
        promise->addResult(count);
        promise->finish();
    };
    cd->enqueue(cmd);
    return promise->future();
}

void CursorPrivate::select(int index)
{
    resultIndex = index;
    current = index >= 0 && index < results.size() ? results.at(index) : ResultSet();
    currentRows = current.rows();
    position = 0;
    if (index < 0) {
        rowCount = -1;
        return;
    }
    rowCount = rowCountOf(current);
    lastRowId = current.lastInsertId();
    warningCount = current.warningCount();
}

std::optional<ErrorInfo> CursorPrivate::fetchError() const
{
    if (closed)
        return ErrorInfo::programming(QStringLiteral("Cursor closed"));
    if (resultIndex < 0)
        return ErrorInfo::programming(QStringLiteral("execute() first"));
    return std::nullopt;
}

QList<Row> CursorPrivate::take(qint64 count)
{
    const qint64 n = qBound<qint64>(0, count, currentRows.size() - position);
    QList<Row> out = currentRows.mid(position, n);
    position += n;
    return out;
}

// ---------------------------------------------------------------------------------------------

Cursor::Cursor(Connection *connection, CursorType type)
    : QObject(connection), d(std::make_unique<CursorPrivate>(this, connection, type))
{
}

Cursor::~Cursor() = default;

Connection *Cursor::connection() const { return d->connection; }
CursorType Cursor::cursorType() const { return d->type; }

QFuture<qint64> Cursor::execute(const QString &sql, const QVariantList &args) { return d->execute(sql, args); }
QFuture<qint64> Cursor::execute(const QString &sql, const QVariantMap &args) { return d->execute(sql, args); }

QString Cursor::mogrify(const QString &sql, const QVariantList &args) const
{
    QByteArray out;
    ErrorInfo error;
    if (!d->mogrify(sql, args, out, error))
        return QString();
    return decodeText(out, ConnectionPrivate::get(d->connection)->encoding);
}

QString Cursor::mogrify(const QString &sql, const QVariantMap &args) const
{
    QByteArray out;
    ErrorInfo error;
    if (!d->mogrify(sql, args, out, error))
        return QString();
    return decodeText(out, ConnectionPrivate::get(d->connection)->encoding);
}

QFuture<std::optional<Row>> Cursor::fetchOne()
{
    if (auto error = d->fetchError())
        return failedFuture<std::optional<Row>>(*error);
    const QList<Row> rows = d->take(1);
    return d->ready(rows.isEmpty() ? std::optional<Row>() : std::optional<Row>(rows.first()));
}

QFuture<QList<Row>> Cursor::fetchMany(int size)
{
    if (auto error = d->fetchError())
        return failedFuture<QList<Row>>(*error);
    return d->ready(d->take(size < 0 ? d->arraySize : size));
}

QFuture<QList<Row>> Cursor::fetchAll()
{
    if (auto error = d->fetchError())
        return failedFuture<QList<Row>>(*error);
    return d->ready(d->take(d->currentRows.size()));
}

QFuture<bool> Cursor::nextSet()
{
    if (auto error = d->fetchError())
        return failedFuture<bool>(*error);
    if (d->resultIndex + 1 < d->results.size()) {
        d->select(d->resultIndex + 1);
        Q_EMIT executed(d->rowCount);
        return d->ready(true);
    }
    if (d->laterError) {
        const ErrorInfo error = *std::exchange(d->laterError, std::nullopt);
        d->select(-1);
        Q_EMIT errorOccurred(*error.make());
        return failedFuture<bool>(error);
    }
    return d->ready(false);
}

QFuture<void> Cursor::scroll(qint64 value, ScrollMode mode)
{
    if (auto error = d->fetchError())
        return failedFuture<void>(*error);
    const qint64 target = mode == ScrollMode::Relative ? d->position + value : value;
    if (target < 0 || target >= d->currentRows.size())
        return failedFuture<void>(ErrorInfo::programming(
                QStringLiteral("scroll target %1 out of range (%2 rows)").arg(target).arg(d->currentRows.size())));
    d->position = target;
    QPromise<void> p;
    p.start();
    p.finish();
    return p.future();
}

QFuture<void> Cursor::close()
{
    QPromise<void> p;
    p.start();
    if (!d->closed) {
        d->closed = true;
        d->results.clear();
        d->select(-1);
        Q_EMIT finished();
    }
    p.finish();
    return p.future();
}

QList<Column> Cursor::description() const { return d->current.columns(); }
qint64 Cursor::rowCount() const { return d->rowCount; }
qint64 Cursor::rowNumber() const { return d->position; }
quint64 Cursor::lastRowId() const { return d->lastRowId; }
int Cursor::warningCount() const { return d->warningCount; }
int Cursor::arraySize() const { return d->arraySize; }
void Cursor::setArraySize(int size) { d->arraySize = qMax(1, size); }
bool Cursor::isClosed() const { return d->closed; }
QString Cursor::lastExecuted() const { return d->lastExecuted; }

} // namespace AsyncMySql
