// SPDX-License-Identifier: MIT
#include "protocol/constants.h"
#include "protocol/framing.h"
#include "testutil.h"

#include <QtCore/QSet>
#include <QtTest/QTest>

#include <cstring>

using namespace AsyncMySql::Protocol;
using namespace TestUtil;

namespace {

//! A packet as the reader handed it out (no copy of large payloads).
struct Received
{
    Packet packet;
    QByteArray payload() const { return packet.view().toByteArray(); }
    bool operator==(QByteArrayView expected) const { return packet.view() == expected; }
};

//! readAll() chunk size: feed the wire as one shared buffer (no copy: tests of split payloads
//! that are not about chunking stay fast under ASan).
constexpr qsizetype Whole = -1;

/*! Feeds \a wire to a fresh reader in chunks of \a chunkSize and collects every packet.
    \a status receives the last status seen (Malformed stops the loop). */
QList<Received> readAll(const QByteArray &wire, qsizetype chunkSize, PacketReader::Status *status = nullptr,
                        PacketReader *reader = nullptr)
{
    PacketReader local;
    PacketReader &r = reader ? *reader : local;
    QList<Received> got;
    PacketReader::Status st = PacketReader::Status::NeedMore;
    const qsizetype step = chunkSize == Whole ? wire.size() : chunkSize;
    for (qsizetype at = 0; at < wire.size() && st != PacketReader::Status::Malformed; at += step) {
        // mid() copies: each chunk is a buffer of its own, as a socket read would be.
        r.feed(chunkSize == Whole ? wire : wire.mid(at, step));
        Packet p;
        while ((st = r.next(p)) == PacketReader::Status::Ready)
            got.append({p});
    }
    if (status)
        *status = st;
    return got;
}

//! "N bytes seq A-B" per packet: sizes and sequence ids of a whole read in one comparison.
QString summary(const QList<Received> &got)
{
    QStringList parts;
    for (const Received &r : got)
        parts.append(QStringLiteral("%1 bytes seq %2-%3").arg(r.packet.size).arg(r.packet.seq).arg(r.packet.lastSeq));
    return parts.join(QStringLiteral("; "));
}

QByteArray header(qsizetype len, quint8 seq) { return le(quint64(len), 3) + char(seq); }

} // namespace

class tst_Framing : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void byteByByte();
    void arbitraryChunks_data();
    void arbitraryChunks();
    void severalPacketsInOneChunk();
    void announcedSizeIsNotReservedUpFront();
    void handedOutPacketsSurviveLaterFeeds();
    void appendPacketSmall();
    void exactlyFullPayload();
    void twiceFullPayload();
    void sixteenMiBPlusOne();
    void splitSequenceWrapsAround();
    void splitContinuationWrongSequence();
    void maxPayloadRefusesJoinedPacket();
    void maxPayloadSinglePacket();
    void commandPacketLayout();
    void commandPacketAtSplitBoundary();
    void largePacketInSmallChunks();
    void inPlaceReads_data();
    void inPlaceReads();
    void inPlaceReadsReuseOneBuffer();
    void inPlaceReadsKeepHandedOutPackets();
    void inPlaceReadsLetGoOfALargeBuffer();
    void reset();
};

void tst_Framing::byteByByte()
{
    const QByteArray payload("\x03SELECT 1", 9);
    const QByteArray wire = frame(payload, 7);
    PacketReader r;
    Packet p;
    for (qsizetype i = 0; i + 1 < wire.size(); ++i) {
        r.feed(wire.mid(i, 1));
        QCOMPARE(r.next(p), PacketReader::Status::NeedMore);
        QCOMPARE(r.pending(), i + 1);
    }
    r.feed(wire.right(1));
    QCOMPARE(r.next(p), PacketReader::Status::Ready);
    QCOMPARE(p.view().toByteArray(), payload);
    QCOMPARE(p.seq, quint8(7));
    QCOMPARE(p.lastSeq, quint8(7));
    QCOMPARE(p.first(), quint8(0x03));
    QCOMPARE(r.next(p), PacketReader::Status::NeedMore);
    QCOMPARE(r.pending(), 0);
}

void tst_Framing::arbitraryChunks_data()
{
    QTest::addColumn<int>("chunkSize");
    for (int size : {1, 3, 4, 7, 64, 1000, 4096, 1 << 20})
        QTest::addRow("%d", size) << size;
}

