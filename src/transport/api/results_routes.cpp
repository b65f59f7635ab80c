// A session's results for the legacy system; see results_routes.hpp.
#include "asistencia/transport/api/results_routes.hpp"

#include "asistencia/application/errors.hpp"
#include "asistencia/transport/api/request_helpers.hpp"

#include <charconv>

namespace asistencia::transport::api {

namespace {

namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using application::attendance::session_results;
using nlohmann::json;

std::int64_t session_id_param(const http::request_context& ctx) {
    const auto text = ctx.param("sessionId");
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || p != text.data() + text.size() || v <= 0 || v > 2147483647) {
        throw application::malformed("invalid_parameter", "the session id must be a positive integer");
    }
    return v;
}

template <class T>
json or_null(const std::optional<T>& v) {
    return v ? json(*v) : json(nullptr);
}

json to_json(const session_results& s) {
    json results = json::array();
    for (const auto& r : s.results) {
        results.push_back({{"userId", r.user_id},
                           {"registrationId", r.registration_id ? json(*r.registration_id) : json(nullptr)},
                           {"status", r.status},
                           {"computedStatus", or_null(r.computed_status)},
                           {"certainty", or_null(r.certainty)},
                           {"overridden", r.overridden},
                           {"successfulRounds", r.successful_rounds},
                           {"totalRounds", r.total_rounds},
                           {"medianRtMs", or_null(r.median_rt_ms)},
                           {"syncedToLegacy", r.synced_to_legacy}});
    }
    return json{{"sessionId", s.session_id},
                {"status", s.status},
                {"courseId", s.course_id},
                {"courseCode", s.course_code},
                {"fecha", s.fecha},
                // Results are final once the session is closed (computed at close, 6.6).
                {"final", s.status == "closed"},
                {"results", std::move(results)}};
}

} // namespace

void add_legacy_results_route(http::server& server, const auth::authenticator& auth,
                              application::attendance::session_results_reader& results,
                              const application::rate_limits& limits) {
    server.add_route(bhttp::verb::get, "/api/attendance/session/:sessionId/results",
                     [&auth, &results, &limits](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto caller = auth.internal_or_user(authorization(ctx));
                         if (caller.internal) co_await limits.check(limits.internal, auth.settings().php_issuer);
                         if (!caller.internal && caller.user->role != auth::user_role::profesor) {
                             throw application::forbidden(
                                 "forbidden", "only the legacy system or the session's professor reads this");
                         }
                         const auto s = co_await results.find_results(session_id_param(ctx));
                         // Ownership before existence: a professor gets the same 403 for another
                         // professor's session and for one that does not exist (no id probing).
                         if (!caller.internal && (!s || caller.user->user_id != s->professor_id)) {
                             throw application::forbidden(
                                 "forbidden", "only the legacy system or the session's professor reads this");
                         }
                         if (!s) throw application::not_found("session_not_found", "no such session");
                         co_return json_ok(to_json(*s));
                     });
}

} // namespace asistencia::transport::api
