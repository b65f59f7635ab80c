// The projector's WebSocket messages (PROTOCOL.md section 10: `{type:"auth", token}`,
// `{type:"ping", t}`, `{type:"shown", seq, at}`, `{type:"pause"}`, `{type:"resume"}`),
// parsed from the frame's text. Pure, so that tests/fuzz/projector_message_fuzz runs
// exactly what the hub runs; every time value is bounded so the hub's arithmetic on it
// (offset = now - t, shown = at + offset) cannot overflow.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace asistencia::transport::projection {

struct auth_message {
    std::string token;
};
struct ping_message {
    std::int64_t t = 0; // the projector's clock, ms
};
struct shown_message {
    std::int64_t seq = 0;
    std::int64_t at = 0; // the projector's clock, ms
};
struct pause_message {};
struct resume_message {};
// Not JSON, not an object, an unknown type, or a known type with a missing/out-of-range field.
struct invalid_message {};

using projector_message =
    std::variant<invalid_message, auth_message, ping_message, shown_message, pause_message, resume_message>;

// |t|, |at| and |seq| at most this (about 285 000 years of milliseconds): sums of two
// such values and a real clock stay far inside int64.
inline constexpr std::int64_t max_message_number = 9'000'000'000'000'000;

// Never throws for any input (std::bad_alloc aside).
projector_message parse_projector_message(std::string_view text);

} // namespace asistencia::transport::projection