void tst_Framing::arbitraryChunks()
{
    QFETCH(int, chunkSize);
    const QList<QByteArray> payloads{QByteArray(), "a", pattern(250), pattern(251), pattern(3000),
                                     QByteArray("\xfe\0\0\2\0", 5), pattern(65536 + 7)};
    const QByteArray wire = frames(payloads, 1);

    PacketReader::Status st;
    const QList<Received> got = readAll(wire, chunkSize, &st);
    QCOMPARE(st, PacketReader::Status::NeedMore);
    QCOMPARE(got.size(), payloads.size());
    for (int i = 0; i < payloads.size(); ++i) {
        QCOMPARE(got[i].payload(), payloads[i]);
        QCOMPARE(got[i].packet.seq, quint8(i + 1));
        QCOMPARE(got[i].packet.lastSeq, quint8(i + 1));
    }
}

/*! Four bytes announcing a 16 MiB packet cost what arrived, not 16 MiB; the room grows with
    the bytes that do arrive, and the packet still comes out whole. */
void tst_Framing::announcedSizeIsNotReservedUpFront()
{
    const qsizetype len = MaxPacketPayload - 1;
    PacketReader r;
    r.feed(header(len, 0) + QByteArray(10, 'x'));
    Packet p;
    QCOMPARE(r.next(p), PacketReader::Status::NeedMore);
    QVERIFY2(r.capacity() < 1024 * 1024, qPrintable(QString::number(r.capacity())));
    const QByteArray rest(len - 10, 'y');
    int grown = 0; // re-allocations: a few (doubling), not one per read
    for (qsizetype at = 0; at < rest.size(); at += 64 * 1024) {
        const qsizetype n = qMin(qsizetype(64 * 1024), rest.size() - at);
        const qsizetype before = r.capacity();
        memcpy(r.reserveInput(n), rest.constData() + at, size_t(n));
        r.commitInput(n);
        if (at + n < rest.size())
            QCOMPARE(r.next(p), PacketReader::Status::NeedMore);
        grown += r.capacity() != before;
    }
    QVERIFY2(grown <= 12, qPrintable(QString::number(grown)));
    QCOMPARE(r.next(p), PacketReader::Status::Ready);
    QCOMPARE(p.size, len);
    QCOMPARE(p.view().sliced(0, 10), QByteArrayView("xxxxxxxxxx"));
    QCOMPARE(p.view().sliced(len - 1), QByteArrayView("y"));
}

void tst_Framing::severalPacketsInOneChunk()
{
    PacketReader r;
    // Two whole packets and the first half of a third.
    const QByteArray third = frame("third", 2);
    r.feed(frame("one", 0) + frame("", 1) + third.left(5));
    Packet p;
    QCOMPARE(r.next(p), PacketReader::Status::Ready);
    QCOMPARE(p.view().toByteArray(), QByteArray("one"));
    QCOMPARE(p.seq, quint8(0));
    QCOMPARE(r.next(p), PacketReader::Status::Ready);
    QCOMPARE(p.size, 0);
    QCOMPARE(p.seq, quint8(1));
    QCOMPARE(p.first(), quint8(0));
    QCOMPARE(r.next(p), PacketReader::Status::NeedMore);
    QCOMPARE(r.pending(), 5);
    r.feed(third.mid(5));
    QCOMPARE(r.next(p), PacketReader::Status::Ready);
    QCOMPARE(p.view().toByteArray(), QByteArray("third"));
    QCOMPARE(p.seq, quint8(2));
}

void tst_Framing::handedOutPacketsSurviveLaterFeeds()
{
    // Rows keep their packet's buffer: feeding more bytes must never rewrite bytes a packet
    // already handed out still points to.
    PacketReader r;
    const QByteArray tail = frame(pattern(500), 3);
    r.feed(frame("first", 1) + frame("second", 2) + tail.left(10));
    Packet a, b, c;
    QCOMPARE(r.next(a), PacketReader::Status::Ready);
    QCOMPARE(r.next(b), PacketReader::Status::Ready);
    QCOMPARE(r.next(c), PacketReader::Status::NeedMore);
    for (qsizetype at = 10; at < tail.size(); at += 7)
        r.feed(tail.mid(at, 7));
    QCOMPARE(r.next(c), PacketReader::Status::Ready);
    QCOMPARE(a.view().toByteArray(), QByteArray("first"));
    QCOMPARE(b.view().toByteArray(), QByteArray("second"));
    QCOMPARE(c.view().toByteArray(), pattern(500));
}

