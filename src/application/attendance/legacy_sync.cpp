// The outbox worker of PROTOCOL.md 6.7; see legacy_sync.hpp.
#include "asistencia/application/attendance/legacy_sync.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>

namespace asistencia::application::attendance {

std::chrono::milliseconds backoff_delay(int attempts, std::chrono::milliseconds base, std::chrono::milliseconds cap,
                                        double unit) {
    const auto b = std::max<std::int64_t>(base.count(), 1);
    const auto c = std::max<std::int64_t>(cap.count(), b);
    // Doubling stops at the cap, so 2^n never overflows however many attempts a row has.
    std::int64_t d = b;
    for (int i = 1; i < attempts && d < c; ++i) d *= 2;
    d = std::min(d, c);
    unit = std::clamp(unit, 0.0, 1.0);
    const auto half = d / 2;
    const auto jittered = half + static_cast<std::int64_t>(static_cast<double>(d - half) * unit);
    return std::chrono::milliseconds(std::max<std::int64_t>(jittered, 1));
}

legacy_sync::legacy_sync(outbox_store& store, attendance_sender& sender, legacy_sync_settings settings)
    : store_(store), sender_(sender), settings_(settings), rng_(std::random_device{}()) {
    settings_.batch_size = std::max<std::size_t>(settings_.batch_size, 1);
}

std::chrono::milliseconds legacy_sync::next_delay(int attempts) {
    double unit = 0;
    {
        const std::lock_guard lock(rng_mutex_);
        unit = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
    }
    return backoff_delay(attempts, settings_.backoff_base, settings_.backoff_cap, unit);
}

net::awaitable<legacy_sync::pass_result> legacy_sync::pass() {
    pass_result out;
    const auto rows = co_await store_.claim_due(settings_.batch_size, settings_.lease);
    out.claimed = rows.size();
    for (const auto& row : rows) {
        send_result r;
        try {
            r = co_await sender_.send(row);
        } catch (const std::exception& e) {
            // The sender should not throw; if it does, the row is kept, never lost.
            r = {send_outcome::retry_later, std::string("sender error: ") + e.what()};
        }
        switch (r.outcome) {
            case send_outcome::delivered:
                co_await store_.mark_delivered(row.outbox_id);
                stats_.delivered.fetch_add(1, std::memory_order_relaxed);
                ++out.delivered;
                spdlog::debug("legacy sync: session {} user {} delivered", row.session_id, row.user_id);
                break;
            case send_outcome::permanent_failure:
                co_await store_.mark_failed(row.outbox_id, r.reason);
                stats_.failed.fetch_add(1, std::memory_order_relaxed);
                spdlog::error(
                    "legacy sync: session {} user {} course {} refused for good by the legacy "
                    "system: {}",
                    row.session_id, row.user_id, row.course_id, r.reason);
                break;
            case send_outcome::retry_later: {
                const auto delay = next_delay(row.attempts);
                co_await store_.mark_retry(row.outbox_id, delay, r.reason);
                stats_.retries.fetch_add(1, std::memory_order_relaxed);
                spdlog::warn("legacy sync: session {} user {} not delivered (attempt {}), retry in {} ms: {}",
                             row.session_id, row.user_id, row.attempts, delay.count(), r.reason);
                break;
            }
        }
    }
    stats_.pending.store(co_await store_.count_pending(), std::memory_order_relaxed);
    co_return out;
}

net::awaitable<std::size_t> legacy_sync::run_once() { co_return (co_await pass()).delivered; }

net::awaitable<void> legacy_sync::run(std::chrono::milliseconds idle_period) {
    net::steady_timer timer(co_await net::this_coro::executor);
    for (;;) {
        bool full_batch = false;
        try {
            const auto r = co_await pass();
            full_batch = r.claimed >= settings_.batch_size;
        } catch (const std::exception& e) {
            // PostgreSQL down or the like: the rows stay in the table; try again later.
            stats_.pass_errors.fetch_add(1, std::memory_order_relaxed);
            spdlog::warn("legacy sync: pass failed, retrying in {} ms: {}", idle_period.count(), e.what());
        }
        if (full_batch) {
            // More rows are probably due: go on, but let other work on this executor run.
            timer.expires_after(std::chrono::milliseconds(0));
        } else {
            timer.expires_after(idle_period);
        }
        co_await timer.async_wait(net::use_awaitable);
    }
}

} // namespace asistencia::application::attendance
