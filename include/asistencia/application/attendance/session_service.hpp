// Sessions (PROTOCOL.md 6.1): a professor opens one for a course they may take attendance
// in, reads it, closes or cancels it. Only the owner sees or changes a session.
#pragma once

#include "asistencia/application/attendance/session.hpp"

namespace asistencia::application::attendance {

struct create_session_request {
    std::int64_t course_id = 0;
    std::int64_t semester_id = 0;
    std::string room;
    int max_rounds = 3;
};

class session_service {
public:
    session_service(session_store& sessions, course_directory& directory, int max_minutes)
        : sessions_(sessions), directory_(directory), max_minutes_(max_minutes) {}

    net::awaitable<session> create(std::int64_t professor_id, create_session_request request);
    net::awaitable<session> get(std::int64_t professor_id, std::int64_t session_id);
    net::awaitable<session> cancel(std::int64_t professor_id, std::int64_t session_id);
    // For the legacy system (internal token): no ownership check.
    net::awaitable<session> get_any(std::int64_t session_id);

private:
    net::awaitable<session> finish(std::int64_t professor_id, std::int64_t session_id, std::string status);

    session_store& sessions_;
    course_directory& directory_;
    int max_minutes_;
};

} // namespace asistencia::application::attendance
