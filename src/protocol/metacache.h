// SPDX-License-Identifier: MIT
// A connection's recent result metadata, reused while the server sends the same column
// definitions again: a repeated query shape costs a byte comparison instead of decoding its
// names, its keys and its name index once more.
#pragma once

#include "resultdata.h"

#include <QtCore/QByteArray>
#include <QtCore/QByteArrayView>

#include <array>
#include <memory>

namespace AsyncMySql::Protocol {

/*! What a decoded ResultMeta depends on besides the bytes of its column definitions. Results
    whose definitions are equal byte for byte decode to the same ResultMeta if these are equal too. */
struct MetaContext
{
    TextEncoding encoding = TextEncoding::Utf8; //!< names decode in it (and the values)
    bool dict = false;                          //!< ResultMeta::dict
    bool extendedTypeInfo = false;              //!< MariaDB's extended type info is in the definitions
    bool binary = false;                        //!< ResultMeta::binary: rows of a prepared statement
    const Converters *converters = nullptr;     //!< the decoders (ResultMeta::decoders); never null
};

/*!
    The metadata of the last few results of one connection (its Protocol::Session), most
    recent first. An entry holds a finalized ResultMeta, which nobody changes any more (rows and
    result sets share it), and the column definition packets it was decoded from.

    Only results whose definitions parsed are kept, and a definition is taken from the cache
    only if it is byte for byte one that parsed before in the same MetaContext: the cache never
    lets a malformed definition through. Used on the connection's thread only.
*/
class ResultMetaCache
{
public:
    //! Enough for pipelined mixes of a few query shapes; looking through them is cheap.
    static constexpr int Capacity = 4;
    /*! Results whose definitions take more bytes are not kept: an entry lives as long as the
        connection (a few hundred columns fit). */
    static constexpr qsizetype MaxDefinitionBytes = 16 * 1024;

    struct Entry
    {
        ResultMetaPtr meta;
        //! Each column definition payload behind its length (4 bytes, host order).
        QByteArray definitions;
        int columnCount = 0;
        bool extendedTypeInfo = false;
        Converters converters; //!< a copy: keeps decodesAlike() true for the set it was built with

        //! Decoded in \a context (the converters compared by decodesAlike()), with \a columns columns.
        bool matches(const MetaContext &context, int columns) const;
    };
    using EntryPtr = std::shared_ptr<const Entry>;
    using Candidates = std::array<EntryPtr, Capacity>;

    /*! Puts the entries for a result of \a columns columns in \a context into \a out, most
        recent first, and returns how many there are. */
    int candidates(const MetaContext &context, int columns, Candidates &out) const;
    //! \a entry was used again: it becomes the most recent.
    void touch(const Entry *entry);
    //! Keeps \a entry as the most recent; the least recent one goes if the cache is full.
    void insert(EntryPtr entry);
    //! Forgets everything (a new session: another server may answer).
    void clear();
    int size() const { return m_size; }

private:
    std::array<EntryPtr, Capacity> m_entries;
    int m_size = 0;
};

/*!
    Turns the column definitions of one result into its ResultMeta as they arrive: while they
    equal, byte for byte, those of a cached result, nothing is parsed; from the first that
    differs on, they are parsed (the columns before it are taken from the cached result), and
    the new meta is kept in the cache once it is complete. Without a cache every definition is
    parsed.
*/
class ResultMetaBuilder
{
public:
    //! A new result of \a columnCount (> 0) columns; \a context.converters must outlive it.
    void start(ResultMetaCache *cache, const MetaContext &context, int columnCount);
    //! The next column definition; false if it is malformed (the result is then unusable).
    bool add(QByteArrayView payload);
    bool isComplete() const { return m_added == m_columnCount; }
    //! Once complete: the finalized meta, the cached one or the new one (then cached).
    ResultMetaPtr finish();

private:
    //! No cached result matches: the new meta starts with the first m_added columns of \a from.
    void leaveCache(const ResultMetaCache::Entry &from);
    void record(QByteArrayView payload);
    void dropCandidates();

    ResultMetaCache *m_cache = nullptr;
    MetaContext m_context;
    int m_columnCount = 0;
    int m_added = 0;
    //! The cached results whose first m_added definitions are those received (shared: the
    //! cache may drop them meanwhile).
    ResultMetaCache::Candidates m_candidates;
    int m_candidateCount = 0;
    //! Where the next definition starts in the candidates' Entry::definitions (equal up to there).
    qsizetype m_offset = 0;
    ResultMetaPtr m_meta;       //!< being built, once no candidate is left
    QByteArray m_definitions;   //!< of m_meta, for the cache (dropped once too large)
    bool m_keep = false;        //!< m_meta goes into the cache when complete
};

} // namespace AsyncMySql::Protocol
