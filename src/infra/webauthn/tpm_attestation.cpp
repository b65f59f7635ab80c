// TPM attestation with OpenSSL; see tpm_attestation.hpp. Structure references are to
// TPM 2.0 Part 2 (TPMT_PUBLIC 12.2.4, TPMS_ATTEST 10.12.8, TPMS_CERTIFY_INFO 10.12.3).
#include "tpm_attestation.hpp"

#include <algorithm>
#include <climits>
#include <memory>
#include <optional>
#include <vector>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "asistencia/infra/webauthn/types.hpp"
#include "asistencia/infra/webauthn/webauthn_error.hpp"

namespace asistencia::infra::webauthn::detail {

namespace {

using bytes_view = std::span<const std::uint8_t>;

constexpr int cose_es384 = -35;
constexpr std::uint32_t tpm_generated_value = 0xff544347; // TPM_GENERATED_VALUE
constexpr std::uint16_t tpm_st_attest_certify = 0x8017;
constexpr std::uint16_t tpm_alg_rsa = 0x0001;
constexpr std::uint16_t tpm_alg_ecc = 0x0023;
constexpr std::uint16_t tpm_alg_null = 0x0010;
constexpr std::uint16_t tpm_ecc_nist_p256 = 0x0003;

struct x509_deleter {
    void operator()(X509* x) const noexcept { X509_free(x); }
};
struct md_ctx_deleter {
    void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
struct bio_deleter {
    void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct pkey_deleter {
    void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
struct bn_deleter {
    void operator()(BIGNUM* b) const noexcept { BN_free(b); }
};
using bn_ptr = std::unique_ptr<BIGNUM, bn_deleter>;

// Big-endian reads over the TPM structures; any read past the end poisons the reader.
class reader {
public:
    explicit reader(bytes_view data) : data_(data) {}
    std::uint16_t u16() { return static_cast<std::uint16_t>(take_uint(2)); }
    std::uint32_t u32() { return static_cast<std::uint32_t>(take_uint(4)); }
    void skip(std::size_t n) { (void)take(n); }
    bytes_view tpm2b() { return take(u16()); }
    bool ok() const noexcept { return ok_; }
    bool at_end() const noexcept { return ok_ && pos_ == data_.size(); }

private:
    bytes_view take(std::size_t n) {
        if (!ok_ || data_.size() - pos_ < n) {
            ok_ = false;
            return {};
        }
        auto out = data_.subspan(pos_, n);
        pos_ += n;
        return out;
    }
    std::uint64_t take_uint(std::size_t n) {
        std::uint64_t v = 0;
        for (const auto b : take(n)) v = (v << 8) | b;
        return v;
    }
    bytes_view data_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

struct public_area {
    std::uint16_t type = 0;
    std::uint16_t name_alg = 0;
    std::uint16_t curve = 0;    // ECC
    std::uint32_t exponent = 0; // RSA (0 means 65537)
    bytes_view modulus;         // RSA
    bytes_view x, y;            // ECC
};

// TPMT_SYM_DEF_OBJECT and the schemes: an algorithm id, then its details unless NULL.
void skip_algorithm_details(reader& r, std::size_t details) {
    if (r.u16() != tpm_alg_null) r.skip(details);
}

std::optional<public_area> parse_public_area(bytes_view bytes) {
    reader r(bytes);
    public_area p;
    p.type = r.u16();
    p.name_alg = r.u16();
    r.u32();   // objectAttributes
    r.tpm2b(); // authPolicy
    if (p.type == tpm_alg_rsa) {
        skip_algorithm_details(r, 4); // symmetric: keyBits, mode
        skip_algorithm_details(r, 2); // scheme: hashAlg
        r.u16();                      // keyBits
        p.exponent = r.u32();
        p.modulus = r.tpm2b();
    } else if (p.type == tpm_alg_ecc) {
        skip_algorithm_details(r, 4); // symmetric
        skip_algorithm_details(r, 2); // scheme
        p.curve = r.u16();
        skip_algorithm_details(r, 2); // kdf
        p.x = r.tpm2b();
        p.y = r.tpm2b();
    } else {
        return std::nullopt;
    }
    if (!r.at_end()) return std::nullopt;
    return p;
}

const EVP_MD* tpm_hash(std::uint16_t alg) {
    switch (alg) {
        case 0x0004:
            return EVP_sha1();
        case 0x000b:
            return EVP_sha256();
        case 0x000c:
            return EVP_sha384();
        case 0x000d:
            return EVP_sha512();
        default:
            return nullptr;
    }
}

const EVP_MD* cose_hash(int alg) {
    switch (alg) {
        case cose_alg::es256:
        case cose_alg::rs256:
            return EVP_sha256();
        case cose_es384:
            return EVP_sha384();
        default:
            return nullptr;
    }
}

std::optional<std::vector<std::uint8_t>> digest(const EVP_MD* md, bytes_view a, bytes_view b = {}) {
    std::unique_ptr<EVP_MD_CTX, md_ctx_deleter> ctx{EVP_MD_CTX_new()};
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), a.data(), a.size()) != 1 || EVP_DigestUpdate(ctx.get(), b.data(), b.size()) != 1 ||
        EVP_DigestFinal_ex(ctx.get(), out, &len) != 1) {
        return std::nullopt;
    }
    return std::vector<std::uint8_t>(out, out + len);
}

bool equal(bytes_view a, bytes_view b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

bool bn_equals(EVP_PKEY* key, const char* param, bytes_view value) {
    BIGNUM* raw = nullptr;
    if (EVP_PKEY_get_bn_param(key, param, &raw) != 1) return false;
    bn_ptr expected{raw};
    bn_ptr given{BN_bin2bn(value.data(), static_cast<int>(value.size()), nullptr)};
    return given && BN_cmp(expected.get(), given.get()) == 0;
}

// pubArea must describe the credential key itself (L3 8.3.2: "the public key in pubArea
// is identical to credentialPublicKey").
bool same_key(const public_area& p, EVP_PKEY* credential_key) {
    if (p.type == tpm_alg_ecc) {
        if (EVP_PKEY_get_base_id(credential_key) != EVP_PKEY_EC || p.curve != tpm_ecc_nist_p256) return false;
        return bn_equals(credential_key, OSSL_PKEY_PARAM_EC_PUB_X, p.x) &&
               bn_equals(credential_key, OSSL_PKEY_PARAM_EC_PUB_Y, p.y);
    }
    if (EVP_PKEY_get_base_id(credential_key) != EVP_PKEY_RSA) return false;
    const std::uint32_t e = p.exponent == 0 ? 65537 : p.exponent;
    const std::uint8_t e_bytes[4] = {static_cast<std::uint8_t>(e >> 24), static_cast<std::uint8_t>(e >> 16),
                                     static_cast<std::uint8_t>(e >> 8), static_cast<std::uint8_t>(e)};
    return bn_equals(credential_key, OSSL_PKEY_PARAM_RSA_N, p.modulus) &&
           bn_equals(credential_key, OSSL_PKEY_PARAM_RSA_E, e_bytes);
}

} // namespace

bool tpm_alg_verified_here(int alg) noexcept { return cose_hash(alg) != nullptr; }

boost::system::result<void> verify_tpm_statement(int alg, bytes_view sig, bytes_view aik_certificate_der,
                                                 bytes_view cert_info, bytes_view pub_area, bytes_view auth_data,
                                                 bytes_view client_data_json, std::string_view credential_key_pem) {
    const EVP_MD* md = cose_hash(alg);
    if (md == nullptr || credential_key_pem.size() > INT_MAX) return errc::bad_attestation_statement;
    std::unique_ptr<BIO, bio_deleter> bio{
        BIO_new_mem_buf(credential_key_pem.data(), static_cast<int>(credential_key_pem.size()))};
    std::unique_ptr<EVP_PKEY, pkey_deleter> key{bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr)
                                                    : nullptr};
    if (!key) return errc::internal_error;
    EVP_PKEY* credential_key = key.get();

