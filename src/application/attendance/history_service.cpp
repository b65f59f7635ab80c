// Session history and summaries; see history.hpp.
#include "asistencia/application/attendance/history.hpp"

#include "asistencia/application/attendance/review.hpp"
#include "asistencia/application/errors.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace asistencia::application::attendance {

namespace {

constexpr int max_page_size = 100;
constexpr int summary_session_limit = 1000; // a semester has far fewer classes

std::map<std::int64_t, const session_results*> by_session(const std::vector<session_results>& rs) {
    std::map<std::int64_t, const session_results*> m;
    for (const auto& r : rs) m[r.session_id] = &r;
    return m;
}

std::vector<std::int64_t> ids_of(const std::vector<session>& ss) {
    std::vector<std::int64_t> ids;
    ids.reserve(ss.size());
    for (const auto& s : ss) ids.push_back(s.session_id);
    return ids;
}

} // namespace

net::awaitable<void> history_service::check_course(std::int64_t professor_id, std::int64_t course_id) {
    const bool allowed = co_await courses_.may_take_attendance(professor_id, course_id);
    if (!allowed) throw forbidden("not_allowed", "you do not teach this course");
}

net::awaitable<history_page> history_service::professor_sessions(std::int64_t professor_id, history_query q) {
    if (q.page < 1 || q.page > 100000) throw invalid_value("invalid_parameter", "page must be 1 or more");
    if (q.page_size < 1 || q.page_size > max_page_size) {
        throw invalid_value("invalid_parameter", "pageSize must be 1 to 100");
    }
    if (q.filter.course_id) co_await check_course(professor_id, *q.filter.course_id);
    auto listed = co_await store_.professor_sessions(professor_id, q.filter, q.page_size, (q.page - 1) * q.page_size);
    auto ids = ids_of(listed.second);
    const auto results = co_await results_.find_results_many(std::move(ids));
    const auto index = by_session(results);
    history_page out;
    out.page = q.page;
    out.page_size = q.page_size;
    out.total = listed.first;
    for (auto& s : listed.second) {
        history_item item;
        item.s = std::move(s);
        if (const auto it = index.find(item.s.session_id); it != index.end()) {
            item.total = static_cast<int>(it->second->results.size());
            item.present =
                static_cast<int>(std::count_if(it->second->results.begin(), it->second->results.end(),
                                               [](const student_result& r) { return r.status == "PRESENT"; }));
        }
        out.items.push_back(std::move(item));
    }
    co_return out;
}

net::awaitable<course_summary> history_service::summary(std::int64_t professor_id, std::int64_t course_id,
                                                        std::int64_t semester_id) {
    co_await check_course(professor_id, course_id);
    const auto course = co_await courses_.course(course_id);
    const auto list = co_await courses_.students(course_id, semester_id);
    history_filter filter;
    filter.course_id = course_id;
    filter.semester_id = semester_id;
    auto listed = co_await store_.professor_sessions(professor_id, filter, summary_session_limit, 0);
    auto sessions = std::move(listed.second);
    // Closed classes only: an open one has no final results yet, a cancelled one never counts.
    std::erase_if(sessions, [](const session& s) { return s.status != "closed"; });
    std::reverse(sessions.begin(), sessions.end()); // oldest first, like a register
    auto ids = ids_of(sessions);
    const auto results = co_await results_.find_results_many(std::move(ids));
    const auto index = by_session(results);

    course_summary out;
    out.course_id = course_id;
    out.course_code = course.code;
    out.course_name = course.name;
    out.semester_id = semester_id;
    // Per session: user -> effective status.
    std::vector<std::map<std::int64_t, std::string>> status_at;
    for (const auto& s : sessions) {
        summary_session col;
        col.session_id = s.session_id;
        col.date = s.start_time.substr(0, 10);
        col.start_time = s.start_time;
        col.room = s.room;
        out.sessions.push_back(std::move(col));
        auto& m = status_at.emplace_back();
        if (const auto it = index.find(s.session_id); it != index.end()) {
            for (const auto& r : it->second->results) m[r.user_id] = r.status;
        }
    }
    for (const auto& student : list) {
        summary_student row;
        row.user_id = student.user_id;
        row.name = student.name;
        row.rut = student.rut;
        row.total = static_cast<int>(sessions.size());
        for (const auto& m : status_at) {
            const auto it = m.find(student.user_id);
            row.statuses.push_back(it == m.end() ? "NOT_JOINED" : it->second);
            if (row.statuses.back() == "PRESENT") ++row.attended;
        }
        if (row.total > 0) row.percentage = std::round(1000.0 * row.attended / row.total) / 10.0;
        out.students.push_back(std::move(row));
    }
    co_return out;
}

net::awaitable<std::vector<student_attendance_item>> history_service::student_attendance(
    std::int64_t user_id, std::optional<std::int64_t> semester_id) {
    const auto sessions = co_await store_.student_sessions(user_id, semester_id);
    auto ids = ids_of(sessions);
    const auto results = co_await results_.find_results_many(std::move(ids));
    const auto index = by_session(results);
    std::vector<student_attendance_item> out;
    for (const auto& s : sessions) {
        student_attendance_item item;
        item.session_id = s.session_id;
        item.course_id = s.course_id;
        item.course_code = s.course_code;
        item.course_name = s.course_name;
        item.semester_id = s.semester_id;
        item.date = s.start_time.substr(0, 10);
        item.start_time = s.start_time;
        item.session_status = s.status;
        item.status = "PENDING";
        if (const auto it = index.find(s.session_id); it != index.end()) {
            for (const auto& r : it->second->results) {
                if (r.user_id != user_id) continue;
                item.status = r.status;
                item.score = r.certainty;
                item.overridden = r.overridden;
            }
        }
        out.push_back(std::move(item));
    }
    co_return out;
}

std::string render_summary_csv(const course_summary& s) {
    std::string out = "\xEF\xBB\xBF"; // UTF-8 BOM, as report.csv
    out += "id_alumno;rut;nombre";
    for (const auto& c : s.sessions) out += ";" + csv_field(c.date + " #" + std::to_string(c.session_id));
    out += ";asistidas;sesiones;porcentaje\r\n";
    for (const auto& st : s.students) {
        std::string row = std::to_string(st.user_id) + ";" + csv_field(st.rut) + ";" + csv_field(st.name);
        for (const auto& status : st.statuses) row += ";" + csv_field(csv_status_label(status));
        row += ";" + std::to_string(st.attended) + ";" + std::to_string(st.total) + ";";
        if (st.percentage) {
            auto p = std::to_string(*st.percentage);
            p = p.substr(0, p.find('.') + 2); // one decimal (already rounded)
            row += p;
        }
        out += row + "\r\n";
    }
    return out;
}

} // namespace asistencia::application::attendance
