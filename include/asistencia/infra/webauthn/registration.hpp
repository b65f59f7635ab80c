// WebAuthn registration verification (Level 2 section 7.1) for enrollment
// (PROTOCOL.md section 5). Works on bytes: the caller decodes base64url, fetches and
// consumes the challenge, and checks that the credential id is not registered yet.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <boost/system/result.hpp>

#include "asistencia/infra/webauthn/trust_anchors.hpp"
#include "asistencia/infra/webauthn/types.hpp"
#include "asistencia/infra/webauthn/webauthn_error.hpp"

namespace asistencia::infra::webauthn {

// What this deployment accepts. The defaults refuse `none`: a deployment that wants it
// (PROTOCOL.md's default `attestation: "none"`) must list it explicitly.
struct registration_policy {
    std::string rp_id;                        // e.g. "localhost" or "asistencia.example.cl"
    std::vector<std::string> allowed_origins; // exact matches, e.g. "http://localhost:3000"
    bool require_user_verification = true;
    // COSE algorithms accepted for the new credential; only cose_alg values count.
    std::vector<int> allowed_algorithms{cose_alg::es256, cose_alg::rs256, cose_alg::eddsa};
    std::vector<attestation_format> allowed_formats{attestation_format::packed, attestation_format::fido_u2f,
                                                    attestation_format::tpm};
    // WEBAUTHN_ATTESTATION=direct: the x5c chain must lead to one of these anchors, with
    // every certificate inside its validity dates; self (and none) attestation is refused
    // (attestation_not_trusted). nullopt: no chain check, `basic` means well-formed only.
    std::optional<trust_anchors> trusted_roots;
    // When certificate validity is judged; nullopt means now (tests pin a date, as the
    // published vectors' certificates expire).
    std::optional<std::chrono::system_clock::time_point> attestation_time;
};

struct registration_input {
    std::span<const std::uint8_t> client_data_json;   // response.clientDataJSON, decoded
    std::span<const std::uint8_t> attestation_object; // response.attestationObject, decoded
    std::span<const std::uint8_t> expected_challenge; // the bytes the server issued
};

struct registered_credential {
    std::vector<std::uint8_t> credential_id;
    std::string public_key_pem; // SubjectPublicKeyInfo, "-----BEGIN PUBLIC KEY-----"
    int algorithm = 0;          // COSE alg of the credential key (cose_alg::...)
    std::string aaguid;         // "01020304-0506-0708-0102-030405060708"
    attestation_format format = attestation_format::none;
    attestation_type type = attestation_type::none;
    std::uint32_t sign_count = 0;
    authenticator_flags flags;        // UP, UV, BE, BS, AT, ED as the authenticator reported
    bool attestation_trusted = false; // the x5c chain was verified against trusted_roots
};

// Verifies every check of L2 section 7.1 that needs no storage: client data (type,
// challenge, origin, crossOrigin, tokenBinding), rpIdHash, UP, UV when required, BE/BS
// consistency, attested credential data, credential id length, algorithm, and the
// attestation statement of its format. Each failed check returns its own errc; nothing
// throws for bad input (std::bad_alloc still can).
boost::system::result<registered_credential> verify_registration(const registration_input& input,
                                                                 const registration_policy& policy);

} // namespace asistencia::infra::webauthn
