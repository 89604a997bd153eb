// SPDX-License-Identifier: MIT
#include "auth.h"

#include <QtCore/QCryptographicHash>

namespace AsyncMySql::Protocol {

AuthPlugin::Step AuthPlugin::moreData(QByteArrayView)
{
    return Step::fail(QStringLiteral("unexpected AuthMoreData for %1").arg(QString::fromLatin1(name())));
}

QByteArray nativePasswordScramble(QByteArrayView password, QByteArrayView scramble)
{
    if (password.isEmpty())
        return {};
    const QByteArray stage1 = QCryptographicHash::hash(password, QCryptographicHash::Sha1);
    const QByteArray stage2 = QCryptographicHash::hash(stage1, QCryptographicHash::Sha1);
    QCryptographicHash h(QCryptographicHash::Sha1);
    h.addData(scramble.first(qMin<qsizetype>(20, scramble.size())));
    h.addData(stage2);
    QByteArray out = h.result();
    for (int i = 0; i < out.size(); ++i)
        out[i] = char(out[i] ^ stage1[i]);
    return out;
}

namespace {

class NativePassword final : public AuthPlugin
{
public:
    using AuthPlugin::AuthPlugin;
    QByteArray name() const override { return QByteArrayLiteral("mysql_native_password"); }
    Step start(const QByteArray &scramble) override
    {
        return Step::send(nativePasswordScramble(m_context.password, scramble));
    }
};

} // namespace

std::unique_ptr<AuthPlugin> createAuthPlugin(QByteArrayView name, const AuthContext &context)
{
    if (name.isEmpty() || name == "mysql_native_password")
        return std::make_unique<NativePassword>(context);
    return nullptr;
}

} // namespace AsyncMySql::Protocol
