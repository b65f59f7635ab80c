// Rate-limit counters in Valkey: one fixed window per (rule, subject) at
// ratelimit:{rule}:{subject} (with KEY_PREFIX), counted by one Lua call (INCR, PEXPIRE on
// the first hit, PTTL), so replicas share the counts and a check costs one round trip.
// Valkey down: the hit is allowed and counted as degraded (fail open, docs/http.md).
#pragma once

#include "asistencia/application/rate_limit.hpp"
#include "asistencia/infra/valkey/client.hpp"

#include <cstdint>

namespace asistencia::infra::stores {

namespace net = boost::asio;

struct rate_limit_stats {
    std::uint64_t refused = 0;  // hits over a limit (refused as rate_limited)
    std::uint64_t degraded = 0; // hits allowed because Valkey did not answer
};

class valkey_rate_limiter final : public application::rate_limiter {
public:
    explicit valkey_rate_limiter(valkey::client& kv);

    net::awaitable<application::rate_decision> hit(const application::rate_rule& rule, std::string subject) override;

    const rate_limit_stats& stats() const noexcept { return stats_; }

private:
    valkey::client& kv_;
    const valkey::script window_; // run by EVALSHA, loaded on every connection
    rate_limit_stats stats_;
};

} // namespace asistencia::infra::stores
