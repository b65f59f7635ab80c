// Browser hardening headers on every response the server writes (API, static files,
// errors, the WebSocket handshake). Pure: the server's head serializer calls it.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace asistencia::transport::http {

// The one Content-Security-Policy: only our own scripts, styles, images and connections
// (connect-src 'self' covers same-origin ws:/wss: in current browsers). 'wasm-unsafe-eval'
// lets the phone's QR decoder (zxing-wasm, docs/web.md) compile its WebAssembly; it allows no
// JavaScript eval. Change the policy here, nowhere else.
inline constexpr std::string_view content_security_policy =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

struct security_header_policy {
    // Strict-Transport-Security is only meaningful over HTTPS: the TLS listener sets this
    // when it serves the request (a plain-http answer must never carry it).
    bool hsts_enabled = false;
    std::chrono::seconds hsts_max_age{31'536'000}; // one year
};

using header_list = std::vector<std::pair<std::string_view, std::string>>;

// The headers to add to a response. `has_cache_control`: the handler chose its own
// caching (static files with ETag); every other response gets Cache-Control: no-store.
header_list security_headers(const security_header_policy& policy, bool has_cache_control);

// The same, appended as "Name: value\r\n" lines to a serialized head.
void append_security_headers(std::string& out, const security_header_policy& policy, bool has_cache_control);

} // namespace asistencia::transport::http
