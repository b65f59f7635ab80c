// The round store's Lua scripts against the real Valkey: the SAME (state, event) -> (state',
// effect) table as the pure round module's unit test (domain::attendance::transition_table),
// each row set up in Valkey, applied through the store and read back as a round_state; then
// the answer's take script (device, round, nonce rules) and EVALSHA after a SCRIPT FLUSH.
#include "asistencia/infra/stores/round_store.hpp"
#include "asistencia/domain/attendance/round.hpp"
#include "asistencia/infra/valkey/client.hpp"
#include "valkey_test_settings.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <string>
#include <unistd.h>

namespace {

namespace net = boost::asio;
namespace valkey = asistencia::infra::valkey;
namespace att = asistencia::application::attendance;
using namespace asistencia::domain::attendance;
using namespace std::chrono_literals;

valkey::settings test_settings() { return asistencia::test_support::valkey_test_settings("round-test"); }

constexpr std::int64_t sid = 4242;
constexpr std::int64_t device = 77;

std::string describe(const round_state& s) {
    return std::string(to_string(s.phase)) + " r" + std::to_string(s.round) + "/" + std::to_string(s.max_rounds) +
           " f" + std::to_string(s.failed_attempts);
}

class round_store_scripts : public ::testing::Test {
protected:
    round_store_scripts() : kv_(io_.get_executor(), test_settings()), store_(kv_, std::vector<std::uint8_t>(32, 7)) {
        kv_.start();
        run(kv_.wait_connected(5s));
    }
    ~round_store_scripts() override { kv_.stop(); }

    template <class T>
    T run(net::awaitable<T> a) {
        auto fut = net::co_spawn(io_, std::move(a), net::use_future);
        io_.restart();
        while (fut.wait_for(0ms) != std::future_status::ready) io_.run_one();
        return fut.get();
    }

    std::string meta(std::int64_t uid, int round) const { return kv_.keys().qr_meta(sid, uid, round); }

    // Puts `s` in Valkey for user `uid` the way the class gets there: start() (which opens
    // the round), then the showing count and failures in the metadata, or the metadata gone.
    void put(std::int64_t uid, const round_state& s) {
        att::student_state st;
        st.registration_id = uid;
        st.device_id = device;
        st.round = s.round;
        st.max_rounds = s.max_rounds;
        st.k_totpu.assign(32, 1);
        st.k_qr.assign(32, 2);
        run(store_.start(sid, uid, st));
        if (s.phase == round_phase::shown) run(kv_.hset(meta(uid, s.round), {{"mostrado_count", "1"}}));
        if (is_open(s.phase) && s.failed_attempts > 0) {
            run(kv_.hset(meta(uid, s.round), {{"intentos_fallidos", std::to_string(s.failed_attempts)}}));
        }
        if (s.phase == round_phase::expired) run(kv_.del(meta(uid, s.round)));
    }

    // Reads the student's round_state back from the state and the metadata.
    round_state observe(std::int64_t uid) {
        const auto st = run(store_.load_state(sid, uid));
        if (!st) {
            ADD_FAILURE() << "no state for user " << uid;
            return {};
        }
        round_state s{st->round, st->max_rounds, round_phase::done, 0};
        if (st->done()) return s;
        const auto fields = run(kv_.hgetall(meta(uid, st->round)));
        if (fields.empty()) {
            s.phase = round_phase::expired;
            return s;
        }
        s.phase = round_phase::pending;
        for (const auto& [k, v] : fields) {
            if (k == "mostrado_count" && std::stoi(v) > 0) s.phase = round_phase::shown;
            if (k == "intentos_fallidos") s.failed_attempts = std::stoi(v);
        }
        return s;
    }

    bool queued(std::int64_t uid, int round) {
        for (const auto& p : run(store_.pending(sid))) {
            if (p.user_id == uid && p.round == round) return true;
        }
        return false;
    }

