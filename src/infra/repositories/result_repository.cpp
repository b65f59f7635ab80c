// A session's results for the legacy system; see result_repository.hpp.
#include "asistencia/infra/repositories/result_repository.hpp"

#include <pqxx/pqxx>

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
    pool_.prepare("results_entries",
                  "WITH latest AS (SELECT DISTINCT ON (user_id) user_id, to_status FROM attendance.result_overrides "
                  "  WHERE session_id = $1 ORDER BY user_id, override_id DESC), "
                  "people AS (SELECT r.user_id, r.registration_id, r.queue_position FROM attendance.registrations r "
                  "  WHERE r.session_id = $1 UNION ALL SELECT l.user_id, NULL, NULL FROM latest l WHERE NOT EXISTS "
                  "  (SELECT 1 FROM attendance.registrations r WHERE r.session_id = $1 AND r.user_id = l.user_id)) "
                  "SELECT p.user_id, p.registration_id, res.final_status, res.certainty_score, "
                  "res.successful_rounds, res.total_rounds, res.median_response_time_ms, l.to_status, "
                  "COALESCE(o.status = 'delivered', FALSE) "
                  "FROM people p "
                  "LEFT JOIN attendance.results res ON res.registration_id = p.registration_id "
                  "LEFT JOIN latest l ON l.user_id = p.user_id "
                  "LEFT JOIN attendance.legacy_outbox o ON o.session_id = $1 AND o.user_id = p.user_id "
                  "ORDER BY p.queue_position NULLS LAST, p.user_id");
}

net::awaitable<std::optional<session_results>> result_repository::find_results(std::int64_t session_id) {
    co_return co_await pool_.with_read_transaction(
        "session_results", [session_id](pqxx::read_transaction& tx) -> std::optional<session_results> {
            const auto head = tx.exec_prepared("results_session", session_id);
            if (head.empty()) return std::nullopt;
            const auto& h = head[0];
            session_results out;
            out.session_id = h[0].as<std::int64_t>();
            out.professor_id = h[1].as<std::int64_t>();
            out.status = h[2].as<std::string>();
            out.course_id = h[3].as<std::int64_t>();
            out.course_code = h[4].as<std::string>();
            out.fecha = h[5].as<std::string>();
            const int max_rounds = h[6].as<int>();
            for (const auto& r : tx.exec_prepared("results_entries", session_id)) {
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
                out.results.push_back(std::move(s));
            }
            return out;
        });
}

} // namespace asistencia::infra::repositories
