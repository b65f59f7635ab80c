// attendance.sessions over the PostgreSQL pool.
#pragma once

#include "asistencia/application/attendance/session.hpp"
#include "asistencia/infra/postgres/pool.hpp"

namespace asistencia::infra::repositories {

namespace net = boost::asio;

class session_repository final : public application::attendance::session_store {
public:
    explicit session_repository(postgres::pool& pool);

    net::awaitable<application::attendance::session> create(application::attendance::new_session s) override;
    net::awaitable<std::optional<application::attendance::session>> find(std::int64_t session_id) override;
    net::awaitable<std::optional<application::attendance::session>> finish(std::int64_t session_id,
                                                                           std::string status) override;

private:
    postgres::pool& pool_;
};

} // namespace asistencia::infra::repositories
