// SPDX-License-Identifier: MIT
#include "statement_p.h"
#include "connection_p.h"
#include "logging_p.h"
#include "parameters_p.h"
#include "placeholders_p.h"
#include "values_p.h"

#include <AsyncMySql/Decimal.h>
#include <AsyncMySql/Types.h>

#include <QtCore/QThread>
#include <QtCore/QVersionNumber>

#include <optional>


namespace AsyncMySql {

// ---------------------------------------------------------------------------------------------
// PreparedStatement

PreparedStatement::PreparedStatement() = default;
PreparedStatement::PreparedStatement(PreparedStatementPrivate *dd) : d(dd) { }
PreparedStatement::PreparedStatement(const PreparedStatement &) = default;
PreparedStatement::PreparedStatement(PreparedStatement &&) noexcept = default;
PreparedStatement &PreparedStatement::operator=(const PreparedStatement &) = default;
PreparedStatement &PreparedStatement::operator=(PreparedStatement &&) noexcept = default;
PreparedStatement::~PreparedStatement() = default;

bool PreparedStatement::isValid() const
{
    if (!d || d->closed || !d->connection)
        return false;
    return ConnectionPrivate::get(d->connection)->isStatementLive(d->epoch);
}

QString PreparedStatement::sql() const { return d ? d->sql : QString(); }
int PreparedStatement::parameterCount() const { return d ? int(d->params.size()) : 0; }
QList<Column> PreparedStatement::columns() const { return d ? d->columns : QList<Column>(); }
QList<Column> PreparedStatement::parameters() const { return d ? d->params : QList<Column>(); }
quint32 PreparedStatement::id() const { return d ? d->id : 0; }

PreparedStatementPrivate::~PreparedStatementPrivate()
{
    Connection *c = connection;
    if (closed || !c)
        return;
    if (QThread::currentThread() == c->thread()) {
        ConnectionPrivate::get(c)->releaseStatement(id, epoch);
        return;
    }
    // The last copy went in another thread: the connection closes it in its own.
    QMetaObject::invokeMethod(c, [c = QPointer<Connection>(c), id = id, epoch = epoch] {
        if (c)
            ConnectionPrivate::get(c)->releaseStatement(id, epoch);
    }, Qt::QueuedConnection);
}

// ---------------------------------------------------------------------------------------------
// Parameters

namespace {

/*! writeParameters()' side of visitParameter(): each value in its binary form, typed, into an
    ExecuteWriter or a BulkWriter (no long data: a bulk row goes whole in its packet). */
template<typename Writer>
class ParameterSink
{
public:
    ParameterSink(Writer &writer, TextEncoding encoding, std::vector<LongData> *longData, qsizetype threshold)
        : m_writer(writer), m_encoding(encoding), m_longData(longData), m_threshold(threshold)
    {
    }

    void null() { m_writer.addNull(); }
    void boolean(bool on) { m_writer.addSigned(on ? 1 : 0); }
    void integer(qint64 v) { m_writer.addSigned(v); }
    void unsignedInteger(quint64 v) { m_writer.addUnsigned(v); }
    void floating(double d) { m_writer.addDouble(d); }
    void text(const QString &t) { string(Column::VarString, encodeText(t, m_encoding)); }
    void bytes(const QByteArray &b) { string(Column::Blob, b); }
    void date(const QDate &d)
    {
        if (d.isValid())
            m_writer.addDate(d.year(), d.month(), d.day());
        else
            m_writer.addDate(0, 0, 0);
    }
    void time(const Duration &d)
    {
        const int hours = d.hours();
        m_writer.addTime(d.isNegative(), quint32(hours / 24), hours % 24, d.minutes(), d.seconds(), d.microseconds());
    }
    void dateTime(const DateTime &dt)
    {
        m_writer.addDateTime(dt.year(), dt.month(), dt.day(), dt.hour(), dt.minute(), dt.second(), dt.microsecond());
    }
    void json(const QByteArray &utf8)
    {
        // JSON is text: sent in the connection's character set like any string.
        if (m_encoding == TextEncoding::Utf8)
            string(Column::VarString, utf8);
        else
            text(QString::fromUtf8(utf8));
    }
    void decimal(const Decimal &d) { m_writer.addString(Column::NewDecimal, d.view()); }
    bool list(const QVariantList &, ErrorInfo &error)
    {
        error = ErrorInfo::programming(QStringLiteral(
                "A list cannot be a prepared statement's parameter (use one placeholder per value)"));
        return false;
    }
    bool raw(const QByteArray &, ErrorInfo &error)
    {
        error = ErrorInfo::programming(QStringLiteral(
                "An encoder returned RawSql, which cannot be a prepared statement's parameter "
                "(parameters are values, not SQL)"));
        return false;
    }

private:
    void string(quint8 type, QByteArray bytes)
    {
        if constexpr (std::is_same_v<Writer, Protocol::ExecuteWriter>) {
            if (m_longData && m_threshold > 0 && bytes.size() >= m_threshold) {
                m_longData->push_back(LongData{quint16(m_writer.count()), std::move(bytes)});
                m_writer.addLongData(type);
                return;
            }
        }
        m_writer.addString(type, bytes);
    }

