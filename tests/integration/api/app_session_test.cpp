// The app session (PROTOCOL.md section 3, docs/tokens.md) through the real server binary,
// Valkey and PostgreSQL: the token-for-cookie exchange, the cookie on REST endpoints and on
// the projector WebSocket, idle and absolute expiry (short values), logout, a tampered
// cookie, a cookie of another deployment (another SERVER_MASTER_KEY on the same Valkey),
// CSRF (foreign or missing Origin on state-changing requests: 403, nothing changed), and
// Valkey down (503).
#include "asistencia/domain/tokens/jwt.hpp"
#include "test_helpers.hpp"

#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

using namespace server_test;
namespace tokens = asistencia::domain::tokens;
namespace websocket = beast::websocket;
using nlohmann::json;

namespace {

struct full_response {
    int status = 0;
    std::string body;
    std::string set_cookie;
    json data() const { return json::parse(body, nullptr, false); }
    std::string code() const {
        const auto j = data();
        return j.is_object() && j.contains("error") ? j["error"].value("code", "") : "";
    }
};

// One request on a new connection (Host names the port, as a browser's does), with the
// response's Set-Cookie; status 0 when the server does not answer.
full_response call(std::uint16_t port, http::verb verb, const std::string& target,
                   std::map<std::string, std::string> headers, const std::string& body = {}) {
    headers.try_emplace("Host", "localhost:" + std::to_string(port));
    const auto r = request(port, verb, target, headers, body);
    if (!r) return {};
    const auto cookie = r->headers.find("set-cookie");
    return {r->status, r->body, cookie == r->headers.end() ? std::string{} : cookie->second};
}

// "asistencia_session=<value>; ..." -> "<value>".
std::string cookie_of(const std::string& set_cookie) {
    const std::string name = "asistencia_session=";
    if (!set_cookie.starts_with(name)) return {};
    const auto end = set_cookie.find(';');
    return set_cookie.substr(name.size(), end == std::string::npos ? std::string::npos : end - name.size());
}

std::string sessions_in_db() { return sql("SELECT count(*) FROM attendance.sessions"); }

std::string first_origin() {
    const auto o = env_or_fail("WEBAUTHN_ORIGINS");
    return o.substr(0, o.find(','));
}

std::string key_prefix() {
    const char* p = std::getenv("KEY_PREFIX");
    return p ? p : "";
}

std::string random_master_key() { return shell("head -c 32 /dev/urandom | base64"); }

class app_session : public ::testing::Test {
protected:
    void start(std::map<std::string, std::string> extra = {}) {
        port_ = free_port();
        extra["PORT"] = std::to_string(port_);
        server_ = std::make_unique<server_process>(std::vector<std::string>{}, extra);
        auto ready = poll(port_, "/readyz", [](const response& r) { return r.status == 200; });
        if (!ready || ready->status != 200) ADD_FAILURE() << "server not ready: " << server_->output();
    }
    // POST /api/session with a user token; the cookie value ("" on failure).
    std::string exchange(std::int64_t user, tokens::user_role role, full_response* out = nullptr) {
        auto r = call(port_, http::verb::post, "/api/session", {{"Authorization", bearer_user(user, role)}});
        EXPECT_EQ(r.status, 201) << r.body;
        if (out) *out = r;
        return cookie_of(r.set_cookie);
    }
    full_response with_cookie(http::verb verb, const std::string& target, const std::string& cookie,
                              std::optional<std::string> origin = std::nullopt, const json& body = nullptr) {
        std::map<std::string, std::string> h{{"Cookie", "other=1; asistencia_session=" + cookie}};
        if (origin) h["Origin"] = *origin;
        return call(port_, verb, target, h, body.is_null() ? std::string{} : body.dump());
    }
    full_response me(const std::string& cookie) { return with_cookie(http::verb::get, "/api/session", cookie); }
    std::int64_t open_session_by_cookie(const std::string& cookie) {
        auto r = with_cookie(http::verb::post, "/api/attendance/sessions", cookie, first_origin(),
                             {{"courseId", 1}, {"semesterId", 2}, {"room", "Sala C"}});
        EXPECT_EQ(r.status, 201) << r.body;
        return r.data().value("sessionId", std::int64_t{0});
    }

