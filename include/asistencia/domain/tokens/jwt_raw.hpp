// Low-level compact-JWS pieces of the token module: strict base64url and an HS256 signer
// that signs whatever header and payload JSON it is given. For tests, the fuzzer and the
// benchmark (crafting hostile tokens); production code uses jwt.hpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace asistencia::domain::tokens::raw {

// base64url without padding (RFC 7515 section 2).
std::string base64url_encode(std::string_view bytes);
// Strict decoding: only [A-Za-z0-9_-], no padding, canonical trailing bits; else nullopt.
std::optional<std::string> base64url_decode(std::string_view text);

// base64url(header_json) "." base64url(payload_json) "." base64url(HMAC-SHA256(secret, ...)).
// The JSON is not checked: a test can sign {"alg":"none"} or a payload without exp.
std::string sign_hs256(std::string_view header_json, std::string_view payload_json, std::string_view secret);

} // namespace asistencia::domain::tokens::raw
