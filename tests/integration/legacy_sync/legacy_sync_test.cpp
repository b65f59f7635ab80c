// legacy_sync + outbox_repository + php_attendance_sender against the real PostgreSQL (a
// scratch database) and the real PHP stand-in with its legacy database: delivery with
// metodo 'criptografico', a repeat that PHP answers "duplicado", PHP stopped (rows kept
// with their attempts and backoff, then delivered when PHP is back), refusals that fail
// for good, and two workers on one table posting every row exactly once.
#include "asistencia/application/attendance/legacy_sync.hpp"
#include "asistencia/domain/tokens/jwt.hpp"
#include "asistencia/infra/php_bridge/attendance_sender.hpp"
#include "asistencia/infra/php_bridge/legacy_bridge.hpp"
#include "asistencia/infra/postgres/migrations.hpp"
#include "asistencia/infra/repositories/outbox_repository.hpp"
#include "pg_test_env.hpp"
#include "shell.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <ctime>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace {

namespace net = boost::asio;
namespace pb = asistencia::infra::php_bridge;
namespace pg = asistencia::infra::postgres;
namespace att = asistencia::application::attendance;
namespace tokens = asistencia::domain::tokens;
using asistencia::infra::repositories::outbox_repository;
using namespace std::chrono_literals;

std::string legacy_sql(const std::string& sql) {
    return test_support::shell_or_throw("RUN_DIR='" + pg_test::require_env("RUN_DIR") +
                                        "' '" ASISTENCIA_SOURCE_DIR "/scripts/svc' psql -d hawaii -tAc \"" + sql +
                                        "\"");
}

void php(const std::string& action) {
    test_support::shell_or_throw("RUN_DIR='" + pg_test::require_env("RUN_DIR") +
                                 "' '" ASISTENCIA_SOURCE_DIR "/scripts/svc' php " + action + " >/dev/null 2>&1; echo");
}

// Posts to registrar_asistencia_crypto.php so far (the stand-in's access log).
int php_posts() {
    std::ifstream in(pg_test::require_env("RUN_DIR") + "/php/bridge-access.log");
    int n = 0;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("registrar_asistencia_crypto.php", 0) == 0) ++n;
    }
    return n;
}

// Session ids of their own per run: PHP keys its rows on the session id, and earlier runs'
// rows stay in the stack's legacy database.
std::int64_t fresh_session_base() { return 1000000000 + static_cast<std::int64_t>(std::time(nullptr) % 1000000) * 100; }

std::vector<std::int64_t> students_of_course(int course, int n) {
    std::vector<std::int64_t> out;
    const auto text = legacy_sql("SELECT alumno_id FROM curso_alumno WHERE curso_id = " + std::to_string(course) +
                                 " ORDER BY alumno_id LIMIT " + std::to_string(n));
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto end = text.find('\n', pos);
        out.push_back(std::stoll(text.substr(pos, end - pos)));
        if (end == std::string::npos) break;
        pos = end + 1;
    }
    return out;
}

net::awaitable<void> sleep_for(std::chrono::milliseconds d) {
    net::steady_timer t(co_await net::this_coro::executor, d);
    co_await t.async_wait(net::use_awaitable);
}

// One worker: its own pool, PHP client, sender and legacy_sync, on a shared io_context.
struct worker {
    worker(net::io_context& io, const pg::pg_settings& db, att::legacy_sync_settings s)
        : pool(db),
          outbox(pool),
          token(pg_test::require_env("JWT_SECRET_INTERNAL"), tokens::token_settings{}),
          http(io.get_executor(), client_settings(), [this] { return token.get(); }),
          bridge(http),
          sender(bridge),
          sync(outbox, sender, s) {}

    static pb::client_settings client_settings() {
        pb::client_settings c;
        c.base_url = pg_test::require_env("PHP_BASE_URL");
        c.request_timeout = 3s;
        c.max_attempts = 1; // one POST per row and pass: the posts can be counted
        c.breaker = {3, 200ms};
        return c;
    }

