// Plain values shared by registration and assertion verification: COSE algorithms,
// attestation formats, authenticator data flags and the input size limits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace asistencia::infra::webauthn {

// COSE algorithm identifiers (IANA) the verifier can check through libfido2.
namespace cose_alg {
inline constexpr int es256 = -7;   // ECDSA P-256 with SHA-256
inline constexpr int eddsa = -8;   // Ed25519
inline constexpr int rs256 = -257; // RSASSA-PKCS1-v1_5 with SHA-256, 2048-bit keys
} // namespace cose_alg

// True for the algorithms above (the only ones a policy may allow).
bool is_supported_algorithm(int alg) noexcept;

// Attestation statement formats (WebAuthn L2 section 8).
enum class attestation_format { none, packed, fido_u2f, tpm };

// "none", "packed", "fido-u2f", "tpm": the fmt strings of the attestationObject.
std::string_view to_string(attestation_format f) noexcept;
std::optional<attestation_format> parse_attestation_format(std::string_view fmt) noexcept;

// How much the attestation proves (L2 section 6.5.3). Nothing is chained to a trust
// anchor (no FIDO metadata service): basic means "signed by the key of a well-formed
// attestation certificate", not "made by a known authenticator model".
enum class attestation_type { none, self, basic };
std::string_view to_string(attestation_type t) noexcept;

// The flags byte of authenticatorData (L2 section 6.1, L3 for BE/BS).
struct authenticator_flags {
    std::uint8_t bits = 0;

    static constexpr std::uint8_t up = 0x01; // user present
    static constexpr std::uint8_t uv = 0x04; // user verified
    static constexpr std::uint8_t be = 0x08; // backup eligible
    static constexpr std::uint8_t bs = 0x10; // backup state
    static constexpr std::uint8_t at = 0x40; // attested credential data included
    static constexpr std::uint8_t ed = 0x80; // extension data included

    bool user_present() const noexcept { return (bits & up) != 0; }
    bool user_verified() const noexcept { return (bits & uv) != 0; }
    bool backup_eligible() const noexcept { return (bits & be) != 0; }
    bool backup_state() const noexcept { return (bits & bs) != 0; }
    bool attested_credential_data() const noexcept { return (bits & at) != 0; }
    bool extension_data() const noexcept { return (bits & ed) != 0; }
};

// Input bounds. Real responses are far smaller (Chromium: clientDataJSON ~250 bytes,
// attestationObject with one certificate ~800 bytes, a TPM one with two ~4 KiB).
namespace limits {
inline constexpr std::size_t client_data_json = 4096;
inline constexpr std::size_t attestation_object = std::size_t{32} * 1024;
inline constexpr std::size_t authenticator_data = 4096;
inline constexpr std::size_t signature = 1024;
inline constexpr std::size_t challenge = 1024;
inline constexpr std::size_t stored_public_key_pem = 4096;
inline constexpr std::size_t credential_id = 1023; // L2 section 5.1: at most 1023 bytes
} // namespace limits

} // namespace asistencia::infra::webauthn
