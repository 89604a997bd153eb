// SPDX-License-Identifier: MIT
// The shared data behind Column, Row and ResultSet. The protocol layer fills it from packets;
// the client layer's public classes read it.
#pragma once

#include <AsyncMySql/Column.h>
#include <AsyncMySql/Converters.h>
#include <AsyncMySql/ResultSet.h>
#include <AsyncMySql/Row.h>

#include <QtCore/QHash>
#include <QtCore/QSharedData>
#include <QtCore/QVarLengthArray>

namespace AsyncMySql {

class ColumnPrivate : public QSharedData
{
public:
    QString schema, table, orgTable, name, orgName;
    QString extendedType, extendedFormat;
    quint32 length = 0;
    quint16 charset = 0;
    quint16 flags = 0;
    quint8 type = 0;
    quint8 decimals = 0;

    static Column make(ColumnPrivate *d) { return Column(d); }
};

//! How the bytes of a column are turned into a QVariant; chosen once per result.
enum class ValueKind : quint8 {
    Null,
    Int,      //!< qint64
    UInt64,   //!< quint64 (BIGINT UNSIGNED)
    Double,
    Decimal,  //!< exact QString
    Date,     //!< QDate
    DateTime, //!< AsyncMySql::DateTime
    Time,     //!< AsyncMySql::Duration
    Text,     //!< QString
    Bytes,    //!< QByteArray
    Json,     //!< QJsonDocument
    Bit,      //!< quint64 from big-endian bytes
};

//! How a connection's text is converted: the two fast paths, or (any other value) the index of
//! a character set converted by Qt in Protocol::charsets() (charsets.h).
enum class TextEncoding : quint8 { Utf8, Latin1 };

/*! What every row of one result shares: the columns and how to decode and name them. */
class ResultMeta : public QSharedData
{
public:
    QList<Column> columns;
    QList<ValueKind> kinds;
    QStringList keys;           // Row::keys(): names, or "table.name" for duplicates in dict mode
    QHash<QString, int> index;  // key -> column
    //! User decoders per column; empty when there are none (the common case costs nothing).
    QList<Converters::Decoder> decoders;
    TextEncoding encoding = TextEncoding::Utf8;
    bool dict = false;

    //! Fills kinds, keys, index and decoders from columns.
    void finalize(const Converters &converters = {});
};
using ResultMetaPtr = QExplicitlySharedDataPointer<ResultMeta>;

class RowPrivate : public QSharedData
{
public:
    struct Cell
    {
        quint32 offset; // from the start of buffer
        qint32 length;  // -1: SQL NULL
    };
    ResultMetaPtr meta;
    QByteArray buffer; // the packet's bytes, shared with the other rows of the same chunk
    QVarLengthArray<Cell, 12> cells;

    static Row make(RowPrivate *d) { return Row(d); }
    static const RowPrivate *get(const Row &row) { return row.d.data(); }
};

class ResultSetPrivate : public QSharedData
{
public:
    ResultMetaPtr meta; // null for statements without a result set
    QList<Row> rows;
    QString info;
    quint64 affectedRows = 0;
    quint64 lastInsertId = 0;
    quint16 warningCount = 0;
    quint16 serverStatus = 0;

    static ResultSet make(ResultSetPrivate *d) { return ResultSet(d); }
    static const ResultSetPrivate *get(const ResultSet &rs) { return rs.d.constData(); }
};

} // namespace AsyncMySql
