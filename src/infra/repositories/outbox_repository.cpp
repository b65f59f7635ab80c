// attendance.legacy_outbox; see outbox_repository.hpp.
#include "asistencia/infra/repositories/outbox_repository.hpp"

#include <pqxx/pqxx>

#include <algorithm>

namespace asistencia::infra::repositories {

namespace {

using application::attendance::outbox_row;

// last_error is for operators; a bounded, single-line text is enough.
std::string clip(std::string s) {
    if (s.size() > 500) s.resize(500);
    std::replace(s.begin(), s.end(), '\n', ' ');
    return s;
}

} // namespace

outbox_repository::outbox_repository(postgres::pool& pool) : pool_(pool) {
    // Claiming is safe with several replicas: SKIP LOCKED keeps two workers off the same
    // row, and the lease (next_attempt_at pushed forward) keeps it off every other worker
    // until this one marks it or dies and the lease runs out. A worker that dies after
    // PHP stored a row but before marking it delivered makes a later worker post it again:
    // harmless, PHP is idempotent on (userId, sessionId) and answers "duplicado".
    pool_.prepare("outbox_claim",
                  "UPDATE attendance.legacy_outbox o SET attempts = o.attempts + 1, "
                  "next_attempt_at = NOW() + $2::bigint * interval '1 millisecond' "
                  "WHERE o.outbox_id IN (SELECT outbox_id FROM attendance.legacy_outbox "
                  "WHERE status = 'pending' AND next_attempt_at <= NOW() "
                  "ORDER BY next_attempt_at, outbox_id LIMIT $1 FOR UPDATE SKIP LOCKED) "
                  "RETURNING o.outbox_id, o.session_id, o.user_id, o.course_id, o.fecha, o.certeza, o.attempts");
    pool_.prepare("outbox_delivered",
                  "UPDATE attendance.legacy_outbox SET status = 'delivered', delivered_at = NOW(), "
                  "last_error = NULL WHERE outbox_id = $1");
    // Only a pending row: a late answer of a worker whose lease ran out never turns a row
    // another worker delivered back into a pending one.
    pool_.prepare("outbox_retry",
                  "UPDATE attendance.legacy_outbox SET next_attempt_at = NOW() + $2::bigint * interval "
                  "'1 millisecond', last_error = $3 WHERE outbox_id = $1 AND status = 'pending'");
    pool_.prepare("outbox_failed",
                  "UPDATE attendance.legacy_outbox SET status = 'failed', last_error = $2 "
                  "WHERE outbox_id = $1 AND status = 'pending'");
    pool_.prepare("outbox_count_pending", "SELECT count(*) FROM attendance.legacy_outbox WHERE status = 'pending'");
}

net::awaitable<std::vector<outbox_row>> outbox_repository::claim_due(std::size_t limit,
                                                                     std::chrono::milliseconds lease) {
    const auto n = static_cast<std::int64_t>(limit);
    const auto lease_ms = static_cast<std::int64_t>(lease.count());
    co_return co_await pool_.with_transaction("outbox_claim", [n, lease_ms](pqxx::work& w) {
        std::vector<outbox_row> rows;
        for (const auto& r : w.exec_prepared("outbox_claim", n, lease_ms)) {
            outbox_row o;
            o.outbox_id = r[0].as<std::int64_t>();
            o.session_id = r[1].as<std::int64_t>();
            o.user_id = r[2].as<std::int64_t>();
            o.course_id = r[3].as<std::int64_t>();
            o.fecha = r[4].as<std::string>();
            o.certeza = r[5].as<int>();
            o.attempts = r[6].as<int>();
            rows.push_back(std::move(o));
        }
        std::sort(rows.begin(), rows.end(),
                  [](const outbox_row& a, const outbox_row& b) { return a.outbox_id < b.outbox_id; });
        return rows;
    });
}

net::awaitable<void> outbox_repository::mark_delivered(std::int64_t outbox_id) {
    co_await pool_.with_transaction("outbox_delivered",
                                    [outbox_id](pqxx::work& w) { w.exec_prepared("outbox_delivered", outbox_id); });
}

net::awaitable<void> outbox_repository::mark_retry(std::int64_t outbox_id, std::chrono::milliseconds delay,
                                                   std::string error) {
    const auto delay_ms = static_cast<std::int64_t>(delay.count());
    error = clip(std::move(error));
    co_await pool_.with_transaction(
        "outbox_retry", [&](pqxx::work& w) { w.exec_prepared("outbox_retry", outbox_id, delay_ms, error); });
}

net::awaitable<void> outbox_repository::mark_failed(std::int64_t outbox_id, std::string error) {
    error = clip(std::move(error));
    co_await pool_.with_transaction("outbox_failed",
                                    [&](pqxx::work& w) { w.exec_prepared("outbox_failed", outbox_id, error); });
}

net::awaitable<std::size_t> outbox_repository::count_pending() {
    co_return co_await pool_.with_read_transaction("outbox_count_pending", [](pqxx::read_transaction& tx) {
        return static_cast<std::size_t>(tx.exec_prepared1("outbox_count_pending")[0].as<std::int64_t>());
    });
}

} // namespace asistencia::infra::repositories
