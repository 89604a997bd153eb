// SPDX-License-Identifier: MIT
#include <AsyncMySql/Cursor.h>

#include "connection_p.h"
#include "cursorstream_p.h"
#include "interpolate_p.h"
#include "pool_p.h"

#include <QtCore/QPointer>
#include <QtCore/QRegularExpression>

namespace AsyncMySql {

//! DB-API rowcount: rows of a result set, affected rows of anything else.
static qint64 rowCountOf(const ResultSet &rs)
{
    return rs.hasColumns() ? qint64(rs.size()) : qint64(rs.affectedRows());
}

struct StatementRun;

class CursorPrivate
{
public:
    CursorPrivate(Cursor *qq, Connection *c, CursorType t) : q(qq), connection(c), type(t) { }
    ~CursorPrivate() { endStream(); }

    static CursorPrivate *get(Cursor *c) { return c->d.get(); }
    bool isDict() const { return type == CursorType::Dict || type == CursorType::StreamingDict; }
    bool isStreaming() const { return type == CursorType::Streaming || type == CursorType::StreamingDict; }
    //! Drops the rest of a streaming result (another statement starts, or the cursor goes).
    void endStream()
    {
        if (stream)
            std::exchange(stream, nullptr)->abandon();
    }

    template<typename Args>
    QFuture<qint64> execute(const QString &sql, const Args &args);
    template<typename Args>
    QFuture<qint64> executeMany(const QString &sql, const QList<Args> &rows);
    //! The statements of executeMany(): multi-row INSERTs, or one statement per row.
    template<typename Args>
    bool buildMany(const QString &sql, const QList<Args> &rows, QList<QByteArray> &out, ErrorInfo &error) const;

