// Security headers; see security_headers.hpp.
#include "asistencia/transport/http/security_headers.hpp"

namespace asistencia::transport::http {

header_list security_headers(const security_header_policy& policy, bool has_cache_control) {
    header_list h;
    h.reserve(6);
    h.emplace_back("Content-Security-Policy", std::string(content_security_policy));
    h.emplace_back("Referrer-Policy", "no-referrer");
    h.emplace_back("X-Content-Type-Options", "nosniff");
    h.emplace_back("X-Frame-Options", "DENY"); // frame-ancestors for browsers without CSP 2
    if (!has_cache_control) h.emplace_back("Cache-Control", "no-store");
    if (policy.hsts_enabled) {
        h.emplace_back("Strict-Transport-Security", "max-age=" + std::to_string(policy.hsts_max_age.count()));
    }
    return h;
}

void append_security_headers(std::string& out, const security_header_policy& policy, bool has_cache_control) {
    for (const auto& [name, value] : security_headers(policy, has_cache_control)) {
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
}

} // namespace asistencia::transport::http
