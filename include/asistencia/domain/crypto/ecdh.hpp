// ECDH on P-256 with raw uncompressed public keys (65 bytes, 0x04 ‖ X ‖ Y), as WebCrypto's
// exportKey("raw") gives them. Points not on the curve are refused.
#pragma once

#include "asistencia/domain/crypto/primitives.hpp"

#include <optional>

namespace asistencia::domain::crypto {

inline constexpr std::size_t p256_public_key_size = 65;
inline constexpr std::size_t p256_private_key_size = 32;

struct ecdh_keypair {
    bytes private_scalar; // 32 bytes, big-endian
    bytes public_raw;     // 65 bytes
};

ecdh_keypair ecdh_generate();
// The key pair of a given private scalar (fixed keys for test vectors); nullopt when the
// scalar is 0 or not below the group order.
std::optional<ecdh_keypair> ecdh_from_private(byte_view private_scalar);

// True when `public_raw` is an uncompressed P-256 point on the curve (not infinity).
bool ecdh_public_key_valid(byte_view public_raw);

// The shared secret (the X coordinate, 32 bytes) or nullopt for an invalid peer key.
std::optional<bytes> ecdh_shared_secret(byte_view private_scalar, byte_view peer_public_raw);

} // namespace asistencia::domain::crypto
