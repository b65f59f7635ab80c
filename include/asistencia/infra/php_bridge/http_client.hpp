// Async HTTP/1.1 client for the PHP legacy system (Boost.Beast, C++20 coroutines): keep-alive
// connection reuse, connect and per-attempt timeouts, bounded retries with jittered backoff
// for idempotent calls only, and a circuit breaker. Lives on one io_context thread.
#pragma once

#include "asistencia/infra/php_bridge/circuit_breaker.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace asistencia::infra::php_bridge {

namespace net = boost::asio;

struct client_settings {
    std::string base_url; // http://host[:port][/prefix]
    std::chrono::milliseconds connect_timeout{2000};
    std::chrono::milliseconds request_timeout{5000}; // one attempt, write + read
    int max_attempts = 3;                            // idempotent calls; others get 1
    std::chrono::milliseconds backoff_base{100};
    std::chrono::milliseconds backoff_cap{1000};
    breaker_settings breaker{};
    std::size_t max_idle_connections = 8;
    std::size_t max_response_bytes = std::size_t{4} * 1024 * 1024;
    // Called with the duration in seconds of every answered call (main feeds a histogram).
    std::function<void(double)> on_latency;
};

struct http_result {
    unsigned status = 0;
    std::string body;
};

struct client_stats {
    std::uint64_t requests = 0; // calls made by callers
    std::uint64_t attempts = 0; // including retries
    std::uint64_t failures = 0; // calls that ended in an exception
    std::uint64_t connections_opened = 0;
    std::uint64_t circuit_opened = 0;
    std::uint64_t rejected_open = 0; // calls refused at once because the circuit was open
    double last_latency_seconds = 0;
    double latency_seconds_sum = 0; // of answered calls, for a Prometheus summary
    std::uint64_t latency_count = 0;
};

class http_client {
public:
    // `bearer` returns the Authorization token for each attempt (the internal JWT, renewed
    // before expiry by its cache). Throws std::invalid_argument for a base URL that is not
    // plain http:// (PHP is reached on the internal network; TLS belongs to the proxy).
    http_client(net::any_io_executor ex, client_settings settings, std::function<std::string()> bearer);
    ~http_client();
    http_client(const http_client&) = delete;
    http_client& operator=(const http_client&) = delete;

    // GET base + target (target starts with '/'). Any HTTP status is returned; a network
    // failure, timeout, 5xx after the last attempt or an open circuit throws
    // application::dependency_unavailable("php"). Retried: it is idempotent.
    net::awaitable<http_result> get(std::string target);

    // POST JSON. Retried only when `idempotent` (the PHP endpoint dedupes).
    net::awaitable<http_result> post_json(std::string target, std::string body, bool idempotent);

    const client_stats& stats() const noexcept;
    breaker_state circuit_state() const;

    struct impl;

private:
    std::unique_ptr<impl> impl_;
};

} // namespace asistencia::infra::php_bridge
