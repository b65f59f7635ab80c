// attendance.sessions over the PostgreSQL pool.
#pragma once

#include "asistencia/application/attendance/history.hpp"
#include "asistencia/application/attendance/session.hpp"
#include "asistencia/infra/postgres/pool.hpp"

namespace asistencia::infra::repositories {

namespace net = boost::asio;

class session_repository final : public application::attendance::session_store,
                                 public application::attendance::history_store {
public:
    explicit session_repository(postgres::pool& pool);

    net::awaitable<application::attendance::session> create(application::attendance::new_session s) override;
    net::awaitable<std::optional<application::attendance::session>> find(std::int64_t session_id) override;
    net::awaitable<std::optional<application::attendance::session>> finish(std::int64_t session_id,
                                                                           std::string status) override;
    // history_store
    net::awaitable<std::pair<std::int64_t, std::vector<application::attendance::session>>> professor_sessions(
        std::int64_t professor_id, application::attendance::history_filter f, int limit, int offset) override;
    net::awaitable<std::vector<application::attendance::session>> student_sessions(
        std::int64_t user_id, std::optional<std::int64_t> semester_id) override;

private:
    postgres::pool& pool_;
};

} // namespace asistencia::infra::repositories
