// SPDX-License-Identifier: MIT
#include "compression.h"
#include "constants.h"
#include "framing.h"

#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

namespace AsyncMySql::Protocol {

/*! One compression algorithm, both directions. Keeps its library state between packets. */
class CompressionCodec
{
public:
    enum class Inflated { Exact, Larger, Smaller, Corrupt };

    virtual ~CompressionCodec() = default;
    //! Appends the compressed form of \a in to \a out; false (and \a out unchanged) unless smaller.
    virtual bool deflate(QByteArrayView in, QByteArray &out) = 0;
    /*! Inflates \a in into \a out, allocated with exactly \a size bytes. Allocates nothing when
        \a in cannot hold that much; never writes more than \a size bytes. */
    virtual Inflated inflate(QByteArrayView in, qsizetype size, QByteArray &out, QString &detail) = 0;

    static std::unique_ptr<CompressionCodec> create(CompressionAlgorithm algorithm, int level);
};

namespace {

void writeU24(char *at, qsizetype v)
{
    at[0] = char(v & 0xff);
    at[1] = char((v >> 8) & 0xff);
    at[2] = char((v >> 16) & 0xff);
}

qsizetype readU24(const char *at)
{
    const auto *u = reinterpret_cast<const uchar *>(at);
    return qsizetype(u[0]) | (qsizetype(u[1]) << 8) | (qsizetype(u[2]) << 16);
}

/*! zlib format (header, deflate, adler32), one stream per compressed packet, as MySQL's
    my_compress() writes it with compress(). */
class ZlibCodec final : public CompressionCodec
{
public:
    ~ZlibCodec() override
    {
        if (m_deflateReady)
            deflateEnd(&m_deflate);
        if (m_inflateReady)
            inflateEnd(&m_inflate);
    }

    bool deflate(QByteArrayView in, QByteArray &out) override
    {
        if (!m_deflateReady) {
            if (deflateInit(&m_deflate, Z_DEFAULT_COMPRESSION) != Z_OK)
                return false; // out of memory: send the bytes as they are
            m_deflateReady = true;
        } else {
            deflateReset(&m_deflate);
        }
        const qsizetype at = out.size();
        const auto bound = qsizetype(deflateBound(&m_deflate, uLong(in.size())));
        out.resize(at + bound);
        m_deflate.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in.data()));
        m_deflate.avail_in = uInt(in.size());
        m_deflate.next_out = reinterpret_cast<Bytef *>(out.data() + at);
        m_deflate.avail_out = uInt(bound);
        const int ret = ::deflate(&m_deflate, Z_FINISH);
        const qsizetype produced = bound - qsizetype(m_deflate.avail_out);
        if (ret != Z_STREAM_END || produced >= in.size()) {
            out.resize(at);
            return false;
        }
        out.resize(at + produced);
        return true;
    }

    Inflated inflate(QByteArrayView in, qsizetype size, QByteArray &out, QString &detail) override
    {
        // Deflate cannot do better than 1032:1 (a 258-byte match coded in two bits); a larger
        // announced size is a lie, refused before it costs an allocation.
        if (size > in.size() * 1032) {
            detail = QStringLiteral("%1 bytes of zlib data cannot inflate to %2").arg(in.size()).arg(size);
            return Inflated::Smaller;
        }
        if (!m_inflateReady) {
            if (inflateInit(&m_inflate) != Z_OK) {
                detail = QStringLiteral("zlib could not start");
                return Inflated::Corrupt;
            }
            m_inflateReady = true;
        } else {
            inflateReset(&m_inflate);
        }
        out = QByteArray(size, Qt::Uninitialized);
        m_inflate.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in.data()));
        m_inflate.avail_in = uInt(in.size());
        m_inflate.next_out = reinterpret_cast<Bytef *>(out.data());
        m_inflate.avail_out = uInt(size);
        int ret = ::inflate(&m_inflate, Z_FINISH);
        if (ret != Z_STREAM_END && m_inflate.avail_out == 0 && (ret == Z_OK || ret == Z_BUF_ERROR)) {
            // The buffer is full but the stream did not end: one byte of room tells whether
            // there is more content or only the stream's trailer.
            char probe;
            m_inflate.next_out = reinterpret_cast<Bytef *>(&probe);
            m_inflate.avail_out = 1;
            ret = ::inflate(&m_inflate, Z_FINISH);
            if (m_inflate.avail_out == 0)
                return Inflated::Larger;
        }
        if (ret == Z_STREAM_END) {
            if (m_inflate.total_out != uLong(size))
                return Inflated::Smaller;
            if (m_inflate.avail_in != 0) {
                detail = QStringLiteral("bytes after the end of the zlib stream");
                return Inflated::Corrupt;
            }
            return Inflated::Exact;
        }
        if (ret == Z_BUF_ERROR || ret == Z_OK)
            detail = QStringLiteral("truncated zlib stream");
        else
            detail = QStringLiteral("corrupt zlib stream (%1)").arg(QLatin1String(m_inflate.msg ? m_inflate.msg : "?"));
        return Inflated::Corrupt;
    }

