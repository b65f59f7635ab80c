// Sessions through the real server, PHP stand-in (permission, course, professor name) and
// PostgreSQL: create with the denormalized legacy data, read, close, cancel, the owner and
// role checks, bad input (nothing stored), the legacy system's status view, PHP down.
#include "asistencia/domain/tokens/jwt.hpp"
#include "test_helpers.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>

using namespace server_test;
namespace tokens = asistencia::domain::tokens;
using nlohmann::json;

namespace {

const auto professor = professor_token;

std::string sessions_in_db() { return sql("SELECT count(*) FROM attendance.sessions"); }

class sessions_api : public ::testing::Test {
protected:
    sessions_api()
        : port_(free_port()), server_({}, {{"PORT", std::to_string(port_)}, {"SESSION_SWEEP_SECONDS", "1"}}) {
        auto ready = poll(port_, "/readyz", [](const response& r) { return r.status == 200; });
        if (!ready || ready->status != 200) ADD_FAILURE() << "server not ready: " << server_.output();
    }
    std::optional<response> post(const std::string& target, const std::string& auth,
                                 const json& body = json::object()) {
        return request(port_, http::verb::post, target, {{"Authorization", auth}}, body.dump());
    }
    std::optional<response> get(const std::string& target, const std::string& auth) {
        return request(port_, http::verb::get, target, {{"Authorization", auth}});
    }
    std::uint16_t port_;
    server_process server_;
};

TEST_F(sessions_api, AProfessorOpensReadsAndClosesASession) {
    auto r = post("/api/attendance/sessions", professor(1),
                  {{"courseId", 1}, {"semesterId", 2}, {"room", "Sala A-12"}, {"maxRounds", 4}});
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201) << r->body;
    const auto s = json::parse(r->body);
    EXPECT_EQ(s["status"], "active");
    EXPECT_EQ(s["maxRounds"], 4);
    EXPECT_EQ(s["courseCode"], "ICI-1151");
    EXPECT_FALSE(s["courseName"].get<std::string>().empty());
    EXPECT_FALSE(s["professorName"].get<std::string>().empty());
    EXPECT_EQ(s["semester"], "2026-2");
    EXPECT_FALSE(s["closesAt"].get<std::string>().empty());
    const auto id = std::to_string(s["sessionId"].get<std::int64_t>());

    r = get("/api/attendance/sessions/" + id, professor(1));
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(get("/api/attendance/sessions/" + id, professor(2))->status, 403) << "another professor";
    EXPECT_EQ(get("/api/attendance/sessions/" + id, bearer_user(100001, tokens::user_role::alumno))->status, 403);
    EXPECT_EQ(get("/api/attendance/sessions/999999", professor(1))->status, 404);
    EXPECT_EQ(get("/api/attendance/sessions/abc", professor(1))->status, 400);

    // The legacy system's view, with the internal token only.
    const auto internal =
        "Bearer " + tokens::issue_internal_inbound_token(env_or_fail("JWT_SECRET_INTERNAL"), {}).token;
    r = get("/api/attendance/session/" + id + "/status", internal);
    ASSERT_EQ(r->status, 200);
    EXPECT_EQ(json::parse(r->body)["status"], "active");
    EXPECT_EQ(get("/api/attendance/session/" + id + "/status", professor(1))->status, 403);
    EXPECT_EQ(get("/api/attendance/session/" + id + "/status", "")->status, 401);

    r = post("/api/attendance/sessions/" + id + "/close", professor(1));
    ASSERT_EQ(r->status, 200);
    EXPECT_EQ(json::parse(r->body)["status"], "closed");
    EXPECT_FALSE(json::parse(r->body)["endTime"].is_null());
    r = post("/api/attendance/sessions/" + id + "/close", professor(1));
    EXPECT_EQ(r->status, 409);
    EXPECT_EQ(json::parse(r->body)["error"]["code"], "session_not_active");
    EXPECT_EQ(post("/api/attendance/sessions/" + id + "/cancel", professor(1))->status, 409);
}

