// Progress counts; see progress_repository.hpp.
#include "asistencia/infra/repositories/progress_repository.hpp"

namespace asistencia::infra::repositories {

namespace att = application::attendance;

progress_repository::progress_repository(postgres::pool& pool) : pool_(pool) {
    // Same counting as the records: a NULL status is an active registration.
    pool_.prepare("projection_progress_counts",
                  "SELECT count(*), count(*) FILTER (WHERE status = 'completed') "
                  "FROM attendance.registrations WHERE session_id = $1");
}

net::awaitable<att::progress_counts> progress_repository::counts(std::int64_t session_id) {
    co_return co_await pool_.with_read_transaction("projection_progress_counts", [&](pqxx::read_transaction& tx) {
        const auto row = tx.exec_prepared1("projection_progress_counts", session_id);
        att::progress_counts c;
        c.registered = row[0].as<std::int64_t>();
        c.completed = row[1].as<std::int64_t>();
        return c;
    });
}

} // namespace asistencia::infra::repositories
