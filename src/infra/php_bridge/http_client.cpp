// Beast HTTP client for the PHP bridge; see http_client.hpp.
#include "asistencia/infra/php_bridge/http_client.hpp"

#include "asistencia/application/errors.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <spdlog/spdlog.h>

#include <optional>
#include <stdexcept>
#include <vector>

namespace asistencia::infra::php_bridge {

namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

namespace {

struct base_url {
    std::string host;
    std::string port;
    std::string prefix; // path without trailing '/'
    std::string host_header;
};

base_url parse_base_url(const std::string& text) {
    const auto r = boost::urls::parse_uri(text);
    if (!r || r->scheme() != "http" || r->host().empty()) {
        throw std::invalid_argument("PHP_BASE_URL must be a plain http:// URL with a host");
    }
    base_url b;
    b.host = r->host();
    b.port = r->has_port() ? std::string(r->port()) : "80";
    b.prefix = r->path();
    while (!b.prefix.empty() && b.prefix.back() == '/') b.prefix.pop_back();
    b.host_header = r->has_port() ? b.host + ":" + b.port : b.host;
    return b;
}

// An attempt that failed before PHP answered; `reused` connections may just have been
// closed by PHP's keep-alive timeout, which deserves one immediate retry on a fresh one.
struct attempt_failure {
    std::string what;
    bool stale_reuse = false;
};

} // namespace

struct http_client::impl {
    net::any_io_executor ex;
    client_settings settings;
    std::function<std::string()> bearer;
    base_url url;
    circuit_breaker breaker;
    jittered_backoff backoff;
    std::vector<beast::tcp_stream> idle;
    client_stats stats;

    impl(net::any_io_executor e, client_settings s, std::function<std::string()> b)
        : ex(std::move(e)),
          settings(std::move(s)),
          bearer(std::move(b)),
          url(parse_base_url(settings.base_url)),
          breaker(settings.breaker),
          backoff(settings.backoff_base, settings.backoff_cap) {}

    net::awaitable<beast::tcp_stream> connect() {
        tcp::resolver resolver(ex);
        auto [rec, endpoints] = co_await resolver.async_resolve(url.host, url.port, use_tuple);
        if (rec) throw attempt_failure{"cannot resolve " + url.host + ": " + rec.message()};
        beast::tcp_stream stream(ex);
        stream.expires_after(settings.connect_timeout);
        auto [cec, ep] = co_await stream.async_connect(endpoints, use_tuple);
        if (cec) {
            throw attempt_failure{"cannot connect to " + url.host_header + ": " +
                                  (cec == beast::error::timeout ? "timeout" : cec.message())};
        }
        stream.socket().set_option(tcp::no_delay(true));
        ++stats.connections_opened;
        co_return stream;
    }

    bhttp::request<bhttp::string_body> make_request(bhttp::verb verb, const std::string& target,
                                                    const std::string* body) {
        bhttp::request<bhttp::string_body> req{verb, url.prefix + target, 11};
        req.set(bhttp::field::host, url.host_header);
        req.set(bhttp::field::user_agent, "asistencia-server");
        req.set(bhttp::field::accept, "application/json");
        req.set(bhttp::field::authorization, "Bearer " + bearer());
        req.keep_alive(true);
        if (body != nullptr) {
            req.set(bhttp::field::content_type, "application/json");
            req.body() = *body;
        }
        req.prepare_payload();
        return req;
    }

