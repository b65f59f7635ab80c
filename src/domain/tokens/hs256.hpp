// Private to the token module: HMAC-SHA256 through OpenSSL and the constant-time check of a
// compact JWS signature. Kept apart from cpp-jwt, whose own compare is not constant-time.
#pragma once

#include <array>
#include <string_view>

namespace asistencia::domain::tokens::detail {

using hs256_mac = std::array<unsigned char, 32>;

// Throws std::runtime_error only if OpenSSL itself fails (out of memory).
hs256_mac hmac_sha256(std::string_view key, std::string_view data);

// True when `signature_b64` (the third part of a compact JWS) is the canonical base64url of
// HMAC-SHA256(key, signing_input). The MAC bytes are compared with CRYPTO_memcmp.
bool hs256_signature_matches(std::string_view key, std::string_view signing_input, std::string_view signature_b64);

} // namespace asistencia::domain::tokens::detail
