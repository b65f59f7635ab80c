// The legacy system's data through Valkey (PROTOCOL.md sections 7 and 8; the seed's
// "Patrón 1: Consulta con Cache" and "Patrón 4: Batch de Consultas"): read-through with the
// protocol's keys and TTLs, single-flight (concurrent misses for one key make one PHP call),
// a pipelined batch lookup of many users with parallel PHP calls for the misses, and
// invalidation. Valkey is only a cache: when it is down, reads go straight to PHP.
#pragma once

#include "asistencia/infra/php_bridge/bridge_types.hpp"
#include "asistencia/infra/php_bridge/legacy_bridge.hpp"
#include "asistencia/infra/valkey/client.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace asistencia::infra::php_bridge {

struct cache_stats {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;       // keys read from PHP
    std::uint64_t coalesced = 0;    // misses that waited for another caller's PHP call
    std::uint64_t cache_errors = 0; // Valkey unavailable: PHP answered directly
};

class legacy_cache {
public:
    legacy_cache(valkey::client& kv, legacy_bridge& bridge) : kv_(kv), bridge_(bridge) {}

    net::awaitable<legacy_user> user(std::int64_t user_id);
    net::awaitable<legacy_course> course(std::int64_t course_id);
    net::awaitable<std::vector<legacy_student>> enrolled(std::int64_t course_id, std::int64_t semester_id);
    // Many users at once: one pipelined round trip to Valkey, then the misses from PHP in
    // parallel. Unknown users are left out of the answer.
    net::awaitable<std::vector<legacy_user>> users(std::vector<std::int64_t> user_ids);

    net::awaitable<void> invalidate_user(std::int64_t user_id);
    net::awaitable<void> invalidate_course(std::int64_t course_id);
    net::awaitable<void> invalidate_enrolled(std::int64_t course_id, std::int64_t semester_id);

    const cache_stats& stats() const noexcept { return stats_; }

    struct flight;

private:
    using fetcher = std::function<net::awaitable<std::string>()>;
    net::awaitable<std::string> read_through(std::string key, std::chrono::seconds ttl, fetcher fetch);
    net::awaitable<std::string> fetch_once(std::string key, std::chrono::seconds ttl, fetcher fetch);

    valkey::client& kv_;
    legacy_bridge& bridge_;
    cache_stats stats_;
    std::unordered_map<std::string, std::shared_ptr<flight>> in_flight_;
};

} // namespace asistencia::infra::php_bridge