    round_effect apply_event(std::int64_t uid, const round_event& e) {
        switch (e.kind) {
            case round_event_kind::show:
                return run(store_.record_showing(sid, {uid, e.round}, "bm9uY2Utb2YtdGhlLXRlc3Q", 1000))
                           ? round_effect::showing_recorded
                           : round_effect::stale;
            case round_event_kind::succeed:
                return run(store_.succeed(sid, uid, e.round)).effect;
            case round_event_kind::fail:
                return run(store_.fail(sid, uid, e.round, table_rules.max_failed_attempts)).effect;
            case round_event_kind::lapse: {
                // The TTL does it in a class: the scripts must have set one.
                const auto ttl = run(kv_.ttl(meta(uid, e.round)));
                if (ttl == -2) return round_effect::stale; // no metadata: nothing lapses
                EXPECT_GT(ttl, 0) << "open metadata has a TTL";
                return run(kv_.del(meta(uid, e.round))) == 1 ? round_effect::lapsed : round_effect::stale;
            }
            case round_event_kind::reopen:
                return run(store_.reopen(sid, uid, e.round)) == att::transition::applied ? round_effect::reopened
                                                                                         : round_effect::stale;
        }
        return round_effect::stale;
    }

    void forget(std::int64_t uid) { run(store_.forget(sid, {uid})); }

