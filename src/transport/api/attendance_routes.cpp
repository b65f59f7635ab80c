// Join and answer endpoints; see attendance_routes.hpp.
#include "asistencia/transport/api/attendance_routes.hpp"

#include "asistencia/application/errors.hpp"
#include "asistencia/transport/api/request_helpers.hpp"

#include <chrono>

namespace asistencia::transport::api {

namespace {

namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace att = application::attendance;
using nlohmann::json;

constexpr std::size_t join_body_limit = 32 * 1024;
constexpr std::size_t answer_body_limit = 1024;

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// AuthenticationResponseJSON: {id, rawId, type, response: {clientDataJSON, authenticatorData, signature, userHandle?}}.
att::join_request parse_join(const json& body) {
    const auto cred = body.find("credential");
    if (cred == body.end() || !cred->is_object()) {
        throw application::bad_request("invalid_field", "credential must be an AuthenticationResponseJSON object");
    }
    if (string_member(*cred, "type") != "public-key") {
        throw application::bad_request("invalid_field", "credential.type must be public-key");
    }
    const auto resp = cred->find("response");
    if (resp == cred->end() || !resp->is_object()) {
        throw application::bad_request("invalid_field", "credential.response is missing");
    }
    att::join_request r;
    r.credential_id = string_member(*cred, "id");
    if (r.credential_id.empty() || r.credential_id != string_member(*cred, "rawId")) {
        throw application::bad_request("invalid_field", "credential.id and credential.rawId must be present and equal");
    }
    r.client_data_json = string_member(*resp, "clientDataJSON");
    r.authenticator_data = string_member(*resp, "authenticatorData");
    r.signature = string_member(*resp, "signature");
    return r;
}

std::string answer_text(const json& body, const char* key) {
    const auto it = body.find(key);
    if (it == body.end() || !it->is_string()) {
        throw application::bad_request("invalid_answer", std::string(key) + " must be a string");
    }
    return it->get<std::string>();
}

// Any malformed field is 400 invalid_answer (PROTOCOL.md 6.5); nothing is recorded for it.
att::answer_request parse_answer(const json& body) {
    att::answer_request a;
    const auto round = body.find("round");
    if (round == body.end() || !round->is_number_integer()) {
        throw application::bad_request("invalid_answer", "round must be an integer");
    }
    const auto r = round->get<std::int64_t>();
    a.round = (r < 1 || r > 10) ? 0 : static_cast<int>(r);
    a.nonce = answer_text(body, "nonce");
    a.totps = answer_text(body, "totps");
    a.totpu = answer_text(body, "totpu");
    if (const auto it = body.find("clientScannedAt"); it != body.end() && !it->is_null()) {
        if (!it->is_number()) throw application::bad_request("invalid_answer", "clientScannedAt must be a number");
        a.client_scanned_at_ms = static_cast<std::int64_t>(it->get<double>());
    }
    return a;
}

json to_json(const att::join_result& r) {
    return json{{"participationToken", r.participation_token},
                {"registrationId", r.registration_id},
                {"queuePosition", r.queue_position},
                {"round", r.round},
                {"done", r.done},
                {"maxRounds", r.max_rounds}};
}

json to_json(const att::answer_result& r) {
    json j{{"accepted", r.accepted}, {"round", r.round}, {"done", r.done}};
    if (r.reason) j["reason"] = *r.reason;
    return j;
}

} // namespace

void add_attendance_routes(http::server& server, const auth::authenticator& auth,
                           att::attendance_service& attendance) {
    server.add_route(bhttp::verb::post, "/api/attendance/sessions/:id/join/options",
                     [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto who = auth.student(authorization(ctx));
                         const auto session_id = path_id(ctx);
                         json_body(ctx);
                         co_return json_ok(co_await attendance.join_options(who.user_id, session_id));
                     });
    server.add_route(
        bhttp::verb::post, "/api/attendance/sessions/:id/join",
        [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
            const auto who = auth.student(authorization(ctx));
            const auto session_id = path_id(ctx);
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
            auto answer = parse_answer(json_body(ctx));
            const auto result = co_await attendance.answer(who, std::move(answer), received);
            co_return json_ok(to_json(result));
        },
        answer_body_limit);
}

} // namespace asistencia::transport::api
