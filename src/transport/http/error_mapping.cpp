// Failure -> (status, PROTOCOL.md section 9 JSON). Unknown exceptions never leak their text.
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

error_reply map_error(const application::api_error& e) {
    error_reply r;
    r.status = e.status();
    // A status outside 4xx/5xx would be a programming error; do not send it as an error.
    if (r.status < 400 || r.status > 599) {
        r.status = 500;
        r.code = "internal_error";
        r.body = error_body(r.code, "internal error");
        r.internal_detail = "api_error with non-error status: " + std::string(e.what());
        return r;
    }
    r.code = e.code();
    r.body = error_body(e.code(), e.what());
    r.retry_after_seconds = e.retry_after_seconds();
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
        } catch (const application::api_error& ae) {
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
        case transport_error::not_ready:
            r.status = 503;
            r.code = "not_ready";
            r.body = error_body(r.code, "not ready");
            break;
    }
    return r;
}

} // namespace asistencia::transport::http
