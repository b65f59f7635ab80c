// Legacy data for the pages; see legacy_routes.hpp.
#include "asistencia/transport/api/legacy_routes.hpp"

#include "asistencia/application/errors.hpp"
#include "asistencia/transport/api/request_helpers.hpp"

#include <nlohmann/json.hpp>

#include <charconv>

namespace asistencia::transport::api {

namespace {

namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using nlohmann::json;

// A positive id from the query, nullopt when absent; 400 when malformed.
std::optional<std::int64_t> id_query(const http::request_context& ctx, std::string_view name) {
    const auto v = ctx.query(name);
    if (!v) return std::nullopt;
    std::int64_t out = 0;
    const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
    if (ec != std::errc{} || p != v->data() + v->size() || out <= 0 || out > 2147483647) {
        throw application::malformed("invalid_parameter", std::string(name) + " must be a positive integer");
    }
    return out;
}

} // namespace

void add_legacy_routes(http::server& server, const auth::authenticator& auth, infra::php_bridge::legacy_cache& cache,
                       infra::php_bridge::legacy_bridge& bridge) {
    server.add_route(
        bhttp::verb::get, "/api/me",
        [&auth, &cache](http::request_context& ctx) -> net::awaitable<http::http_response> {
            const auto who = auth.user(authorization(ctx));
            const auto u = co_await cache.user(who.user_id);
            const json body{{"userId", u.user_id}, {"nombre", u.nombre}, {"email", u.email}, {"rol", u.rol}};
            co_return http::json_response(bhttp::status::ok, body.dump());
        });
    server.add_route(bhttp::verb::get, "/api/professor/courses",
                     [&auth, &bridge](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto who = auth.professor(authorization(ctx));
                         const auto semester = id_query(ctx, "semesterId").value_or(0);
                         const auto courses = infra::php_bridge::parse_courses(
                             co_await bridge.professor_courses_json(who.user_id, semester));
                         json out = json::array();
                         for (const auto& c : courses.value_or(std::vector<infra::php_bridge::legacy_course>{})) {
                             out.push_back({{"courseId", c.id_curso},
                                            {"code", c.codigo},
                                            {"name", c.nombre},
                                            {"semesterId", c.id_semestre},
                                            {"semester", c.semestre},
                                            {"canTakeAttendance", c.tomar_asistencia}});
                         }
                         co_return http::json_response(bhttp::status::ok, out.dump());
                     });
}

} // namespace asistencia::transport::api
