// WebAuthn assertion verification (Level 2 section 7.2) for the class join
// (PROTOCOL.md section 6.2). Works on bytes and the stored credential the caller loaded.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <boost/system/result.hpp>

#include "asistencia/infra/webauthn/types.hpp"
#include "asistencia/infra/webauthn/webauthn_error.hpp"

namespace asistencia::infra::webauthn {

struct assertion_policy {
    std::string rp_id;
    std::vector<std::string> allowed_origins;
    bool require_user_verification = true;
};

// What enrollment stored for the device (enrollment.devices).
struct stored_credential {
    std::string public_key_pem; // as registered_credential::public_key_pem
    int algorithm = 0;          // as registered_credential::algorithm
    std::uint32_t sign_count = 0;
    bool backup_eligible = false;
    bool backup_state = false;
};

struct assertion_input {
    std::span<const std::uint8_t> client_data_json;   // response.clientDataJSON, decoded
    std::span<const std::uint8_t> authenticator_data; // response.authenticatorData, decoded
    std::span<const std::uint8_t> signature;          // response.signature, decoded
    std::span<const std::uint8_t> expected_challenge;
};

// Signals that the authenticator may have been copied (PROTOCOL.md 6.2): they do not
// fail the assertion; the caller flags the device and lowers the result's confidence.
struct clone_signals {
    bool counter_not_increased = false; // a non-zero counter did not grow (L2 7.2 step 21)
    bool backup_eligibility_changed = false;
    bool backup_state_changed = false;

    bool any() const noexcept { return counter_not_increased || backup_eligibility_changed || backup_state_changed; }
};

struct verified_assertion {
    std::uint32_t sign_count = 0; // the new counter to store
    authenticator_flags flags;    // the new UP/UV/BE/BS to store
    bool possibly_cloned = false; // clones.any()
    clone_signals clones;
    std::string reason; // human text for enrollment_history, empty when !possibly_cloned
};

// Verifies client data (type webauthn.get, challenge, origin, crossOrigin, tokenBinding),
// rpIdHash, UP, UV when required, and the signature with the stored key through
// libfido2; then applies the counter and BE/BS rule, which only sets possibly_cloned.
boost::system::result<verified_assertion> verify_assertion(const assertion_input& input, const assertion_policy& policy,
                                                           const stored_credential& stored);

} // namespace asistencia::infra::webauthn