private:
    z_stream m_deflate{};
    z_stream m_inflate{};
    bool m_deflateReady = false;
    bool m_inflateReady = false;
};

/*! One zstd frame per compressed packet, with its content size, as MySQL 8.0.18+ sends it. */
class ZstdCodec final : public CompressionCodec
{
public:
    explicit ZstdCodec(int level) : m_level(level) { }
    ~ZstdCodec() override
    {
        ZSTD_freeCCtx(m_cctx);
        ZSTD_freeDCtx(m_dctx);
    }

    bool deflate(QByteArrayView in, QByteArray &out) override
    {
        if (!m_cctx && !(m_cctx = ZSTD_createCCtx()))
            return false;
        const qsizetype at = out.size();
        const auto bound = qsizetype(ZSTD_compressBound(size_t(in.size())));
        out.resize(at + bound);
        const size_t r = ZSTD_compressCCtx(m_cctx, out.data() + at, size_t(bound), in.data(), size_t(in.size()), m_level);
        if (ZSTD_isError(r) || qsizetype(r) >= in.size()) {
            out.resize(at);
            return false;
        }
        out.resize(at + qsizetype(r));
        return true;
    }

    Inflated inflate(QByteArrayView in, qsizetype size, QByteArray &out, QString &detail) override
    {
        const size_t frameSize = ZSTD_findFrameCompressedSize(in.data(), size_t(in.size()));
        if (ZSTD_isError(frameSize) || frameSize != size_t(in.size())) {
            detail = ZSTD_isError(frameSize) ? QStringLiteral("not a zstd frame (%1)").arg(QLatin1String(ZSTD_getErrorName(frameSize)))
                                             : QStringLiteral("bytes after the zstd frame");
            return Inflated::Corrupt;
        }
        // The frame header usually states the content size: a mismatch fails before any
        // allocation. Without it, a zstd block (at most 128 KiB) costs at least 4 bytes.
        const unsigned long long declared = ZSTD_getFrameContentSize(in.data(), size_t(in.size()));
        if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != ZSTD_CONTENTSIZE_ERROR
            && declared != (unsigned long long)size) {
            detail = QStringLiteral("the zstd frame holds %1 bytes").arg(declared);
            return declared > (unsigned long long)size ? Inflated::Larger : Inflated::Smaller;
        }
        if (size > in.size() * 32768) {
            detail = QStringLiteral("%1 bytes of zstd data cannot inflate to %2").arg(in.size()).arg(size);
            return Inflated::Smaller;
        }
        if (!m_dctx && !(m_dctx = ZSTD_createDCtx())) {
            detail = QStringLiteral("zstd could not start");
            return Inflated::Corrupt;
        }
        out = QByteArray(size, Qt::Uninitialized);
        const size_t r = ZSTD_decompressDCtx(m_dctx, out.data(), size_t(size), in.data(), size_t(in.size()));
        if (ZSTD_isError(r)) {
            if (ZSTD_getErrorCode(r) == ZSTD_error_dstSize_tooSmall)
                return Inflated::Larger;
            detail = QStringLiteral("corrupt zstd frame (%1)").arg(QLatin1String(ZSTD_getErrorName(r)));
            return Inflated::Corrupt;
        }
        return qsizetype(r) == size ? Inflated::Exact : Inflated::Smaller;
    }

private:
    int m_level;
    ZSTD_CCtx *m_cctx = nullptr;
    ZSTD_DCtx *m_dctx = nullptr;
};

} // namespace

