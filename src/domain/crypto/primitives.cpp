// OpenSSL 3 EVP primitives; see primitives.hpp.
#include "asistencia/domain/crypto/primitives.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "openssl_handles.hpp"

#include <memory>
#include <stdexcept>

namespace asistencia::domain::crypto {

namespace {

using detail::owned;

const char* digest_name(hash_algorithm h) {
    switch (h) {
        case hash_algorithm::sha1:
            return "SHA1";
        case hash_algorithm::sha256:
            return "SHA256";
        case hash_algorithm::sha512:
            return "SHA512";
    }
    return "SHA256";
}

// OpenSSL wants non-const pointers in OSSL_PARAM even for inputs it only reads.
void* mutable_ptr(byte_view v) { return const_cast<std::uint8_t*>(v.data()); }

[[noreturn]] void fail(const char* what) { throw std::runtime_error(std::string("OpenSSL: ") + what); }

// Fetched once: an explicit fetch is a provider lookup plus a reference count per call, which
// callgrind put at about a tenth of an answer's instructions (HMACs of TOTP and HKDFs). A
// fetched algorithm is immutable and may be used from any thread (OpenSSL 3 threading notes);
// these statics are destroyed before OpenSSL's own atexit cleanup, which registered first.
EVP_MAC* hmac_algorithm() {
    static const owned<EVP_MAC> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    if (!mac) fail("HMAC unavailable");
    return mac.get();
}

EVP_KDF* hkdf_algorithm() {
    static const owned<EVP_KDF> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
    if (!kdf) fail("HKDF unavailable");
    return kdf.get();
}

// Also per call without this: EVP_aes_256_gcm() is a legacy handle, which every init
// resolves to the provider's implementation again (one state open per answer, one QR seal
// per frame).
const EVP_CIPHER* aes256gcm_algorithm() {
    static const owned<EVP_CIPHER> cipher(EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr));
    if (!cipher) fail("AES-256-GCM unavailable");
    return cipher.get();
}

} // namespace

struct hmac_keyed::context {
    owned<EVP_MAC_CTX> mac;
};

hmac_keyed::hmac_keyed(hash_algorithm h, byte_view key) : ctx_(std::make_unique<context>()) {
    ctx_->mac.reset(EVP_MAC_CTX_new(hmac_algorithm()));
    char* digest = const_cast<char*>(digest_name(h));
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    // An empty key is legal for HMAC; OpenSSL needs a non-null pointer for it.
    static const std::uint8_t empty = 0;
    const auto* k = key.empty() ? &empty : key.data();
    if (!ctx_->mac || EVP_MAC_init(ctx_->mac.get(), k, key.size(), params) != 1) fail("HMAC init");
}

hmac_keyed::~hmac_keyed() = default;
hmac_keyed::hmac_keyed(hmac_keyed&&) noexcept = default;
hmac_keyed& hmac_keyed::operator=(hmac_keyed&&) noexcept = default;

bytes hmac_keyed::mac(byte_view message) {
    // Without a key and parameters, init restarts the context with the key it has (OpenSSL's
    // HMAC keeps the keyed state), so neither the digest fetch nor the key schedule repeats.
    if (EVP_MAC_init(ctx_->mac.get(), nullptr, 0, nullptr) != 1) fail("HMAC init");
    if (EVP_MAC_update(ctx_->mac.get(), message.data(), message.size()) != 1) fail("HMAC update");
    bytes out(EVP_MAX_MD_SIZE);
    std::size_t n = 0;
    if (EVP_MAC_final(ctx_->mac.get(), out.data(), &n, out.size()) != 1) fail("HMAC final");
    out.resize(n);
    return out;
}

bytes hmac(hash_algorithm h, byte_view key, byte_view message) { return hmac_keyed(h, key).mac(message); }

