// SPDX-License-Identifier: MIT
// The compressed protocol's framing, both ways, zlib and zstd. Frames the tests expect are built
// and read back with zlib and zstd called directly, not with the library's compressor.
#include "protocol/compression.h"
#include "protocol/constants.h"
#include "protocol/framing.h"
#include "testutil.h"

#include <QtCore/QRandomGenerator>
#include <QtTest/QTest>

#include <zlib.h>
#include <zstd.h>

using namespace AsyncMySql::Protocol;
using namespace TestUtil;

Q_DECLARE_METATYPE(AsyncMySql::Protocol::CompressionAlgorithm)

namespace {

using Algo = CompressionAlgorithm;
using DStatus = FrameDecompressor::Status;

Bytes compressedHeader(qsizetype length, quint8 seq, qsizetype inflated)
{
    return le(quint64(length), 3) + char(seq) + le(quint64(inflated), 3);
}

//! \a in deflated with zlib (zlib format, as MySQL's my_compress()), or zstd (one frame).
Bytes deflated(Algo algo, const Bytes &in, bool zstdContentSize = true)
{
    if (algo == Algo::Zlib) {
        uLongf n = compressBound(uLong(in.size()));
        Bytes out(qsizetype(n), '\0');
        if (compress(reinterpret_cast<Bytef *>(out.data()), &n, reinterpret_cast<const Bytef *>(in.constData()), uLong(in.size())) != Z_OK)
            qFatal("zlib compress failed");
        out.resize(qsizetype(n));
        return out;
    }
    ZSTD_CCtx *c = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, zstdContentSize ? 1 : 0);
    Bytes out(qsizetype(ZSTD_compressBound(size_t(in.size()))), '\0');
    const size_t n = ZSTD_compress2(c, out.data(), size_t(out.size()), in.constData(), size_t(in.size()));
    ZSTD_freeCCtx(c);
    if (ZSTD_isError(n))
        qFatal("zstd compress failed");
    out.resize(qsizetype(n));
    return out;
}

//! Inflates \a in, expected to hold exactly \a size bytes; a null array if it does not.
Bytes inflated(Algo algo, const Bytes &in, qsizetype size)
{
    Bytes out(size + 1, '\0'); // one byte of room: more than announced shows as a wrong size
    if (algo == Algo::Zlib) {
        uLongf n = uLongf(out.size());
        if (uncompress(reinterpret_cast<Bytef *>(out.data()), &n, reinterpret_cast<const Bytef *>(in.constData()), uLong(in.size())) != Z_OK
            || qsizetype(n) != size)
            return {};
        out.resize(size);
        return out;
    }
    const size_t n = ZSTD_decompress(out.data(), size_t(out.size()), in.constData(), size_t(in.size()));
    if (ZSTD_isError(n) || qsizetype(n) != size)
        return {};
    out.resize(size);
    return out;
}

Bytes compressedFrame(Algo algo, quint8 seq, const Bytes &inner)
{
    const Bytes body = deflated(algo, inner);
    return compressedHeader(body.size(), seq, inner.size()) + body;
}

Bytes storedFrame(quint8 seq, const Bytes &inner) { return compressedHeader(inner.size(), seq, 0) + inner; }

struct Frame
{
    int seq = -1;
    qsizetype inflatedSize = 0;
    Bytes body;
};

//! Cuts the compressor's output into frames by reading the 7-byte headers.
QList<Frame> unframeCompressed(const Bytes &wire, bool *complete)
{
    QList<Frame> out;
    qsizetype at = 0;
    while (at + 7 <= wire.size()) {
        const auto *h = reinterpret_cast<const uchar *>(wire.constData() + at);
        const qsizetype len = h[0] | (h[1] << 8) | (h[2] << 16);
        const qsizetype infl = h[4] | (h[5] << 8) | (h[6] << 16);
        if (at + 7 + len > wire.size())
            break;
        out.append({h[3], infl, wire.mid(at + 7, len)});
        at += 7 + len;
    }
    *complete = at == wire.size();
    return out;
}