void tst_Framing::appendPacketSmall()
{
    QByteArray out("prefix");
    QCOMPARE(appendPacket(out, "abc", 5), quint8(6));
    QCOMPARE(out, QByteArray("prefix") + hex("03000005") + "abc");

    QByteArray empty;
    QCOMPARE(appendPacket(empty, {}, 0), quint8(1));
    QCOMPARE(empty, hex("00000000"));

    QByteArray wrap;
    QCOMPARE(appendPacket(wrap, "x", 255), quint8(0));
    QCOMPARE(wrap, hex("010000ff") + "x");
}

void tst_Framing::exactlyFullPayload()
{
    const QByteArrayView payload = patternView(MaxPacketPayload);
    QByteArray wire;
    QCOMPARE(appendPacket(wire, payload, 3), quint8(5));
    // A full packet says "more follows": an empty one must end the payload.
    QCOMPARE(wire.size(), MaxPacketPayload + 8);
    QCOMPARE(wire.left(4), hex("ffffff03"));
    QVERIFY(QByteArrayView(wire).sliced(4, MaxPacketPayload) == payload);
    QCOMPARE(wire.right(4), hex("00000004"));

    PacketReader r;
    r.feed(wire.left(wire.size() - 4));
    Packet p;
    QCOMPARE(r.next(p), PacketReader::Status::NeedMore);
    r.feed(wire.right(4));
    QCOMPARE(r.next(p), PacketReader::Status::Ready);
    QCOMPARE(p.size, MaxPacketPayload);
    QVERIFY(p.view() == payload);
    QCOMPARE(p.seq, quint8(3));
    QCOMPARE(p.lastSeq, quint8(4));
    QCOMPARE(r.next(p), PacketReader::Status::NeedMore);
}

void tst_Framing::twiceFullPayload()
{
    // The second half shifted by one byte, so swapped halves would not compare equal.
    QByteArray payload;
    payload.reserve(2 * MaxPacketPayload);
    payload.append(patternView(MaxPacketPayload));
    payload.append(patternView(MaxPacketPayload + 1).sliced(1));
    QByteArray wire;
    QCOMPARE(appendPacket(wire, payload, 0), quint8(3));
    QCOMPARE(wire.size(), 2 * MaxPacketPayload + 12);
    QCOMPARE(wire.left(4), hex("ffffff00"));
    QCOMPARE(wire.mid(4 + MaxPacketPayload, 4), hex("ffffff01"));
    QCOMPARE(wire.right(4), hex("00000002"));

    PacketReader::Status st;
    const QList<Received> got = readAll(wire, Whole, &st);
    QCOMPARE(summary(got), QStringLiteral("33554430 bytes seq 0-2"));
    QVERIFY(got[0] == payload);
}

void tst_Framing::sixteenMiBPlusOne()
{
    const qsizetype size = (qsizetype(1) << 24) + 1; // 0xffffff + 2
    const QByteArrayView payload = patternView(size);
    QByteArray wire;
    QCOMPARE(appendPacket(wire, payload, 1), quint8(3));
    QCOMPARE(wire.size(), size + 8);
    QCOMPARE(wire.left(4), hex("ffffff01"));
    QCOMPARE(wire.mid(4 + MaxPacketPayload, 4), hex("02000002"));
    QVERIFY(QByteArrayView(wire).sliced(4, MaxPacketPayload) == payload.first(MaxPacketPayload));
    QCOMPARE(wire.right(2), payload.last(2).toByteArray());

    // Followed by an ordinary packet, which must come out separately with its own seq.
    wire += frame("next", 3);
    PacketReader::Status st;
    const QList<Received> got = readAll(wire, 65536, &st);
    QCOMPARE(summary(got), QStringLiteral("16777217 bytes seq 1-2; 4 bytes seq 3-3"));
    QVERIFY(got[0] == payload);
    QCOMPARE(got[1].payload(), QByteArray("next"));
}

void tst_Framing::splitSequenceWrapsAround()
{
    const QByteArrayView payload = patternView(MaxPacketPayload + 10);
    QByteArray wire;
    QCOMPARE(appendPacket(wire, payload, 255), quint8(1));
    QCOMPARE(wire.mid(4 + MaxPacketPayload, 4), hex("0a000000"));

    const QList<Received> got = readAll(wire, Whole);
    QCOMPARE(summary(got), QStringLiteral("16777225 bytes seq 255-0"));
    QVERIFY(got[0] == payload);
}

