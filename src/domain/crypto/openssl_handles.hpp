// Owning handles for the OpenSSL objects the crypto sources use (private to the component).
#pragma once

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>

#include <memory>

namespace asistencia::domain::crypto::detail {

struct openssl_deleter {
    void operator()(EVP_MAC* p) const noexcept { EVP_MAC_free(p); }
    void operator()(EVP_MAC_CTX* p) const noexcept { EVP_MAC_CTX_free(p); }
    void operator()(EVP_KDF* p) const noexcept { EVP_KDF_free(p); }
    void operator()(EVP_KDF_CTX* p) const noexcept { EVP_KDF_CTX_free(p); }
    void operator()(EVP_CIPHER* p) const noexcept { EVP_CIPHER_free(p); }
    void operator()(EVP_CIPHER_CTX* p) const noexcept { EVP_CIPHER_CTX_free(p); }
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
    void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
    void operator()(OSSL_PARAM_BLD* p) const noexcept { OSSL_PARAM_BLD_free(p); }
    void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
    void operator()(BIGNUM* p) const noexcept { BN_clear_free(p); }
    void operator()(EC_GROUP* p) const noexcept { EC_GROUP_free(p); }
    void operator()(EC_POINT* p) const noexcept { EC_POINT_free(p); }
    void operator()(BN_CTX* p) const noexcept { BN_CTX_free(p); }
};

template <class T>
using owned = std::unique_ptr<T, openssl_deleter>;

} // namespace asistencia::domain::crypto::detail
