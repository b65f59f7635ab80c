// The frame loop's lease scripts against the real Valkey: renew_and_publish (the renewal,
// the pause flag and the frame's seq + PUBLISH in one EVALSHA) publishes only for the token
// that holds the lease and only while the session is not paused, and renews the lease.
#include "asistencia/infra/stores/projection_store.hpp"
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
namespace stores = asistencia::infra::stores;
namespace att = asistencia::application::attendance;
using namespace std::chrono_literals;

valkey::settings test_settings() { return asistencia::test_support::valkey_test_settings("projection-store-test"); }

constexpr std::int64_t sid = 4343;

class projection_store_scripts : public ::testing::Test {
protected:
    projection_store_scripts() : kv_(io_.get_executor(), test_settings()), lease_(kv_), other_(kv_), frames_(kv_) {
        kv_.start();
        run(kv_.wait_connected(5s));
        run(kv_.del(std::vector<std::string>{kv_.keys().projection_leader(sid), kv_.keys().projection_paused(sid),
                                             kv_.keys().projection_seq(sid)}));
    }
    ~projection_store_scripts() override { kv_.stop(); }

    template <class T>
    T run(net::awaitable<T> a) {
        auto fut = net::co_spawn(io_, std::move(a), net::use_future);
        io_.restart();
        while (fut.wait_for(0ms) != std::future_status::ready) io_.run_one();
        return fut.get();
    }

    static att::published_frame frame() {
        att::published_frame f;
        f.width = 21;
        f.modules = "AAAA";
        f.sent_at_ms = 1'700'000'000'000;
        return f;
    }

    att::renewed_publication publish(stores::valkey_projection_lease& lease) {
        return run(lease.renew_and_publish(sid, frame(), frames_));
    }
    std::optional<std::string> seq() { return run(kv_.get(kv_.keys().projection_seq(sid))); }
    std::int64_t lease_pttl() {
        const auto r = run(kv_.command({"PTTL", kv_.keys().projection_leader(sid)}));
        return r.integer;
    }

    net::io_context io_;
    valkey::client kv_;
    stores::valkey_projection_lease lease_, other_; // two processes' tokens
    stores::valkey_frame_channel frames_;
};

} // namespace

TEST_F(projection_store_scripts, renew_and_publish_publishes_for_the_holder_and_renews_its_lease) {
    ASSERT_TRUE(run(lease_.take(sid)));
    run(kv_.command({"PEXPIRE", kv_.keys().projection_leader(sid), "500"})); // about to lapse
    const auto r = publish(lease_);
    EXPECT_TRUE(r.renewal.held);
    EXPECT_FALSE(r.renewal.paused);
    ASSERT_TRUE(r.seq);
    EXPECT_EQ(*r.seq, 1);
    EXPECT_EQ(seq(), std::optional<std::string>("1"));
    EXPECT_GT(lease_pttl(), 2000) << "renewed to the 3 s lease";
    EXPECT_GT(run(kv_.ttl(kv_.keys().projection_seq(sid))), 0) << "the seq keeps its TTL";
    EXPECT_EQ(publish(lease_).seq, std::optional<std::int64_t>(2));
}

TEST_F(projection_store_scripts, renew_and_publish_while_paused_renews_and_publishes_nothing) {
    ASSERT_TRUE(run(lease_.take(sid)));
    run(lease_.set_paused(sid, true));
    run(kv_.command({"PEXPIRE", kv_.keys().projection_leader(sid), "500"}));
    const auto r = publish(lease_);
    EXPECT_TRUE(r.renewal.held);
    EXPECT_TRUE(r.renewal.paused);
    EXPECT_FALSE(r.seq);
    EXPECT_FALSE(seq()) << "no seq taken";
    EXPECT_GT(lease_pttl(), 2000) << "still renewed: the holder keeps the paused session";
    run(lease_.set_paused(sid, false));
    EXPECT_EQ(publish(lease_).seq, std::optional<std::int64_t>(1));
}

TEST_F(projection_store_scripts, renew_and_publish_by_another_token_touches_nothing) {
    ASSERT_TRUE(run(lease_.take(sid)));
    run(kv_.command({"PEXPIRE", kv_.keys().projection_leader(sid), "1000"}));
    const auto r = publish(other_);
    EXPECT_FALSE(r.renewal.held);
    EXPECT_FALSE(r.seq);
    EXPECT_FALSE(seq());
    EXPECT_LE(lease_pttl(), 1000) << "the holder's lease was not renewed by another token";
    run(lease_.release(sid));
    EXPECT_FALSE(publish(lease_).renewal.held) << "released: nobody holds it";
    EXPECT_FALSE(seq());
}