    Writer &m_writer;
    TextEncoding m_encoding;
    std::vector<LongData> *m_longData;
    qsizetype m_threshold;
};

template<typename Writer>
bool writeValues(Writer &writer, const QVariantList &args, TextEncoding encoding, const Converters *converters,
                 ErrorInfo &error, std::vector<LongData> *longData, qsizetype longDataThreshold)
{
    ParameterSink<Writer> sink(writer, encoding, longData, longDataThreshold);
    for (const QVariant &arg : args) {
        if (!visitParameter(arg, converters, sink, error))
            return false;
    }
    return true;
}

} // namespace

bool writeParameters(Protocol::ExecuteWriter &writer, const QVariantList &args, TextEncoding encoding,
                     const Converters *converters, ErrorInfo &error, std::vector<LongData> *longData,
                     qsizetype longDataThreshold)
{
    return writeValues(writer, args, encoding, converters, error, longData, longDataThreshold);
}

bool writeParameters(Protocol::BulkWriter &writer, const QVariantList &args, TextEncoding encoding,
                     const Converters *converters, ErrorInfo &error)
{
    return writeValues(writer, args, encoding, converters, error, nullptr, 0);
}

} // namespace AsyncMySql

// ---------------------------------------------------------------------------------------------
// ConnectionPrivate: prepared statements

