// SPDX-License-Identifier: MIT
#include "metacache.h"
#include "constants.h"
#include "messages.h"

#include <algorithm>
#include <cstring>

namespace AsyncMySql::Protocol {

namespace {

constexpr qsizetype LengthBytes = sizeof(quint32);

//! Whether the definition at \a offset of \a definitions is \a payload.
bool definitionAt(const QByteArray &definitions, qsizetype offset, QByteArrayView payload)
{
    if (definitions.size() - offset < LengthBytes + payload.size())
        return false;
    quint32 length;
    memcpy(&length, definitions.constData() + offset, LengthBytes);
    return length == quint32(payload.size())
            && memcmp(definitions.constData() + offset + LengthBytes, payload.data(), size_t(payload.size())) == 0;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// ResultMetaCache

bool ResultMetaCache::Entry::matches(const MetaContext &context, int columns) const
{
    return columnCount == columns && meta->encoding == context.encoding && meta->dict == context.dict
            && meta->binary == context.binary && extendedTypeInfo == context.extendedTypeInfo && decodesAlike(converters, *context.converters);
}

int ResultMetaCache::candidates(const MetaContext &context, int columns, Candidates &out) const
{
    int found = 0;
    for (int i = 0; i < m_size; ++i) {
        if (m_entries[i]->matches(context, columns))
            out[found++] = m_entries[i];
    }
    return found;
}

void ResultMetaCache::touch(const Entry *entry)
{
    const auto end = m_entries.begin() + m_size;
    const auto it = std::find_if(m_entries.begin(), end, [entry](const EntryPtr &e) { return e.get() == entry; });
    if (it != end)
        std::rotate(m_entries.begin(), it, it + 1);
}

void ResultMetaCache::insert(EntryPtr entry)
{
    if (m_size < Capacity)
        ++m_size;
    // The least recent one (if the cache was full) is overwritten by the rotation.
    m_entries[m_size - 1] = std::move(entry);
    std::rotate(m_entries.begin(), m_entries.begin() + m_size - 1, m_entries.begin() + m_size);
}

void ResultMetaCache::clear()
{
    for (int i = 0; i < m_size; ++i)
        m_entries[i].reset();
    m_size = 0;
}

// ---------------------------------------------------------------------------------------------
// ResultMetaBuilder

void ResultMetaBuilder::start(ResultMetaCache *cache, const MetaContext &context, int columnCount)
{
    Q_ASSERT(context.converters && columnCount > 0);
    m_cache = cache;
    m_context = context;
    m_columnCount = columnCount;
    m_added = 0;
    m_offset = 0;
    m_meta.reset();
    m_definitions.clear();
    dropCandidates();
    if (cache)
        m_candidateCount = cache->candidates(context, columnCount, m_candidates);
    if (m_candidateCount == 0) {
        m_meta = ResultMetaPtr(new ResultMeta);
        m_meta->columns.reserve(columnCount);
        m_meta->encoding = context.encoding;
        m_meta->dict = context.dict;
        m_meta->binary = context.binary;
        m_keep = cache != nullptr;
    }
}

bool ResultMetaBuilder::add(QByteArrayView payload)
{
    Q_ASSERT(m_added < m_columnCount);
    if (!m_meta) {
        // Bytes that parsed before, in the same context, parse to the same column: compare only.
        int kept = 0;
        for (int i = 0; i < m_candidateCount; ++i) {
            if (!definitionAt(m_candidates[i]->definitions, m_offset, payload))
                continue;
            if (kept != i)
                std::swap(m_candidates[kept], m_candidates[i]);
            ++kept;
        }
        if (kept > 0) {
            for (int i = kept; i < m_candidateCount; ++i)
                m_candidates[i].reset();
            m_candidateCount = kept;
            m_offset += LengthBytes + payload.size();
            ++m_added;
            return true;
        }
        leaveCache(*m_candidates[0]);
    }
    const quint64 capabilities = m_context.extendedTypeInfo ? quint64(Capability::MariaDbExtendedTypeInfo) : 0;
    auto column = parseColumnDefinition(payload, capabilities, m_context.encoding);
    if (!column)
        return false;
    m_meta->columns.append(*column);
    record(payload);
    ++m_added;
    return true;
}

void ResultMetaBuilder::leaveCache(const ResultMetaCache::Entry &from)
{
    // Every candidate had the definitions received so far: the first one's columns are theirs.
    m_meta = ResultMetaPtr(new ResultMeta);
    m_meta->columns.reserve(m_columnCount);
    m_meta->columns.append(from.meta->columns.first(m_added));
    m_meta->encoding = m_context.encoding;
    m_meta->dict = m_context.dict;
    m_meta->binary = m_context.binary;
    m_definitions = from.definitions.first(m_offset);
    m_keep = true;
    dropCandidates(); // from is one of them: last
}

void ResultMetaBuilder::dropCandidates()
{
    for (int i = 0; i < m_candidateCount; ++i)
        m_candidates[i].reset();
    m_candidateCount = 0;
}

void ResultMetaBuilder::record(QByteArrayView payload)
{
    if (!m_keep)
        return;
    if (m_definitions.size() + LengthBytes + payload.size() > ResultMetaCache::MaxDefinitionBytes) {
        m_keep = false;
        m_definitions = QByteArray();
        return;
    }
    const quint32 length = quint32(payload.size());
    m_definitions.append(reinterpret_cast<const char *>(&length), LengthBytes);
    m_definitions.append(payload.data(), payload.size());
}

ResultMetaPtr ResultMetaBuilder::finish()
{
    Q_ASSERT(isComplete());
    if (!m_meta) {
        const ResultMetaCache::EntryPtr hit = std::move(m_candidates[0]);
        dropCandidates();
        m_cache->touch(hit.get());
        return hit->meta;
    }
    m_meta->finalize(*m_context.converters);
    if (m_keep) {
        m_cache->insert(std::make_shared<const ResultMetaCache::Entry>(ResultMetaCache::Entry{
                m_meta, std::exchange(m_definitions, QByteArray()), m_columnCount, m_context.extendedTypeInfo,
                *m_context.converters}));
    }
    return std::exchange(m_meta, ResultMetaPtr());
}

} // namespace AsyncMySql::Protocol