TEST_F(sessions_api, CancelEndsAnActiveSession) {
    auto r = post("/api/attendance/sessions", professor(1), {{"courseId", 2}, {"semesterId", 2}, {"room", "B-201"}});
    ASSERT_EQ(r->status, 201) << r->body;
    const auto s = json::parse(r->body);
    EXPECT_EQ(s["maxRounds"], 5) << "the default (docs/scoring.md)";
    const auto id = std::to_string(s["sessionId"].get<std::int64_t>());
    EXPECT_EQ(post("/api/attendance/sessions/" + id + "/cancel", professor(2))->status, 403);
    r = post("/api/attendance/sessions/" + id + "/cancel", professor(1));
    EXPECT_EQ(json::parse(r->body)["status"], "cancelled");
}

TEST_F(sessions_api, ASessionClosesByItselfAfterItsMaximumDuration) {
    auto r = post("/api/attendance/sessions", professor(1), {{"courseId", 1}, {"semesterId", 2}, {"room", "D-3"}});
    ASSERT_EQ(r->status, 201) << r->body;
    const auto id = std::to_string(json::parse(r->body)["sessionId"].get<std::int64_t>());
    // As if SESSION_MAX_MINUTES had passed.
    sql("UPDATE attendance.sessions SET closes_at = NOW() - interval '1 second' WHERE session_id = " + id);
    std::string status;
    for (int i = 0; i < 100 && status != "closed"; ++i) {
        std::this_thread::sleep_for(100ms);
        r = get("/api/attendance/sessions/" + id, professor(1));
        status = r ? json::parse(r->body)["status"].get<std::string>() : "";
    }
    EXPECT_EQ(status, "closed") << "the sweep (SESSION_SWEEP_SECONDS=1) must close it";
}

TEST_F(sessions_api, RefusalsStoreNothing) {
    const auto before = sessions_in_db();
    // Professor 2 teaches course 4 as an assistant without tomar_asistencia.
    auto r = post("/api/attendance/sessions", professor(2), {{"courseId", 4}, {"semesterId", 2}, {"room", "C-1"}});
    EXPECT_EQ(r->status, 403);
    EXPECT_EQ(json::parse(r->body)["error"]["code"], "not_allowed");
    r = post("/api/attendance/sessions", bearer_user(100001, tokens::user_role::alumno),
             {{"courseId", 1}, {"semesterId", 2}, {"room", "x"}});
    EXPECT_EQ(r->status, 403);
    EXPECT_EQ(post("/api/attendance/sessions", professor(1), {{"semesterId", 2}, {"room", "x"}})->status, 400);
    EXPECT_EQ(
        post("/api/attendance/sessions", professor(1), {{"courseId", "1"}, {"semesterId", 2}, {"room", "x"}})->status,
        400);
    EXPECT_EQ(
        post("/api/attendance/sessions", professor(1), {{"courseId", 1}, {"semesterId", 2}, {"room", ""}})->status,
        400);
    EXPECT_EQ(post("/api/attendance/sessions", professor(1),
                   {{"courseId", 1}, {"semesterId", 2}, {"room", "x"}, {"maxRounds", 11}})
                  ->status,
              422);
    r = post("/api/attendance/sessions", professor(1), {{"courseId", 1}, {"semesterId", 1}, {"room", "x"}});
    EXPECT_EQ(r->status, 422);
    EXPECT_EQ(json::parse(r->body)["error"]["code"], "semester_mismatch");
    r = request(port_, http::verb::post, "/api/attendance/sessions", {{"Authorization", professor(1)}}, "[1,2]");
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(sessions_in_db(), before);
}

TEST_F(sessions_api, PhpDownIs503AndNothingIsStored) {
    const auto before = sessions_in_db();
    svc("php", "stop");
    const auto r = post("/api/attendance/sessions", professor(1), {{"courseId", 1}, {"semesterId", 2}, {"room", "A"}});
    svc("php", "start");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
    EXPECT_EQ(json::parse(r->body)["error"]["code"], "php_unavailable");
    EXPECT_EQ(sessions_in_db(), before);
}

} // namespace