    using StatementsDone = std::function<void(const ErrorInfo *, qint64 total, const QList<ResultSet> &last)>;
    /*! Runs \a statements one after another, each only once the one before succeeded; the
        cursor then shows the last one's results, with rowCount() the sum over all of them.
        \a done runs even if the cursor is deleted meanwhile. */
    std::shared_ptr<StatementRun> runStatements(QList<QByteArray> statements, StatementsDone done,
                                                QList<ConnectionPrivate::QueryPacket> packets = {});
    /*! runStatements() for \a promise, which QFuture::cancel() and the query timeout stop. With
        \a packets (one per statement, its SQL in \a statements for lastExecuted()), those are
        sent instead: a prepared statement's executes. */
    template<typename T>
    void runStatements(QList<QByteArray> statements, const std::shared_ptr<QPromise<T>> &promise, StatementsDone done,
                       QList<ConnectionPrivate::QueryPacket> packets = {});
    /*! Runs \a sql (encoded) as execute() does: a streaming cursor sends \a packet, which must
        be given then; a buffered one sends \a packet if it is a prepared statement's execute,
        else \a sql (the SQL of \a packet's statement, for lastExecuted(), if given). */
    QFuture<qint64> executePacket(QByteArray sql, ConnectionPrivate::QueryPacket packet);
    QFuture<qint64> executeStatement(const PreparedStatement &statement, const QVariantList &args);
    QFuture<qint64> executePrepared(const QString &sql, const QVariantList &args);
    QFuture<qint64> executeMany(const PreparedStatement &statement, const QList<QVariantList> &rows);
    //! \a sql's statement from the connection's cache (or prepared now), then \a then with it.
    QFuture<qint64> withCachedStatement(const QString &sql,
                                        std::function<QFuture<qint64>(CursorPrivate *, const PreparedStatement &)> then);
    std::chrono::milliseconds timeout() const { return queryTimeout.value_or(connection->options().queryTimeout); }
    void adoptResults(const QList<ResultSet> &results, const ErrorInfo *laterFailure, qint64 total);
    void adoptFailure(const ErrorInfo &error);
    template<typename Args>
    bool mogrify(const QString &sql, const Args &args, QByteArray &out, ErrorInfo &error, bool bytesAsHex = false) const;
    //! Cursor::mogrify(): the SQL as text that executes to the same values.
    template<typename Args>
    QString mogrifyText(const QString &sql, const Args &args, bool *ok) const;
    //! Makes results[index] the current result.
    void select(int index);
    //! The error fetching from this cursor is, or nullptr if it may fetch.
    std::optional<ErrorInfo> fetchError() const;
    QList<Row> take(qint64 count);
    /*! A statement that fails before it is sent (closed cursor, bad arguments): reported as a
        failed command is, on this cursor's and the connection's errorOccurred. */
    template<typename T>
    QFuture<T> failedStatement(const ErrorInfo &error)
    {
        if (connection)
            return ConnectionPrivate::get(connection)->failedCommand<T>(error, q);
        const ErrorInfo reported = error.reported();
        Q_EMIT q->errorOccurred(*reported.make());
        return failedFuture<T>(reported);
    }
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
    std::optional<ErrorInfo> closedBy; // why, if not by close(): the pooled connection was released
    ErrorInfo closedError() const { return closedBy.value_or(ErrorInfo::programming(QStringLiteral("Cursor closed"))); }
    // Cursor::lastExecuted(), decoded only when asked for: most programs never do.
    QByteArray lastExecuted;
    TextEncoding lastEncoding = TextEncoding::Utf8;
    qsizetype maxStatementLength = 1024000; // as PyMySQL: well below every max_allowed_packet
    std::optional<std::chrono::milliseconds> queryTimeout; // unset: the connection's
    std::shared_ptr<CursorStream> stream; // the result of a streaming cursor's execute()
};

template<typename Args>
bool CursorPrivate::mogrify(const QString &sql, const Args &args, QByteArray &out, ErrorInfo &error, bool bytesAsHex) const
{
    if (!connection) {
        error = ErrorInfo::interface(QStringLiteral("The cursor's connection is gone"));
        return false;
    }
    SqlWriter writer = ConnectionPrivate::get(connection)->sqlWriter();
    writer.setBytesAsHex(bytesAsHex);
    if (!interpolate(writer, sql, args, error))
        return false;
    out = writer.take();
    return true;
}

template<typename Args>
QString CursorPrivate::mogrifyText(const QString &sql, const Args &args, bool *ok) const
{
    QByteArray out;
    ErrorInfo error;
    const bool written = mogrify(sql, args, out, error, true);
    return sqlText(written, out, connection ? ConnectionPrivate::get(connection)->textEncoding() : TextEncoding::Utf8, error, ok);
}

template<typename Args>
QFuture<qint64> CursorPrivate::execute(const QString &sql, const Args &args)
{
    if (closed)
        return failedStatement<qint64>(closedError());
    QByteArray bytes;
    ErrorInfo error;
    if (!mogrify(sql, args, bytes, error))
        return failedStatement<qint64>(error);
    // A streaming cursor's statement is framed here; a buffered run frames its statements itself.
    ConnectionPrivate::QueryPacket packet;
    if (isStreaming())
        packet = ConnectionPrivate::get(connection)->queryPacket(bytes);
    return executePacket(std::move(bytes), std::move(packet));
}

//! One runStatements() call on its way.
struct StatementRun
{
    QList<QByteArray> statements;
    CursorPrivate::StatementsDone done;
    QPointer<Cursor> cursor;
    QPointer<Connection> connection;
    qsizetype next = 0;
    qint64 total = 0;
    std::weak_ptr<PendingCommand> current; // the statement on its way
    QList<ConnectionPrivate::QueryPacket> packets; // a prepared statement's executes: one per statement
    bool stopped = false;

