// HTTP/1.1 + WebSocket server on one io_context with C++20 coroutines (Boost.Beast):
// route table, limits, request ids, JSON access log, metrics, health, static files,
// graceful shutdown. The io_context must be run by exactly one thread (no locks inside).
#pragma once

#include "asistencia/transport/auth/credentials.hpp"
#include "asistencia/transport/http/connection_stream.hpp"
#include "asistencia/transport/http/forwarded.hpp"
#include "asistencia/transport/http/metrics.hpp"
#include "asistencia/transport/http/request_log.hpp"
#include "asistencia/transport/http/router.hpp"
#include "asistencia/transport/http/security_headers.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/url/url_view.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace spdlog {
class logger;
}

namespace asistencia::transport::http {

namespace net = boost::asio;

using http_request = boost::beast::http::request<boost::beast::http::string_body>;
using http_response = boost::beast::http::response<boost::beast::http::string_body>;
// Over plain TCP or TLS (wss); get_lowest_layer(ws).socket() is the TCP socket either way.
using websocket_stream = boost::beast::websocket::stream<connection_stream>;

// Everything a handler gets. Owned by the session and reused for the next request on the
// connection, so do not keep references to it after the handler returns.
struct request_context {
    http_request request;
    path_params params;     // ":name" captures, percent-decoded
    std::string_view route; // the matched pattern, e.g. "/api/x/:id/close"
    http::request_id id;    // X-Request-Id (incoming if sane, else generated)
    // The client: the TCP peer, or the address a trusted proxy (server_config::trusted_proxies)
    // put in X-Forwarded-For (port 0 then). Use it for logs and rate limits.
    net::ip::tcp::endpoint remote;
    net::ip::tcp::endpoint peer; // the TCP peer itself (the proxy, when there is one)
    bool tls = false;            // this connection is TLS (native HTTPS)
    // The request came over HTTPS: native TLS, or X-Forwarded-Proto: https from a trusted
    // proxy. Decides HSTS and Secure cookies.
    bool secure = false;
    // The app-session cookie as the request hook resolved it (reset for every request).
    auth::cookie_auth cookie;

    // The capture named `name`, or "" when the route has no such parameter.
    std::string_view param(std::string_view name) const noexcept;
    // The first query parameter `key`, percent-decoded ('+' is not a space: RFC 3986).
    std::optional<std::string> query(std::string_view key) const;
    std::string_view request_id() const noexcept { return id.view(); }
    // The parsed target (Boost.URL), parsed on first use: routes that never look at the
    // query do not pay for it. Throws application::error 400 on a malformed target.
    const boost::urls::url_view& url() const;
    // The raw path of the target (before '?'), still percent-encoded.
    std::string_view raw_path() const noexcept;