//! The inner bytes a frame stands for, inflated independently of the library.
Bytes innerOf(Algo algo, const Frame &f)
{
    return f.inflatedSize == 0 ? f.body : inflated(algo, f.body, f.inflatedSize);
}

Bytes randomBytes(qsizetype n, quint32 seed = 1)
{
    Bytes b(n, Qt::Uninitialized);
    QRandomGenerator gen(seed);
    for (qsizetype i = 0; i < n; ++i)
        b[i] = char(gen.bounded(256));
    return b;
}

//! Text-like bytes that compress well.
Bytes compressible(qsizetype n)
{
    Bytes b;
    b.reserve(n + 32);
    for (int i = 0; b.size() < n; ++i)
        b += "row " + Bytes::number(i % 97) + ", ";
    b.truncate(n);
    return b;
}

//! Everything \a d yields from \a wire fed in chunks of \a chunk bytes, until it stops.
Bytes drain(FrameDecompressor &d, const Bytes &wire, qsizetype chunk, DStatus *last, int *frames = nullptr)
{
    Bytes inner;
    DStatus st = DStatus::NeedMore;
    int count = 0;
    for (qsizetype at = 0; at < wire.size() && st != DStatus::Malformed; at += chunk) {
        d.feed(wire.mid(at, chunk));
        Bytes part;
        while ((st = d.next(part)) == DStatus::Ready) {
            inner += part;
            ++count;
        }
    }
    *last = st;
    if (frames)
        *frames = count;
    return inner;
}

void addAlgorithms()
{
    QTest::addColumn<Algo>("algo");
    QTest::newRow("zlib") << Algo::Zlib;
    QTest::newRow("zstd") << Algo::Zstd;
}

} // namespace

class tst_Compression : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // FrameCompressor
    void compressesPackets_data() { addAlgorithms(); }
    void compressesPackets();
    void smallPayloadsStored_data() { addAlgorithms(); }
    void smallPayloadsStored();
    void incompressibleStored_data() { addAlgorithms(); }
    void incompressibleStored();
    void splitsOver16MiB_data() { addAlgorithms(); }
    void splitsOver16MiB();
    void sequenceWrapsAround();
    // FrameDecompressor
    void roundTrip_data() { addAlgorithms(); }
    void roundTrip();
    void severalPacketsInOneFrame_data() { addAlgorithms(); }
    void severalPacketsInOneFrame();
    void onePacketAcrossFrames_data() { addAlgorithms(); }
    void onePacketAcrossFrames();
    void storedFrames();
    void truncatedFrameWaitsForMore_data() { addAlgorithms(); }
    void truncatedFrameWaitsForMore();
    void wrongSequenceId();
    void inflatesLargerThanAnnounced_data();
    void inflatesLargerThanAnnounced();
    void inflatesSmallerThanAnnounced_data();
    void inflatesSmallerThanAnnounced();
    void hostileAnnouncedSize_data();
    void hostileAnnouncedSize();
    void announcedSizeOverCapRefusedFromHeader();
    void corruptContent_data();
    void corruptContent();
};

// --- FrameCompressor ----------------------------------------------------------------------------

void tst_Compression::compressesPackets()
{
    QFETCH(Algo, algo);
    const Bytes inner = frames({compressible(300), compressible(500), "\x03SELECT 1"}, 0);
    FrameCompressor c(algo);
    Bytes wire = "kept";
    QCOMPARE(c.compress(inner, 0, wire), quint8(1));
    QVERIFY(wire.startsWith("kept")); // appends
    bool complete = false;
    const QList<Frame> got = unframeCompressed(wire.mid(4), &complete);
    QVERIFY(complete);
    QCOMPARE(got.size(), 1);
    QCOMPARE(got[0].seq, 0);
    QCOMPARE(got[0].inflatedSize, inner.size());
    QVERIFY(got[0].body.size() < inner.size() / 2);
    QCOMPARE(innerOf(algo, got[0]), inner);
}

