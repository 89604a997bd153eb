// SPDX-License-Identifier: MIT
#include "interpolate_p.h"

namespace AsyncMySql {

namespace {

/*! Walks \a sql; \a placeholder is called at each '%' that is not "%%", with the position of
    the character after it, and returns where the text resumes (or -1 after setting error). */
template<typename OnPlaceholder>
bool scan(SqlWriter &out, QStringView sql, ErrorInfo &error, OnPlaceholder placeholder)
{
    qsizetype textStart = 0;
    qsizetype i = 0;
    while ((i = sql.indexOf(u'%', i)) >= 0) {
        out.appendText(sql.sliced(textStart, i - textStart));
        if (i + 1 < sql.size() && sql[i + 1] == u'%') {
            out.appendText(u"%");
            i += 2;
        } else {
            i = placeholder(i + 1);
            if (i < 0)
                return false;
        }
        textStart = i;
    }
    out.appendText(sql.sliced(textStart));
    Q_UNUSED(error);
    return true;
}

//! Enough for the usual query in one allocation: the template and a short literal per argument.
qsizetype expectedSize(QStringView sql, const QVariantList &args) { return sql.size() + 16 * args.size(); }

ErrorInfo badFormat(QStringView sql, qsizetype at)
{
    return ErrorInfo::programming(QStringLiteral("Unsupported format character at position %1 of the query "
                                                 "(use %s or %(name)s for parameters and %% for a literal %): %2")
                                          .arg(at).arg(sql.toString()));
}

} // namespace

bool interpolate(SqlWriter &out, QStringView sql, const QVariantList &args, ErrorInfo &error)
{
    if (args.isEmpty()) {
        out.appendText(sql);
        return true;
    }
    out.reserve(expectedSize(sql, args));
    qsizetype next = 0;
    const bool ok = scan(out, sql, error, [&](qsizetype at) -> qsizetype {
        if (at >= sql.size() || sql[at] != u's') {
            error = badFormat(sql, at - 1);
            return -1;
        }
        if (next >= args.size()) {
            error = ErrorInfo::programming(QStringLiteral("Not enough arguments for the query: %1 given").arg(args.size()));
            return -1;
        }
        if (!out.appendLiteral(args.at(next++), error))
            return -1;
        return at + 1;
    });
    if (ok && next != args.size()) {
        error = ErrorInfo::programming(QStringLiteral("Not all arguments converted: the query takes %1, %2 given")
                                               .arg(next).arg(args.size()));
        return false;
    }
    return ok;
}

bool SqlTemplate::parse(const QString &sql, TextEncoding encoding)
{
    SqlWriter text(encoding, false);
    QList<qsizetype> ends;
    ErrorInfo unused;
    const bool plain = scan(text, sql, unused, [&](qsizetype at) -> qsizetype {
        if (at >= sql.size() || sql[at] != u's')
            return -1;
        ends.append(text.result().size());
        return at + 1;
    });
    if (!plain) {
        *this = SqlTemplate();
        return false;
    }
    ends.append(text.result().size());
    m_sql = sql;
    m_encoding = encoding;
    m_text = text.take();
    m_ends = std::move(ends);
    return true;
}

bool SqlTemplate::write(SqlWriter &out, const QVariantList &args, ErrorInfo &error) const
{
    Q_ASSERT(args.size() == placeholderCount());
    qsizetype start = 0;
    for (qsizetype i = 0; i < m_ends.size(); ++i) {
        out.appendEncoded(QByteArrayView(m_text).sliced(start, m_ends[i] - start));
        start = m_ends[i];
        if (i < args.size() && !out.appendLiteral(args[i], error))
            return false;
    }
    return true;
}

bool interpolateCommand(SqlWriter &out, const QString &sql, const QVariantList &args, ErrorInfo &error,
                        SqlTemplate *cache)
{
    out.startCommand(expectedSize(sql, args));
    // Without arguments the text goes unchanged (no %% to turn into %): nothing to take apart.
    if (cache && !args.isEmpty()) {
        if (!cache->matches(sql, out.encoding()))
            cache->parse(sql, out.encoding());
        // Otherwise (a bad template, a wrong number of arguments) interpolate() tells why.
        if (cache->isValid() && cache->placeholderCount() == args.size())
            return cache->write(out, args, error);
    }
    return interpolate(out, sql, args, error);
}

bool interpolate(SqlWriter &out, QStringView sql, const QVariantMap &args, ErrorInfo &error)
{
    if (args.isEmpty()) {
        out.appendText(sql);
        return true;
    }
    return scan(out, sql, error, [&](qsizetype at) -> qsizetype {
        const qsizetype close = at < sql.size() && sql[at] == u'(' ? sql.indexOf(u')', at) : -1;
        if (close < 0 || close + 1 >= sql.size() || sql[close + 1] != u's') {
            error = badFormat(sql, at - 1);
            return -1;
        }
        const QString name = sql.sliced(at + 1, close - at - 1).toString();
        const auto it = args.constFind(name);
        if (it == args.cend()) {
            error = ErrorInfo::programming(QStringLiteral("No argument named '%1' for the query").arg(name));
            return -1;
        }
        if (!out.appendLiteral(*it, error))
            return -1;
        return close + 2;
    });
}

bool interpolateText(SqlWriter &out, QStringView sql, ErrorInfo &error)
{
    return scan(out, sql, error, [&](qsizetype at) -> qsizetype {
        error = ErrorInfo::programming(QStringLiteral("A placeholder where the query takes no arguments, at "
                                                      "position %1: %2").arg(at - 1).arg(sql.toString()));
        return -1;
    });
}

} // namespace AsyncMySql