    void reset_url() noexcept { url_parsed_ = false; }

private:
    mutable boost::urls::url_view url_;
    mutable bool url_parsed_ = false;
};

// A REST handler. Return the response without version/keep-alive/Content-Length: the
// session sets those. Throw application::error for client-visible failures.
using handler = std::function<net::awaitable<http_response>(request_context&)>;

// A WebSocket handler: runs after the upgrade; return the close reason when done (the
// server sends the close frame; handlers never call async_close themselves, because the
// server may be closing the stream concurrently on shutdown). A read failing with
// websocket::error::closed means the peer or the server closed: just return.
using websocket_handler =
    std::function<net::awaitable<boost::beast::websocket::close_reason>(websocket_stream&, request_context&)>;
// Runs before the upgrade (e.g. Origin check, a rate limit); throw application::error to refuse
// with that status.
using websocket_authorizer = std::function<net::awaitable<void>(const request_context&)>;

// Runs before every matched route (REST handler or WebSocket upgrade), e.g. to resolve
// the app-session cookie into ctx.cookie. Should record refusals in ctx, not throw; a
// throw on a REST route becomes that route's error response.
using request_hook = std::function<net::awaitable<void>(request_context&)>;

// Readiness probe: true (or returning normally with true) means "up"; false, an
// exception or the timeout means "down".
using readiness_check = std::function<net::awaitable<bool>()>;

struct server_config {
    std::string address = "127.0.0.1";
    unsigned short port = 3000;                       // 0 = any free port (tests); see server::port()
    std::size_t header_limit = std::size_t{8} * 1024; // -> 431
    std::size_t body_limit = std::size_t{64} * 1024;  // default per route -> 413
    std::size_t websocket_message_limit = std::size_t{64} * 1024;
    // Socket timeouts, enforced by one sweep timer per server (not one timer operation per
    // read/write); precision is a quarter of the smallest timeout, at most one second.
    std::chrono::milliseconds idle_timeout{30'000}; // keep-alive wait for the next request
    std::chrono::milliseconds read_timeout{15'000}; // rest of a request once it started
    std::chrono::milliseconds write_timeout{15'000};
    std::chrono::milliseconds readiness_timeout{1'000};
    std::optional<std::filesystem::path> static_root; // web/; no static files when unset
    // The access/error log; the server writes whole JSON lines, so give it pattern "%v".
    // nullptr = spdlog::default_logger().
    std::shared_ptr<spdlog::logger> logger;
    bool access_log = true;

    // HTTPS: when set, the port speaks TLS only (see tls.hpp); replaced by set_tls_context().
    std::shared_ptr<boost::asio::ssl::context> tls;
    // With tls: a second, plain-HTTP port that only redirects to https (301 GET/HEAD, 308
    // otherwise). 0 = off; redirect_port() gives the bound port.
    std::optional<unsigned short> redirect_port;
    // The https port written in redirects (a port mapping may differ from `port`); 0 = the
    // bound TLS port; 443 is left out of the Location.
    unsigned short public_https_port = 0;
    // Strict-Transport-Security max-age on responses to secure requests; 0 = no header.
    std::chrono::seconds hsts_max_age{31'536'000};
    // Peers whose X-Forwarded-For / X-Forwarded-Proto are believed (nginx in front).
    proxy_list trusted_proxies;
};

class server {
public:
    // Registers GET /healthz, /readyz and /metrics and the HTTP metrics in `metrics`.
    server(net::any_io_executor ex, server_config config, metrics_registry& metrics);
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    // Register before listen(). `body_limit` overrides config.body_limit for this route.
    // Throws std::invalid_argument on a malformed or duplicate pattern.
    void add_route(boost::beast::http::verb verb, std::string_view pattern, handler h,
                   std::optional<std::size_t> body_limit = std::nullopt);
    void add_websocket_route(std::string_view pattern, websocket_handler h, websocket_authorizer authorize = {});
    void add_readiness_check(std::string name, readiness_check check);
    // One hook (register before listen()); a later call replaces it.
    void set_request_hook(request_hook hook);

    // Binds, listens and starts accepting. Throws boost::system::system_error on failure.
    void listen();
    // The bound port (useful with config.port == 0).
    unsigned short port() const;
    // The bound redirect port (0 when there is none).
    unsigned short redirect_port() const;
    // New TLS connections use `ctx` from now on; open ones keep theirs (certificate reload on
    // SIGHUP without dropping anyone). Callable from any thread; ignored when TLS is off.
    void set_tls_context(std::shared_ptr<boost::asio::ssl::context> ctx);
    std::size_t open_connections() const noexcept;

    // Graceful shutdown, callable from any thread (e.g. main's signal handler): stop
    // accepting, close idle keep-alive connections, let in-flight requests finish (their
    // responses carry Connection: close), send WebSocket close frames (1012
    // service_restart); after `deadline` cancel what is left. `on_stopped(clean)` runs on
    // the server's executor once every connection is gone (clean == nothing had to be
    // cancelled) or, at the latest, one second after the deadline. Later calls are ignored.
    void stop(std::chrono::milliseconds deadline, std::function<void(bool clean)> on_stopped = {});

    struct impl;

private:
    std::shared_ptr<impl> impl_; // shared with every session so it outlives them
};

// Adds Strict-Transport-Security when the request came over HTTPS (ctx.secure) and
// max_age > 0. The server calls it on every REST/static response.
void apply_hsts(http_response& res, const request_context& ctx, std::chrono::seconds max_age);

// A JSON response with Content-Type application/json.
http_response json_response(boost::beast::http::status status, std::string body);

} // namespace asistencia::transport::http
