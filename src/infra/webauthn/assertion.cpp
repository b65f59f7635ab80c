// Assertion verification (L2 7.2): client data, authData flags, the signature through
// fido_assert_verify with the stored key, then the counter and BE/BS rule.
#include "asistencia/infra/webauthn/assertion.hpp"

#include <string>

#include <openssl/err.h>

#include "authenticator_data.hpp"
#include "cbor_reader.hpp"
#include "client_data.hpp"
#include "fido_support.hpp"

namespace asistencia::infra::webauthn {

namespace {

struct openssl_error_scope {
    openssl_error_scope() = default;
    openssl_error_scope(const openssl_error_scope&) = delete;
    openssl_error_scope& operator=(const openssl_error_scope&) = delete;
    ~openssl_error_scope() { ERR_clear_error(); }
};

const char* yes_no(bool b) { return b ? "1" : "0"; }

// libfido2 refuses authData extensions it was not asked for; mark the ones it decodes
// as requested (hmac-secret and credBlob outputs are legitimate in an assertion).
int extension_mask(std::span<const std::uint8_t> extensions) {
    if (extensions.empty()) return 0;
    auto map = detail::load_cbor_exact(extensions);
    if (!map || !cbor_isa_map(map.get())) return 0;
    int mask = 0;
    const cbor_pair* pairs = cbor_map_handle(map.get());
    for (std::size_t i = 0; i < cbor_map_size(map.get()); ++i) {
        auto name = detail::as_text(pairs[i].key);
        if (!name) continue;
        if (*name == "hmac-secret") mask |= FIDO_EXT_HMAC_SECRET;
        if (*name == "credBlob") mask |= FIDO_EXT_CRED_BLOB;
    }
    return mask;
}

} // namespace

boost::system::result<verified_assertion> verify_assertion(const assertion_input& input, const assertion_policy& policy,
                                                           const stored_credential& stored) {
    openssl_error_scope openssl_errors;
    detail::ensure_fido_initialized();

    if (input.authenticator_data.size() > limits::authenticator_data || input.signature.size() > limits::signature ||
        stored.public_key_pem.size() > limits::stored_public_key_pem) {
        return errc::too_large;
    }

    // L2 7.2 steps 10-14: client data.
    if (auto r = detail::check_client_data(input.client_data_json, "webauthn.get", input.expected_challenge,
                                           policy.allowed_origins);
        !r) {
        return r.error();
    }

    // Steps 15-17: rpIdHash, UP, UV (and BE/BS consistency).
    auto auth = detail::parse_authenticator_data(input.authenticator_data);
    if (!auth) return auth.error();
    // An assertion carries no attested credential data (L2 6.1: AT is for registration).
    if (auth->attested) return errc::malformed_authenticator_data;
    if (auto r = detail::check_rp_id_and_flags(*auth, policy.rp_id, policy.require_user_verification); !r) {
        return r.error();
    }

    // Steps 19-20: the signature over authData || SHA-256(clientDataJSON).
    if (!is_supported_algorithm(stored.algorithm)) return errc::stored_key_invalid;
    auto key = detail::fido_public_key::from_pem(stored.public_key_pem, stored.algorithm);
    if (!key) return errc::stored_key_invalid;
    if (input.signature.empty()) return errc::bad_signature;

    detail::fido_assert_ptr assertion{fido_assert_new()};
    if (!assertion) return errc::internal_error;
    if (fido_assert_set_count(assertion.get(), 1) != FIDO_OK ||
        fido_assert_set_rp(assertion.get(), policy.rp_id.c_str()) != FIDO_OK ||
        fido_assert_set_clientdata(assertion.get(), input.client_data_json.data(), input.client_data_json.size()) !=
            FIDO_OK ||
        fido_assert_set_extensions(assertion.get(), extension_mask(auth->extensions)) != FIDO_OK) {
        return errc::internal_error;
    }
    if (fido_assert_set_authdata_raw(assertion.get(), 0, input.authenticator_data.data(),
                                     input.authenticator_data.size()) != FIDO_OK) {
        return errc::malformed_authenticator_data;
    }
    if (fido_assert_set_sig(assertion.get(), 0, input.signature.data(), input.signature.size()) != FIDO_OK) {
        return errc::bad_signature;
    }
    const int verified = fido_assert_verify(assertion.get(), 0, stored.algorithm, key->get());
    if (verified == FIDO_ERR_INVALID_SIG) return errc::bad_signature;
    if (verified == FIDO_ERR_INVALID_PARAM) return errc::malformed_authenticator_data;
    if (verified != FIDO_OK) return errc::internal_error;

    // Step 21 and PROTOCOL.md 6.2: a non-zero counter that does not grow, or a BE/BS
    // change, keeps the assertion valid but flags the device.
    verified_assertion out;
    out.sign_count = auth->sign_count;
    out.flags = auth->flags;
    auto& c = out.clones;
    c.counter_not_increased =
        (auth->sign_count != 0 || stored.sign_count != 0) && auth->sign_count <= stored.sign_count;
    c.backup_eligibility_changed = auth->flags.backup_eligible() != stored.backup_eligible;
    c.backup_state_changed = auth->flags.backup_state() != stored.backup_state;
    out.possibly_cloned = c.any();

    auto append = [&out](const std::string& part) {
        if (!out.reason.empty()) out.reason += "; ";
        out.reason += part;
    };
    if (c.counter_not_increased) {
        append("signature counter did not increase (stored " + std::to_string(stored.sign_count) + ", received " +
               std::to_string(auth->sign_count) + ")");
    }
    if (c.backup_eligibility_changed) {
        append(std::string("backup eligibility changed (BE ") + yes_no(stored.backup_eligible) + " -> " +
               yes_no(auth->flags.backup_eligible()) + ")");
    }
    if (c.backup_state_changed) {
        append(std::string("backup state changed (BS ") + yes_no(stored.backup_state) + " -> " +
               yes_no(auth->flags.backup_state()) + ")");
    }
    return out;
}

} // namespace asistencia::infra::webauthn
