// SPDX-License-Identifier: MIT
#pragma once

#include <AsyncMySql/Arguments.h>
#include <AsyncMySql/PreparedStatement.h>
#include <AsyncMySql/Error.h>
#include <AsyncMySql/ResultSet.h>

#include <QtCore/QFuture>
#include <QtCore/QObject>

#include <chrono>
#include <memory>
#include <optional>

namespace AsyncMySql {

class Connection;
class CursorPrivate;

/*!
    A DB-API cursor (aiomysql Cursor/DictCursor), made with Connection::cursor(). It runs
    statements with client-side parameter interpolation and hands out the rows.

    Parameters: `%s` takes the next positional argument, `%(name)s` a named one, `%%` is a
    literal percent sign; any other `%` sequence, a missing or a surplus argument is a
    ProgrammingError. With no arguments at all the SQL is sent as it is (so `LIKE 'a%'` needs
    no doubling then). Values are escaped as Connection::escape() does; a list becomes
    `(a, b, c)` for `IN %s`. (C++ note: `execute(sql, {list})` copies \a list as the argument
    list; to pass one list as the only argument write `{QVariant(list)}`.)

    Lifetime: a cursor is a child of its connection. It may be deleted at any time, also while
    a statement runs or a streaming result is unfinished (the rest is dropped as by close(), the
    futures of pending calls fail or finish as if the cursor had been closed, and the connection
    stays usable). close() does not delete it either: the object stays valid, its getters
    answer and further calls fail with ProgrammingError. A closed cursor that is still a child
    of its connection deletes itself (deleteLater()) once the close() future has finished and
    the continuations attached to it have run, so a long-lived connection does not collect the
    cursors a loop made; to keep a closed cursor longer, give it another parent (or none, and
    delete it yourself). A cursor that is never closed lives until it or its connection is
    deleted.
*/
class ASYNCMYSQL_EXPORT Cursor : public QObject
{
    Q_OBJECT
    Q_PROPERTY(qint64 rowCount READ rowCount NOTIFY executed)
    Q_PROPERTY(qint64 rowNumber READ rowNumber)
    Q_PROPERTY(int arraySize READ arraySize WRITE setArraySize)
    Q_PROPERTY(bool closed READ isClosed)

public:
    ~Cursor() override;

    Connection *connection() const;
    CursorType cursorType() const;

    //! Runs \a sql; finishes with rowCount() (rows of a SELECT, affected rows otherwise).
    [[nodiscard]] QFuture<qint64> execute(const QString &sql, const QVariantList &args = {});
    [[nodiscard]] QFuture<qint64> execute(const QString &sql, const QVariantMap &args);
    /*! execute(sql, QVariantList{a, b, ...}) without the named list, also inside co_await
        (where GCC 12 rejects a braced list): `co_await cur->execute("... %s, %s", id, name)`.
        Each value becomes one %s argument (nullptr: NULL; a QVariantList: one list, for
        IN %s); a single QVariantList or QVariantMap is the whole argument list, as above. */
    template<typename... Args, Arguments::EnableIfValues<Args...> = true>
    [[nodiscard]] QFuture<qint64> execute(const QString &sql, Args &&...args)
    {
        return execute(sql, Arguments::list(std::forward<Args>(args)...));
    }
    /*! Runs the prepared \a statement (Connection::prepare()) with \a args, one per `?`, in the
        binary protocol; the cursor then reads its rows as for execute(sql): buffered, Dict and
        streaming cursors alike (a streaming one keeps its back-pressure), with the same values.
        Errors as for Connection::execute(). */
    [[nodiscard]] QFuture<qint64> execute(const PreparedStatement &statement, const QVariantList &args = {});
    template<typename... Args, Arguments::EnableIfValues<Args...> = true>
    [[nodiscard]] QFuture<qint64> execute(const PreparedStatement &statement, Args &&...args)
    {
        return execute(statement, Arguments::list(std::forward<Args>(args)...));
    }
    /*! Runs \a sql (`?` placeholders) as a prepared statement through the connection's
        statement cache, as Connection::queryPrepared() does (one round trip on MariaDB for a
        statement not cached yet; never a failure for the server's statement limit). A
        streaming cursor takes the statement from the cache, or prepares it first and then
        streams its rows (two round trips on a miss, and no text fallback at the limit). */
    [[nodiscard]] QFuture<qint64> executePrepared(const QString &sql, const QVariantList &args = {});
    template<typename... Args, Arguments::EnableIfValues<Args...> = true>
    [[nodiscard]] QFuture<qint64> executePrepared(const QString &sql, Args &&...args)
    {
        return executePrepared(sql, Arguments::list(std::forward<Args>(args)...));
    }
    /*! Runs \a sql once per argument row; finishes with the total rowCount(). An `INSERT` or
        `REPLACE ... VALUES (%s, ...)` (optionally with `ON DUPLICATE KEY UPDATE ...` and a
        trailing `;`) becomes multi-row statements of at most maxStatementLength() bytes
        each; anything else runs row by row. Statements run one after another, the next only
        after the previous succeeded (so an error stops the rest, and nothing after it ran).
        No rows: nothing is sent, 0. */
    [[nodiscard]] QFuture<qint64> executeMany(const QString &sql, const QList<QVariantList> &rows);
    [[nodiscard]] QFuture<qint64> executeMany(const QString &sql, const QList<QVariantMap> &rows);
    /*! Runs the prepared \a statement once per row of \a rows (one value per `?` each);
        finishes with the total rowCount(). On MariaDB a statement that returns no rows (INSERT,
        REPLACE, UPDATE, DELETE) goes as COM_STMT_BULK_EXECUTE: all rows in one command per
        maxStatementLength() bytes, values in their binary form, NULLs marked per value; a
        column takes the type of its first value that is not NULL, and a row whose values have
        other types starts the next command. Elsewhere, and for statements that return rows,
        one COM_STMT_EXECUTE per row. Commands run one after another, the next only after the
        previous succeeded. No rows: nothing is sent, 0. */
    [[nodiscard]] QFuture<qint64> executeMany(const PreparedStatement &statement, const QList<QVariantList> &rows);
    /*! executeMany() of \a sql's statement (`?` placeholders) from the connection's statement
        cache, or prepared into it first. */
    [[nodiscard]] QFuture<qint64> executeManyPrepared(const QString &sql, const QList<QVariantList> &rows);
    /*! Calls the stored procedure \a name (aiomysql semantics): argument i is stored in the
        session variable `@_<name>_<i>`, then `CALL name(@_name_0, ...)` runs. The cursor shows
        the procedure's result sets (nextSet() moves through them; the status OK that ends
        every CALL is not one of them). Finishes with the variables' values after the call, so
        OUT and INOUT parameters come back in place (IN parameters as they were). */
    [[nodiscard]] QFuture<QVariantList> callProc(const QString &name, const QVariantList &args = {});
    /*! The statement execute() would send, as text that executes to the same values: byte
        arrays are written as _binary X'…' hex literals here (execute() sends their raw bytes).
        For SQL it cannot build (a value escape() cannot write, a bad placeholder, too few or
        too many arguments, no connection) a null QString (isNull()), with the reason as a
        warning in the category asyncmysql.connection, where execute() fails (ProgrammingError;
        DataError for NaN); \a ok, if given, is set to false then and to true otherwise. */
    QString mogrify(const QString &sql, const QVariantList &args = {}, bool *ok = nullptr) const;
    QString mogrify(const QString &sql, const QVariantMap &args, bool *ok = nullptr) const;

