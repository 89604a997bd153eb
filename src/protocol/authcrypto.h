// SPDX-License-Identifier: MIT
// The cryptography of the authentication plugins, kept apart from their state machines: the
// only place that talks to OpenSSL (RSA) and libsodium (Ed25519).
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QByteArrayView>
#include <QtCore/QString>

#include <optional>

namespace AsyncMySql::Protocol::AuthCrypto {

//! \a data XOR \a key, the key repeated as often as needed (\a key must not be empty).
QByteArray xorRepeated(QByteArrayView data, QByteArrayView key);

/*!
    RSA-OAEP (SHA-1, MGF1-SHA-1: OpenSSL's RSA_PKCS1_OAEP_PADDING, what MySQL's server decrypts
    with) of \a plain under the RSA public key \a pem ("BEGIN PUBLIC KEY" or "BEGIN RSA PUBLIC
    KEY"). std::nullopt with \a error set when the key cannot be read or \a plain does not fit.
*/
std::optional<QByteArray> rsaOaepEncrypt(QByteArrayView pem, QByteArrayView plain, QString *error);

/*!
    MariaDB's client_ed25519 signature of \a message: an Ed25519 signature whose secret is
    derived from SHA-512(\a password) instead of a 32-byte seed (so any password length works).
    64 bytes R || S; empty if libsodium refuses (it cannot for a clamped scalar).
*/
QByteArray ed25519Sign(QByteArrayView password, QByteArrayView message);

} // namespace AsyncMySql::Protocol::AuthCrypto
