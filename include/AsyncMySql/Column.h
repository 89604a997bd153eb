// SPDX-License-Identifier: MIT
#pragma once

#include <AsyncMySql/global.h>

#include <QtCore/QList>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>
#include <QtCore/QStringList>

QT_BEGIN_NAMESPACE
class QDebug;
QT_END_NAMESPACE

namespace AsyncMySql {

class ColumnPrivate;

/*! One column of a result set: an entry of Cursor::description(). Implicitly shared. */
class ASYNCMYSQL_EXPORT Column
{
public:
    //! Protocol column type codes (MYSQL_TYPE_*).
    enum TypeCode : quint8 {
        Decimal = 0, Tiny = 1, Short = 2, Long = 3, Float = 4, Double = 5, Null = 6,
        Timestamp = 7, LongLong = 8, Int24 = 9, Date = 10, Time = 11, DateTimeType = 12,
        Year = 13, NewDate = 14, VarChar = 15, Bit = 16, Json = 245, NewDecimal = 246,
        Enum = 247, Set = 248, TinyBlob = 249, MediumBlob = 250, LongBlob = 251, Blob = 252,
        VarString = 253, String = 254, Geometry = 255,
    };
    //! Column definition flags.
    enum Flag : quint16 {
        NotNullFlag = 1, PrimaryKeyFlag = 2, UniqueKeyFlag = 4, MultipleKeyFlag = 8,
        BlobFlag = 16, UnsignedFlag = 32, ZeroFillFlag = 64, BinaryFlag = 128, EnumFlag = 256,
        AutoIncrementFlag = 512, TimestampFlag = 1024, SetFlag = 2048, NumFlag = 32768,
    };
    //! Character set number of binary strings (BINARY, VARBINARY, BLOB).
    static constexpr quint16 BinaryCharset = 63;

    Column();
    Column(const Column &);
    Column &operator=(const Column &);
    ~Column();

    QString name() const;      //!< column alias
    QString orgName() const;   //!< column name in the table
    QString table() const;     //!< table alias
    QString orgTable() const;  //!< table name
    QString schema() const;
    quint8 type() const;       //!< a TypeCode
    quint16 flags() const;
    quint32 length() const;
    quint8 decimals() const;
    quint16 charset() const;   //!< collation number
    //! MariaDB extended type info ("json", "point", ...), empty if the server sent none.
    QString extendedType() const;
    QString extendedFormat() const;

    //! The protocol name of type(): "LONGLONG", "VAR_STRING", "NEWDECIMAL", ... (see typeName(quint8)).
    QString typeName() const;
    /*! The name of a protocol type code, as MySQL's MYSQL_TYPE_* without the prefix:
        "TINY", "LONG", "LONGLONG", "VAR_STRING", "BLOB" (also TEXT), "DATETIME", "JSON", ...;
        "UNKNOWN(n)" for a code this library does not know. */
    static QString typeName(quint8 type);
    /*! The names of the set bits of \a flags, as MySQL's *_FLAG without the suffix, in bit
        order: NOT_NULL, PRI_KEY, UNIQUE_KEY, MULTIPLE_KEY, BLOB, UNSIGNED, ZEROFILL, BINARY,
        ENUM, AUTO_INCREMENT, TIMESTAMP, SET, NO_DEFAULT_VALUE, ON_UPDATE_NOW, PART_KEY, NUM;
        other bits as hex ("0x10000"). */
    static QStringList flagNames(quint16 flags);

    bool isUnsigned() const { return flags() & UnsignedFlag; }
    bool isNullable() const { return !(flags() & NotNullFlag); }
    bool isBinary() const { return charset() == BinaryCharset; }

private:
    friend class ColumnPrivate;
    explicit Column(ColumnPrivate *d);
    QSharedDataPointer<ColumnPrivate> d;
};

/*! Prints a column as `AsyncMySql::Column(name="id", table="items", type=LONGLONG, length=20,
    flags=NOT_NULL|PRI_KEY|AUTO_INCREMENT|NUM)`: table, decimals and flags only when set. So
    `qDebug() << cur->description()` lists the columns. */
ASYNCMYSQL_EXPORT QDebug operator<<(QDebug debug, const Column &column);

} // namespace AsyncMySql
