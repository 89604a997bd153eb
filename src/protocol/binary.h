// SPDX-License-Identifier: MIT
// The binary protocol of server-side prepared statements: the prepare response, the execute
// request with its parameters, the rows (sans-I/O, like the rest of this layer).
#pragma once

#include "framing.h"
#include "resultdata.h"

#include <QtCore/QByteArray>
#include <QtCore/QVarLengthArray>

#include <optional>

namespace AsyncMySql::Protocol {

/*! MariaDB (10.2 on): COM_STMT_EXECUTE of this id runs the statement prepared last on the
    connection, so PREPARE and EXECUTE can be written together (one round trip). */
constexpr quint32 LastPreparedStatement = 0xffffffff;

//! The first packet of a successful COM_STMT_PREPARE reply (COM_STMT_PREPARE_OK).
struct PrepareOk
{
    quint32 statementId = 0;
    quint16 columnCount = 0;
    quint16 paramCount = 0;
    quint16 warnings = 0;
};
std::optional<PrepareOk> parsePrepareOk(QByteArrayView payload);

/*! A binary-protocol row of \a meta's result (meta->binary, finalized): a copy of \a packet's
    payload and where each value is in it (fixed-size values as their little-endian bytes,
    temporal values after their length byte, strings without their length). A null Row if the
    packet is not exactly such a row. */
Row parseBinaryRow(const Packet &packet, const ResultMetaPtr &meta);

/*!
    The binary form of parameter values, appended to one buffer. \a Layout (ExecuteWriter,
    BulkWriter) decides what goes with each value: where its type is recorded and how a NULL is
    marked, through `bool slot(type, isUnsigned)` (false: the value is not taken) and
    `void nullSlot()`.
*/
template<typename Layout>
class ParameterValues
{
public:
    void addNull();
    void addSigned(qint64 v);
    void addUnsigned(quint64 v);
    void addDouble(double v);
    //! A length-encoded value of \a type: strings (VAR_STRING), bytes (BLOB), DECIMAL (NEWDECIMAL).
    void addString(quint8 type, QByteArrayView bytes);
    void addDate(int year, int month, int day);
    void addDateTime(int year, int month, int day, int hour, int minute, int second, int microsecond);
    //! A TIME: \a days and \a hours < 24 (the protocol's split), of a negative duration if \a negative.
    void addTime(bool negative, quint32 days, int hours, int minutes, int seconds, int microseconds);

protected:
    QByteArray m_out;

private:
    Layout &layout() { return static_cast<Layout &>(*this); }
};

/*!
    Writes a COM_STMT_EXECUTE packet: the statement, then each parameter in its binary form
    with its type (sent with every execute: one packet needs no state on either side), in the
    order of the statement's placeholders. The payload is written behind room for the packet
    header, so take() frames it in place.
*/
class ExecuteWriter : public ParameterValues<ExecuteWriter>
{
public:
    //! COM_STMT_EXECUTE of \a statementId with \a paramCount parameters; writes into \a buffer's block.
    ExecuteWriter(quint32 statementId, int paramCount, QByteArray buffer = QByteArray());

    int paramCount() const { return m_paramCount; }
    //! Parameters added so far.
    int count() const { return m_index; }

    /*! A parameter whose value went ahead in COM_STMT_SEND_LONG_DATA (longDataPacket()): its
        type only, the server takes the value it collected. */
    void addLongData(quint8 type) { slot(type, false); }

    //! Once every parameter was added: the framed packet; \a nextSeq gets the reply's first sequence id.
    QByteArray take(quint8 *nextSeq);

private:
    friend class ParameterValues<ExecuteWriter>;
    bool slot(quint8 type, bool isUnsigned);
    void nullSlot();

    int m_paramCount;
    int m_index = 0;
    qsizetype m_bitmapAt = 0; //!< where the NULL bitmap starts in m_out
    qsizetype m_typesAt = 0;  //!< where the parameter types start
};

/*!
    Writes a COM_STMT_BULK_EXECUTE packet (MariaDB, capability MariaDbStmtBulk): one statement
    run once per row, every row in the one packet. The types go once, ahead of the rows, so a
    column takes one type (the first value that is not NULL sets it); each value has an
    indicator byte (NULL or a value). Rows are added between beginRow() and endRow(); a row
    that needs another type for a column than the rows before it is refused whole, and goes
    into the next packet.
*/
class BulkWriter : public ParameterValues<BulkWriter>
{
public:
    //! COM_STMT_BULK_EXECUTE of \a statementId, whose statement has \a paramCount (> 0) parameters.
    BulkWriter(quint32 statementId, int paramCount);

    void beginRow();
    /*! After one add() per parameter: true if the row was taken; false if it was refused (a
        value of another type than its column's), and the writer is as before beginRow(). */
    bool endRow();

    int rowCount() const { return m_rows; }
    //! The packet's size so far.
    qsizetype size() const { return m_out.size(); }

    //! Once at least one row was taken: the framed packet; \a nextSeq gets the reply's first sequence id.
    QByteArray take(quint8 *nextSeq);

private:
    friend class ParameterValues<BulkWriter>;
    bool slot(quint8 type, bool isUnsigned);
    void nullSlot();

    int m_paramCount;
    int m_rows = 0;
    int m_index = 0;             //!< the parameter of the row being added
    bool m_refused = false;      //!< the row being added needs a type its column does not have
    qsizetype m_typesAt = 0;
    qsizetype m_rowAt = 0;       //!< where the row being added starts
    QVarLengthArray<int, 16> m_typedByRow; //!< the columns this row gave their type
};

/*! COM_STMT_SEND_LONG_DATA: \a chunk of parameter \a param's value (the server appends the
    chunks), framed. Has no reply. */
QByteArray longDataPacket(quint32 statementId, quint16 param, QByteArrayView chunk);
//! COM_STMT_CLOSE of \a statementId, framed. Has no reply.
QByteArray closeStatementPacket(quint32 statementId);

} // namespace AsyncMySql::Protocol