    pg::pool pool;
    outbox_repository outbox;
    tokens::outbound_token_cache token;
    pb::http_client http;
    pb::legacy_bridge bridge;
    pb::php_attendance_sender sender;
    att::legacy_sync sync;
};

att::legacy_sync_settings fast_settings() {
    att::legacy_sync_settings s;
    s.batch_size = 5;
    s.backoff_base = 50ms;
    s.backoff_cap = 200ms;
    s.lease = 60s;
    return s;
}

class legacy_sync_test : public ::testing::Test {
protected:
    legacy_sync_test() : db_("outbox") {
        pg::migrate_up(db_.settings());
        for (const char* n : {"PHP_BASE_URL", "JWT_SECRET_INTERNAL"}) pg_test::require_env(n);
    }

    void exec(const std::string& sql) {
        pqxx::connection c(pg::conninfo(db_.settings()));
        pqxx::nontransaction tx(c);
        tx.exec(sql);
    }
    std::string value(const std::string& sql) {
        pqxx::connection c(pg::conninfo(db_.settings()));
        pqxx::nontransaction tx(c);
        const auto r = tx.exec1(sql);
        return r[0].is_null() ? "NULL" : r[0].as<std::string>();
    }

    // A session of course `course` in the scratch database, and one outbox row per student.
    std::int64_t add_session(int offset, int course) {
        const auto id = base_ + offset;
        exec(
            "INSERT INTO attendance.sessions (session_id, professor_id, professor_name, course_code, course_name, "
            "room, semester, start_time, course_id, semester_id, status) VALUES (" +
            std::to_string(id) + ", 1, 'Prof', 'ICI', 'Curso', 'A-1', '2026-2', NOW(), " + std::to_string(course) +
            ", 2, 'closed')");
        return id;
    }
    void add_row(std::int64_t session, std::int64_t user, int course, int certeza = 91) {
        exec("INSERT INTO attendance.legacy_outbox (session_id, user_id, course_id, fecha, certeza) VALUES (" +
             std::to_string(session) + ", " + std::to_string(user) + ", " + std::to_string(course) +
             ", '2026-11-20', " + std::to_string(certeza) + ")");
    }
    std::string row(std::int64_t session, std::int64_t user, const std::string& cols) {
        return value("SELECT " + cols + " FROM attendance.legacy_outbox WHERE session_id = " + std::to_string(session) +
                     " AND user_id = " + std::to_string(user));
    }
    static std::string legacy_rows(std::int64_t session) {
        return legacy_sql("SELECT count(*) FROM alumno_asistencia WHERE session_id = '" + std::to_string(session) +
                          "' AND metodo = 'criptografico' AND presente");
    }

    template <class F>
    auto run(F f) {
        auto fut = net::co_spawn(io_, f(), net::use_future);
        io_.run();
        io_.restart();
        return fut.get();
    }

    pg_test::scratch_database db_;
    net::io_context io_;
    std::int64_t base_ = fresh_session_base();
};

