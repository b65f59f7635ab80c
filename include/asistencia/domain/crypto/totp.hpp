// TOTP (RFC 6238) over HMAC-SHA1/256/512 with dynamic truncation (RFC 4226 5.3). The
// protocol uses HMAC-SHA256, T0 = 0, 30 s steps, 6 digits (PROTOCOL.md 6.5).
#pragma once

#include "asistencia/domain/crypto/primitives.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace asistencia::domain::crypto {

struct totp_params {
    hash_algorithm hash = hash_algorithm::sha256;
    std::int64_t step_seconds = 30;
    std::int64_t t0 = 0;
    int digits = 6; // 6..9
};

// The time step of a Unix time in seconds.
std::int64_t totp_step(std::int64_t unix_seconds, const totp_params& p = {});
// The code for a time step, as a number and as the zero-padded string.
std::uint32_t totp_value_at_step(byte_view key, std::int64_t step, const totp_params& p = {});
std::string totp_code_at_step(byte_view key, std::int64_t step, const totp_params& p = {});
std::string totp_code(byte_view key, std::int64_t unix_seconds, const totp_params& p = {});

// The step within ±window of `unix_seconds` whose code equals `code` (checked in constant
// time, every candidate compared), or nullopt. Callers keep the matched step to refuse a
// code already used (RFC 6238 section 5.2).
std::optional<std::int64_t> totp_verify(byte_view key, std::string_view code, std::int64_t unix_seconds, int window,
                                        const totp_params& p = {});

} // namespace asistencia::domain::crypto