namespace AsyncMySql {

using namespace Protocol;

CommandPtr ConnectionPrivate::prepare(const QString &sql, PrepareDone done, bool quiet)
{
    auto cmd = std::make_shared<PendingCommand>();
    cmd->quiet = quiet;
    const QByteArray text = encodeText(sql, encoding);
    logQuery(text);
    quint8 replySeq = 1;
    cmd->makePrepare(commandPacket(quint8(Protocol::Command::StmtPrepare), text, &replySeq), replySeq, encoding);
    // Statements of this session; a reset queued from now on ends it (after this prepare).
    const quint64 epoch = statementEpoch;
    const PendingCommand *self = cmd.get(); // done is called by the command itself
    cmd->done = [this, self, sql, epoch, done = std::move(done)](const ErrorInfo *error) {
        if (error) {
            done(error, PreparedStatement());
            return;
        }
        const PrepareExchange &reply = *self->prepared();
        auto *d = new PreparedStatementPrivate;
        d->connection = q;
        d->epoch = epoch;
        d->id = reply.prepared().statementId;
        d->sql = sql;
        d->params = reply.params();
        d->columns = reply.columns();
        done(nullptr, PreparedStatementPrivate::make(d));
    };
    enqueue(cmd);
    return cmd;
}

bool ConnectionPrivate::checkStatement(const PreparedStatementPrivate *s, ErrorInfo &error) const
{
    if (!s)
        error = ErrorInfo::interface(QStringLiteral("The prepared statement is not valid (it was never prepared)"));
    else if (s->connection != q)
        error = ErrorInfo::interface(QStringLiteral("The prepared statement belongs to another connection"));
    else if (s->closed)
        error = ErrorInfo::interface(QStringLiteral("The prepared statement was closed"));
    else if (s->epoch != statementEpoch)
        error = ErrorInfo::interface(QStringLiteral(
                "The prepared statement was closed on the server by a reconnect or a reset of the connection "
                "(prepare it again)"));
    else
        return true;
    return false;
}

bool ConnectionPrivate::executePacket(const PreparedStatement &statement, const QVariantList &args, QueryPacket &packet,
                                      ErrorInfo &error)
{
    const PreparedStatementPrivate *s = PreparedStatementPrivate::get(statement);
    if (!checkStatement(s, error))
        return false;
    if (args.size() != s->params.size()) {
        error = ErrorInfo::programming(QStringLiteral("The statement takes %1 parameters, %2 given")
                                               .arg(s->params.size()).arg(args.size()));
        return false;
    }
    return executePacket(s->id, s->sql, args, packet, error);
}

bool ConnectionPrivate::bulkExecutes(const PreparedStatementPrivate *statement) const
{
    return (session.capabilities() & Capability::MariaDbStmtBulk) && !statement->params.isEmpty()
            && statement->columns.isEmpty();
}

bool ConnectionPrivate::executeManyPackets(const PreparedStatement &statement, const QList<QVariantList> &rows,
                                           qsizetype maxPacket, QList<QueryPacket> &packets, ErrorInfo &error)
{
    const PreparedStatementPrivate *s = PreparedStatementPrivate::get(statement);
    if (!checkStatement(s, error))
        return false;
    for (const QVariantList &row : rows) {
        if (row.size() != s->params.size()) {
            error = ErrorInfo::programming(QStringLiteral("The statement takes %1 parameters, a row has %2")
                                                   .arg(s->params.size()).arg(row.size()));
            return false;
        }
    }
    packets.clear();
    if (!bulkExecutes(s)) {
        packets.reserve(rows.size());
        for (const QVariantList &row : rows) {
            QueryPacket packet;
            if (!executePacket(s->id, s->sql, row, packet, error))
                return false;
            packets.append(std::move(packet));
        }
        return true;
    }
    std::optional<BulkWriter> writer;
    const auto flush = [&] {
        QueryPacket packet;
        packet.bytes = writer->take(&packet.replySeq);
        packet.binary = true;
        packets.append(std::move(packet));
        writer.reset();
    };
    for (const QVariantList &row : rows) {
        if (writer && writer->size() >= maxPacket)
            flush();
        for (int attempt = 0; attempt < 2; ++attempt) {
            if (!writer)
                writer.emplace(s->id, int(s->params.size()));
            writer->beginRow();
            if (!writeParameters(*writer, row, encoding, &options.converters, error))
                return false;
            if (writer->endRow())
                break;
            // The row's values have other types than the packet's columns: a packet of its own
            // (a fresh writer takes any row, so there is no second refusal).
            Q_ASSERT(attempt == 0 && writer->rowCount() > 0);
            flush();
        }
    }
    if (writer)
        flush();
    if (echo)
        logQuery(encodeText(s->sql, encoding));
    return true;
}

bool ConnectionPrivate::executePacket(quint32 id, const QString &sql, const QVariantList &args, QueryPacket &packet,
                                      ErrorInfo &error)
{
    ExecuteWriter writer(id, int(args.size()), std::exchange(spareCommandBuffer, QByteArray()));
    std::vector<LongData> longData;
    if (!writeParameters(writer, args, encoding, &options.converters, error, &longData, LongDataThreshold))
        return false;
    packet.ahead.clear();
    for (const LongData &value : longData) {
        const QByteArrayView bytes(value.bytes);
        for (qsizetype at = 0; at < bytes.size(); at += LongDataChunk)
            packet.ahead.append(longDataPacket(id, value.param, bytes.sliced(at, qMin(LongDataChunk, bytes.size() - at))));
    }
    if (echo)
        logQuery(encodeText(sql, encoding));
    packet.bytes = writer.take(&packet.replySeq);
    packet.binary = true;
    return true;
}

bool ConnectionPrivate::executesLastPrepared() const
{
    // MariaDB leaves out CLIENT_MYSQL (LongPassword), and names itself in its version.
    if ((session.capabilities() & Capability::LongPassword) || !session.serverVersion().contains(u"MariaDB"))
        return false;
    const QVersionNumber version = QVersionNumber::fromString(session.serverVersion());
    return version >= QVersionNumber(10, 2);
}

void ConnectionPrivate::releaseStatement(quint32 id, quint64 epoch)
{
    if (!isStatementLive(epoch) || destroying)
        return;
    // Unanswered, so it holds nothing up: submitted as it is, without draining a stream being
    // read (which a command waiting for its reply would do, see admit()).
    auto cmd = std::make_shared<PendingCommand>();
    cmd->makeNoReply(closeStatementPacket(id));
    session.submit(cmd);
    flushOutput();
}

// ---------------------------------------------------------------------------------------------
// queryPrepared(): the statement cache

PreparedStatement StatementCache::find(const QByteArray &sql)
{
    const auto it = m_entries.find(sql);
    if (it == m_entries.end())
        return PreparedStatement();
    it->used = ++m_clock;
    return it->statement;
}

void StatementCache::insert(const QByteArray &sql, const PreparedStatement &statement)
{
    if (m_capacity == 0)
        return;
    if (m_entries.size() >= m_capacity && !m_entries.contains(sql)) {
        // A miss costs a round trip anyway: looking for the oldest among a few hundred is cheap.
        auto oldest = m_entries.begin();
        for (auto it = m_entries.begin(); it != m_entries.end(); ++it) {
            if (it->used < oldest->used)
                oldest = it;
        }
        m_entries.erase(oldest);
    }
    m_entries.insert(sql, Entry{statement, ++m_clock});
}

void StatementCache::clear()
{
    // Moved out first: dropping a handle may reach back into the connection.
    QHash<QByteArray, Entry> entries = std::exchange(m_entries, {});
    entries.clear();
}

/*! One queryPrepared() call on its way: its SQL and arguments, who waits, and the command a
    cancel or timeout stops. */
struct PreparedRun
{
    QString sql;
    QByteArray key; //!< the SQL encoded: the cache's key
    QVariantList args;
    ConnectionPrivate::QueryDone done;
    bool dict = false;
    bool retried = false; //!< prepared once more after the server had no room (1461)
    bool stopped = false;
    std::weak_ptr<PendingCommand> current;
};

namespace {
constexpr int MaxPreparedStatementsReached = 1461; // ER_MAX_PREPARED_STMT_COUNT_REACHED
} // namespace

std::shared_ptr<PreparedRun> ConnectionPrivate::runPrepared(const QString &sql, const QVariantList &args, QueryDone done,
                                                           bool dict)
{
    auto run = std::make_shared<PreparedRun>();
    run->sql = sql;
    run->key = encodeText(sql, encoding);
    run->args = args;
    run->done = std::move(done);
    run->dict = dict;
    startPrepared(run);
    return run;
}

void ConnectionPrivate::startPrepared(const std::shared_ptr<PreparedRun> &run)
{
    if (const PreparedStatement cached = statementCache.find(run->key); cached.isValid()) {
        QueryPacket packet;
        ErrorInfo error;
        if (!executePacket(cached, run->args, packet, error)) {
            endPrepared(run, error);
            return;
        }
        run->current = runQuery(std::move(packet), run->done, run->dict);
        return;
    }
    if (!canRunCommands()) {
        endPrepared(run, notConnectedError());
        return;
    }
    const auto keep = [this, run](const PreparedStatement &statement) {
        if (statementCache.capacity() > 0)
            statementCache.insert(run->key, statement);
    };
    if (!executesLastPrepared()) {
        // Two round trips: the execute needs the statement's id.
        run->current = prepare(run->sql, [this, run, keep](const ErrorInfo *error, const PreparedStatement &statement) {
            if (error) {
                preparedFailed(run, *error);
                return;
            }
            keep(statement);
            QueryPacket packet;
            ErrorInfo e;
            if (!executePacket(statement, run->args, packet, e)) {
                endPrepared(run, e, true);
                return;
            }
            run->current = runQuery(std::move(packet), run->done, run->dict);
        }, true);
        return;
    }
    // MariaDB: PREPARE and an EXECUTE of "the statement prepared just before", written together.
    QueryPacket packet;
    ErrorInfo error;
    if (!executePacket(LastPreparedStatement, run->sql, run->args, packet, error)) {
        endPrepared(run, error);
        return;
    }
    struct Outcome
    {
        std::optional<ErrorInfo> error;
        int params = -1;
    };
    auto prepared = std::make_shared<Outcome>();
    prepare(run->sql, [prepared, keep](const ErrorInfo *error, const PreparedStatement &statement) {
        if (error) {
            prepared->error = *error;
            return;
        }
        prepared->params = statement.parameterCount();
        keep(statement);
    }, true);
    CommandPtr execute = queryCommand(std::move(packet), run->dict);
    execute->quiet = true;
    execute->queryDone = [this, run, prepared](const ErrorInfo *error, const QList<ResultSet> &results) {
        if (prepared->error) { // the execute failed with it: the prepare's error is the one that counts
            preparedFailed(run, *prepared->error);
            return;
        }
        if (error && prepared->params >= 0 && prepared->params != run->args.size()) {
            endPrepared(run, ErrorInfo::programming(QStringLiteral("The statement takes %1 parameters, %2 given")
                                                            .arg(prepared->params).arg(run->args.size())), true);
            return;
        }
        if (error) {
            endPrepared(run, *error, true);
            return;
        }
        run->done(nullptr, results);
    };
    run->current = execute;
    enqueue(execute);
}

void ConnectionPrivate::stopPrepared(const std::weak_ptr<PreparedRun> &run, const ErrorInfo &why)
{
    if (const auto r = run.lock()) {
        r->stopped = true;
        if (const CommandPtr c = r->current.lock())
            abandon(c, why);
    }
}

QFuture<PreparedStatement> ConnectionPrivate::cachedStatement(const QString &sql)
{
    const QByteArray key = encodeText(sql, encoding);
    auto promise = startedPromise<PreparedStatement>();
    if (const PreparedStatement cached = statementCache.find(key); cached.isValid()) {
        promise->addResult(cached);
        promise->finish();
        return promise->future();
    }
    prepareCached(sql, key, promise, true);
    return promise->future();
}

void ConnectionPrivate::prepareCached(const QString &sql, const QByteArray &key,
                                      const std::shared_ptr<QPromise<PreparedStatement>> &promise, bool mayRetry)
{
    const auto done = completing(promise, [this, key](const PreparedStatement &statement) {
        if (statementCache.capacity() > 0)
            statementCache.insert(key, statement);
        return statement;
    });
    prepare(sql, [this, sql, key, promise, mayRetry, done](const ErrorInfo *error, const PreparedStatement &statement) {
        if (error && error->code == MaxPreparedStatementsReached && mayRetry && canRunCommands()) {
            // As runPrepared(): the server's room for statements is taken; ours go, then once more.
            statementCache.clear();
            prepareCached(sql, key, promise, false);
            return;
        }
        done(error, statement);
    });
}

void ConnectionPrivate::preparedFailed(const std::shared_ptr<PreparedRun> &run, const ErrorInfo &error)
{
    if (error.code != MaxPreparedStatementsReached || run->stopped || !canRunCommands()) {
        endPrepared(run, error, true);
        return;
    }
    if (!run->retried) {
        // The server holds as many statements as it allows (max_prepared_stmt_count, for all
        // connections): close ours and prepare once more.
        run->retried = true;
        qCInfo(lcConnection) << "the server has no room for another prepared statement: closing the"
                             << statementCache.size() << "cached ones and preparing again";
        statementCache.clear();
        startPrepared(run);
        return;
    }
    // Other connections hold them all: this one runs in the text protocol instead.
    SqlWriter writer = commandWriter();
    writer.startCommand();
    ErrorInfo e;
    if (!writeWithPlaceholders(writer, run->sql, run->args, session.status() & ServerStatus::NoBackslashEscapes, e)) {
        endPrepared(run, e, true);
        return;
    }
    run->current = runQuery(queryPacket(writer), run->done, run->dict);
}

void ConnectionPrivate::endPrepared(const std::shared_ptr<PreparedRun> &run, const ErrorInfo &error, bool now)
{
    // Reported once, as a command's failure is, unless it was the user's cancel or the
    // connection's end reported it already.
    const bool report = !error.report && !isCancellation(error);
    const ErrorInfo e = report ? error.reported(run->sql) : error;
    auto finish = [this, run, e, report] {
        if (report)
            emitFailure(e);
        run->done(&e, {});
    };
    if (now)
        finish(); // inside a queued call already
    else
        defer(finish);
}

// ---------------------------------------------------------------------------------------------
// Connection: prepared statements

QFuture<PreparedStatement> Connection::prepare(const QString &sql)
{
    auto promise = startedPromise<PreparedStatement>();
    d->prepare(sql, completing(promise, [](const PreparedStatement &statement) { return statement; }));
    return promise->future();
}

QFuture<ResultSet> Connection::execute(const PreparedStatement &statement, const QVariantList &args)
{
    ConnectionPrivate::QueryPacket packet;
    ErrorInfo error;
    if (!d->executePacket(statement, args, packet, error))
        return d->failedCommand<ResultSet>(error);
    return d->bufferedQuery(std::move(packet));
}

QFuture<ResultSet> Connection::queryPrepared(const QString &sql, const QVariantList &args)
{
    auto promise = startedPromise<ResultSet>();
    const std::weak_ptr<PreparedRun> run = d->runPrepared(sql, args, completing(promise, [](const QList<ResultSet> &results) {
        return results.value(0);
    }));
    d->watch(promise->future(), d->options.queryTimeout, [this, run](const ErrorInfo &why) { d->stopPrepared(run, why); });
    return promise->future();
}

QFuture<void> Connection::closeStatement(const PreparedStatement &statement)
{
    PreparedStatementPrivate *s = PreparedStatementPrivate::get(statement);
    if (s && s->connection != this)
        return d->failedCommand<void>(ErrorInfo::interface(QStringLiteral("The prepared statement belongs to another connection")));
    auto promise = startedPromise<void>();
    if (s && !s->closed) {
        s->closed = true; // every copy: none runs it any more, and the last one closes nothing
        d->releaseStatement(s->id, s->epoch);
    }
    d->defer([promise] { promise->finish(); });
    return promise->future();
}

} // namespace AsyncMySql
