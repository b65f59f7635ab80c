// attendance.legacy_outbox over the PostgreSQL pool: the consuming side of the outbox
// (PROTOCOL.md 6.7). Rows are written by the code that stores final results.
#pragma once

#include "asistencia/application/attendance/legacy_sync.hpp"
#include "asistencia/infra/postgres/pool.hpp"

namespace asistencia::infra::repositories {

namespace net = boost::asio;

class outbox_repository final : public application::attendance::outbox_store {
public:
    explicit outbox_repository(postgres::pool& pool);

    net::awaitable<std::vector<application::attendance::outbox_row>> claim_due(
        std::size_t limit, std::chrono::milliseconds lease) override;
    net::awaitable<void> mark_delivered(std::int64_t outbox_id) override;
    net::awaitable<void> mark_retry(std::int64_t outbox_id, std::chrono::milliseconds delay,
                                    std::string error) override;
    net::awaitable<void> mark_failed(std::int64_t outbox_id, std::string error) override;
    net::awaitable<std::size_t> count_pending() override;

private:
    postgres::pool& pool_;
};

} // namespace asistencia::infra::repositories
