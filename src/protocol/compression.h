// SPDX-License-Identifier: MIT
// The compressed protocol (CLIENT_COMPRESS with zlib, CLIENT_ZSTD_COMPRESSION_ALGORITHM with
// zstd): once authentication succeeded, the ordinary packet stream travels inside compressed
// packets of their own. Each has a 7-byte header — 3-byte length of what follows, 1-byte
// compressed sequence id, 3-byte length after inflating (0: stored as it is) — and carries any
// slice of the inner stream: several packets, or part of one.
#pragma once

#include "framing.h"

#include <QtCore/QByteArray>
#include <QtCore/QByteArrayView>
#include <QtCore/QString>

#include <memory>

namespace AsyncMySql::Protocol {

enum class CompressionAlgorithm { None, Zlib, Zstd };

constexpr qsizetype CompressedHeaderSize = 7;
/*! Shorter slices are sent as they are: compressing them costs more than it saves. MySQL and
    MariaDB use the same threshold (MIN_COMPRESS_LENGTH). */
constexpr qsizetype MinCompressLength = 50;
//! Largest inflated size a compressed header can announce (3 bytes), and the largest slice sent.
constexpr qsizetype MaxCompressedPayload = 0xffffff;

class CompressionCodec;

/*! Cuts outgoing packet bytes into compressed packets. Sans-I/O: bytes in, bytes out. */
class FrameCompressor
{
public:
    //! \a level is zstd's (1..22); zlib always uses its default level, as MySQL does.
    explicit FrameCompressor(CompressionAlgorithm algorithm, int level = 3);
    ~FrameCompressor();

    /*! Appends \a packets (framed packets, any number) to \a out as compressed packets with
        sequence ids \a seq, seq + 1, ...; returns the sequence id that follows. */
    quint8 compress(QByteArrayView packets, quint8 seq, QByteArray &out);

private:
    std::unique_ptr<CompressionCodec> m_codec;
};

/*!
    Takes the bytes read from the socket and yields the inner packet stream, one compressed
    packet at a time, for a PacketReader. Checks each compressed sequence id, and inflates into
    a buffer of exactly the announced size: content that inflates to more or less is refused
    (never buffered), and so is an announced size the compressed bytes cannot possibly make.
*/
class FrameDecompressor
{
public:
    enum class Status { Ready, NeedMore, Malformed };

    explicit FrameDecompressor(CompressionAlgorithm algorithm);
    ~FrameDecompressor();

    void feed(const QByteArray &chunk);
    //! As PacketReader::reserveInput() and commitInput(): received bytes written in place.
    char *reserveInput(qsizetype bytes) { return m_in.reserve(bytes); }
    void commitInput(qsizetype written) { m_in.commit(written); }
    //! The inner bytes of the next complete compressed packet into \a inner (Ready), or NeedMore.
    Status next(QByteArray &inner);
    //! The sequence id the next compressed packet must carry.
    quint8 nextSequenceId() const { return m_nextSeq; }
    void setNextSequenceId(quint8 seq) { m_nextSeq = seq; }
    //! Announced sizes above this are refused before anything is allocated.
    void setMaxInflatedSize(qsizetype bytes) { m_maxInflated = bytes; }
    //! Bytes received but not yet returned.
    qsizetype pending() const { return m_in.pending(); }
    QString errorString() const { return m_error; }
    //! The client error number of the failure (CR_COMMANDS_OUT_OF_SYNC or CR_MALFORMED_PACKET).
    quint16 errorCode() const { return m_errorCode; }

private:
    Status fail(quint16 code, const QString &why);

    std::unique_ptr<CompressionCodec> m_codec;
    InputBuffer m_in;
    quint8 m_nextSeq = 0;
    qsizetype m_maxInflated = MaxCompressedPayload;
    QString m_error;
    quint16 m_errorCode = 0;
};

} // namespace AsyncMySql::Protocol
