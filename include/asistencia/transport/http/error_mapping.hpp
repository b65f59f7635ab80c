// The one place where failures become HTTP answers (PROTOCOL.md section 9):
// {"error":{"code":"snake_case","message":"human text"}}, status, optional Retry-After.
// Pure (no Asio/Beast) so the mapping is unit-tested on its own.
#pragma once

#include "asistencia/application/errors.hpp"

#include <exception>
#include <optional>
#include <string>
#include <string_view>

namespace asistencia::transport::http {

struct error_reply {
    int status = 500;
    std::string code;
    std::string body; // the JSON document
    std::optional<int> retry_after_seconds;
    // For the log only (never sent): what() of an unexpected exception.
    std::string internal_detail;
};

// {"error":{"code":code,"message":message}} with proper JSON escaping.
std::string error_body(std::string_view code, std::string_view message);

// The HTTP side of an errc: its status and whether a Retry-After header goes with it.
struct http_error {
    int status;
    bool retry_after;
};
http_error http_error_of(application::errc e) noexcept;

// application::error (and its subclasses) -> the errc's status, the error's code and
// message, and Retry-After when the errc carries one.
error_reply map_error(const application::error& e);

// Rethrows `e` and maps it: application::error as above; anything else -> 500 "internal_error" with
// a generic message, the detail kept in internal_detail for the log.
error_reply map_exception(std::exception_ptr e) noexcept;

// Errors the transport itself produces (no exception thrown on these hot paths).
enum class transport_error {
    malformed_request,  // 400 bad_request
    not_found,          // 404 not_found
    method_not_allowed, // 405 method_not_allowed
    payload_too_large,  // 413 payload_too_large
    headers_too_large,  // 431 headers_too_large
    upgrade_required,   // 426 upgrade_required (a WebSocket route asked with plain HTTP)
    not_ready,          // 503 not_ready (readiness; the caller adds the checks map)
};
error_reply map_error(transport_error e);

} // namespace asistencia::transport::http
