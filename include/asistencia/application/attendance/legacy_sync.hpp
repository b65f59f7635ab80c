// Legacy sync (PROTOCOL.md 6.7): the worker that drains attendance.legacy_outbox into the
// PHP system's registrar_asistencia_crypto.php, with exponential backoff and jitter, until
// PHP acknowledges each row or refuses it for good. Nothing is lost while PHP is down.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <vector>

namespace asistencia::application::attendance {

namespace net = boost::asio;

// One claimed row of attendance.legacy_outbox; `attempts` already counts this claim.
struct outbox_row {
    std::int64_t outbox_id = 0;
    std::int64_t session_id = 0;
    std::int64_t user_id = 0;
    std::int64_t course_id = 0;
    std::string fecha; // as stored: YYYY-MM-DD or an ISO 8601 date-time (PHP takes both)
    int certeza = 0;   // 0-100
    int attempts = 0;
};

// Where the rows live. Claiming must be safe with several server replicas: a claimed row
// is leased (next_attempt_at pushed forward by `lease`) under FOR UPDATE SKIP LOCKED, so two
// workers never post the same row at the same time. Errors: dependency_unavailable when
// the database cannot answer (the caller retries the whole pass later).
class outbox_store {
public:
    virtual ~outbox_store() = default;
    // Up to `limit` pending rows whose next_attempt_at has come, oldest first; each gets
    // attempts + 1 and next_attempt_at = now + lease (a worker that dies mid-post releases
    // its rows when the lease runs out).
    virtual net::awaitable<std::vector<outbox_row>> claim_due(std::size_t limit, std::chrono::milliseconds lease) = 0;
    virtual net::awaitable<void> mark_delivered(std::int64_t outbox_id) = 0;
    // Stays pending: next_attempt_at = now + delay, last_error = error.
    virtual net::awaitable<void> mark_retry(std::int64_t outbox_id, std::chrono::milliseconds delay,
                                            std::string error) = 0;
    // Permanent: status failed, never claimed again.
    virtual net::awaitable<void> mark_failed(std::int64_t outbox_id, std::string error) = 0;
    virtual net::awaitable<std::size_t> count_pending() = 0;
};

enum class send_outcome {
    delivered,         // PHP acknowledged (a repeat answers 200 "duplicado": also delivered)
    retry_later,       // PHP unreachable, slow, 5xx, circuit open, token refused...
    permanent_failure, // PHP refused the record itself (malformed, unknown, conflicting)
};

struct send_result {
    send_outcome outcome = send_outcome::retry_later;
    std::string reason; // for last_error and the log; never holds a secret
};

// Posts one record to the legacy system. Must not throw (failures are outcomes).
class attendance_sender {
public:
    virtual ~attendance_sender() = default;
    virtual net::awaitable<send_result> send(const outbox_row& row) = 0;
};

struct legacy_sync_settings {
    std::size_t batch_size = 20;
    std::chrono::milliseconds backoff_base{1000};         // first retry after ~1 s
    std::chrono::milliseconds backoff_cap{5 * 60 * 1000}; // never more than 5 min
    // How long a claimed row stays invisible to other workers: longer than one batch of
    // posts can take (PHP timeout x its bounded retries x batch_size, in the worst case
    // where PHP is slow rather than down).
    std::chrono::milliseconds lease{2 * 60 * 1000};
};

// Counters for /metrics; readable from any thread.
struct legacy_sync_stats {
    std::atomic<std::uint64_t> delivered{0};
    std::atomic<std::uint64_t> retries{0};
    std::atomic<std::uint64_t> failed{0};
    std::atomic<std::uint64_t> pending{0}; // at the end of the last successful pass
    std::atomic<std::uint64_t> pass_errors{0};
};

// The delay before retry number `attempts` (1-based: the delay after the first failed
// post is about `base`): base * 2^(attempts-1), capped at `cap`, then "equal jitter": a
// uniform value in [d/2, d] from `unit` in [0, 1). Never zero, so a failed row always
// waits. Pure, for unit tests.
std::chrono::milliseconds backoff_delay(int attempts, std::chrono::milliseconds base, std::chrono::milliseconds cap,
                                        double unit);

class legacy_sync {
public:
    legacy_sync(outbox_store& store, attendance_sender& sender, legacy_sync_settings settings = {});

    // One pass over the due rows (at most one batch); returns how many were delivered.
    // Throws when the store cannot answer (the claimed rows, if any, wait for their lease).
    net::awaitable<std::size_t> run_once();

    // Passes until the io_context stops: another pass at once while full batches come back,
    // otherwise after `idle_period`. A failed pass (PostgreSQL down) is logged and retried.
    net::awaitable<void> run(std::chrono::milliseconds idle_period);

    const legacy_sync_stats& stats() const noexcept { return stats_; }

private:
    struct pass_result {
        std::size_t claimed = 0;
        std::size_t delivered = 0;
    };
    net::awaitable<pass_result> pass();
    std::chrono::milliseconds next_delay(int attempts);

    outbox_store& store_;
    attendance_sender& sender_;
    legacy_sync_settings settings_;
    legacy_sync_stats stats_;
    std::mutex rng_mutex_;
    std::mt19937_64 rng_;
};

} // namespace asistencia::application::attendance
