// A session's results for the legacy system; see result_repository.hpp.
#include "asistencia/infra/repositories/result_repository.hpp"

#include <pqxx/pqxx>

#include <map>

namespace asistencia::infra::repositories {

namespace {

using application::attendance::session_results;
using application::attendance::student_result;

template <class T>
std::optional<T> opt(const pqxx::field& f) {
    if (f.is_null()) return std::nullopt;
    return f.as<T>();
}

} // namespace

result_repository::result_repository(postgres::pool& pool) : pool_(pool) {
    // fecha: the date of start_time. Timestamps are written with NOW() by a server whose
    // PostgreSQL session runs in UTC, so this is the UTC date, the same the outbox rows use.
    pool_.prepare("results_session",
                  "SELECT session_id, professor_id, COALESCE(status, 'active'), COALESCE(course_id, 0), "
                  "course_code, to_char(start_time, 'YYYY-MM-DD'), COALESCE(max_rounds, 3) "
                  "FROM attendance.sessions WHERE session_id = $1");
    // Every joined student, then those who never joined but have an override (the
    // professor marked them); the latest override wins over the computed status.
    // The entries of several sessions at once ($1 an array): the history and the summaries
    // read many sessions with this one definition of the effective status.
    pool_.prepare(
        "results_entries",
        "WITH latest AS (SELECT DISTINCT ON (session_id, user_id) session_id, user_id, to_status "
        "  FROM attendance.result_overrides WHERE session_id = ANY($1::int[]) "
        "  ORDER BY session_id, user_id, override_id DESC), "
        "people AS (SELECT r.session_id, r.user_id, r.registration_id, r.queue_position "
        "  FROM attendance.registrations r WHERE r.session_id = ANY($1::int[]) "
        "  UNION ALL SELECT l.session_id, l.user_id, NULL, NULL FROM latest l WHERE NOT EXISTS "
        "  (SELECT 1 FROM attendance.registrations r WHERE r.session_id = l.session_id AND r.user_id = l.user_id)) "
        "SELECT p.user_id, p.registration_id, res.final_status, res.certainty_score, "
        "res.successful_rounds, res.total_rounds, res.median_response_time_ms, l.to_status, "
        "COALESCE(o.status = 'delivered', FALSE), p.session_id "
        "FROM people p "
        "LEFT JOIN attendance.results res ON res.registration_id = p.registration_id "
        "LEFT JOIN latest l ON l.session_id = p.session_id AND l.user_id = p.user_id "
        "LEFT JOIN attendance.legacy_outbox o ON o.session_id = p.session_id AND o.user_id = p.user_id "
        "ORDER BY p.session_id, p.queue_position NULLS LAST, p.user_id");
    pool_.prepare("results_sessions",
                  "SELECT session_id, professor_id, COALESCE(status, 'active'), COALESCE(course_id, 0), "
                  "course_code, to_char(start_time, 'YYYY-MM-DD'), COALESCE(max_rounds, 3) "
                  "FROM attendance.sessions WHERE session_id = ANY($1::int[]) ORDER BY session_id");
}

namespace {

session_results head_of(const pqxx::row& h, int& max_rounds) {
    session_results out;
    out.session_id = h[0].as<std::int64_t>();
    out.professor_id = h[1].as<std::int64_t>();
    out.status = h[2].as<std::string>();
    out.course_id = h[3].as<std::int64_t>();
    out.course_code = h[4].as<std::string>();
    out.fecha = h[5].as<std::string>();
    max_rounds = h[6].as<int>();
    return out;
}

student_result entry_of(const pqxx::row& r, int max_rounds) {
    student_result s;
    s.user_id = r[0].as<std::int64_t>();
    s.registration_id = opt<std::int64_t>(r[1]);
    s.computed_status = opt<std::string>(r[2]);
    s.certainty = opt<double>(r[3]);
    s.successful_rounds = opt<int>(r[4]).value_or(0);
    s.total_rounds = opt<int>(r[5]).value_or(max_rounds);
    s.median_rt_ms = opt<double>(r[6]);
    const auto override_to = opt<std::string>(r[7]);
    s.overridden = override_to.has_value();
    s.status = override_to.value_or(s.computed_status.value_or("PENDING"));
    s.synced_to_legacy = r[8].as<bool>();
    return s;
}

// A PostgreSQL int[] literal of the ids ("{1,2,3}").
std::string id_array(const std::vector<std::int64_t>& ids) {
    std::string a = "{";
    for (std::size_t i = 0; i < ids.size(); ++i) a += (i ? "," : "") + std::to_string(ids[i]);
    return a + "}";
}

} // namespace

net::awaitable<std::optional<session_results>> result_repository::find_results(std::int64_t session_id) {
    co_return co_await pool_.with_read_transaction(
        "session_results", [session_id](pqxx::read_transaction& tx) -> std::optional<session_results> {
            const auto head = tx.exec_prepared("results_session", session_id);
            if (head.empty()) return std::nullopt;
            int max_rounds = 3;
            auto out = head_of(head[0], max_rounds);
            for (const auto& r : tx.exec_prepared("results_entries", id_array({session_id}))) {
                out.results.push_back(entry_of(r, max_rounds));
            }
            return out;
        });
}

net::awaitable<std::vector<session_results>> result_repository::find_results_many(std::vector<std::int64_t> ids) {
    if (ids.empty()) co_return std::vector<session_results>{};
    // Captured by reference: a lambda owning a string, passed as a temporary into the
    // awaited call, is destroyed twice by GCC 12's coroutine lowering.
    const std::string array = id_array(ids);
    co_return co_await pool_.with_read_transaction("session_results_many", [&array](pqxx::read_transaction& tx) {
        const auto& ids = array;
        std::vector<session_results> out;
        std::map<std::int64_t, std::pair<std::size_t, int>> at; // session id -> index, max_rounds
        for (const auto& h : tx.exec_prepared("results_sessions", ids)) {
            int max_rounds = 3;
            out.push_back(head_of(h, max_rounds));
            at[out.back().session_id] = {out.size() - 1, max_rounds};
        }
        for (const auto& r : tx.exec_prepared("results_entries", ids)) {
            const auto it = at.find(r[9].as<std::int64_t>());
            if (it == at.end()) continue;
            out[it->second.first].results.push_back(entry_of(r, it->second.second));
        }
        return out;
    });
}

} // namespace asistencia::infra::repositories
