// SPDX-License-Identifier: MIT
#pragma once

#include <AsyncMySql/PreparedStatement.h>
#include <AsyncMySql/ResultSet.h>

#include <QtCore/QList>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>
#include <QtCore/QVariantList>

#include <exception>
#include <memory>

namespace AsyncMySql {

class BatchPrivate;
class Error;

/*!
    Statements to run together (Connection::run(), Connection::transaction(const Batch &)):
    SQL with `%s` arguments as Connection::query() takes them, or prepared statements with
    their `?` arguments. They are written in one go, so a batch of many small statements costs
    one round trip instead of one each. Implicitly shared.
*/
class ASYNCMYSQL_EXPORT Batch
{
public:
    Batch();
    Batch(const Batch &);
    Batch(Batch &&) noexcept;
    Batch &operator=(const Batch &);
    Batch &operator=(Batch &&) noexcept;
    ~Batch();

    //! Adds \a sql with \a args (`%s` placeholders, interpolated as Connection::query() does).
    Batch &add(const QString &sql, const QVariantList &args = {});
    //! Adds an execute of \a statement with \a args (one per `?`).
    Batch &add(const PreparedStatement &statement, const QVariantList &args = {});

    int size() const;
    bool isEmpty() const { return size() == 0; }

private:
    friend class BatchPrivate;
    QSharedDataPointer<BatchPrivate> d;
};

/*!
    What one statement of Connection::run() gave: its result, or its error (one of the typed
    errors, Error and its subclasses).
*/
class ASYNCMYSQL_EXPORT BatchResult
{
public:
    BatchResult();
    static BatchResult fromResult(const ResultSet &result);
    static BatchResult fromError(std::exception_ptr error);

    bool isError() const { return bool(m_error); }
    //! The statement's result (its first, for statements with several); empty if it failed.
    ResultSet result() const { return m_result; }
    //! The statement's error (an IntegrityError, ProgrammingError, ...), or null if it succeeded.
    const Error *error() const;
    //! Throws the statement's error, if it failed.
    void raise() const;

private:
    ResultSet m_result;
    std::exception_ptr m_error;
};

} // namespace AsyncMySql

Q_DECLARE_METATYPE(AsyncMySql::Batch)
Q_DECLARE_METATYPE(AsyncMySql::BatchResult)
