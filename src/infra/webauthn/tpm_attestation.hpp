// Private: TPM attestation statements (L2/L3 section 8.3) checked with OpenSSL, for the
// AIK signature algorithms libfido2 1.12 cannot verify (it only knows RS1): ES256, ES384
// and RS256. W3C L3 vector 16.13 is such a statement (ECC credential, ES256 AIK).
#pragma once

#include <cstdint>
#include <span>

#include <boost/system/result.hpp>

#include <string_view>

namespace asistencia::infra::webauthn::detail {

// True for the attStmt.alg values verify_tpm_statement handles.
bool tpm_alg_verified_here(int alg) noexcept;

// Checks pubArea (parsed, its key equal to the credential key, given as PEM), certInfo (magic, type
// TPM_ST_ATTEST_CERTIFY, extraData = H_alg(authData || clientDataHash), attested name =
// nameAlg || H_nameAlg(pubArea)) and the AIK signature over certInfo with the public key
// of the x5c leaf `aik_certificate_der`. bad_attestation_statement for a structure that
// does not parse or does not match, bad_attestation_signature for a wrong signature.
boost::system::result<void> verify_tpm_statement(int alg, std::span<const std::uint8_t> sig,
                                                 std::span<const std::uint8_t> aik_certificate_der,
                                                 std::span<const std::uint8_t> cert_info,
                                                 std::span<const std::uint8_t> pub_area,
                                                 std::span<const std::uint8_t> auth_data,
                                                 std::span<const std::uint8_t> client_data_json,
                                                 std::string_view credential_key_pem);

} // namespace asistencia::infra::webauthn::detail