void tst_Compression::smallPayloadsStored()
{
    // Under 50 bytes as they are (MIN_COMPRESS_LENGTH); from 50 on compressed if smaller.
    QFETCH(Algo, algo);
    FrameCompressor c(algo);
    const Bytes small(MinCompressLength - 1, 'a');
    Bytes wire;
    QCOMPARE(c.compress(small, 3, wire), quint8(4));
    QCOMPARE(wire, compressedHeader(small.size(), 3, 0) + small);

    const Bytes fifty(MinCompressLength, 'a');
    wire.clear();
    c.compress(fifty, 0, wire);
    bool complete = false;
    const QList<Frame> got = unframeCompressed(wire, &complete);
    QCOMPARE(got.size(), 1);
    QCOMPARE(got[0].inflatedSize, fifty.size());
    QCOMPARE(innerOf(algo, got[0]), fifty);
}

void tst_Compression::incompressibleStored()
{
    QFETCH(Algo, algo);
    FrameCompressor c(algo);
    const Bytes noise = randomBytes(1000);
    Bytes wire;
    c.compress(noise, 0, wire);
    QCOMPARE(wire, compressedHeader(noise.size(), 0, 0) + noise);
}

void tst_Compression::splitsOver16MiB()
{
    // A command of 16 MiB and more: no compressed packet inflates to more than 0xffffff bytes.
    QFETCH(Algo, algo);
    const QByteArrayView inner = patternView(MaxCompressedPayload + 70000);
    FrameCompressor c(algo);
    Bytes wire;
    QCOMPARE(c.compress(inner, 5, wire), quint8(7));
    bool complete = false;
    const QList<Frame> got = unframeCompressed(wire, &complete);
    QVERIFY(complete);
    QCOMPARE(got.size(), 2);
    QCOMPARE(got[0].seq, 5);
    QCOMPARE(got[1].seq, 6);
    // Each part is compressed or, if that does not pay, stored; either way it reads back.
    QCOMPARE(got[0].inflatedSize == 0 ? got[0].body.size() : got[0].inflatedSize, MaxCompressedPayload);
    QCOMPARE(got[1].inflatedSize == 0 ? got[1].body.size() : got[1].inflatedSize, qsizetype(70000));
    QVERIFY(innerOf(algo, got[0]) + innerOf(algo, got[1]) == inner);

    FrameDecompressor d(algo);
    d.setNextSequenceId(5);
    DStatus st;
    int count = 0;
    QVERIFY(drain(d, wire, wire.size(), &st, &count) == inner);
    QCOMPARE(count, 2);
    QCOMPARE(d.nextSequenceId(), quint8(7));
}

void tst_Compression::sequenceWrapsAround()
{
    FrameCompressor c(Algo::Zlib);
    Bytes wire;
    QCOMPARE(c.compress(patternView(MaxCompressedPayload + 1), 255, wire), quint8(1));
    bool complete = false;
    const QList<Frame> got = unframeCompressed(wire, &complete);
    QCOMPARE(got.size(), 2);
    QCOMPARE(got[0].seq, 255);
    QCOMPARE(got[1].seq, 0);
    QCOMPARE(c.compress({}, 9, wire), quint8(9)); // nothing to send, nothing sent
    QCOMPARE(unframeCompressed(wire, &complete).size(), 2);
}

// --- FrameDecompressor --------------------------------------------------------------------------

void tst_Compression::roundTrip()
{
    QFETCH(Algo, algo);
    const Bytes inner = frames({compressible(4000), Bytes("\x03SELECT 1"), randomBytes(300)}, 0);
    FrameCompressor c(algo);
    Bytes wire;
    c.compress(inner, 0, wire);
    FrameDecompressor d(algo);
    DStatus st;
    QCOMPARE(drain(d, wire, wire.size(), &st), inner);
    QCOMPARE(st, DStatus::NeedMore);
    QCOMPARE(d.pending(), qsizetype(0));
}