    const auto area = parse_public_area(pub_area);
    if (!area || !same_key(*area, credential_key)) return errc::bad_attestation_statement;
    const EVP_MD* name_md = tpm_hash(area->name_alg);
    if (name_md == nullptr) return errc::bad_attestation_statement;

    reader r(cert_info);
    const auto magic = r.u32();
    const auto type = r.u16();
    r.tpm2b(); // qualifiedSigner
    const auto extra_data = r.tpm2b();
    r.skip(17); // clockInfo: clock, resetCount, restartCount, safe
    r.skip(8);  // firmwareVersion
    const auto name = r.tpm2b();
    r.tpm2b(); // qualifiedName
    if (!r.at_end() || magic != tpm_generated_value || type != tpm_st_attest_certify) {
        return errc::bad_attestation_statement;
    }

    // extraData = H_alg(attToBeSigned), attToBeSigned = authData || SHA-256(clientDataJSON).
    const auto client_hash = digest(EVP_sha256(), client_data_json);
    if (!client_hash) return errc::internal_error;
    std::vector<std::uint8_t> to_be_signed(auth_data.begin(), auth_data.end());
    to_be_signed.insert(to_be_signed.end(), client_hash->begin(), client_hash->end());
    const auto expected_extra = digest(md, to_be_signed);
    const auto area_hash = digest(name_md, pub_area);
    if (!expected_extra || !area_hash) return errc::internal_error;
    if (!equal(extra_data, *expected_extra)) return errc::bad_attestation_statement;
    // name = nameAlg (2 bytes) || H_nameAlg(pubArea).
    std::vector<std::uint8_t> expected_name{static_cast<std::uint8_t>(area->name_alg >> 8),
                                            static_cast<std::uint8_t>(area->name_alg)};
    expected_name.insert(expected_name.end(), area_hash->begin(), area_hash->end());
    if (!equal(name, expected_name)) return errc::bad_attestation_statement;

    if (aik_certificate_der.size() > INT_MAX) return errc::bad_attestation_statement;
    const unsigned char* p = aik_certificate_der.data();
    std::unique_ptr<X509, x509_deleter> aik{d2i_X509(nullptr, &p, static_cast<long>(aik_certificate_der.size()))};
    EVP_PKEY* aik_key = aik ? X509_get0_pubkey(aik.get()) : nullptr;
    if (aik_key == nullptr) return errc::bad_attestation_statement;
    const bool ec = alg == cose_alg::es256 || alg == cose_es384;
    if (EVP_PKEY_get_base_id(aik_key) != (ec ? EVP_PKEY_EC : EVP_PKEY_RSA)) return errc::bad_attestation_statement;

    std::unique_ptr<EVP_MD_CTX, md_ctx_deleter> ctx{EVP_MD_CTX_new()};
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, aik_key) != 1) return errc::internal_error;
    if (EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), cert_info.data(), cert_info.size()) != 1) {
        return errc::bad_attestation_signature;
    }
    return {};
}

} // namespace asistencia::infra::webauthn::detail
