// SPDX-License-Identifier: MIT
// Authentication plugins: each is one small state machine of the auth exchange.
#pragma once

#include "constants.h"

#include <QtCore/QByteArray>
#include <QtCore/QString>

#include <memory>

namespace AsyncMySql::Protocol {

//! What a plugin may need to know about the session it authenticates.
struct AuthContext
{
    QByteArray password;     // UTF-8
    bool secureTransport = false; // TLS or a unix socket: secrets may be sent in clear
    QByteArray serverPublicKey;   // PEM, for RSA-based plugins
    bool allowCleartextPassword = false; // mysql_clear_password even without a secure transport
};

class AuthPlugin
{
public:
    struct Step
    {
        enum class Action { Send, Wait, Fail } action = Action::Wait;
        QByteArray data;   // Send: the payload to send
        QString error;     // Fail: why
        quint16 code = ClientError::AuthPluginError; // Fail: the client error number
        static Step send(QByteArray d) { return {Action::Send, std::move(d), {}}; }
        static Step wait() { return {}; }
        static Step fail(QString why, quint16 code = ClientError::AuthPluginError)
        {
            return {Action::Fail, {}, std::move(why), code};
        }
    };

    explicit AuthPlugin(const AuthContext &context) : m_context(context) { }
    virtual ~AuthPlugin() = default;
    virtual QByteArray name() const = 0;
    //! The response to the server's \a scramble (handshake or AuthSwitchRequest).
    virtual Step start(const QByteArray &scramble) = 0;
    //! An AuthMoreData packet's content (after its 0x01 header).
    virtual Step moreData(QByteArrayView data);

protected:
    AuthContext m_context;
};

//! The plugin called \a name, or nullptr if it is unknown.
std::unique_ptr<AuthPlugin> createAuthPlugin(QByteArrayView name, const AuthContext &context);

//! mysql_native_password: SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw))).
QByteArray nativePasswordScramble(QByteArrayView password, QByteArrayView scramble);

//! caching_sha2_password: SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) + scramble).
QByteArray cachingSha2Scramble(QByteArrayView password, QByteArrayView scramble);

} // namespace AsyncMySql::Protocol
