// The protocol's symmetric primitives on OpenSSL 3 EVP (no deprecated calls): HMAC,
// HKDF-SHA256 (RFC 5869), AES-256-GCM (12-byte IV, 16-byte tag), random bytes and a
// constant-time compare. Pure functions of their inputs (random_bytes aside).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace asistencia::domain::crypto {

using bytes = std::vector<std::uint8_t>;
using byte_view = std::span<const std::uint8_t>;

inline byte_view as_bytes(std::string_view s) noexcept {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

enum class hash_algorithm { sha1, sha256, sha512 };

bytes hmac(hash_algorithm h, byte_view key, byte_view message);

// HMACs of several messages under one key (a TOTP window): the digest is looked up and the key
// set once, and each mac() restarts the keyed context. One object per thread at a time.
class hmac_keyed {
public:
    hmac_keyed(hash_algorithm h, byte_view key);
    ~hmac_keyed();
    hmac_keyed(hmac_keyed&&) noexcept;
    hmac_keyed& operator=(hmac_keyed&&) noexcept;
    hmac_keyed(const hmac_keyed&) = delete;
    hmac_keyed& operator=(const hmac_keyed&) = delete;

    bytes mac(byte_view message);

private:
    struct context;
    std::unique_ptr<context> ctx_;
};

// HKDF-SHA256 extract-and-expand; `length` <= 255 * 32.
bytes hkdf_sha256(byte_view ikm, byte_view salt, byte_view info, std::size_t length);

inline constexpr std::size_t gcm_iv_size = 12;
inline constexpr std::size_t gcm_tag_size = 16;

// Returns ciphertext ‖ tag. Key 32 bytes, IV 12 bytes (std::invalid_argument otherwise).
bytes aes256gcm_seal(byte_view key, byte_view iv, byte_view plaintext, byte_view aad);
// nullopt when the tag does not verify (any changed byte of key, IV, ciphertext, tag, AAD).
std::optional<bytes> aes256gcm_open(byte_view key, byte_view iv, byte_view ciphertext_and_tag, byte_view aad);

bytes random_bytes(std::size_t n);

// Constant time for equal lengths; different lengths are unequal at once.
bool constant_time_equal(byte_view a, byte_view b) noexcept;

} // namespace asistencia::domain::crypto
