// Per-request id (X-Request-Id) and the one JSON access-log line per request.
// Pure (no Asio) so both are unit-tested.
#pragma once

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace asistencia::transport::http {

// Fixed-size storage so a request id never allocates.
class request_id {
public:
    static constexpr std::size_t max_length = 64;

    // Accepts an incoming id when it is 1..64 chars of [A-Za-z0-9-]; false otherwise.
    bool assign_if_sane(std::string_view incoming) noexcept;
    // A fresh random id: 16 lowercase hex chars (64 bits from a per-thread generator).
    void generate() noexcept;
    std::string_view view() const noexcept { return {data_.data(), size_}; }

private:
    std::array<char, max_length> data_{};
    std::size_t size_ = 0;
};

struct access_entry {
    std::chrono::system_clock::time_point ts;
    std::string_view method;
    std::string_view route; // the pattern, or "static", "unmatched"; never the raw path
    int status = 0;
    double duration_ms = 0;
    std::string_view request_id;
    std::string_view remote; // "ip:port"
};

// {"ts":"2026-11-22T18:00:00.123Z","level":"info","msg":"request","method":"GET",
//  "route":"/healthz","status":200,"duration_ms":0.12,"request_id":"...","remote":"..."}
// Every string is JSON-escaped (non-ASCII bytes become U+FFFD), so the line is valid JSON
// whatever the inputs; spdlog's %v would not escape anything.
// The line is written into `out` (512 bytes inline, on the caller's stack): no heap
// allocation per request unless a field is unusually long.
using access_line_buffer = fmt::basic_memory_buffer<char, 512>;
void format_access_line(const access_entry& e, access_line_buffer& out);
std::string format_access_line(const access_entry& e); // same line as a string (tests)

// Same envelope for an error a handler raised: msg "handler_error", with the detail that the
// client did not get. `detail` must not carry secrets (it is an exception's what()).
std::string format_error_line(std::chrono::system_clock::time_point ts, std::string_view request_id,
                              std::string_view route, std::string_view detail);

// ISO 8601 UTC with milliseconds: "2026-11-22T18:00:00.123Z".
std::string format_timestamp(std::chrono::system_clock::time_point ts);

} // namespace asistencia::transport::http
