// Circuit breaker and backoff; see circuit_breaker.hpp.
#include "asistencia/infra/php_bridge/circuit_breaker.hpp"

#include <algorithm>

namespace asistencia::infra::php_bridge {

bool circuit_breaker::allow(steady_clock::time_point now) {
    switch (state(now)) {
        case breaker_state::closed:
            return true;
        case breaker_state::open:
            return false;
        case breaker_state::half_open:
            if (trial_in_flight_) return false;
            trial_in_flight_ = true;
            return true;
    }
    return false;
}

void circuit_breaker::on_success() {
    consecutive_failures_ = 0;
    open_ = false;
    trial_in_flight_ = false;
}

void circuit_breaker::on_failure(steady_clock::time_point now) {
    const bool was_trial = trial_in_flight_;
    trial_in_flight_ = false;
    ++consecutive_failures_;
    if (was_trial || (!open_ && consecutive_failures_ >= settings_.failure_threshold)) {
        if (!open_) ++times_opened_;
        open_ = true;
        opened_at_ = now;
    }
}

breaker_state circuit_breaker::state(steady_clock::time_point now) const {
    if (!open_) return breaker_state::closed;
    return now - opened_at_ >= settings_.open_for ? breaker_state::half_open : breaker_state::open;
}

std::chrono::milliseconds circuit_breaker::retry_after(steady_clock::time_point now) const {
    if (state(now) != breaker_state::open) return std::chrono::milliseconds(0);
    return std::chrono::ceil<std::chrono::milliseconds>(settings_.open_for - (now - opened_at_));
}

std::chrono::milliseconds jittered_backoff::delay(int attempt) {
    const int shift = std::clamp(attempt, 0, 20);
    const auto ceiling = std::min<long long>(cap_.count(), base_.count() << shift);
    std::uniform_int_distribution<long long> dist(0, std::max<long long>(0, ceiling));
    return std::chrono::milliseconds(dist(rng_));
}

} // namespace asistencia::infra::php_bridge