void tst_Framing::splitContinuationWrongSequence()
{
    QByteArray wire = header(MaxPacketPayload, 1);
    wire.append(patternView(MaxPacketPayload));
    wire += header(3, 3) + "abc";
    PacketReader::Status st;
    const QList<Received> got = readAll(wire, Whole, &st);
    QCOMPARE(st, PacketReader::Status::Malformed);
    QVERIFY(got.isEmpty());
}

void tst_Framing::maxPayloadRefusesJoinedPacket()
{
    QByteArray wire = header(MaxPacketPayload, 0);
    wire.append(patternView(MaxPacketPayload));
    wire += header(100, 1) + pattern(100);
    PacketReader limited;
    limited.setMaxPayload(MaxPacketPayload + 99);
    PacketReader::Status st;
    QVERIFY(readAll(wire, Whole, &st, &limited).isEmpty());
    QCOMPARE(st, PacketReader::Status::Malformed);
    QVERIFY(!limited.errorString().isEmpty());

    PacketReader enough;
    enough.setMaxPayload(MaxPacketPayload + 100);
    QCOMPARE(summary(readAll(wire, Whole, &st, &enough)), QStringLiteral("16777315 bytes seq 0-1"));
}

void tst_Framing::maxPayloadSinglePacket()
{
    // framing.h: "Logical payloads larger than this are refused as Malformed" - that includes
    // a payload that fits in one wire packet.
    PacketReader r;
    r.setMaxPayload(1000);
    PacketReader::Status st;
    const QList<Received> got = readAll(frame(pattern(1001), 1), 4096, &st, &r);
    QVERIFY(got.isEmpty());
    QCOMPARE(st, PacketReader::Status::Malformed);
}

void tst_Framing::commandPacketLayout()
{
    QCOMPARE(commandPacket(quint8(Command::Query), "SELECT 1"), hex("09000000" "03") + "SELECT 1");
    QCOMPARE(commandPacket(quint8(Command::Ping)), hex("01000000" "0e"));
    QCOMPARE(commandPacket(quint8(Command::InitDb), QByteArrayView("db\0x", 4)),
             hex("05000000" "02") + QByteArray("db\0x", 4));
    quint8 next = 0;
    commandPacket(quint8(Command::Quit), {}, &next);
    QCOMPARE(next, quint8(1));
}

void tst_Framing::commandPacketAtSplitBoundary()
{
    // Command byte + argument of exactly 0xffffff bytes: a full packet, then an empty one.
    const QByteArrayView arg = patternView(MaxPacketPayload - 1);
    quint8 next = 0;
    const QByteArray full = commandPacket(quint8(Command::Query), arg, &next);
    QCOMPARE(next, quint8(2));
    QCOMPARE(full.size(), MaxPacketPayload + 8);
    QCOMPARE(full.left(5), hex("ffffff00" "03"));
    QVERIFY(QByteArrayView(full).sliced(5, arg.size()) == arg);
    QCOMPARE(full.right(4), hex("00000001"));

    const QByteArray below = commandPacket(quint8(Command::Query), arg.chopped(1), &next);
    QCOMPARE(next, quint8(1));
    QCOMPARE(below.size(), MaxPacketPayload + 3);
    QCOMPARE(below.left(5), hex("feffff00" "03"));
}

void tst_Framing::largePacketInSmallChunks()
{
    // 20 MiB in 64 KiB reads: with quadratic copying this would take minutes under ASan.
    const qsizetype size = qsizetype(20) << 20;
    const QByteArrayView payload = patternView(size);
    QByteArray wire;
    appendPacket(wire, payload, 1);
    const QList<Received> got = readAll(wire, 64 * 1024);
    QCOMPARE(summary(got), QStringLiteral("20971520 bytes seq 1-2"));
    QVERIFY(got[0] == payload);
}

namespace {
/*! Reads \a wire as a connection does: in place, at most \a room bytes a time (of which the
    "socket" gives \a chunk), each packet's payload copied out and the packet dropped before the
    next read. */
QList<QByteArray> readInPlace(PacketReader &r, const QByteArray &wire, qsizetype room, qsizetype chunk)
{
    QList<QByteArray> got;
    for (qsizetype at = 0; at < wire.size();) {
        const qsizetype n = qMin(chunk, wire.size() - at);
        memcpy(r.reserveInput(room), wire.constData() + at, size_t(n));
        r.commitInput(n);
        at += n;
        Packet p;
        while (r.next(p) == PacketReader::Status::Ready)
            got.append(p.view().toByteArray());
    }
    return got;
}
} // namespace

