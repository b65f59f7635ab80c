// The legacy sync's pure parts: the backoff schedule with its jitter bounds, how PHP's
// answers are sorted (delivered / retry / refused for good), and one pass of legacy_sync
// over an in-memory outbox (each outcome marks the row as it should, a throwing sender
// loses nothing).
#include "asistencia/application/attendance/legacy_sync.hpp"
#include "asistencia/infra/php_bridge/attendance_sender.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <map>
#include <stdexcept>

namespace {

namespace net = boost::asio;
namespace att = asistencia::application::attendance;
using asistencia::infra::php_bridge::classify_attendance_answer;
using att::send_outcome;
using namespace std::chrono_literals;

TEST(LegacySyncBackoff, DoublesFromTheBaseUpToTheCap) {
    EXPECT_EQ(att::backoff_delay(1, 1s, 300s, 1.0), 1000ms);
    EXPECT_EQ(att::backoff_delay(2, 1s, 300s, 1.0), 2000ms);
    EXPECT_EQ(att::backoff_delay(3, 1s, 300s, 1.0), 4000ms);
    EXPECT_EQ(att::backoff_delay(9, 1s, 300s, 1.0), 256000ms);
    EXPECT_EQ(att::backoff_delay(10, 1s, 300s, 1.0), 300000ms) << "capped at 5 min";
    EXPECT_EQ(att::backoff_delay(100000, 1s, 300s, 1.0), 300000ms) << "no overflow";
}

TEST(LegacySyncBackoff, JitterStaysBetweenHalfAndTheFullDelay) {
    EXPECT_EQ(att::backoff_delay(3, 1s, 300s, 0.0), 2000ms);
    EXPECT_EQ(att::backoff_delay(3, 1s, 300s, 0.5), 3000ms);
    EXPECT_EQ(att::backoff_delay(10, 1s, 300s, 0.0), 150000ms);
    EXPECT_GE(att::backoff_delay(0, 1ms, 1ms, 0.0), 1ms) << "never zero";
    EXPECT_EQ(att::backoff_delay(1, 50ms, 200ms, 2.0), 50ms) << "unit clamped to [0, 1]";
}

TEST(LegacySyncClassify, SortsPhpAnswers) {
    EXPECT_EQ(classify_attendance_answer(200, R"({"success":true,"duplicado":true})").outcome, send_outcome::delivered);
    EXPECT_EQ(classify_attendance_answer(201, "").outcome, send_outcome::delivered);
    for (unsigned s : {400u, 404u, 409u, 413u, 422u}) {
        EXPECT_EQ(classify_attendance_answer(s, "").outcome, send_outcome::permanent_failure) << s;
    }
    for (unsigned s : {401u, 403u, 429u, 500u, 502u, 503u, 504u, 418u}) {
        EXPECT_EQ(classify_attendance_answer(s, "").outcome, send_outcome::retry_later) << s;
    }
    EXPECT_EQ(classify_attendance_answer(422, R"({"error":{"code":"alumno_no_inscrito","message":"x"}})").reason,
              "HTTP 422 alumno_no_inscrito");
    EXPECT_EQ(classify_attendance_answer(404, "<html>not json</html>").reason, "HTTP 404");
    EXPECT_EQ(classify_attendance_answer(400, R"({"error":{"code":"Bad Code <script>"}})").reason, "HTTP 400")
        << "only a snake_case code reaches last_error";
}

// An in-memory outbox: rows by id, with what the worker did to them.
struct memory_store final : att::outbox_store {
    struct entry {
        att::outbox_row row;
        std::string status = "pending";
        std::string error;
        std::chrono::milliseconds delay{0};
    };
    std::map<std::int64_t, entry> rows;

    net::awaitable<std::vector<att::outbox_row>> claim_due(std::size_t limit, std::chrono::milliseconds) override {
        std::vector<att::outbox_row> out;
        for (auto& [id, e] : rows) {
            if (e.status == "pending" && e.delay == 0ms && out.size() < limit) {
                ++e.row.attempts;
                out.push_back(e.row);
            }
        }
        co_return out;
    }
    net::awaitable<void> mark_delivered(std::int64_t id) override {
        rows[id].status = "delivered";
        co_return;
    }
    net::awaitable<void> mark_retry(std::int64_t id, std::chrono::milliseconds delay, std::string error) override {
        rows[id].delay = delay;
        rows[id].error = std::move(error);
        co_return;
    }
    net::awaitable<void> mark_failed(std::int64_t id, std::string error) override {
        rows[id].status = "failed";
        rows[id].error = std::move(error);
        co_return;
    }
    net::awaitable<std::size_t> count_pending() override {
        std::size_t n = 0;
        for (const auto& [id, e] : rows) n += e.status == "pending";
        co_return n;
    }
};

// Answers by user id: 1 delivered, 2 retry, 3 refused, 4 throws.
struct scripted_sender final : att::attendance_sender {
    net::awaitable<att::send_result> send(const att::outbox_row& row) override {
        switch (row.user_id) {
            case 1:
                co_return att::send_result{send_outcome::delivered, {}};
            case 2:
                co_return att::send_result{send_outcome::retry_later, "php_unavailable: down"};
            case 3:
                co_return att::send_result{send_outcome::permanent_failure, "HTTP 422 alumno_no_inscrito"};
            default:
                throw std::runtime_error("boom");
        }
    }
};

TEST(LegacySyncPass, MarksEachRowByItsOutcome) {
    memory_store store;
    for (std::int64_t u = 1; u <= 4; ++u) store.rows[u].row = att::outbox_row{u, 7, u, 1, "2026-11-20", 90, 0};
    scripted_sender sender;
    att::legacy_sync_settings s;
    s.backoff_base = 100ms;
    s.backoff_cap = 1s;
    att::legacy_sync sync(store, sender, s);
    net::io_context io;
    auto fut = net::co_spawn(io, sync.run_once(), net::use_future);
    io.run();
    EXPECT_EQ(fut.get(), 1u);
    EXPECT_EQ(store.rows[1].status, "delivered");
    EXPECT_EQ(store.rows[2].status, "pending");
    EXPECT_GE(store.rows[2].delay, 50ms);
    EXPECT_LE(store.rows[2].delay, 100ms);
    EXPECT_EQ(store.rows[2].error, "php_unavailable: down");
    EXPECT_EQ(store.rows[3].status, "failed");
    EXPECT_EQ(store.rows[3].error, "HTTP 422 alumno_no_inscrito");
    EXPECT_EQ(store.rows[4].status, "pending") << "a throwing sender loses nothing";
    EXPECT_EQ(store.rows[4].error, "sender error: boom");
    EXPECT_EQ(sync.stats().delivered.load(), 1u);
    EXPECT_EQ(sync.stats().retries.load(), 2u);
    EXPECT_EQ(sync.stats().failed.load(), 1u);
    EXPECT_EQ(sync.stats().pending.load(), 2u);
}

} // namespace
