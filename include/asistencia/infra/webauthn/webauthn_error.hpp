// Why a WebAuthn registration or assertion was refused: one value per failed check,
// so callers (and tests) can tell the checks apart without parsing messages.
#pragma once

#include <string_view>
#include <type_traits>

#include <boost/system/error_category.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/is_error_code_enum.hpp>

namespace asistencia::infra::webauthn {

// Messages are fixed texts: they never echo client input, keys or challenges.
enum class errc {
    // An input is larger than the verifier accepts (see limits in verifier_limits.hpp).
    too_large = 1,
    // clientDataJSON is not a UTF-8 JSON object with string type/challenge/origin.
    malformed_client_data,
    // clientData.type is not webauthn.create (registration) / webauthn.get (assertion).
    wrong_type,
    // clientData.challenge does not decode to the expected challenge.
    challenge_mismatch,
    // clientData.origin is not one of the allowed origins.
    origin_not_allowed,
    // clientData.crossOrigin is true: the ceremony ran inside a cross-origin iframe.
    cross_origin_not_allowed,
    // clientData.tokenBinding.status is "present"; this server does not use Token Binding.
    token_binding_not_supported,
    // The attestationObject (or a CBOR item inside authenticatorData) is not valid
    // CBOR of the expected shape, or has trailing bytes.
    malformed_cbor,
    // authenticatorData is shorter than its fields say, or has trailing bytes.
    malformed_authenticator_data,
    // authenticatorData.rpIdHash != SHA-256(rpId).
    rp_id_mismatch,
    // The UP flag is not set.
    user_not_present,
    // The UV flag is not set although user verification is required.
    user_not_verified,
    // BS (backup state) is set while BE (backup eligible) is not: impossible for a real
    // authenticator.
    invalid_backup_flags,
    // Registration without the AT flag / attested credential data.
    no_attested_credential,
    // The credential id is empty or longer than 1023 bytes.
    bad_credential_id_length,
    // The credential's COSE algorithm is not in the allowed list (or not supported).
    algorithm_not_allowed,
    // The credential public key is not a valid key of its algorithm.
    invalid_public_key,
    // The attestation statement format is not in the allowed list (or not supported).
    format_not_allowed,
    // The attestation statement lacks fields its format requires, or they disagree.
    bad_attestation_statement,
    // The attestation signature does not verify.
    bad_attestation_signature,
    // The attestation certificate does not meet its format's requirements.
    attestation_certificate_invalid,
    // Trusted attestation is required (WEBAUTHN_ATTESTATION=direct) and the x5c chain does
    // not lead to a configured trust anchor, a certificate is outside its validity dates, or
    // the attestation is self/none.
    attestation_not_trusted,
    // The assertion signature does not verify with the stored public key.
    bad_signature,
    // The stored public key (PEM + COSE alg) given by the caller is unusable.
    stored_key_invalid,
    // libfido2 or OpenSSL failed for a reason unrelated to the input (out of memory).
    internal_error,
};

// The snake_case name of the value ("challenge_mismatch"), for logs and API error codes.
std::string_view to_string(errc e) noexcept;

const boost::system::error_category& webauthn_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), webauthn_category()}; }

} // namespace asistencia::infra::webauthn

template <>
struct boost::system::is_error_code_enum<asistencia::infra::webauthn::errc> : std::true_type {};
