// SPDX-License-Identifier: MIT
#include "placeholders_p.h"

namespace AsyncMySql {

namespace {

/*! Walks \a sql and calls \a onPlaceholder(position) for each placeholder, in order. */
template<typename OnPlaceholder>
void scanPlaceholders(QStringView sql, bool noBackslashEscapes, OnPlaceholder onPlaceholder)
{
    const qsizetype n = sql.size();
    qsizetype i = 0;
    // The end of a quoted run that started at i (the quote), past its closing quote (or n).
    const auto skipQuoted = [&](QChar quote, bool backslashes) {
        ++i;
        while (i < n) {
            const QChar c = sql[i];
            if (backslashes && c == u'\\') {
                i += 2;
                continue;
            }
            ++i;
            if (c == quote) {
                if (i < n && sql[i] == quote) { // a doubled quote stands for itself
                    ++i;
                    continue;
                }
                return;
            }
        }
    };
    const auto skipLine = [&] {
        while (i < n && sql[i] != u'\n')
            ++i;
    };
    while (i < n) {
        const QChar c = sql[i];
        switch (c.unicode()) {
        case u'\'':
        case u'"':
            skipQuoted(c, !noBackslashEscapes);
            break;
        case u'`':
            skipQuoted(c, false);
            break;
        case u'#':
            skipLine();
            break;
        case u'-':
            // "-- " starts a comment only with a space (or control character, or the end) after it.
            if (i + 1 < n && sql[i + 1] == u'-' && (i + 2 >= n || sql[i + 2].unicode() <= u' '))
                skipLine();
            else
                ++i;
            break;
        case u'/':
            if (i + 1 < n && sql[i + 1] == u'*') {
                // Executable comments (/*! ... */, /*M! ... */) are SQL to the server: scan on.
                const bool executable = (i + 2 < n && sql[i + 2] == u'!')
                        || (i + 3 < n && sql[i + 2] == u'M' && sql[i + 3] == u'!');
                if (executable) {
                    i += 2;
                    break;
                }
                const qsizetype end = sql.indexOf(u"*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else {
                ++i;
            }
            break;
        case u'?':
            onPlaceholder(i);
            ++i;
            break;
        default:
            ++i;
            break;
        }
    }
}

} // namespace

qsizetype placeholderCount(QStringView sql, bool noBackslashEscapes)
{
    qsizetype count = 0;
    scanPlaceholders(sql, noBackslashEscapes, [&count](qsizetype) { ++count; });
    return count;
}

bool writeWithPlaceholders(SqlWriter &out, QStringView sql, const QVariantList &args, bool noBackslashEscapes,
                           ErrorInfo &error)
{
    qsizetype written = 0; // of sql
    qsizetype next = 0;    // of args
    bool failed = false;   // a literal could not be written (error says why)
    bool mismatch = false; // more placeholders than arguments
    scanPlaceholders(sql, noBackslashEscapes, [&](qsizetype at) {
        if (failed || mismatch)
            return;
        out.appendText(sql.sliced(written, at - written));
        written = at + 1;
        if (next >= args.size())
            mismatch = true;
        else
            failed = !out.appendLiteral(args.at(next++), error);
    });
    if (failed)
        return false;
    if (mismatch || next != args.size()) {
        error = ErrorInfo::programming(QStringLiteral("The statement has %1 placeholders, %2 arguments given")
                                               .arg(placeholderCount(sql, noBackslashEscapes)).arg(args.size()));
        return false;
    }
    out.appendText(sql.sliced(written));
    return true;
}

} // namespace AsyncMySql
