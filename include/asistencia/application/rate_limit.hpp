// Rate limits (PROTOCOL.md section 9: errc::rate_limited "rate_limited" with a retry-after). The counters live
// in Valkey so every replica shares them (infra/stores/rate_limit_store); this header is
// the port and the rules, free of Valkey types.
#pragma once

#include "asistencia/application/errors.hpp"

#include <boost/asio/awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace asistencia::application {

namespace net = boost::asio;

// At most `limit` hits per fixed `window` for one subject; limit 0 turns the rule off.
struct rate_rule {
    std::string_view name; // part of the Valkey key: ratelimit:{name}:{subject}
    std::int64_t limit = 0;
    std::chrono::milliseconds window{60'000};
};

struct rate_decision {
    bool allowed = true;
    std::int64_t count = 0;                   // hits in this window, the refused ones included
    std::chrono::milliseconds retry_after{0}; // until the window ends, when refused
};

class rate_limiter {
public:
    virtual ~rate_limiter() = default;
    // Counts one hit (one atomic store call) and says whether it is within the limit.
    // While the store is down it allows the hit (fail open, docs/http.md).
    virtual net::awaitable<rate_decision> hit(const rate_rule& rule, std::string subject) = 0;
};

// The refusal of a hit over its limit: Retry-After in whole seconds, at least 1.
inline error too_many_requests(std::chrono::milliseconds retry_after) {
    const auto seconds = std::max<std::int64_t>(1, (retry_after.count() + 999) / 1000);
    return rate_limited("rate_limited", "too many requests; try again later", static_cast<int>(seconds));
}

// Every limit of the server, from the RATE_LIMIT_* variables.
struct rate_limits {
    rate_limiter* limiter = nullptr;                                     // nullptr: no limits at all
    rate_rule internal{"internal", 1000, std::chrono::minutes(1)};       // PHP endpoints, per token issuer
    rate_rule enroll_start{"enroll-start", 10, std::chrono::minutes(1)}; // per user
    rate_rule join_options{"join-options", 20, std::chrono::minutes(1)}; // per user and session
    rate_rule join{"join", 20, std::chrono::minutes(1)};                 // per user and session
    rate_rule answers{"answers", 5, std::chrono::seconds(1)};            // per participation token
    rate_rule ws_upgrades{"ws-upgrade", 30, std::chrono::minutes(1)};    // per client address
    int projector_messages_per_second = 20; // per connection, counted in the process (0: off)

    // errc::rate_limited "rate_limited" with a retry-after when `subject` is over `rule`.
    net::awaitable<void> check(const rate_rule& rule, std::string subject) const {
        if (limiter == nullptr || rule.limit <= 0) co_return;
        const auto d = co_await limiter->hit(rule, std::move(subject));
        if (d.allowed) co_return;
        throw too_many_requests(d.retry_after);
    }
};

} // namespace asistencia::application
