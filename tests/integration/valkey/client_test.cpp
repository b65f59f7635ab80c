// valkey::client and valkey::subscriber against the real Valkey: every command family,
// NX/EX, pipelines, pub/sub, many coroutines on one connection, EVALSHA (scripts loaded on
// connect, NOSCRIPT reloaded in one round trip), and an outage (Valkey stopped and
// started): fast 503s while down, reconnection, resubscription, scripts loaded again.
#include "asistencia/infra/valkey/client.hpp"
#include "asistencia/application/errors.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <unistd.h>

namespace {

namespace net = boost::asio;
using namespace asistencia::infra::valkey;
using asistencia::application::dependency_unavailable;
using namespace std::chrono_literals;

std::string require_env(const char* name) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') {
        throw std::runtime_error(std::string(name) + " is not set: source $RUN_DIR/env of a stack");
    }
    return v;
}

settings test_settings() {
    settings s;
    s.host = require_env("REDIS_HOST");
    s.port = std::stoi(require_env("REDIS_PORT"));
    s.key_prefix = "test:" + std::to_string(::getpid()) + ":";
    s.command_timeout = 2000ms;
    s.backoff_max = 200ms;
    return s;
}

void svc(const std::string& args) {
    const std::string cmd =
        "RUN_DIR='" + require_env("RUN_DIR") + "' '" ASISTENCIA_SOURCE_DIR "/scripts/svc' " + args + " >/dev/null";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
}

// Runs a coroutine that gets a started, connected client; returns its result.
template <class F>
auto with_client(F f) {
    net::io_context io;
    client c(io.get_executor(), test_settings());
    c.start();
    auto fut = net::co_spawn(
        io,
        [&]() -> net::awaitable<int> {
            // Stop the client however f ends: its reconnect loop would keep io.run() going.
            std::exception_ptr error;
            int result = 0;
            try {
                co_await c.wait_connected(5s);
                result = co_await f(c);
            } catch (...) {
                error = std::current_exception();
            }
            c.stop();
            if (error) std::rethrow_exception(error);
            co_return result;
        },
        net::use_future);
    io.run();
    return fut.get();
}

net::awaitable<void> sleep_for(std::chrono::milliseconds d) {
    net::steady_timer t(co_await net::this_coro::executor, d);
    co_await t.async_wait(net::use_awaitable);
}

TEST(ValkeyClient, StringsWithExpiryAndNx) {
    with_client([](client& c) -> net::awaitable<int> {
        const auto k = c.keys().raw("s");
        co_await c.del(k);
        EXPECT_FALSE(co_await c.get(k));
        EXPECT_TRUE(co_await c.set(k, std::string("a\0b", 3)));
        EXPECT_EQ(co_await c.get(k), std::optional<std::string>(std::string("a\0b", 3)));
        EXPECT_FALSE(co_await c.set(k, "other", 60s, true)) << "NX must refuse an existing key";
        EXPECT_EQ((co_await c.get(k))->size(), 3u);
        co_await c.del(k);
        EXPECT_TRUE(co_await c.set(k, "v", 60s, true));
        const auto t = co_await c.ttl(k);
        EXPECT_GT(t, 0);
        EXPECT_LE(t, 60);
        EXPECT_TRUE(co_await c.expire(k, 5s));
        EXPECT_LE(co_await c.ttl(k), 5);
        EXPECT_EQ(co_await c.incr(c.keys().raw("n")), 1);
        EXPECT_EQ(co_await c.incr(c.keys().raw("n")), 2);
        EXPECT_EQ(co_await c.exists(k), 1);
        std::vector<std::string> a1{k, c.keys().raw("n")};
        EXPECT_EQ(co_await c.del(a1), 2);
        co_return 0;
    });
}