    std::uint16_t port_ = 0;
    std::unique_ptr<server_process> server_;
};

TEST_F(app_session, TheExchangeSetsAStrictHttpOnlyCookieThatEndpointsAccept) {
    start();
    full_response r;
    const auto cookie = exchange(1, tokens::user_role::profesor, &r);
    ASSERT_FALSE(cookie.empty()) << r.set_cookie;
    EXPECT_NE(r.set_cookie.find("; HttpOnly"), std::string::npos) << r.set_cookie;
    EXPECT_NE(r.set_cookie.find("; SameSite=Strict"), std::string::npos) << r.set_cookie;
    EXPECT_NE(r.set_cookie.find("; Path=/"), std::string::npos) << r.set_cookie;
    EXPECT_EQ(r.set_cookie.find("Secure"), std::string::npos) << "plain http: no Secure";
    EXPECT_NE(r.set_cookie.find("Max-Age=43200"), std::string::npos) << "the absolute limit (12 h)";
    const auto j = r.data();
    EXPECT_EQ(j["user"]["userId"], 1);
    EXPECT_EQ(j["user"]["role"], "profesor");
    EXPECT_EQ(j["user"]["name"], "demo");
    EXPECT_FALSE(j["idleExpiresAt"].get<std::string>().empty());
    EXPECT_LT(j["idleExpiresAt"].get<std::string>(), j["absoluteExpiresAt"].get<std::string>());
    EXPECT_EQ(cookie.find(user_token(1, tokens::user_role::profesor)), std::string::npos) << "never the token itself";

    // The state is in Valkey under the key prefix, with the idle TTL (2 h by default).
    const auto id = cookie.substr(0, cookie.find('.'));
    const auto key = key_prefix() + "app:session:" + id;
    const auto ttl = std::stoll(valkey_cli("PTTL " + key));
    EXPECT_GT(ttl, 7'000'000);
    EXPECT_LE(ttl, 7'200'000);

    auto who = me(cookie);
    ASSERT_EQ(who.status, 200) << who.body;
    EXPECT_EQ(who.data()["user"]["userId"], 1);
    EXPECT_EQ(who.data()["user"]["role"], "profesor");

    // Endpoints that take a user token take the cookie: create and read a session.
    const auto sid = open_session_by_cookie(cookie);
    ASSERT_GT(sid, 0);
    auto got = with_cookie(http::verb::get, "/api/attendance/sessions/" + std::to_string(sid), cookie);
    EXPECT_EQ(got.status, 200) << got.body;
    // ... with the same owner and role checks as the token.
    const auto student = exchange(100001, tokens::user_role::alumno);
    got = with_cookie(http::verb::get, "/api/attendance/sessions/" + std::to_string(sid), student);
    EXPECT_EQ(got.status, 403);
    const auto other = exchange(2, tokens::user_role::profesor);
    got = with_cookie(http::verb::get, "/api/attendance/sessions/" + std::to_string(sid), other);
    EXPECT_EQ(got.status, 403);
    // A cookie is no user token: it cannot mint another cookie, nor stand for a participation token.
    EXPECT_EQ(with_cookie(http::verb::post, "/api/session", cookie, first_origin()).status, 401);
    EXPECT_EQ(call(port_, http::verb::get, "/api/session", {}).status, 401);
}

TEST_F(app_session, LogoutRevokesTheSessionEverywhere) {
    start();
    const auto cookie = exchange(1, tokens::user_role::profesor);
    ASSERT_EQ(me(cookie).status, 200);
    auto r = with_cookie(http::verb::delete_, "/api/session", cookie, first_origin());
    EXPECT_EQ(r.status, 204);
    EXPECT_NE(r.set_cookie.find("asistencia_session=;"), std::string::npos) << r.set_cookie;
    EXPECT_NE(r.set_cookie.find("Max-Age=0"), std::string::npos) << r.set_cookie;
    const auto id = cookie.substr(0, cookie.find('.'));
    EXPECT_EQ(valkey_cli("EXISTS " + key_prefix() + "app:session:" + id), "0");
    r = me(cookie);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.code(), "session_expired");
    r = with_cookie(http::verb::get, "/api/attendance/sessions/1", cookie);
    EXPECT_EQ(r.status, 401);
    // Logging out again (or without a cookie) is harmless.
    EXPECT_EQ(with_cookie(http::verb::delete_, "/api/session", cookie, first_origin()).status, 204);
    EXPECT_EQ(call(port_, http::verb::delete_, "/api/session", {}).status, 204);
}