void tst_Compression::severalPacketsInOneFrame()
{
    QFETCH(Algo, algo);
    const QList<Bytes> payloads{lenenc(1), columnPayload({}), rowPayload({compressible(120)}), okEndPayload(2)};
    const Bytes wire = compressedFrame(algo, 1, frames(payloads, 1));
    FrameDecompressor d(algo);
    d.setNextSequenceId(1);
    DStatus st;
    int count = 0;
    const Bytes inner = drain(d, wire, wire.size(), &st, &count);
    QCOMPARE(count, 1);
    PacketReader reader;
    reader.feed(inner);
    for (int i = 0; i < payloads.size(); ++i) {
        Packet p;
        QCOMPARE(reader.next(p), PacketReader::Status::Ready);
        QCOMPARE(p.view(), QByteArrayView(payloads[i]));
        QCOMPARE(p.seq, quint8(i + 1));
    }
    Packet p;
    QCOMPARE(reader.next(p), PacketReader::Status::NeedMore);
}

void tst_Compression::onePacketAcrossFrames()
{
    // A row cut in three slices: compressed, stored, compressed; the packet exists only once the
    // last slice is read.
    QFETCH(Algo, algo);
    const Bytes row = rowPayload({compressible(2500), Bytes("tail")});
    const Bytes inner = frame(row, 3);
    const Bytes wire = compressedFrame(algo, 2, inner.left(1000)) + storedFrame(3, inner.mid(1000, 40))
            + compressedFrame(algo, 4, inner.mid(1040));
    FrameDecompressor d(algo);
    d.setNextSequenceId(2);
    d.feed(wire);
    PacketReader reader;
    Packet p;
    for (int frameNo = 0; frameNo < 3; ++frameNo) {
        QCOMPARE(reader.next(p), PacketReader::Status::NeedMore);
        Bytes part;
        QCOMPARE(d.next(part), DStatus::Ready);
        reader.feed(part);
    }
    QCOMPARE(reader.next(p), PacketReader::Status::Ready);
    QCOMPARE(p.view(), QByteArrayView(row));
    QCOMPARE(p.seq, quint8(3));
    QCOMPARE(d.nextSequenceId(), quint8(5));
}

void tst_Compression::storedFrames()
{
    // Uncompressed length 0: the payload is the inner bytes; an empty frame is valid too.
    const Bytes a = frame("\x00\x00\x00\x02\x00\x00\x00", 1);
    const Bytes wire = storedFrame(1, a) + storedFrame(2, {}) + storedFrame(3, frame("x", 2));
    for (Algo algo : {Algo::Zlib, Algo::Zstd}) {
        FrameDecompressor d(algo);
        d.setNextSequenceId(1);
        d.feed(wire);
        Bytes part;
        QCOMPARE(d.next(part), DStatus::Ready);
        QCOMPARE(part, a);
        QCOMPARE(d.next(part), DStatus::Ready);
        QVERIFY(part.isEmpty());
        QCOMPARE(d.next(part), DStatus::Ready);
        QCOMPARE(part, frame("x", 2));
        QCOMPARE(d.next(part), DStatus::NeedMore);
    }
}

void tst_Compression::truncatedFrameWaitsForMore()
{
    QFETCH(Algo, algo);
    const Bytes inner = frame(compressible(700), 1);
    const Bytes wire = compressedFrame(algo, 0, inner);
    FrameDecompressor d(algo);
    Bytes part;
    for (qsizetype i = 0; i + 1 < wire.size(); ++i) {
        d.feed(wire.mid(i, 1));
        QCOMPARE(d.next(part), DStatus::NeedMore);
    }
    d.feed(wire.right(1));
    QCOMPARE(d.next(part), DStatus::Ready);
    QCOMPARE(part, inner);
}

