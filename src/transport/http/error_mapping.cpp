// Failure -> (status, PROTOCOL.md section 9 JSON): the only place an errc meets an HTTP status.
// Unknown exceptions never leak their text.
#include "asistencia/transport/http/error_mapping.hpp"

#include <nlohmann/json.hpp>

namespace asistencia::transport::http {

std::string error_body(std::string_view code, std::string_view message) {
    nlohmann::json j;
    j["error"]["code"] = code;
    j["error"]["message"] = message;
    // Replace invalid UTF-8 instead of throwing: messages can quote client input.
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

http_error http_error_of(application::errc e) noexcept {
    using application::errc;
    switch (e) {
        case errc::malformed:
            return {400, false};
        case errc::unauthenticated:
            return {401, false};
        case errc::forbidden:
            return {403, false};
        case errc::not_found:
            return {404, false};
        case errc::conflict:
            return {409, false};
        case errc::too_large:
            return {413, false};
        case errc::invalid_value:
            return {422, false};
        case errc::rate_limited:
            return {429, true};
        case errc::dependency_failed:
            return {502, false};
        case errc::dependency_unavailable:
            return {503, true};
        case errc::internal:
            return {500, false};
    }
    return {500, false}; // an errc value outside the enum: a programming error
}

error_reply map_error(const application::error& e) {
    error_reply r;
    const auto h = http_error_of(e.kind());
    r.status = h.status;
    r.code = e.code();
    r.body = error_body(e.code(), e.what());
    if (h.retry_after) r.retry_after_seconds = e.retry_after_seconds();
    return r;
}

error_reply map_exception(std::exception_ptr e) noexcept {
    try {
        try {
            if (e) std::rethrow_exception(e);
            error_reply r;
            r.code = "internal_error";
            r.body = error_body(r.code, "internal error");
            r.internal_detail = "no exception";
            return r;
        } catch (const application::error& ae) {
            return map_error(ae);
        } catch (const std::exception& ex) {
            error_reply r;
            r.code = "internal_error";
            r.body = error_body(r.code, "internal error");
            r.internal_detail = ex.what();
            return r;
        } catch (...) {
            error_reply r;
            r.code = "internal_error";
            r.body = error_body(r.code, "internal error");
            r.internal_detail = "non-standard exception";
            return r;
        }
    } catch (...) {
        // Allocation failure while building the reply: a fixed answer.
        error_reply r;
        return r;
    }
}

error_reply map_error(transport_error e) {
    error_reply r;
    switch (e) {
        case transport_error::malformed_request:
            r.status = 400;
            r.code = "bad_request";
            r.body = error_body(r.code, "malformed HTTP request");
            break;
        case transport_error::not_found:
            r.status = 404;
            r.code = "not_found";
            r.body = error_body(r.code, "no such resource");
            break;
        case transport_error::method_not_allowed:
            r.status = 405;
            r.code = "method_not_allowed";
            r.body = error_body(r.code, "method not allowed for this resource");
            break;
        case transport_error::payload_too_large:
            r.status = 413;
            r.code = "payload_too_large";
            r.body = error_body(r.code, "request body too large");
            break;
        case transport_error::headers_too_large:
            r.status = 431;
            r.code = "headers_too_large";
            r.body = error_body(r.code, "request header fields too large");
            break;
        case transport_error::upgrade_required:
            r.status = 426;
            r.code = "upgrade_required";
            r.body = error_body(r.code, "this resource needs a WebSocket upgrade");
            break;
        case transport_error::not_ready:
            r.status = 503;
            r.code = "not_ready";
            r.body = error_body(r.code, "not ready");
            break;
    }
    return r;
}

} // namespace asistencia::transport::http
