// Private: the attestation certificate requirements of L2 sections 8.2.1 (packed),
// 8.3.1 (TPM AIK) and 8.6 (fido-u2f), checked with OpenSSL. libfido2 only takes the
// public key out of the certificate; these checks are ours.
#pragma once

#include <cstdint>
#include <span>

namespace asistencia::infra::webauthn::detail {

enum class certificate_profile { packed, tpm, fido_u2f };

// True when `der` is exactly one X.509 certificate meeting the profile's requirements.
// `aaguid` (16 bytes) must equal the id-fido-gen-ce-aaguid extension when present.
bool attestation_certificate_acceptable(std::span<const std::uint8_t> der, certificate_profile profile,
                                        std::span<const std::uint8_t> aaguid);

} // namespace asistencia::infra::webauthn::detail
