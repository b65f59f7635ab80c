// Rate-limit counters in Valkey; see rate_limit_store.hpp.
#include "asistencia/infra/stores/rate_limit_store.hpp"

#include "fixed_window.hpp"

#include <spdlog/spdlog.h>

namespace asistencia::infra::stores {

namespace {

// KEYS: 1 counter. ARGV: 1 window (ms). Returns {hits in this window, ms left}.
constexpr const char* lua_window = R"lua(
local n, left = fixed_window(KEYS[1], ARGV[1])
return {n, left}
)lua";

} // namespace

valkey_rate_limiter::valkey_rate_limiter(valkey::client& kv)
    : kv_(kv), window_(std::string(detail::lua_fixed_window_function) + lua_window) {
    kv_.preload(window_);
}

net::awaitable<application::rate_decision> valkey_rate_limiter::hit(const application::rate_rule& rule,
                                                                    std::string subject) {
    application::rate_decision d;
    std::vector<std::string> keys{kv_.keys().rate_limit(rule.name, subject)};
    std::vector<std::string> args{std::to_string(rule.window.count())};
    valkey::reply r;
    try {
        r = co_await kv_.eval(window_, std::move(keys), std::move(args));
    } catch (const application::dependency_unavailable&) {
        // Fail open: every limited endpoint that needs Valkey reports valkey_unavailable on its own; the
        // ones that do not (PHP's reads of PostgreSQL) keep working through a cache outage.
        if (stats_.degraded++ % 1000 == 0)
            spdlog::warn("rate limits: Valkey unavailable, {} allowed unchecked", rule.name);
        co_return d;
    }
    if (r.is_error() || r.elements.size() != 2) {
        ++stats_.degraded;
        spdlog::warn("rate limits: unexpected reply for {}: {}", rule.name, r.str);
        co_return d;
    }
    d.count = r.elements[0].integer;
    d.retry_after = std::chrono::milliseconds(r.elements[1].integer);
    d.allowed = d.count <= rule.limit;
    if (!d.allowed) ++stats_.refused;
    co_return d;
}

} // namespace asistencia::infra::stores
