// Join and answer endpoints; see attendance_routes.hpp.
#include "asistencia/transport/api/attendance_routes.hpp"

#include "asistencia/application/errors.hpp"
#include "asistencia/transport/api/request_bodies.hpp"
#include "asistencia/transport/api/request_helpers.hpp"

#include <chrono>

namespace asistencia::transport::api {

namespace {

namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace att = application::attendance;
using nlohmann::json;

constexpr std::size_t join_body_limit = std::size_t{32} * 1024;
constexpr std::size_t answer_body_limit = 1024;

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string per_user_session(std::int64_t session_id, std::int64_t user_id) {
    return std::to_string(session_id) + ":" + std::to_string(user_id);
}

json to_json(const att::join_result& r) {
    return json{{"participationToken", r.participation_token},
                {"registrationId", r.registration_id},
                {"queuePosition", r.queue_position},
                {"round", r.round},
                {"done", r.done},
                {"maxRounds", r.max_rounds}};
}

// {publicKey: PublicKeyCredentialRequestOptionsJSON} for the student's one credential.
json to_json(const att::join_options_result& o) {
    json allow{{"type", "public-key"}, {"id", o.credential_id}};
    if (!o.transports.empty()) allow["transports"] = o.transports;
    return json{{"publicKey",
                 {{"challenge", o.challenge},
                  {"rpId", o.rp_id},
                  {"timeout", o.timeout_ms},
                  {"userVerification", o.user_verification},
                  {"allowCredentials", json::array({allow})}}}};
}

json to_json(const att::answer_result& r) {
    json j{{"accepted", r.accepted}, {"round", r.round}, {"done", r.done}};
    if (r.reason) j["reason"] = *r.reason;
    return j;
}

} // namespace

void add_attendance_routes(http::server& server, const auth::authenticator& auth, att::attendance_service& attendance,
                           const application::rate_limits& limits) {
    server.add_route(bhttp::verb::post, "/api/attendance/sessions/:id/join/options",
                     [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto who = auth.student(authorization(ctx));
                         const auto session_id = path_id(ctx);
                         json_body(ctx);
                         co_await limits.check(limits.join_options, per_user_session(session_id, who.user_id));
                         const auto options = co_await attendance.join_options(who.user_id, session_id);
                         co_return json_ok(to_json(options));
                     });
    server.add_route(
        bhttp::verb::post, "/api/attendance/sessions/:id/join",
        [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
            const auto who = auth.student(authorization(ctx));
            const auto session_id = path_id(ctx);
            co_await limits.check(limits.join, per_user_session(session_id, who.user_id));
            auto request = parse_join(json_body(ctx));
            const auto joined = co_await attendance.join(who.user_id, session_id, std::move(request));
            co_return json_ok(to_json(joined));
        },
        join_body_limit);
    server.add_route(
        bhttp::verb::post, "/api/attendance/sessions/:id/responses",
        [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
            const auto received = now_ms(); // the RT ends when the answer reaches the server
            const auto who = auth.participation(authorization(ctx));
            if (who.session_id != path_id(ctx)) {
                throw application::forbidden("wrong_session", "this participation token is for another session");
            }
            // The rate limit per participation token (limits.answers) is counted by the answer
            // itself, in the round trip that reads the state (attendance_service::answer): over
            // it the answer is refused before anything is read or stored (no validation row).
            auto answer = parse_answer(json_body(ctx));
            const auto result = co_await attendance.answer(who, std::move(answer), received);
            co_return json_ok(to_json(result));
        },
        answer_body_limit);
}

} // namespace asistencia::transport::api
