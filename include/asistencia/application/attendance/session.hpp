// An attendance session (attendance.sessions) and the ports its use cases need.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace asistencia::application::attendance {

namespace net = boost::asio;

struct new_session {
    std::int64_t professor_id = 0;
    std::string professor_name;
    std::int64_t course_id = 0;
    std::string course_code;
    std::string course_name;
    std::int64_t semester_id = 0;
    std::string semester;
    std::string room;
    int max_rounds = 3;
    int max_minutes = 240; // closes by itself after this
};

struct session : new_session {
    std::int64_t session_id = 0;
    std::string status;     // active | closed | cancelled
    std::string start_time; // ISO 8601 UTC
    std::optional<std::string> end_time;
    std::string closes_at;
    std::int64_t registrations = 0;
};

class session_store {
public:
    virtual ~session_store() = default;
    virtual net::awaitable<session> create(new_session s) = 0;
    virtual net::awaitable<std::optional<session>> find(std::int64_t session_id) = 0;
    // active -> closed/cancelled (end_time = now); nullopt when the session was not active.
    virtual net::awaitable<std::optional<session>> finish(std::int64_t session_id, std::string status) = 0;
};

struct course_info {
    std::int64_t course_id = 0;
    std::string code;
    std::string name;
    std::int64_t semester_id = 0;
    std::string semester;
};

// The legacy system, as sessions need it (through the cache where PROTOCOL allows).
class course_directory {
public:
    virtual ~course_directory() = default;
    virtual net::awaitable<bool> may_take_attendance(std::int64_t professor_id, std::int64_t course_id) = 0;
    virtual net::awaitable<course_info> course(std::int64_t course_id) = 0;
    virtual net::awaitable<std::string> user_name(std::int64_t user_id) = 0;
    // Is the student on the course's list for the semester (obtener_alumnos_curso.php, cached)?
    virtual net::awaitable<bool> is_enrolled(std::int64_t course_id, std::int64_t semester_id,
                                             std::int64_t user_id) = 0;
};

} // namespace asistencia::application::attendance
