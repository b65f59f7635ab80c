// Registration verification (L2 7.1): our own checks first, each with its own error,
// then libfido2 for the attestation statement (fido_cred_verify / fido_cred_verify_self).
#include "asistencia/infra/webauthn/registration.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include <openssl/err.h>

#include "attestation_certificate.hpp"
#include "authenticator_data.hpp"
#include "cbor_reader.hpp"
#include "client_data.hpp"
#include "fido_support.hpp"
#include "tpm_attestation.hpp"

namespace asistencia::infra::webauthn {

namespace {

using detail::as_bytes;
using detail::as_int;
using detail::as_text;
using detail::map_find;

constexpr int cose_es384 = -35;
constexpr int cose_rs1 = -65535; // RSASSA-PKCS1-v1_5 with SHA-1: TPM attestations only

// OpenSSL leaves failures in a per-thread queue; a refused input must not leave
// stale entries for the next unrelated caller on this thread.
struct openssl_error_scope {
    openssl_error_scope() = default;
    openssl_error_scope(const openssl_error_scope&) = delete;
    openssl_error_scope& operator=(const openssl_error_scope&) = delete;
    ~openssl_error_scope() { ERR_clear_error(); }
};

// The fields of attStmt this verifier reads (L2 section 8), already type-checked.
struct attestation_statement {
    std::optional<int> alg;
    std::span<const std::uint8_t> sig;
    std::vector<std::span<const std::uint8_t>> x5c;
    std::span<const std::uint8_t> cert_info; // tpm
    std::span<const std::uint8_t> pub_area;  // tpm
};

template <class T>
bool contains(const std::vector<T>& v, const T& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

std::string aaguid_text(std::span<const std::uint8_t> aaguid) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (std::size_t i = 0; i < aaguid.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
        out.push_back(hex[aaguid[i] >> 4]);
        out.push_back(hex[aaguid[i] & 0x0F]);
    }
    return out;
}

// Reads and type-checks the attStmt members the format defines (L2 8.2-8.6). Members
// outside the format's syntax are ignored, as for any extensible CBOR map.
boost::system::result<attestation_statement> read_statement(const cbor_item_t* stmt, attestation_format format) {
    attestation_statement out;
    if (format == attestation_format::none) {
        if (cbor_map_size(stmt) != 0) return errc::bad_attestation_statement;
        return out;
    }
    bool dup = false;
    bool any_dup = false;
    auto member = [&](std::string_view key) {
        const cbor_item_t* item = map_find(stmt, key, dup);
        any_dup = any_dup || dup;
        return item;
    };

    const cbor_item_t* alg = member("alg");
    const cbor_item_t* sig = member("sig");
    const cbor_item_t* x5c = member("x5c");
    if (member("ecdaaKeyId") != nullptr) return errc::bad_attestation_statement; // L2 removed ECDAA
    if (any_dup) return errc::malformed_cbor;

    if (format != attestation_format::fido_u2f) {
        auto value = as_int(alg);
        if (!value || *value < INT32_MIN || *value > INT32_MAX) {
            return errc::bad_attestation_statement;
        }
        out.alg = static_cast<int>(*value);
    }
    auto sig_bytes = as_bytes(sig);
    if (!sig_bytes || sig_bytes->empty()) return errc::bad_attestation_statement;
    out.sig = *sig_bytes;

    if (x5c != nullptr) {
        if (!cbor_isa_array(x5c) || cbor_array_size(x5c) == 0) {
            return errc::bad_attestation_statement;
        }
        cbor_item_t** certs = cbor_array_handle(x5c);
        for (std::size_t i = 0; i < cbor_array_size(x5c); ++i) {
            auto der = as_bytes(certs[i]);
            if (!der || der->empty()) return errc::bad_attestation_statement;
            out.x5c.push_back(*der);
        }
    }

    if (format == attestation_format::fido_u2f && out.x5c.size() != 1) {
        return errc::bad_attestation_statement;
    }
    if (format == attestation_format::tpm) {
        auto ver = as_text(member("ver"));
        auto cert_info = as_bytes(member("certInfo"));
        auto pub_area = as_bytes(member("pubArea"));
        if (any_dup) return errc::malformed_cbor;
        if (!ver || *ver != "2.0" || !cert_info || cert_info->empty() || !pub_area || pub_area->empty() ||
            out.x5c.empty()) {
            return errc::bad_attestation_statement;
        }
        out.cert_info = *cert_info;
        out.pub_area = *pub_area;
    }
    return out;
}

// Which attestation algorithms each format may use; RS1 only for TPM, where Windows
// Hello's AIK signatures use it (the credential key itself is never RS1).
bool attestation_alg_acceptable(attestation_format format, const attestation_statement& stmt, int credential_alg) {
    if (format == attestation_format::packed) {
        if (stmt.x5c.empty()) return stmt.alg == credential_alg; // self attestation
        return stmt.alg == cose_alg::es256 || stmt.alg == cose_es384 || stmt.alg == cose_alg::rs256 ||
               stmt.alg == cose_alg::eddsa;
    }
    if (format == attestation_format::tpm) {
        // RS1 through libfido2; ES256, ES384 and RS256 AIKs through OpenSSL (libfido2 1.12
        // only verifies RS1 TPM signatures).
        return stmt.alg == cose_rs1 || (stmt.alg && detail::tpm_alg_verified_here(*stmt.alg));
    }
    if (format == attestation_format::fido_u2f) return credential_alg == cose_alg::es256;
    return true;
}

bool is_true(const cbor_item_t* item) { return cbor_isa_float_ctrl(item) && cbor_is_bool(item) && cbor_get_bool(item); }

// libfido2 compares the extensions it decoded from authData with those the credential
// was requested with (it was written for the client side). Tell it about the ones the
// authenticator reported so that unsolicited outputs do not fail the verification.
bool mirror_extensions(fido_cred_t* cred, std::span<const std::uint8_t> extensions) {
    if (extensions.empty()) return true;
    auto map = detail::load_cbor_exact(extensions);
    if (!map || !cbor_isa_map(map.get())) return false;
    int mask = 0;
    const cbor_pair* pairs = cbor_map_handle(map.get());
    for (std::size_t i = 0; i < cbor_map_size(map.get()); ++i) {
        auto name = as_text(pairs[i].key);
        if (!name) continue;
        if (*name == "hmac-secret" && is_true(pairs[i].value)) mask |= FIDO_EXT_HMAC_SECRET;
    }
    if (fido_cred_set_extensions(cred, mask) != FIDO_OK) return false;
    for (std::size_t i = 0; i < cbor_map_size(map.get()); ++i) {
        auto name = as_text(pairs[i].key);
        if (!name) continue;
        const cbor_item_t* value = pairs[i].value;
        auto number = as_int(value);
        if (*name == "credProtect" && number && *number > 0 && *number <= 3) {
            if (fido_cred_set_prot(cred, static_cast<int>(*number)) != FIDO_OK) return false;
        } else if (*name == "minPinLength" && number && *number >= 0 && *number <= 255) {
            if (fido_cred_set_pin_minlen(cred, static_cast<std::size_t>(*number)) != FIDO_OK) {
                return false;
            }
        } else if (*name == "credBlob" && is_true(value)) {
            static const unsigned char placeholder = 0;
            if (fido_cred_set_blob(cred, &placeholder, 1) != FIDO_OK) return false;
        }
    }
    return true;
}

errc map_verify_result(int r, attestation_format format) {
    switch (r) {
        case FIDO_ERR_INVALID_SIG:
            return errc::bad_attestation_signature;
        case FIDO_ERR_INVALID_ARGUMENT:
            return errc::bad_attestation_statement;
        // rpIdHash and flags were checked before, so what is left is an extension libfido2
        // could not reconcile.
        case FIDO_ERR_INVALID_PARAM:
            return errc::malformed_authenticator_data;
        case FIDO_ERR_UNSUPPORTED_OPTION:
            return errc::algorithm_not_allowed;
        // For TPM, libfido2 reports certInfo/pubArea that do not match the credential as an
        // internal error while computing the signed digest.
        case FIDO_ERR_INTERNAL:
            return format == attestation_format::tpm ? errc::bad_attestation_statement : errc::internal_error;
        default:
            return errc::internal_error;
    }
}

} // namespace

boost::system::result<registered_credential> verify_registration(const registration_input& input,
                                                                 const registration_policy& policy) {
    openssl_error_scope openssl_errors;
    detail::ensure_fido_initialized();

    if (input.attestation_object.size() > limits::attestation_object) return errc::too_large;

    // L2 7.1 steps 5-10: client data.
    if (auto r = detail::check_client_data(input.client_data_json, "webauthn.create", input.expected_challenge,
                                           policy.allowed_origins);
        !r) {
        return r.error();
    }

    // Step 12: the attestationObject {fmt, attStmt, authData}.
    auto object = detail::load_cbor_exact(input.attestation_object);
    if (!object || !cbor_isa_map(object.get())) return errc::malformed_cbor;
    bool dup_fmt = false, dup_stmt = false, dup_auth = false;
    auto fmt = as_text(map_find(object.get(), "fmt", dup_fmt));
    const cbor_item_t* stmt = map_find(object.get(), "attStmt", dup_stmt);
    auto auth_bytes = as_bytes(map_find(object.get(), "authData", dup_auth));
    if (dup_fmt || dup_stmt || dup_auth || !fmt || stmt == nullptr || !cbor_isa_map(stmt) || !auth_bytes) {
        return errc::malformed_cbor;
    }

    auto auth = detail::parse_authenticator_data(*auth_bytes);
    if (!auth) return auth.error();

    // Steps 13-16: rpIdHash, UP, UV; and BE/BS consistency (L3).
    if (auto r = detail::check_rp_id_and_flags(*auth, policy.rp_id, policy.require_user_verification); !r) {
        return r.error();
    }
    if (!auth->attested) return errc::no_attested_credential;
    const auto& attested = *auth->attested;

    // Step 17: the credential algorithm.
    if (!is_supported_algorithm(attested.algorithm) || !contains(policy.allowed_algorithms, attested.algorithm)) {
        return errc::algorithm_not_allowed;
    }

    // Steps 19-20: the format and its statement.
    auto format = parse_attestation_format(*fmt);
    if (!format || !contains(policy.allowed_formats, *format)) return errc::format_not_allowed;
    auto statement = read_statement(stmt, *format);
    if (!statement) return statement.error();
    if (!attestation_alg_acceptable(*format, *statement, attested.algorithm)) {
        return errc::bad_attestation_statement;
    }

    // libfido2 parses authData again (credential id, COSE key) and checks the key.
    detail::fido_cred_ptr cred{fido_cred_new()};
    if (!cred) return errc::internal_error;
    if (fido_cred_set_type(cred.get(), attested.algorithm) != FIDO_OK ||
        fido_cred_set_rp(cred.get(), policy.rp_id.c_str(), nullptr) != FIDO_OK ||
        fido_cred_set_clientdata(cred.get(), input.client_data_json.data(), input.client_data_json.size()) != FIDO_OK) {
        return errc::internal_error;
    }
    if (fido_cred_set_fmt(cred.get(), std::string(to_string(*format)).c_str()) != FIDO_OK) {
        return errc::format_not_allowed;
    }
    if (fido_cred_set_authdata_raw(cred.get(), auth_bytes->data(), auth_bytes->size()) != FIDO_OK) {
        return errc::invalid_public_key;
    }
    if (!mirror_extensions(cred.get(), auth->extensions)) return errc::malformed_authenticator_data;

    auto pem = detail::credential_public_key_pem(cred.get(), attested.algorithm);
    if (!pem) return errc::invalid_public_key;

    registered_credential out;
    out.format = *format;
    if (*format != attestation_format::none) {
        const auto profile = *format == attestation_format::tpm        ? detail::certificate_profile::tpm
                             : *format == attestation_format::fido_u2f ? detail::certificate_profile::fido_u2f
                                                                       : detail::certificate_profile::packed;
        if (!statement->x5c.empty() &&
            !detail::attestation_certificate_acceptable(statement->x5c.front(), profile, attested.aaguid)) {
            return errc::attestation_certificate_invalid;
        }
        // libfido2 takes attStmt as CBOR: re-encode the map (its bytes are not signed).
        unsigned char* stmt_cbor = nullptr;
        std::size_t stmt_cbor_size = 0;
        const std::size_t written = cbor_serialize_alloc(stmt, &stmt_cbor, &stmt_cbor_size);
        const int set = written == 0 ? FIDO_ERR_INTERNAL : fido_cred_set_attstmt(cred.get(), stmt_cbor, written);
        std::free(stmt_cbor); // NOLINT(cppcoreguidelines-no-malloc): libcbor allocated it with malloc
        if (written == 0) return errc::internal_error;
        if (set != FIDO_OK) return errc::bad_attestation_statement;

        const bool self = statement->x5c.empty();
        if (*format == attestation_format::tpm && statement->alg != cose_rs1) {
            if (auto r = detail::verify_tpm_statement(*statement->alg, statement->sig, statement->x5c.front(),
                                                      statement->cert_info, statement->pub_area, *auth_bytes,
                                                      input.client_data_json, *pem);
                !r) {
                return r.error();
            }
        } else {
            const int r = self ? fido_cred_verify_self(cred.get()) : fido_cred_verify(cred.get());
            if (r != FIDO_OK) return map_verify_result(r, *format);
        }
        out.type = self ? attestation_type::self : attestation_type::basic;
    }

    // WEBAUTHN_ATTESTATION=direct: only a chain to a configured vendor anchor will do.
    if (policy.trusted_roots) {
        if (out.type != attestation_type::basic) return errc::attestation_not_trusted;
        const auto at = policy.attestation_time.value_or(std::chrono::system_clock::now());
        if (!policy.trusted_roots->verifies(statement->x5c, at)) return errc::attestation_not_trusted;
        out.attestation_trusted = true;
    }

    out.credential_id.assign(attested.credential_id.begin(), attested.credential_id.end());
    out.public_key_pem = std::move(*pem);
    out.algorithm = attested.algorithm;
    out.aaguid = aaguid_text(attested.aaguid);
    out.sign_count = auth->sign_count;
    out.flags = auth->flags;
    return out;
}

} // namespace asistencia::infra::webauthn
