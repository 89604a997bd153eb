// SPDX-License-Identifier: MIT
// Packet framing: 3-byte length + 1-byte sequence id, payloads of 16 MiB - 1 and more split over
// several wire packets (an exactly-full packet is followed by a possibly empty continuation).
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QByteArrayView>
#include <QtCore/QString>

namespace AsyncMySql::Protocol {

/*!
    One logical packet. The payload usually lives inside the reader's input buffer, shared (not
    copied) until the next read: use it, or copy what must outlive it (rows copy their payload),
    and drop the packet before the reader is given more input, so that it can reuse the buffer.
*/
struct Packet
{
    QByteArray buffer;
    qsizetype offset = 0;
    qsizetype size = 0;
    quint8 seq = 0;     //!< sequence id of the first wire packet
    quint8 lastSeq = 0; //!< sequence id of the last wire packet (differs for split payloads)

    const char *data() const { return buffer.constData() + offset; }
    QByteArrayView view() const { return QByteArrayView(data(), size); }
    quint8 first() const { return size > 0 ? quint8(data()[0]) : 0; }
    //! A packet built from bytes (tests, fake servers).
    static Packet fromPayload(QByteArray payload, quint8 seq = 0)
    {
        Packet p;
        p.size = payload.size();
        p.buffer = std::move(payload);
        p.seq = p.lastSeq = seq;
        return p;
    }
};

/*! Appends \a chunk to the unread bytes of \a buffer (from \a pos on), without copying when
    it can: adopts the chunk when all was read, grows in place when nothing else shares the
    buffer, else starts a new one with the unread tail. */
void appendInput(QByteArray &buffer, qsizetype &pos, const QByteArray &chunk);

/*! Makes room for \a room more bytes after the unread bytes of \a buffer (from \a pos on) and
    returns where they go: \a buffer grows by \a room, and the caller chops off what it did
    not fill. Reuses the buffer while nothing else shares it: moves the unread bytes to the
    front once they are no more than the consumed ones, and lets go of a buffer grown large
    (by one big packet) once everything in it was consumed. */
char *reserveInput(QByteArray &buffer, qsizetype &pos, qsizetype room);

/*! The bytes received and not consumed yet, of a PacketReader or a FrameDecompressor: \c bytes
    from \c pos on are unread. Packets handed out may share \c bytes (implicitly shared). */
struct InputBuffer
{
    QByteArray bytes;
    qsizetype pos = 0;

    void append(const QByteArray &chunk) { appendInput(bytes, pos, chunk); }
    /*! Room for up to \a room received bytes, written in place (straight from the socket);
        then commit() with the count written. */
    char *reserve(qsizetype room);
    void commit(qsizetype written);
    qsizetype pending() const { return bytes.size() - pos; }
    /*! A frame of \a size bytes (its header included) starts at \c pos and has not all arrived:
        room for more of it, growing with what arrives rather than with what was announced. */
    void expectFrame(qsizetype size);
    void clear();

private:
    qsizetype m_reserved = 0; // reserve() room not committed yet
};

/*! Cuts a byte stream into logical packets. Sans-I/O: bytes come in through feed(). */
class PacketReader
{
public:
    enum class Status { Ready, NeedMore, Malformed };

    //! Appends bytes received from the server.
    void feed(const QByteArray &chunk);
    /*! Room for up to \a bytes received from the server, to be written in place (straight
        from the socket, no copy); then commitInput() with the count written. Packets from
        next() must be gone by then, or the buffer cannot be reused. */
    char *reserveInput(qsizetype bytes) { return m_in.reserve(bytes); }
    void commitInput(qsizetype written) { m_in.commit(written); }
    //! The next complete logical packet into \a out (Ready), or NeedMore.
    Status next(Packet &out);
    //! Bytes received but not yet returned as packets.
    qsizetype pending() const { return m_in.pending(); }
    //! The memory its input buffer holds (what an announced but unsent packet may cost).
    qsizetype capacity() const { return m_in.bytes.capacity(); }
    //! Logical payloads larger than this are refused as Malformed (hostile servers).
    void setMaxPayload(qsizetype bytes) { m_maxPayload = bytes; }
    QString errorString() const { return m_error; }
    void reset();

private:
    Status fail(const QString &why);

    InputBuffer m_in;
    QByteArray m_joined; // payload of a split packet being put together
    bool m_joining = false;
    quint8 m_joinFirstSeq = 0;
    quint8 m_joinNextSeq = 0;
    qsizetype m_maxPayload = qsizetype(1) << 30;
    QString m_error;
};

/*!
    Appends \a payload framed as wire packets, starting with sequence id \a seq; returns the
    sequence id that follows. A payload of n * 0xffffff bytes gets its empty terminator packet.
*/
quint8 appendPacket(QByteArray &out, QByteArrayView payload, quint8 seq);

/*! A command packet (sequence id 0): \a command byte followed by \a argument, ready for the
    wire. \a nextSeq receives the sequence id of the reply (1, or more for a split payload). */
QByteArray commandPacket(quint8 command, QByteArrayView argument = {}, quint8 *nextSeq = nullptr);

//! The bytes before a command's argument: the packet header and the command byte.
constexpr qsizetype CommandPrefixSize = 5;

/*! commandPacket() for an argument written in place: \a buffer holds CommandPrefixSize bytes
    of room (any value), then the argument. The common case, a packet that fits one wire
    packet, is framed in \a buffer itself: no copy of a query's SQL on its way out. */
QByteArray frameCommand(QByteArray buffer, quint8 command, quint8 *nextSeq = nullptr);

} // namespace AsyncMySql::Protocol
