// GET /api/me and GET /api/professor/courses through the real server, PHP stand-in and
// Valkey: shapes, the cache entry and its TTL, 401/403/400 with JSON errors, and 503 when
// PHP is down.
#include "asistencia/domain/tokens/jwt.hpp"
#include "test_helpers.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>

using namespace server_test;
namespace tokens = asistencia::domain::tokens;
using nlohmann::json;

namespace {

class api_legacy : public ::testing::Test {
protected:
    api_legacy() : port_(free_port()), server_({}, {{"PORT", std::to_string(port_)}, {"KEY_PREFIX", prefix()}}) {
        auto ready = poll(port_, "/readyz", [](const response& r) { return r.status == 200; });
        if (!ready || ready->status != 200) ADD_FAILURE() << "server not ready: " << server_.output();
    }
    static std::string prefix() { return "api-test-" + std::to_string(::getpid()) + ":"; }

    std::optional<response> call(const std::string& target, const std::string& auth) {
        std::map<std::string, std::string> h;
        if (!auth.empty()) h["Authorization"] = auth;
        return request(port_, http::verb::get, target, h);
    }

    std::uint16_t port_;
    server_process server_;
};

TEST_F(api_legacy, MeComesFromTheCacheWithTheProtocolsTtl) {
    const auto r = call("/api/me", bearer_user(100003, tokens::user_role::alumno));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    const auto j = json::parse(r->body);
    EXPECT_EQ(j.at("userId"), 100003);
    EXPECT_EQ(j.at("rol"), "alumno");
    EXPECT_FALSE(j.at("nombre").get<std::string>().empty());
    const auto ttl = std::stoi(valkey_cli("TTL " + prefix() + "cache:php:user:100003"));
    EXPECT_GT(ttl, 0);
    EXPECT_LE(ttl, 300);
}

TEST_F(api_legacy, ProfessorCoursesShowWhereAttendanceMayBeTaken) {
    const auto r = call("/api/professor/courses?semesterId=2", bearer_user(2, tokens::user_role::profesor));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    bool saw4 = false;
    for (const auto& c : json::parse(r->body)) {
        if (c.at("courseId") == 4) {
            saw4 = true;
            EXPECT_FALSE(c.at("canTakeAttendance").get<bool>());
        }
        EXPECT_TRUE(c.contains("code") && c.contains("name") && c.contains("semester"));
    }
    EXPECT_TRUE(saw4);
}

TEST_F(api_legacy, RefusalsAreJsonErrors) {
    auto r = call("/api/me", "");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401);
    EXPECT_EQ(json::parse(r->body).at("error").at("code"), "invalid_token");
    r = call("/api/professor/courses", bearer_user(100003, tokens::user_role::alumno));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403);
    r = call("/api/professor/courses?semesterId=abc", bearer_user(1, tokens::user_role::profesor));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(json::parse(r->body).at("error").at("code"), "invalid_parameter");
}

TEST_F(api_legacy, PhpDownIs503AndRecovers) {
    svc("php", "stop");
    auto r = call("/api/me", bearer_user(100050, tokens::user_role::alumno));
    svc("php", "start");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503) << r->body;
    EXPECT_EQ(json::parse(r->body).at("error").at("code"), "php_unavailable");
    for (int i = 0; i < 100; ++i) {
        r = call("/api/me", bearer_user(100050, tokens::user_role::alumno));
        if (r && r->status == 200) break;
        std::this_thread::sleep_for(100ms);
    }
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << "the circuit must close again once PHP is back";
}

} // namespace
