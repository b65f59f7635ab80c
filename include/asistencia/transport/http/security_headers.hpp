// Browser hardening headers on every response the server writes (API, static files,
// errors, the WebSocket handshake). Pure: the server's head serializer calls it.
#pragma once

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

using header_list = std::vector<std::pair<std::string_view, std::string>>;

// The headers to add to a response. `has_cache_control`: the handler chose its own
// caching (static files with ETag); every other response gets Cache-Control: no-store.
// Strict-Transport-Security is not here: it depends on the request (HTTPS or a trusted
// proxy's X-Forwarded-Proto), so apply_hsts in server.hpp decides it.
header_list security_headers(bool has_cache_control);

// The same, appended as "Name: value\r\n" lines to a serialized head.
void append_security_headers(std::string& out, bool has_cache_control);

} // namespace asistencia::transport::http
