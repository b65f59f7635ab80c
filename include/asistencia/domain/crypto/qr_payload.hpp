// QR payload v1 (PROTOCOL.md 6.3): a 38-byte big-endian plaintext sealed with AES-256-GCM
// under the student's K_qr (AAD "ASIS1"), written as "ASIS1." + base64url(iv ‖ ct ‖ tag),
// 94 characters. Decoding never throws: bad input gives a distinct error value.
#pragma once

#include "asistencia/domain/crypto/primitives.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace asistencia::domain::crypto {

inline constexpr std::string_view qr_prefix = "ASIS1.";
inline constexpr std::string_view qr_aad = "ASIS1";
inline constexpr std::size_t qr_plaintext_size = 38;
inline constexpr std::size_t qr_text_size = 94;
inline constexpr std::uint8_t qr_version = 1;

struct qr_payload {
    std::uint32_t session_id = 0;
    std::uint32_t user_id = 0;
    std::uint8_t round = 0;
    std::array<std::uint8_t, 16> nonce{};
    std::uint64_t issued_at_ms = 0;
    std::uint32_t totps = 0;

    bool operator==(const qr_payload&) const = default;
};

enum class qr_error {
    truncated,        // shorter than 94 characters
    oversized,        // longer than 94 characters
    wrong_prefix,     // not "ASIS1."
    bad_encoding,     // not strict base64url
    not_for_this_key, // the tag does not verify: another student's QR, a decoy, or tampered
    wrong_version,    // opened, but the version byte is not 1
};
std::string_view to_string(qr_error e) noexcept;

std::array<std::uint8_t, qr_plaintext_size> encode_plaintext(const qr_payload& p);
std::optional<qr_payload> decode_plaintext(byte_view plaintext);

// `iv` is random unless given (test vectors).
std::string seal_qr(const qr_payload& p, byte_view k_qr, std::optional<bytes> iv = std::nullopt);
std::variant<qr_payload, qr_error> open_qr(std::string_view text, byte_view k_qr);

// A well-formed QR text under a fresh random key: indistinguishable from a real one.
std::string decoy_qr(std::uint32_t session_id);

} // namespace asistencia::domain::crypto
