// SPDX-License-Identifier: MIT
#include "authcrypto.h"

#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <sodium.h>

#include <cstring>
#include <memory>

namespace AsyncMySql::Protocol::AuthCrypto {

QByteArray xorRepeated(QByteArrayView data, QByteArrayView key)
{
    Q_ASSERT(!key.isEmpty());
    QByteArray out(data.size(), Qt::Uninitialized);
    for (qsizetype i = 0; i < data.size(); ++i)
        out[i] = char(data[i] ^ key[i % key.size()]);
    return out;
}

// --- RSA ----------------------------------------------------------------------------------------

namespace {

struct PKeyFree { void operator()(EVP_PKEY *k) const { EVP_PKEY_free(k); } };
struct PKeyCtxFree { void operator()(EVP_PKEY_CTX *c) const { EVP_PKEY_CTX_free(c); } };
struct DecoderFree { void operator()(OSSL_DECODER_CTX *c) const { OSSL_DECODER_CTX_free(c); } };
using PKey = std::unique_ptr<EVP_PKEY, PKeyFree>;

//! The reason OpenSSL gave last; empties its (thread-local) error queue, which is shared with
//! the TLS backend of Qt and must not carry our failures into its next call.
QString takeOpenSslError()
{
    const unsigned long code = ERR_get_error();
    char text[256] = {};
    if (code)
        ERR_error_string_n(code, text, sizeof text);
    ERR_clear_error();
    return code ? QString::fromLatin1(text) : QStringLiteral("unknown OpenSSL error");
}

PKey readPublicKey(QByteArrayView pem)
{
    EVP_PKEY *key = nullptr;
    // No structure given: both SubjectPublicKeyInfo ("PUBLIC KEY", what MySQL sends) and
    // PKCS#1 ("RSA PUBLIC KEY") are accepted.
    std::unique_ptr<OSSL_DECODER_CTX, DecoderFree> decoder(
            OSSL_DECODER_CTX_new_for_pkey(&key, "PEM", nullptr, "RSA", EVP_PKEY_PUBLIC_KEY, nullptr, nullptr));
    if (!decoder)
        return nullptr;
    const auto *data = reinterpret_cast<const unsigned char *>(pem.data());
    size_t size = size_t(pem.size());
    if (OSSL_DECODER_from_data(decoder.get(), &data, &size) != 1) {
        EVP_PKEY_free(key);
        return nullptr;
    }
    return PKey(key);
}

} // namespace

std::optional<QByteArray> rsaOaepEncrypt(QByteArrayView pem, QByteArrayView plain, QString *error)
{
    const auto failed = [error](const QString &why) -> std::optional<QByteArray> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    const PKey key = readPublicKey(pem);
    if (!key)
        return failed(QStringLiteral("the server's RSA public key cannot be read (%1)").arg(takeOpenSslError()));
    // OAEP with SHA-1 takes at most size - 2 * 20 - 2 bytes.
    const int keyBytes = EVP_PKEY_get_size(key.get());
    if (plain.size() > keyBytes - 42)
        return failed(QStringLiteral("the password is too long for the server's %1-bit RSA key").arg(keyBytes * 8));

    std::unique_ptr<EVP_PKEY_CTX, PKeyCtxFree> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    const auto *in = reinterpret_cast<const unsigned char *>(plain.data());
    size_t outSize = 0;
    if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) <= 0
        || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) <= 0
        || EVP_PKEY_encrypt(ctx.get(), nullptr, &outSize, in, size_t(plain.size())) <= 0)
        return failed(QStringLiteral("RSA encryption failed (%1)").arg(takeOpenSslError()));
    QByteArray out(qsizetype(outSize), Qt::Uninitialized);
    if (EVP_PKEY_encrypt(ctx.get(), reinterpret_cast<unsigned char *>(out.data()), &outSize, in, size_t(plain.size())) <= 0)
        return failed(QStringLiteral("RSA encryption failed (%1)").arg(takeOpenSslError()));
    out.truncate(qsizetype(outSize));
    return out;
}

// --- Ed25519 ------------------------------------------------------------------------------------

namespace {

using Bytes32 = unsigned char[32];

QByteArrayView view(const unsigned char *p, qsizetype n) { return QByteArrayView(reinterpret_cast<const char *>(p), n); }

//! A view's bytes for C APIs: never a null pointer, even for an empty view.
const unsigned char *bytesOf(QByteArrayView v)
{
    static const unsigned char none = 0;
    return v.data() ? reinterpret_cast<const unsigned char *>(v.data()) : &none;
}

//! The SHA-512 of \a parts one after another, reduced modulo the group order L.
template<typename... Parts>
void hashToScalar(unsigned char *scalar, const Parts &...parts)
{
    crypto_hash_sha512_state state;
    crypto_hash_sha512_init(&state);
    (crypto_hash_sha512_update(&state, bytesOf(parts), quint64(parts.size())), ...);
    unsigned char wide[crypto_hash_sha512_BYTES];
    crypto_hash_sha512_final(&state, wide);
    crypto_core_ed25519_scalar_reduce(scalar, wide);
    sodium_memzero(wide, sizeof wide);
}

} // namespace

QByteArray ed25519Sign(QByteArrayView password, QByteArrayView message)
{
    // Not strictly needed by the ref10 primitives used here, but documented as a precondition
    // of every libsodium call; cheap and idempotent.
    if (sodium_init() < 0)
        return {};

    // MariaDB's ref10 crypto_sign(): az = SHA-512(password), clamped; its low half is the
    // secret scalar a, its high half seeds the nonce.
    unsigned char az[crypto_hash_sha512_BYTES];
    crypto_hash_sha512(az, bytesOf(password), quint64(password.size()));
    az[0] &= 248;
    az[31] &= 63;
    az[31] |= 64;

    // The clamped a is just below 2^255, above L. ref10's sc_muladd takes it as it is; we reduce
    // it first so every scalar handed to libsodium is canonical (aB is the same point: B has
    // order L).
    unsigned char wideA[crypto_core_ed25519_NONREDUCEDSCALARBYTES] = {};
    memcpy(wideA, az, 32);
    Bytes32 a, r, k, ka, publicKey;
    crypto_core_ed25519_scalar_reduce(a, wideA);

    unsigned char signature[crypto_sign_BYTES];
    unsigned char *R = signature, *S = signature + 32;
    hashToScalar(r, view(az + 32, 32), message);                   // r = SHA-512(az[32..63] || M) mod L
    const bool ok = crypto_scalarmult_ed25519_base_noclamp(publicKey, a) == 0   // A = aB
            && crypto_scalarmult_ed25519_base_noclamp(R, r) == 0;              // R = rB
    if (ok) {
        hashToScalar(k, view(R, 32), view(publicKey, 32), message);  // k = SHA-512(R || A || M) mod L
        crypto_core_ed25519_scalar_mul(ka, k, a);
        crypto_core_ed25519_scalar_add(S, r, ka);                    // S = r + k·a mod L
    }
    sodium_memzero(az, sizeof az);
    sodium_memzero(wideA, sizeof wideA);
    sodium_memzero(a, sizeof a);
    sodium_memzero(r, sizeof r);
    sodium_memzero(ka, sizeof ka);
    if (!ok)
        return {};
    return QByteArray(reinterpret_cast<const char *>(signature), sizeof signature);
}

} // namespace AsyncMySql::Protocol::AuthCrypto
