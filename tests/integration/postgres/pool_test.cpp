// The coroutine pool against the real PostgreSQL: concurrency, transactions, prepared
// statements across reconnects, SQLSTATE mapping, bounded waits, a server restart.
#include "asistencia/infra/postgres/pool.hpp"
#include "asistencia/application/errors.hpp"
#include "pg_test_env.hpp"
#include "run_awaitable.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <atomic>
#include <future>
#include <optional>
#include <thread>

namespace pg = asistencia::infra::postgres;
namespace net = boost::asio;
using asistencia::application::dependency_unavailable;
using asistencia::application::errc;
using asistencia::application::error;

namespace {

using test_support::run;

// A schema of its own per test, in the stack's database (the role owns the database).
class postgres_pool : public ::testing::Test {
protected:
    void SetUp() override {
        settings_ = pg_test::settings();
        settings_.application_name = "pool_test_" + std::to_string(::getpid());
        schema_ = "pool_test_" + std::to_string(::getpid());
        exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
        exec("CREATE SCHEMA " + schema_);
        exec("CREATE TABLE " + schema_ +
             ".items (id INT PRIMARY KEY, label TEXT NOT NULL "
             "CHECK (label <> ''))");
    }
    void TearDown() override {
        try {
            exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
        } catch (...) {
        }
    }
    void exec(const std::string& sql) {
        pqxx::connection c(pg::conninfo(settings_));
        pqxx::nontransaction tx(c);
        tx.exec(sql);
    }
    long count_items() {
        pqxx::connection c(pg::conninfo(settings_));
        pqxx::nontransaction tx(c);
        return tx.exec1("SELECT count(*) FROM " + schema_ + ".items")[0].as<long>();
    }
    std::string table() const { return schema_ + ".items"; }

    pg::pg_settings settings_;
    std::string schema_;
};

} // namespace

TEST_F(postgres_pool, more_coroutines_than_connections_all_complete_within_size) {
    settings_.pool_size = 3;
    pg::pool pool(settings_);
    constexpr int tasks = 40;
    std::atomic<std::size_t> max_in_use{0};
    std::atomic<int> done{0};
    net::io_context io;
    for (int i = 0; i < tasks; ++i) {
        net::co_spawn(
            io,
            [&, i]() -> net::awaitable<void> {
                co_await pool.with_transaction("insert_item", [&](pqxx::work& w) {
                    const auto in_use = pool.stats().in_use;
                    auto seen = max_in_use.load();
                    while (in_use > seen && !max_in_use.compare_exchange_weak(seen, in_use)) {
                    }
                    w.exec_params0("INSERT INTO " + table() + " VALUES ($1, 'x')", i);
                    w.exec("SELECT pg_sleep(0.01)");
                });
                ++done;
            },
            net::detached);
    }
    io.run();
    EXPECT_EQ(done.load(), tasks);
    EXPECT_EQ(count_items(), tasks);
    EXPECT_LE(max_in_use.load(), 3u);
    EXPECT_GE(max_in_use.load(), 1u);
    const auto st = pool.stats();
    EXPECT_EQ(st.size, 3u);
    EXPECT_EQ(st.in_use, 0u);
    EXPECT_EQ(st.waiting, 0u);
    EXPECT_LE(st.open, 3u);
}

TEST_F(postgres_pool, the_event_loop_runs_while_a_query_blocks_a_worker) {
    pg::pool pool(settings_);
    std::promise<void> release;
    auto released = release.get_future().share();
    bool timed_out = false;
    net::io_context io; // one thread: if the pool blocked it, `release` would never be set
    net::co_spawn(
        io,
        [&]() -> net::awaitable<void> {
            co_await pool.with_transaction("blocked", [&](pqxx::work& w) {
                timed_out = released.wait_for(std::chrono::seconds(60)) != std::future_status::ready;
                w.exec1("SELECT 1");
            });
        },
        net::detached);
    net::co_spawn(
        io,
        [&]() -> net::awaitable<void> {
            net::steady_timer t(io, std::chrono::milliseconds(50));
            co_await t.async_wait(net::use_awaitable);
            release.set_value();
        },
        net::detached);
    io.run();
    EXPECT_FALSE(timed_out) << "the loop could not run while a transaction was in progress";
}

