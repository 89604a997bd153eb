// SPDX-License-Identifier: MIT
#include "auth.h"
#include "authcrypto.h"

#include <QtCore/QCryptographicHash>

#include <utility>

namespace AsyncMySql::Protocol {

AuthPlugin::Step AuthPlugin::moreData(QByteArrayView)
{
    return Step::fail(QStringLiteral("unexpected AuthMoreData for %1").arg(QString::fromLatin1(name())));
}

namespace {

//! The hashes use the first 20 bytes: handshakes and AuthSwitchRequests may add a NUL.
QByteArrayView nonceOf(QByteArrayView scramble)
{
    return scramble.first(qMin<qsizetype>(20, scramble.size()));
}

QByteArray withNul(QByteArrayView password)
{
    QByteArray out = password.toByteArray();
    out.append('\0');
    return out;
}

QByteArray sha256(QByteArrayView data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256);
}

} // namespace

QByteArray nativePasswordScramble(QByteArrayView password, QByteArrayView scramble)
{
    if (password.isEmpty())
        return {};
    const QByteArray stage1 = QCryptographicHash::hash(password, QCryptographicHash::Sha1);
    const QByteArray stage2 = QCryptographicHash::hash(stage1, QCryptographicHash::Sha1);
    QCryptographicHash h(QCryptographicHash::Sha1);
    h.addData(nonceOf(scramble));
    h.addData(stage2);
    return AuthCrypto::xorRepeated(h.result(), stage1);
}

