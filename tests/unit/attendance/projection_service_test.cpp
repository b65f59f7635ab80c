// The frame loop (projection_service) stepped tick by tick against fake ports: no Valkey,
// PostgreSQL or timers; the clock is whatever the test passes to tick().
#include "asistencia/application/attendance/projection_service.hpp"
#include "asistencia/application/errors.hpp"
#include "asistencia/domain/crypto/qr_payload.hpp"
#include "asistencia/domain/encoding/base64.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <future>
#include <map>
#include <set>
#include <stdexcept>

namespace {

namespace net = boost::asio;
namespace att = asistencia::application::attendance;
namespace crypto = asistencia::domain::crypto;
using namespace std::chrono_literals;

constexpr std::int64_t sid = 41;

template <class T>
T run(net::awaitable<T> a) {
    net::io_context ioc;
    auto f = net::co_spawn(ioc, std::move(a), net::use_future);
    ioc.run();
    return f.get();
}

[[noreturn]] void valkey_down() { throw asistencia::application::dependency_unavailable("valkey", "down"); }

struct fake_lease final : att::projection_lease {
    bool free = true;    // take succeeds
    bool held = false;   // this process holds it (renew succeeds)
    bool paused = false; // projection:paused
    bool down = false;
    int takes = 0, renewals = 0, releases = 0;

    net::awaitable<bool> take(std::int64_t) override {
        if (down) valkey_down();
        ++takes;
        if (free) {
            free = false;
            held = true;
        }
        co_return held;
    }
    net::awaitable<att::lease_renewal> renew(std::int64_t) override {
        if (down) valkey_down();
        ++renewals;
        co_return att::lease_renewal{held, held && paused};
    }
    net::awaitable<void> release(std::int64_t) override {
        if (down) valkey_down();
        ++releases;
        held = false;
        free = true;
        co_return;
    }
    net::awaitable<void> set_paused(std::int64_t, bool p) override {
        if (down) valkey_down();
        paused = p;
        co_return;
    }
    // The port's default (renew, then publish while held and not paused), counted: a store
    // does it in one round trip, so renewals - publications is the renewals of their own.
    int publications = 0;
    net::awaitable<att::renewed_publication> renew_and_publish(std::int64_t session_id, att::published_frame f,
                                                               att::frame_channel& frames) override {
        ++publications;
        co_return co_await att::projection_lease::renew_and_publish(session_id, std::move(f), frames);
    }
    // Another replica took the lease (this one's expired).
    void stolen() {
        held = false;
        free = false;
    }
};

struct fake_rounds final : att::round_store {
    std::vector<att::pending_round> queue;
    bool down = false;
    int record_refusals = 0; // record_showing returns false this many times
    int reopens = 0;
    std::vector<std::string> showings; // nonces recorded
    std::vector<std::pair<std::string, std::int64_t>> shown;

    net::awaitable<std::optional<att::student_state>> load_state(std::int64_t, std::int64_t) override {
        co_return std::nullopt;
    }
    net::awaitable<void> start(std::int64_t, std::int64_t, att::student_state) override { co_return; }
    net::awaitable<att::transition> reopen(std::int64_t, std::int64_t, int) override {
        ++reopens;
        co_return att::transition::applied;
    }
    // The answer path's transitions: the frame loop never calls them.
    net::awaitable<att::answer_take> take(std::int64_t, std::int64_t, int, std::int64_t, std::string,
                                          const att::answer_limit*) override {
        att::answer_take r;
        co_return r;
    }
    net::awaitable<att::round_moved> succeed(std::int64_t, std::int64_t, int) override {
        att::round_moved r;
        co_return r;
    }
    net::awaitable<att::round_moved> fail(std::int64_t, std::int64_t, int, int) override {
        att::round_moved r;
        co_return r;
    }
    net::awaitable<std::vector<att::pending_round>> pending(std::int64_t) override {
        if (down) valkey_down();
        co_return queue;
    }
    net::awaitable<bool> record_showing(std::int64_t, att::pending_round, std::string nonce, std::int64_t) override {
        if (record_refusals > 0) {
            --record_refusals;
            co_return false;
        }
        showings.push_back(std::move(nonce));
        co_return true;
    }
    net::awaitable<void> record_shown(std::int64_t, att::pending_round, std::string nonce, std::int64_t at) override {
        shown.emplace_back(std::move(nonce), at);
        co_return;
    }
    net::awaitable<void> put_join_challenge(std::int64_t, std::int64_t, att::bytes) override { co_return; }
    net::awaitable<std::optional<att::bytes>> take_join_challenge(std::int64_t, std::int64_t) override {
        co_return std::nullopt;
    }
    net::awaitable<void> invalidate(std::int64_t, std::int64_t) override { co_return; }
    net::awaitable<void> forget(std::int64_t, std::vector<std::int64_t>) override { co_return; }
};

struct fake_class_loop final : att::projection_rounds {
    std::string status = "active";
    std::map<std::int64_t, att::student_state> states;
    int status_checks = 0, restores = 0;

