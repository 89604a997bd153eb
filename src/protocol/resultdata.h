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

#include <atomic>
#include <new>

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
    Decimal,  //!< AsyncMySql::Decimal (exact)
    Date,     //!< QDate
    DateTime, //!< AsyncMySql::DateTime
    Time,     //!< AsyncMySql::Duration
    Text,     //!< QString
    Bytes,    //!< QByteArray
    Json,     //!< QJsonDocument
    Bit,      //!< quint64 from big-endian bytes
};

/*! Where a value of the binary protocol (the rows of prepared statements) lies in its row and
    how long it is, by its column's type: little-endian integers and IEEE floats of fixed size,
    temporal values behind a length byte, everything else a length-encoded string (decoded as
    the text protocol's value of its ValueKind). */
enum class BinaryLayout : quint8 {
    Int8, UInt8, Int16, UInt16, Int32, UInt32, Int64, UInt64,
    Float,    //!< 4 bytes
    Double,   //!< 8 bytes
    Temporal, //!< DATE, DATETIME, TIMESTAMP, TIME: a length byte, then that many bytes (0: the zero value)
    String,   //!< a length-encoded string
};

//! The binary layout of values of a column of \a type (Column::TypeCode).
BinaryLayout binaryLayoutFor(quint8 type, bool isUnsigned);
//! The size of a value of the fixed-size \a layout; 0 for Temporal and String.
int binaryFixedSize(BinaryLayout layout);

//! How a connection's text is converted: the two fast paths, or (any other value) the index of
//! a character set converted by Qt in Protocol::charsets() (charsets.h).
enum class TextEncoding : quint8 { Utf8, Latin1 };

/*!
    What every row of one result shares: the columns and how to decode and name them.
    Finalized once by the protocol layer, then never changed: rows, result sets and the
    connection's ResultMetaCache share it, also across threads (a Row copied to another one).
*/
class ResultMeta : public QSharedData
{
public:
    ResultMeta() = default;
    ResultMeta(const ResultMeta &) = delete;
    ResultMeta &operator=(const ResultMeta &) = delete;
    ~ResultMeta();

    QList<Column> columns;
    QList<ValueKind> kinds;
    //! User decoders per column; empty when there are none (the common case costs nothing).
    QList<Converters::Decoder> decoders;
    //! Binary protocol (prepared statements): how each value lies in a row; empty for text results.
    QList<BinaryLayout> layouts;
    TextEncoding encoding = TextEncoding::Utf8;
    bool dict = false;
    bool binary = false; //!< rows are in the binary protocol (set before finalize())

    //! Fills kinds, layouts and decoders from columns: what decoding a value needs.
    void finalize(const Converters &converters = {});

    //! Row::keys(): names, or "table.name" for a name seen before (aiomysql's DictCursor).
    const QStringList &keys() const { return names().keys; }
    //! The column keyed \a key, or -1.
    int indexOf(const QString &key) const { return names().index.value(key, -1); }

private:
    struct Names
    {
        QStringList keys;
        QHash<QString, int> index; // key -> column
    };
    /*! The keys and their index, made when first asked for: most results are read by column
        number only. Any thread may be the first (the meta is shared), so the one that
        finishes first publishes its copy and the others drop theirs. */
    const Names &names() const;

    mutable std::atomic<const Names *> m_names{nullptr};
};
using ResultMetaPtr = QExplicitlySharedDataPointer<ResultMeta>;

/*! True if ResultMeta::finalize() gives the same decoders with \a a as with \a b: they are
    copies of one set (both alive), or neither has a decoder. */
bool decodesAlike(const Converters &a, const Converters &b);

/*!
    One row, in a single allocation sized to it: this header, then one Cell per column, then
    a copy of the row's payload (the values with their length prefixes, as the server sent
    them). A row holds its own bytes and nothing else, so a row kept from a large result costs
    that row only (not the socket read it arrived in), a buffered result costs about its wire
    size, and the connection keeps reusing one read buffer. One copy of the payload per row
    replaces the reference count a shared buffer costs per row and per release.
*/
class RowPrivate : public QSharedData
{
public:
    struct Cell
    {
        quint32 offset; // from bytes()
        qint32 length;  // -1: SQL NULL
    };
    ResultMetaPtr meta;
    const quint32 cellCount;
    const quint32 byteCount;

    //! A row of \a cellCount cells (uninitialised) and \a byteCount bytes (uninitialised).
    static RowPrivate *create(quint32 cellCount, quint32 byteCount)
    {
        void *memory = ::operator new(sizeof(RowPrivate) + cellCount * sizeof(Cell) + byteCount);
        return new (memory) RowPrivate(cellCount, byteCount);
    }
    // The allocation create() made; QExplicitlySharedDataPointer deletes through this.
    static void operator delete(void *memory) { ::operator delete(memory); }

    Cell *cells() { return reinterpret_cast<Cell *>(this + 1); }
    const Cell *cells() const { return reinterpret_cast<const Cell *>(this + 1); }
    char *bytes() { return reinterpret_cast<char *>(cells() + cellCount); }
    const char *bytes() const { return reinterpret_cast<const char *>(cells() + cellCount); }
    //! The bytes of a non-NULL cell.
    QByteArrayView view(const Cell &cell) const { return QByteArrayView(bytes() + cell.offset, cell.length); }

    static Row make(RowPrivate *d) { return Row(d); }
    static const RowPrivate *get(const Row &row) { return row.d.data(); }

    RowPrivate(const RowPrivate &) = delete;
    RowPrivate &operator=(const RowPrivate &) = delete;

private:
    RowPrivate(quint32 cells, quint32 bytes) : cellCount(cells), byteCount(bytes) { }
    static_assert(alignof(Cell) <= alignof(void *), "cells follow the header");
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
