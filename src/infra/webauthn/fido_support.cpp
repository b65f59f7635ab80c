// Key conversions: libfido2 pk types <-> OpenSSL EVP_PKEY <-> PEM SubjectPublicKeyInfo.
#include "fido_support.hpp"

#include <mutex>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "asistencia/infra/webauthn/types.hpp"

namespace asistencia::infra::webauthn::detail {

namespace {

struct bio_deleter {
    void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct pkey_deleter {
    void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
using bio_ptr = std::unique_ptr<BIO, bio_deleter>;
struct decoder_deleter {
    void operator()(OSSL_DECODER_CTX* c) const noexcept { OSSL_DECODER_CTX_free(c); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_deleter>;

std::optional<std::string> to_pem(EVP_PKEY* key) {
    bio_ptr bio{BIO_new(BIO_s_mem())};
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1) return std::nullopt;
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    if (len <= 0 || data == nullptr) return std::nullopt;
    return std::string(data, static_cast<std::size_t>(len));
}

bool is_p256(EVP_PKEY* key) {
    char group[64] = {};
    std::size_t len = 0;
    return EVP_PKEY_get_base_id(key) == EVP_PKEY_EC &&
           EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) == 1 &&
           std::string_view(group, len) == "prime256v1";
}

} // namespace

void ensure_fido_initialized() {
    static std::once_flag once;
    std::call_once(once, [] { fido_init(0); });
}

std::optional<std::string> credential_public_key_pem(const fido_cred_t* cred, int alg) {
    const unsigned char* ptr = fido_cred_pubkey_ptr(cred);
    const std::size_t len = fido_cred_pubkey_len(cred);
    if (ptr == nullptr || len == 0) return std::nullopt;
    pkey_ptr key;
    if (alg == cose_alg::es256) {
        es256_pk_t* pk = es256_pk_new();
        if (pk != nullptr && es256_pk_from_ptr(pk, ptr, len) == FIDO_OK) {
            key.reset(es256_pk_to_EVP_PKEY(pk));
        }
        es256_pk_free(&pk);
    } else if (alg == cose_alg::rs256) {
        rs256_pk_t* pk = rs256_pk_new();
        if (pk != nullptr && rs256_pk_from_ptr(pk, ptr, len) == FIDO_OK) {
            key.reset(rs256_pk_to_EVP_PKEY(pk));
        }
        rs256_pk_free(&pk);
    } else if (alg == cose_alg::eddsa) {
        eddsa_pk_t* pk = eddsa_pk_new();
        if (pk != nullptr && eddsa_pk_from_ptr(pk, ptr, len) == FIDO_OK) {
            key.reset(eddsa_pk_to_EVP_PKEY(pk));
        }
        eddsa_pk_free(&pk);
    }
    if (!key) return std::nullopt;
    if (alg == cose_alg::es256 && !is_p256(key.get())) return std::nullopt;
    return to_pem(key.get());
}

fido_public_key::fido_public_key(fido_public_key&& other) noexcept : alg_(other.alg_), key_(other.key_) {
    other.alg_ = 0;
    other.key_ = nullptr;
}

fido_public_key& fido_public_key::operator=(fido_public_key&& other) noexcept {
    if (this != &other) {
        reset();
        alg_ = other.alg_;
        key_ = other.key_;
        other.alg_ = 0;
        other.key_ = nullptr;
    }
    return *this;
}

fido_public_key::~fido_public_key() { reset(); }

void fido_public_key::reset() noexcept {
    if (key_ == nullptr) return;
    if (alg_ == cose_alg::es256) {
        auto* pk = static_cast<es256_pk_t*>(key_);
        es256_pk_free(&pk);
    } else if (alg_ == cose_alg::rs256) {
        auto* pk = static_cast<rs256_pk_t*>(key_);
        rs256_pk_free(&pk);
    } else if (alg_ == cose_alg::eddsa) {
        auto* pk = static_cast<eddsa_pk_t*>(key_);
        eddsa_pk_free(&pk);
    }
    key_ = nullptr;
    alg_ = 0;
}

std::optional<fido_public_key> fido_public_key::from_pem(std::string_view pem, int alg) {
    if (pem.empty() || pem.size() > limits::stored_public_key_pem) return std::nullopt;
    const char* key_type = alg == cose_alg::es256   ? "EC"
                           : alg == cose_alg::rs256 ? "RSA"
                           : alg == cose_alg::eddsa ? "ED25519"
                                                    : nullptr;
    if (key_type == nullptr) return std::nullopt;
    // A decoder narrowed to PEM SubjectPublicKeyInfo of one key type: OpenSSL 3's
    // generic PEM_read_bio_PUBKEY tries every decoder and costs ~4x as much (measured
    // 530 us vs 130 us per key), and this runs on every join.
    EVP_PKEY* raw = nullptr;
    std::unique_ptr<OSSL_DECODER_CTX, decoder_deleter> decoder{OSSL_DECODER_CTX_new_for_pkey(
        &raw, "PEM", "SubjectPublicKeyInfo", key_type, EVP_PKEY_PUBLIC_KEY, nullptr, nullptr)};
    if (!decoder) return std::nullopt;
    const auto* data = reinterpret_cast<const unsigned char*>(pem.data());
    std::size_t remaining = pem.size();
    const int decoded = OSSL_DECODER_from_data(decoder.get(), &data, &remaining);
    pkey_ptr key{raw};
    if (decoded != 1 || !key) return std::nullopt;

    fido_public_key out;
    out.alg_ = alg;
    if (alg == cose_alg::es256 && is_p256(key.get())) {
        es256_pk_t* pk = es256_pk_new();
        out.key_ = pk;
        if (pk == nullptr || es256_pk_from_EVP_PKEY(pk, key.get()) != FIDO_OK) return std::nullopt;
    } else if (alg == cose_alg::rs256 && EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_RSA) {
        rs256_pk_t* pk = rs256_pk_new();
        out.key_ = pk;
        if (pk == nullptr || rs256_pk_from_EVP_PKEY(pk, key.get()) != FIDO_OK) return std::nullopt;
    } else if (alg == cose_alg::eddsa && EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_ED25519) {
        eddsa_pk_t* pk = eddsa_pk_new();
        out.key_ = pk;
        if (pk == nullptr || eddsa_pk_from_EVP_PKEY(pk, key.get()) != FIDO_OK) return std::nullopt;
    } else {
        return std::nullopt;
    }
    return out;
}

} // namespace asistencia::infra::webauthn::detail
