// SPDX-License-Identifier: MIT
// LOAD DATA LOCAL INFILE: the file the server asks for, streamed through the connection.
#include "connection_p.h"
#include "logging_p.h"

#include <QtCore/QFileInfo>

namespace AsyncMySql {

using namespace Protocol;

void ConnectionPrivate::startLocalInfile(const CommandPtr &cmd, const QByteArray &requestedName)
{
    const QString path = decodeText(requestedName, encoding);
    auto file = std::make_unique<QFile>(path);
    if (!options.localInfileDirectory.isEmpty()) {
        // Canonical paths: neither "../" nor a symlink leads out of the directory.
        const QString dir = QFileInfo(options.localInfileDirectory).canonicalFilePath();
        const QString canonical = QFileInfo(path).canonicalFilePath();
        if (dir.isEmpty() || !canonical.startsWith(dir + QLatin1Char('/')))
            cmd->localError = ErrorInfo::operational(2068, QStringLiteral("LOAD DATA LOCAL INFILE of '%1' rejected: "
                                                                          "only files in '%2' may be sent")
                                                                   .arg(path, options.localInfileDirectory));
    }
    if (!cmd->localError && !file->open(QIODevice::ReadOnly))
        cmd->localError = ErrorInfo::operational(1017, QStringLiteral("Can't read file '%1' for LOAD DATA LOCAL INFILE: %2")
                                                               .arg(path, file->errorString()));
    if (cmd->localError) {
        // The server waits for the file: the empty packet ends it with nothing loaded.
        session.sendFileChunk({});
        flushOutput();
        return;
    }
    qCDebug(lcConnection) << "sending LOCAL INFILE" << path << file->size() << "bytes";
    infile = LocalInfile{cmd, std::move(file)};
    // The pump goes on as the socket takes what was queued: the transport reports that only
    // while the file is being sent.
    transport->setWantsWriteProgress(true);
    pumpLocalInfile();
}

void ConnectionPrivate::pumpLocalInfile()
{
    // Chunks well below a packet's 16 MiB, and never much more than a chunk queued in the
    // socket, so that a large file streams through a small buffer.
    constexpr qint64 ChunkSize = 256 * 1024;
    while (infile && transport && transport->bytesToWrite() < 2 * ChunkSize) {
        const QByteArray chunk = infile->file->read(ChunkSize);
        if (chunk.isEmpty()) {
            if (infile->file->error() != QFileDevice::NoError)
                infile->command->localError = ErrorInfo::operational(
                        1017, QStringLiteral("Reading '%1' for LOAD DATA LOCAL INFILE failed: %2 (what was read "
                                             "before is loaded)").arg(infile->file->fileName(), infile->file->errorString()));
            infile.reset();
            transport->setWantsWriteProgress(false);
        }
        session.sendFileChunk(chunk);
        flushOutput();
    }
}

} // namespace AsyncMySql
