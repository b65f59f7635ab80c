// Attestation certificate requirements (version, subject, basic constraints, EKU, AAGUID).
#include "attestation_certificate.hpp"

#include <algorithm>
#include <climits>
#include <memory>
#include <string_view>

#include <openssl/asn1.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace asistencia::infra::webauthn::detail {

namespace {

struct x509_deleter {
    void operator()(X509* x) const noexcept { X509_free(x); }
};
struct octet_deleter {
    void operator()(ASN1_OCTET_STRING* s) const noexcept { ASN1_OCTET_STRING_free(s); }
};
struct obj_deleter {
    void operator()(ASN1_OBJECT* o) const noexcept { ASN1_OBJECT_free(o); }
};
struct eku_deleter {
    void operator()(EXTENDED_KEY_USAGE* e) const noexcept { EXTENDED_KEY_USAGE_free(e); }
};

constexpr const char* oid_fido_aaguid = "1.3.6.1.4.1.45724.1.1.4"; // id-fido-gen-ce-aaguid
constexpr const char* oid_tcg_kp_aik = "2.23.133.8.3";             // tcg-kp-AIKCertificate

bool has_entry(const X509_NAME* name, int nid, std::string_view required = {}) {
    const int index = X509_NAME_get_index_by_NID(name, nid, -1);
    if (index < 0) return false;
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
    if (data == nullptr || ASN1_STRING_length(data) <= 0) return false;
    if (required.empty()) return true;
    std::string_view value(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                           static_cast<std::size_t>(ASN1_STRING_length(data)));
    return value == required;
}

bool is_ca(X509* cert) { return (X509_get_extension_flags(cert) & EXFLAG_CA) != 0; }

// The AAGUID extension, when present, must be non-critical and equal the AAGUID of
// authData (L2 8.2.1). Its value is an OCTET STRING holding a 16-byte OCTET STRING.
bool aaguid_extension_ok(X509* cert, std::span<const std::uint8_t> aaguid) {
    std::unique_ptr<ASN1_OBJECT, obj_deleter> oid{OBJ_txt2obj(oid_fido_aaguid, 1)};
    if (!oid) return false;
    const int index = X509_get_ext_by_OBJ(cert, oid.get(), -1);
    if (index < 0) return true;
    X509_EXTENSION* ext = X509_get_ext(cert, index);
    if (ext == nullptr || X509_EXTENSION_get_critical(ext) != 0) return false;
    const ASN1_OCTET_STRING* outer = X509_EXTENSION_get_data(ext);
    const unsigned char* p = ASN1_STRING_get0_data(outer);
    const long len = ASN1_STRING_length(outer);
    std::unique_ptr<ASN1_OCTET_STRING, octet_deleter> inner{d2i_ASN1_OCTET_STRING(nullptr, &p, len)};
    if (!inner || ASN1_STRING_length(inner.get()) != 16 || aaguid.size() != 16) return false;
    return std::equal(aaguid.begin(), aaguid.end(), ASN1_STRING_get0_data(inner.get()));
}

bool has_aik_usage(X509* cert) {
    std::unique_ptr<EXTENDED_KEY_USAGE, eku_deleter> eku{
        static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(cert, NID_ext_key_usage, nullptr, nullptr))};
    if (!eku) return false;
    std::unique_ptr<ASN1_OBJECT, obj_deleter> aik{OBJ_txt2obj(oid_tcg_kp_aik, 1)};
    if (!aik) return false;
    for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
        if (OBJ_cmp(sk_ASN1_OBJECT_value(eku.get(), i), aik.get()) == 0) return true;
    }
    return false;
}

bool is_p256_key(X509* cert) {
    EVP_PKEY* key = X509_get0_pubkey(cert);
    if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return false;
    char group[64] = {};
    std::size_t len = 0;
    return EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) == 1 &&
           std::string_view(group, len) == "prime256v1";
}

} // namespace

bool attestation_certificate_acceptable(std::span<const std::uint8_t> der, certificate_profile profile,
                                        std::span<const std::uint8_t> aaguid) {
    if (der.empty() || der.size() > INT_MAX) return false;
    const unsigned char* p = der.data();
    std::unique_ptr<X509, x509_deleter> cert{d2i_X509(nullptr, &p, static_cast<long>(der.size()))};
    if (!cert || p != der.data() + der.size()) return false;
    if ((X509_get_extension_flags(cert.get()) & EXFLAG_INVALID) != 0) return false;

    switch (profile) {
        case certificate_profile::packed: {
            const X509_NAME* subject = X509_get_subject_name(cert.get());
            return X509_get_version(cert.get()) == X509_VERSION_3 && has_entry(subject, NID_countryName) &&
                   has_entry(subject, NID_organizationName) &&
                   has_entry(subject, NID_organizationalUnitName, "Authenticator Attestation") &&
                   has_entry(subject, NID_commonName) && !is_ca(cert.get()) && aaguid_extension_ok(cert.get(), aaguid);
        }
        case certificate_profile::tpm:
            return X509_get_version(cert.get()) == X509_VERSION_3 &&
                   X509_NAME_entry_count(X509_get_subject_name(cert.get())) == 0 &&
                   X509_get_ext_by_NID(cert.get(), NID_subject_alt_name, -1) >= 0 && has_aik_usage(cert.get()) &&
                   !is_ca(cert.get()) && aaguid_extension_ok(cert.get(), aaguid);
        case certificate_profile::fido_u2f:
            return is_p256_key(cert.get());
    }
    return false;
}

} // namespace asistencia::infra::webauthn::detail
