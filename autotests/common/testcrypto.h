// SPDX-License-Identifier: MIT
// The server side of the authentication cryptography, for tests: an RSA key pair to decrypt what
// the client encrypted, and Ed25519 public keys derived independently of the library's signer.
#pragma once

#include <QtCore/QByteArray>

#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <sodium.h>

#include <memory>

namespace TestCrypto {

/*! An RSA key pair made by OpenSSL, as a MySQL server has one for sha256_password. */
class RsaKeyPair
{
public:
    explicit RsaKeyPair(unsigned bits = 2048) : m_key(EVP_RSA_gen(bits)) { }
    bool isValid() const { return m_key != nullptr; }

    //! The public key as MySQL sends it (SubjectPublicKeyInfo, "BEGIN PUBLIC KEY"), or as
    //! PKCS#1 ("BEGIN RSA PUBLIC KEY") with \a pkcs1.
    QByteArray publicPem(bool pkcs1 = false) const
    {
        std::unique_ptr<OSSL_ENCODER_CTX, void (*)(OSSL_ENCODER_CTX *)> encoder(
                OSSL_ENCODER_CTX_new_for_pkey(m_key.get(), EVP_PKEY_PUBLIC_KEY, "PEM",
                                              pkcs1 ? "type-specific" : "SubjectPublicKeyInfo", nullptr),
                OSSL_ENCODER_CTX_free);
        unsigned char *data = nullptr;
        size_t size = 0;
        if (!encoder || OSSL_ENCODER_to_data(encoder.get(), &data, &size) != 1)
            return {};
        const QByteArray pem(reinterpret_cast<const char *>(data), qsizetype(size));
        OPENSSL_free(data);
        return pem;
    }

    //! RSA-OAEP (SHA-1) decryption with the private key, as MySQL's server does it; empty on failure.
    QByteArray decrypt(const QByteArray &cipher) const
    {
        std::unique_ptr<EVP_PKEY_CTX, void (*)(EVP_PKEY_CTX *)> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, m_key.get(), nullptr),
                                                                   EVP_PKEY_CTX_free);
        const auto *in = reinterpret_cast<const unsigned char *>(cipher.constData());
        size_t size = 0;
        if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) <= 0
            || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) <= 0
            || EVP_PKEY_decrypt(ctx.get(), nullptr, &size, in, size_t(cipher.size())) <= 0)
            return {};
        QByteArray out(qsizetype(size), Qt::Uninitialized);
        if (EVP_PKEY_decrypt(ctx.get(), reinterpret_cast<unsigned char *>(out.data()), &size, in, size_t(cipher.size())) <= 0)
            return {};
        out.truncate(qsizetype(size));
        return out;
    }

private:
    struct Free { void operator()(EVP_PKEY *k) const { EVP_PKEY_free(k); } };
    std::unique_ptr<EVP_PKEY, Free> m_key;
};

//! \a data XOR \a key repeated: how sha256_password hides the password inside the RSA block.
inline QByteArray xorRepeated(const QByteArray &data, const QByteArray &key)
{
    QByteArray out = data;
    for (qsizetype i = 0; i < out.size(); ++i)
        out[i] = char(out[i] ^ key[i % key.size()]);
    return out;
}

/*!
    The Ed25519 public key MariaDB stores for \a password: the first half of SHA-512(password),
    clamped by libsodium's own crypto_scalarmult_ed25519_base, times the base point.
*/
inline QByteArray ed25519PublicKey(const QByteArray &password)
{
    unsigned char hash[crypto_hash_sha512_BYTES];
    crypto_hash_sha512(hash, reinterpret_cast<const unsigned char *>(password.constData()), quint64(password.size()));
    unsigned char point[crypto_scalarmult_ed25519_BYTES];
    if (crypto_scalarmult_ed25519_base(point, hash) != 0)
        return {};
    return QByteArray(reinterpret_cast<const char *>(point), sizeof point);
}

//! True if \a signature is a valid Ed25519 signature of \a message under \a publicKey.
inline bool ed25519Verify(const QByteArray &signature, const QByteArray &message, const QByteArray &publicKey)
{
    if (signature.size() != crypto_sign_BYTES || publicKey.size() != crypto_sign_PUBLICKEYBYTES)
        return false;
    return crypto_sign_verify_detached(reinterpret_cast<const unsigned char *>(signature.constData()),
                                       reinterpret_cast<const unsigned char *>(message.constData()),
                                       quint64(message.size()),
                                       reinterpret_cast<const unsigned char *>(publicKey.constData())) == 0;
}

} // namespace TestCrypto