    net::awaitable<std::string> session_status(std::int64_t) override {
        ++status_checks;
        co_return status;
    }
    net::awaitable<int> restore(std::int64_t) override {
        ++restores;
        co_return 0;
    }
    net::awaitable<att::student_state> state_of(std::int64_t, std::int64_t user_id) override {
        const auto it = states.find(user_id);
        if (it == states.end()) throw std::runtime_error("no state");
        co_return it->second;
    }
};

struct fake_frames final : att::frame_channel {
    std::int64_t seq = 0;
    std::vector<att::published_frame> published;
    net::awaitable<std::optional<std::int64_t>> next_seq(std::int64_t) override { co_return ++seq; }
    net::awaitable<void> publish(std::int64_t, att::published_frame f) override {
        published.push_back(std::move(f));
        co_return;
    }
};

struct fake_qr final : att::qr_renderer {
    mutable std::vector<std::string> texts;
    att::qr_image render(std::string_view text) const override {
        texts.emplace_back(text);
        return {21, std::vector<std::uint8_t>(21 * 3, 0xA5)};
    }
};

struct fake_progress final : att::progress_counter {
    att::progress_counts next{5, 2};
    int queries = 0;
    net::awaitable<att::progress_counts> counts(std::int64_t) override {
        ++queries;
        co_return next;
    }
};

att::student_state state_with_key(std::uint8_t fill) {
    att::student_state s;
    s.round = 1;
    s.max_rounds = 3;
    s.k_qr.assign(32, fill);
    return s;
}

class FrameLoop : public ::testing::Test {
protected:
    FrameLoop() {
        settings_.master_key.assign(32, 7);
        settings_.restore_interval = 5s; // the tests count ticks of 500 ms against it
        settings_.check_spread = 0ms;    // checks exactly every restore_interval (the spread has its own test)
        loop_.emplace(sid, settings_, att::projection_ports{lease_, rounds_, class_loop_, frames_, qr_, progress_});
    }

    // Tick n, FRAME_INTERVAL_MS (500 ms) after the previous one.
    att::tick_result tick() {
        now_ += 500ms;
        wall_ms_ += 500;
        return run(loop_->tick({now_, wall_ms_}));
    }

    void student(std::int64_t uid, std::uint8_t key_fill) {
        rounds_.queue.push_back({uid, 1});
        class_loop_.states[uid] = state_with_key(key_fill);
    }

