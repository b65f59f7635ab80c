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
        throw application::malformed("invalid_parameter", std::string(name) + " must be a positive integer");
    }
    return v;
}

// The wire shapes of PROTOCOL.md section 5 for the use case's results.
json creation_options_json(const application::enrollment::creation_options& o) {
    json exclude = json::array();
    for (const auto& d : o.exclude_credentials) {
        json c{{"type", "public-key"}, {"id", d.id}};
        if (!d.transports.empty()) c["transports"] = d.transports;
        exclude.push_back(std::move(c));
    }
    json params = json::array();
    for (const int alg : o.algorithms) params.push_back({{"type", "public-key"}, {"alg", alg}});
    return json{
        {"rp", {{"id", o.rp_id}, {"name", o.rp_name}}},
        {"user", {{"id", o.user_handle}, {"name", o.user_name}, {"displayName", o.user_display_name}}},
        {"challenge", o.challenge},
        {"pubKeyCredParams", std::move(params)},
        {"timeout", o.timeout_ms},
        {"excludeCredentials", std::move(exclude)},
        {"authenticatorSelection", {{"userVerification", o.user_verification}, {"residentKey", o.resident_key}}},
        {"attestation", o.attestation},
    };
}

// {publicKey: PublicKeyCredentialCreationOptionsJSON, serverHandshakeKey}.
json start_json(const application::enrollment::start_result& r) {
    return json{{"publicKey", creation_options_json(r.options)}, {"serverHandshakeKey", r.server_handshake_key}};
}

// {enrolled: true, deviceId, enrolledAt, aaguid}.
json enrolled_json(const application::enrollment::enrolled_device& d) {
    return json{{"enrolled", true}, {"deviceId", d.device_id}, {"enrolledAt", d.enrolled_at}, {"aaguid", d.aaguid}};
}

json last_used_json(const application::enrollment::device& d) {
    return d.last_used_at ? json(*d.last_used_at) : json(nullptr);
}

// The seed's shape: {enrolled, deviceId, enrolledAt, deviceInfo: {aaguid, lastUsed}}.
json status_json(const std::optional<application::enrollment::device>& d) {
    if (!d) return json{{"enrolled", false}};
    return json{{"enrolled", true},
                {"deviceId", d->device_id},
                {"enrolledAt", d->enrolled_at},
                {"deviceInfo", {{"aaguid", d->aaguid}, {"lastUsed", last_used_json(*d)}}}};
}

// {enrolled, deviceId, enrolledAt, aaguid, lastUsed, backupEligible, reenrollInSeconds}.
json me_json(const application::enrollment::enrollment_summary& s) {
    if (!s.active) return json{{"enrolled", false}};
    const auto& d = *s.active;
    return json{{"enrolled", true},
                {"deviceId", d.device_id},
                {"enrolledAt", d.enrolled_at},
                {"aaguid", d.aaguid},
                {"lastUsed", last_used_json(d)},
                {"backupEligible", d.backup_eligible},
                {"reenrollInSeconds", s.reenroll_in_seconds}};
}

json revoked_json(const application::enrollment::revoke_result& r) {
    return json{{"revoked", true}, {"deviceId", r.device_id}};
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
                         const auto started = co_await enrollment.start(who.user_id);
                         co_return json_ok(start_json(started));
                     });

    server.add_route(bhttp::verb::post, "/api/enrollment/finish",
                     [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto who = auth.student(authorization(ctx));
                         finish_request request;
                         std::exception_ptr malformed;
                         try {
                             request = parse_finish(json_body(ctx), user_agent(ctx));
                         } catch (const application::error&) {
                             malformed = std::current_exception();
                         }
                         if (malformed) {
                             // An unreadable finish ends the ceremony like a refused one.
                             co_await enrollment.abandon(who.user_id);
                             std::rethrow_exception(malformed);
                         }
                         const auto enrolled = co_await enrollment.finish(who.user_id, std::move(request));
                         co_return json_ok(enrolled_json(enrolled));
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
                         const auto active = co_await enrollment.status(user_id);
                         co_return json_ok(status_json(active));
                     });

    server.add_route(bhttp::verb::get, "/api/enrollment/me",
                     [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto who = auth.user(authorization(ctx));
                         const auto summary = co_await enrollment.me(who.user_id);
                         co_return json_ok(me_json(summary));
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
                         const auto revoked = co_await enrollment.revoke(actor, std::move(r));
                         co_return json_ok(revoked_json(revoked));
                     });
}

} // namespace asistencia::transport::api
