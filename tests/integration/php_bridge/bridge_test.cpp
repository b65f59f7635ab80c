// legacy_bridge + legacy_cache against the real PHP stand-in: the endpoints' shapes, cache
// hit/miss/expiry with the protocol's TTLs, single-flight and the batch lookup (PHP calls
// counted in the stand-in's access log), a refused internal token, PHP stopped (503, the
// circuit opens, then closes when PHP is back), PHP slower than the timeout, idempotent
// registration, and Valkey down (reads fall through to PHP).
#include "asistencia/application/errors.hpp"
#include "asistencia/domain/tokens/jwt.hpp"
#include "asistencia/infra/php_bridge/legacy_bridge.hpp"
#include "asistencia/infra/php_bridge/legacy_cache.hpp"
#include "asistencia/infra/valkey/client.hpp"
#include "shell.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace {

namespace net = boost::asio;
namespace pb = asistencia::infra::php_bridge;
namespace kvns = asistencia::infra::valkey;
namespace tokens = asistencia::domain::tokens;
using asistencia::application::errc;
using asistencia::application::error;
using namespace std::chrono_literals;

std::string env(const char* name) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') throw std::runtime_error(std::string(name) + " is not set: source $RUN_DIR/env");
    return v;
}

std::string run_dir() { return env("RUN_DIR"); }

void svc(const std::string& args) {
    test_support::shell_or_throw("RUN_DIR='" + run_dir() + "' '" ASISTENCIA_SOURCE_DIR "/scripts/svc' " + args +
                                 " >/dev/null 2>&1; echo");
}

std::string legacy_sql(const std::string& sql) {
    return test_support::shell_or_throw(
        "RUN_DIR='" + run_dir() + "' '" ASISTENCIA_SOURCE_DIR "/scripts/svc' psql -d hawaii -tAc \"" + sql + "\"");
}

// PHP calls whose access-log line contains `needle`.
int php_calls(const std::string& needle) {
    std::ifstream in(run_dir() + "/php/bridge-access.log");
    int n = 0;
    for (std::string line; std::getline(in, line);) {
        if (line.find(needle) != std::string::npos) ++n;
    }
    return n;
}

net::awaitable<void> sleep_for(std::chrono::milliseconds d) {
    net::steady_timer t(co_await net::this_coro::executor, d);
    co_await t.async_wait(net::use_awaitable);
}

// Everything one test needs, on one io_context.
struct stack {
    explicit stack(std::string internal_secret = env("JWT_SECRET_INTERNAL"), pb::client_settings cs = defaults())
        : tokens_cache(std::move(internal_secret), tokens::token_settings{}),
          kv(io.get_executor(), kv_settings()),
          http(io.get_executor(), std::move(cs), [this] { return tokens_cache.get(); }),
          bridge(http),
          cache(kv, bridge) {
        kv.start();
    }

    static pb::client_settings defaults() {
        pb::client_settings s;
        s.base_url = env("PHP_BASE_URL");
        s.request_timeout = 1500ms;
        s.max_attempts = 2;
        s.backoff_base = 20ms;
        s.backoff_cap = 50ms;
        s.breaker = {3, 500ms};
        return s;
    }
    static kvns::settings kv_settings() {
        kvns::settings s;
        s.host = env("REDIS_HOST");
        s.port = std::stoi(env("REDIS_PORT"));
        s.key_prefix = "bridge-test:" + std::to_string(::getpid()) + ":" +
                       std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + ":";
        s.backoff_max = 200ms;
        return s;
    }

    // Runs f(*this) to completion and returns its result.
    template <class F>
    auto run(F f) {
        auto fut = net::co_spawn(
            io,
            [this, f]() -> net::awaitable<int> {
                // Whatever f does, stop the client at the end: its reconnect loop would keep
                // io.run() going forever.
                std::exception_ptr error;
                int r = 0;
                try {
                    co_await kv.wait_connected(5s);
                    r = co_await f(*this);
                } catch (...) {
                    error = std::current_exception();
                }
                kv.stop();
                if (error) std::rethrow_exception(error);
                co_return r;
            },
            net::use_future);
        io.run();
        return fut.get();
    }

    net::io_context io;
    tokens::outbound_token_cache tokens_cache;
    kvns::client kv;
    pb::http_client http;
    pb::legacy_bridge bridge;
    pb::legacy_cache cache;
};

