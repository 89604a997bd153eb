// SPDX-License-Identifier: MIT
// FrameDecompressor (zlib and zstd) fed a hostile server's compressed stream, cut at
// fuzzer-chosen places, its output read on by a PacketReader as the connection does; and the
// same bytes through FrameCompressor and back, which must be lossless.
// Input: [settings byte][first sequence id][splits][stream].
#include "fuzzinput.h"
#include "protocol/compression.h"

using namespace AsyncMySql::Protocol;

namespace {

void roundTrip(CompressionAlgorithm algorithm, const QByteArray &plain, quint8 seq)
{
    FrameCompressor compressor(algorithm, 1);
    QByteArray wire;
    const quint8 next = compressor.compress(plain, seq, wire);
    FrameDecompressor decompressor(algorithm);
    decompressor.setNextSequenceId(seq);
    decompressor.feed(wire);
    QByteArray back;
    for (;;) {
        QByteArray inner;
        const auto st = decompressor.next(inner);
        FUZZ_CHECK(st != FrameDecompressor::Status::Malformed);
        if (st == FrameDecompressor::Status::NeedMore)
            break;
        back += inner;
    }
    FUZZ_CHECK(back == plain);
    FUZZ_CHECK(decompressor.pending() == 0);
    FUZZ_CHECK(decompressor.nextSequenceId() == next);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput::Reader in(data, size);
    const quint8 settings = in.byte();
    const CompressionAlgorithm algorithm = (settings & 1) ? CompressionAlgorithm::Zstd : CompressionAlgorithm::Zlib;
    // Bits 1..7: a small inflate limit (0: the protocol's own), so the early refusal is reached.
    const qsizetype limit = (settings >> 1) * 64;
    const quint8 seq = in.byte();
    const QList<qsizetype> splits = in.splits();
    const QByteArray stream = in.rest();

    FrameDecompressor decompressor(algorithm);
    decompressor.setNextSequenceId(seq);
    if (limit)
        decompressor.setMaxInflatedSize(limit);
    PacketReader packets;
    qsizetype fed = 0;
    quint8 expectedSeq = seq;
    bool stop = false;
    for (const QByteArray &chunk : FuzzInput::chunks(stream, splits)) {
        decompressor.feed(chunk);
        fed += chunk.size();
        while (!stop) {
            QByteArray inner;
            const auto st = decompressor.next(inner);
            if (st == FrameDecompressor::Status::NeedMore)
                break;
            if (st == FrameDecompressor::Status::Malformed) {
                FUZZ_CHECK(!decompressor.errorString().isEmpty());
                FUZZ_CHECK(decompressor.errorCode() != 0);
                FUZZ_CHECK(inner.isEmpty()); // nothing half-inflated is handed on
                stop = true;
                break;
            }
            // Each compressed packet carries the next sequence id and at most what its header
            // can announce (and what the limit allows).
            FUZZ_CHECK(decompressor.nextSequenceId() == quint8(++expectedSeq));
            FUZZ_CHECK(inner.size() <= MaxCompressedPayload);
            FUZZ_CHECK(!limit || inner.size() <= limit || inner.size() <= fed);
            packets.feed(inner);
            Packet p;
            PacketReader::Status ps;
            while ((ps = packets.next(p)) == PacketReader::Status::Ready)
                FUZZ_CHECK(p.offset + p.size <= p.buffer.size());
            if (ps == PacketReader::Status::Malformed)
                stop = true;
        }
        FUZZ_CHECK(decompressor.pending() >= 0 && decompressor.pending() <= fed);
        if (stop)
            break;
    }
    // Compressing is lossless for any bytes, compressible or not (small inputs are stored).
    roundTrip(algorithm, stream, seq);
    return 0;
}