TEST_F(legacy_sync_test, DeliversDueRowsAndARepeatIsHarmless) {
    const auto students = students_of_course(1, 3);
    ASSERT_EQ(students.size(), 3u);
    const auto s = add_session(1, 1);
    for (auto u : students) add_row(s, u, 1);
    worker w(io_, db_.settings(), fast_settings());

    EXPECT_EQ(run([&]() -> net::awaitable<std::size_t> { co_return co_await w.sync.run_once(); }), 3u);
    for (auto u : students) {
        EXPECT_EQ(row(s, u, "status"), "delivered");
        EXPECT_EQ(row(s, u, "attempts"), "1");
        EXPECT_EQ(row(s, u, "delivered_at IS NOT NULL"), "t");
        EXPECT_EQ(row(s, u, "last_error"), "NULL");
    }
    EXPECT_EQ(legacy_rows(s), "3");
    EXPECT_EQ(legacy_sql("SELECT certeza::int FROM alumno_asistencia WHERE session_id = '" + std::to_string(s) +
                         "' AND alumno_id = " + std::to_string(students[0])),
              "91");
    EXPECT_EQ(w.sync.stats().delivered.load(), 3u);
    EXPECT_EQ(w.sync.stats().pending.load(), 0u);

    // Nothing due: a pass posts nothing.
    const int posts = php_posts();
    EXPECT_EQ(run([&]() -> net::awaitable<std::size_t> { co_return co_await w.sync.run_once(); }), 0u);
    EXPECT_EQ(php_posts(), posts);

    // As after a crash between PHP's commit and ours: the row is posted again, PHP answers
    // "duplicado", the row is delivered and the legacy database still holds one row.
    exec(
        "UPDATE attendance.legacy_outbox SET status = 'pending', delivered_at = NULL, next_attempt_at = NOW() "
        "WHERE session_id = " +
        std::to_string(s) + " AND user_id = " + std::to_string(students[0]));
    EXPECT_EQ(run([&]() -> net::awaitable<std::size_t> { co_return co_await w.sync.run_once(); }), 1u);
    EXPECT_EQ(php_posts(), posts + 1);
    EXPECT_EQ(row(s, students[0], "status"), "delivered");
    EXPECT_EQ(legacy_rows(s), "3");
}

TEST_F(legacy_sync_test, PhpDownKeepsEveryRowThenDeliversWhenPhpIsBack) {
    struct restart {
        ~restart() { php("start"); }
    } guard;
    const auto students = students_of_course(1, 6);
    ASSERT_EQ(students.size(), 6u);
    const auto s = add_session(2, 1);
    add_row(s, students[4], 1);
    add_row(s, students[5], 1);
    // A backoff far longer than the test: "in the future" cannot pass by itself, and the
    // test moves next_attempt_at to now where a real worker would wait.
    auto settings = fast_settings();
    settings.backoff_base = 10min;
    settings.backoff_cap = 20min;
    worker w(io_, db_.settings(), settings);

    php("stop");
    EXPECT_EQ(run([&]() -> net::awaitable<std::size_t> { co_return co_await w.sync.run_once(); }), 0u);
    for (auto u : {students[4], students[5]}) {
        EXPECT_EQ(row(s, u, "status"), "pending");
        EXPECT_EQ(row(s, u, "attempts"), "1");
        EXPECT_EQ(row(s, u, "next_attempt_at > NOW()"), "t") << "waits for its backoff";
        EXPECT_NE(row(s, u, "last_error"), "NULL");
    }
    EXPECT_EQ(w.sync.stats().retries.load(), 2u);
    EXPECT_EQ(w.sync.stats().pending.load(), 2u);
    EXPECT_EQ(legacy_rows(s), "0");

    // Still down after the backoff: attempts go on, nothing is dropped.
    exec("UPDATE attendance.legacy_outbox SET next_attempt_at = NOW() WHERE session_id = " + std::to_string(s));
    run([&]() -> net::awaitable<std::size_t> { co_return co_await w.sync.run_once(); });
    EXPECT_EQ(row(s, students[4], "attempts"), "2");
    EXPECT_EQ(row(s, students[4], "status"), "pending");
    EXPECT_EQ(value("SELECT count(*) FROM attendance.legacy_outbox WHERE status = 'failed'"), "0");

    php("start");
    // Passes as the worker's loop makes them, each after the rows' backoff (moved to now),
    // until PHP's circuit lets a call through; bounded by a generous number of polls.
    const auto delivered = run([&]() -> net::awaitable<std::uint64_t> {
        for (int i = 0; i < 500 && w.sync.stats().delivered.load() < 2; ++i) {
            exec("UPDATE attendance.legacy_outbox SET next_attempt_at = NOW() WHERE status = 'pending'");
            co_await w.sync.run_once();
            co_await sleep_for(20ms);
        }
        co_return w.sync.stats().delivered.load();
    });
    EXPECT_EQ(delivered, 2u);
    EXPECT_EQ(row(s, students[4], "status"), "delivered");
    EXPECT_EQ(row(s, students[5], "status"), "delivered");
    EXPECT_EQ(legacy_rows(s), "2");
}

