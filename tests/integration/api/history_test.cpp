// History through the real server, PHP stand-in and PostgreSQL (issue 11 point 5, issue 12
// point 4): the professor's own sessions newest first and paginated with their counts, the
// per-course semester summary (JSON and CSV, effective status = override else result), the
// student's own sessions, ownership (403) and bad parameters (400/422). The database is
// shared with other tests, so assertions look at the rows this test adds (far-future dates,
// a student id nobody else uses) or at the difference they make.
#include "asistencia/domain/tokens/jwt.hpp"
#include "test_helpers.hpp"

#include <nlohmann/json.hpp>

#include <random>

using namespace server_test;
namespace tokens = asistencia::domain::tokens;
using nlohmann::json;

namespace {

class history_api : public ::testing::Test {
protected:
    history_api() : port_(free_port()), server_({}, {{"PORT", std::to_string(port_)}}) {
        auto ready = poll(port_, "/readyz", [](const response& r) { return r.status == 200; });
        if (!ready || ready->status != 200) ADD_FAILURE() << "server not ready: " << server_.output();
    }
    std::optional<response> get(const std::string& target, const std::string& auth) {
        return request(port_, http::verb::get, target, {{"Authorization", auth}});
    }
    json get_json(const std::string& target, const std::string& auth) {
        const auto r = get(target, auth);
        EXPECT_TRUE(r && r->status == 200) << target << ": " << (r ? r->body : "no answer");
        return r ? json::parse(r->body, nullptr, false) : json();
    }
    // A session of `professor` in course 5 (semester 1 in the stand-in) at `start`.
    std::string add_session(const std::string& start, const std::string& status = "closed", std::int64_t professor = 1,
                            std::int64_t course = 5, std::int64_t semester = 1) {
        return sql(
            "INSERT INTO attendance.sessions (professor_id, professor_name, course_code, course_name, room, "
            "semester, start_time, end_time, course_id, semester_id, status, max_rounds) VALUES (" +
            std::to_string(professor) + ", 'Prof', 'ICI-1150', 'Introducción', 'Sala H', '2026-1', '" + start + "', '" +
            start + "'::timestamp + interval '90 minutes', " + std::to_string(course) + ", " +
            std::to_string(semester) + ", '" + status + "', 3) RETURNING session_id");
    }
    void attend(const std::string& session, std::int64_t user, const std::string& status, double score) {
        const auto reg =
            sql("INSERT INTO attendance.registrations (session_id, user_id, queue_position, status) "
                "VALUES (" +
                session + ", " + std::to_string(user) +
                ", (SELECT COALESCE(max(queue_position), 0) + 1 FROM attendance.registrations WHERE "
                "session_id = " +
                session + "), 'completed') RETURNING registration_id");
        sql("INSERT INTO attendance.results (registration_id, total_rounds, successful_rounds, certainty_score, "
            "final_status, is_final) VALUES (" +
            reg + ", 3, 3, " + std::to_string(score) + ", '" + status + "', TRUE)");
    }
    void override_to(const std::string& session, std::int64_t user, const std::string& status) {
        sql("INSERT INTO attendance.result_overrides (session_id, user_id, from_status, to_status, reason_code, "
            "performed_by) VALUES (" +
            session + ", " + std::to_string(user) + ", NULL, '" + status + "', 'forgot_phone', 1)");
    }
    std::uint16_t port_;
    server_process server_;
};

const json* session_in(const json& list, const std::string& id) {
    for (const auto& s : list) {
        if (std::to_string(s["sessionId"].get<std::int64_t>()) == id) return &s;
    }
    return nullptr;
}

TEST_F(history_api, AProfessorListsOwnSessionsNewestFirstPaginated) {
    // After every session stored so far, so these are the newest whatever else ran before.
    const auto day = [](int n) {
        return sql(
            "SELECT to_char(date_trunc('day', GREATEST(NOW(), (SELECT max(start_time) FROM "
            "attendance.sessions))) + interval '" +
            std::to_string(n) +
            " days 10 hours', "
            "'YYYY-MM-DD HH24:MI:SS')");
    };
    const auto d1 = day(1), d2 = day(2), d3 = day(3), d4 = day(4);
    const auto oldest = add_session(d1);
    const auto middle = add_session(d2);
    const auto newest = add_session(d3, "cancelled");
    attend(middle, 100001, "PRESENT", 95);
    attend(middle, 100002, "DOUBTFUL", 50);
    override_to(middle, 100002, "PRESENT"); // counts as present
    attend(middle, 100003, "PRESENT", 90);
    override_to(middle, 100003, "ABSENT");                 // does not
    override_to(middle, 100004, "PRESENT");                // never joined, marked present
    const auto other = add_session(d4, "closed", 2, 3, 2); // professor 2's

    auto page1 = get_json("/api/professor/sessions?courseId=5&semesterId=1&page=1&pageSize=2", professor_token(1));
    ASSERT_TRUE(page1.is_object());
    EXPECT_EQ(page1["page"], 1);
    EXPECT_EQ(page1["pageSize"], 2);
    EXPECT_GE(page1["total"].get<int>(), 3);
    ASSERT_EQ(page1["sessions"].size(), 2u);
    EXPECT_EQ(std::to_string(page1["sessions"][0]["sessionId"].get<std::int64_t>()), newest);
    EXPECT_EQ(std::to_string(page1["sessions"][1]["sessionId"].get<std::int64_t>()), middle);
    const auto& m = page1["sessions"][1];
    EXPECT_EQ(m["courseId"], 5);
    EXPECT_EQ(m["room"], "Sala H");
    EXPECT_EQ(m["status"], "closed");
    const auto iso = [](const std::string& t) { return t.substr(0, 10) + "T" + t.substr(11) + ".000Z"; };
    EXPECT_EQ(m["startTime"], iso(d2));
    EXPECT_EQ(m["endTime"].get<std::string>().substr(0, 10), d2.substr(0, 10));
    EXPECT_EQ(m["present"], 3) << "100001, 100002 by override, 100004 marked; not 100003";
    EXPECT_EQ(m["total"], 4);
    EXPECT_EQ(page1["sessions"][0]["status"], "cancelled") << "every status is listed";

    auto page2 = get_json("/api/professor/sessions?courseId=5&semesterId=1&page=2&pageSize=2", professor_token(1));
    ASSERT_FALSE(page2["sessions"].empty());
    EXPECT_EQ(std::to_string(page2["sessions"][0]["sessionId"].get<std::int64_t>()), oldest);

    // Own sessions only: professor 1's unfiltered list never holds professor 2's.
    auto all = get_json("/api/professor/sessions?pageSize=100", professor_token(1));
    EXPECT_FALSE(session_in(all["sessions"], other));
    EXPECT_TRUE(session_in(all["sessions"], newest));
    auto theirs = get_json("/api/professor/sessions?pageSize=100", professor_token(2));
    EXPECT_TRUE(session_in(theirs["sessions"], other));
    EXPECT_FALSE(session_in(theirs["sessions"], newest));
}

TEST_F(history_api, TheListChecksWhoAndWhat) {
    EXPECT_EQ(get("/api/professor/sessions", "")->status, 401);
    EXPECT_EQ(get("/api/professor/sessions", student_token(100001))->status, 403);
    auto r = get("/api/professor/sessions?courseId=5", professor_token(2));
    EXPECT_EQ(r->status, 403) << "professor 2 does not teach course 5";
    for (const auto* q : {"?page=0", "?page=x", "?pageSize=-1", "?courseId=1.5", "?semesterId=abc"}) {
        r = get(std::string("/api/professor/sessions") + q, professor_token(1));
        EXPECT_EQ(r->status, 400) << q;
        EXPECT_EQ(json::parse(r->body)["error"]["code"], "invalid_parameter") << q;
    }
    EXPECT_EQ(get("/api/professor/sessions?pageSize=101", professor_token(1))->status, 422);
}

TEST_F(history_api, TheCourseSummaryCountsEffectiveStatusesPerStudent) {
    const auto before = get_json("/api/professor/courses/5/summary?semesterId=1", professor_token(1));
    ASSERT_TRUE(before.is_object());
    const auto student_row = [](const json& summary, std::int64_t user) -> json {
        for (const auto& s : summary["students"]) {
            if (s["userId"] == user) return s;
        }
        return nullptr;
    };
    const auto a0 = student_row(before, 100001);
    const auto b0 = student_row(before, 100002);
    ASSERT_FALSE(a0.is_null());
    ASSERT_FALSE(b0.is_null());

    const auto s1 = add_session("2035-04-01 10:00:00");
    const auto s2 = add_session("2035-04-02 10:00:00");
    const auto cancelled = add_session("2035-04-03 10:00:00", "cancelled");
    attend(s1, 100001, "PRESENT", 90);
    attend(s1, 100002, "DOUBTFUL", 55);
    attend(s2, 100001, "ABSENT", 10);
    override_to(s2, 100001, "PRESENT"); // the override wins
    attend(s2, 100002, "PRESENT", 88);
    override_to(s2, 100002, "ABSENT");
    attend(cancelled, 100001, "PRESENT", 99);

    const auto after = get_json("/api/professor/courses/5/summary?semesterId=1", professor_token(1));
    EXPECT_EQ(after["courseId"], 5);
    EXPECT_EQ(after["courseCode"], "ICI-1150");
    EXPECT_EQ(after["semesterId"], 1);
    EXPECT_EQ(after["sessions"].size(), before["sessions"].size() + 2) << "closed sessions only";
    std::size_t i1 = 0, i2 = 0;
    for (std::size_t i = 0; i < after["sessions"].size(); ++i) {
        const auto id = std::to_string(after["sessions"][i]["sessionId"].get<std::int64_t>());
        if (id == s1) i1 = i + 1;
        if (id == s2) i2 = i + 1;
        EXPECT_NE(id, cancelled);
    }
    ASSERT_TRUE(i1 && i2);
    EXPECT_LT(i1, i2) << "oldest first";
    EXPECT_EQ(after["sessions"][i1 - 1]["date"], "2035-04-01");

    const auto a = student_row(after, 100001);
    const auto b = student_row(after, 100002);
    EXPECT_EQ(a["name"], "Francisca Ignacia Cáceres Sánchez");
    EXPECT_EQ(a["rut"], "20664386-2");
    EXPECT_EQ(a["statuses"][i1 - 1], "PRESENT");
    EXPECT_EQ(a["statuses"][i2 - 1], "PRESENT");
    EXPECT_EQ(a["attended"].get<int>(), a0["attended"].get<int>() + 2);
    EXPECT_EQ(b["statuses"][i1 - 1], "DOUBTFUL");
    EXPECT_EQ(b["statuses"][i2 - 1], "ABSENT");
    EXPECT_EQ(b["attended"].get<int>(), b0["attended"].get<int>());
    EXPECT_EQ(a["total"].get<int>(), static_cast<int>(after["sessions"].size()));
    const double expected = std::round(1000.0 * a["attended"].get<int>() / a["total"].get<int>()) / 10.0;
    EXPECT_DOUBLE_EQ(a["percentage"].get<double>(), expected);
    // Someone on the list who never came: NOT_JOINED in the new sessions.
    const auto c = student_row(after, 100035);
    ASSERT_FALSE(c.is_null());
    EXPECT_EQ(c["statuses"][i1 - 1], "NOT_JOINED");

    // The CSV: BOM, ';', one row per student, the same numbers, Spanish labels.
    const auto csv = get("/api/professor/courses/5/summary.csv?semesterId=1", professor_token(1));
    ASSERT_EQ(csv->status, 200);
    ASSERT_TRUE(
        csv->body.starts_with("\xEF\xBB\xBF"
                              "id_alumno;rut;nombre;"));
    EXPECT_NE(csv->body.find("2035-04-01 #" + s1), std::string::npos);
    const auto line_start = csv->body.find("\r\n100001;");
    ASSERT_NE(line_start, std::string::npos);
    const auto line = csv->body.substr(line_start + 2, csv->body.find("\r\n", line_start + 2) - line_start - 2);
    EXPECT_TRUE(line.starts_with("100001;20664386-2;Francisca Ignacia Cáceres Sánchez;")) << line;
    EXPECT_TRUE(line.ends_with(";" + std::to_string(a["attended"].get<int>()) + ";" +
                               std::to_string(a["total"].get<int>()) + ";" +
                               [&] {
                                   auto p = std::to_string(expected);
                                   return p.substr(0, p.find('.') + 2);
                               }()))
        << line;
    EXPECT_NE(line.find(";PRESENTE;"), std::string::npos) << line;
    const auto rows = std::count(csv->body.begin(), csv->body.end(), '\n');
    EXPECT_EQ(rows, static_cast<long>(after["students"].size()) + 1);
}

TEST_F(history_api, TheSummaryIsTheTeachersOnly) {
    EXPECT_EQ(get("/api/professor/courses/5/summary?semesterId=1", professor_token(2))->status, 403);
    EXPECT_EQ(get("/api/professor/courses/5/summary.csv?semesterId=1", professor_token(2))->status, 403);
    EXPECT_EQ(get("/api/professor/courses/5/summary?semesterId=1", student_token(100001))->status, 403);
    EXPECT_EQ(get("/api/professor/courses/5/summary", professor_token(1))->status, 400) << "semesterId is required";
    EXPECT_EQ(get("/api/professor/courses/x/summary?semesterId=1", professor_token(1))->status, 400);
    EXPECT_EQ(get("/api/professor/courses/5/summary?semesterId=1", "")->status, 401);
}

TEST_F(history_api, AStudentSeesOwnSessionsWithTheEffectiveStatus) {
    std::mt19937_64 rng(std::random_device{}());
    const std::int64_t me = 300000 + static_cast<std::int64_t>(rng() % 600000); // nobody else's id
    const auto s1 = add_session("2035-06-01 10:00:00");
    const auto s2 = add_session("2035-06-02 10:00:00");
    const auto s3 = add_session("2035-06-03 10:00:00", "closed", 1, 1, 2); // another semester
    const auto unrelated = add_session("2035-06-04 10:00:00");
    attend(s1, me, "PRESENT", 91.5);
    attend(s2, me, "DOUBTFUL", 45);
    override_to(s2, me, "PRESENT");
    override_to(s3, me, "ABSENT"); // never joined, marked absent
    attend(unrelated, 100001, "PRESENT", 99);

    auto all = get_json("/api/student/attendance", student_token(me));
    ASSERT_EQ(all["sessions"].size(), 3u);
    EXPECT_TRUE(all["semesterId"].is_null());
    EXPECT_EQ(std::to_string(all["sessions"][0]["sessionId"].get<std::int64_t>()), s3) << "newest first";
    EXPECT_EQ(all["sessions"][0]["status"], "ABSENT");
    EXPECT_TRUE(all["sessions"][0]["score"].is_null());
    EXPECT_EQ(all["sessions"][0]["overridden"], true);
    const auto& second = all["sessions"][1];
    EXPECT_EQ(std::to_string(second["sessionId"].get<std::int64_t>()), s2);
    EXPECT_EQ(second["status"], "PRESENT");
    EXPECT_DOUBLE_EQ(second["score"].get<double>(), 45.0) << "the computed score stays visible";
    EXPECT_EQ(second["courseCode"], "ICI-1150");
    EXPECT_EQ(second["courseId"], 5);
    EXPECT_EQ(second["date"], "2035-06-02");
    const auto& third = all["sessions"][2];
    EXPECT_EQ(third["status"], "PRESENT");
    EXPECT_DOUBLE_EQ(third["score"].get<double>(), 91.5);
    EXPECT_EQ(third["overridden"], false);

    auto first_semester = get_json("/api/student/attendance?semesterId=1", student_token(me));
    EXPECT_EQ(first_semester["semesterId"], 1);
    EXPECT_EQ(first_semester["sessions"].size(), 2u);

    EXPECT_EQ(get("/api/student/attendance", professor_token(1))->status, 403);
    EXPECT_EQ(get("/api/student/attendance", "")->status, 401);
    EXPECT_EQ(get("/api/student/attendance?semesterId=-2", student_token(me))->status, 400);
    // Another student sees none of these.
    auto other = get_json("/api/student/attendance", student_token(me + 1));
    EXPECT_EQ(other["sessions"].size(), 0u);
}

} // namespace
