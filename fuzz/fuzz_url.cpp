// SPDX-License-Identifier: MIT
// ConnectOptions::fromUrl on any text: a mysql:// URL with user, password, host, port,
// database and query options (timeouts, booleans, ssl-mode, ...).
#include "fuzzinput.h"

#include <AsyncMySql/ConnectOptions.h>

#include <QtCore/QUrl>

using namespace AsyncMySql;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const bool quiet = [] {
        qInstallMessageHandler([](QtMsgType, const QMessageLogContext &, const QString &) { });
        return true;
    }();
    (void)quiet;
    const QUrl url(QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size)));
    const ConnectOptions o = ConnectOptions::fromUrl(url);
    if (url.port() < 0)
        FUZZ_CHECK(o.port == 3306);
    return 0;
}