    net::awaitable<http_result> attempt_once(bhttp::verb verb, const std::string& target, const std::string* body) {
        std::optional<beast::tcp_stream> stream;
        const bool reused = !idle.empty();
        if (reused) {
            stream.emplace(std::move(idle.back()));
            idle.pop_back();
        } else {
            stream.emplace(co_await connect());
        }
        auto req = make_request(verb, target, body);
        stream->expires_after(settings.request_timeout);
        auto [wec, wn] = co_await bhttp::async_write(*stream, req, use_tuple);
        if (wec) throw attempt_failure{"write failed: " + wec.message(), reused};

        beast::flat_buffer buffer;
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(settings.max_response_bytes);
        auto [rec, rn] = co_await bhttp::async_read(*stream, buffer, parser, use_tuple);
        if (rec) {
            const bool nothing = !parser.got_some();
            throw attempt_failure{rec == beast::error::timeout
                                      ? "timeout after " + std::to_string(settings.request_timeout.count()) + " ms"
                                      : "read failed: " + rec.message(),
                                  reused && nothing && rec != beast::error::timeout};
        }
        auto res = parser.release();
        if (res.keep_alive() && idle.size() < settings.max_idle_connections) {
            stream->expires_never();
            idle.push_back(std::move(*stream));
        }
        co_return http_result{res.result_int(), std::move(res.body())};
    }

    net::awaitable<http_result> call(bhttp::verb verb, std::string target, const std::string* body, bool idempotent) {
        ++stats.requests;
        const auto started = steady_clock::now();
        if (!breaker.allow(started)) {
            ++stats.rejected_open;
            ++stats.failures;
            const auto wait = breaker.retry_after(started);
            throw application::dependency_unavailable("php", "the legacy system is not answering (circuit open)",
                                                      static_cast<int>((wait.count() + 999) / 1000));
        }
        const int attempts = idempotent ? std::max(1, settings.max_attempts) : 1;
        std::string last_error;
        for (int i = 0; i < attempts; ++i) {
            if (i > 0) {
                net::steady_timer t(ex, backoff.delay(i - 1));
                co_await t.async_wait(use_tuple);
            }
            ++stats.attempts;
            std::optional<attempt_failure> failure;
            try {
                auto r = co_await attempt_once(verb, target, body);
                if (r.status < 500) {
                    breaker.on_success();
                    record_latency(started);
                    co_return r;
                }
                last_error = "HTTP " + std::to_string(r.status);
            } catch (const attempt_failure& f) {
                failure = f;
            }
            if (failure) {
                last_error = failure->what;
                // A keep-alive connection PHP already closed: not PHP's failure, try again
                // on a new connection without spending an attempt.
                if (failure->stale_reuse) {
                    idle.clear();
                    --i;
                    continue;
                }
            }
            spdlog::warn("php bridge: {} {} attempt {}/{} failed: {}", std::string(bhttp::to_string(verb)), target,
                         i + 1, attempts, last_error);
        }
        breaker.on_failure(steady_clock::now());
        stats.circuit_opened = breaker.times_opened();
        ++stats.failures;
        throw application::dependency_unavailable("php", "the legacy system did not answer (" + last_error + ")");
    }

    void record_latency(steady_clock::time_point started) {
        const double s = std::chrono::duration<double>(steady_clock::now() - started).count();
        stats.last_latency_seconds = s;
        stats.latency_seconds_sum += s;
        ++stats.latency_count;
        if (settings.on_latency) settings.on_latency(s);
    }
};

http_client::http_client(net::any_io_executor ex, client_settings settings, std::function<std::string()> bearer)
    : impl_(std::make_unique<impl>(std::move(ex), std::move(settings), std::move(bearer))) {}

http_client::~http_client() = default;

net::awaitable<http_result> http_client::get(std::string target) {
    return impl_->call(bhttp::verb::get, std::move(target), nullptr, true);
}

net::awaitable<http_result> http_client::post_json(std::string target, std::string body, bool idempotent) {
    // The body must outlive the coroutine frame of call(): keep it in this frame.
    auto r = co_await impl_->call(bhttp::verb::post, std::move(target), &body, idempotent);
    co_return r;
}

const client_stats& http_client::stats() const noexcept { return impl_->stats; }

breaker_state http_client::circuit_state() const { return impl_->breaker.state(steady_clock::now()); }

} // namespace asistencia::infra::php_bridge