    net::io_context io_;
    valkey::client kv_;
    asistencia::infra::stores::valkey_round_store store_;
};

TEST_F(round_store_scripts, run_the_domain_transition_table) {
    std::int64_t uid = 1000;
    ASSERT_GT(transition_table().size(), 20u);
    for (const auto& c : transition_table()) {
        ++uid;
        put(uid, c.before);
        ASSERT_EQ(observe(uid), c.before) << c.name << ": the setup itself is wrong";
        const auto effect = apply_event(uid, c.event);
        const auto after = observe(uid);
        EXPECT_EQ(effect, c.effect) << c.name << ": got " << to_string(effect) << ", want " << to_string(c.effect);
        EXPECT_EQ(after, c.after) << c.name << ": got " << describe(after) << ", want " << describe(c.after);
        // The projection queue follows: an open round is queued, a done student is not.
        if (is_open(after.phase)) {
            EXPECT_TRUE(queued(uid, after.round)) << c.name << ": open but not queued";
        }
        if (after.phase == round_phase::done) {
            EXPECT_FALSE(queued(uid, c.before.round)) << c.name << ": still queued";
        }
        forget(uid);
    }
}

TEST_F(round_store_scripts, moves_return_the_new_position) {
    const std::int64_t uid = 2001;
    put(uid, {2, 3, round_phase::shown, 0});
    const auto moved = run(store_.succeed(sid, uid, 2));
    EXPECT_EQ(moved.effect, round_effect::answered);
    EXPECT_EQ(moved.round, 3) << "the script returns the new state: no read after it";
    EXPECT_EQ(moved.max_rounds, 3);
    EXPECT_FALSE(moved.done());
    const auto counted = run(store_.fail(sid, uid, 3, 2));
    EXPECT_EQ(counted.effect, round_effect::attempt_counted);
    EXPECT_EQ(counted.failed_attempts, 1);
    const auto failed = run(store_.fail(sid, uid, 3, 2));
    EXPECT_EQ(failed.effect, round_effect::round_failed);
    EXPECT_EQ(failed.failed_attempts, 2);
    EXPECT_TRUE(failed.done());
    forget(uid);
    const auto gone = run(store_.succeed(sid, uid, 3));
    EXPECT_EQ(gone.effect, round_effect::stale);
    EXPECT_FALSE(gone.round) << "no state: the caller reads it again (rebuild)";
}

TEST_F(round_store_scripts, take_touches_only_the_devices_current_round) {
    const std::int64_t uid = 3001;
    put(uid, {2, 3, round_phase::pending, 0});
    const std::string nonce = "AAAAAAAAAAAAAAAAAAAAAA";
    ASSERT_TRUE(run(store_.record_showing(sid, {uid, 2}, nonce, 123456)));

    auto t = run(store_.take(sid, uid, 2, device + 1, nonce, nullptr));
    ASSERT_TRUE(t.state);
    EXPECT_FALSE(t.device_matches);
    t = run(store_.take(sid, uid, 1, device, nonce, nullptr));
    EXPECT_TRUE(t.device_matches);
    EXPECT_FALSE(t.current) << "round 1 is over";
    EXPECT_EQ(t.state->round, 2);

    t = run(store_.take(sid, uid, 2, device, "BBBBBBBBBBBBBBBBBBBBBB", nullptr));
    EXPECT_TRUE(t.current);
    EXPECT_EQ(t.taken.outcome, att::take_outcome::unknown);
    t = run(store_.take(sid, uid, 2, device, nonce, nullptr));
    EXPECT_EQ(t.taken.outcome, att::take_outcome::taken) << "the refused takes above left the nonce alone";
    EXPECT_EQ(t.taken.shown.issued_at_ms, 123456);
    EXPECT_EQ(t.state->registration_id, uid);
    EXPECT_EQ(t.state->k_qr, std::vector<std::uint8_t>(32, 2)) << "the device keys open";
    t = run(store_.take(sid, uid, 2, device, nonce, nullptr));
    EXPECT_EQ(t.taken.outcome, att::take_outcome::replayed);

    run(kv_.del(meta(uid, 2)));
    t = run(store_.take(sid, uid, 2, device, nonce, nullptr));
    EXPECT_EQ(t.taken.outcome, att::take_outcome::round_gone);
    forget(uid);
    t = run(store_.take(sid, uid, 2, device, nonce, nullptr));
    EXPECT_FALSE(t.state) << "no state: the caller rebuilds it";
}

// The scripts hand the server the state's fields (no JSON on the server): they must read
// the state start() wrote and the one the transition script re-encoded with cjson alike,
// and a state they cannot read is no state (the caller rebuilds it from PostgreSQL).
TEST_F(round_store_scripts, the_state_reads_the_same_after_a_transition_and_unreadable_is_none) {
    const std::int64_t uid = 3003;
    att::student_state st;
    st.registration_id = 987654321;
    st.device_id = device;
    st.round = 1;
    st.max_rounds = 4;
    st.device_flagged = true;
    st.k_totpu.assign(32, 5);
    st.k_qr.assign(32, 6);
    run(store_.start(sid, uid, st));
    for (int pass = 0; pass < 2; ++pass) { // as start() wrote it, then after succeed's cjson.encode
        const auto got = run(store_.load_state(sid, uid));
        ASSERT_TRUE(got) << "pass " << pass;
        EXPECT_EQ(got->registration_id, 987654321);
        EXPECT_EQ(got->device_id, device);
        EXPECT_EQ(got->round, 1 + pass);
        EXPECT_EQ(got->max_rounds, 4);
        EXPECT_TRUE(got->device_flagged);
        EXPECT_EQ(got->k_totpu, std::vector<std::uint8_t>(32, 5));
        EXPECT_EQ(got->k_qr, std::vector<std::uint8_t>(32, 6));
        const auto nonce = std::string(22, static_cast<char>('K' + pass));
        ASSERT_TRUE(run(store_.record_showing(sid, {uid, 1 + pass}, nonce, 1000)));
        const auto t = run(store_.take(sid, uid, 1 + pass, device, nonce, nullptr));
        EXPECT_EQ(t.taken.outcome, att::take_outcome::taken);
        ASSERT_TRUE(t.state);
        EXPECT_EQ(t.state->registration_id, 987654321);
        EXPECT_TRUE(t.state->device_flagged);
        EXPECT_EQ(t.state->k_qr, std::vector<std::uint8_t>(32, 6));
        EXPECT_EQ(run(store_.succeed(sid, uid, 1 + pass)).effect, round_effect::answered);
    }
    // A field missing, or not JSON: the state is unreadable.
    for (const char* bad : {R"({"round_actual": 3, "maxRounds": 4})", "not json"}) {
        run(kv_.set(kv_.keys().student_state(sid, uid), bad, 60s));
        EXPECT_FALSE(run(store_.load_state(sid, uid))) << bad;
        const auto t = run(store_.take(sid, uid, 3, device, "LLLLLLLLLLLLLLLLLLLLLL", nullptr));
        EXPECT_FALSE(t.state) << bad;
        EXPECT_FALSE(t.limited);
    }
    forget(uid);
}

TEST_F(round_store_scripts, take_counts_its_rate_limit_first_and_over_it_touches_nothing) {
    const std::int64_t uid = 3002;
    put(uid, {2, 3, round_phase::pending, 0});
    const std::string nonce = "CCCCCCCCCCCCCCCCCCCCCC";
    ASSERT_TRUE(run(store_.record_showing(sid, {uid, 2}, nonce, 123456)));
    const att::answer_limit limit{{"answers", 2, std::chrono::seconds(10)}, "take-test:" + std::to_string(uid)};

    auto t = run(store_.take(sid, uid, 2, device, "DDDDDDDDDDDDDDDDDDDDDD", &limit));
    EXPECT_FALSE(t.limited);
    EXPECT_EQ(t.taken.outcome, att::take_outcome::unknown);
    t = run(store_.take(sid, uid, 1, device, nonce, &limit));
    EXPECT_FALSE(t.limited) << "2 of 2";
    const auto before = store_.answers_limited();
    t = run(store_.take(sid, uid, 2, device, nonce, &limit));
    ASSERT_TRUE(t.limited) << "the third hit in the window is over the limit";
    EXPECT_GT(t.limited->count(), 0);
    EXPECT_LE(t.limited->count(), 10'000);
    EXPECT_FALSE(t.state) << "over the limit nothing is read";
    EXPECT_EQ(store_.answers_limited(), before + 1);
    // Nothing was taken: the same nonce is still there for a take without the limit.
    t = run(store_.take(sid, uid, 2, device, nonce, nullptr));
    EXPECT_EQ(t.taken.outcome, att::take_outcome::taken);
    // The counter is the limiter's key (shared with valkey_rate_limiter's naming), with its window.
    const auto counter = kv_.keys().rate_limit("answers", limit.subject);
    const auto hits = run(kv_.command({"GET", counter}));
    EXPECT_EQ(hits.str, "3") << "the refused hit is counted too";
    const auto pttl = run(kv_.command({"PTTL", counter}));
    EXPECT_GT(pttl.integer, 0);
    EXPECT_LE(pttl.integer, 10'000);
    // A limit of 0 counts nothing.
    const att::answer_limit off{{"answers", 0, std::chrono::seconds(10)}, "take-test-off:" + std::to_string(uid)};
    t = run(store_.take(sid, uid, 2, device, nonce, &off));
    EXPECT_FALSE(t.limited);
    EXPECT_EQ(run(kv_.command({"EXISTS", kv_.keys().rate_limit("answers", off.subject)})).integer, 0);
    forget(uid);
}

// The frame loop's one round trip: the pick by the caller's draw, the showing recorded as
// record_showing does (an answer takes its nonce), and the state read with it; a lapsed
// round, a state at another round or a lost state come back unrecorded for the caller.
TEST_F(round_store_scripts, show_next_picks_records_and_reads_the_state_in_one_call) {
    constexpr std::int64_t show_sid = 4343;
    const std::int64_t a = 5001, b = 5002;
    const auto& k = kv_.keys();
    EXPECT_FALSE(run(store_.show_next(show_sid, 0, "AAAAAAAAAAAAAAAAAAAAAA", 1)).round) << "nothing pending";
    for (const auto& [uid, round] : {std::pair{a, 1}, std::pair{b, 2}}) {
        att::student_state st;
        st.registration_id = uid;
        st.device_id = device;
        st.round = round;
        st.max_rounds = 3;
        st.k_totpu.assign(32, 1);
        st.k_qr.assign(32, 2);
        run(store_.start(show_sid, uid, st));
    }
    // The queue is ["5001:1", "5002:2"]: the draw picks index draw % 2.
    const std::string nonce = "CCCCCCCCCCCCCCCCCCCCCC";
    auto s = run(store_.show_next(show_sid, 3, nonce, 123456));
    ASSERT_TRUE(s.round);
    EXPECT_EQ(s.round->user_id, b);
    EXPECT_EQ(s.round->round, 2);
    EXPECT_TRUE(s.recorded);
    ASSERT_TRUE(s.state);
    EXPECT_EQ(s.state->round, 2);
    EXPECT_EQ(s.state->k_qr, std::vector<std::uint8_t>(32, 2)) << "the device keys open";
    EXPECT_EQ(run(kv_.hget(k.qr_meta(show_sid, b, 2), "mostrado_count")), std::optional<std::string>("1"));
    const auto t = run(store_.take(show_sid, b, 2, device, nonce, nullptr));
    EXPECT_EQ(t.taken.outcome, att::take_outcome::taken) << "recorded as record_showing records";
    EXPECT_EQ(t.taken.shown.issued_at_ms, 123456);

    s = run(store_.show_next(show_sid, 0, nonce, 1));
    ASSERT_TRUE(s.round);
    EXPECT_EQ(s.round->user_id, a);
    EXPECT_TRUE(s.recorded);

    run(kv_.del(k.qr_meta(show_sid, a, 1))); // the round's metadata lapsed
    s = run(store_.show_next(show_sid, 2, "DDDDDDDDDDDDDDDDDDDDDD", 1));
    ASSERT_TRUE(s.round);
    EXPECT_EQ(s.round->user_id, a);
    EXPECT_FALSE(s.recorded) << "no metadata: nothing recorded, the caller reopens it";
    ASSERT_TRUE(s.state);
    EXPECT_EQ(run(kv_.exists(k.qr_meta(show_sid, a, 1))), 0) << "the script did not re-create the metadata";

    run(kv_.rpush(k.projection_queue(show_sid), {"5002:1"})); // an orphan entry: b is at round 2
    s = run(store_.show_next(show_sid, 2, "EEEEEEEEEEEEEEEEEEEEEE", 1));
    ASSERT_TRUE(s.round);
    EXPECT_EQ(s.round->user_id, b);
    EXPECT_EQ(s.round->round, 1);
    EXPECT_FALSE(s.recorded) << "the state is at another round";
    EXPECT_EQ(run(kv_.exists(k.qr_meta(show_sid, b, 1))), 0);

    run(kv_.del(k.student_state(show_sid, a))); // lost (a Valkey restart): rebuilt by the caller
    s = run(store_.show_next(show_sid, 0, "FFFFFFFFFFFFFFFFFFFFFF", 1));
    ASSERT_TRUE(s.round);
    EXPECT_EQ(s.round->user_id, a);
    EXPECT_FALSE(s.recorded);
    EXPECT_FALSE(s.state);

    run(store_.forget(show_sid, {a, b}));
    run(kv_.del(k.projection_queue(show_sid)));
}

TEST_F(round_store_scripts, scripts_survive_a_script_flush) {
    const std::int64_t uid = 4001;
    std::vector<valkey::command_args> flush{{"SCRIPT", "FLUSH"}};
    run(kv_.pipeline(flush)); // what a Valkey restart does to loaded scripts
    put(uid, {1, 2, round_phase::shown, 0});
    EXPECT_EQ(observe(uid), (round_state{1, 2, round_phase::shown, 0})) << "start() reloaded the reopen script";
    run(kv_.pipeline(flush));
    EXPECT_EQ(run(store_.succeed(sid, uid, 1)).effect, round_effect::answered) << "NOSCRIPT: loaded and retried";
    EXPECT_EQ(observe(uid), (round_state{2, 2, round_phase::pending, 0}));
    forget(uid);
}

} // namespace
