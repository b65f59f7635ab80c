// The class loop's tables; see attendance_repository.hpp. Times cross the boundary as
// milliseconds since the epoch; the columns are TIMESTAMP in UTC (the pool sets TimeZone).
#include "asistencia/infra/repositories/attendance_repository.hpp"

#include "asistencia/application/errors.hpp"

#include <pqxx/pqxx>

#include <cmath>
#include <map>
#include <sstream>

namespace asistencia::infra::repositories {

namespace {

using att::registration;
using att::registration_record;
using att::result_row;
using att::validation_row;
using att::validation_status;

// libpqxx 6 takes no std::optional parameters: an empty text stands for NULL (NULLIF).
template <class T>
std::string opt(const std::optional<T>& v) {
    if (!v) return {};
    if constexpr (std::is_same_v<T, bool>)
        return *v ? "true" : "false";
    else if constexpr (std::is_floating_point_v<T>) {
        std::ostringstream out;
        out.precision(17);
        out << *v;
        return out.str();
    } else
        return std::to_string(*v);
}

#define MS(col) "(EXTRACT(EPOCH FROM " col ") * 1000)::bigint"

constexpr const char* registration_columns =
    "registration_id, session_id, user_id, COALESCE(device_id, 0), queue_position, COALESCE(status, 'active'), "
    "device_flagged";

registration to_registration(const pqxx::row& r) {
    registration g;
    g.registration_id = r[0].as<std::int64_t>();
    g.session_id = r[1].as<std::int64_t>();
    g.user_id = r[2].as<std::int64_t>();
    g.device_id = r[3].as<std::int64_t>();
    g.queue_position = r[4].as<int>();
    g.status = r[5].as<std::string>();
    g.device_flagged = r[6].as<bool>();
    return g;
}

#define VALIDATION_COLUMNS(v)                                                                                      \
    v "registration_id, " v "round_number, " MS(v "qr_generated_at") ", " MS(v "qr_scanned_at") ", " MS(           \
        v "response_received_at") ", " v "response_time_ms, " v "totpu_valid, " v "totps_valid, " v "rt_valid, " v \
                                  "secret_valid, COALESCE(" v "validation_status, 'invalid'), COALESCE(" v         \
                                  "failed_attempts, 0)"
constexpr const char* validation_columns = VALIDATION_COLUMNS("");
constexpr pqxx::row::size_type registration_column_count = 7;

// One student's registration and attempts in one statement (autocommit: one round trip, one
// snapshot): the registration's columns, then the attempt's (NULL for a registration without any).
constexpr const char* record_of_student =
    "SELECT r.registration_id, r.session_id, r.user_id, COALESCE(r.device_id, 0), r.queue_position, "
    "COALESCE(r.status, 'active'), r.device_flagged, " VALIDATION_COLUMNS("v.")
    " FROM attendance.registrations r LEFT JOIN attendance.validations v ON v.registration_id = r.registration_id "
    "WHERE r.session_id = $1 AND r.user_id = $2 ORDER BY v.validation_id";

validation_status parse_status(const std::string& s) {
    if (s == "success") return validation_status::success;
    if (s == "failed") return validation_status::failed;
    if (s == "timeout") return validation_status::timeout;
    return validation_status::invalid;
}

template <class T>
std::optional<T> field(const pqxx::field& f) {
    if (f.is_null()) return std::nullopt;
    return f.as<T>();
}

// The validation_columns of `r` from column `at` on (a join puts the registration's first).
validation_row to_validation(const pqxx::row& r, pqxx::row::size_type at = 0) {
    validation_row v;
    v.registration_id = r[at].as<std::int64_t>();
    v.round = r[at + 1].as<int>();
    v.qr_generated_at_ms = r[at + 2].as<std::int64_t>();
    v.qr_scanned_at_ms = field<std::int64_t>(r[at + 3]);
    v.response_received_at_ms = r[at + 4].is_null() ? 0 : r[at + 4].as<std::int64_t>();
    v.response_time_ms = field<std::int64_t>(r[at + 5]);
    v.totpu_valid = field<bool>(r[at + 6]);
    v.totps_valid = field<bool>(r[at + 7]);
    v.rt_valid = field<bool>(r[at + 8]);
    v.secret_valid = field<bool>(r[at + 9]);
    v.status = parse_status(r[at + 10].as<std::string>());
    v.failed_attempts = r[at + 11].as<int>();
    return v;
}

// Upsert of a result; a final result is never replaced by a provisional one.
constexpr const char* upsert_result =
    "INSERT INTO attendance.results (registration_id, total_rounds, successful_rounds, failed_rounds, "
    "avg_response_time_ms, std_dev_response_time, min_response_time_ms, max_response_time_ms, "
    "median_response_time_ms, certainty_score, final_status, base_score, jitter_penalty, failure_penalty, "
    "failed_attempts, flagged_cap_applied, threshold_ms, is_final, scoring_version, statistic_ms, "
    "class_median_ms, class_mad_ms, class_students, explanation, calculated_at) "
    "VALUES ($1, $2, $3, $4, NULLIF($5, '')::float8, NULLIF($6, '')::float8, NULLIF($7, '')::float8, "
    "NULLIF($8, '')::float8, NULLIF($9, '')::float8, $10, $11, $12, $13, $14, $15, $16, $17, $18, "
    "$19, NULLIF($20, '')::float8, $21, $22, $23, $24, NOW()) "
    "ON CONFLICT (registration_id) DO UPDATE SET total_rounds = EXCLUDED.total_rounds, "
    "successful_rounds = EXCLUDED.successful_rounds, failed_rounds = EXCLUDED.failed_rounds, "
    "avg_response_time_ms = EXCLUDED.avg_response_time_ms, std_dev_response_time = EXCLUDED.std_dev_response_time, "
    "min_response_time_ms = EXCLUDED.min_response_time_ms, max_response_time_ms = EXCLUDED.max_response_time_ms, "
    "median_response_time_ms = EXCLUDED.median_response_time_ms, certainty_score = EXCLUDED.certainty_score, "
    "final_status = EXCLUDED.final_status, base_score = EXCLUDED.base_score, "
    "jitter_penalty = EXCLUDED.jitter_penalty, failure_penalty = EXCLUDED.failure_penalty, "
    "failed_attempts = EXCLUDED.failed_attempts, flagged_cap_applied = EXCLUDED.flagged_cap_applied, "
    "threshold_ms = EXCLUDED.threshold_ms, is_final = EXCLUDED.is_final, "
    "scoring_version = EXCLUDED.scoring_version, statistic_ms = EXCLUDED.statistic_ms, "
    "class_median_ms = EXCLUDED.class_median_ms, class_mad_ms = EXCLUDED.class_mad_ms, "
    "class_students = EXCLUDED.class_students, explanation = EXCLUDED.explanation, calculated_at = NOW() "
    "WHERE NOT attendance.results.is_final";

// A provisional result and the registration's completion as one statement (autocommit): a
// data-modifying WITH runs whether or not the outer statement reads it.
const std::string provisional_save =
    std::string("WITH saved AS (") + upsert_result +
    ") UPDATE attendance.registrations SET status = 'completed' "
    "WHERE registration_id = $1 AND COALESCE(status, 'active') <> 'failed'"; // an ended one stays ended

// `statement`: attendance_result_upsert, or attendance_provisional_save (the same parameters).
void write_result(pqxx::transaction_base& w, const char* statement, const result_row& r, bool final) {
    w.exec_prepared(statement, r.registration_id, r.total_rounds, r.successful_rounds, r.failed_rounds, opt(r.avg_ms),
                    opt(r.std_dev_ms), opt(r.min_ms), opt(r.max_ms), opt(r.median_ms), r.score, r.status, r.base,
                    r.jitter_penalty, r.failure_penalty, r.failed_attempts, r.flagged_cap_applied, r.threshold_ms,
                    final, r.scoring_version, opt(r.statistic_ms), r.class_median_ms, r.class_mad_ms, r.class_students,
                    r.explanation);
}

// Queues every student of a closed session whose effective status (the latest override, else
// the final result) is PRESENT; rows already there stay as they are. `fecha` is the class's
// start as an ISO 8601 instant (PHP stores it in the legacy's local time). Certeza is the
// computed score (0 for a student who never joined and was marked present by the professor).
constexpr const char* outbox_fill =
    "WITH latest AS (SELECT DISTINCT ON (user_id) user_id, to_status FROM attendance.result_overrides "
    "  WHERE session_id = $1 ORDER BY user_id, override_id DESC), "
    "computed AS (SELECT r.user_id, res.final_status, res.certainty_score FROM attendance.registrations r "
    "  JOIN attendance.results res USING (registration_id) WHERE r.session_id = $1 AND res.is_final), "
    "everyone AS (SELECT user_id FROM latest UNION SELECT user_id FROM computed) "
    "INSERT INTO attendance.legacy_outbox (session_id, user_id, course_id, fecha, certeza) "
    "SELECT s.session_id, e.user_id, s.course_id, to_char(s.start_time, 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"'), "
    "  COALESCE(round(c.certainty_score)::int, 0) "
    "FROM everyone e CROSS JOIN attendance.sessions s LEFT JOIN latest l USING (user_id) "
    "  LEFT JOIN computed c USING (user_id) "
    "WHERE s.session_id = $1 AND s.status = 'closed' AND s.course_id IS NOT NULL "
    "  AND COALESCE(l.to_status, c.final_status) = 'PRESENT' "
    "ON CONFLICT (session_id, user_id) DO NOTHING";

constexpr const char* override_columns =
    "user_id, from_status, to_status, reason_code, reason_text, performed_by, "
    "to_char(created_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";

att::override_view to_override(const pqxx::row& r) {
    att::override_view o;
    o.user_id = r[0].as<std::int64_t>();
    if (!r[1].is_null()) o.from_status = r[1].as<std::string>();
    o.to_status = r[2].as<std::string>();
    o.reason_code = r[3].as<std::string>();
    if (!r[4].is_null()) o.reason_text = r[4].as<std::string>();
    o.performed_by = r[5].as<std::int64_t>();
    o.at = r[6].as<std::string>();
    return o;
}

std::vector<registration_record> load_records(pqxx::transaction_base& w, std::int64_t session_id) {
    std::vector<registration_record> out;
    std::map<std::int64_t, std::size_t> index;
    for (const auto& row : w.exec_prepared("attendance_registrations_of_session", session_id)) {
        index[row[0].as<std::int64_t>()] = out.size();
        out.push_back({to_registration(row), {}});
    }
    for (const auto& row : w.exec_prepared("attendance_validations_of_session", session_id)) {
        const auto it = index.find(row[0].as<std::int64_t>());
        if (it != index.end()) out[it->second].validations.push_back(to_validation(row));
    }
    return out;
}

} // namespace

attendance_repository::attendance_repository(postgres::pool& pool) : pool_(pool), validations_(pool) {
    pool_.prepare("attendance_lock_session",
                  "SELECT COALESCE(status, 'active') FROM attendance.sessions WHERE session_id = $1 FOR UPDATE");
    pool_.prepare("attendance_registration_find",
                  std::string("SELECT ") + registration_columns +
                      " FROM attendance.registrations WHERE session_id = $1 AND user_id = $2");
    pool_.prepare("attendance_registration_insert",
                  std::string("INSERT INTO attendance.registrations (session_id, user_id, device_id, queue_position, "
                              "status, device_flagged, flag_reason) VALUES ($1, $2, $3, "
                              "(SELECT COALESCE(MAX(queue_position), 0) + 1 FROM attendance.registrations "
                              "WHERE session_id = $1), 'active', $4, NULLIF($5, '')) RETURNING ") +
                      registration_columns);
    // A student re-joining with another (re-enrolled) device: the registration follows it.
    pool_.prepare("attendance_registration_rebind",
                  std::string("UPDATE attendance.registrations SET device_id = $2, "
                              "device_flagged = device_flagged OR $3, flag_reason = COALESCE(NULLIF($4, ''), "
                              "flag_reason) WHERE registration_id = $1 RETURNING ") +
                      registration_columns);
    pool_.prepare("attendance_record_of_student", record_of_student);
    pool_.prepare("attendance_registrations_of_session",
                  std::string("SELECT ") + registration_columns +
                      " FROM attendance.registrations WHERE session_id = $1 ORDER BY queue_position");
    pool_.prepare("attendance_validations_of_session",
                  std::string("SELECT ") + validation_columns +
                      " FROM attendance.validations WHERE registration_id IN (SELECT registration_id FROM "
                      "attendance.registrations WHERE session_id = $1) ORDER BY validation_id");
    // Per registration through its index (LATERAL + OFFSET 0 keeps the planner from a
    // sequential scan of every validation while the table is young; see the bench notes).
    // One RT per successful round, as the results count them.
    // The first success of each round (as results.cpp counts them), median per registration.
    pool_.prepare("attendance_class_student_medians",
                  "SELECT r.registration_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY v.response_time_ms) "
                  "FROM attendance.registrations r JOIN LATERAL "
                  "(SELECT DISTINCT ON (round_number) response_time_ms FROM attendance.validations x "
                  "WHERE x.registration_id = r.registration_id AND x.validation_status = 'success' "
                  "AND x.response_time_ms IS NOT NULL ORDER BY round_number, validation_id OFFSET 0) v ON TRUE "
                  "WHERE r.session_id = $1 GROUP BY r.registration_id");
    pool_.prepare("attendance_result_upsert", upsert_result);
    pool_.prepare("attendance_provisional_save", provisional_save);
    pool_.prepare("attendance_session_close",
                  "UPDATE attendance.sessions SET status = 'closed', "
                  "end_time = CASE WHEN $2 THEN COALESCE(closes_at, NOW()) ELSE NOW() END "
                  "WHERE session_id = $1 AND status = 'active' RETURNING session_id");
    pool_.prepare("attendance_session_baseline",
                  "UPDATE attendance.sessions SET baseline_median_ms = $2, baseline_mad_ms = $3 WHERE session_id = $1");
    pool_.prepare("attendance_outbox_fill", outbox_fill);
    pool_.prepare(
        "attendance_outbox_withdraw",
        "DELETE FROM attendance.legacy_outbox WHERE session_id = $1 AND user_id = $2 AND status <> 'delivered' "
        "RETURNING outbox_id");
    pool_.prepare("attendance_outbox_delivered",
                  "SELECT count(*) FROM attendance.legacy_outbox WHERE session_id = $1 AND user_id = $2 "
                  "AND status = 'delivered'");
    pool_.prepare(
        "attendance_review_session",
        "SELECT headcount, baseline_median_ms, baseline_mad_ms FROM attendance.sessions WHERE session_id = $1");
    pool_.prepare("attendance_review_registrations",
                  "SELECT r.registration_id, r.user_id, r.queue_position, r.device_flagged, r.flag_reason, "
                  "res.total_rounds, res.successful_rounds, res.failed_rounds, res.avg_response_time_ms, "
                  "res.std_dev_response_time, res.min_response_time_ms, res.max_response_time_ms, "
                  "res.median_response_time_ms, res.certainty_score, res.final_status, res.base_score, "
                  "res.jitter_penalty, res.failure_penalty, res.failed_attempts, res.flagged_cap_applied, "
                  "res.threshold_ms, res.is_final, res.scoring_version, res.statistic_ms, res.class_median_ms, "
                  "res.class_mad_ms, res.class_students, res.explanation FROM attendance.registrations r LEFT JOIN "
                  "attendance.results res "
                  "USING (registration_id) WHERE r.session_id = $1 ORDER BY r.queue_position");
    pool_.prepare("attendance_review_attempts",
                  "SELECT v.registration_id, v.round_number, COALESCE(v.validation_status, 'invalid'), "
                  "v.response_time_ms, v.totpu_valid, v.totps_valid, v.rt_valid, v.secret_valid, "
                  "to_char(v.response_received_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') "
                  "FROM attendance.validations v JOIN attendance.registrations r USING (registration_id) "
                  "WHERE r.session_id = $1 ORDER BY v.validation_id");
    pool_.prepare("attendance_review_overrides",
                  std::string("SELECT ") + override_columns +
                      " FROM attendance.result_overrides WHERE session_id = $1 ORDER BY user_id, override_id");
    pool_.prepare("attendance_override_insert",
                  std::string("INSERT INTO attendance.result_overrides (session_id, user_id, from_status, to_status, "
                              "reason_code, reason_text, performed_by) VALUES ($1, $2, NULLIF($3, ''), $4, $5, "
                              "NULLIF($6, ''), $7) RETURNING ") +
                      override_columns);
    pool_.prepare("attendance_effective_status",
                  "SELECT COALESCE((SELECT to_status FROM attendance.result_overrides WHERE session_id = $1 AND "
                  "user_id = $2 ORDER BY override_id DESC LIMIT 1), (SELECT res.final_status FROM "
                  "attendance.results res JOIN attendance.registrations r USING (registration_id) WHERE "
                  "r.session_id = $1 AND r.user_id = $2), '')");
    pool_.prepare("attendance_set_headcount", "UPDATE attendance.sessions SET headcount = $2 WHERE session_id = $1");
    pool_.prepare("attendance_expired_sessions",
                  "SELECT session_id FROM attendance.sessions WHERE status = 'active' AND closes_at <= NOW()");
}

#undef MS

net::awaitable<registration> attendance_repository::join(std::int64_t session_id, std::int64_t user_id,
                                                         std::int64_t device_id,
                                                         std::optional<std::string> flag_reason) {
    co_return co_await pool_.with_transaction("attendance_join", [&](pqxx::work& w) {
        const auto s = w.exec_prepared("attendance_lock_session", session_id);
        if (s.empty()) throw application::not_found("session_not_found", "no session with this id");
        if (s[0][0].as<std::string>() != "active") {
            throw application::conflict("session_not_active", "the session is already " + s[0][0].as<std::string>());
        }
        const auto flagged = flag_reason.has_value();
        const auto reason = flag_reason.value_or("");
        const auto found = w.exec_prepared("attendance_registration_find", session_id, user_id);
        if (!found.empty()) {
            auto g = to_registration(found[0]);
            if (g.device_id != device_id || flagged) {
                g = to_registration(
                    w.exec_prepared1("attendance_registration_rebind", g.registration_id, device_id, flagged, reason));
            }
            g.created = false;
            return g;
        }
        auto g = to_registration(
            w.exec_prepared1("attendance_registration_insert", session_id, user_id, device_id, flagged, reason));
        g.created = true;
        return g;
    });
}

net::awaitable<std::optional<registration_record>> attendance_repository::record(std::int64_t session_id,
                                                                                 std::int64_t user_id) {
    co_return co_await pool_.with_single_statement(
        "attendance_record", [&](pqxx::nontransaction& tx) -> std::optional<registration_record> {
            const auto rows = tx.exec_prepared("attendance_record_of_student", session_id, user_id);
            if (rows.empty()) return std::nullopt;
            registration_record rec{to_registration(rows[0]), {}};
            for (const auto& row : rows) {
                if (row[registration_column_count].is_null()) continue; // no attempt yet
                rec.validations.push_back(to_validation(row, registration_column_count));
            }
            return rec;
        });
}

net::awaitable<std::vector<registration_record>> attendance_repository::records(std::int64_t session_id) {
    co_return co_await pool_.with_read_transaction(
        "attendance_records", [&](pqxx::read_transaction& tx) { return load_records(tx, session_id); });
}

// Concurrent answers share one INSERT (validation_writer); this returns once the row is
// committed, or throws what the statement failed with (dependency_unavailable when PostgreSQL is down).
net::awaitable<void> attendance_repository::add_validation(validation_row v) { co_await validations_.add(v); }

net::awaitable<std::vector<att::student_median>> attendance_repository::class_student_medians(std::int64_t session_id) {
    co_return co_await pool_.with_single_statement("attendance_class_student_medians", [&](pqxx::nontransaction& tx) {
        std::vector<att::student_median> out;
        for (const auto& row : tx.exec_prepared("attendance_class_student_medians", session_id)) {
            out.push_back({row[0].as<std::int64_t>(), row[1].as<double>()});
        }
        return out;
    });
}

net::awaitable<void> attendance_repository::save_provisional(result_row r) {
    co_await pool_.with_single_statement("attendance_provisional_result", [&](pqxx::nontransaction& tx) {
        write_result(tx, "attendance_provisional_save", r, false);
    });
}

net::awaitable<std::optional<att::closed_session>> attendance_repository::close(std::int64_t session_id,
                                                                                bool at_closes_at,
                                                                                att::results_builder build) {
    co_return co_await pool_.with_transaction(
        "attendance_close", [&](pqxx::work& w) -> std::optional<att::closed_session> {
            const auto closed = w.exec_prepared("attendance_session_close", session_id, at_closes_at);
            if (closed.empty()) return std::nullopt;
            const auto max_rounds =
                w.exec_params1("SELECT COALESCE(max_rounds, 3) FROM attendance.sessions WHERE session_id = $1",
                               session_id)[0]
                    .as<int>();
            const auto records = load_records(w, session_id);
            att::closed_session out;
            out.results = build(max_rounds, records);
            for (const auto& rec : records) out.user_ids.push_back(rec.reg.user_id);
            for (const auto& r : out.results.results) write_result(w, "attendance_result_upsert", r, true);
            w.exec_prepared("attendance_outbox_fill", session_id);
            w.exec_prepared("attendance_session_baseline", session_id, out.results.baseline_median_ms,
                            out.results.baseline_mad_ms);
            return out;
        });
}

net::awaitable<att::session_review> attendance_repository::review(std::int64_t session_id) {
    co_return co_await pool_.with_read_transaction("attendance_review", [&](pqxx::read_transaction& tx) {
        att::session_review out;
        const auto s = tx.exec_prepared("attendance_review_session", session_id);
        if (s.empty()) throw application::not_found("session_not_found", "no session with this id");
        out.headcount = field<int>(s[0][0]);
        out.baseline_median_ms = field<double>(s[0][1]);
        out.baseline_mad_ms = field<double>(s[0][2]);
        std::map<std::int64_t, std::size_t> by_registration, by_user;
        for (const auto& r : tx.exec_prepared("attendance_review_registrations", session_id)) {
            att::student_review st;
            st.registration_id = r[0].as<std::int64_t>();
            st.user_id = r[1].as<std::int64_t>();
            st.queue_position = r[2].as<int>();
            st.device_flagged = r[3].as<bool>();
            st.flag_reason = field<std::string>(r[4]);
            if (!r[5].is_null()) {
                result_row res;
                res.registration_id = *st.registration_id;
                res.user_id = st.user_id;
                res.total_rounds = r[5].as<int>();
                res.successful_rounds = r[6].as<int>();
                res.failed_rounds = r[7].as<int>();
                res.avg_ms = field<double>(r[8]);
                res.std_dev_ms = field<double>(r[9]);
                res.min_ms = field<double>(r[10]);
                res.max_ms = field<double>(r[11]);
                res.median_ms = field<double>(r[12]);
                res.score = r[13].as<double>();
                res.status = r[14].as<std::string>();
                res.base = field<double>(r[15]).value_or(0);
                res.jitter_penalty = field<double>(r[16]).value_or(0);
                res.failure_penalty = field<double>(r[17]).value_or(0);
                res.failed_attempts = r[18].as<int>();
                res.flagged_cap_applied = r[19].as<bool>();
                res.threshold_ms = field<double>(r[20]).value_or(0);
                st.result_final = r[21].as<bool>();
                res.scoring_version = field<int>(r[22]).value_or(1); // rows from before v2
                res.statistic_ms = field<double>(r[23]);
                res.class_median_ms = field<double>(r[24]).value_or(0);
                res.class_mad_ms = field<double>(r[25]).value_or(0);
                res.class_students = field<int>(r[26]).value_or(0);
                res.explanation = field<std::string>(r[27]).value_or("");
                st.result = res;
            }
            by_registration[*st.registration_id] = out.students.size();
            by_user[st.user_id] = out.students.size();
            out.students.push_back(std::move(st));
        }
        for (const auto& r : tx.exec_prepared("attendance_review_attempts", session_id)) {
            const auto it = by_registration.find(r[0].as<std::int64_t>());
            if (it == by_registration.end()) continue;
            att::attempt_view a;
            a.round = r[1].as<int>();
            a.status = r[2].as<std::string>();
            a.rt_ms = field<std::int64_t>(r[3]);
            a.totpu_valid = field<bool>(r[4]);
            a.totps_valid = field<bool>(r[5]);
            a.rt_valid = field<bool>(r[6]);
            a.secret_valid = field<bool>(r[7]);
            a.at = r[8].is_null() ? std::string() : r[8].as<std::string>();
            out.students[it->second].attempts.push_back(std::move(a));
        }
        for (const auto& r : tx.exec_prepared("attendance_review_overrides", session_id)) {
            auto o = to_override(r);
            auto it = by_user.find(o.user_id);
            if (it == by_user.end()) {
                att::student_review st;
                st.user_id = o.user_id;
                it = by_user.emplace(o.user_id, out.students.size()).first;
                out.students.push_back(std::move(st));
            }
            // Oldest first: the history in order, the last row is the one in force.
            out.students[it->second].overrides.push_back(o);
            out.students[it->second].last_override = std::move(o);
        }
        return out;
    });
}

net::awaitable<att::override_outcome> attendance_repository::add_override(std::int64_t session_id,
                                                                          std::int64_t performed_by,
                                                                          att::new_override o) {
    co_return co_await pool_.with_transaction("attendance_override", [&](pqxx::work& w) {
        const auto s = w.exec_prepared("attendance_lock_session", session_id);
        if (s.empty()) throw application::not_found("session_not_found", "no session with this id");
        const auto status = s[0][0].as<std::string>();
        if (status == "cancelled") throw application::conflict("session_cancelled", "the session was cancelled");
        const auto from = w.exec_prepared1("attendance_effective_status", session_id, o.user_id)[0].as<std::string>();
        att::override_outcome out;
        out.stored =
            to_override(w.exec_prepared1("attendance_override_insert", session_id, o.user_id, from, o.to_status,
                                         o.reason_code, o.reason_text.value_or(""), performed_by));
        if (status == "closed") {
            w.exec_prepared("attendance_outbox_withdraw", session_id, o.user_id);
            const auto delivered =
                w.exec_prepared1("attendance_outbox_delivered", session_id, o.user_id)[0].as<int>() > 0;
            out.legacy_already_recorded = delivered && o.to_status != "PRESENT";
            w.exec_prepared("attendance_outbox_fill", session_id);
        }
        return out;
    });
}

net::awaitable<void> attendance_repository::set_headcount(std::int64_t session_id, int headcount) {
    co_await pool_.with_transaction("attendance_headcount", [&](pqxx::work& w) {
        w.exec_prepared("attendance_set_headcount", session_id, headcount);
    });
}

net::awaitable<std::vector<std::int64_t>> attendance_repository::expired_sessions() {
    co_return co_await pool_.with_single_statement("attendance_expired_sessions", [](pqxx::nontransaction& tx) {
        std::vector<std::int64_t> ids;
        for (const auto& r : tx.exec_prepared("attendance_expired_sessions")) ids.push_back(r[0].as<std::int64_t>());
        return ids;
    });
}

} // namespace asistencia::infra::repositories
