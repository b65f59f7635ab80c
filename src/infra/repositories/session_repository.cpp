// attendance.sessions; see session_repository.hpp.
#include "asistencia/infra/repositories/session_repository.hpp"

#include <pqxx/pqxx>

namespace asistencia::infra::repositories {

namespace {

using application::attendance::new_session;
using application::attendance::session;

#define ISO(col) "to_char(" col ", 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

// Every read returns these columns in this order (see to_session).
constexpr const char* session_columns =
    "s.session_id, s.professor_id, s.professor_name, COALESCE(s.course_id, 0), s.course_code, s.course_name, "
    "COALESCE(s.semester_id, 0), s.semester, s.room, COALESCE(s.max_rounds, 3), COALESCE(s.status, 'active'), "
    ISO("s.start_time") ", " ISO("s.end_time") ", COALESCE(" ISO("s.closes_at") ", ''), "
    "(SELECT count(*) FROM attendance.registrations r WHERE r.session_id = s.session_id)";

#undef ISO

session to_session(const pqxx::row& r) {
    session s;
    s.session_id = r[0].as<std::int64_t>();
    s.professor_id = r[1].as<std::int64_t>();
    s.professor_name = r[2].as<std::string>();
    s.course_id = r[3].as<std::int64_t>();
    s.course_code = r[4].as<std::string>();
    s.course_name = r[5].as<std::string>();
    s.semester_id = r[6].as<std::int64_t>();
    s.semester = r[7].as<std::string>();
    s.room = r[8].as<std::string>();
    s.max_rounds = r[9].as<int>();
    s.status = r[10].as<std::string>();
    s.start_time = r[11].as<std::string>();
    if (!r[12].is_null()) s.end_time = r[12].as<std::string>();
    s.closes_at = r[13].as<std::string>();
    s.registrations = r[14].as<std::int64_t>();
    return s;
}

std::string select_where(const char* where) {
    return std::string("SELECT ") + session_columns + " FROM attendance.sessions s WHERE " + where;
}

} // namespace

session_repository::session_repository(postgres::pool& pool) : pool_(pool) {
    pool_.prepare("session_insert",
                  "INSERT INTO attendance.sessions (professor_id, professor_name, course_code, course_name, room, "
                  "semester, start_time, max_rounds, status, course_id, semester_id, closes_at) "
                  "VALUES ($1, $2, $3, $4, $5, $6, NOW(), $7, 'active', $8, $9, NOW() + make_interval(mins => $10)) "
                  "RETURNING session_id");
    pool_.prepare("session_find", select_where("s.session_id = $1"));
    pool_.prepare("session_finish",
                  "UPDATE attendance.sessions SET status = $2, end_time = NOW() "
                  "WHERE session_id = $1 AND status = 'active' RETURNING session_id");
    // History (history_store): NULL filters match everything.
    constexpr const char* professor_filter =
        "s.professor_id = $1 AND ($2::int IS NULL OR s.course_id = $2::int) "
        "AND ($3::int IS NULL OR s.semester_id = $3::int)";
    pool_.prepare("history_professor_page",
                  select_where(professor_filter) + " ORDER BY s.start_time DESC, s.session_id DESC LIMIT $4 OFFSET $5");
    pool_.prepare("history_professor_count",
                  std::string("SELECT count(*) FROM attendance.sessions s WHERE ") + professor_filter);
    pool_.prepare("history_student",
                  select_where("(EXISTS (SELECT 1 FROM attendance.registrations r WHERE r.session_id = s.session_id "
                               "AND r.user_id = $1) OR EXISTS (SELECT 1 FROM attendance.result_overrides o "
                               "WHERE o.session_id = s.session_id AND o.user_id = $1)) "
                               "AND ($2::int IS NULL OR s.semester_id = $2::int)") +
                      " ORDER BY s.start_time DESC, s.session_id DESC LIMIT 500");
}

net::awaitable<session> session_repository::create(new_session n) {
    co_return co_await pool_.with_transaction("session_create", [&](pqxx::work& w) {
        const auto id =
            w.exec_prepared1("session_insert", n.professor_id, n.professor_name, n.course_code, n.course_name, n.room,
                             n.semester, n.max_rounds, n.course_id, n.semester_id, n.max_minutes)[0]
                .as<std::int64_t>();
        return to_session(w.exec_prepared1("session_find", id));
    });
}

net::awaitable<std::optional<session>> session_repository::find(std::int64_t session_id) {
    co_return co_await pool_.with_single_statement("session_find",
                                                   [session_id](pqxx::nontransaction& tx) -> std::optional<session> {
                                                       const auto r = tx.exec_prepared("session_find", session_id);
                                                       if (r.empty()) return std::nullopt;
                                                       return to_session(r[0]);
                                                   });
}

net::awaitable<std::optional<session>> session_repository::finish(std::int64_t session_id, std::string status) {
    co_return co_await pool_.with_transaction("session_finish", [&](pqxx::work& w) -> std::optional<session> {
        if (w.exec_prepared("session_finish", session_id, status).empty()) return std::nullopt;
        return to_session(w.exec_prepared1("session_find", session_id));
    });
}

net::awaitable<std::pair<std::int64_t, std::vector<session>>> session_repository::professor_sessions(
    std::int64_t professor_id, application::attendance::history_filter f, int limit, int offset) {
    co_return co_await pool_.with_read_transaction("history_professor", [&](pqxx::read_transaction& tx) {
        const auto total = tx.exec_prepared1("history_professor_count", professor_id, f.course_id, f.semester_id)[0]
                               .as<std::int64_t>();
        std::vector<session> out;
        for (const auto& r :
             tx.exec_prepared("history_professor_page", professor_id, f.course_id, f.semester_id, limit, offset)) {
            out.push_back(to_session(r));
        }
        return std::make_pair(total, std::move(out));
    });
}

net::awaitable<std::vector<session>> session_repository::student_sessions(std::int64_t user_id,
                                                                          std::optional<std::int64_t> semester_id) {
    co_return co_await pool_.with_single_statement("history_student", [&](pqxx::nontransaction& tx) {
        std::vector<session> out;
        for (const auto& r : tx.exec_prepared("history_student", user_id, semester_id)) out.push_back(to_session(r));
        return out;
    });
}

} // namespace asistencia::infra::repositories