void tst_Compression::wrongSequenceId()
{
    const Bytes wire = storedFrame(4, "abc") + storedFrame(6, "def");
    FrameDecompressor d(Algo::Zlib);
    d.setNextSequenceId(4);
    d.feed(wire);
    Bytes part;
    QCOMPARE(d.next(part), DStatus::Ready);
    QCOMPARE(d.nextSequenceId(), quint8(5));
    QCOMPARE(d.next(part), DStatus::Malformed);
    QCOMPARE(d.errorCode(), quint16(ClientError::CommandsOutOfSync));
    QVERIFY2(d.errorString().contains(QLatin1String("sequence id 6, expected 5")), qPrintable(d.errorString()));
}

void tst_Compression::inflatesLargerThanAnnounced_data()
{
    QTest::addColumn<Algo>("algo");
    QTest::addColumn<bool>("contentSize"); // zstd: the frame header states its size
    QTest::newRow("zlib") << Algo::Zlib << true;
    QTest::newRow("zstd, size in the frame header") << Algo::Zstd << true;
    QTest::newRow("zstd, size unknown") << Algo::Zstd << false;
}

void tst_Compression::inflatesLargerThanAnnounced()
{
    // Inflating stops at the announced size: a longer content is refused, never buffered.
    QFETCH(Algo, algo);
    QFETCH(bool, contentSize);
    const Bytes body = deflated(algo, compressible(2000), contentSize);
    FrameDecompressor d(algo);
    d.feed(compressedHeader(body.size(), 0, 1000) + body);
    Bytes part = "stale";
    QCOMPARE(d.next(part), DStatus::Malformed);
    QVERIFY(part.isEmpty());
    QCOMPARE(d.errorCode(), quint16(ClientError::MalformedPacket));
    QVERIFY2(d.errorString().contains(QLatin1String("more than the announced 1000 bytes")), qPrintable(d.errorString()));
}

void tst_Compression::inflatesSmallerThanAnnounced_data() { inflatesLargerThanAnnounced_data(); }

void tst_Compression::inflatesSmallerThanAnnounced()
{
    QFETCH(Algo, algo);
    QFETCH(bool, contentSize);
    const Bytes body = deflated(algo, compressible(1000), contentSize);
    FrameDecompressor d(algo);
    d.feed(compressedHeader(body.size(), 0, 1001) + body);
    Bytes part;
    QCOMPARE(d.next(part), DStatus::Malformed);
    QVERIFY(part.isEmpty());
    QCOMPARE(d.errorCode(), quint16(ClientError::MalformedPacket));
    QVERIFY2(d.errorString().contains(QLatin1String("less than the announced 1001 bytes")), qPrintable(d.errorString()));
}

void tst_Compression::hostileAnnouncedSize_data()
{
    QTest::addColumn<Algo>("algo");
    QTest::addColumn<Bytes>("body");
    QTest::addColumn<qsizetype>("announced");
    QTest::addColumn<QString>("why");
    // A few bytes cannot inflate to 16 MiB (deflate: 1032:1 at most; zstd: a 128 KiB block
    // costs 4 bytes at least): refused before the 16 MiB buffer is allocated.
    QTest::newRow("zlib, 16 MiB from 100 bytes") << Algo::Zlib << deflated(Algo::Zlib, Bytes(100, 'z'))
                                                 << MaxCompressedPayload << QStringLiteral("cannot inflate");
    QTest::newRow("zstd, 16 MiB from a tiny frame") << Algo::Zstd << deflated(Algo::Zstd, Bytes(100, 'z'), false)
                                                    << MaxCompressedPayload << QStringLiteral("cannot inflate");
    QTest::newRow("zstd, frame header says 100") << Algo::Zstd << deflated(Algo::Zstd, Bytes(100, 'z'))
                                                 << MaxCompressedPayload << QStringLiteral("holds 100 bytes");
    // A real bomb: 16 MiB of zeros announced as 4 KiB. The buffer is 4 KiB; inflating stops there.
    const Bytes zeros(MaxCompressedPayload, '\0');
    QTest::newRow("zlib bomb") << Algo::Zlib << deflated(Algo::Zlib, zeros) << qsizetype(4096)
                               << QStringLiteral("more than the announced 4096 bytes");
    QTest::newRow("zstd bomb, size unknown") << Algo::Zstd << deflated(Algo::Zstd, zeros, false) << qsizetype(4096)
                                             << QStringLiteral("more than the announced 4096 bytes");
}

