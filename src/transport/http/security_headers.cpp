// Security headers; see security_headers.hpp.
#include "asistencia/transport/http/security_headers.hpp"

namespace asistencia::transport::http {

header_list security_headers(bool has_cache_control) {
    header_list h;
    h.reserve(5);
    h.emplace_back("Content-Security-Policy", std::string(content_security_policy));
    h.emplace_back("Referrer-Policy", "no-referrer");
    h.emplace_back("X-Content-Type-Options", "nosniff");
    h.emplace_back("X-Frame-Options", "DENY"); // frame-ancestors for browsers without CSP 2
    if (!has_cache_control) h.emplace_back("Cache-Control", "no-store");
    return h;
}

void append_security_headers(std::string& out, bool has_cache_control) {
    for (const auto& [name, value] : security_headers(has_cache_control)) {
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
}

} // namespace asistencia::transport::http