TEST_F(legacy_sync_test, RefusedRecordsFailForGoodAndAreNotRetried) {
    const auto outsider = legacy_sql(
        "SELECT min(id) FROM alumno WHERE id NOT IN (SELECT alumno_id FROM curso_alumno WHERE curso_id = 1)");
    ASSERT_FALSE(outsider.empty());
    const auto s = add_session(3, 1);
    add_row(s, std::stoll(outsider), 1);
    add_row(s, 99999999, 1); // no such student: 404
    worker w(io_, db_.settings(), fast_settings());

    EXPECT_EQ(run([&]() -> net::awaitable<std::size_t> { co_return co_await w.sync.run_once(); }), 0u);
    EXPECT_EQ(row(s, std::stoll(outsider), "status"), "failed");
    EXPECT_EQ(row(s, std::stoll(outsider), "last_error"), "HTTP 422 alumno_no_inscrito");
    EXPECT_EQ(row(s, 99999999, "status"), "failed");
    EXPECT_EQ(row(s, 99999999, "last_error"), "HTTP 404 not_found");
    EXPECT_EQ(w.sync.stats().failed.load(), 2u);
    EXPECT_EQ(w.sync.stats().pending.load(), 0u);

    const int posts = php_posts();
    exec("UPDATE attendance.legacy_outbox SET next_attempt_at = NOW() - interval '1 hour'");
    EXPECT_EQ(run([&]() -> net::awaitable<std::size_t> { co_return co_await w.sync.run_once(); }), 0u);
    EXPECT_EQ(php_posts(), posts) << "a failed row is never posted again";
    EXPECT_EQ(row(s, 99999999, "attempts"), "1");
    EXPECT_EQ(legacy_rows(s), "0");
}

TEST_F(legacy_sync_test, TwoWorkersPostEveryRowExactlyOnce) {
    const auto students = students_of_course(1, 20);
    ASSERT_EQ(students.size(), 20u);
    const auto s = add_session(4, 1);
    for (auto u : students) add_row(s, u, 1);
    auto settings = fast_settings();
    settings.batch_size = 3; // many small claims, so the two workers interleave
    worker a(io_, db_.settings(), settings);
    worker b(io_, db_.settings(), settings);
    const int posts = php_posts();

    run([&]() -> net::awaitable<int> {
        auto ex = co_await net::this_coro::executor;
        int done = 0;
        std::exception_ptr error;
        auto drain = [](att::legacy_sync& sync) -> net::awaitable<void> {
            while (co_await sync.run_once() > 0) {
            }
        };
        auto finished = [&](std::exception_ptr e) {
            if (e) error = e;
            ++done;
        };
        // Both at once: their claims and posts interleave.
        net::co_spawn(ex, drain(a.sync), finished);
        net::co_spawn(ex, drain(b.sync), finished);
        while (done < 2) co_await sleep_for(10ms);
        if (error) std::rethrow_exception(error);
        co_return 0;
    });
    EXPECT_EQ(a.sync.stats().delivered.load() + b.sync.stats().delivered.load(), 20u);
    EXPECT_EQ(php_posts() - posts, 20) << "no row was posted twice";
    EXPECT_EQ(value("SELECT count(*) FROM attendance.legacy_outbox WHERE status = 'delivered' AND attempts = 1"), "20");
    EXPECT_EQ(legacy_rows(s), "20");
}

} // namespace
