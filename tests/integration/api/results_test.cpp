// GET /api/attendance/session/:sessionId/results through the real server and PostgreSQL:
// the shape PHP reads (override over computed status, PENDING before a result, the outbox
// state), who may read it (internal token, the owning professor), 401/403/404, and the
// server's own outbox worker delivering a row to the PHP stand-in (syncedToLegacy, metrics).
#include "asistencia/domain/tokens/jwt.hpp"
#include "test_helpers.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <ctime>

using namespace server_test;
namespace tokens = asistencia::domain::tokens;
using nlohmann::json;

namespace {

const auto professor = professor_token;

std::int64_t fresh_session_id() { return 200000000 + static_cast<std::int64_t>(std::time(nullptr) % 1000000) * 100; }

class results_api : public ::testing::Test {
protected:
    results_api() : port_(free_port()), server_({}, {{"PORT", std::to_string(port_)}, {"OUTBOX_POLL_MS", "100"}}) {
        auto ready = poll(port_, "/readyz", [](const response& r) { return r.status == 200; });
        if (!ready || ready->status != 200) ADD_FAILURE() << "server not ready: " << server_.output();
    }
    std::optional<response> get(const std::string& target, const std::string& auth) {
        return request(port_, http::verb::get, target, {{"Authorization", auth}});
    }
    // A closed session of professor 1, course 1, started 2026-11-20 (UTC).
    std::string add_session(int offset) {
        const auto id = std::to_string(fresh_session_id() + offset);
        sql("INSERT INTO attendance.sessions (session_id, professor_id, professor_name, course_code, course_name, "
            "room, semester, start_time, end_time, course_id, semester_id, status, max_rounds) VALUES (" +
            id +
            ", 1, 'Prof', 'ICI-1151', 'Curso', 'A-1', '2026-2', '2026-11-20 15:00:00', "
            "'2026-11-20 16:00:00', 1, 2, 'closed', 3)");
        return id;
    }
    std::string add_registration(const std::string& session, std::int64_t user, int position) {
        return sql("INSERT INTO attendance.registrations (session_id, user_id, queue_position, status) VALUES (" +
                   session + ", " + std::to_string(user) + ", " + std::to_string(position) +
                   ", 'completed') RETURNING registration_id");
    }
    void add_result(const std::string& registration, const std::string& status, double certainty) {
        sql("INSERT INTO attendance.results (registration_id, total_rounds, successful_rounds, "
            "median_response_time_ms, certainty_score, final_status, is_final) VALUES (" +
            registration + ", 3, 3, 140.5, " + std::to_string(certainty) + ", '" + status + "', TRUE)");
    }
    std::uint16_t port_;
    server_process server_;
};

const json* entry_of(const json& results, std::int64_t user) {
    for (const auto& e : results) {
        if (e["userId"] == user) return &e;
    }
    return nullptr;
}

TEST_F(results_api, ThePhpSystemReadsEveryRegistrationWithItsEffectiveStatus) {
    const auto id = add_session(1);
    const auto present = add_registration(id, 100001, 1);
    add_result(present, "PRESENT", 92.5);
    sql("INSERT INTO attendance.legacy_outbox (session_id, user_id, course_id, fecha, certeza, status, delivered_at) "
        "VALUES (" +
        id + ", 100001, 1, '2026-11-20', 92, 'delivered', NOW())");
    const auto doubtful = add_registration(id, 100002, 2);
    add_result(doubtful, "DOUBTFUL", 55);
    // Two overrides: the latest one counts.
    sql("INSERT INTO attendance.result_overrides (session_id, user_id, from_status, to_status, reason_code, "
        "performed_by, created_at) VALUES (" +
        id +
        ", 100002, 'DOUBTFUL', 'ABSENT', 'technical_failure', 1, "
        "NOW() - interval '1 minute')");
    sql("INSERT INTO attendance.result_overrides (session_id, user_id, from_status, to_status, reason_code, "
        "performed_by) VALUES (" +
        id + ", 100002, 'ABSENT', 'PRESENT', 'forgot_phone', 1)");
    add_registration(id, 100003, 3); // no result yet

    for (const auto& auth : {bearer_internal(), professor(1)}) {
        const auto r = get("/api/attendance/session/" + id + "/results", auth);
        ASSERT_TRUE(r);
        ASSERT_EQ(r->status, 200) << r->body;
        const auto body = json::parse(r->body);
        EXPECT_EQ(body["sessionId"], std::stoll(id));
        EXPECT_EQ(body["status"], "closed");
        EXPECT_EQ(body["courseId"], 1);
        EXPECT_EQ(body["courseCode"], "ICI-1151");
        EXPECT_EQ(body["fecha"], "2026-11-20");
        EXPECT_EQ(body["final"], true);
        ASSERT_EQ(body["results"].size(), 3u);
        EXPECT_EQ(body["results"][0]["userId"], 100001) << "in arrival order";

        const auto* a = entry_of(body["results"], 100001);
        ASSERT_TRUE(a);
        EXPECT_EQ((*a)["registrationId"], std::stoll(present));
        EXPECT_EQ((*a)["status"], "PRESENT");
        EXPECT_EQ((*a)["computedStatus"], "PRESENT");
        EXPECT_DOUBLE_EQ((*a)["certainty"].get<double>(), 92.5);
        EXPECT_EQ((*a)["overridden"], false);
        EXPECT_EQ((*a)["successfulRounds"], 3);
        EXPECT_EQ((*a)["totalRounds"], 3);
        EXPECT_DOUBLE_EQ((*a)["medianRtMs"].get<double>(), 140.5);
        EXPECT_EQ((*a)["syncedToLegacy"], true);

        const auto* b = entry_of(body["results"], 100002);
        ASSERT_TRUE(b);
        EXPECT_EQ((*b)["status"], "PRESENT") << "the latest override";
        EXPECT_EQ((*b)["computedStatus"], "DOUBTFUL");
        EXPECT_EQ((*b)["overridden"], true);
        EXPECT_EQ((*b)["syncedToLegacy"], false);

        const auto* c = entry_of(body["results"], 100003);
        ASSERT_TRUE(c);
        EXPECT_EQ((*c)["status"], "PENDING");
        EXPECT_TRUE((*c)["computedStatus"].is_null());
        EXPECT_TRUE((*c)["certainty"].is_null());
        EXPECT_TRUE((*c)["medianRtMs"].is_null());
        EXPECT_EQ((*c)["overridden"], false);
        EXPECT_EQ((*c)["successfulRounds"], 0);
        EXPECT_EQ((*c)["totalRounds"], 3) << "the session's rounds before a result exists";
    }
}

TEST_F(results_api, OnlyThePhpSystemAndTheOwningProfessorReadResults) {
    const auto id = add_session(2);
    const auto target = "/api/attendance/session/" + id + "/results";
    auto r = get(target, "");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401);
    EXPECT_EQ(get(target, "Bearer not-a-token")->status, 401);
    r = get(target, bearer_user(100001, tokens::user_role::alumno));
    EXPECT_EQ(r->status, 403);
    EXPECT_EQ(json::parse(r->body)["error"]["code"], "forbidden");
    EXPECT_EQ(get(target, professor(2))->status, 403) << "another professor";
    r = get(target, professor(1));
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(json::parse(r->body)["results"].size(), 0u);