bytes hkdf_sha256(byte_view ikm, byte_view salt, byte_view info, std::size_t length) {
    if (length == 0 || length > std::size_t{255} * 32) throw std::invalid_argument("HKDF length out of range");
    owned<EVP_KDF_CTX> ctx(EVP_KDF_CTX_new(hkdf_algorithm()));
    OSSL_PARAM params[5];
    std::size_t i = 0;
    params[i++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>("SHA256"), 0);
    params[i++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, mutable_ptr(ikm), ikm.size());
    // An empty salt means HashLen zeros (RFC 5869 2.2), which is OpenSSL's default too.
    if (!salt.empty()) {
        params[i++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, mutable_ptr(salt), salt.size());
    }
    params[i++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, mutable_ptr(info), info.size());
    params[i] = OSSL_PARAM_construct_end();
    bytes out(length);
    if (!ctx || EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) fail("HKDF derive");
    return out;
}

bytes aes256gcm_seal(byte_view key, byte_view iv, byte_view plaintext, byte_view aad) {
    if (key.size() != 32 || iv.size() != gcm_iv_size) throw std::invalid_argument("AES-256-GCM key/IV size");
    owned<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
    int n = 0;
    if (!ctx || EVP_EncryptInit_ex2(ctx.get(), aes256gcm_algorithm(), key.data(), iv.data(), nullptr) != 1) {
        fail("GCM init");
    }
    if (!aad.empty() && EVP_EncryptUpdate(ctx.get(), nullptr, &n, aad.data(), static_cast<int>(aad.size())) != 1) {
        fail("GCM aad");
    }
    bytes out(plaintext.size() + gcm_tag_size);
    if (!plaintext.empty() &&
        EVP_EncryptUpdate(ctx.get(), out.data(), &n, plaintext.data(), static_cast<int>(plaintext.size())) != 1) {
        fail("GCM encrypt");
    }
    int tail = 0;
    std::uint8_t final_block[16]; // GCM writes nothing here; OpenSSL wants a buffer
    if (EVP_EncryptFinal_ex(ctx.get(), final_block, &tail) != 1) fail("GCM final");
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, gcm_tag_size, out.data() + plaintext.size()) != 1) {
        fail("GCM tag");
    }
    return out;
}

std::optional<bytes> aes256gcm_open(byte_view key, byte_view iv, byte_view ct, byte_view aad) {
    if (key.size() != 32 || iv.size() != gcm_iv_size) throw std::invalid_argument("AES-256-GCM key/IV size");
    if (ct.size() < gcm_tag_size) return std::nullopt;
    const std::size_t body = ct.size() - gcm_tag_size;
    owned<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
    int n = 0;
    if (!ctx || EVP_DecryptInit_ex2(ctx.get(), aes256gcm_algorithm(), key.data(), iv.data(), nullptr) != 1) {
        fail("GCM init");
    }
    if (!aad.empty() && EVP_DecryptUpdate(ctx.get(), nullptr, &n, aad.data(), static_cast<int>(aad.size())) != 1) {
        return std::nullopt;
    }
    bytes out(body);
    if (body > 0 && EVP_DecryptUpdate(ctx.get(), out.data(), &n, ct.data(), static_cast<int>(body)) != 1) {
        return std::nullopt;
    }
    std::uint8_t tag[gcm_tag_size];
    std::copy(ct.begin() + static_cast<std::ptrdiff_t>(body), ct.end(), tag);
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, gcm_tag_size, tag) != 1) return std::nullopt;
    int tail = 0;
    std::uint8_t final_block[16];
    if (EVP_DecryptFinal_ex(ctx.get(), final_block, &tail) != 1) {
        OPENSSL_cleanse(out.data(), out.size());
        return std::nullopt;
    }
    return out;
}

bytes random_bytes(std::size_t n) {
    bytes out(n);
    if (n > 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1) fail("RAND_bytes");
    return out;
}

bool constant_time_equal(byte_view a, byte_view b) noexcept {
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace asistencia::domain::crypto