TEST_F(app_session, ATamperedCookieIsRefused) {
    start();
    const auto cookie = exchange(1, tokens::user_role::profesor);
    ASSERT_EQ(me(cookie).status, 200);
    const auto dot = cookie.find('.');
    ASSERT_NE(dot, std::string::npos);
    auto flip = [](std::string s, std::size_t i) {
        s[i] = s[i] == 'A' ? 'B' : 'A';
        return s;
    };
    for (const auto& bad : {flip(cookie, 3),                 // another id, same MAC
                            flip(cookie, cookie.size() - 2), // the MAC
                            cookie.substr(0, dot),           // no MAC
                            cookie + "A", std::string("x.y"), std::string(300, 'a')}) {
        const auto r = me(bad);
        EXPECT_EQ(r.status, 401) << bad;
        EXPECT_EQ(r.code(), "invalid_token") << bad;
    }
    EXPECT_EQ(me(cookie).status, 200) << "the real one still works";
}

TEST_F(app_session, ACookieOfAnotherDeploymentIsRefused) {
    // Another deployment: its own master key, the same Valkey and key prefix.
    const auto other_port = free_port();
    server_process other({}, {{"PORT", std::to_string(other_port)}, {"SERVER_MASTER_KEY", random_master_key()}});
    auto ready = poll(other_port, "/readyz", [](const response& r) { return r.status == 200; });
    ASSERT_TRUE(ready && ready->status == 200) << other.output();
    auto theirs = call(other_port, http::verb::post, "/api/session",
                       {{"Authorization", bearer_user(1, tokens::user_role::profesor)}});
    ASSERT_EQ(theirs.status, 201);
    const auto foreign = cookie_of(theirs.set_cookie);
    start();
    const auto r = me(foreign);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.code(), "invalid_token");
    const auto before = sessions_in_db();
    EXPECT_EQ(with_cookie(http::verb::post, "/api/attendance/sessions", foreign, first_origin(),
                          {{"courseId", 1}, {"semesterId", 2}, {"room", "X"}})
                  .status,
              401);
    EXPECT_EQ(sessions_in_db(), before);
}

TEST_F(app_session, StateChangingRequestsWithTheCookieNeedASameOriginOrigin) {
    start();
    const auto cookie = exchange(1, tokens::user_role::profesor);
    const json body{{"courseId", 1}, {"semesterId", 2}, {"room", "CSRF"}};
    const auto before = sessions_in_db();
    auto r = with_cookie(http::verb::post, "/api/attendance/sessions", cookie, "https://evil.example", body);
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(r.code(), "forbidden");
    r = with_cookie(http::verb::post, "/api/attendance/sessions", cookie, std::nullopt, body);
    EXPECT_EQ(r.status, 403) << "no Origin";
    r = with_cookie(http::verb::post, "/api/attendance/sessions", cookie, "null", body);
    EXPECT_EQ(r.status, 403) << "an opaque origin";
    EXPECT_EQ(sessions_in_db(), before) << "nothing stored";
    // Logout from a foreign page changes nothing either.
    r = with_cookie(http::verb::delete_, "/api/session", cookie, "https://evil.example");
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(me(cookie).status, 200);
    // The same request from the page's origin, or from the request's own host, goes through.
    EXPECT_GT(open_session_by_cookie(cookie), 0);
    r = with_cookie(http::verb::post, "/api/attendance/sessions", cookie, "http://localhost:" + std::to_string(port_),
                    body);
    EXPECT_EQ(r.status, 201) << r.body;
    // Reads need no Origin; a bearer token needs none (no ambient credential, no CSRF).
    EXPECT_EQ(with_cookie(http::verb::get, "/api/session", cookie).status, 200);
    r = call(port_, http::verb::post, "/api/attendance/sessions", {{"Authorization", professor_token(1)}}, body.dump());
    EXPECT_EQ(r.status, 201);
}

TEST_F(app_session, AnUnusedSessionEndsAfterTheIdleTime) {
    start({{"APP_SESSION_IDLE_MINUTES", "0.05"}}); // 3 s
    full_response r;
    const auto cookie = exchange(1, tokens::user_role::profesor, &r);
    std::this_thread::sleep_for(1500ms);
    ASSERT_EQ(me(cookie).status, 200);
    std::this_thread::sleep_for(4500ms); // > 3 s since the last use
    const auto late = me(cookie);
    EXPECT_EQ(late.status, 401);
    EXPECT_EQ(late.code(), "session_expired");
}

