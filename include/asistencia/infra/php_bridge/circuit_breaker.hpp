// Circuit breaker and jittered backoff for calls to the PHP legacy system (pure, no I/O).
// After `failure_threshold` consecutive failures the circuit opens: calls fail at once for
// `open_for`, then one trial call is let through (half-open); its success closes the circuit.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace asistencia::infra::php_bridge {

using steady_clock = std::chrono::steady_clock;

enum class breaker_state { closed, open, half_open };

struct breaker_settings {
    int failure_threshold = 5;
    std::chrono::milliseconds open_for{5000};
};

// Not thread-safe: owned by a client that lives on one io_context thread.
class circuit_breaker {
public:
    explicit circuit_breaker(breaker_settings s = {}) : settings_(s) {}

    // May a call start now? In half-open state only one trial is allowed at a time.
    bool allow(steady_clock::time_point now);
    void on_success();
    void on_failure(steady_clock::time_point now);

    breaker_state state(steady_clock::time_point now) const;
    std::uint64_t times_opened() const noexcept { return times_opened_; }
    // How long until a trial call is allowed (0 when not open).
    std::chrono::milliseconds retry_after(steady_clock::time_point now) const;

private:
    breaker_settings settings_;
    int consecutive_failures_ = 0;
    bool open_ = false;
    bool trial_in_flight_ = false;
    steady_clock::time_point opened_at_{};
    std::uint64_t times_opened_ = 0;
};

// Full-jitter exponential backoff (AWS architecture blog): a uniform delay in
// [0, min(cap, base * 2^attempt)], so many callers retrying at once spread out.
class jittered_backoff {
public:
    jittered_backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap,
                     std::uint64_t seed = std::random_device{}())
        : base_(base), cap_(cap), rng_(seed) {}

    std::chrono::milliseconds delay(int attempt);

private:
    std::chrono::milliseconds base_;
    std::chrono::milliseconds cap_;
    std::mt19937_64 rng_;
};

} // namespace asistencia::infra::php_bridge