QByteArray cachingSha2Scramble(QByteArrayView password, QByteArrayView scramble)
{
    if (password.isEmpty())
        return {};
    const QByteArray stage1 = sha256(password);
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(sha256(stage1));
    h.addData(nonceOf(scramble));
    return AuthCrypto::xorRepeated(h.result(), stage1);
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

/*!
    How sha256_password and the full authentication of caching_sha2_password hand over the
    password: in clear over a secure transport; otherwise (password + NUL) XOR nonce, encrypted
    with the server's RSA key: the one the user configured, else the one the server sends when
    asked with a single \c keyRequest byte.
*/
class RsaPasswordPlugin : public AuthPlugin
{
protected:
    RsaPasswordPlugin(const AuthContext &context, char keyRequest) : AuthPlugin(context), m_keyRequest(keyRequest) { }

    void setNonce(QByteArrayView scramble) { m_nonce = nonceOf(scramble).toByteArray(); }

    Step sendPassword()
    {
        if (m_context.secureTransport)
            return Step::send(withNul(m_context.password));
        if (!m_context.serverPublicKey.isEmpty())
            return encrypted(m_context.serverPublicKey);
        m_awaitingKey = true;
        return Step::send(QByteArray(1, m_keyRequest));
    }

    //! True if \a data was the public key we asked for; \a step is then the answer to it.
    bool takePublicKey(QByteArrayView data, Step *step)
    {
        if (!m_awaitingKey)
            return false;
        m_awaitingKey = false;
        *step = encrypted(data);
        return true;
    }

private:
    Step encrypted(QByteArrayView pem)
    {
        if (m_nonce.isEmpty())
            return Step::fail(QStringLiteral("%1: the server sent no scramble to encrypt the password with")
                                      .arg(QString::fromLatin1(name())));
        QString why;
        const auto cipher = AuthCrypto::rsaOaepEncrypt(pem, AuthCrypto::xorRepeated(withNul(m_context.password), m_nonce), &why);
        if (!cipher)
            return Step::fail(QStringLiteral("%1: %2").arg(QString::fromLatin1(name()), why));
        return Step::send(*cipher);
    }

    QByteArray m_nonce;
    char m_keyRequest;
    bool m_awaitingKey = false;
};

class Sha256Password final : public RsaPasswordPlugin
{
public:
    explicit Sha256Password(const AuthContext &context) : RsaPasswordPlugin(context, '\x01') { }
    QByteArray name() const override { return QByteArrayLiteral("sha256_password"); }
    Step start(const QByteArray &scramble) override
    {
        setNonce(scramble);
        // The server takes an empty response as an empty password.
        if (m_context.password.isEmpty())
            return Step::send({});
        return sendPassword();
    }
    Step moreData(QByteArrayView data) override
    {
        Step step;
        return takePublicKey(data, &step) ? step : AuthPlugin::moreData(data);
    }
};

class CachingSha2Password final : public RsaPasswordPlugin
{
public:
    explicit CachingSha2Password(const AuthContext &context) : RsaPasswordPlugin(context, '\x02') { }
    QByteArray name() const override { return QByteArrayLiteral("caching_sha2_password"); }
    Step start(const QByteArray &scramble) override
    {
        setNonce(scramble);
        m_scrambleSent = true;
        return Step::send(cachingSha2Scramble(m_context.password, scramble));
    }
    Step moreData(QByteArrayView data) override
    {
        Step step;
        if (takePublicKey(data, &step))
            return step;
        // After the scramble the server says whether its cache knew it (an OK follows) or
        // wants the password itself; anything else, or a second verdict, is out of step.
        if (!std::exchange(m_scrambleSent, false) || data.size() != 1)
            return AuthPlugin::moreData(data);
        if (data[0] == FastAuthOk)
            return Step::wait();
        if (data[0] == FullAuthRequired)
            return sendPassword();
        return Step::fail(QStringLiteral("caching_sha2_password: unknown server verdict 0x%1")
                                  .arg(quint8(data[0]), 2, 16, QLatin1Char('0')));
    }

private:
    static constexpr char FastAuthOk = 0x03;
    static constexpr char FullAuthRequired = 0x04;
    bool m_scrambleSent = false;
};

class ClearPassword final : public AuthPlugin
{
public:
    using AuthPlugin::AuthPlugin;
    QByteArray name() const override { return QByteArrayLiteral("mysql_clear_password"); }
    Step start(const QByteArray &) override
    {
        // The server asks for the password itself (PAM, LDAP): only where nobody can read it,
        // unless the user said otherwise. libmysqlclient refuses the same way (error 2059).
        if (!m_context.secureTransport && !m_context.allowCleartextPassword)
            return Step::fail(QStringLiteral("Authentication plugin 'mysql_clear_password' cannot be loaded: "
                                             "it would send the password in clear over an unencrypted connection "
                                             "(use TLS or a unix socket, or set allowCleartextPassword)"),
                              ClientError::AuthPluginCannotLoad);
        return Step::send(withNul(m_context.password));
    }
};

class Ed25519 final : public AuthPlugin
{
public:
    using AuthPlugin::AuthPlugin;
    QByteArray name() const override { return QByteArrayLiteral("client_ed25519"); }
    Step start(const QByteArray &nonce) override
    {
        // MariaDB's ed25519 plugin speaks first, with its own 32-byte nonce in an
        // AuthSwitchRequest. Anything else is the handshake's scramble, meant for another
        // plugin (we started with client_ed25519 because the user asked): answer with nothing
        // and wait for that switch, as Connector/C does.
        if (nonce.size() != NonceSize)
            return Step::send({});
        const QByteArray signature = AuthCrypto::ed25519Sign(m_context.password, nonce);
        if (signature.isEmpty())
            return Step::fail(QStringLiteral("client_ed25519: signing the server's nonce failed"));
        return Step::send(signature);
    }

private:
    static constexpr qsizetype NonceSize = 32;
};

template<typename Plugin>
std::unique_ptr<AuthPlugin> make(const AuthContext &context)
{
    return std::make_unique<Plugin>(context);
}

} // namespace

std::unique_ptr<AuthPlugin> createAuthPlugin(QByteArrayView name, const AuthContext &context)
{
    using Factory = std::unique_ptr<AuthPlugin> (*)(const AuthContext &);
    static const struct { QByteArrayView name; Factory create; } plugins[] = {
        {"mysql_native_password", &make<NativePassword>},
        {"caching_sha2_password", &make<CachingSha2Password>},
        {"sha256_password", &make<Sha256Password>},
        {"mysql_clear_password", &make<ClearPassword>},
        {"client_ed25519", &make<Ed25519>},
    };
    // An empty name is what a server without CLIENT_PLUGIN_AUTH means: native.
    if (name.isEmpty())
        return make<NativePassword>(context);
    for (const auto &p : plugins) {
        if (p.name == name)
            return p.create(context);
    }
    return nullptr;
}

} // namespace AsyncMySql::Protocol