void tst_Framing::inPlaceReads_data()
{
    QTest::addColumn<int>("room");
    QTest::addColumn<int>("chunk");
    QTest::newRow("1 of 1") << 1 << 1;
    QTest::newRow("5 of 7") << 7 << 5;
    QTest::newRow("4096 of 4096") << 4096 << 4096;
    QTest::newRow("1000 of 64 KiB") << 65536 << 1000;
    QTest::newRow("64 KiB of 64 KiB") << 65536 << 65536;
}

void tst_Framing::inPlaceReads()
{
    QFETCH(int, room);
    QFETCH(int, chunk);
    const QList<QByteArray> payloads{QByteArray(), "a", pattern(250), pattern(3000), pattern(65536 + 7), "b",
                                     pattern(200000), "c"};
    PacketReader r;
    QCOMPARE(readInPlace(r, frames(payloads, 1), room, chunk), payloads);
    QCOMPARE(r.pending(), 0);
}

void tst_Framing::inPlaceReadsReuseOneBuffer()
{
    // 2000 rows of 100 bytes in 4 KiB reads: once everything read is used up, the next read goes
    // to the start of the same buffer; no buffer per read.
    QList<QByteArray> rows;
    for (int i = 0; i < 2000; ++i)
        rows.append(pattern(100 + i % 7));
    const QByteArray wire = frames(rows, 0);
    PacketReader r;
    QSet<const char *> starts;
    int rounds = 0;
    for (qsizetype at = 0; at < wire.size(); ++rounds) {
        const qsizetype n = qMin<qsizetype>(4096, wire.size() - at);
        const bool empty = r.pending() == 0;
        char *to = r.reserveInput(4096);
        if (empty)
            starts.insert(to);
        memcpy(to, wire.constData() + at, size_t(n));
        r.commitInput(n);
        at += n;
        Packet p;
        while (r.next(p) == PacketReader::Status::Ready) { }
    }
    QVERIFY(rounds > 50);
    QCOMPARE(starts.size(), 1);
}

void tst_Framing::inPlaceReadsKeepHandedOutPackets()
{
    // A packet still held when more is read: its bytes are not overwritten (the reader moves
    // on to a new buffer instead of compacting the shared one).
    PacketReader r;
    const QByteArray wire = frame("first", 1) + frame(pattern(300), 2);
    memcpy(r.reserveInput(20), wire.constData(), 20);
    r.commitInput(20);
    Packet first;
    QCOMPARE(r.next(first), PacketReader::Status::Ready);
    Packet p;
    QCOMPARE(r.next(p), PacketReader::Status::NeedMore);
    const qsizetype rest = wire.size() - 20;
    memcpy(r.reserveInput(rest), wire.constData() + 20, size_t(rest));
    r.commitInput(rest);
    QCOMPARE(r.next(p), PacketReader::Status::Ready);
    QCOMPARE(first.view().toByteArray(), QByteArray("first"));
    QCOMPARE(p.view().toByteArray(), pattern(300));
}

void tst_Framing::inPlaceReadsLetGoOfALargeBuffer()
{
    // One 2 MiB packet grows the buffer; once it is consumed the next read starts in a buffer
    // of the read's size again instead of keeping 2 MiB per connection for good.
    PacketReader r;
    const QByteArray big = frame(pattern(2 << 20), 1);
    QCOMPARE(readInPlace(r, big, 65536, 65536), QList<QByteArray>{pattern(2 << 20)});
    const QByteArray small = frame("small", 2);
    char *to = r.reserveInput(65536);
    memcpy(to, small.constData(), size_t(small.size()));
    r.commitInput(small.size());
    Packet p;
    QCOMPARE(r.next(p), PacketReader::Status::Ready);
    QVERIFY(p.buffer.capacity() < 4 * 65536);
    QCOMPARE(p.view().toByteArray(), QByteArray("small"));
}

void tst_Framing::reset()
{
    PacketReader r;
    r.feed(header(MaxPacketPayload, 0) + "partial");
    Packet p;
    QCOMPARE(r.next(p), PacketReader::Status::NeedMore);
    r.reset();
    QCOMPARE(r.pending(), 0);
    r.feed(frame("fresh", 0));
    QCOMPARE(r.next(p), PacketReader::Status::Ready);
    QCOMPARE(p.view().toByteArray(), QByteArray("fresh"));
}

QTEST_APPLESS_MAIN(tst_Framing)
#include "tst_framing.moc"