std::unique_ptr<CompressionCodec> CompressionCodec::create(CompressionAlgorithm algorithm, int level)
{
    switch (algorithm) {
    case CompressionAlgorithm::Zlib:
        return std::make_unique<ZlibCodec>();
    case CompressionAlgorithm::Zstd:
        return std::make_unique<ZstdCodec>(level);
    case CompressionAlgorithm::None:
        break;
    }
    return nullptr;
}

// ---------------------------------------------------------------------------------------------
// FrameCompressor

FrameCompressor::FrameCompressor(CompressionAlgorithm algorithm, int level)
    : m_codec(CompressionCodec::create(algorithm, level))
{
    Q_ASSERT(m_codec);
}

FrameCompressor::~FrameCompressor() = default;

quint8 FrameCompressor::compress(QByteArrayView packets, quint8 seq, QByteArray &out)
{
    out.reserve(out.size() + packets.size() + CompressedHeaderSize * (packets.size() / MaxCompressedPayload + 1));
    for (qsizetype done = 0; done < packets.size();) {
        const QByteArrayView part = packets.sliced(done, qMin(MaxCompressedPayload, packets.size() - done));
        const qsizetype at = out.size();
        out.resize(at + CompressedHeaderSize);
        const bool deflated = part.size() >= MinCompressLength && m_codec->deflate(part, out);
        if (!deflated)
            out.append(part.data(), part.size());
        char *header = out.data() + at;
        writeU24(header, out.size() - at - CompressedHeaderSize);
        header[3] = char(seq++);
        writeU24(header + 4, deflated ? part.size() : 0);
        done += part.size();
    }
    return seq;
}

// ---------------------------------------------------------------------------------------------
// FrameDecompressor

FrameDecompressor::FrameDecompressor(CompressionAlgorithm algorithm) : m_codec(CompressionCodec::create(algorithm, 0))
{
    Q_ASSERT(m_codec);
}

FrameDecompressor::~FrameDecompressor() = default;

void FrameDecompressor::feed(const QByteArray &chunk)
{
    m_in.append(chunk);
}

FrameDecompressor::Status FrameDecompressor::fail(quint16 code, const QString &why)
{
    m_errorCode = code;
    m_error = why;
    return Status::Malformed;
}

FrameDecompressor::Status FrameDecompressor::next(QByteArray &inner)
{
    if (pending() < CompressedHeaderSize)
        return Status::NeedMore;
    const char *header = m_in.bytes.constData() + m_in.pos;
    const qsizetype length = readU24(header);
    const quint8 seq = quint8(header[3]);
    const qsizetype inflated = readU24(header + 4);
    if (seq != m_nextSeq)
        return fail(ClientError::CommandsOutOfSync, QStringLiteral("compressed packet sequence id %1, expected %2")
                                                            .arg(seq).arg(m_nextSeq));
    if (inflated > m_maxInflated)
        return fail(ClientError::MalformedPacket, QStringLiteral("compressed packet announces %1 bytes, more than %2")
                                                          .arg(inflated).arg(m_maxInflated));
    if (pending() < CompressedHeaderSize + length) {
        m_in.expectFrame(CompressedHeaderSize + length);
        return Status::NeedMore;
    }
    const QByteArrayView body(header + CompressedHeaderSize, length);
    if (inflated == 0) {
        inner = body.toByteArray();
    } else {
        QString detail;
        switch (m_codec->inflate(body, inflated, inner, detail)) {
        case CompressionCodec::Inflated::Exact:
            break;
        case CompressionCodec::Inflated::Larger:
            inner.clear();
            return fail(ClientError::MalformedPacket,
                        QStringLiteral("compressed packet inflates to more than the announced %1 bytes").arg(inflated));
        case CompressionCodec::Inflated::Smaller:
            inner.clear();
            return fail(ClientError::MalformedPacket,
                        QStringLiteral("compressed packet inflates to less than the announced %1 bytes%2")
                                .arg(inflated).arg(detail.isEmpty() ? QString() : QStringLiteral(": ") + detail));
        case CompressionCodec::Inflated::Corrupt:
            inner.clear();
            return fail(ClientError::MalformedPacket, QStringLiteral("compressed packet: %1").arg(detail));
        }
    }
    m_in.pos += CompressedHeaderSize + length;
    m_nextSeq = quint8(seq + 1);
    return Status::Ready;
}

} // namespace AsyncMySql::Protocol