// A caller that stops waiting (here `||` with a timer, as /readyz races each check against
// readiness_timeout) cancels the pool call while its statement runs on a worker. Boost 1.81's
// co_spawn rethrows a cancellation seen after the worker's function finished (co_spawn.hpp:
// `if (done) throw;`) out of the worker thread: std::terminate. A slow PostgreSQL under load
// (or valgrind) made /readyz abort the server. The work on the worker is not cancellable (a
// libpq call blocks), so the pool does not forward the cancellation to it; the caller sees
// its own cancellation at its next suspension, and the transaction still commits.
TEST_F(postgres_pool, a_caller_cancelled_while_its_statement_runs_does_not_kill_the_process) {
    pg::pool pool(settings_);
    net::io_context io;
    std::optional<std::size_t> winner;
    net::co_spawn(
        io,
        [&]() -> net::awaitable<void> {
            using namespace net::experimental::awaitable_operators;
            net::steady_timer t(io, std::chrono::milliseconds(50));
            const auto r = co_await (pool.with_transaction("slow", [&](pqxx::work& w) {
                w.exec("SELECT pg_sleep(0.3)");
                w.exec0("INSERT INTO " + table() + " VALUES (1, 'committed')");
            }) || t.async_wait(net::use_awaitable));
            winner = r.index();
        },
        net::detached);
    io.run();
    ASSERT_TRUE(winner.has_value());
    EXPECT_EQ(*winner, 1u) << "the timer wins: the statement takes 300 ms";
    EXPECT_EQ(count_items(), 1) << "the statement ran to its commit although its caller had stopped waiting";
}

TEST_F(postgres_pool, commit_on_return_rollback_on_exception) {
    pg::pool pool(settings_);
    const int id = run(pool.with_transaction("insert", [&](pqxx::work& w) {
        w.exec_params0("INSERT INTO " + table() + " VALUES ($1, 'kept')", 1);
        return 1;
    }));
    EXPECT_EQ(id, 1);
    EXPECT_THROW(run(pool.with_transaction("insert_then_fail",
                                           [&](pqxx::work& w) {
                                               w.exec0("INSERT INTO " + table() + " VALUES (2, 'lost')");
                                               throw std::runtime_error("business rule");
                                           })),
                 std::runtime_error);
    EXPECT_EQ(count_items(), 1);
    const auto label = run(pool.with_read_transaction("read", [&](pqxx::read_transaction& tx) {
        return tx.exec1("SELECT label FROM " + table() + " WHERE id = 1")[0].as<std::string>();
    }));
    EXPECT_EQ(label, "kept");
    // A read-only transaction refuses writes (25006 -> internal error, nothing leaks).
    try {
        run(pool.with_read_transaction("write_in_read", [&](pqxx::read_transaction& tx) {
            tx.exec0("INSERT INTO " + table() + " VALUES (3, 'no')");
        }));
        FAIL() << "write in a read-only transaction succeeded";
    } catch (const error& e) {
        EXPECT_EQ(e.kind(), errc::internal);
        EXPECT_EQ(std::string(e.what()).find("INSERT"), std::string::npos) << "SQL leaked";
    }
    EXPECT_EQ(count_items(), 1);
}

TEST_F(postgres_pool, sqlstate_mapping_unique_conflict_check_invalid_value) {
    pg::pool pool(settings_);
    run(pool.with_transaction("insert",
                              [&](pqxx::work& w) { w.exec0("INSERT INTO " + table() + " VALUES (7, 'a')"); }));
    try {
        run(pool.with_transaction("insert_dup",
                                  [&](pqxx::work& w) { w.exec0("INSERT INTO " + table() + " VALUES (7, 'b')"); }));
        FAIL() << "duplicate key accepted";
    } catch (const error& e) {
        EXPECT_EQ(e.kind(), errc::conflict);
        EXPECT_EQ(e.code(), "conflict");
        EXPECT_EQ(std::string(e.what()).find("items"), std::string::npos) << "details leaked";
    }
    try {
        run(pool.with_transaction("insert_empty",
                                  [&](pqxx::work& w) { w.exec0("INSERT INTO " + table() + " VALUES (8, '')"); }));
        FAIL() << "check violation accepted";
    } catch (const error& e) {
        EXPECT_EQ(e.kind(), errc::invalid_value);
        EXPECT_EQ(e.code(), "invalid_value");
    }
    try {
        run(pool.with_transaction("bad_sql", [&](pqxx::work& w) { w.exec0("SELEC 1"); }));
        FAIL() << "syntax error accepted";
    } catch (const error& e) {
        EXPECT_EQ(e.kind(), errc::internal);
        EXPECT_EQ(e.code(), "internal_error");
    }
    // An application::error thrown by the body passes through unchanged.
    try {
        run(pool.with_transaction("own_error", [&](pqxx::work&) {
            throw asistencia::application::not_found("session_not_found", "no such session");
        }));
        FAIL();
    } catch (const error& e) {
        EXPECT_EQ(e.kind(), errc::not_found);
        EXPECT_EQ(e.code(), "session_not_found");
    }
    EXPECT_EQ(pool.stats().in_use, 0u);
}

TEST_F(postgres_pool, serialization_failures_are_retried_a_bounded_number_of_times) {
    pg::pool pool(settings_);
    int calls = 0;
    const int result = run(pool.with_transaction(
        "flaky",
        [&](pqxx::work& w) {
            w.exec1("SELECT 1");
            if (++calls < 3) throw pqxx::serialization_failure("simulated 40001");
            return calls;
        },
        pg::isolation::serializable));
    EXPECT_EQ(result, 3);

    calls = 0;
    try {
        run(pool.with_transaction("always_deadlocks", [&](pqxx::work&) {
            ++calls;
            throw pqxx::deadlock_detected("simulated 40P01");
        }));
        FAIL() << "endless deadlock did not fail";
    } catch (const dependency_unavailable& e) {
        EXPECT_EQ(e.kind(), errc::dependency_unavailable);
    }
    EXPECT_EQ(calls, 1 + pg::pool::max_retries);
}

