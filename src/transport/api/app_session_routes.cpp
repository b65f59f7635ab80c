// App session endpoints and the cookie hook; see app_session_routes.hpp.
#include "asistencia/transport/api/app_session_routes.hpp"

#include "asistencia/application/errors.hpp"
#include "asistencia/domain/crypto/session_cookie.hpp"
#include "asistencia/transport/api/request_helpers.hpp"
#include "asistencia/transport/http/request_log.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace asistencia::transport::api {

namespace {

namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace as = application::app_session;
using nlohmann::json;
using clock = std::chrono::system_clock;

std::string_view header(const http::request_context& ctx, bhttp::field f) {
    const auto it = ctx.request.find(f);
    return it == ctx.request.end() ? std::string_view{} : std::string_view(it->value().data(), it->value().size());
}

std::optional<std::string_view> session_cookie(const http::request_context& ctx) {
    const auto h = header(ctx, bhttp::field::cookie);
    if (h.empty()) return std::nullopt;
    return domain::crypto::cookie_value(h, app_session_cookie);
}

bool state_changing(bhttp::verb v) {
    return v == bhttp::verb::post || v == bhttp::verb::put || v == bhttp::verb::patch || v == bhttp::verb::delete_;
}

// CSRF: a browser always sends Origin on these requests; a foreign or missing one is refused.
bool same_origin(const http::request_context& ctx, const app_session_http_settings& s) {
    const auto origin = header(ctx, bhttp::field::origin);
    if (origin.empty() || origin == "null") return false;
    if (std::find(s.allowed_origins.begin(), s.allowed_origins.end(), origin) != s.allowed_origins.end()) return true;
    const auto host = header(ctx, bhttp::field::host);
    if (host.empty()) return false;
    const std::string own = std::string(ctx.secure ? "https://" : "http://") + std::string(host);
    return origin == own;
}

std::optional<domain::tokens::user_role> role_of(const std::string& r) {
    if (r == "profesor") return domain::tokens::user_role::profesor;
    if (r == "alumno") return domain::tokens::user_role::alumno;
    return std::nullopt;
}

void fill(auth::cookie_auth& c, const as::live_session& s) {
    const auto role = role_of(s.record.user.role);
    if (!role) throw application::unauthenticated("invalid_token", "the session is not valid; sign in again");
    domain::tokens::user_claims u;
    u.user_id = s.record.user.user_id;
    u.username = s.record.user.username;
    u.role = *role;
    u.expires_at = std::chrono::time_point_cast<std::chrono::seconds>(s.idle_expires_at);
    c.user = std::move(u);
    c.name = s.record.user.name;
    c.idle_expires_at = s.idle_expires_at;
    c.absolute_expires_at = s.record.absolute_expires_at;
}

std::string cookie_header(std::string_view value, std::chrono::seconds max_age, bool secure) {
    std::string h =
        std::string(app_session_cookie) + "=" + std::string(value) +
        "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(std::max<std::int64_t>(0, max_age.count()));
    if (secure) h += "; Secure";
    return h;
}

json session_json(std::int64_t user_id, std::string_view role, std::string_view username, std::string_view name,
                  clock::time_point idle, clock::time_point absolute) {
    return json{{"user", {{"userId", user_id}, {"role", role}, {"username", username}, {"name", name}}},
                {"idleExpiresAt", http::format_timestamp(idle)},
                {"absoluteExpiresAt", http::format_timestamp(absolute)}};
}

http::http_response no_store(http::http_response res) {
    res.set(bhttp::field::cache_control, "no-store");
    return res;
}

} // namespace

http::request_hook app_session_hook(as::session_service& sessions, app_session_http_settings settings) {
    return [&sessions, settings = std::move(settings)](http::request_context& ctx) -> net::awaitable<void> {
        if (!ctx.route.starts_with("/api/") && !ctx.route.starts_with("/ws/")) co_return;
        const auto value = session_cookie(ctx);
        if (!value) co_return;
        ctx.cookie.present = true;
        if (state_changing(ctx.request.method()) && !same_origin(ctx, settings)) {
            ctx.cookie.refusal = std::make_exception_ptr(
                application::forbidden("forbidden", "a request made with the session cookie must come from this site"));
            co_return;
        }
        try {
            const auto r = co_await sessions.resolve(*value, clock::now());
            if (r.session) {
                fill(ctx.cookie, *r.session);
            } else if (r.failure == as::resolve_failure::malformed) {
                throw application::unauthenticated("invalid_token", "the session cookie is not valid; sign in again");
            } else {
                throw application::unauthenticated("session_expired", "the session has ended; sign in again");
            }
        } catch (...) {
            ctx.cookie.user.reset();
            ctx.cookie.refusal = std::current_exception();
        }
    };
}

void add_app_session_routes(http::server& server, const auth::authenticator& auth, as::session_service& sessions,
                            app_session_http_settings settings) {
    // The exchange takes the legacy user token only: a cookie cannot mint another cookie.
    server.add_route(
        bhttp::verb::post, "/api/session", [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
            const auto who = auth.user(authorization_header(ctx));
            const std::string role(domain::tokens::to_string(who.role));
            as::session_user user;
            user.user_id = who.user_id;
            user.role = role;
            user.username = who.username;
            user.name = who.username;
            const auto created = co_await sessions.create(std::move(user), clock::now());
            const auto& s = created.session;
            auto res = http::json_response(bhttp::status::created,
                                           session_json(who.user_id, role, who.username, s.record.user.name,
                                                        s.idle_expires_at, s.record.absolute_expires_at)
                                               .dump());
            const auto max_age =
                std::chrono::duration_cast<std::chrono::seconds>(s.record.absolute_expires_at - s.record.created_at);
            res.set(bhttp::field::set_cookie, cookie_header(created.cookie_value, max_age, ctx.secure));
            co_return no_store(std::move(res));
        });
    server.add_route(
        bhttp::verb::get, "/api/session", [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
            // The cookie only: this is how a page without a token learns who it is.
            const auto who = auth.user(auth::credentials({}, &ctx.cookie));
            const std::string role(domain::tokens::to_string(who.role));
            co_return no_store(json_ok(session_json(who.user_id, role, who.username, ctx.cookie.name,
                                                    ctx.cookie.idle_expires_at, ctx.cookie.absolute_expires_at)));
        });
    // Logout is idempotent: no cookie, or one already gone, still clears it (204).
    server.add_route(bhttp::verb::delete_, "/api/session",
                     [&, settings](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         if (const auto value = session_cookie(ctx)) {
                             if (!same_origin(ctx, settings)) {
                                 throw application::forbidden(
                                     "forbidden", "a request made with the session cookie must come from this site");
                             }
                             co_await sessions.end(*value);
                         }
                         http::http_response res{bhttp::status::no_content, 11};
                         res.set(bhttp::field::set_cookie, cookie_header("", std::chrono::seconds(0), ctx.secure));
                         co_return no_store(std::move(res));
                     });
}

} // namespace asistencia::transport::api
