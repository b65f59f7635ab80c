// Session endpoints; see session_routes.hpp.
#include "asistencia/transport/api/session_routes.hpp"

#include "asistencia/application/errors.hpp"
#include "asistencia/transport/api/request_helpers.hpp"


namespace asistencia::transport::api {

namespace {

namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using application::attendance::session;
using nlohmann::json;

json to_json(const session& s) {
    return json{{"sessionId", s.session_id},
                {"status", s.status},
                {"maxRounds", s.max_rounds},
                {"courseId", s.course_id},
                {"courseCode", s.course_code},
                {"courseName", s.course_name},
                {"semesterId", s.semester_id},
                {"semester", s.semester},
                {"room", s.room},
                {"professorId", s.professor_id},
                {"professorName", s.professor_name},
                {"startTime", s.start_time},
                {"endTime", s.end_time ? json(*s.end_time) : json(nullptr)},
                {"closesAt", s.closes_at},
                {"registrations", s.registrations}};
}

std::int64_t int_member(const json& j, const char* key, std::optional<std::int64_t> fallback = std::nullopt) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
        if (fallback) return *fallback;
        throw application::bad_request("invalid_field", std::string(key) + " is required");
    }
    if (!it->is_number_integer()) throw application::bad_request("invalid_field", std::string(key) + " must be an integer");
    return it->get<std::int64_t>();
}

} // namespace

void add_session_routes(http::server& server, const auth::authenticator& auth,
                        application::attendance::session_service& sessions,
                        application::attendance::attendance_service& attendance) {
    server.add_route(bhttp::verb::post, "/api/attendance/sessions",
                     [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto who = auth.professor(authorization(ctx));
                         const auto body = json_body(ctx);
                         application::attendance::create_session_request r;
                         r.course_id = int_member(body, "courseId");
                         r.semester_id = int_member(body, "semesterId");
                         r.room = string_member(body, "room");
                         r.max_rounds = static_cast<int>(int_member(body, "maxRounds", 3));
                         const auto s = co_await sessions.create(who.user_id, std::move(r));
                         co_return http::json_response(bhttp::status::created, to_json(s).dump());
                     });
    server.add_route(bhttp::verb::get, "/api/attendance/sessions/:id",
                     [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto who = auth.professor(authorization(ctx));
                         co_return json_ok(to_json(co_await sessions.get(who.user_id, path_id(ctx))));
                     });
    server.add_route(bhttp::verb::post, "/api/attendance/sessions/:id/close",
                     [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto who = auth.professor(authorization(ctx));
                         co_return json_ok(to_json(co_await attendance.close(who.user_id, path_id(ctx))));
                     });
    server.add_route(bhttp::verb::post, "/api/attendance/sessions/:id/cancel",
                     [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto who = auth.professor(authorization(ctx));
                         co_return json_ok(to_json(co_await attendance.cancel(who.user_id, path_id(ctx))));
                     });
    // The seed leaves this shape open: the session as above (PHP reads status and counts).
    server.add_route(bhttp::verb::get, "/api/attendance/session/:id/status",
                     [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto caller = auth.internal_or_user(authorization(ctx));
                         if (!caller.internal) {
                             throw application::forbidden("forbidden", "only the legacy system reads this");
                         }
                         co_return json_ok(to_json(co_await sessions.get_any(path_id(ctx))));
                     });
}

} // namespace asistencia::transport::api
