// Rate limits (issue 14.2, docs/http.md) and the browser headers (14.4) through the real
// server, PostgreSQL, Valkey and PHP stand-in, with low limits: the PHP module's endpoints
// per token issuer, enrollment starts per user, WebSocket upgrades per client address,
// projector messages per connection; 429 rate_limited with Retry-After; counters in Valkey;
// and what happens while Valkey is down (the limiter lets requests through: fail open).
#include "test_helpers.hpp"

#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <random>

using namespace server_test;
namespace websocket = beast::websocket;
using nlohmann::json;

namespace {

std::string unique_prefix() {
    std::random_device rd;
    return "rl-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()) + ":";
}

class rate_limit_api : public ::testing::Test {
protected:
    rate_limit_api()
        : port_(free_port()),
          origin_("http://localhost:" + std::to_string(port_)),
          prefix_(unique_prefix()),
          server_({}, {{"PORT", std::to_string(port_)},
                       {"WEBAUTHN_ORIGINS", origin_},
                       {"WEBAUTHN_RP_ID", "localhost"},
                       {"REENROLL_COOLDOWN_HOURS", "0"},
                       {"RATE_LIMIT_INTERNAL_PER_MIN", "3"},
                       {"RATE_LIMIT_ENROLL_START_PER_MIN", "2"},
                       {"RATE_LIMIT_WS_UPGRADES_PER_MIN", "2"},
                       {"RATE_LIMIT_PROJECTOR_MSGS_PER_SEC", "5"},
                       {"KEY_PREFIX", prefix_}}) {
        auto ready = poll(port_, "/readyz", [](const response& r) { return r.status == 200; });
        if (!ready || ready->status != 200) ADD_FAILURE() << "server not ready: " << server_.output();
    }

    std::optional<response> get_with(const std::string& target, const std::string& auth) {
        return request(port_, http::verb::get, target, {{"Authorization", auth}});
    }
    std::optional<response> post_with(const std::string& target, const std::string& auth, const json& body) {
        return request(port_, http::verb::post, target, {{"Authorization", auth}}, body.dump());
    }
    static std::string code(const response& r) {
        const auto j = json::parse(r.body, nullptr, false);
        return j.is_object() && j.contains("error") ? j["error"].value("code", "") : "";
    }

    // A WebSocket upgrade to the projection with our Origin; the handshake's HTTP status.
    int upgrade(websocket::stream<beast::tcp_stream>& ws, std::int64_t session_id) {
        beast::get_lowest_layer(ws).expires_after(10s);
        beast::get_lowest_layer(ws).connect({net::ip::make_address("127.0.0.1"), port_});
        beast::get_lowest_layer(ws).expires_never();
        const auto origin = origin_;
        ws.set_option(websocket::stream_base::decorator(
            [origin](websocket::request_type& req) { req.set(http::field::origin, origin); }));
        websocket::response_type res;
        beast::error_code ec;
        ws.handshake(res, "localhost", "/ws/projection/" + std::to_string(session_id), ec);
        return static_cast<int>(res.result_int());
    }

    std::uint16_t port_;
    std::string origin_;
    std::string prefix_;
    server_process server_;
};

TEST_F(rate_limit_api, ThePhpModulesCallsShareOneBudgetPerIssuer) {
    for (int i = 0; i < 3; ++i) {
        const auto r = get_with("/api/enrollment/status/100001", bearer_internal());
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200) << i << r->body;
    }
    // Any internal endpoint draws from the same budget.
    auto r = get_with("/api/attendance/session/1999999999/results", bearer_internal());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 429) << r->body;
    EXPECT_EQ(code(*r), "rate_limited");
    const int retry = std::stoi(r->headers["retry-after"]);
    EXPECT_GE(retry, 1);
    EXPECT_LE(retry, 60);
    EXPECT_EQ(get_with("/api/enrollment/status/100001", bearer_internal())->status, 429);
    // A user reading their own status is not the PHP module's budget.
    EXPECT_EQ(get_with("/api/enrollment/status/100001", bearer_user(100001))->status, 200);
    // The counter lives in Valkey (every replica sees it).
    EXPECT_EQ(valkey_cli("GET " + prefix_ + "ratelimit:internal:php-legacy-system"), "5");
}