    //! The next row, or std::nullopt after the last.
    [[nodiscard]] QFuture<std::optional<Row>> fetchOne();
    //! Up to \a size rows (arraySize() when -1).
    [[nodiscard]] QFuture<QList<Row>> fetchMany(int size = -1);
    [[nodiscard]] QFuture<QList<Row>> fetchAll();
    //! Moves to the next result of a multi-statement query; false when there is none.
    [[nodiscard]] QFuture<bool> nextSet();
    //! Moves the position; ProgrammingError if the target lies outside the result.
    [[nodiscard]] QFuture<void> scroll(qint64 value, ScrollMode mode = ScrollMode::Relative);
    /*! Releases the result: the rest of a streaming result is dropped and the server asked to
        stop sending it (the future finishes once the connection is free). Leaves the object
        alive: further execute() or fetch calls fail with ProgrammingError ("Cursor closed").
        Deletes it later, once this future finished, only while the connection is its parent
        (see the class description). */
    [[nodiscard]] QFuture<void> close();

    QList<Column> description() const;
    //! Rows of the last result (SELECT) or affected rows; -1 before the first execute.
    qint64 rowCount() const;
    //! Index of the next row fetchOne() returns.
    qint64 rowNumber() const;
    quint64 lastRowId() const;
    int warningCount() const;
    int arraySize() const;
    void setArraySize(int size);
    bool isClosed() const;
    /*! A statement without its result after this long fails with OperationalError 3024 and
        is interrupted on the server (KILL QUERY); zero: no limit. ConnectOptions::queryTimeout
        by default. QFuture::cancel() on a running statement's future does the same. */
    std::chrono::milliseconds queryTimeout() const;
    void setQueryTimeout(std::chrono::milliseconds timeout);
    /*! executeMany() cuts multi-row INSERTs below this size (1,024,000 bytes by default), and
        starts another bulk command once one reaches it. */
    qsizetype maxStatementLength() const;
    void setMaxStatementLength(qsizetype bytes);
    //! The last statement sent, after interpolation.
    QString lastExecuted() const;

Q_SIGNALS:
    void executed(qint64 rowCount);
    void rowsAvailable();
    void finished();
    /*! A statement of this cursor failed (execute(), executeMany(), callProc(), or a streaming
        result's error met by a fetch), from a queued call; Connection::errorOccurred fires for
        it too. */
    void errorOccurred(const AsyncMySql::Error &error);

private:
    friend class Connection;
    friend class CursorPrivate;
    Cursor(Connection *connection, CursorType type);
    std::unique_ptr<CursorPrivate> d;
};

} // namespace AsyncMySql
