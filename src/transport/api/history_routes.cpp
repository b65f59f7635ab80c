// History endpoints; see history_routes.hpp.
#include "asistencia/transport/api/history_routes.hpp"

#include "asistencia/application/errors.hpp"
#include "asistencia/transport/api/request_helpers.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <charconv>

namespace asistencia::transport::api {

namespace {

namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace att = application::attendance;
using nlohmann::json;

// An optional query parameter as a number in [1, max]; 400 invalid_parameter otherwise.
std::optional<std::int64_t> query_number(const http::request_context& ctx, std::string_view key,
                                         std::int64_t max = 2147483647) {
    const auto v = ctx.query(key);
    if (!v || v->empty()) return std::nullopt;
    std::int64_t n = 0;
    const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc{} || p != v->data() + v->size() || n < 1 || n > max) {
        throw application::malformed("invalid_parameter", std::string(key) + " must be a positive integer");
    }
    return n;
}

std::int64_t required_number(const http::request_context& ctx, std::string_view key) {
    const auto n = query_number(ctx, key);
    if (!n) throw application::malformed("invalid_parameter", std::string(key) + " is required");
    return *n;
}

json nullable(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

json to_json(const att::history_page& p) {
    json items = json::array();
    for (const auto& i : p.items) {
        const auto& s = i.s;
        items.push_back({{"sessionId", s.session_id},
                         {"courseId", s.course_id},
                         {"courseCode", s.course_code},
                         {"courseName", s.course_name},
                         {"semesterId", s.semester_id},
                         {"semester", s.semester},
                         {"room", s.room},
                         {"status", s.status},
                         {"maxRounds", s.max_rounds},
                         {"startTime", s.start_time},
                         {"endTime", s.end_time ? json(*s.end_time) : json(nullptr)},
                         {"registrations", s.registrations},
                         {"present", i.present},
                         {"total", i.total}});
    }
    return json{{"page", p.page}, {"pageSize", p.page_size}, {"total", p.total}, {"sessions", items}};
}

json to_json(const att::course_summary& s) {
    json sessions = json::array();
    for (const auto& c : s.sessions) {
        sessions.push_back(
            {{"sessionId", c.session_id}, {"date", c.date}, {"startTime", c.start_time}, {"room", c.room}});
    }
    json students = json::array();
    for (const auto& st : s.students) {
        students.push_back({{"userId", st.user_id},
                            {"name", st.name},
                            {"rut", st.rut.empty() ? json(nullptr) : json(st.rut)},
                            {"attended", st.attended},
                            {"total", st.total},
                            {"percentage", nullable(st.percentage)},
                            {"statuses", st.statuses}});
    }
    return json{{"courseId", s.course_id},     {"courseCode", s.course_code}, {"courseName", s.course_name},
                {"semesterId", s.semester_id}, {"sessions", sessions},        {"students", students}};
}

json to_json(const std::vector<att::student_attendance_item>& items) {
    json out = json::array();
    for (const auto& i : items) {
        out.push_back({{"sessionId", i.session_id},
                       {"courseId", i.course_id},
                       {"courseCode", i.course_code},
                       {"courseName", i.course_name},
                       {"semesterId", i.semester_id},
                       {"date", i.date},
                       {"startTime", i.start_time},
                       {"sessionStatus", i.session_status},
                       {"status", i.status},
                       {"score", nullable(i.score)},
                       {"overridden", i.overridden}});
    }
    return out;
}

std::int64_t course_param(const http::request_context& ctx) { return path_id(ctx, "courseId"); }

} // namespace

void add_history_routes(http::server& server, const auth::authenticator& auth, att::history_service& history) {
    server.add_route(bhttp::verb::get, "/api/professor/sessions",
                     [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto who = auth.professor(authorization(ctx));
                         att::history_query q;
                         q.filter.course_id = query_number(ctx, "courseId");
                         q.filter.semester_id = query_number(ctx, "semesterId");
                         q.page = static_cast<int>(query_number(ctx, "page", 100000).value_or(1));
                         q.page_size = static_cast<int>(query_number(ctx, "pageSize", 1000).value_or(20));
                         co_return json_ok(to_json(co_await history.professor_sessions(who.user_id, q)));
                     });
    server.add_route(bhttp::verb::get, "/api/professor/courses/:courseId/summary",
                     [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto who = auth.professor(authorization(ctx));
                         const auto course = course_param(ctx);
                         const auto semester = required_number(ctx, "semesterId");
                         co_return json_ok(to_json(co_await history.summary(who.user_id, course, semester)));
                     });
    server.add_route(bhttp::verb::get, "/api/professor/courses/:courseId/summary.csv",
                     [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto who = auth.professor(authorization(ctx));
                         const auto course = course_param(ctx);
                         const auto semester = required_number(ctx, "semesterId");
                         const auto s = co_await history.summary(who.user_id, course, semester);
                         http::http_response res{bhttp::status::ok, 11};
                         res.set(bhttp::field::content_type, "text/csv; charset=utf-8");
                         std::string code;
                         for (const char c : s.course_code) {
                             code += (std::isalnum(static_cast<unsigned char>(c)) || c == '-') ? c : '_';
                         }
                         res.set(bhttp::field::content_disposition,
                                 "attachment; filename=\"resumen-" + code + "-" + std::to_string(semester) + ".csv\"");
                         res.body() = att::render_summary_csv(s);
                         co_return res;
                     });
    server.add_route(bhttp::verb::get, "/api/student/attendance",
                     [&](http::request_context& ctx) -> net::awaitable<http::http_response> {
                         const auto who = auth.student(authorization(ctx));
                         const auto semester = query_number(ctx, "semesterId");
                         const auto items = co_await history.student_attendance(who.user_id, semester);
                         co_return json_ok(json{{"semesterId", semester ? json(*semester) : json(nullptr)},
                                                {"sessions", to_json(items)}});
                     });
}

} // namespace asistencia::transport::api
