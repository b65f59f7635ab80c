// The app-session cookie's value (PROTOCOL.md section 3, docs/tokens.md): a random session
// id and its HMAC-SHA256 under a key derived from SERVER_MASTER_KEY, "<id>.<mac>", both
// base64url. The MAC lets a replica refuse a forged or foreign cookie before asking Valkey;
// the session's state (user, expiries) lives in Valkey under the id. Pure.
#pragma once

#include "asistencia/domain/crypto/primitives.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace asistencia::domain::crypto {

inline constexpr std::string_view info_app_session = "asistencia/app-session/v1";
inline constexpr std::size_t session_id_bytes = 32;
inline constexpr std::size_t max_session_cookie_bytes = 256; // bounds the input before any work

// HKDF(master, salt empty, "asistencia/app-session/v1", 32).
bytes derive_app_session_key(byte_view master_key);

// A fresh id: base64url of 32 random bytes (43 characters).
std::string new_session_id();
// "<id>.<base64url(HMAC-SHA256(key, id))>".
std::string seal_session_cookie(std::string_view session_id, byte_view key);
// The id when the MAC verifies (constant-time) and the id has the expected form; nullopt
// for anything else (tampered, another key, malformed, too long).
std::optional<std::string> open_session_cookie(std::string_view cookie_value, byte_view key);

// The value of the cookie `name` in a Cookie request header (RFC 6265 section 5.4 form:
// "a=1; b=2"); nullopt when absent. The first occurrence wins.
std::optional<std::string_view> cookie_value(std::string_view cookie_header, std::string_view name);

} // namespace asistencia::domain::crypto