void tst_Compression::hostileAnnouncedSize()
{
    QFETCH(Algo, algo);
    QFETCH(Bytes, body);
    QFETCH(qsizetype, announced);
    QFETCH(QString, why);
    FrameDecompressor d(algo);
    d.feed(compressedHeader(body.size(), 0, announced) + body);
    Bytes part;
    QCOMPARE(d.next(part), DStatus::Malformed);
    QVERIFY(part.isEmpty());
    QCOMPARE(d.errorCode(), quint16(ClientError::MalformedPacket));
    QVERIFY2(d.errorString().contains(why), qPrintable(d.errorString()));
}

void tst_Compression::announcedSizeOverCapRefusedFromHeader()
{
    // Over the cap the header alone is refused: nothing of the body is waited for or buffered.
    FrameDecompressor d(Algo::Zstd);
    d.setMaxInflatedSize(1 << 20);
    d.feed(compressedHeader(5000, 0, (1 << 20) + 1));
    Bytes part;
    QCOMPARE(d.next(part), DStatus::Malformed);
    QVERIFY2(d.errorString().contains(QLatin1String("more than 1048576")), qPrintable(d.errorString()));

    // At the cap it is accepted.
    const Bytes inner = compressible(1 << 20);
    FrameDecompressor ok(Algo::Zstd);
    ok.setMaxInflatedSize(1 << 20);
    ok.feed(compressedFrame(Algo::Zstd, 0, inner));
    QCOMPARE(ok.next(part), DStatus::Ready);
    QVERIFY(part == inner);
}

void tst_Compression::corruptContent_data()
{
    QTest::addColumn<Algo>("algo");
    QTest::addColumn<Bytes>("body");
    QTest::addColumn<qsizetype>("announced");
    const Bytes text = compressible(500);
    const Bytes zlibBody = deflated(Algo::Zlib, text);
    const Bytes zstdBody = deflated(Algo::Zstd, text);
    QTest::newRow("zlib garbage") << Algo::Zlib << randomBytes(80, 3) << qsizetype(500);
    QTest::newRow("zlib truncated") << Algo::Zlib << zlibBody.chopped(6) << qsizetype(500);
    QTest::newRow("zlib trailing bytes") << Algo::Zlib << zlibBody + "xyz" << qsizetype(500);
    Bytes flipped = zlibBody;
    flipped[flipped.size() - 1] = char(flipped.back() ^ 0x40); // the adler32 checksum
    QTest::newRow("zlib checksum") << Algo::Zlib << flipped << qsizetype(500);
    QTest::newRow("zstd garbage") << Algo::Zstd << randomBytes(80, 3) << qsizetype(500);
    QTest::newRow("zstd truncated") << Algo::Zstd << zstdBody.chopped(6) << qsizetype(500);
    QTest::newRow("zstd trailing bytes") << Algo::Zstd << zstdBody + "xyz" << qsizetype(500);
}

void tst_Compression::corruptContent()
{
    QFETCH(Algo, algo);
    QFETCH(Bytes, body);
    QFETCH(qsizetype, announced);
    FrameDecompressor d(algo);
    d.feed(compressedHeader(body.size(), 0, announced) + body);
    Bytes part;
    QCOMPARE(d.next(part), DStatus::Malformed);
    QVERIFY(part.isEmpty());
    QCOMPARE(d.errorCode(), quint16(ClientError::MalformedPacket));
}

QTEST_GUILESS_MAIN(tst_Compression)
#include "tst_compression.moc"
