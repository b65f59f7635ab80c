// The projection use case (PROTOCOL.md 6.4, docs/projection.md): each session's frame loop
// as a loop that is stepped, `frame_loop::tick(now)`, over the ports of
// projection_ports.hpp. Every rule of the loop lives here: take/renew/lose the lease, which
// student is shown next, a decoy when nothing can be shown, the pause, a session no longer
// active stops the loop, the restore of lost rounds, the debounced progress counts, and a
// failing dependency (Valkey, PostgreSQL) that only skips the tick. Transport schedules the
// ticks and fans the results out; tests step it against fake ports.
#pragma once

#include "asistencia/application/attendance/attendance_service.hpp"
#include "asistencia/application/attendance/projection_ports.hpp"
#include "asistencia/application/attendance/session_service.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace asistencia::application::attendance {

struct frame_loop_settings {
    std::chrono::milliseconds lease_attempt_interval{1000}; // followers try to take the lease this often
    // The active check (every replica) and the restore (leader): a safety net. A close reaches
    // the projectors by its event, and a taken lease checks at once (a Valkey restart drops
    // the lease with the rounds), so this only bounds what an event missed. Each check is
    // two PostgreSQL queries and one Valkey pipeline per session: at 5 s they were about a
    // quarter of the server's CPU per frame at 1,000 sessions (docs/performance.md).
    std::chrono::milliseconds restore_interval{15000};
    // The second check comes up to this much earlier (random), spreading the checks of
    // loops started together over the interval; 0: exactly every restore_interval.
    std::chrono::milliseconds check_spread{15000};
    std::chrono::milliseconds progress_interval{1000}; // at most one count per session per replica
    std::chrono::milliseconds warning_interval{5000};  // a failing tick is logged this often
    // The previous frame's publication renewed the lease and read the pause flag
    // (renew_and_publish): the next tick skips its own renewal while that is at most this old
    // (half the 3 s lease). Its publication checks both again, atomically.
    std::chrono::milliseconds renewal_carry{1500};
    std::int64_t totp_step_seconds = 30; // TOTP_STEP_SECONDS
    bytes master_key;                    // derives the session's TOTPs secret
};

struct projection_ports {
    projection_lease& lease;
    round_store& rounds; // pending, record_showing, reopen, record_shown
    projection_rounds& class_loop;
    frame_channel& frames;
    const qr_renderer& qr;
    progress_counter& progress;
};

// The loop's two clocks: `now` schedules, `wall_ms` (Unix ms) stamps the payloads.
struct loop_clock {
    std::chrono::steady_clock::time_point now;
    std::int64_t wall_ms = 0;
};

enum class frame_kind { none, real, decoy };

// What one tick did, for transport to act on (fan-out, metrics).
struct tick_result {
    std::optional<std::string> ended_status;          // the session is not active any more: stop the loop
    std::optional<progress_counts> progress;          // counts to send to this replica's projectors
    bool took_lease = false;                          // this process now leads the session's loop
    bool lost_lease = false;                          // it stopped leading (renewal refused)
    frame_kind frame = frame_kind::none;              // a frame was published
    std::chrono::steady_clock::duration render_cpu{}; // seal + QR render + base64 of it
    std::optional<std::string> failure;               // a dependency failed: the tick was cut short
};

class frame_loop {
public:
    frame_loop(std::int64_t session_id, const frame_loop_settings& settings, projection_ports ports);

    net::awaitable<tick_result> tick(loop_clock clock);
    // A join or an answer changed the counts (or a projector arrived): count at the next
    // tick allowed by progress_interval.
    void request_progress() noexcept { progress_due_ = true; }
    bool leader() const noexcept { return leader_; }
    // Releases the lease when held (it expires by itself otherwise); the next tick starts over.
    net::awaitable<void> finish();

    std::int64_t session_id() const noexcept { return session_id_; }

private:
    net::awaitable<void> produce_frame(loop_clock clock, tick_result& out);
    std::chrono::milliseconds next_check_delay();
    void warn_failure(std::chrono::steady_clock::time_point now, const std::string& what);
    void lose_lease(tick_result& out);

    // The session check's outcome, shared with the coroutine that runs it.
    struct check_state {
        bool running = false;
        std::optional<std::string> ended;   // the status, when not active
        std::optional<std::string> failure; // PostgreSQL (or Valkey) failed
    };
    static net::awaitable<void> run_check(projection_rounds& class_loop, std::int64_t sid, bool leader,
                                          std::shared_ptr<check_state> state);
    net::awaitable<std::optional<frame_round>> seal_next(std::int64_t wall_ms, std::string& text,
                                                         std::chrono::steady_clock::duration& cpu);

    std::int64_t session_id_;
    const frame_loop_settings& settings_;
    projection_ports ports_;
    bytes totps_secret_;
    bool leader_ = false;
    bool progress_due_ = false;
    bool checked_once_ = false;
    std::shared_ptr<check_state> check_ = std::make_shared<check_state>();
    std::optional<std::chrono::steady_clock::time_point> next_lease_try_, next_check_, last_progress_, last_warning_;
    // When the last frame's publication renewed the lease (held, not paused); reset by
    // anything else (a pause, a loss, a failed tick, finish).
    std::optional<std::chrono::steady_clock::time_point> renewed_by_frame_;
};

// The production projection_rounds: the session's status from session_service, the states
// from attendance_service.
class class_loop_rounds final : public projection_rounds {
public:
    class_loop_rounds(session_service& sessions, attendance_service& attendance)
        : sessions_(sessions), attendance_(attendance) {}
    net::awaitable<std::string> session_status(std::int64_t session_id) override;
    net::awaitable<int> restore(std::int64_t session_id) override;
    net::awaitable<student_state> state_of(std::int64_t session_id, std::int64_t user_id) override;

private:
    session_service& sessions_;
    attendance_service& attendance_;
};

// The projectors' commands and the loops' factory.
class projection_service {
public:
    projection_service(frame_loop_settings settings, projection_ports ports)
        : settings_(std::move(settings)), ports_(ports) {}

    frame_loop loop(std::int64_t session_id) { return frame_loop(session_id, settings_, ports_); }
    net::awaitable<void> pause(std::int64_t session_id);
    net::awaitable<void> resume(std::int64_t session_id);
    // The projector painted a real frame at `shown_at_ms` (server clock, already clamped).
    net::awaitable<void> record_shown(std::int64_t session_id, frame_round round, std::int64_t shown_at_ms);

private:
    frame_loop_settings settings_;
    projection_ports ports_;
};

} // namespace asistencia::application::attendance
