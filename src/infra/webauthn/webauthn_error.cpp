// Names and messages of the WebAuthn verifier's error values.
#include "asistencia/infra/webauthn/webauthn_error.hpp"

#include <string>

namespace asistencia::infra::webauthn {

namespace {

struct entry {
    std::string_view name;
    std::string_view message;
};

entry describe(errc e) noexcept {
    switch (e) {
        case errc::too_large:
            return {"too_large", "WebAuthn input is too large"};
        case errc::malformed_client_data:
            return {"malformed_client_data", "clientDataJSON is not a valid client data object"};
        case errc::wrong_type:
            return {"wrong_type", "clientDataJSON has the wrong type"};
        case errc::challenge_mismatch:
            return {"challenge_mismatch", "the challenge does not match the one issued"};
        case errc::origin_not_allowed:
            return {"origin_not_allowed", "the origin is not allowed"};
        case errc::cross_origin_not_allowed:
            return {"cross_origin_not_allowed", "cross-origin ceremonies are not allowed"};
        case errc::token_binding_not_supported:
            return {"token_binding_not_supported", "Token Binding is not supported"};
        case errc::malformed_cbor:
            return {"malformed_cbor", "the CBOR data is malformed"};
        case errc::malformed_authenticator_data:
            return {"malformed_authenticator_data", "authenticatorData is malformed"};
        case errc::rp_id_mismatch:
            return {"rp_id_mismatch", "the credential is scoped to another relying party"};
        case errc::user_not_present:
            return {"user_not_present", "the user presence flag is not set"};
        case errc::user_not_verified:
            return {"user_not_verified", "user verification is required but was not performed"};
        case errc::invalid_backup_flags:
            return {"invalid_backup_flags", "backup state is set on a credential that cannot be backed up"};
        case errc::no_attested_credential:
            return {"no_attested_credential", "authenticatorData carries no attested credential"};
        case errc::bad_credential_id_length:
            return {"bad_credential_id_length", "the credential id length is out of bounds"};
        case errc::algorithm_not_allowed:
            return {"algorithm_not_allowed", "the credential algorithm is not allowed"};
        case errc::invalid_public_key:
            return {"invalid_public_key", "the credential public key is invalid"};
        case errc::format_not_allowed:
            return {"format_not_allowed", "the attestation format is not allowed"};
        case errc::bad_attestation_statement:
            return {"bad_attestation_statement", "the attestation statement is malformed"};
        case errc::bad_attestation_signature:
            return {"bad_attestation_signature", "the attestation signature is invalid"};
        case errc::attestation_certificate_invalid:
            return {"attestation_certificate_invalid", "the attestation certificate is not acceptable"};
        case errc::attestation_not_trusted:
            return {"attestation_not_trusted", "the attestation does not chain to a trusted authenticator vendor"};
        case errc::bad_signature:
            return {"bad_signature", "the assertion signature is invalid"};
        case errc::stored_key_invalid:
            return {"stored_key_invalid", "the stored credential public key is unusable"};
        case errc::internal_error:
            return {"internal_error", "internal WebAuthn verifier error"};
    }
    return {"unknown", "unknown WebAuthn error"};
}

// Boost's error_category has a protected non-virtual destructor by design; this final class
// is only a function-local static.
class category final : public boost::system::error_category { // NOLINT(cppcoreguidelines-virtual-class-destructor)
public:
    const char* name() const noexcept override { return "asistencia.webauthn"; }
    std::string message(int ev) const override { return std::string(describe(static_cast<errc>(ev)).message); }
};

} // namespace

std::string_view to_string(errc e) noexcept { return describe(e).name; }

const boost::system::error_category& webauthn_category() noexcept {
    static const category instance;
    return instance;
}

} // namespace asistencia::infra::webauthn