TEST_F(rate_limit_api, WhileValkeyIsDownTheLimiterLetsRequestsThrough) {
    svc("valkey", "stop");
    std::vector<int> statuses;
    for (int i = 0; i < 6; ++i) {
        const auto r = get_with("/api/enrollment/status/100001", bearer_internal());
        statuses.push_back(r ? r->status : 0);
    }
    // Endpoints that need Valkey answer 503 on their own; enrollment start is one.
    const auto start = post_with("/api/enrollment/start", bearer_user(100024), json::object());
    svc("valkey", "start");
    for (const int s : statuses) EXPECT_EQ(s, 200) << "PHP's reads of PostgreSQL keep working (fail open)";
    ASSERT_TRUE(start);
    EXPECT_EQ(start->status, 503);
    EXPECT_EQ(code(*start), "valkey_unavailable");
    const auto metrics = get(port_, "/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_NE(metrics->body.find("asistencia_rate_limit_unchecked_total"), std::string::npos);
    EXPECT_EQ(metrics->body.find("asistencia_rate_limit_unchecked_total 0\n"), std::string::npos) << metrics->body;
}

TEST_F(rate_limit_api, EnrollmentStartsPerUser) {
    forget_enrollments(100025);
    EXPECT_EQ(post_with("/api/enrollment/start", bearer_user(100025), json::object())->status, 200);
    EXPECT_EQ(post_with("/api/enrollment/start", bearer_user(100025), json::object())->status, 409) << "the lock";
    auto r = post_with("/api/enrollment/start", bearer_user(100025), json::object());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 429);
    EXPECT_EQ(code(*r), "rate_limited");
    EXPECT_FALSE(r->headers["retry-after"].empty());
    // Another user has their own budget.
    forget_enrollments(100024);
    EXPECT_EQ(post_with("/api/enrollment/start", bearer_user(100024), json::object())->status, 200);
}

TEST_F(rate_limit_api, WebSocketUpgradesPerClientAddress) {
    net::io_context io;
    for (int i = 0; i < 2; ++i) {
        websocket::stream<beast::tcp_stream> ws(io);
        EXPECT_EQ(upgrade(ws, 1), 101) << i;
        beast::error_code ec;
        ws.close(websocket::close_code::normal, ec);
    }
    websocket::stream<beast::tcp_stream> third(io);
    EXPECT_EQ(upgrade(third, 1), 429) << "the third upgrade in a minute from 127.0.0.1";
}

TEST_F(rate_limit_api, AProjectorFloodingMessagesIsClosed) {
    const auto created = post_with("/api/attendance/sessions", professor_token(1),
                                   {{"courseId", 1}, {"semesterId", 2}, {"room", "Sala RL"}, {"maxRounds", 1}});
    ASSERT_TRUE(created);
    ASSERT_EQ(created->status, 201) << created->body;
    const auto sid = json::parse(created->body)["sessionId"].get<std::int64_t>();
    net::io_context io;
    websocket::stream<beast::tcp_stream> ws(io);
    ASSERT_EQ(upgrade(ws, sid), 101);
    beast::get_lowest_layer(ws).expires_after(20s);
    ws.text(true);
    ws.write(net::buffer(json{{"type", "auth"}, {"token", professor_token(1).substr(7)}}.dump()));
    // Far more than 5 messages in a second.
    for (int i = 0; i < 30; ++i) {
        beast::error_code ec;
        ws.write(net::buffer(json{{"type", "ping"}, {"t", i}}.dump()), ec);
        if (ec) break;
    }
    beast::flat_buffer buf;
    beast::error_code ec;
    for (int i = 0; i < 200 && !ec; ++i) {
        buf.clear();
        ws.read(buf, ec);
    }
    EXPECT_EQ(ec, websocket::error::closed);
    EXPECT_EQ(static_cast<int>(ws.reason().code), 1008);
    EXPECT_EQ(std::string(ws.reason().reason.data(), ws.reason().reason.size()), "rate_limited");
    post_with("/api/attendance/sessions/" + std::to_string(sid) + "/cancel", professor_token(1), json::object());
}

// Issue 14.4: the headers reach the client on the real server's API, pages and errors.
TEST_F(rate_limit_api, SecurityHeadersOnApiPagesAndErrors) {
    for (const auto& [target, api] : std::vector<std::pair<std::string, bool>>{{"/api/me", true},
                                                                               {"/healthz", true},
                                                                               {"/api/nope", true},
                                                                               {"/profesor.html", false},
                                                                               {"/alumno.html", false}}) {
        auto r = get(port_, target);
        ASSERT_TRUE(r) << target;
        EXPECT_EQ(r->headers["content-security-policy"].find("default-src 'self'"), 0u) << target;
        EXPECT_NE(r->headers["content-security-policy"].find("frame-ancestors 'none'"), std::string::npos) << target;
        EXPECT_EQ(r->headers["referrer-policy"], "no-referrer") << target;
        EXPECT_EQ(r->headers["x-content-type-options"], "nosniff") << target;
        EXPECT_EQ(r->headers.count("strict-transport-security"), 0u) << "plain http: " << target;
        if (api) {
            EXPECT_EQ(r->headers["cache-control"], "no-store") << target;
        }
    }
}

} // namespace