TEST_F(app_session, UseSlidesTheIdleExpiryButNeverPastTheAbsoluteLimit) {
    // Idle 6 s, absolute 10.8 s: used every 3 s it lives on until the absolute limit.
    start({{"APP_SESSION_IDLE_MINUTES", "0.1"}, {"APP_SESSION_MAX_HOURS", "0.003"}});
    full_response created;
    const auto cookie = exchange(1, tokens::user_role::profesor, &created);
    EXPECT_NE(created.set_cookie.find("Max-Age=10"), std::string::npos) << created.set_cookie;
    for (int i = 1; i <= 3; ++i) {
        std::this_thread::sleep_for(3s); // 9 s in all: past the idle time, within the limit
        const auto r = me(cookie);
        ASSERT_EQ(r.status, 200) << "use " << i << ": " << r.body;
        EXPECT_EQ(r.data()["absoluteExpiresAt"], created.data()["absoluteExpiresAt"]);
    }
    std::this_thread::sleep_for(3s); // 12 s: past the absolute limit though used 3 s ago
    const auto r = me(cookie);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.code(), "session_expired");
}

// The projector's WebSocket with the cookie of the upgrade request and no auth message.
class ws_with_cookie {
public:
    int connect(std::uint16_t port, const std::string& target, const std::string& origin, const std::string& cookie) {
        beast::get_lowest_layer(ws_).expires_after(10s);
        beast::get_lowest_layer(ws_).connect({net::ip::make_address("127.0.0.1"), port});
        ws_.set_option(websocket::stream_base::decorator([origin, cookie](websocket::request_type& req) {
            req.set(http::field::origin, origin);
            req.set(http::field::cookie, "asistencia_session=" + cookie);
        }));
        websocket::response_type res;
        beast::error_code ec;
        ws_.handshake(res, "localhost", target, ec);
        return static_cast<int>(res.result_int());
    }
    // The next message of `type`; nullopt when the socket closed or timed out first.
    std::optional<json> next(const std::string& type) {
        for (;;) {
            beast::flat_buffer buf;
            beast::error_code ec;
            beast::get_lowest_layer(ws_).expires_after(10s);
            ws_.read(buf, ec);
            if (ec) return std::nullopt;
            auto j = json::parse(beast::buffers_to_string(buf.data()), nullptr, false);
            if (j.is_object() && j.value("type", "") == type) return j;
        }
    }
    int close_code() const { return static_cast<int>(ws_.reason().code); }

private:
    net::io_context io_;
    websocket::stream<beast::tcp_stream> ws_{io_};
};

TEST_F(app_session, TheProjectorAuthenticatesWithTheCookie) {
    start();
    const auto cookie = exchange(1, tokens::user_role::profesor);
    const auto sid = open_session_by_cookie(cookie);
    ASSERT_GT(sid, 0);
    ws_with_cookie ok;
    ASSERT_EQ(ok.connect(port_, "/ws/projection/" + std::to_string(sid), first_origin(), cookie), 101);
    const auto ready = ok.next("ready");
    ASSERT_TRUE(ready) << "the cookie alone authenticates";
    EXPECT_EQ((*ready)["sessionId"], sid);

    // Another professor's cookie: refused like their token would be.
    ws_with_cookie other;
    ASSERT_EQ(other.connect(port_, "/ws/projection/" + std::to_string(sid), first_origin(),
                            exchange(2, tokens::user_role::profesor)),
              101);
    EXPECT_FALSE(other.next("ready"));
    EXPECT_EQ(other.close_code(), static_cast<int>(websocket::close_code::policy_error));

    // A logged-out cookie no longer authenticates (the auth message would still be needed).
    EXPECT_EQ(with_cookie(http::verb::delete_, "/api/session", cookie, first_origin()).status, 204);
    ws_with_cookie gone;
    ASSERT_EQ(gone.connect(port_, "/ws/projection/" + std::to_string(sid), first_origin(), cookie), 101);
    EXPECT_FALSE(gone.next("ready"));
    EXPECT_EQ(gone.close_code(), static_cast<int>(websocket::close_code::policy_error)) << "auth timeout";
}

TEST_F(app_session, ValkeyDownIs503) {
    start();
    const auto cookie = exchange(1, tokens::user_role::profesor);
    svc("valkey", "stop");
    const auto who = me(cookie);
    const auto created = call(port_, http::verb::post, "/api/session", {{"Authorization", professor_token(1)}});
    svc("valkey", "start");
    EXPECT_EQ(who.status, 503);
    EXPECT_EQ(who.code(), "valkey_unavailable");
    EXPECT_EQ(created.status, 503);
    EXPECT_TRUE(created.set_cookie.empty()) << "no cookie without a stored session";
    auto back = poll(port_, "/readyz", [](const response& r) { return r.status == 200; });
    ASSERT_TRUE(back && back->status == 200);
}

} // namespace
