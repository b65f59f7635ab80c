// The projectors' progress counts from attendance.registrations (docs/projection.md): one
// aggregate query instead of loading every registration with its attempts.
#pragma once

#include "asistencia/application/attendance/projection_ports.hpp"
#include "asistencia/infra/postgres/pool.hpp"

namespace asistencia::infra::repositories {

namespace net = boost::asio;

class progress_repository final : public application::attendance::progress_counter {
public:
    explicit progress_repository(postgres::pool& pool);
    net::awaitable<application::attendance::progress_counts> counts(std::int64_t session_id) override;

private:
    postgres::pool& pool_;
};

} // namespace asistencia::infra::repositories