const script& incr_script() {
    static const script s("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    return s;
}

std::int64_t script_exists(const std::vector<reply>& r) {
    return r.empty() || r[0].elements.empty() ? -1 : r[0].elements[0].integer;
}

TEST(ValkeyClient, EvalshaRunsPreloadedScriptsInOneRoundTrip) {
    with_client([](client& c) -> net::awaitable<int> {
        static const script local("return {KEYS[1], ARGV[1], ARGV[2]}");
        EXPECT_EQ(local.sha1().size(), 40u);
        c.preload(local); // connected already: loaded now
        std::vector<command_args> exists{{"SCRIPT", "EXISTS", local.sha1()}};
        EXPECT_EQ(script_exists(co_await c.pipeline(exists)), 1) << "preload loads the script at once";
        const auto before = c.stats().round_trips;
        std::vector<std::string> keys{"k"}, args{"a", "b"};
        const auto r = co_await c.eval(local, keys, args);
        EXPECT_EQ(c.stats().round_trips - before, 1u) << "a loaded script costs one EVALSHA";
        EXPECT_EQ(r.elements.size(), 3u) << r.str;
        if (r.elements.size() == 3) {
            EXPECT_EQ(r.elements[0].str, "k");
            EXPECT_EQ(r.elements[2].str, "b");
        }
        static const script broken("return redis.call('NOPE')");
        std::vector<std::string> none;
        const auto e = co_await c.eval(broken, none, none);
        EXPECT_TRUE(e.is_error()) << "a failing script is an error reply, not an exception";
        co_return 0;
    });
}

TEST(ValkeyClient, EvalshaReloadsAfterNoscript) {
    with_client([](client& c) -> net::awaitable<int> {
        const auto k = c.keys().raw("evalsha");
        co_await c.del(k);
        std::vector<command_args> flush{{"SCRIPT", "FLUSH"}};
        co_await c.pipeline(flush); // as after a Valkey restart: nothing loaded
        const auto before = c.stats().round_trips;
        std::vector<std::string> keys{k}, args{"5"};
        const auto r = co_await c.eval(incr_script(), keys, args);
        EXPECT_EQ(r.integer, 5) << r.str;
        EXPECT_EQ(c.stats().round_trips - before, 2u) << "NOSCRIPT, then SCRIPT LOAD + EVALSHA pipelined";
        const auto again = co_await c.eval(incr_script(), keys, args);
        EXPECT_EQ(again.integer, 10) << "loaded now: runs again";
        EXPECT_EQ(c.stats().round_trips - before, 3u);
        co_await c.del(k);
        co_return 0;
    });
}

TEST(ValkeyClient, HashesListsAndSets) {
    with_client([](client& c) -> net::awaitable<int> {
        const auto h = c.keys().raw("h");
        const auto l = c.keys().raw("l");
        const auto s = c.keys().raw("set");
        std::vector<std::string> a2{h, l, s};
        co_await c.del(a2);
        std::vector<std::pair<std::string, std::string>> fields{{"userId", "7"}, {"ronda", "1"}};
        EXPECT_EQ(co_await c.hset(h, fields), 2);
        EXPECT_EQ(co_await c.hget(h, "ronda"), std::optional<std::string>("1"));
        EXPECT_FALSE(co_await c.hget(h, "missing"));
        EXPECT_EQ(co_await c.hincrby(h, "intentos_fallidos", 1), 1);
        EXPECT_EQ((co_await c.hgetall(h)).size(), 3u);

        const std::vector<std::string> tail{"7:1", "8:1"};
        const std::vector<std::string> head{"6:1"};
        EXPECT_EQ(co_await c.rpush(l, tail), 2);
        EXPECT_EQ(co_await c.lpush(l, head), 3);
        const std::vector<std::string> whole{"6:1", "7:1", "8:1"};
        EXPECT_EQ(co_await c.lrange(l, 0, -1), whole);
        EXPECT_EQ(co_await c.lrem(l, 0, "7:1"), 1);
        EXPECT_EQ(co_await c.llen(l), 2);

        const std::vector<std::string> members{"a", "b", "a"};
        const std::vector<std::string> gone{"a"};
        EXPECT_EQ(co_await c.sadd(s, members), 2);
        EXPECT_EQ(co_await c.srem(s, gone), 1);
        const std::vector<std::string> left{"b"};
        EXPECT_EQ(co_await c.smembers(s), left);

        // A wrong-type command comes back as an error reply, and the helpers throw.
        command_args a3{"LPUSH", h, "x"};
        const auto r = co_await c.command(a3);
        EXPECT_TRUE(r.is_error());
        EXPECT_NE(r.str.find("WRONGTYPE"), std::string::npos);
        bool threw = false;
        try {
            co_await c.llen(h);
        } catch (const std::runtime_error&) {
            threw = true;
        }
        EXPECT_TRUE(threw);
        std::vector<std::string> a4{h, l, s};
        co_await c.del(a4);
        co_return 0;
    });
}

TEST(ValkeyClient, PipelineSendsSeveralCommandsAndKeepsTheirOrder) {
    with_client([](client& c) -> net::awaitable<int> {
        const auto k = c.keys().raw("p");
        std::vector<command_args> cmds;
        cmds.push_back({"DEL", k});
        for (int i = 0; i < 50; ++i) cmds.push_back({"RPUSH", k, std::to_string(i)});
        cmds.push_back({"LLEN", k});
        cmds.push_back({"GET", c.keys().raw("nothing-here")});
        const auto replies = co_await c.pipeline(std::move(cmds));
        EXPECT_EQ(replies.size(), 53u);
        EXPECT_EQ(replies[1].integer, 1);
        EXPECT_EQ(replies[50].integer, 50);
        EXPECT_EQ(replies[51].integer, 50);
        EXPECT_TRUE(replies[52].is_nil());
        co_await c.del(k);
        co_return 0;
    });
}

TEST(ValkeyClient, ManyCoroutinesShareOneConnection) {
    net::io_context io;
    client c(io.get_executor(), test_settings());
    c.start();
    const auto key = c.keys().raw("counter");
    int done = 0;
    net::co_spawn(
        io,
        [&]() -> net::awaitable<void> {
            co_await c.wait_connected(5s);
            co_await c.del(key);
            for (int i = 0; i < 200; ++i) {
                net::co_spawn(
                    io,
                    [&]() -> net::awaitable<void> {
                        co_await c.incr(key);
                        ++done;
                    },
                    net::detached);
            }
            for (int i = 0; i < 1000 && done < 200; ++i) co_await sleep_for(5ms);
            c.stop();
        },
        [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    io.run();
    EXPECT_EQ(done, 200);
    net::io_context io2;
    client c2(io2.get_executor(), test_settings());
    c2.start();
    auto fut = net::co_spawn(
        io2,
        [&]() -> net::awaitable<std::optional<std::string>> {
            co_await c2.wait_connected(5s);
            auto v = co_await c2.get(key);
            co_await c2.del(key);
            c2.stop();
            co_return v;
        },
        net::use_future);
    io2.run();
    EXPECT_EQ(fut.get(), std::optional<std::string>("200"));
    EXPECT_EQ(c.stats().connects, 1u);
}

TEST(ValkeyClient, PublishReachesASubscriber) {
    net::io_context io;
    const auto s = test_settings();
    const std::string channel = s.key_prefix + "events";
    std::vector<std::string> got;
    subscriber sub(io.get_executor(), s, [&](const std::string& ch, const std::string& m) {
        if (ch == channel) got.push_back(m);
    });
    sub.subscribe(channel);
    sub.start();
    client c(io.get_executor(), s);
    c.start();
    auto fut = net::co_spawn(
        io,
        [&]() -> net::awaitable<std::int64_t> {
            co_await c.wait_connected(5s);
            for (int i = 0; i < 500 && !sub.subscribed(); ++i) co_await sleep_for(10ms);
            const auto receivers = co_await c.publish(channel, "hola");
            co_await c.publish(channel, "chao");
            for (int i = 0; i < 500 && got.size() < 2; ++i) co_await sleep_for(10ms);
            c.stop();
            sub.stop();
            co_return receivers;
        },
        net::use_future);
    io.run();
    EXPECT_EQ(fut.get(), 1);
    EXPECT_EQ(got, (std::vector<std::string>{"hola", "chao"}));
}

// UNSUBSCRIBE: publishes reach nobody afterwards (PUBLISH counts 0 receivers), and the
// other channel of the same subscriber keeps working.
TEST(ValkeyClient, UnsubscribeStopsOneChannel) {
    net::io_context io;
    const auto s = test_settings();
    const std::string a = s.key_prefix + "unsub:a", b = s.key_prefix + "unsub:b";
    std::vector<std::string> got;
    subscriber sub(io.get_executor(), s,
                   [&](const std::string& ch, const std::string& m) { got.push_back(ch + "=" + m); });
    sub.subscribe(a);
    sub.subscribe(b);
    sub.start();
    client c(io.get_executor(), s);
    c.start();
    auto fut = net::co_spawn(
        io,
        [&]() -> net::awaitable<std::vector<std::int64_t>> {
            co_await c.wait_connected(5s);
            for (int i = 0; i < 500 && !sub.subscribed(); ++i) co_await sleep_for(10ms);
            sub.unsubscribe(a);
            std::int64_t receivers_a = 1;
            for (int i = 0; i < 500 && receivers_a != 0; ++i) {
                receivers_a = co_await c.publish(a, "x");
                if (receivers_a != 0) co_await sleep_for(10ms);
            }
            const auto receivers_b = co_await c.publish(b, "y");
            for (int i = 0; i < 500 && std::find(got.begin(), got.end(), b + "=y") == got.end(); ++i) {
                co_await sleep_for(10ms);
            }
            const std::int64_t still_subscribed = sub.subscribed() ? 1 : 0; // only b is left, acknowledged
            c.stop();
            sub.stop();
            co_return std::vector<std::int64_t>{receivers_a, receivers_b, still_subscribed};
        },
        net::use_future);
    io.run();
    EXPECT_EQ(fut.get(), (std::vector<std::int64_t>{0, 1, 1}));
    EXPECT_NE(std::find(got.begin(), got.end(), b + "=y"), got.end());
}

// stop() while the first connection is still being resolved/made: io.run() must return
// (a connection completed after stop() used to keep the io_context busy forever).
TEST(ValkeyClient, StopDuringConnectLeavesNothingRunning) {
    for (int i = 0; i < 20; ++i) {
        net::io_context io;
        client c(io.get_executor(), test_settings());
        c.start();
        net::post(io, [&] { c.stop(); });
        io.run();
        EXPECT_FALSE(c.stats().connected);
    }
}

TEST(ValkeyClient, UnreachableServerFailsFastWith503) {
    net::io_context io;
    auto s = test_settings();
    s.port = 1; // nothing listens there
    client c(io.get_executor(), s);
    c.start();
    auto fut = net::co_spawn(
        io,
        [&]() -> net::awaitable<std::string> {
            co_await sleep_for(100ms);
            std::string code;
            try {
                co_await c.get("k");
            } catch (const dependency_unavailable& e) {
                code = e.code();
            }
            EXPECT_FALSE(co_await c.ping(200ms));
            c.stop();
            co_return code;
        },
        net::use_future);
    io.run();
    EXPECT_EQ(fut.get(), "valkey_unavailable");
}

// Stops Valkey, checks the 503s, starts it again and waits for the client and the
// subscriber to come back by themselves.
TEST(ValkeyClient, RecoversAfterValkeyRestarts) {
    net::io_context io;
    const auto s = test_settings();
    const std::string channel = s.key_prefix + "after-restart";
    std::vector<std::string> got;
    subscriber sub(io.get_executor(), s, [&](const std::string&, const std::string& m) { got.push_back(m); });
    sub.subscribe(channel);
    sub.start();
    client c(io.get_executor(), s);
    c.start();
    struct outcome {
        bool down_was_503 = false;
        bool ping_down = true;
        bool recovered = false;
        std::int64_t receivers = 0;
        std::int64_t script_loaded = -1;
    };
    c.preload(incr_script());
    auto fut = net::co_spawn(
        io,
        [&]() -> net::awaitable<outcome> {
            outcome o;
            co_await c.wait_connected(5s);
            for (int i = 0; i < 500 && !sub.subscribed(); ++i) co_await sleep_for(10ms);
            svc("valkey stop");
            for (int i = 0; i < 500 && c.stats().connected; ++i) co_await sleep_for(10ms);
            try {
                co_await c.set(c.keys().raw("k"), "v");
            } catch (const dependency_unavailable&) {
                o.down_was_503 = true;
            }
            o.ping_down = co_await c.ping(200ms);
            svc("valkey start");
            for (int i = 0; i < 1000 && !(co_await c.ping(200ms)); ++i) co_await sleep_for(10ms);
            o.recovered = co_await c.set(c.keys().raw("k"), "v");
            co_await c.del(c.keys().raw("k"));
            for (int i = 0; i < 1000 && !sub.subscribed(); ++i) co_await sleep_for(10ms);
            o.receivers = co_await c.publish(channel, "back");
            std::vector<command_args> exists{{"SCRIPT", "EXISTS", incr_script().sha1()}};
            o.script_loaded = script_exists(co_await c.pipeline(exists));
            for (int i = 0; i < 500 && got.empty(); ++i) co_await sleep_for(10ms);
            c.stop();
            sub.stop();
            co_return o;
        },
        net::use_future);
    io.run();
    outcome o;
    try {
        o = fut.get();
    } catch (...) {
        svc("valkey start");
        throw;
    }
    EXPECT_TRUE(o.down_was_503);
    EXPECT_FALSE(o.ping_down);
    EXPECT_TRUE(o.recovered);
    EXPECT_EQ(o.receivers, 1);
    EXPECT_EQ(o.script_loaded, 1) << "a restarted Valkey has no scripts: the reconnect loads them again";
    EXPECT_EQ(got, std::vector<std::string>{"back"});
    EXPECT_GE(c.stats().reconnects, 1u);
    EXPECT_GE(sub.stats().reconnects, 1u);
}

} // namespace
