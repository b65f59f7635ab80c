// base64url without padding (RFC 4648 section 5), strict: one spelling per byte string,
// so a value cannot be re-encoded into a second accepted form. Plus standard base64 with
// padding for the projection frames' `modules`. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace asistencia::domain::encoding {

std::string base64url_encode(std::span<const std::uint8_t> bytes);
std::string base64url_encode(std::string_view bytes);

// nullopt for padding, characters outside [A-Za-z0-9-_], an impossible length (4k+1) or
// non-zero leftover bits.
std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text);
std::optional<std::string> base64url_decode_string(std::string_view text);

// Standard alphabet with '=' padding.
std::string base64_encode(std::span<const std::uint8_t> bytes);

} // namespace asistencia::domain::encoding