    r = get("/api/attendance/session/1999999999/results", bearer_internal());
    EXPECT_EQ(r->status, 404);
    EXPECT_EQ(json::parse(r->body)["error"]["code"], "session_not_found");
    // A professor cannot probe which sessions exist: an unknown one is 403 like another's.
    r = get("/api/attendance/session/1999999999/results", professor(2));
    EXPECT_EQ(r->status, 403);
    EXPECT_EQ(json::parse(r->body)["error"]["code"], "forbidden");
    EXPECT_EQ(get("/api/attendance/session/abc/results", bearer_internal())->status, 400);
}

TEST_F(results_api, TheServersOutboxWorkerDeliversAPresentResultToPhp) {
    const auto id = add_session(3);
    const auto student = std::stoll(sql("SELECT min(alumno_id) FROM curso_alumno WHERE curso_id = 1", "hawaii"));
    const auto reg = add_registration(id, student, 1);
    add_result(reg, "PRESENT", 88);
    // As the final result's transaction writes it: the server's worker posts it.
    sql("INSERT INTO attendance.legacy_outbox (session_id, user_id, course_id, fecha, certeza) VALUES (" + id + ", " +
        std::to_string(student) + ", 1, '2026-11-20', 88)");
    bool synced = false;
    for (int i = 0; i < 300 && !synced; ++i) {
        const auto r = get("/api/attendance/session/" + id + "/results", bearer_internal());
        synced = r && r->status == 200 && json::parse(r->body)["results"][0]["syncedToLegacy"] == true;
        if (!synced) std::this_thread::sleep_for(100ms);
    }
    EXPECT_TRUE(synced) << server_.output();
    EXPECT_EQ(sql("SELECT count(*) FROM alumno_asistencia WHERE session_id = '" + id +
                      "' AND metodo = 'criptografico' AND alumno_id = " + std::to_string(student),
                  "hawaii"),
              "1");
    const auto metrics = request(port_, http::verb::get, "/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_NE(metrics->body.find("asistencia_outbox_pending"), std::string::npos);
    const auto at = metrics->body.find("\nasistencia_outbox_delivered_total ");
    ASSERT_NE(at, std::string::npos) << metrics->body;
    EXPECT_GE(std::stod(metrics->body.substr(at + 35)), 1.0);
    EXPECT_NE(metrics->body.find("asistencia_outbox_retries_total"), std::string::npos);
    EXPECT_NE(metrics->body.find("asistencia_outbox_failed_total"), std::string::npos);
}

} // namespace
