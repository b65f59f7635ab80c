// Read-only view of a session's results for the legacy system (registrations, results,
// the latest override and the outbox state), over the PostgreSQL pool.
#pragma once

#include "asistencia/application/attendance/session_results.hpp"
#include "asistencia/infra/postgres/pool.hpp"

namespace asistencia::infra::repositories {

namespace net = boost::asio;

class result_repository final : public application::attendance::session_results_reader {
public:
    explicit result_repository(postgres::pool& pool);

    net::awaitable<std::optional<application::attendance::session_results>> find_results(
        std::int64_t session_id) override;
    net::awaitable<std::vector<application::attendance::session_results>> find_results_many(
        std::vector<std::int64_t> session_ids) override;

private:
    postgres::pool& pool_;
};

} // namespace asistencia::infra::repositories
