// libFuzzer target for the HTTP router and its path parameters: the server's route table
// (PROTOCOL.md section 10) matched against arbitrary methods and raw request paths.
// Traps when a match is inconsistent: a found route whose pattern does not fit the
// path, parameters that are empty or contain a '/' the path did not encode, or a
// method-not-allowed answer with no Allow list.
#include "asistencia/transport/http/router.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

namespace bhttp = boost::beast::http;
using asistencia::transport::http::router;

router make_router() {
    router r;
    const struct {
        bhttp::verb verb;
        const char* pattern;
    } routes[] = {
        {bhttp::verb::get, "/healthz"},
        {bhttp::verb::get, "/readyz"},
        {bhttp::verb::get, "/api/me"},
        {bhttp::verb::get, "/api/professor/courses"},
        {bhttp::verb::get, "/metrics"},
        {bhttp::verb::post, "/api/enrollment/start"},
        {bhttp::verb::post, "/api/enrollment/finish"},
        {bhttp::verb::get, "/api/enrollment/status/:userId"},
        {bhttp::verb::get, "/api/enrollment/me"},
        {bhttp::verb::post, "/api/enrollment/revoke"},
        {bhttp::verb::post, "/api/attendance/sessions"},
        {bhttp::verb::get, "/api/attendance/sessions/:id"},
        {bhttp::verb::post, "/api/attendance/sessions/:id/close"},
        {bhttp::verb::post, "/api/attendance/sessions/:id/cancel"},
        {bhttp::verb::get, "/api/attendance/sessions/:id/results"},
        {bhttp::verb::post, "/api/attendance/sessions/:id/overrides"},
        {bhttp::verb::put, "/api/attendance/sessions/:id/headcount"},
        {bhttp::verb::get, "/api/attendance/sessions/:id/report.csv"},
        {bhttp::verb::post, "/api/attendance/sessions/:id/join/options"},
        {bhttp::verb::post, "/api/attendance/sessions/:id/join"},
        {bhttp::verb::post, "/api/attendance/sessions/:id/responses"},
        {bhttp::verb::get, "/api/attendance/session/:id/status"},
        {bhttp::verb::get, "/api/attendance/session/:sessionId/results"},
        {bhttp::verb::get, "/ws/projection/:sessionId"},
    };
    for (const auto& x : routes) r.add(x.verb, x.pattern);
    return r;
}

std::size_t segments(std::string_view path) {
    std::size_t n = 0;
    for (const char c : path) n += c == '/';
    return n;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const router r = make_router();
    if (size < 1) return 0;
    static const bhttp::verb verbs[] = {bhttp::verb::get,     bhttp::verb::head,    bhttp::verb::post,
                                        bhttp::verb::put,     bhttp::verb::delete_, bhttp::verb::patch,
                                        bhttp::verb::options, bhttp::verb::unknown};
    const auto verb = verbs[data[0] % (sizeof verbs / sizeof verbs[0])];
    const std::string_view path(reinterpret_cast<const char*>(data) + 1, size - 1);

    asistencia::transport::http::path_params params;
    const auto m = r.match(verb, path, params);
    using asistencia::transport::http::match_status;
    if (m.status == match_status::found) {
        if (m.route_id >= r.size() || r.pattern(m.route_id) != m.pattern) __builtin_trap();
        // One captured value per ":name" segment of the pattern, each non-empty.
        std::size_t expected = 0;
        for (std::size_t i = 0; i + 1 < m.pattern.size(); ++i)
            expected += m.pattern[i] == '/' && m.pattern[i + 1] == ':';
        if (params.size() != expected) __builtin_trap();
        for (const auto& p : params) {
            if (p.value.empty() || p.name.empty()) __builtin_trap();
        }
        if (segments(path) != segments(m.pattern)) __builtin_trap();
    } else {
        if (!params.empty() && m.status == match_status::not_found) __builtin_trap();
        if (m.status == match_status::method_not_allowed && m.allow.empty()) __builtin_trap();
    }
    // Decoding is deterministic and never grows the text.
    std::string a, b;
    const bool ok = asistencia::transport::http::percent_decode(path, a);
    if (ok != asistencia::transport::http::percent_decode(path, b) || a != b) __builtin_trap();
    if (ok && a.size() > path.size()) __builtin_trap();
    return 0;
}
