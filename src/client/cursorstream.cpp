// SPDX-License-Identifier: MIT
#include "cursorstream_p.h"

namespace AsyncMySql {

CursorStream::~CursorStream() = default;

void CursorStream::later(std::function<void()> f)
{
    if (m_connection)
        ConnectionPrivate::get(m_connection)->defer(std::move(f));
    else
        f();
}

QFuture<qint64> CursorStream::start(const QByteArray &sql, bool dict, std::chrono::milliseconds timeout)
{
    return start(ConnectionPrivate::get(m_connection)->queryPacket(sql), dict, timeout);
}

QFuture<qint64> CursorStream::start(ConnectionPrivate::QueryPacket packet, bool dict, std::chrono::milliseconds timeout)
{
    ConnectionPrivate *cd = ConnectionPrivate::get(m_connection);
    m_started = startedPromise<qint64>();
    m_sink = std::make_shared<StreamingSink>();
    const std::weak_ptr<CursorStream> self = weak_from_this();
    m_sink->changed = [self] {
        if (const auto s = self.lock())
            s->pump();
    };
    const CommandPtr cmd = cd->streamingCommand(std::move(packet), dict, m_sink, [self](const ErrorInfo *error) {
        if (const auto s = self.lock()) {
            s->m_done = true;
            if (error)
                s->m_error = *error;
            s->pump();
        }
    });
    const std::weak_ptr<PendingCommand> weakCmd = cmd;
    m_command = cmd;
    cd->watch(m_started->future(), timeout, [cd, weakCmd](const ErrorInfo &why) {
        if (const CommandPtr c = weakCmd.lock())
            cd->abandon(c, why);
    });
    const QFuture<qint64> future = m_started->future();
    cd->enqueue(cmd);
    return future;
}

template<typename T>
QFuture<T> CursorStream::request(Request::Kind kind, qint64 want, std::function<void(QPromise<T> &, Request &)> fulfil)
{
    auto promise = startedPromise<T>();
    Request r{kind, want, {}, false, false, {}};
    r.done = [promise, fulfil](const ErrorInfo *error, Request &req) {
        // Finished once: on Qt 6.4 a second finish() runs the continuations again.
        if (error) {
            failPromise(*promise, *error);
        } else {
            fulfil(*promise, req);
            promise->finish();
        }
    };
    m_requests.push_back(std::move(r));
    m_rowsSignalled = false;
    pump();
    return promise->future();
}

QFuture<QList<Row>> CursorStream::fetch(qint64 count)
{
    return request<QList<Row>>(Request::Kind::Rows, count, [](QPromise<QList<Row>> &p, Request &r) {
        p.addResult(std::move(r.rows));
    });
}

QFuture<void> CursorStream::skip(qint64 count)
{
    return request<void>(Request::Kind::Skip, count, [](QPromise<void> &, Request &) { });
}

QFuture<bool> CursorStream::nextSet()
{
    request<void>(Request::Kind::Skip, -1, [](QPromise<void> &, Request &) { });
    return request<bool>(Request::Kind::Next, 0, [](QPromise<bool> &p, Request &r) { p.addResult(r.found); });
}

void CursorStream::dropRest()
{
    if (!m_sink)
        return;
    m_sink->drain();
    if (!m_connection || m_done)
        return;
    ConnectionPrivate *cd = ConnectionPrivate::get(m_connection);
    // A large or slow result would otherwise be read to its end before the connection is free.
    if (const CommandPtr cmd = m_command.lock())
        cd->interrupt(cmd);
    cd->resumeReading();
}

QFuture<void> CursorStream::close()
{
    dropRest();
    return request<void>(Request::Kind::Drain, 0, [](QPromise<void> &, Request &) { });
}

void CursorStream::abandon()
{
    dropRest();
    const ErrorInfo superseded = ErrorInfo::programming(QStringLiteral("The cursor ran another statement or was closed"));
    if (const auto started = std::exchange(m_started, nullptr)) {
        failPromise(*started, superseded); // finishes it too
    }
    for (Request &r : std::exchange(m_requests, {}))
        later([r = std::move(r), superseded]() mutable { r.done(&superseded, r); });
}

void CursorStream::adoptFront()
{
    const StreamingSink::Result &front = m_sink->results.front();
    m_meta = front.meta;
    m_position = 0;
    m_taken = 0;
    m_rowCount = front.meta ? -1 : qint64(front.ok.affectedRows);
    if (!front.meta) {
        m_lastRowId = front.ok.lastInsertId;
        m_warningCount = front.ok.warnings;
    }
}

bool CursorStream::takeRows(Request &r, std::optional<ErrorInfo> &error)
{
    StreamingSink::Result &front = m_sink->results.front();
    const bool all = r.want < 0;
    const bool keep = r.kind == Request::Kind::Rows;
    // Rows: want is how many in all (r.rows holds those taken so far); Skip: how many are left.
    const auto missing = [&] { return keep ? r.want - r.rows.size() : r.want; };
    while ((all || missing() > 0) && !front.rows.empty()) {
        Row row = m_sink->takeRow();
        ++m_position;
        ++m_taken;
        if (keep)
            r.rows.append(std::move(row));
        else if (!all)
            --r.want;
    }
    if (front.finished && front.rows.empty()) {
        // The end of the result: now its counts are known.
        if (front.meta)
            m_rowCount = m_taken;
        m_warningCount = front.ok.warnings;
        return true;
    }
    if (!all && missing() <= 0)
        return true;
    if (m_done) { // the reply ended inside this result: the error that cut it short
        error = m_error.value_or(ErrorInfo::operational(2013, QStringLiteral("Lost connection to MySQL server during query")));
        return true;
    }
    return false;
}

bool CursorStream::serve(Request &r, std::optional<ErrorInfo> &error)
{
    if (r.kind == Request::Kind::Drain)
        return m_done;
    if (r.kind == Request::Kind::Next && !r.dropped) {
        if (!m_sink->results.empty())
            m_sink->dropFront(); // the Skip before made sure it is finished
        r.dropped = true;
        m_meta.reset();
        m_rowCount = -1;
        m_position = 0;
    }
    if (m_sink->results.empty()) {
        if (!m_done)
            return false;
        if (m_error)
            error = m_error; // a later statement failed: raised when it is reached
        return true; // Rows: no (more) rows; Next: no more results
    }
    if (r.kind == Request::Kind::Next) {
        adoptFront();
        r.found = true;
        return true;
    }
    return takeRows(r, error);
}

void CursorStream::pump()
{
    if (m_started && (!m_sink->results.empty() || m_done)) {
        const auto started = std::exchange(m_started, nullptr);
        if (!m_sink->results.empty()) {
            adoptFront();
            const qint64 count = m_rowCount;
            later([started, count, cursor = m_cursor] {
                started->addResult(count);
                started->finish();
                if (cursor)
                    Q_EMIT cursor->executed(count);
            });
        } else {
            const ErrorInfo error = m_error.value_or(ErrorInfo::interface(QStringLiteral("Connection closed")));
            later([started, error, cursor = m_cursor] {
                if (cursor)
                    Q_EMIT cursor->errorOccurred(*error.make());
                failPromise(*started, error);
            });
        }
    }
    if (m_started)
        return; // fetches wait for execute()
    while (!m_requests.empty()) {
        std::optional<ErrorInfo> error;
        if (!serve(m_requests.front(), error))
            break;
        Request r = std::move(m_requests.front());
        m_requests.pop_front();
        later([r = std::move(r), error, cursor = m_cursor]() mutable {
            if (error && cursor)
                Q_EMIT cursor->errorOccurred(*error->make());
            r.done(error ? &*error : nullptr, r);
        });
    }
    if (m_requests.empty() && !m_rowsSignalled && !m_sink->results.empty() && !m_sink->results.front().rows.empty()) {
        m_rowsSignalled = true;
        later([cursor = m_cursor] {
            if (cursor)
                Q_EMIT cursor->rowsAvailable();
        });
    }
    if (m_connection)
        ConnectionPrivate::get(m_connection)->resumeReading();
}

} // namespace AsyncMySql
