// valkey_attendance_events against the real Valkey: progress is coalesced per session (one
// message at once, one at the window's end for a burst, none lost at its end), sessions do
// not share a window, and `closed` is never coalesced.
#include "asistencia/infra/stores/attendance_events.hpp"
#include "valkey_test_settings.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>
#include <unistd.h>

namespace {

namespace net = boost::asio;
namespace valkey = asistencia::infra::valkey;
using asistencia::infra::stores::valkey_attendance_events;
using namespace std::chrono_literals;

valkey::settings test_settings() { return asistencia::test_support::valkey_test_settings("events-test"); }

net::awaitable<void> sleep_for(std::chrono::milliseconds d) {
    net::steady_timer t(co_await net::this_coro::executor, d);
    co_await t.async_wait(net::use_awaitable);
}

TEST(AttendanceEvents, ProgressIsCoalescedPerSessionAndTheLastOneIsNeverLost) {
    net::io_context io;
    const auto s = test_settings();
    valkey::client kv(io.get_executor(), s);
    const auto a = valkey_attendance_events::channel(kv.keys(), 1);
    const auto b = valkey_attendance_events::channel(kv.keys(), 2);
    std::map<std::string, std::vector<std::string>> got;
    valkey::subscriber sub(io.get_executor(), s,
                           [&](const std::string& ch, const std::string& m) { got[ch].push_back(m); });
    sub.subscribe(a);
    sub.subscribe(b);
    sub.start();
    kv.start();
    constexpr auto spacing = 1000ms; // long beside loopback delivery, so the phases below are apart
    valkey_attendance_events events(io.get_executor(), kv, spacing);
    std::map<std::string, std::vector<std::size_t>> seen; // messages per channel after each phase
    auto settle = [&](const std::string& ch, std::size_t n) -> net::awaitable<void> {
        for (int i = 0; i < 300 && got[ch].size() < n; ++i) co_await sleep_for(10ms);
    };
    auto fut = net::co_spawn(
        io,
        [&]() -> net::awaitable<void> {
            co_await kv.wait_connected(5s);
            for (int i = 0; i < 500 && !sub.subscribed(); ++i) co_await sleep_for(10ms);
            // A class answering together: 50 answers in one session within the window.
            for (int i = 0; i < 50; ++i) events.progress(1);
            events.progress(2); // another session has its own window
            co_await settle(a, 1);
            co_await settle(b, 1);
            seen[a].push_back(got[a].size()); // the first at once, the rest wait for the window's end
            seen[b].push_back(got[b].size());
            co_await sleep_for(spacing + 300ms);
            seen[a].push_back(got[a].size()); // one at the window's end for the other 49
            co_await sleep_for(spacing);
            events.progress(1); // a quiet window later: at once again
            events.closed(1, R"({"present":3})");
            events.closed(1, R"({"present":3})"); // never coalesced
            co_await settle(a, 5);
            seen[a].push_back(got[a].size());
            co_await sleep_for(spacing + 300ms);
            seen[a].push_back(got[a].size()); // nothing was left pending
            kv.stop();
            sub.stop();
        },
        net::use_future);
    io.run();
    fut.get();
    EXPECT_EQ(seen[a], (std::vector<std::size_t>{1, 2, 5, 5}));
    EXPECT_EQ(seen[b], (std::vector<std::size_t>{1}));
    ASSERT_EQ(got[a].size(), 5U);
    EXPECT_EQ(got[a][0], R"({"type":"progress"})");
    EXPECT_EQ(got[a][1], R"({"type":"progress"})");
    EXPECT_EQ(got[a][2], R"({"type":"progress"})");
    EXPECT_EQ(got[a][3], R"({"summary":{"present":3},"type":"closed"})");
}

} // namespace