// The errc an application::error from `a` carries (nullopt when none was thrown).
template <class T>
net::awaitable<std::optional<errc>> kind_of(net::awaitable<T> a) {
    try {
        co_await std::move(a);
    } catch (const error& e) {
        co_return e.kind();
    }
    co_return std::nullopt;
}

TEST(PhpBridge, EndpointsAnswerTheSeedShapes) {
    stack s;
    s.run([](stack& st) -> net::awaitable<int> {
        const auto prof = co_await st.cache.user(1);
        EXPECT_EQ(prof.rol, "profesor");
        EXPECT_FALSE(prof.nombre.empty());
        const auto student = co_await st.cache.user(100001);
        EXPECT_EQ(student.rol, "alumno");
        EXPECT_EQ(student.user_id, 100001);
        const auto list = co_await st.cache.enrolled(1, 2);
        EXPECT_GE(list.size(), 28u);
        for (const auto& a : list) EXPECT_GE(a.alumno_id, 100000);
        EXPECT_TRUE(co_await st.bridge.has_permission(1, "tomar_asistencia", 1));
        EXPECT_FALSE(co_await st.bridge.has_permission(2, "tomar_asistencia", 4));
        const auto courses = pb::parse_courses(co_await st.bridge.professor_courses_json(2, 2));
        EXPECT_TRUE(courses);
        bool saw_course_4 = false;
        for (const auto& c : courses.value_or(std::vector<pb::legacy_course>{})) {
            if (c.id_curso == 4) {
                saw_course_4 = true;
                EXPECT_FALSE(c.tomar_asistencia);
            }
        }
        EXPECT_TRUE(saw_course_4);
        EXPECT_EQ((co_await st.cache.course(1)).codigo, "ICI-1151");
        EXPECT_EQ(co_await kind_of(st.cache.user(99999)), errc::not_found);
        co_return 0;
    });
}

TEST(PhpBridge, CacheHitsMissesTtlsAndExpiry) {
    stack s;
    s.run([](stack& st) -> net::awaitable<int> {
        const int before = php_calls("userId=100002");
        co_await st.cache.user(100002);
        co_await st.cache.user(100002);
        co_await st.cache.user(100002);
        EXPECT_EQ(php_calls("userId=100002") - before, 1) << "one PHP call, then hits";
        EXPECT_EQ(st.cache.stats().misses, 1u);
        EXPECT_EQ(st.cache.stats().hits, 2u);
        const auto ttl = co_await st.kv.ttl(st.kv.keys().cache_user(100002));
        EXPECT_GT(ttl, 290);
        EXPECT_LE(ttl, 300);
        co_await st.cache.enrolled(2, 2);
        const auto ttl_enrolled = co_await st.kv.ttl(st.kv.keys().cache_enrolled(2, 2));
        EXPECT_GT(ttl_enrolled, 590);
        EXPECT_LE(ttl_enrolled, 600);
        co_await st.cache.course(2);
        EXPECT_LE(co_await st.kv.ttl(st.kv.keys().cache_course(2)), 600);

        // Expiry: an entry whose TTL ran out is fetched again.
        co_await st.kv.expire(st.kv.keys().cache_user(100002), 1s);
        co_await sleep_for(1500ms);
        co_await st.cache.user(100002);
        EXPECT_EQ(php_calls("userId=100002") - before, 2);
        // Invalidation.
        co_await st.cache.invalidate_user(100002);
        EXPECT_EQ(co_await st.kv.exists(st.kv.keys().cache_user(100002)), 0);
        co_return 0;
    });
}

TEST(PhpBridge, ConcurrentMissesMakeOnePhpCall) {
    stack s;
    const int before = php_calls("userId=100005");
    s.run([](stack& st) -> net::awaitable<int> {
        int done = 0;
        for (int i = 0; i < 20; ++i) {
            net::co_spawn(
                st.io,
                [&]() -> net::awaitable<void> {
                    const auto u = co_await st.cache.user(100005);
                    EXPECT_EQ(u.user_id, 100005);
                    ++done;
                },
                net::detached);
        }
        for (int i = 0; i < 500 && done < 20; ++i) co_await sleep_for(10ms);
        EXPECT_EQ(done, 20);
        co_return 0;
    });
    EXPECT_EQ(php_calls("userId=100005") - before, 1);
    EXPECT_EQ(s.cache.stats().misses, 1u);
    EXPECT_EQ(s.cache.stats().coalesced, 19u);
}

