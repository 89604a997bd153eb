// SPDX-License-Identifier: MIT
#include "optionfile_p.h"
#include "connectoptions_p.h"
#include "logging_p.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>

namespace AsyncMySql {

namespace {

// !include chains deeper than this are a loop, not a configuration.
constexpr int MaxIncludeDepth = 10;

QString normalizedKey(QStringView key)
{
    return key.trimmed().toString().toLower().replace(QLatin1Char('_'), QLatin1Char('-'));
}

QChar unescaped(QChar c)
{
    switch (c.unicode()) {
    case 'b': return QLatin1Char('\b');
    case 't': return QLatin1Char('\t');
    case 'n': return QLatin1Char('\n');
    case 'r': return QLatin1Char('\r');
    case 's': return QLatin1Char(' ');
    default: return c; // \\, \", \' and anything else stand for themselves
    }
}

//! The value after '=': quoted (up to the closing quote) or bare (up to a # comment).
QString parseValue(QStringView raw)
{
    const QStringView v = raw.trimmed();
    QString out;
    if (!v.isEmpty() && (v.front() == u'"' || v.front() == u'\'')) {
        const QChar quote = v.front();
        for (qsizetype i = 1; i < v.size(); ++i) {
            if (v[i] == u'\\' && i + 1 < v.size())
                out += unescaped(v[++i]);
            else if (v[i] == quote)
                return out;
            else
                out += v[i];
        }
        return out; // no closing quote: take the rest, as the MySQL client does
    }
    for (qsizetype i = 0; i < v.size(); ++i) {
        if (v[i] == u'#')
            break;
        if (v[i] == u'\\' && i + 1 < v.size())
            out += unescaped(v[++i]);
        else
            out += v[i];
    }
    return out.trimmed();
}

QString expandHome(const QString &path)
{
    if (path == u"~" || path.startsWith(QLatin1String("~/")))
        return QDir::homePath() + path.mid(1);
    return path;
}

} // namespace

OptionFile OptionFile::load(const QString &path)
{
    OptionFile f;
    f.read(expandHome(path), 0);
    return f;
}

OptionFile OptionFile::parse(QStringView text, const QString &baseDir)
{
    OptionFile f;
    f.parseInto(text, baseDir, 0, QStringLiteral("<text>"));
    return f;
}

void OptionFile::read(const QString &path, int depth)
{
    if (depth > MaxIncludeDepth) {
        m_warnings << QStringLiteral("%1: !include nested deeper than %2 levels, skipped").arg(path).arg(MaxIncludeDepth);
        return;
    }
    // The depth limit alone is not enough: a file that includes its own directory three times
    // made 3^10 reads (found by fuzz_optionfile), a hang in every open().
    const QString canonical = QFileInfo(path).canonicalFilePath();
    if (!canonical.isEmpty()) {
        if (m_read.contains(canonical)) {
            m_warnings << QStringLiteral("%1: already read (an !include loop?), skipped").arg(path);
            return;
        }
        m_read.insert(canonical);
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        m_warnings << QStringLiteral("%1: cannot read the option file: %2").arg(path, file.errorString());
        return;
    }
    parseInto(QString::fromUtf8(file.readAll()), QFileInfo(path).absolutePath(), depth, path);
}

void OptionFile::parseInto(QStringView text, const QString &baseDir, int depth, const QString &origin)
{
    QString group;
    int lineNumber = 0;
    for (QStringView line : text.split(u'\n')) {
        ++lineNumber;
        line = line.trimmed();
        if (line.isEmpty() || line.front() == u'#' || line.front() == u';')
            continue;
        if (line.front() == u'!') {
            const qsizetype space = line.indexOf(u' ');
            const QStringView directive = line.first(space < 0 ? line.size() : space);
            const QString target = space < 0 ? QString() : expandHome(line.sliced(space).trimmed().toString());
            const QString resolved = QDir(baseDir).absoluteFilePath(target);
            if (directive == u"!include" && !target.isEmpty()) {
                read(resolved, depth + 1);
            } else if (directive == u"!includedir" && !target.isEmpty()) {
                const QStringList files = QDir(resolved).entryList({QStringLiteral("*.cnf")}, QDir::Files, QDir::Name);
                for (const QString &name : files)
                    read(resolved + QLatin1Char('/') + name, depth + 1);
            } else {
                m_warnings << QStringLiteral("%1:%2: unknown directive skipped").arg(origin).arg(lineNumber);
            }
            continue;
        }
        if (line.front() == u'[') {
            const qsizetype end = line.indexOf(u']');
            if (end < 0) {
                m_warnings << QStringLiteral("%1:%2: group header without ']'").arg(origin).arg(lineNumber);
                group.clear(); // what follows belongs to no group we could name
                continue;
            }
            group = line.sliced(1, end - 1).trimmed().toString().toLower();
            continue;
        }
        if (group.isEmpty()) {
            m_warnings << QStringLiteral("%1:%2: setting outside of any [group] ignored").arg(origin).arg(lineNumber);
            continue;
        }
        const qsizetype eq = line.indexOf(u'=');
        const QString key = normalizedKey(eq < 0 ? line : line.first(eq));
        m_groups[group].insert(key, eq < 0 ? QString() : parseValue(line.sliced(eq + 1)));
    }
}

// ---------------------------------------------------------------------------------------------

ConnectOptions applyOptionFile(const ConnectOptions &given)
{
    if (given.readDefaultFile.isEmpty())
        return given;
    const OptionFile file = OptionFile::load(given.readDefaultFile);
    for (const QString &w : file.warnings())
        qCWarning(lcConnection).noquote() << w;
    QHash<QString, QString> settings = file.group(QStringLiteral("client"));
    if (!given.readDefaultGroup.isEmpty()) {
        const QHash<QString, QString> named = file.group(given.readDefaultGroup);
        for (auto it = named.begin(); it != named.end(); ++it)
            settings.insert(it.key(), it.value());
    }

    const ConnectOptions defaults;
    ConnectOptions o = given;
    // Only what the caller left at its default comes from the file.
    const auto fill = [&](const char *key, auto ConnectOptions::*field, auto convert) {
        const auto it = settings.constFind(QLatin1String(key));
        if (it != settings.constEnd() && given.*field == defaults.*field)
            o.*field = convert(*it);
    };
    const auto text = [](const QString &v) { return v; };
    fill("host", &ConnectOptions::host, text);
    fill("port", &ConnectOptions::port, [](const QString &v) { return quint16(v.toUInt()); });
    fill("user", &ConnectOptions::user, text);
    fill("password", &ConnectOptions::password, text);
    fill("database", &ConnectOptions::database, text);
    fill("db", &ConnectOptions::database, text);
    fill("socket", &ConnectOptions::unixSocket, text);
    fill("default-character-set", &ConnectOptions::charset, text);
    fill("init-command", &ConnectOptions::initCommand, text);
    const auto timeout = settings.constFind(QStringLiteral("connect-timeout"));
    if (timeout != settings.constEnd() && given.connectTimeout == defaults.connectTimeout) {
        if (const auto ms = parseTimeoutSeconds(*timeout))
            o.connectTimeout = *ms;
        else
            qCWarning(lcConnection) << "option file: invalid connect-timeout" << *timeout;
    }

    const auto fillSsl = [&](const char *key, QString SslOptions::*field) {
        const auto it = settings.constFind(QLatin1String(key));
        if (it != settings.constEnd() && (given.ssl.*field).isEmpty())
            o.ssl.*field = *it;
    };
    fillSsl("ssl-ca", &SslOptions::ca);
    fillSsl("ssl-cert", &SslOptions::cert);
    fillSsl("ssl-key", &SslOptions::key);
    const auto mode = settings.constFind(QStringLiteral("ssl-mode"));
    if (mode != settings.constEnd() && given.ssl.mode == defaults.ssl.mode) {
        if (const auto m = parseSslMode(*mode))
            o.ssl.mode = *m;
        else
            qCWarning(lcConnection) << "option file: unknown ssl-mode" << *mode;
    }
    return o;
}

} // namespace AsyncMySql
