// Sessions; see session_service.hpp.
#include "asistencia/application/attendance/session_service.hpp"

#include "asistencia/application/errors.hpp"

namespace asistencia::application::attendance {

namespace {

void validate(const create_session_request& r) {
    if (r.course_id <= 0 || r.course_id > 2147483647)
        throw malformed("invalid_field", "courseId must be a positive integer");
    if (r.semester_id <= 0 || r.semester_id > 2147483647) {
        throw malformed("invalid_field", "semesterId must be a positive integer");
    }
    if (r.room.empty() || r.room.size() > 64) throw malformed("invalid_field", "room must have 1 to 64 characters");
    if (r.max_rounds < 1 || r.max_rounds > 10)
        throw invalid_value("invalid_max_rounds", "maxRounds must be between 1 and 10");
}

} // namespace

net::awaitable<session> session_service::create(std::int64_t professor_id, create_session_request r) {
    validate(r);
    const bool allowed = co_await directory_.may_take_attendance(professor_id, r.course_id);
    if (!allowed) throw forbidden("not_allowed", "you may not take attendance in this course");
    const auto course = co_await directory_.course(r.course_id);
    if (course.semester_id != r.semester_id) {
        throw invalid_value("semester_mismatch", "the course does not belong to this semester");
    }
    new_session s;
    s.professor_id = professor_id;
    s.professor_name = co_await directory_.user_name(professor_id);
    s.course_id = course.course_id;
    s.course_code = course.code;
    s.course_name = course.name;
    s.semester_id = course.semester_id;
    s.semester = course.semester;
    s.room = std::move(r.room);
    s.max_rounds = r.max_rounds;
    s.max_minutes = max_minutes_;
    co_return co_await sessions_.create(std::move(s));
}

net::awaitable<session> session_service::get_any(std::int64_t session_id) {
    auto s = co_await sessions_.find(session_id);
    if (!s) throw not_found("session_not_found", "no session with this id");
    co_return std::move(*s);
}

net::awaitable<session> session_service::get(std::int64_t professor_id, std::int64_t session_id) {
    auto s = co_await get_any(session_id);
    if (s.professor_id != professor_id) throw forbidden("forbidden", "this session belongs to another professor");
    co_return s;
}

net::awaitable<session> session_service::finish(std::int64_t professor_id, std::int64_t session_id,
                                                std::string status) {
    const auto current = co_await get(professor_id, session_id);
    auto done = co_await sessions_.finish(session_id, std::move(status));
    if (!done) throw conflict("session_not_active", "the session is already " + current.status);
    co_return std::move(*done);
}

net::awaitable<session> session_service::cancel(std::int64_t professor_id, std::int64_t session_id) {
    co_return co_await finish(professor_id, session_id, "cancelled");
}

} // namespace asistencia::application::attendance