TEST(PhpBridge, BatchLookupPipelinesHitsAndFetchesMissesInParallel) {
    stack s;
    s.run([](stack& st) -> net::awaitable<int> {
        co_await st.cache.user(100010);
        co_await st.cache.user(100011);
        std::vector<std::int64_t> ids;
        for (std::int64_t id = 100010; id < 100020; ++id) ids.push_back(id);
        ids.push_back(99999); // unknown: left out
        int before = 0;
        for (std::int64_t id = 100012; id < 100020; ++id) before += php_calls("userId=" + std::to_string(id));
        const auto users = co_await st.cache.users(ids);
        int after = 0;
        for (std::int64_t id = 100012; id < 100020; ++id) after += php_calls("userId=" + std::to_string(id));
        EXPECT_EQ(users.size(), 10u);
        EXPECT_EQ(after - before, 8) << "one PHP call per miss";
        EXPECT_EQ(st.cache.stats().hits, 2u);
        co_return 0;
    });
}

TEST(PhpBridge, AWrongInternalTokenIsRefusedByPhp) {
    stack s(std::string(48, 'x'));
    s.run([](stack& st) -> net::awaitable<int> {
        EXPECT_EQ(co_await kind_of(st.bridge.user_json(1)), errc::dependency_failed);
        co_return 0;
    });
}

TEST(PhpBridge, PhpDownGives503OpensTheCircuitAndRecovers) {
    stack s;
    struct guard {
        ~guard() { svc("php start"); }
    } restart;
    s.run([](stack& st) -> net::awaitable<int> {
        svc("php stop");
        EXPECT_EQ(co_await kind_of(st.bridge.user_json(100020)), errc::dependency_unavailable);
        EXPECT_EQ(co_await kind_of(st.bridge.user_json(100021)), errc::dependency_unavailable);
        EXPECT_EQ(co_await kind_of(st.bridge.user_json(100022)), errc::dependency_unavailable);
        EXPECT_EQ(st.http.circuit_state(), pb::breaker_state::open);
        const auto attempts = st.http.stats().attempts;
        EXPECT_EQ(co_await kind_of(st.bridge.user_json(100023)), errc::dependency_unavailable);
        EXPECT_EQ(st.http.stats().attempts, attempts) << "an open circuit fails without calling PHP";
        EXPECT_GE(st.http.stats().rejected_open, 1u);
        svc("php start");
        co_await sleep_for(600ms); // past the open period: the next call is the trial
        EXPECT_EQ((co_await st.cache.user(100024)).user_id, 100024);
        EXPECT_EQ(st.http.circuit_state(), pb::breaker_state::closed);
        co_return 0;
    });
}

TEST(PhpBridge, PhpSlowerThanTheTimeoutIs503) {
    const auto knob = run_dir() + "/php/slow_ms";
    struct cleanup {
        std::string path;
        ~cleanup() { std::filesystem::remove(path); }
    } remove_knob{knob};
    std::ofstream(knob) << 2500;
    auto cs = stack::defaults();
    cs.request_timeout = 500ms;
    cs.max_attempts = 1;
    stack s(env("JWT_SECRET_INTERNAL"), cs);
    s.run([&](stack& st) -> net::awaitable<int> {
        // Without the timeout PHP would answer 200 after its delay.
        EXPECT_EQ(co_await kind_of(st.bridge.user_json(100030)), errc::dependency_unavailable);
        co_return 0;
    });
}

TEST(PhpBridge, RegistrationSentTwiceIsWrittenOnce) {
    stack s;
    const auto session = 900000 + (::getpid() % 99999);
    s.run([&](stack& st) -> net::awaitable<int> {
        pb::attendance_record r{100001, 1, "2026-11-20", 92, session};
        co_await st.bridge.register_attendance(r);
        co_await st.bridge.register_attendance(r);
        co_return 0;
    });
    EXPECT_EQ(legacy_sql("SELECT count(*) FROM alumno_asistencia WHERE session_id = '" + std::to_string(session) + "'"),
              "1");
}

TEST(PhpBridge, ValkeyDownReadsFallThroughToPhp) {
    stack s;
    struct guard {
        ~guard() { svc("valkey start"); }
    } restart;
    s.run([](stack& st) -> net::awaitable<int> {
        svc("valkey stop");
        for (int i = 0; i < 300 && st.kv.stats().connected; ++i) co_await sleep_for(10ms);
        const auto u = co_await st.cache.user(100040);
        EXPECT_EQ(u.user_id, 100040);
        EXPECT_GE(st.cache.stats().cache_errors, 1u);
        svc("valkey start");
        co_return 0;
    });
}

} // namespace
