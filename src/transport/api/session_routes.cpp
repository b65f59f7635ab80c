// Session endpoints; see session_routes.hpp.
#include "asistencia/transport/api/session_routes.hpp"

#include "asistencia/application/errors.hpp"
#include "asistencia/transport/api/request_bodies.hpp"
#include "asistencia/transport/api/request_helpers.hpp"

#include <cstdint>
#include <map>
#include <set>

namespace asistencia::transport::api {

namespace {

namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using application::attendance::session;
using nlohmann::json;

json to_json(const session& s) {
    return json{{"sessionId", s.session_id},
                {"status", s.status},
                {"maxRounds", s.max_rounds},
                {"courseId", s.course_id},
                {"courseCode", s.course_code},
                {"courseName", s.course_name},
                {"semesterId", s.semester_id},
                {"semester", s.semester},
                {"room", s.room},
                {"professorId", s.professor_id},
                {"professorName", s.professor_name},
                {"startTime", s.start_time},
                {"endTime", s.end_time ? json(*s.end_time) : json(nullptr)},
                {"closesAt", s.closes_at},
                {"registrations", s.registrations}};
}

json optional_number(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

json to_json(const application::attendance::override_view& o) {
    return json{{"userId", o.user_id},
                {"from", o.from_status ? json(*o.from_status) : json(nullptr)},
                {"status", o.to_status},
                {"reasonCode", o.reason_code},
                {"reasonText", o.reason_text ? json(*o.reason_text) : json(nullptr)},
                {"performedBy", o.performed_by},
                {"at", o.at}};
}

json to_json(const application::attendance::student_review& st) {
    json attempts = json::array();
    for (const auto& a : st.attempts) {
        const auto b = [](const std::optional<bool>& v) { return v ? json(*v) : json(nullptr); };
        attempts.push_back({{"round", a.round},
                            {"status", a.status},
                            {"rtMs", a.rt_ms ? json(*a.rt_ms) : json(nullptr)},
                            {"checks",
                             {{"secret", b(a.secret_valid)},
                              {"totps", b(a.totps_valid)},
                              {"totpu", b(a.totpu_valid)},
                              {"rt", b(a.rt_valid)}}},
                            {"at", a.at}});
    }
    json overrides = json::array();
    for (const auto& o : st.overrides) overrides.push_back(to_json(o));
    json result = nullptr;
    if (st.result) {
        const auto& r = *st.result;
        result = {{"status", r.status},
                  {"score", r.score},
                  {"final", st.result_final},
                  {"successfulRounds", r.successful_rounds},
                  {"failedRounds", r.failed_rounds},
                  {"failedAttempts", r.failed_attempts},
                  {"components",
                   {{"base", r.base},
                    {"jitterPenalty", r.jitter_penalty},
                    {"failurePenalty", r.failure_penalty},
                    {"flaggedCapApplied", r.flagged_cap_applied},
                    {"thresholdMs", r.threshold_ms},
                    // Scoring v2's decision: the student's median RT vs the class's.
                    {"scoringVersion", r.scoring_version},
                    {"statisticMs", optional_number(r.statistic_ms)},
                    {"classMedianMs", r.class_median_ms},
                    {"classMadMs", r.class_mad_ms},
                    {"classStudents", r.class_students}}},
                  {"explanation", r.explanation},
                  {"statistics",
                   {{"avgMs", optional_number(r.avg_ms)},
                    {"stdDevMs", optional_number(r.std_dev_ms)},
                    {"minMs", optional_number(r.min_ms)},
                    {"maxMs", optional_number(r.max_ms)},
                    {"medianMs", optional_number(r.median_ms)}}}};
    }
    return json{{"userId", st.user_id},
                {"registrationId", st.registration_id ? json(*st.registration_id) : json(nullptr)},
                {"queuePosition", st.registration_id ? json(st.queue_position) : json(nullptr)},
                {"status", st.effective_status()},
                {"deviceFlagged", st.device_flagged},
                {"flagReason", st.flag_reason ? json(*st.flag_reason) : json(nullptr)},
                {"result", result},
                {"override", st.last_override ? to_json(*st.last_override) : json(nullptr)},
                {"overrides", overrides},
                {"attempts", attempts}};
}

using course_list = std::vector<application::attendance::course_student>;

// Name and RUT from the course list (null when the list is unavailable or the student left it).
void add_names(json& student, std::int64_t user_id, const course_list& list) {
    student["name"] = nullptr;
    student["rut"] = nullptr;
    for (const auto& c : list) {
        if (c.user_id != user_id) continue;
        student["name"] = c.name;
        student["rut"] = c.rut;
        break;
    }
}

json to_json(const session& s, const application::attendance::session_review& r, const course_list& list = {}) {
    json students = json::array();
    int present = 0;
    for (const auto& st : r.students) {
        students.push_back(to_json(st));
        add_names(students.back(), st.user_id, list);
        if (st.effective_status() == "PRESENT") ++present;
    }
    return json{{"session", to_json(s)},
                {"baseline",
                 {{"medianMs", optional_number(r.baseline_median_ms)}, {"madMs", optional_number(r.baseline_mad_ms)}}},
                {"headcount", r.headcount ? json(*r.headcount) : json(nullptr)},
                {"present", present},
                {"headcountExceeded", r.headcount.has_value() && present > *r.headcount},
                {"students", students}};
}

// Where a student stands during the class: NOT_JOINED, JOINED (rounds under way) or DONE
// (every round answered or failed: a provisional or final result exists).
std::string roster_state(const application::attendance::student_review* st) {
    if (!st || !st->registration_id) return "NOT_JOINED";
    return st->result ? "DONE" : "JOINED";
}

int rounds_succeeded(const application::attendance::student_review* st) {
    if (!st) return 0;
    std::set<int> rounds;
    for (const auto& a : st->attempts) {
        if (a.status == "success") rounds.insert(a.round);
    }
    return static_cast<int>(rounds.size());
}

json roster_entry(std::int64_t user_id, json name, json rut, bool listed,
                  const application::attendance::student_review* st) {
    return json{{"userId", user_id},
                {"name", std::move(name)},
                {"rut", std::move(rut)},
                {"listed", listed},
                {"state", roster_state(st)},
                {"roundsSucceeded", rounds_succeeded(st)},
                {"status", st ? json(st->effective_status()) : json("NOT_JOINED")},
                {"final", st && st->result_final},
                {"deviceFlagged", st && st->device_flagged}};
}

// The course list (legacy system, through the cache) joined to the review: everyone on the
// list in its order, then anyone reviewed who is no longer on it.
json roster_json(const application::attendance::listed_review& lr) {
    std::map<std::int64_t, const application::attendance::student_review*> by_user;
    for (const auto& st : lr.review.students) by_user[st.user_id] = &st;
    json students = json::array();
    std::set<std::int64_t> seen;
    json counts = {{"listed", lr.list.size()}, {"joined", 0}, {"done", 0}};
    for (const auto& c : lr.list) {
        const auto it = by_user.find(c.user_id);
        const auto* st = it == by_user.end() ? nullptr : it->second;
        students.push_back(roster_entry(c.user_id, c.name, c.rut, true, st));
        seen.insert(c.user_id);
    }
    for (const auto& st : lr.review.students) {
        if (!seen.contains(st.user_id)) students.push_back(roster_entry(st.user_id, nullptr, nullptr, false, &st));
    }
    for (const auto& e : students) {
        if (e["state"] != "NOT_JOINED") counts["joined"] = counts["joined"].get<int>() + 1;
        if (e["state"] == "DONE") counts["done"] = counts["done"].get<int>() + 1;
    }
    return json{{"sessionId", lr.s.session_id},
                {"status", lr.s.status},
                {"maxRounds", lr.s.max_rounds},
                {"counts", counts},
                {"students", students}};
}

json to_json(const application::attendance::override_outcome& o) {
    auto j = to_json(o.stored);
    j["legacyAlreadyRecorded"] = o.legacy_already_recorded;
    return j;
}

http::http_response csv_response(std::string body, const session& s) {
    http::http_response res{bhttp::status::ok, 11};
    res.set(bhttp::field::content_type, "text/csv; charset=utf-8");
    std::string code;
    for (const char c : s.course_code) code += (std::isalnum(static_cast<unsigned char>(c)) || c == '-') ? c : '_';
    res.set(bhttp::field::content_disposition,
            "attachment; filename=\"asistencia-" + code + "-" + std::to_string(s.session_id) + ".csv\"");
    res.body() = std::move(body);
    return res;
}

} // namespace

void add_session_routes(http::server& server, const auth::authenticator& auth,
                        application::attendance::session_service& sessions,
                        application::attendance::attendance_service& attendance,
                        application::attendance::review_service& review, const application::rate_limits& limits) {
    server.add_route(bhttp::verb::post, "/api/attendance/sessions",
                     [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto who = auth.professor(authorization(ctx));
                         auto r = parse_create_session(json_body(ctx));
                         const auto s = co_await sessions.create(who.user_id, std::move(r));
                         co_return http::json_response(bhttp::status::created, to_json(s).dump());
                     });
    server.add_route(bhttp::verb::get, "/api/attendance/sessions/:id",
                     [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto who = auth.professor(authorization(ctx));
                         co_return json_ok(to_json(co_await sessions.get(who.user_id, path_id(ctx))));
                     });
    server.add_route(bhttp::verb::post, "/api/attendance/sessions/:id/close",
                     [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto who = auth.professor(authorization(ctx));
                         co_return json_ok(to_json(co_await attendance.close(who.user_id, path_id(ctx))));
                     });
    server.add_route(bhttp::verb::post, "/api/attendance/sessions/:id/cancel",
                     [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto who = auth.professor(authorization(ctx));
                         co_return json_ok(to_json(co_await attendance.cancel(who.user_id, path_id(ctx))));
                     });
    server.add_route(bhttp::verb::get, "/api/attendance/sessions/:id/results",
                     [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto who = auth.professor(authorization(ctx));
                         const auto lr = co_await review.review_with_list(who.user_id, path_id(ctx), false);
                         co_return json_ok(to_json(lr.s, lr.review, lr.list));
                     });
    server.add_route(bhttp::verb::get, "/api/attendance/sessions/:id/roster",
                     [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto who = auth.professor(authorization(ctx));
                         const auto lr = co_await review.review_with_list(who.user_id, path_id(ctx), true);
                         co_return json_ok(roster_json(lr));
                     });
    server.add_route(bhttp::verb::post, "/api/attendance/sessions/:id/overrides",
                     [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto who = auth.professor(authorization(ctx));
                         const auto session_id = path_id(ctx);
                         auto o = parse_override(json_body(ctx));
                         const auto stored = co_await review.override_result(who.user_id, session_id, std::move(o));
                         co_return http::json_response(bhttp::status::created, to_json(stored).dump());
                     });
    server.add_route(
        bhttp::verb::put, "/api/attendance/sessions/:id/headcount",
        [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
            const auto who = auth.professor(authorization(ctx));
            const auto session_id = path_id(ctx);
            const auto body = json_body(ctx);
            const auto it = body.find("headcount");
            if (it == body.end() || it->is_null()) {
                throw application::malformed("invalid_field", "headcount is required");
            }
            if (!it->is_number_integer()) {
                throw application::malformed("invalid_field", "headcount must be an integer");
            }
            // Out of range (also a uint64 that would wrap) is 422 as before.
            if (it->is_number_unsigned() ? it->get<std::uint64_t>() > 10000
                                         : (it->get<std::int64_t>() < 0 || it->get<std::int64_t>() > 10000)) {
                throw application::invalid_value("invalid_headcount", "headcount must be 0 to 10000");
            }
            const auto headcount = it->get<std::int64_t>();
            const auto s = co_await review.set_headcount(who.user_id, session_id, static_cast<int>(headcount));
            co_return json_ok(to_json(s));
        });
    server.add_route(bhttp::verb::get, "/api/attendance/sessions/:id/report.csv",
                     [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto who = auth.professor(authorization(ctx));
                         const auto session_id = path_id(ctx);
                         auto [s, csv] = co_await review.report_csv(who.user_id, session_id);
                         co_return csv_response(std::move(csv), s);
                     });
    // The seed leaves this shape open: the session as above (PHP reads status and counts).
    server.add_route(bhttp::verb::get, "/api/attendance/session/:id/status",
                     [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto caller = auth.internal_or_user(authorization(ctx));
                         if (!caller.internal) {
                             throw application::forbidden("forbidden", "only the legacy system reads this");
                         }
                         co_await limits.check(limits.internal, auth.settings().php_issuer);
                         co_return json_ok(to_json(co_await sessions.get_any(path_id(ctx))));
                     });
}

} // namespace asistencia::transport::api
