// SPDX-License-Identifier: MIT
// MySQL option files (my.cnf): aiomysql's read_default_file / read_default_group.
#pragma once

#include <AsyncMySql/ConnectOptions.h>

#include <QtCore/QHash>
#include <QtCore/QSet>
#include <QtCore/QString>
#include <QtCore/QStringList>

namespace AsyncMySql {

/*!
    The settings of an option file, group by group. Syntax as the MySQL client reads it:
    [group] headers, `key = value`, `key` alone, # and ; comments, quoted values with
    backslash escapes, `-` and `_` alike in keys, `!include file` and `!includedir dir`
    (its *.cnf files). A later setting of a key wins. Each file is read once per load: including
    one again (a loop, e.g. a file that includes its own directory) is skipped with a warning.
*/
class OptionFile
{
public:
    //! Reads \a path (a leading ~/ is the home directory); problems go to warnings().
    static OptionFile load(const QString &path);
    //! Parses \a text as if read from a file in \a baseDir (for relative !include paths).
    static OptionFile parse(QStringView text, const QString &baseDir = {});

    //! The keys of [\a group] (keys lower case, with '-' for '_').
    QHash<QString, QString> group(const QString &group) const { return m_groups.value(group.toLower()); }
    QStringList warnings() const { return m_warnings; }

private:
    void read(const QString &path, int depth);
    void parseInto(QStringView text, const QString &baseDir, int depth, const QString &origin);

    QHash<QString, QHash<QString, QString>> m_groups;
    QStringList m_warnings;
    QSet<QString> m_read; // canonical paths of the files read so far
};

/*!
    \a given with the settings of its readDefaultFile applied: [client], then
    [readDefaultGroup], fill in every option \a given leaves at its default (explicit options
    win, as in PyMySQL). Without readDefaultFile, \a given as it is.
*/
ConnectOptions applyOptionFile(const ConnectOptions &given);

} // namespace AsyncMySql
