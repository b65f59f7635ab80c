// Circuit breaker states and the jittered backoff's bounds (no I/O, explicit clock).
#include "asistencia/infra/php_bridge/circuit_breaker.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace asistencia::infra::php_bridge;
using namespace std::chrono_literals;

namespace {

const steady_clock::time_point t0{};

circuit_breaker breaker_with(int threshold, std::chrono::milliseconds open_for) {
    return circuit_breaker(breaker_settings{threshold, open_for});
}

TEST(PhpBridgeCircuitBreaker, StaysClosedBelowTheThreshold) {
    auto b = breaker_with(3, 1000ms);
    b.on_failure(t0);
    b.on_failure(t0);
    EXPECT_EQ(b.state(t0), breaker_state::closed);
    EXPECT_TRUE(b.allow(t0));
}

TEST(PhpBridgeCircuitBreaker, ASuccessResetsTheFailureCount) {
    auto b = breaker_with(3, 1000ms);
    b.on_failure(t0);
    b.on_failure(t0);
    b.on_success();
    b.on_failure(t0);
    b.on_failure(t0);
    EXPECT_EQ(b.state(t0), breaker_state::closed);
}

TEST(PhpBridgeCircuitBreaker, OpensAtTheThresholdAndRefusesUntilTheCoolDown) {
    auto b = breaker_with(3, 1000ms);
    for (int i = 0; i < 3; ++i) b.on_failure(t0);
    EXPECT_EQ(b.state(t0), breaker_state::open);
    EXPECT_FALSE(b.allow(t0 + 999ms));
    EXPECT_EQ(b.retry_after(t0 + 400ms), 600ms);
    EXPECT_EQ(b.times_opened(), 1u);
}

TEST(PhpBridgeCircuitBreaker, HalfOpenLetsOneTrialThrough) {
    auto b = breaker_with(2, 1000ms);
    b.on_failure(t0);
    b.on_failure(t0);
    const auto later = t0 + 1000ms;
    EXPECT_EQ(b.state(later), breaker_state::half_open);
    EXPECT_TRUE(b.allow(later));
    EXPECT_FALSE(b.allow(later)) << "a second caller must wait for the trial";
    b.on_success();
    EXPECT_EQ(b.state(later), breaker_state::closed);
    EXPECT_TRUE(b.allow(later));
}

TEST(PhpBridgeCircuitBreaker, AFailedTrialOpensAgainForAFullPeriod) {
    auto b = breaker_with(2, 1000ms);
    b.on_failure(t0);
    b.on_failure(t0);
    const auto later = t0 + 1500ms;
    ASSERT_TRUE(b.allow(later));
    b.on_failure(later);
    EXPECT_EQ(b.state(later + 999ms), breaker_state::open);
    EXPECT_EQ(b.state(later + 1000ms), breaker_state::half_open);
    EXPECT_EQ(b.times_opened(), 1u) << "re-opening from half-open is the same outage";
}

TEST(PhpBridgeBackoff, DelaysStayWithinTheCappedExponentialCeiling) {
    jittered_backoff backoff(100ms, 1000ms, 42);
    for (int attempt = 0; attempt < 8; ++attempt) {
        const auto ceiling = std::min<std::chrono::milliseconds>(1000ms, 100ms * (1 << attempt));
        for (int i = 0; i < 200; ++i) {
            const auto d = backoff.delay(attempt);
            EXPECT_GE(d, 0ms);
            EXPECT_LE(d, ceiling) << "attempt " << attempt;
        }
    }
}

TEST(PhpBridgeBackoff, DelaysAreSpreadNotConstant) {
    jittered_backoff backoff(100ms, 1000ms, 7);
    std::set<long long> seen;
    for (int i = 0; i < 50; ++i) seen.insert(backoff.delay(3).count());
    EXPECT_GT(seen.size(), 10u);
}

} // namespace
