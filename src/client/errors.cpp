// SPDX-License-Identifier: MIT
#include "errors_p.h"
#include "logging_p.h"
#include "../protocol/exchange.h"

namespace AsyncMySql {

class ErrorPrivate : public QSharedData
{
public:
    ErrorPrivate() = default;
    // A detached copy is not the future's exception: only the original is counted.
    ErrorPrivate(const ErrorPrivate &o)
        : QSharedData(o), code(o.code), sqlState(o.sqlState), message(o.message), what(o.what), type(o.type),
          report(o.report)
    {
    }
    ~ErrorPrivate()
    {
        // The last copy of a future's exception: if nothing ever read this failure, say so.
        if (!report || !isException || report->exceptions.fetch_sub(1) != 1 || report->heard.load())
            return;
        QString text = QStringLiteral("an error nobody observed (no continuation or slot read it): %1 %2")
                               .arg(Error::typeName(type), QStringLiteral("(%1, '%2'): %3").arg(code).arg(sqlState, message));
        if (!report->context.isEmpty())
            text += QStringLiteral(" [%1]").arg(report->context);
        qCWarning(lcUnobserved).noquote() << text;
    }
    void markHeard() const
    {
        if (report)
            report->heard.store(true, std::memory_order_relaxed);
    }

    int code = 0;
    QString sqlState;
    QString message;
    QByteArray what;
    Error::Type type = Error::Type::Database;
    std::shared_ptr<FailureReport> report;
    bool isException = false; // the exception of a future (counted in report->exceptions)
};

Error::Error(int code, const QString &sqlState, const QString &message) : d(new ErrorPrivate)
{
    d->code = code;
    d->sqlState = sqlState;
    d->message = message;
    d->what = toString().toUtf8();
}
Error::Error(const Error &other) = default;
Error &Error::operator=(const Error &other) = default;
Error::~Error() = default;

// Each accessor counts as looking at the error (see FailureReport).
int Error::code() const noexcept
{
    d->markHeard();
    return d->code;
}
QString Error::sqlState() const
{
    d->markHeard();
    return d->sqlState;
}
QString Error::message() const
{
    d->markHeard();
    return d->message;
}
Error::Type Error::type() const noexcept
{
    d->markHeard();
    return Type::Database;
}
QString Error::toString() const
{
    d->markHeard();
    return QStringLiteral("(%1, '%2'): %3").arg(d->code).arg(d->sqlState, d->message);
}
const char *Error::what() const noexcept
{
    d->markHeard();
    return d->what.constData();
}
void Error::raise() const { throw *this; }
Error *Error::clone() const { return new Error(*this); }

QString Error::typeName(Type type)
{
    switch (type) {
    case Type::Interface: return QStringLiteral("InterfaceError");
    case Type::Database: return QStringLiteral("DatabaseError");
    case Type::Data: return QStringLiteral("DataError");
    case Type::Operational: return QStringLiteral("OperationalError");
    case Type::Integrity: return QStringLiteral("IntegrityError");
    case Type::Internal: return QStringLiteral("InternalError");
    case Type::Programming: return QStringLiteral("ProgrammingError");
    case Type::NotSupported: return QStringLiteral("NotSupportedError");
    }
    return QStringLiteral("Error");
}

#define ASYNCMYSQL_DEFINE_ERROR(Class, TypeValue)                                                 \
    Error::Type Class::type() const noexcept                                                     \
    {                                                                                             \
        d->markHeard();                                                                           \
        return Type::TypeValue;                                                                   \
    }                                                                                             \
    void Class::raise() const { throw *this; }                                                    \
    Class *Class::clone() const { return new Class(*this); }

ASYNCMYSQL_DEFINE_ERROR(InterfaceError, Interface)
ASYNCMYSQL_DEFINE_ERROR(DatabaseError, Database)
ASYNCMYSQL_DEFINE_ERROR(DataError, Data)
ASYNCMYSQL_DEFINE_ERROR(OperationalError, Operational)
ASYNCMYSQL_DEFINE_ERROR(IntegrityError, Integrity)
ASYNCMYSQL_DEFINE_ERROR(InternalError, Internal)
ASYNCMYSQL_DEFINE_ERROR(ProgrammingError, Programming)
ASYNCMYSQL_DEFINE_ERROR(NotSupportedError, NotSupported)
#undef ASYNCMYSQL_DEFINE_ERROR

namespace {
std::unique_ptr<Error> makeError(const ErrorInfo &info)
{
    const Error::Type type = info.type;
    const int code = info.code;
    const QString &sqlState = info.sqlState;
    const QString &message = info.message;
    switch (type) {
    case Error::Type::Interface: return std::make_unique<InterfaceError>(code, sqlState, message);
    case Error::Type::Database: return std::make_unique<DatabaseError>(code, sqlState, message);
    case Error::Type::Data: return std::make_unique<DataError>(code, sqlState, message);
    case Error::Type::Operational: return std::make_unique<OperationalError>(code, sqlState, message);
    case Error::Type::Integrity: return std::make_unique<IntegrityError>(code, sqlState, message);
    case Error::Type::Internal: return std::make_unique<InternalError>(code, sqlState, message);
    case Error::Type::Programming: return std::make_unique<ProgrammingError>(code, sqlState, message);
    case Error::Type::NotSupported: return std::make_unique<NotSupportedError>(code, sqlState, message);
    }
    return std::make_unique<Error>(code, sqlState, message);
}
} // namespace

std::unique_ptr<Error> ErrorInfo::make() const
{
    std::unique_ptr<Error> e = makeError(*this);
    e->d->type = type;
    e->d->report = report;
    return e;
}

std::exception_ptr ErrorInfo::toExceptionPtr() const
{
    std::unique_ptr<Error> e = makeError(*this);
    e->d->type = type;
    if (report) {
        e->d->report = report;
        e->d->isException = true;
        report->exceptions.fetch_add(1);
    }
    // raise() throws the dynamic type, so the exception_ptr keeps it (a copy sharing d).
    try {
        e->raise();
    } catch (...) {
        return std::current_exception();
    }
    return {};
}

ErrorInfo ErrorInfo::reported(const QString &context) const
{
    ErrorInfo copy = *this;
    if (!copy.report) {
        copy.report = std::make_shared<FailureReport>();
        copy.report->context = context;
    }
    return copy;
}

ErrorInfo ErrorInfo::fromFailure(const Protocol::Failure &f)
{
    const QString state = QString::fromLatin1(f.sqlState);
    const Error::Type type = f.fromServer ? typeForServerError(f.code, state) : f.type;
    return ErrorInfo{type, f.code, state, f.message};
}

Error::Type ErrorInfo::typeForServerError(int code, QStringView sqlState)
{
    switch (code) {
    // ProgrammingError
    case 1007: case 1064: case 1102: case 1103: case 1110: case 1111: case 1112: case 1113:
    case 1146: case 1149: case 1166: case 1179: case 1054: case 1049: case 1305: case 1318:
    case 1630:
        return Error::Type::Programming;
    // DataError
    case 1230: case 1263: case 1264: case 1265: case 1171: case 1406: case 1441: case 1366:
    case 1367: case 1292: case 1365:
        return Error::Type::Data;
    // IntegrityError
    case 1062: case 1216: case 1217: case 1451: case 1452: case 1215: case 1048: case 1586:
    case 1557: case 1169: case 4025:
        return Error::Type::Integrity;
    // NotSupportedError
    case 1196: case 1235: case 1289: case 1286: case 1148:
        return Error::Type::NotSupported;
    // OperationalError
    case 1044: case 1045: case 1040: case 1142: case 1143: case 1213: case 1205: case 1053:
    case 1927: case 1317: case 1969: case 3024:
        return Error::Type::Operational;
    default:
        break;
    }
    // Otherwise the SQLSTATE class decides, as in the SQL standard.
    const QStringView cls = sqlState.left(2);
    if (cls == u"42")
        return Error::Type::Programming;
    if (cls == u"23")
        return Error::Type::Integrity;
    if (cls == u"22")
        return Error::Type::Data;
    if (cls == u"0A")
        return Error::Type::NotSupported;
    if (cls == u"08" || cls == u"40" || cls == u"28")
        return Error::Type::Operational;
    return code < 1000 ? Error::Type::Internal : Error::Type::Operational;
}

ErrorInfo ErrorInfo::interface(const QString &message, int code, const QString &state)
{
    return ErrorInfo{Error::Type::Interface, code, state, message};
}

ErrorInfo ErrorInfo::programming(const QString &message)
{
    return ErrorInfo{Error::Type::Programming, 0, QStringLiteral("42000"), message};
}

ErrorInfo ErrorInfo::data(const QString &message)
{
    return ErrorInfo{Error::Type::Data, 0, QStringLiteral("22000"), message};
}

ErrorInfo ErrorInfo::notSupported(const QString &message)
{
    return ErrorInfo{Error::Type::NotSupported, 0, QStringLiteral("0A000"), message};
}

ErrorInfo ErrorInfo::operational(int code, const QString &message, const QString &state)
{
    return ErrorInfo{Error::Type::Operational, code, state, message};
}

} // namespace AsyncMySql