    att::frame_loop_settings settings_;
    fake_lease lease_;
    fake_rounds rounds_;
    fake_class_loop class_loop_;
    fake_frames frames_;
    fake_qr qr_;
    fake_progress progress_;
    std::optional<att::frame_loop> loop_;
    std::chrono::steady_clock::time_point now_{std::chrono::hours(1)};
    std::int64_t wall_ms_ = 1'700'000'000'000;
};

TEST_F(FrameLoop, NothingPendingProjectsADecoyForTheSession) {
    const auto r = tick();
    EXPECT_TRUE(r.took_lease);
    ASSERT_EQ(r.frame, att::frame_kind::decoy);
    ASSERT_EQ(frames_.published.size(), 1u);
    const auto& f = frames_.published[0];
    EXPECT_EQ(f.seq, 1);
    EXPECT_FALSE(f.round);
    EXPECT_EQ(f.width, 21);
    EXPECT_EQ(f.modules, asistencia::domain::encoding::base64_encode(std::vector<std::uint8_t>(63, 0xA5)));
    EXPECT_EQ(f.sent_at_ms, wall_ms_);
    ASSERT_EQ(qr_.texts.size(), 1u);
    EXPECT_EQ(qr_.texts[0].size(), crypto::qr_text_size);
    EXPECT_TRUE(qr_.texts[0].starts_with(crypto::qr_prefix));
    EXPECT_TRUE(rounds_.showings.empty());
}

TEST_F(FrameLoop, APendingStudentGetsAPayloadSealedWithTheirKeyAndRecorded) {
    student(9, 0x11);
    const auto r = tick();
    ASSERT_EQ(r.frame, att::frame_kind::real);
    ASSERT_EQ(frames_.published.size(), 1u);
    const auto& f = frames_.published[0];
    ASSERT_TRUE(f.round);
    EXPECT_EQ(f.round->user_id, 9);
    EXPECT_EQ(f.round->round, 1);
    ASSERT_EQ(rounds_.showings, std::vector<std::string>{f.round->nonce});
    const auto opened = crypto::open_qr(qr_.texts.at(0), class_loop_.states[9].k_qr);
    ASSERT_TRUE(std::holds_alternative<crypto::qr_payload>(opened));
    const auto& p = std::get<crypto::qr_payload>(opened);
    EXPECT_EQ(p.session_id, sid);
    EXPECT_EQ(p.user_id, 9u);
    EXPECT_EQ(p.round, 1);
    EXPECT_EQ(p.issued_at_ms, static_cast<std::uint64_t>(wall_ms_));
    EXPECT_EQ(asistencia::domain::encoding::base64url_encode(p.nonce), f.round->nonce);
    // A different key does not open it.
    EXPECT_FALSE(std::holds_alternative<crypto::qr_payload>(crypto::open_qr(qr_.texts[0], att::bytes(32, 0x22))));
}

TEST_F(FrameLoop, AStudentWhoseStateCannotBeLoadedOrIsDoneGetsADecoy) {
    rounds_.queue.push_back({9, 1}); // no state: state_of throws
    EXPECT_EQ(tick().frame, att::frame_kind::decoy);
    auto done = state_with_key(0x11);
    done.round = 4;
    class_loop_.states[9] = done;
    EXPECT_EQ(tick().frame, att::frame_kind::decoy);
    EXPECT_TRUE(rounds_.showings.empty());
}

TEST_F(FrameLoop, ALapsedRoundIsReopenedAndAMovedOnRoundBecomesADecoy) {
    student(9, 0x11);
    rounds_.record_refusals = 1; // metadata lapsed once: reopen, then recorded
    EXPECT_EQ(tick().frame, att::frame_kind::real);
    EXPECT_EQ(rounds_.reopens, 1);
    rounds_.record_refusals = 2; // still refused after the reopen: never shown unrecorded
    EXPECT_EQ(tick().frame, att::frame_kind::decoy);
    EXPECT_EQ(rounds_.reopens, 2);
    EXPECT_EQ(rounds_.showings.size(), 1u);
}

TEST_F(FrameLoop, PausedRendersNothingUntilResumed) {
    att::projection_service service(settings_, {lease_, rounds_, class_loop_, frames_, qr_, progress_});
    EXPECT_EQ(tick().frame, att::frame_kind::decoy);
    run(service.pause(sid));
    EXPECT_EQ(tick().frame, att::frame_kind::none);
    EXPECT_EQ(tick().frame, att::frame_kind::none);
    EXPECT_EQ(frames_.published.size(), 1u);
    EXPECT_TRUE(loop_->leader()); // paused, still leading
    run(service.resume(sid));
    EXPECT_EQ(tick().frame, att::frame_kind::decoy);
    EXPECT_EQ(frames_.published.back().seq, 2);
}

TEST_F(FrameLoop, SteadyFramesRenewTheLeaseWithTheirPublicationOnly) {
    student(9, 0x11);
    for (int i = 0; i < 6; ++i) EXPECT_EQ(tick().frame, att::frame_kind::real);
    EXPECT_EQ(lease_.publications, 6);
    // 2 round trips per frame from the second on (show_next, renew + publish), not 3.
    EXPECT_EQ(lease_.renewals - lease_.publications, 1);
}

TEST_F(FrameLoop, APauseSinceTheLastFramePublishesNothing) {
    student(9, 0x11);
    EXPECT_EQ(tick().frame, att::frame_kind::real);
    lease_.paused = true; // a projector (of any replica) paused after that frame
    const auto r = tick();
    EXPECT_EQ(r.frame, att::frame_kind::none) << "the publication checks the pause flag";
    EXPECT_FALSE(r.lost_lease);
    EXPECT_EQ(frames_.published.size(), 1u);
    // That tick's showing was recorded before the publication found the pause: a nonce on no QR.
    EXPECT_EQ(rounds_.showings.size(), 2u);
    const auto texts = qr_.texts.size();
    for (int i = 0; i < 3; ++i) EXPECT_EQ(tick().frame, att::frame_kind::none);
    EXPECT_EQ(rounds_.showings.size(), 2u) << "known paused: no pick, no render, only renewals";
    EXPECT_EQ(qr_.texts.size(), texts);
    EXPECT_TRUE(loop_->leader());
    lease_.paused = false;
    EXPECT_EQ(tick().frame, att::frame_kind::real); // resumed: the renewal sees it, the frame comes
    EXPECT_EQ(frames_.published.back().seq, 2);
}

TEST_F(FrameLoop, ALeaseLostSinceTheLastFramePublishesNothing) {
    student(9, 0x11);
    EXPECT_EQ(tick().frame, att::frame_kind::real);
    lease_.stolen(); // expired and taken by another replica (or Valkey lost it)
    const auto r = tick();
    EXPECT_TRUE(r.lost_lease);
    EXPECT_EQ(r.frame, att::frame_kind::none) << "the publication checks the token";
    EXPECT_EQ(frames_.published.size(), 1u);
    EXPECT_FALSE(loop_->leader());
}

TEST_F(FrameLoop, ATickLaterThanTheCarryRenewsBeforePicking) {
    student(9, 0x11);
    EXPECT_EQ(tick().frame, att::frame_kind::real);
    now_ += settings_.renewal_carry; // a stalled loop: the last renewal may have lapsed
    lease_.stolen();
    const auto r = tick();
    EXPECT_TRUE(r.lost_lease);
    EXPECT_EQ(rounds_.showings.size(), 1u) << "renewed (and refused) before any pick";
    EXPECT_EQ(qr_.texts.size(), 1u);
    EXPECT_EQ(lease_.renewals - lease_.publications, 2);
}

TEST_F(FrameLoop, LeaseLostStopsRenderingAndRegainedResumes) {
    EXPECT_TRUE(tick().took_lease);
    lease_.stolen();
    const auto lost = tick();
    EXPECT_TRUE(lost.lost_lease);
    EXPECT_EQ(lost.frame, att::frame_kind::none);
    EXPECT_FALSE(loop_->leader());
    // Another replica leads: a follower tries again once per lease_attempt_interval.
    const int takes = lease_.takes;
    EXPECT_EQ(tick().frame, att::frame_kind::none); // tries (1 s after the first take), refused
    EXPECT_EQ(tick().frame, att::frame_kind::none); // 500 ms later: does not try again yet
    EXPECT_EQ(lease_.takes, takes + 1);
    lease_.free = true; // the other one's lease expired
    const auto regained = tick();
    EXPECT_TRUE(regained.took_lease);
    EXPECT_EQ(regained.frame, att::frame_kind::decoy);
    EXPECT_EQ(frames_.published.size(), 2u);
}

TEST_F(FrameLoop, ALeaseTakenAgainChecksAndRestoresAtOnce) {
    tick();
    ASSERT_EQ(class_loop_.restores, 1);
    tick();
    lease_.stolen(); // as a Valkey restart does: the lease is gone with the rounds
    EXPECT_TRUE(tick().lost_lease);
    lease_.free = true;
    // The next take attempt succeeds: checked and restored in that tick, 1.5 s after the last
    // check (the periodic one would have waited for 5 s).
    const auto regained = tick();
    ASSERT_TRUE(regained.took_lease);
    EXPECT_EQ(class_loop_.status_checks, 2);
    EXPECT_EQ(class_loop_.restores, 2);
    // Then the periodic checks go on from there.
    for (int i = 0; i < 9; ++i) tick();
    EXPECT_EQ(class_loop_.restores, 2);
    tick();
    EXPECT_EQ(class_loop_.restores, 3);
}

TEST_F(FrameLoop, AFollowerNeverRenders) {
    lease_.free = false;
    for (int i = 0; i < 6; ++i) {
        const auto r = tick();
        EXPECT_FALSE(r.took_lease);
        EXPECT_EQ(r.frame, att::frame_kind::none);
    }
    EXPECT_TRUE(frames_.published.empty());
    EXPECT_EQ(class_loop_.restores, 0); // only the leader restores
}

TEST_F(FrameLoop, ASessionNoLongerActiveEndsTheLoop) {
    EXPECT_EQ(tick().frame, att::frame_kind::decoy);
    EXPECT_EQ(class_loop_.status_checks, 1);
    class_loop_.status = "closed";
    for (int i = 0; i < 9; ++i) EXPECT_FALSE(tick().ended_status); // checked every 5 s
    const auto r = tick();
    ASSERT_TRUE(r.ended_status);
    EXPECT_EQ(*r.ended_status, "closed");
    EXPECT_EQ(r.frame, att::frame_kind::none);
    run(loop_->finish());
    EXPECT_EQ(lease_.releases, 1);
    EXPECT_FALSE(loop_->leader());
}

TEST_F(FrameLoop, TheLeaderRestoresLostRoundsOnEachCheck) {
    tick();
    EXPECT_EQ(class_loop_.restores, 1);
    for (int i = 0; i < 10; ++i) tick();
    EXPECT_EQ(class_loop_.restores, 2);
}

TEST_F(FrameLoop, ASessionCheckStuckOnPostgresLeavesTheLeaseAndTheFramesGoing) {
    // PostgreSQL answers nothing (locked, failing over, a queue of checks on a loaded
    // machine): the 5 s check waits, the lease renewals and the frames do not. Before, the
    // check sat between the renewal and the frame: the lease lapsed and no frame came.
    struct stalled_class_loop final : att::projection_rounds {
        net::steady_timer* gate = nullptr;
        int status_checks = 0;
        net::awaitable<std::string> session_status(std::int64_t) override {
            ++status_checks;
            net::steady_timer t(co_await net::this_coro::executor, net::steady_timer::time_point::max());
            gate = &t;
            co_await t.async_wait(net::as_tuple(net::use_awaitable));
            gate = nullptr;
            co_return "closed";
        }
        net::awaitable<int> restore(std::int64_t) override { co_return 0; }
        net::awaitable<att::student_state> state_of(std::int64_t, std::int64_t) override {
            throw std::runtime_error("no state");
        }
    };
    net::io_context ioc;
    // A tick, run as far as the io_context can go without waiting (the stalled check stays).
    auto tick_ready = [&](att::frame_loop& loop, int i) -> std::optional<att::tick_result> {
        auto f = net::co_spawn(ioc, loop.tick({now_ + i * 500ms, wall_ms_ + std::int64_t{i} * 500}), net::use_future);
        for (int n = 0; n < 100 && f.wait_for(0s) != std::future_status::ready; ++n) {
            ioc.restart();
            ioc.poll();
        }
        if (f.wait_for(0s) != std::future_status::ready) return std::nullopt;
        return f.get();
    };
    stalled_class_loop class_loop;
    att::frame_loop loop(sid, settings_, att::projection_ports{lease_, rounds_, class_loop, frames_, qr_, progress_});
    for (int i = 0; i < 24; ++i) { // 12 s: two more checks would have been due
        const auto r = tick_ready(loop, i);
        ASSERT_TRUE(r) << "tick " << i << " waited for the session check";
        EXPECT_EQ(r->frame, att::frame_kind::decoy) << "tick " << i;
        EXPECT_FALSE(r->lost_lease);
        EXPECT_FALSE(r->ended_status);
    }
    EXPECT_EQ(lease_.publications, 24); // each frame's publication renewed the lease
    EXPECT_EQ(lease_.renewals - lease_.publications, 1) << "only the first tick renews on its own";
    EXPECT_EQ(frames_.published.size(), 24u);
    EXPECT_EQ(class_loop.status_checks, 1); // one check at a time
    // PostgreSQL answers at last: the session is over, the next tick ends the loop.
    ASSERT_NE(class_loop.gate, nullptr);
    class_loop.gate->cancel();
    ioc.restart();
    ioc.poll();
    const auto r = tick_ready(loop, 24);
    ASSERT_TRUE(r);
    ASSERT_TRUE(r->ended_status);
    EXPECT_EQ(*r->ended_status, "closed");
    EXPECT_EQ(r->frame, att::frame_kind::none);
}

TEST_F(FrameLoop, SessionChecksOfLoopsStartedTogetherAreSpreadOverTheInterval) {
    settings_.check_spread = settings_.restore_interval;
    std::set<int> second_check_ticks;
    for (int n = 0; n < 30; ++n) {
        fake_lease lease;
        fake_class_loop class_loop;
        att::frame_loop loop(sid + n, settings_,
                             att::projection_ports{lease, rounds_, class_loop, frames_, qr_, progress_});
        int second = 0;
        for (int i = 0; i <= 30 && class_loop.status_checks < 4; ++i) {
            run(loop.tick({now_ + i * 500ms, wall_ms_ + std::int64_t{i} * 500}));
            if (class_loop.status_checks == 2 && second == 0) second = i;
        }
        // First at once, the second within the interval (never later), then every 5 s.
        ASSERT_GE(second, 1);
        ASSERT_LE(second, 10);
        EXPECT_EQ(class_loop.status_checks, 4);
        second_check_ticks.insert(second);
    }
    EXPECT_GT(second_check_ticks.size(), 1u); // not all in the same tick (30 loops, 10 ticks to land in)
}

TEST_F(FrameLoop, ValkeyDownSkipsTicksAndTheLoopGoesOnWhenItIsBack) {
    student(9, 0x11);
    EXPECT_EQ(tick().frame, att::frame_kind::real);
    lease_.down = true;
    rounds_.down = true;
    for (int i = 0; i < 4; ++i) {
        const auto r = tick();
        ASSERT_TRUE(r.failure);
        EXPECT_NE(r.failure->find("down"), std::string::npos);
        EXPECT_EQ(r.frame, att::frame_kind::none);
    }
    EXPECT_TRUE(loop_->leader()); // nothing said it lost the lease
    lease_.down = false;
    rounds_.down = false;
    // Valkey came back empty: the renewal finds no lease, a later attempt takes it again.
    lease_.held = false;
    lease_.free = true;
    EXPECT_TRUE(tick().lost_lease);
    auto r = tick();
    for (int i = 0; i < 3 && !r.took_lease; ++i) r = tick();
    EXPECT_TRUE(r.took_lease);
    EXPECT_EQ(r.frame, att::frame_kind::real);
    EXPECT_FALSE(r.failure);
}

TEST_F(FrameLoop, ProgressIsCountedWhenDueAtMostOncePerInterval) {
    EXPECT_FALSE(tick().progress); // nobody asked
    loop_->request_progress();
    const auto first = tick();
    ASSERT_TRUE(first.progress);
    EXPECT_EQ(first.progress->registered, 5);
    EXPECT_EQ(first.progress->completed, 2);
    EXPECT_EQ(first.progress->pending(), 3);
    loop_->request_progress();
    EXPECT_FALSE(tick().progress); // 500 ms later: debounced
    const auto second = tick();    // 1 s after the first
    ASSERT_TRUE(second.progress);
    EXPECT_EQ(progress_.queries, 2);
    EXPECT_FALSE(tick().progress);
}

TEST_F(FrameLoop, FollowersCountProgressToo) {
    lease_.free = false;
    loop_->request_progress();
    EXPECT_TRUE(tick().progress);
}

TEST_F(FrameLoop, FinishReleasesOnlyAHeldLeaseAndTheNextTickStartsOver) {
    lease_.free = false;
    tick();
    run(loop_->finish());
    EXPECT_EQ(lease_.releases, 0);
    lease_.free = true;
    EXPECT_TRUE(tick().took_lease); // a restarted driver tries at once
    run(loop_->finish());
    EXPECT_EQ(lease_.releases, 1);
}

TEST(ProjectionService, RecordShownPassesTheShowingToTheRoundStore) {
    att::frame_loop_settings settings;
    fake_lease lease;
    fake_rounds rounds;
    fake_class_loop class_loop;
    fake_frames frames;
    fake_qr qr;
    fake_progress progress;
    att::projection_service service(settings, {lease, rounds, class_loop, frames, qr, progress});
    run(service.record_shown(sid, {9, 2, "bm9uY2U"}, 1234));
    ASSERT_EQ(rounds.shown.size(), 1u);
    EXPECT_EQ(rounds.shown[0].first, "bm9uY2U");
    EXPECT_EQ(rounds.shown[0].second, 1234);
}

} // namespace
