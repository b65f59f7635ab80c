// Valkey key patterns; see keys.hpp.
#include "asistencia/infra/valkey/keys.hpp"

namespace asistencia::infra::valkey {

namespace {
std::string n(std::int64_t v) { return std::to_string(v); }
} // namespace

std::string key_builder::qr_meta(std::int64_t session_id, std::int64_t user_id, int round) const {
    return prefix_ + "qr:session:" + n(session_id) + ":" + n(user_id) + ":" + std::to_string(round);
}
std::string key_builder::projection_queue(std::int64_t session_id) const {
    return prefix_ + "proyeccion:session:" + n(session_id);
}
std::string key_builder::student_state(std::int64_t session_id, std::int64_t user_id) const {
    return prefix_ + "session:asistencia:" + n(session_id) + ":" + n(user_id);
}
std::string key_builder::qr_meta_session_prefix(std::int64_t session_id) const {
    return prefix_ + "qr:session:" + n(session_id) + ":";
}
std::string key_builder::student_state_session_prefix(std::int64_t session_id) const {
    return prefix_ + "session:asistencia:" + n(session_id) + ":";
}
std::string key_builder::ws_auth(std::string_view connection_id) const {
    return prefix_ + "ws:auth:" + std::string(connection_id);
}
std::string key_builder::ws_projection(std::int64_t session_id) const {
    return prefix_ + "ws:projection:" + n(session_id);
}
std::string key_builder::cache_user(std::int64_t user_id) const { return prefix_ + "cache:php:user:" + n(user_id); }
std::string key_builder::cache_course(std::int64_t course_id) const {
    return prefix_ + "cache:php:course:" + n(course_id);
}
std::string key_builder::cache_enrolled(std::int64_t course_id, std::int64_t semester_id) const {
    return prefix_ + "cache:php:enrolled:" + n(course_id) + ":" + n(semester_id);
}
std::string key_builder::enrollment_lock(std::int64_t user_id) const {
    return prefix_ + "lock:enrollment:" + n(user_id);
}
std::string key_builder::projection_leader(std::int64_t session_id) const {
    return prefix_ + "projection:leader:" + n(session_id);
}
std::string key_builder::projection_paused(std::int64_t session_id) const {
    return prefix_ + "projection:paused:" + n(session_id);
}
std::string key_builder::projection_seq(std::int64_t session_id) const {
    return prefix_ + "projection:seq:" + n(session_id);
}
std::string key_builder::projection_frames_prefix() const { return prefix_ + "projection:frames:"; }
std::string key_builder::projection_events_prefix() const { return prefix_ + "projection:events:"; }
std::string key_builder::projection_frames(std::int64_t session_id) const {
    return projection_frames_prefix() + n(session_id);
}
std::string key_builder::projection_events(std::int64_t session_id) const {
    return projection_events_prefix() + n(session_id);
}
std::string key_builder::challenge(std::string_view purpose, std::string_view id) const {
    return prefix_ + "challenge:" + std::string(purpose) + ":" + std::string(id);
}
std::string key_builder::app_session(std::string_view session_id) const {
    return prefix_ + "app:session:" + std::string(session_id);
}

std::string key_builder::rate_limit(std::string_view rule, std::string_view subject) const {
    return prefix_ + "ratelimit:" + std::string(rule) + ":" + std::string(subject);
}

} // namespace asistencia::infra::valkey
