// Enrollment endpoints; see enrollment_routes.hpp.
#include "asistencia/transport/api/enrollment_routes.hpp"

#include "asistencia/application/errors.hpp"
#include "asistencia/transport/api/request_bodies.hpp"
#include "asistencia/transport/api/request_helpers.hpp"

#include <charconv>

namespace asistencia::transport::api {

namespace {

namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using application::enrollment::finish_request;
using nlohmann::json;

std::int64_t positive_id(std::string_view text, const char* name) {
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || p != text.data() + text.size() || v <= 0 || v > 2147483647) {
        throw application::bad_request("invalid_parameter", std::string(name) + " must be a positive integer");
    }
    return v;
}

std::string user_agent(const http::request_context& ctx) {
    const auto it = ctx.request.find(bhttp::field::user_agent);
    return it == ctx.request.end() ? std::string{} : std::string(it->value());
}

} // namespace

void add_enrollment_routes(http::server& server, const auth::authenticator& auth,
                           application::enrollment::enrollment_service& enrollment,
                           const application::rate_limits& limits) {
    server.add_route(bhttp::verb::post, "/api/enrollment/start",
                     [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto who = auth.student(authorization(ctx));
                         json_body(ctx); // must be {} or an object
                         co_await limits.check(limits.enroll_start, std::to_string(who.user_id));
                         co_return json_ok(co_await enrollment.start(who.user_id));
                     });

    server.add_route(bhttp::verb::post, "/api/enrollment/finish",
                     [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto who = auth.student(authorization(ctx));
                         finish_request request;
                         std::exception_ptr malformed;
                         try {
                             request = parse_finish(json_body(ctx), user_agent(ctx));
                         } catch (const application::api_error&) {
                             malformed = std::current_exception();
                         }
                         if (malformed) {
                             // An unreadable finish ends the ceremony like a refused one.
                             co_await enrollment.abandon(who.user_id);
                             std::rethrow_exception(malformed);
                         }
                         co_return json_ok(co_await enrollment.finish(who.user_id, std::move(request)));
                     });

    // For PHP (internal token) and for the user themself; the seed's exact shape.
    server.add_route(bhttp::verb::get, "/api/enrollment/status/:userId",
                     [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto caller = auth.internal_or_user(authorization(ctx));
                         const auto user_id = positive_id(ctx.param("userId"), "userId");
                         // The PHP module's calls share one budget per token issuer.
                         if (caller.internal) co_await limits.check(limits.internal, auth.settings().php_issuer);
                         if (!caller.internal && caller.user->user_id != user_id) {
                             throw application::forbidden("forbidden", "a user can only see their own enrollment");
                         }
                         co_return json_ok(co_await enrollment.status(user_id));
                     });

    server.add_route(bhttp::verb::get, "/api/enrollment/me",
                     [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto who = auth.user(authorization(ctx));
                         co_return json_ok(co_await enrollment.me(who.user_id));
                     });

    // The rules (own device / the professor's students / admin) live in the service.
    server.add_route(bhttp::verb::post, "/api/enrollment/revoke",
                     [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto who = auth.user(authorization(ctx));
                         const auto body = json_body(ctx);
                         application::enrollment::revoke_request r;
                         r.reason = string_member(body, "reason");
                         r.user_id = id_member(body, "userId");
                         r.device_id = id_member(body, "deviceId");
                         const application::enrollment::revoker actor{who.user_id, who.role == auth::user_role::alumno};
                         co_return json_ok(co_await enrollment.revoke(actor, std::move(r)));
                     });
}

} // namespace asistencia::transport::api
