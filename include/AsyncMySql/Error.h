// SPDX-License-Identifier: MIT
#pragma once

#include <AsyncMySql/global.h>

#include <QtCore/QException>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>

QT_BEGIN_NAMESPACE
class QDebug;
QT_END_NAMESPACE

namespace AsyncMySql {

class ErrorPrivate;

/*!
    Base of the DB-API exception hierarchy (PEP 249, as in aiomysql/PyMySQL).

    Every failed QFuture of this library carries one of these. Each class overrides raise()
    and clone() so that QFuture keeps the dynamic type: `.onFailed([](const IntegrityError &)
    {...})` and `catch (const OperationalError &)` around `future.result()` both work.

    code() is the server's error number (e.g. 1062) or a client error (2003, 2013, ...; 0 for
    pure usage errors), sqlState() the five-character SQLSTATE.
*/
class ASYNCMYSQL_EXPORT Error : public QException
{
public:
    //! The concrete class, for code that cannot use dynamic_cast (QML, logging).
    enum class Type {
        Interface,
        Database,
        Data,
        Operational,
        Integrity,
        Internal,
        Programming,
        NotSupported,
    };

    Error(int code, const QString &sqlState, const QString &message);
    Error(const Error &other);
    Error &operator=(const Error &other);
    ~Error() override;

    int code() const noexcept;
    QString sqlState() const;
    QString message() const;
    virtual Type type() const noexcept;
    //! "(1062, '23000'): Duplicate entry ..." — also what what() returns.
    QString toString() const;
    //! The class name of \a type: "IntegrityError", "OperationalError", ...
    static QString typeName(Type type);

    const char *what() const noexcept override;
    void raise() const override;
    Error *clone() const override;

protected:
    friend struct ErrorInfo;
    friend class ErrorPrivate;
    QSharedDataPointer<ErrorPrivate> d;
};

#define ASYNCMYSQL_DECLARE_ERROR(Class, Base)                                                     \
    class ASYNCMYSQL_EXPORT Class : public Base                                                   \
    {                                                                                             \
    public:                                                                                       \
        using Base::Base;                                                                         \
        Type type() const noexcept override;                                                      \
        void raise() const override;                                                              \
        Class *clone() const override;                                                            \
    };

//! Errors of the interface itself rather than the database: use after close, not connected.
ASYNCMYSQL_DECLARE_ERROR(InterfaceError, Error)
//! Errors related to the database.
ASYNCMYSQL_DECLARE_ERROR(DatabaseError, Error)
//! Problems with the processed data: out of range, too long, NaN as a parameter.
ASYNCMYSQL_DECLARE_ERROR(DataError, DatabaseError)
//! Errors of the database's operation: lost connection, refused, timeout, access denied, deadlock.
ASYNCMYSQL_DECLARE_ERROR(OperationalError, DatabaseError)
//! Relational integrity is affected: duplicate key, foreign key, NOT NULL.
ASYNCMYSQL_DECLARE_ERROR(IntegrityError, DatabaseError)
//! Internal errors: malformed or out-of-order packets from the server.
ASYNCMYSQL_DECLARE_ERROR(InternalError, DatabaseError)
//! Programming errors: SQL syntax, unknown table or column, wrong argument count.
ASYNCMYSQL_DECLARE_ERROR(ProgrammingError, DatabaseError)
//! A method or feature the server or this library does not support.
ASYNCMYSQL_DECLARE_ERROR(NotSupportedError, DatabaseError)

#undef ASYNCMYSQL_DECLARE_ERROR

//! `AsyncMySql::ProgrammingError(1146, '42S02'): Table 'test.t' doesn't exist`.
ASYNCMYSQL_EXPORT QDebug operator<<(QDebug debug, const Error &error);

} // namespace AsyncMySql
