// The protocol's key derivations (PROTOCOL.md sections 4 and 5) and the at-rest codec of
// enrollment.devices.handshake_secret ("v1." + base64url(iv ‖ ciphertext ‖ tag)).
#pragma once

#include "asistencia/domain/crypto/primitives.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace asistencia::domain::crypto {

inline constexpr std::string_view info_handshake = "asistencia/handshake/v1";
inline constexpr std::string_view info_totpu = "asistencia/totpu/v1";
inline constexpr std::string_view info_qr = "asistencia/qr/v1";
inline constexpr std::string_view info_at_rest = "asistencia/at-rest/v1";
inline constexpr std::string_view info_totps_prefix = "asistencia/totps/v1/";
inline constexpr std::string_view info_participation = "asistencia/participation/v1";

// HKDF(ikm = ECDH shared secret, salt = challenge, info = "asistencia/handshake/v1" ‖
// rawCredentialId, 32).
bytes derive_handshake_secret(byte_view shared_secret, byte_view challenge, byte_view raw_credential_id);

struct device_keys {
    bytes k_totpu; // HMAC-SHA256 key of the phone's TOTPu
    bytes k_qr;    // AES-256-GCM key of the student's QR payloads
};
device_keys derive_device_keys(byte_view handshake_secret);

// HKDF(master, salt empty, "asistencia/totps/v1/" + decimal session id, 32).
bytes derive_session_totps_secret(byte_view master_key, std::int64_t session_id);
// The HS256 key of participation tokens.
bytes derive_participation_key(byte_view master_key);

// The master keys that at-rest secrets may be sealed with (docs/operations.md, "The master
// key"): `current` (SERVER_MASTER_KEY, version `current_version`) seals, and a secret
// sealed as "vN." opens with key N, current or previous. HKDF info "asistencia/at-rest/vN".
struct at_rest_key_ring {
    int current_version = 1;
    bytes current;
    std::map<int, bytes> previous; // version -> key, every version below current_version

    // The key of `version`, or nullptr if this ring does not know it.
    const bytes* key(int version) const;
};

inline constexpr int max_at_rest_version = 9999;

// Seals with the ring's current key: "v<current_version>." + base64url(iv ‖ ct ‖ tag).
std::string seal_at_rest(const at_rest_key_ring& ring, byte_view secret, std::string_view credential_id,
                         std::optional<bytes> iv = std::nullopt);
// Opens with the key the prefix names; nullopt for an unknown version, a bad encoding,
// the wrong key or another credential id.
std::optional<bytes> open_at_rest(const at_rest_key_ring& ring, std::string_view sealed,
                                  std::string_view credential_id);
// N of a "vN." prefix (1..max_at_rest_version), nullopt if there is none.
std::optional<int> at_rest_version(std::string_view sealed);

// Version 1 with one key (the format before key rings; kept for the cross-implementation
// vectors). Seals a secret for the database under HKDF(master, "asistencia/at-rest/v1") with AAD =
// the device's credential id. `iv` is random unless given (test vectors).
std::string seal_at_rest(byte_view master_key, byte_view secret, std::string_view credential_id,
                         std::optional<bytes> iv = std::nullopt);
// Opens only "v1."; nullopt for another version, a bad encoding, another key or another credential id.
std::optional<bytes> open_at_rest(byte_view master_key, std::string_view sealed, std::string_view credential_id);

// Version 1 with its AES key derived once, for a caller that seals or opens a blob on every
// request under one key (the round store: the state's device keys, on every answer). The same
// blobs as seal_at_rest/open_at_rest(master_key, ...); only the per-call HKDF is gone.
class at_rest_v1_key {
public:
    explicit at_rest_v1_key(byte_view master_key);
    std::string seal(byte_view secret, std::string_view aad, std::optional<bytes> iv = std::nullopt) const;
    std::optional<bytes> open(std::string_view sealed, std::string_view aad) const;

private:
    bytes aes_key_;
};

} // namespace asistencia::domain::crypto