    //! Cancel or timeout: the statement on its way is abandoned, no further one starts.
    void stop(const ErrorInfo &why)
    {
        if (stopped || !connection)
            return;
        stopped = true;
        if (const CommandPtr cmd = current.lock())
            ConnectionPrivate::get(connection)->abandon(cmd, why);
    }
};

template<typename T>
void CursorPrivate::runStatements(QList<QByteArray> statements, const std::shared_ptr<QPromise<T>> &promise,
                                  StatementsDone done, QList<ConnectionPrivate::QueryPacket> packets)
{
    const std::weak_ptr<StatementRun> run = runStatements(std::move(statements), std::move(done), std::move(packets));
    ConnectionPrivate *cd = ConnectionPrivate::get(connection);
    cd->watch(promise->future(), queryTimeout.value_or(connection->options().queryTimeout),
              [run](const ErrorInfo &why) {
                  if (const auto r = run.lock())
                      r->stop(why);
              });
}

std::shared_ptr<StatementRun> CursorPrivate::runStatements(QList<QByteArray> statements, StatementsDone done,
                                                           QList<ConnectionPrivate::QueryPacket> packets)
{
    endStream(); // executeMany() and callProc() buffer their results on every kind of cursor
    auto run = std::make_shared<StatementRun>();
    run->statements = std::move(statements);
    Q_ASSERT(packets.isEmpty() || packets.size() == run->statements.size());
    run->packets = std::move(packets);
    run->done = std::move(done);
    run->cursor = q;
    run->connection = connection;
    auto step = std::make_shared<std::function<void()>>();
    // The lambda holds only a weak reference to itself: the chain ends when nothing runs.
    *step = [run, weakStep = std::weak_ptr<std::function<void()>>(step)] {
        auto self = weakStep.lock();
        if (!run->connection) {
            const ErrorInfo error = ErrorInfo::interface(QStringLiteral("The cursor's connection is gone"));
            run->done(&error, run->total, {});
            return;
        }
        ConnectionPrivate *cd = ConnectionPrivate::get(run->connection);
        const qsizetype index = run->next++;
        const QByteArray &sql = run->statements.at(index);
        if (run->cursor) {
            CursorPrivate::get(run->cursor)->lastExecuted = sql;
            CursorPrivate::get(run->cursor)->lastEncoding = cd->textEncoding();
        }
        const bool dict = run->cursor && CursorPrivate::get(run->cursor)->isDict();
        auto finished = [run, self](const ErrorInfo *error, const QList<ResultSet> &results) {
            // The cursor may be gone by now: the future still finishes, with the same value.
            if (error && results.isEmpty()) {
                if (run->cursor)
                    CursorPrivate::get(run->cursor)->adoptFailure(*error);
                run->done(error, run->total, results);
                return;
            }
            run->total += rowCountOf(results.first());
            if (!error && !run->stopped && run->next < run->statements.size()) {
                (*self)(); // the next statement only after this one succeeded, as DB-API wants
                return;
            }
            if (run->cursor)
                CursorPrivate::get(run->cursor)->adoptResults(results, error, run->total);
            run->done(nullptr, run->total, results);
        };
        if (!run->packets.isEmpty())
            run->current = cd->runQuery(std::exchange(run->packets[index], {}), std::move(finished), dict);
        else
            run->current = cd->runQuery(sql, std::move(finished), dict);
    };
    (*step)();
    return run;
}

QFuture<qint64> CursorPrivate::executePacket(QByteArray sql, ConnectionPrivate::QueryPacket packet)
{
    const bool prepared = !packet.bytes.isEmpty() && packet.binary;
    if (isStreaming()) {
        endStream();
        results.clear();
        select(-1);
        resultIndex = 0; // fetching is allowed now
        lastExecuted = sql;
        lastEncoding = ConnectionPrivate::get(connection)->textEncoding();
        stream = std::make_shared<CursorStream>(q, connection);
        return stream->start(std::move(packet), isDict(), timeout());
    }
    auto promise = startedPromise<qint64>();
    runStatements({sql}, promise, completing(promise, [](qint64 total, const QList<ResultSet> &) { return total; }),
                  prepared ? QList{std::move(packet)} : QList<ConnectionPrivate::QueryPacket>());
    return promise->future();
}

QFuture<qint64> CursorPrivate::executeStatement(const PreparedStatement &statement, const QVariantList &args)
{
    if (closed)
        return failedStatement<qint64>(closedError());
    if (!connection)
        return failedStatement<qint64>(ErrorInfo::interface(QStringLiteral("The cursor's connection is gone")));
    ConnectionPrivate::QueryPacket packet;
    ErrorInfo error;
    if (!ConnectionPrivate::get(connection)->executePacket(statement, args, packet, error))
        return failedStatement<qint64>(error);
    return executePacket(encodeText(statement.sql(), ConnectionPrivate::get(connection)->textEncoding()), std::move(packet));
}

QFuture<qint64> CursorPrivate::executePrepared(const QString &sql, const QVariantList &args)
{
    if (closed)
        return failedStatement<qint64>(closedError());
    if (!connection)
        return failedStatement<qint64>(ErrorInfo::interface(QStringLiteral("The cursor's connection is gone")));
    ConnectionPrivate *cd = ConnectionPrivate::get(connection);
    if (isStreaming()) {
        // The statement first (from the cache, or prepared into it), then its rows streamed.
        return withCachedStatement(sql, [args](CursorPrivate *d, const PreparedStatement &statement) {
            return d->executeStatement(statement, args);
        });
    }
    endStream();
    lastExecuted = encodeText(sql, cd->textEncoding());
    lastEncoding = cd->textEncoding();
    auto promise = startedPromise<qint64>();
    const auto done = completing(promise, [](qint64 total) { return total; });
    const std::weak_ptr<PreparedRun> run = cd->runPrepared(sql, args, [cursor = QPointer<Cursor>(q), done](
            const ErrorInfo *error, const QList<ResultSet> &results) {
        // The cursor may be gone by now: the future still finishes, with the same value.
        if (error && results.isEmpty()) {
            if (cursor)
                CursorPrivate::get(cursor)->adoptFailure(*error);
            done(error, qint64(0));
            return;
        }
        const qint64 total = rowCountOf(results.first());
        if (cursor)
            CursorPrivate::get(cursor)->adoptResults(results, error, total);
        done(nullptr, total);
    }, isDict());
    cd->watch(promise->future(), timeout(), [cd, run](const ErrorInfo &why) { cd->stopPrepared(run, why); });
    return promise->future();
}

QFuture<qint64> CursorPrivate::withCachedStatement(
        const QString &sql, std::function<QFuture<qint64>(CursorPrivate *, const PreparedStatement &)> then)
{
    QPointer<Cursor> cursor = q;
    return ConnectionPrivate::get(connection)->cachedStatement(sql)
            .then([cursor, then = std::move(then)](const PreparedStatement &statement) -> QFuture<qint64> {
                if (!cursor)
                    return failedFuture<qint64>(ErrorInfo::interface(QStringLiteral("The cursor is gone")));
                return then(CursorPrivate::get(cursor), statement);
            })
            .unwrap();
}

QFuture<qint64> CursorPrivate::executeMany(const PreparedStatement &statement, const QList<QVariantList> &rows)
{
    if (closed)
        return failedStatement<qint64>(closedError());
    if (!connection)
        return failedStatement<qint64>(ErrorInfo::interface(QStringLiteral("The cursor's connection is gone")));
    ConnectionPrivate *cd = ConnectionPrivate::get(connection);
    QList<ConnectionPrivate::QueryPacket> packets;
    ErrorInfo error;
    if (!cd->executeManyPackets(statement, rows, maxStatementLength, packets, error))
        return failedStatement<qint64>(error);
    if (packets.isEmpty()) { // nothing to run: nothing is sent, as executeMany(sql) does
        endStream();
        rowCount = 0;
        return ready(qint64(0));
    }
    // Every command is the statement's, for lastExecuted(); the copies share one block.
    const QList<QByteArray> statements(packets.size(), encodeText(statement.sql(), cd->textEncoding()));
    auto promise = startedPromise<qint64>();
    runStatements(statements, promise, completing(promise, [](qint64 total, const QList<ResultSet> &) { return total; }),
                  std::move(packets));
    return promise->future();
}

void CursorPrivate::adoptFailure(const ErrorInfo &error)
{
    results.clear();
    select(-1);
    Q_EMIT q->errorOccurred(*error.make());
}

void CursorPrivate::adoptResults(const QList<ResultSet> &res, const ErrorInfo *laterFailure, qint64 total)
{
    results = res;
    laterError.reset();
    if (laterFailure)
        laterError = *laterFailure; // raised by nextSet() when the failed statement is reached
    select(0);
    rowCount = total;
    Q_EMIT q->executed(rowCount);
    if (!currentRows.isEmpty())
        Q_EMIT q->rowsAvailable();
}

namespace {

/*! An INSERT or REPLACE whose VALUES clause is one row of placeholders, optionally followed
    by ON DUPLICATE KEY UPDATE and a semicolon: executeMany() repeats the row. The greedy
    prefix ends at the last VALUES that is followed by such a row, so a VALUES(col) inside
    ON DUPLICATE KEY UPDATE stays in the postfix. */
const QRegularExpression &insertValues()
{
    static const QRegularExpression re(
            QStringLiteral(R"(^\s*((?:INSERT|REPLACE)\b.+\bVALUES?\s*))"
                           R"((\(\s*(?:%s|%\([^()]+\)s)\s*(?:,\s*(?:%s|%\([^()]+\)s)\s*)*\)))"
                           R"((\s*(?:ON\s+DUPLICATE\b.*?)?)\s*;?\s*\z)"),
            QRegularExpression::CaseInsensitiveOption | QRegularExpression::DotMatchesEverythingOption);
    return re;
}

} // namespace

template<typename Args>
bool CursorPrivate::buildMany(const QString &sql, const QList<Args> &rows, QList<QByteArray> &out, ErrorInfo &error) const
{
    const QRegularExpressionMatch m = insertValues().match(sql);
    if (!m.hasMatch()) {
        for (const Args &row : rows) {
            QByteArray bytes;
            if (!mogrify(sql, row, bytes, error))
                return false;
            out.append(std::move(bytes));
        }
        return true;
    }
    if (!connection) {
        error = ErrorInfo::interface(QStringLiteral("The cursor's connection is gone"));
        return false;
    }
    const SqlWriter blank = ConnectionPrivate::get(connection)->sqlWriter();
    // Prefix and postfix take no arguments; %% in them is still a literal percent sign.
    SqlWriter prefixWriter = blank, postfixWriter = blank;
    if (!interpolateText(prefixWriter, m.capturedView(1), error) || !interpolateText(postfixWriter, m.capturedView(3), error))
        return false;
    const QByteArray prefix = prefixWriter.take();
    const QByteArray postfix = postfixWriter.take();
    const QStringView values = m.capturedView(2);
    QByteArray statement;
    for (const Args &row : rows) {
        SqlWriter rowWriter = blank;
        if (!interpolate(rowWriter, values, row, error))
            return false;
        const QByteArray tuple = rowWriter.take();
        if (!statement.isEmpty() && statement.size() + 1 + tuple.size() + postfix.size() > maxStatementLength) {
            out.append(statement + postfix);
            statement.clear();
        }
        if (statement.isEmpty())
            statement = prefix + tuple;
        else
            statement.append(',').append(tuple);
    }
    if (!statement.isEmpty())
        out.append(statement + postfix);
    return true;
}

template<typename Args>
QFuture<qint64> CursorPrivate::executeMany(const QString &sql, const QList<Args> &rows)
{
    if (closed)
        return failedStatement<qint64>(closedError());
    QList<QByteArray> statements;
    ErrorInfo error;
    if (!buildMany(sql, rows, statements, error))
        return failedStatement<qint64>(error);
    if (statements.isEmpty()) { // nothing to insert: nothing is sent, as in PyMySQL
        rowCount = 0;
        return ready(qint64(0));
    }
    auto promise = startedPromise<qint64>();
    runStatements(std::move(statements), promise, completing(promise, [](qint64 total, const QList<ResultSet> &) { return total; }));
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
        return closedError();
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

void moveCursorToStandIn(Cursor *cursor, Connection *standIn, const ErrorInfo &error)
{
    CursorPrivate *d = CursorPrivate::get(cursor);
    // What is left of a streaming result is the connection's business (release() closes a
    // connection still reading one); the cursor lets go of it and of its rows.
    d->endStream();
    d->results.clear();
    d->select(-1);
    d->closed = true;
    d->closedBy = error;
    d->connection = standIn;
    cursor->setParent(standIn);
}

Connection *Cursor::connection() const { return d->connection; }
CursorType Cursor::cursorType() const { return d->type; }

QFuture<qint64> Cursor::execute(const QString &sql, const QVariantList &args) { return d->execute(sql, args); }
QFuture<qint64> Cursor::execute(const QString &sql, const QVariantMap &args) { return d->execute(sql, args); }

QFuture<qint64> Cursor::execute(const PreparedStatement &statement, const QVariantList &args)
{
    return d->executeStatement(statement, args);
}
QFuture<qint64> Cursor::executePrepared(const QString &sql, const QVariantList &args) { return d->executePrepared(sql, args); }

QFuture<qint64> Cursor::executeMany(const QString &sql, const QList<QVariantList> &rows) { return d->executeMany(sql, rows); }
QFuture<qint64> Cursor::executeMany(const QString &sql, const QList<QVariantMap> &rows) { return d->executeMany(sql, rows); }

QFuture<qint64> Cursor::executeMany(const PreparedStatement &statement, const QList<QVariantList> &rows)
{
    return d->executeMany(statement, rows);
}

QFuture<qint64> Cursor::executeManyPrepared(const QString &sql, const QList<QVariantList> &rows)
{
    if (d->closed)
        return d->failedStatement<qint64>(d->closedError());
    if (!d->connection)
        return d->failedStatement<qint64>(ErrorInfo::interface(QStringLiteral("The cursor's connection is gone")));
    return d->withCachedStatement(sql, [rows](CursorPrivate *cd, const PreparedStatement &statement) {
        return cd->executeMany(statement, rows);
    });
}

QFuture<QVariantList> Cursor::callProc(const QString &name, const QVariantList &args)
{
    if (d->closed)
        return d->failedStatement<QVariantList>(d->closedError());
    if (!d->connection)
        return d->failedStatement<QVariantList>(ErrorInfo::interface(QStringLiteral("The cursor's connection is gone")));
    ConnectionPrivate *cd = ConnectionPrivate::get(d->connection);
    // aiomysql's convention: argument i lives in @_<name>_<i>, so OUT and INOUT values can be
    // read back with SELECT after the call.
    QString prefix = name;
    for (QChar &c : prefix) {
        if (!c.isLetterOrNumber() && c != u'_' && c != u'$')
            c = u'_';
    }
    QStringList variables;
    for (qsizetype i = 0; i < args.size(); ++i)
        variables << QStringLiteral("@_%1_%2").arg(prefix).arg(i);
    QList<QByteArray> statements;
    if (!args.isEmpty()) {
        SqlWriter set = cd->sqlWriter();
        set.appendText(u"SET ");
        for (qsizetype i = 0; i < args.size(); ++i) {
            set.appendText((i ? QStringLiteral(",") : QString()) + variables.at(i) + QLatin1Char('='));
            ErrorInfo error;
            if (!set.appendLiteral(args.at(i), error))
                return d->failedStatement<QVariantList>(error);
        }
        statements << set.take();
    }
    statements << encodeText(QStringLiteral("CALL %1(%2)").arg(name, variables.join(u',')), cd->textEncoding());

    auto promise = startedPromise<QVariantList>();
    QPointer<Connection> connection = d->connection;
    QPointer<Cursor> guard(this);
    d->runStatements(std::move(statements), promise, [promise, connection, guard, variables, args](
                                                    const ErrorInfo *error, qint64, const QList<ResultSet> &results) {
        if (error) {
            failPromise(*promise, *error);
            return;
        }
        if (guard && results.size() > 1 && !results.last().hasColumns()) {
            // The OK that ends every CALL is no result of the procedure's own.
            QList<ResultSet> own = results;
            own.removeLast();
            CursorPrivate::get(guard)->adoptResults(own, nullptr, rowCountOf(own.first()));
        }
        if (variables.isEmpty() || !connection) {
            promise->addResult(args);
            promise->finish();
            return;
        }
        ConnectionPrivate::get(connection)->runQuery(QStringLiteral("SELECT ") + variables.join(u','),
                                                     completing(promise, [](const QList<ResultSet> &values) {
            return values.value(0).rows().value(0).toList();
        }));
    });
    return promise->future();
}

QString Cursor::mogrify(const QString &sql, const QVariantList &args, bool *ok) const
{
    return d->mogrifyText(sql, args, ok);
}

QString Cursor::mogrify(const QString &sql, const QVariantMap &args, bool *ok) const
{
    return d->mogrifyText(sql, args, ok);
}

QFuture<std::optional<Row>> Cursor::fetchOne()
{
    if (auto error = d->fetchError())
        return failedFuture<std::optional<Row>>(*error);
    if (d->stream)
        return d->stream->fetch(1).then([](const QList<Row> &rows) {
            return rows.isEmpty() ? std::optional<Row>() : std::optional<Row>(rows.first());
        });
    const QList<Row> rows = d->take(1);
    return d->ready(rows.isEmpty() ? std::optional<Row>() : std::optional<Row>(rows.first()));
}

QFuture<QList<Row>> Cursor::fetchMany(int size)
{
    if (auto error = d->fetchError())
        return failedFuture<QList<Row>>(*error);
    if (d->stream)
        return d->stream->fetch(size < 0 ? d->arraySize : size);
    return d->ready(d->take(size < 0 ? d->arraySize : size));
}

QFuture<QList<Row>> Cursor::fetchAll()
{
    if (auto error = d->fetchError())
        return failedFuture<QList<Row>>(*error);
    if (d->stream)
        return d->stream->fetch(-1);
    return d->ready(d->take(d->currentRows.size()));
}

QFuture<bool> Cursor::nextSet()
{
    if (auto error = d->fetchError())
        return failedFuture<bool>(*error);
    if (d->stream)
        return d->stream->nextSet();
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
    if (d->stream) {
        // Forward only: the rows behind are gone.
        const qint64 ahead = mode == ScrollMode::Relative ? value : value - d->stream->position();
        if (ahead < 0)
            return failedFuture<void>(ErrorInfo::notSupported(QStringLiteral("A streaming cursor cannot scroll backwards")));
        return d->stream->skip(ahead);
    }
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
    if (d->closed || !d->connection) {
        // Nothing left to release (or, without a connection, nobody who could read it).
        d->closed = true;
        QPromise<void> p;
        p.start();
        p.finish();
        return p.future();
    }
    d->closed = true;
    auto promise = startedPromise<void>();
    QPointer<Connection> connection = d->connection;
    // The future finishes from a queued call, and only then, once its continuations have run or
    // been posted, does a cursor the connection still owns go: nothing the caller attached to
    // this future finds it deleted.
    auto finish = [promise, self = QPointer<Cursor>(this), connection](std::exception_ptr error) {
        auto done = [promise, self, connection, error] {
            if (error)
                promise->setException(error);
            promise->finish();
            if (self && connection && self->parent() == connection.data())
                self->deleteLater();
        };
        if (connection)
            ConnectionPrivate::get(connection)->defer(done);
        else
            done(); // the connection went, and its cursors with it
    };
    if (d->stream) {
        // Finishes once the rest of the result was read and dropped: the connection is free.
        const std::shared_ptr<CursorStream> stream = std::exchange(d->stream, nullptr);
        QFuture<void> drained = stream->close();
        Q_EMIT finished();
        drained.then([stream, finish](QFuture<void> f) {
            std::exception_ptr error;
            try {
                f.waitForFinished();
            } catch (...) {
                error = std::current_exception();
            }
            finish(error);
        });
        return promise->future();
    }
    d->results.clear();
    d->select(-1);
    Q_EMIT finished();
    finish(nullptr);
    return promise->future();
}

QList<Column> Cursor::description() const { return d->stream ? d->stream->description() : d->current.columns(); }
qint64 Cursor::rowCount() const { return d->stream ? d->stream->rowCount() : d->rowCount; }
qint64 Cursor::rowNumber() const { return d->stream ? d->stream->position() : d->position; }
quint64 Cursor::lastRowId() const { return d->stream ? d->stream->lastRowId() : d->lastRowId; }
int Cursor::warningCount() const { return d->stream ? d->stream->warningCount() : d->warningCount; }
int Cursor::arraySize() const { return d->arraySize; }
void Cursor::setArraySize(int size) { d->arraySize = qMax(1, size); }
bool Cursor::isClosed() const { return d->closed; }
qsizetype Cursor::maxStatementLength() const { return d->maxStatementLength; }
std::chrono::milliseconds Cursor::queryTimeout() const
{
    if (d->queryTimeout || !d->connection)
        return d->queryTimeout.value_or(std::chrono::milliseconds(0));
    return d->connection->options().queryTimeout;
}
void Cursor::setQueryTimeout(std::chrono::milliseconds timeout) { d->queryTimeout = timeout; }
void Cursor::setMaxStatementLength(qsizetype bytes) { d->maxStatementLength = qMax<qsizetype>(1, bytes); }
QString Cursor::lastExecuted() const { return decodeText(d->lastExecuted, d->lastEncoding); }

} // namespace AsyncMySql
