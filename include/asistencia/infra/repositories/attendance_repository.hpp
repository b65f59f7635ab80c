// attendance.registrations, validations, results, overrides and the legacy outbox over the
// PostgreSQL pool: the class loop's attendance_store and the professor's review_store
// (PROTOCOL.md 6.2, 6.5-6.7).
#pragma once

#include "asistencia/application/attendance/review.hpp"
#include "asistencia/application/attendance/rounds.hpp"
#include "asistencia/infra/postgres/pool.hpp"
#include "asistencia/infra/repositories/validation_writer.hpp"

namespace asistencia::infra::repositories {

namespace net = boost::asio;
namespace att = application::attendance;

class attendance_repository final : public att::attendance_store, public att::review_store {
public:
    explicit attendance_repository(postgres::pool& pool);

    // Joins are serialized per session (the session row is locked) so queue positions are
    // the arrival order without gaps; conflict "session_not_active" when the session ended.
    net::awaitable<att::registration> join(std::int64_t session_id, std::int64_t user_id, std::int64_t device_id,
                                           std::optional<std::string> flag_reason) override;
    net::awaitable<std::optional<att::registration_record>> record(std::int64_t session_id,
                                                                   std::int64_t user_id) override;
    net::awaitable<std::vector<att::registration_record>> records(std::int64_t session_id) override;
    net::awaitable<void> add_validation(att::validation_row v) override;
    net::awaitable<std::vector<att::student_median>> class_student_medians(std::int64_t session_id) override;
    net::awaitable<void> save_provisional(att::result_row r) override;
    net::awaitable<std::optional<att::closed_session>> close(std::int64_t session_id, bool at_closes_at,
                                                             att::results_builder build) override;
    net::awaitable<std::vector<std::int64_t>> expired_sessions() override;

    // review_store: the professor's view, overrides (with the outbox fix on a closed
    // session, in the override's transaction) and the headcount.
    net::awaitable<att::session_review> review(std::int64_t session_id) override;
    net::awaitable<att::override_outcome> add_override(std::int64_t session_id, std::int64_t performed_by,
                                                       att::new_override o) override;
    net::awaitable<void> set_headcount(std::int64_t session_id, int headcount) override;

private:
    postgres::pool& pool_;
    validation_writer validations_; // group commit of add_validation
};

} // namespace asistencia::infra::repositories
