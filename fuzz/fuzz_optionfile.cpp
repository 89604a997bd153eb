// SPDX-License-Identifier: MIT
// The option-file parser (my.cnf): OptionFile::parse on any text, and applyOptionFile on the
// same text read from a file ([client] and a named group into ConnectOptions: ports,
// timeouts, ssl-mode). !include / !includedir stay inside a scratch directory that holds a
// few .cnf files (one includes itself), so the fuzzer cannot make the target read the machine.
#include "fuzzinput.h"
#include "client/optionfile_p.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>

using namespace AsyncMySql;

namespace {

struct Scratch
{
    QTemporaryDir dir;
    QString main;
    Scratch()
    {
        qInstallMessageHandler([](QtMsgType, const QMessageLogContext &, const QString &) { });
        write(QStringLiteral("a.cnf"), "[client]\nuser = a\n!include a.cnf\n");
        write(QStringLiteral("d/b.cnf"), "[client]\nport=3307\n[x]\nhost=h\n");
        main = dir.filePath(QStringLiteral("main.cnf"));
    }
    void write(const QString &name, const QByteArray &text)
    {
        const QString path = dir.filePath(name);
        QDir().mkpath(QFileInfo(path).absolutePath());
        QFile f(path);
        FUZZ_CHECK(f.open(QIODevice::WriteOnly));
        f.write(text);
    }
};

/*! Each directive costs file system calls (a path made canonical, a file opened, a
    directory listed): an input of thousands of them, which mutation grows, ran at a few hundred
    executions a second and kept long runs from their ten million. A real file has a handful. */
constexpr int MaxDirectives = 8;

//! Include targets must stay relative and below the scratch directory, and few.
bool confined(QStringView text)
{
    int directives = 0;
    for (QStringView line : text.split(u'\n')) {
        line = line.trimmed();
        if (line.startsWith(u'!')) {
            if (++directives > MaxDirectives)
                return false;
            const qsizetype space = line.indexOf(u' ');
            const QStringView target = space < 0 ? QStringView() : line.sliced(space).trimmed();
            if (target.startsWith(u'/') || target.startsWith(u'~') || target.contains(u"..") || target.contains(u'\\'))
                return false;
        }
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static Scratch scratch;
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    if (!confined(text))
        return 0;
    const OptionFile parsed = OptionFile::parse(text, scratch.dir.path());
    for (const QString &key : parsed.group(QStringLiteral("client")).keys())
        FUZZ_CHECK(key == key.toLower() && !key.contains(u'_'));

    // Through a file (write, read back, apply to ConnectOptions) for one input in eight: the
    // file round trip costs ten times the parse, and long runs need their executions.
    if (qHash(QByteArrayView(reinterpret_cast<const char *>(data), qsizetype(size))) % 8 != 0)
        return 0;
    {
        QFile f(scratch.main);
        FUZZ_CHECK(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(reinterpret_cast<const char *>(data), qint64(size));
    }
    ConnectOptions given;
    given.readDefaultFile = scratch.main;
    given.readDefaultGroup = QStringLiteral("x");
    const ConnectOptions o = applyOptionFile(given);
    FUZZ_CHECK(o.readDefaultFile == scratch.main);
    return 0;
}
