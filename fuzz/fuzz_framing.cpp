// SPDX-License-Identifier: MIT
// PacketReader fed a hostile server's byte stream, cut into chunks at fuzzer-chosen places.
// Input: [max-payload byte][splits][stream].
#include "fuzzinput.h"
#include "protocol/constants.h"

using namespace AsyncMySql::Protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput::Reader in(data, size);
    // 0: the default limit (1 GiB); else a small one, so that the oversize check is reached.
    const quint8 limit = in.byte();
    const QList<qsizetype> splits = in.splits();
    const QByteArray stream = in.rest();

    PacketReader reader;
    if (limit)
        reader.setMaxPayload(limit * 16);
    qsizetype fed = 0;
    QByteArray reframed; // the packets read, framed again: must be the bytes consumed
    bool malformed = false;
    for (const QByteArray &chunk : FuzzInput::chunks(stream, splits)) {
        reader.feed(chunk);
        fed += chunk.size();
        for (;;) {
            Packet p;
            const PacketReader::Status st = reader.next(p);
            if (st == PacketReader::Status::Malformed) {
                FUZZ_CHECK(!reader.errorString().isEmpty());
                malformed = true;
                break;
            }
            if (st == PacketReader::Status::NeedMore)
                break;
            // A packet never reaches outside its buffer, nor is it larger than what was fed.
            FUZZ_CHECK(p.offset >= 0 && p.size >= 0 && p.offset + p.size <= p.buffer.size());
            FUZZ_CHECK(p.size <= fed);
            FUZZ_CHECK(!limit || p.size <= limit * 16);
            FUZZ_CHECK(quint8(p.lastSeq - p.seq) == quint8(p.size / MaxPacketPayload));
            appendPacket(reframed, p.view(), p.seq);
        }
        FUZZ_CHECK(reader.pending() >= 0 && reader.pending() <= fed);
        if (malformed)
            break;
    }
    if (!malformed) {
        // Framing is lossless: what was consumed is exactly the packets returned.
        const qsizetype consumed = fed - reader.pending();
        FUZZ_CHECK(reframed.size() <= consumed);
        // A split payload being joined is consumed but not yet returned.
        if (reframed.size() == consumed)
            FUZZ_CHECK(reframed == stream.first(consumed));
        else
            FUZZ_CHECK(stream.startsWith(reframed));
    }
    reader.reset();
    FUZZ_CHECK(reader.pending() == 0);
    return 0;
}
