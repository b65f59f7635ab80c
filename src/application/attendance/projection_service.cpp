// The frame loop as a stepped use case; see projection_service.hpp and docs/projection.md.
#include "asistencia/application/attendance/projection_service.hpp"

#include "asistencia/domain/crypto/primitives.hpp"
#include "asistencia/domain/crypto/protocol_keys.hpp"
#include "asistencia/domain/crypto/qr_payload.hpp"
#include "asistencia/domain/crypto/totp.hpp"
#include "asistencia/domain/encoding/base64.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <utility>

namespace asistencia::application::attendance {

namespace crypto = domain::crypto;
using steady = std::chrono::steady_clock;

namespace {

std::uint64_t random_u64() {
    const auto b = crypto::random_bytes(8);
    std::uint64_t v = 0;
    for (auto x : b) v = (v << 8) | x;
    return v;
}

// A uniformly random index in [0, n) (rejection sampling: no modulo bias).
std::size_t random_index(std::size_t n) {
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    for (;;) {
        const auto v = random_u64();
        if (v < limit) return static_cast<std::size_t>(v % n);
    }
}

bool due(const std::optional<steady::time_point>& at, steady::time_point now) { return !at || now >= *at; }

} // namespace

frame_loop::frame_loop(std::int64_t session_id, const frame_loop_settings& settings, projection_ports ports)
    : session_id_(session_id),
      settings_(settings),
      ports_(ports),
      totps_secret_(crypto::derive_session_totps_secret(settings.master_key, session_id)) {}

net::awaitable<tick_result> frame_loop::tick(loop_clock clock) {
    tick_result out;
    const auto sid = session_id_;
    try {
        // A check (run beside the ticks, below) found the session over.
        if (check_->ended) {
            out.ended_status = check_->ended;
            co_return out;
        }
        if (check_->failure) {
            out.failure = std::exchange(check_->failure, std::nullopt);
            warn_failure(clock.now, *out.failure);
        }
        if (!leader_ && due(next_lease_try_, clock.now)) {
            next_lease_try_ = clock.now + settings_.lease_attempt_interval;
            leader_ = co_await ports_.lease.take(sid);
            if (leader_) {
                out.took_lease = true;
                // A lease found free after this loop held it, or held by a replica that died,
                // is when rounds are most likely lost (a Valkey restart drops the lease with
                // them): check and restore now, not at the next periodic check.
                next_check_.reset();
                spdlog::info("projection {}: this process leads the frame loop", sid);
            }
        }
        if (due(next_check_, clock.now) && !check_->running) {
            // The session check waits on PostgreSQL: it runs in its own coroutine, never
            // between the lease renewal and the frame. (In the tick, a slow PostgreSQL, a
            // queue of checks on a loaded machine, made every tick outlast the lease: no
            // frame ever came, and a PostgreSQL stall stopped frames that need only Valkey.)
            next_check_ = clock.now + next_check_delay();
            check_->running = true;
            const auto ex = co_await net::this_coro::executor;
            net::co_spawn(ex, run_check(ports_.class_loop, sid, leader_, check_), net::detached);
            // A check that answers at once (a cache, a test's fake) counts in this tick.
            co_await net::post(ex, net::use_awaitable);
            if (check_->ended) {
                out.ended_status = check_->ended;
                co_return out;
            }
        }
        if (leader_) {
            // The steady state: the last frame's publication renewed the lease and found the
            // session not paused; this frame's publication renews and checks again (2 round
            // trips per frame). Otherwise (the first frame, paused, a failed tick) the
            // renewal comes first, as its own round trip.
            const bool carried = renewed_by_frame_ && clock.now - *renewed_by_frame_ <= settings_.renewal_carry;
            renewed_by_frame_.reset();
            if (carried) {
                co_await produce_frame(clock, out);
            } else {
                const auto renewal = co_await ports_.lease.renew(sid);
                if (!renewal.held) {
                    lose_lease(out);
                } else if (!renewal.paused) {
                    co_await produce_frame(clock, out);
                }
            }
        }
        if (progress_due_ && (!last_progress_ || clock.now - *last_progress_ >= settings_.progress_interval)) {
            progress_due_ = false;
            last_progress_ = clock.now;
            out.progress = co_await ports_.progress.counts(sid);
        }
    } catch (const std::exception& e) {
        // Valkey or PostgreSQL down: this tick is skipped, the next one tries again.
        renewed_by_frame_.reset();
        out.failure = e.what();
        warn_failure(clock.now, *out.failure);
    }
    co_return out;
}

void frame_loop::lose_lease(tick_result& out) {
    leader_ = false;
    renewed_by_frame_.reset();
    out.lost_lease = true;
    spdlog::warn("projection {}: lease lost", session_id_);
}

void frame_loop::warn_failure(steady::time_point now, const std::string& what) {
    if (!due(last_warning_, now)) return;
    last_warning_ = now + settings_.warning_interval;
    spdlog::warn("projection {}: frame loop tick failed: {}", session_id_, what);
}

// The session's status (every replica) and the restore of lost states (the leader). Owns
// what it touches: the loop may be gone when PostgreSQL answers.
net::awaitable<void> frame_loop::run_check(projection_rounds& class_loop, std::int64_t sid, bool leader,
                                           std::shared_ptr<check_state> state) {
    try {
        auto status = co_await class_loop.session_status(sid);
        if (status != "active") {
            state->ended = std::move(status);
        } else if (leader) {
            const auto restored = co_await class_loop.restore(sid);
            if (restored > 0) spdlog::info("projection {}: {} student states rebuilt", sid, restored);
        }
    } catch (const std::exception& e) {
        state->failure = e.what();
    }
    state->running = false;
}

// Seals a fresh payload for a uniformly random pending round and records its showing;
// nullopt (text empty) when nothing can be shown: the caller projects a decoy. The pick,
// the state and the record are one store call (one round trip); only a missing state or
// lapsed metadata take the slower path.
net::awaitable<std::optional<frame_round>> frame_loop::seal_next(std::int64_t wall_ms, std::string& text,
                                                                 steady::duration& cpu) {
    const auto sid = session_id_;
    const auto nonce = crypto::random_bytes(16);
    frame_round r;
    r.nonce = domain::encoding::base64url_encode(nonce);
    auto nonce_text = r.nonce;
    auto picked = co_await ports_.rounds.show_next(sid, random_u64(), std::move(nonce_text), wall_ms);
    if (!picked.round) co_return std::nullopt;
    const auto pick = *picked.round;
    auto& state = picked.state;
    if (!state) { // lost or unreadable: the class loop rebuilds it from PostgreSQL
        try {
            state = co_await ports_.class_loop.state_of(sid, pick.user_id);
        } catch (const std::exception& e) {
            spdlog::debug("projection {}: user {} not shown: {}", sid, pick.user_id, e.what());
        }
    }
    if (!state || state->done() || state->round != pick.round || state->k_qr.size() != 32) co_return std::nullopt;
    if (!picked.recorded) { // the round's metadata lapsed (or the state was just rebuilt)
        picked.recorded = co_await ports_.rounds.record_showing(sid, pick, r.nonce, wall_ms);
        if (!picked.recorded) {
            co_await ports_.rounds.reopen(sid, pick.user_id, pick.round);
            picked.recorded = co_await ports_.rounds.record_showing(sid, pick, r.nonce, wall_ms);
        }
    }
    if (!picked.recorded) co_return std::nullopt; // the round moved on meanwhile: never shown unrecorded

    crypto::qr_payload p;
    p.session_id = static_cast<std::uint32_t>(sid);
    p.user_id = static_cast<std::uint32_t>(pick.user_id);
    p.round = static_cast<std::uint8_t>(pick.round);
    std::copy(nonce.begin(), nonce.end(), p.nonce.begin());
    p.issued_at_ms = static_cast<std::uint64_t>(wall_ms);
    crypto::totp_params tp;
    tp.step_seconds = settings_.totp_step_seconds;
    p.totps = crypto::totp_value_at_step(totps_secret_, crypto::totp_step(wall_ms / 1000, tp), tp);
    const auto c0 = steady::now();
    text = crypto::seal_qr(p, state->k_qr);
    cpu += steady::now() - c0;
    r.user_id = pick.user_id;
    r.round = pick.round;
    co_return r;
}

net::awaitable<void> frame_loop::produce_frame(loop_clock clock, tick_result& out) {
    const auto sid = session_id_;
    std::string text;
    steady::duration cpu{};
    auto round = co_await seal_next(clock.wall_ms, text, cpu);
    const auto c1 = steady::now();
    if (!round) text = crypto::decoy_qr(static_cast<std::uint32_t>(sid)); // the rhythm says nothing
    const auto image = ports_.qr.render(text);
    auto modules = domain::encoding::base64_encode(image.packed);
    cpu += steady::now() - c1;
    out.render_cpu = cpu;

    published_frame f;
    f.width = image.width;
    f.modules = std::move(modules);
    f.sent_at_ms = clock.wall_ms;
    f.round = std::move(round);
    const auto kind = f.round ? frame_kind::real : frame_kind::decoy;
    // Published only while this process holds the lease and the session is not paused,
    // checked in the same step: a lease lost or a pause since the last renewal publishes
    // nothing (the showing recorded above is then of a frame no projector got: harmless,
    // its nonce is on no QR).
    const auto pub = co_await ports_.lease.renew_and_publish(sid, std::move(f), ports_.frames);
    if (!pub.renewal.held) {
        lose_lease(out);
        co_return;
    }
    if (pub.renewal.paused) co_return; // the next ticks renew alone until resumed
    renewed_by_frame_ = clock.now;
    if (pub.seq) out.frame = kind;
}

// The first check comes at the first tick; the second one a random part of check_spread
// earlier than restore_interval, so loops started together (a replica's restart, a
// benchmark) do not all query PostgreSQL in the same tick from then on.
std::chrono::milliseconds frame_loop::next_check_delay() {
    const auto interval = settings_.restore_interval;
    if (checked_once_ || settings_.check_spread.count() <= 0) {
        checked_once_ = true;
        return interval;
    }
    checked_once_ = true;
    const auto spread = std::min(settings_.check_spread, interval);
    const auto cut =
        std::chrono::milliseconds(static_cast<std::int64_t>(random_index(static_cast<std::size_t>(spread.count()))));
    return interval - cut;
}

net::awaitable<void> frame_loop::finish() {
    if (leader_) {
        leader_ = false;
        try {
            co_await ports_.lease.release(session_id_);
        } catch (const std::exception& e) {
            spdlog::warn("projection {}: lease not released (it expires by itself): {}", session_id_, e.what());
        }
    }
    next_lease_try_.reset();
    next_check_.reset();
    renewed_by_frame_.reset();
    checked_once_ = false;
}

net::awaitable<std::string> class_loop_rounds::session_status(std::int64_t session_id) {
    const auto s = co_await sessions_.get_any(session_id);
    co_return s.status;
}

net::awaitable<int> class_loop_rounds::restore(std::int64_t session_id) {
    co_return co_await attendance_.restore_session(session_id);
}

net::awaitable<student_state> class_loop_rounds::state_of(std::int64_t session_id, std::int64_t user_id) {
    co_return co_await attendance_.state_of(session_id, user_id);
}

net::awaitable<void> projection_service::pause(std::int64_t session_id) {
    co_await ports_.lease.set_paused(session_id, true);
}

net::awaitable<void> projection_service::resume(std::int64_t session_id) {
    co_await ports_.lease.set_paused(session_id, false);
}

net::awaitable<void> projection_service::record_shown(std::int64_t session_id, frame_round round,
                                                      std::int64_t shown_at_ms) {
    const pending_round r{round.user_id, round.round};
    co_await ports_.rounds.record_shown(session_id, r, std::move(round.nonce), shown_at_ms);
}

} // namespace asistencia::application::attendance
