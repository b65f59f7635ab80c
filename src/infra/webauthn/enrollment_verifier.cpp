// Adapter from the enrollment port to the WebAuthn registration verifier.
#include "asistencia/infra/webauthn/enrollment_verifier.hpp"

namespace asistencia::infra::webauthn {

std::variant<application::enrollment::verified_registration, application::enrollment::registration_refused>
enrollment_verifier::verify(const application::enrollment::registration_to_verify& input) const {
    const auto r =
        verify_registration({input.client_data_json, input.attestation_object, input.expected_challenge}, policy_);
    if (!r) {
        const auto& ec = r.error();
        const std::string reason =
            ec.category() == webauthn_category() ? std::string(to_string(static_cast<errc>(ec.value()))) : ec.message();
        return application::enrollment::registration_refused{reason};
    }
    application::enrollment::verified_registration v;
    v.credential_id = r->credential_id;
    v.public_key_pem = r->public_key_pem;
    v.algorithm = r->algorithm;
    v.aaguid = r->aaguid;
    v.format = std::string(to_string(r->format));
    v.sign_count = r->sign_count;
    v.backup_eligible = r->flags.backup_eligible();
    v.backup_state = r->flags.backup_state();
    return v;
}

} // namespace asistencia::infra::webauthn