TEST_F(postgres_pool, prepared_statements_survive_a_reconnect) {
    settings_.pool_size = 2;
    pg::pool pool(settings_);
    pool.prepare("pool_test_insert", "INSERT INTO " + table() + " VALUES ($1, $2)");
    run(pool.with_transaction("insert", [](pqxx::work& w) { w.exec_prepared0("pool_test_insert", 1, "one"); }));
    // Registered after a connection exists: prepared on its next lease.
    pool.prepare("pool_test_count", "SELECT count(*) FROM " + table());
    EXPECT_EQ(
        run(pool.with_read_transaction(
            "count", [](pqxx::read_transaction& tx) { return tx.exec_prepared1("pool_test_count")[0].as<long>(); })),
        1);
    EXPECT_THROW(pool.prepare("pool_test_count", "SELECT 2"), std::logic_error);

    // Kill the pool's backends from outside, as a server restart or failover would.
    exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '" +
         settings_.application_name + "' AND pid <> pg_backend_pid()");
    run(pool.with_transaction("insert_after_kill",
                              [](pqxx::work& w) { w.exec_prepared0("pool_test_insert", 2, "two"); }));
    EXPECT_EQ(
        run(pool.with_read_transaction(
            "count", [](pqxx::read_transaction& tx) { return tx.exec_prepared1("pool_test_count")[0].as<long>(); })),
        2);
}

TEST_F(postgres_pool, waiting_for_a_connection_is_bounded) {
    settings_.pool_size = 1;
    settings_.acquire_timeout = std::chrono::milliseconds(100);
    pg::pool pool(settings_);
    std::promise<void> release;
    auto released = release.get_future().share();
    std::string second;
    net::io_context io;
    net::co_spawn(
        io,
        [&]() -> net::awaitable<void> {
            co_await pool.with_transaction("holder", [&](pqxx::work& w) {
                w.exec1("SELECT 1");
                released.wait_for(std::chrono::seconds(60));
            });
        },
        net::detached);
    net::co_spawn(
        io,
        [&]() -> net::awaitable<void> {
            // Give the holder its lease first.
            while (pool.stats().in_use == 0) {
                net::steady_timer t(io, std::chrono::milliseconds(5));
                co_await t.async_wait(net::use_awaitable);
            }
            try {
                co_await pool.with_transaction("starved", [](pqxx::work&) {});
                second = "succeeded";
            } catch (const dependency_unavailable& e) {
                second = e.code();
            }
            const auto st = pool.stats();
            EXPECT_EQ(st.waiting, 0u);
            EXPECT_EQ(st.in_use, 1u);
            release.set_value();
        },
        net::detached);
    io.run();
    EXPECT_EQ(second, "postgres_unavailable");
    EXPECT_EQ(pool.stats().in_use, 0u);
    // The freed connection serves the next caller.
    EXPECT_TRUE(run(pool.ping()));
}

TEST_F(postgres_pool, postgres_stopped_then_started_the_pool_recovers) {
    settings_.pool_size = 2;
    settings_.acquire_timeout = std::chrono::milliseconds(2000);
    pg::pool pool(settings_);
    pool.prepare("pool_test_insert", "INSERT INTO " + table() + " VALUES ($1, $2)");
    run(pool.with_transaction("before", [](pqxx::work& w) { w.exec_prepared0("pool_test_insert", 1, "before"); }));
    EXPECT_TRUE(run(pool.ping()));
    {
        pg_test::restart_guard guard;
        pg_test::svc("postgres stop");
        for (int attempt = 0; attempt < 3; ++attempt) {
            try {
                run(pool.with_transaction("while_down",
                                          [](pqxx::work& w) { w.exec_prepared0("pool_test_insert", 2, "down"); }));
                FAIL() << "a transaction succeeded while PostgreSQL was stopped";
            } catch (const dependency_unavailable& e) {
                EXPECT_EQ(e.kind(), errc::dependency_unavailable);
                EXPECT_EQ(e.code(), "postgres_unavailable");
            }
        }
        EXPECT_FALSE(run(pool.ping()));
        EXPECT_EQ(pool.stats().in_use, 0u);
        EXPECT_EQ(pool.stats().open, 0u);
        pg_test::svc("postgres start");
    }
    // No restart of the pool: the next calls reconnect and prepare again by themselves.
    EXPECT_TRUE(run(pool.ping()));
    run(pool.with_transaction("after", [](pqxx::work& w) { w.exec_prepared0("pool_test_insert", 3, "after"); }));
    EXPECT_EQ(count_items(), 2);
}
