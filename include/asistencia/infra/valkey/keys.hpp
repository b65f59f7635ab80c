// The Valkey key patterns of PROTOCOL.md section 7 (the seed's names) with the optional
// deployment prefix (KEY_PREFIX), and their TTLs. Pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace asistencia::infra::valkey {

namespace ttl {
using std::chrono::seconds;
inline constexpr seconds qr_meta{120};
inline constexpr seconds projection_queue{300};
inline constexpr seconds student_state{600};
inline constexpr seconds ws_auth{60};
inline constexpr seconds ws_projection{7200};
inline constexpr seconds cache_user{300};
inline constexpr seconds cache_course{600};
inline constexpr seconds cache_enrolled{600};
inline constexpr seconds enrollment_lock{60};
} // namespace ttl

class key_builder {
public:
    explicit key_builder(std::string prefix = {}) : prefix_(std::move(prefix)) {}

    std::string qr_meta(std::int64_t session_id, std::int64_t user_id, int round) const;
    std::string projection_queue(std::int64_t session_id) const;
    std::string student_state(std::int64_t session_id, std::int64_t user_id) const;
    // qr:session:{sid}: and session:asistencia:{sid}: (the two keys above without their user
    // and round): a script that picks the student itself (the frame loop's show_next)
    // completes them with the queue entry's "{uid}:{round}".
    std::string qr_meta_session_prefix(std::int64_t session_id) const;
    std::string student_state_session_prefix(std::int64_t session_id) const;
    std::string ws_auth(std::string_view connection_id) const;
    std::string ws_projection(std::int64_t session_id) const;
    std::string cache_user(std::int64_t user_id) const;
    std::string cache_course(std::int64_t course_id) const;
    std::string cache_enrolled(std::int64_t course_id, std::int64_t semester_id) const;
    std::string enrollment_lock(std::int64_t user_id) const;
    // Keys this project adds (documented in docs/valkey.md).
    std::string projection_leader(std::int64_t session_id) const;
    std::string projection_paused(std::int64_t session_id) const; // projection:paused:{sid}
    std::string projection_seq(std::int64_t session_id) const;    // projection:seq:{sid}
    // Pub/sub channels projection:frames:{sid} (the leader's frames) and
    // projection:events:{sid} (the class loop's progress/closed), and their prefixes, with
    // which a subscriber tells a channel's session.
    std::string projection_frames(std::int64_t session_id) const;
    std::string projection_events(std::int64_t session_id) const;
    std::string projection_frames_prefix() const;
    std::string projection_events_prefix() const;
    std::string challenge(std::string_view purpose, std::string_view id) const;
    std::string app_session(std::string_view session_id) const; // app:session:{id}
    // ratelimit:{rule}:{subject}: one fixed-window counter (infra/stores/rate_limit_store).
    std::string rate_limit(std::string_view rule, std::string_view subject) const;
    // Any other key under the same prefix.
    std::string raw(std::string_view key) const { return prefix_ + std::string(key); }

    const std::string& prefix() const noexcept { return prefix_; }

private:
    std::string prefix_;
};

} // namespace asistencia::infra::valkey
