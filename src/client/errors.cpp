// SPDX-License-Identifier: MIT
#include "errors_p.h"
#include "../protocol/exchange.h"

namespace AsyncMySql {

class ErrorPrivate : public QSharedData
{
public:
    int code = 0;
    QString sqlState;
    QString message;
    QByteArray what;
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

int Error::code() const noexcept { return d->code; }
QString Error::sqlState() const { return d->sqlState; }
QString Error::message() const { return d->message; }
Error::Type Error::type() const noexcept { return Type::Database; }
QString Error::toString() const
{
    return QStringLiteral("(%1, '%2'): %3").arg(d->code).arg(d->sqlState, d->message);
}
const char *Error::what() const noexcept { return d->what.constData(); }
void Error::raise() const { throw *this; }
Error *Error::clone() const { return new Error(*this); }

#define ASYNCMYSQL_DEFINE_ERROR(Class, TypeValue)                                                 \
    Error::Type Class::type() const noexcept { return Type::TypeValue; }                         \
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

std::unique_ptr<Error> ErrorInfo::make() const
{
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

std::exception_ptr ErrorInfo::toExceptionPtr() const
{
    // raise() throws the dynamic type, so the exception_ptr keeps it.
    try {
        make()->raise();
    } catch (...) {
        return std::current_exception();
    }
    return {};
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
