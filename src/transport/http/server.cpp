// The HTTP/WebSocket server: accept loop, one coroutine per connection, dispatch through
// the router, error mapping, access log, metrics, health routes, static files, shutdown.
// This is the only Beast translation unit of the component (they compile slowly).
#include "asistencia/transport/http/server.hpp"

#include "asistencia/transport/http/error_mapping.hpp"
#include "asistencia/transport/http/static_files.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/url/parse.hpp>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <list>
#include <unordered_map>

namespace asistencia::transport::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;
using boost::system::error_code;
using namespace std::chrono_literals;

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

// ---------------------------------------------------------------------------------------
// request_context and helpers

std::string_view request_context::param(std::string_view name) const noexcept {
    for (const auto& p : params)
        if (p.name == name) return p.value;
    return {};
}

const boost::urls::url_view& request_context::url() const {
    if (!url_parsed_) {
        auto r = boost::urls::parse_origin_form(request.target());
        if (!r) throw application::malformed("bad_request", "malformed request target");
        url_ = *r;
        url_parsed_ = true;
    }
    return url_;
}

std::string_view request_context::raw_path() const noexcept {
    std::string_view t(request.target().data(), request.target().size());
    return t.substr(0, t.find('?'));
}

std::optional<std::string> request_context::query(std::string_view key) const {
    for (auto p : url().params())
        if (p.key == key) return std::string(p.value);
    return std::nullopt;
}

void apply_hsts(http_response& res, const request_context& ctx, std::chrono::seconds max_age) {
    if (!ctx.secure || max_age.count() <= 0) return;
    res.set(bhttp::field::strict_transport_security, "max-age=" + std::to_string(max_age.count()));
}

http_response json_response(bhttp::status status, std::string body) {
    http_response res{status, 11};
    res.set(bhttp::field::content_type, "application/json");
    res.body() = std::move(body);
    return res;
}

namespace {

http_response error_response(const error_reply& e) {
    http_response res{static_cast<bhttp::status>(e.status), 11};
    res.set(bhttp::field::content_type, "application/json");
    if (e.retry_after_seconds) res.set(bhttp::field::retry_after, std::to_string(*e.retry_after_seconds));
    res.body() = e.body;
    return res;
}

using parser_type = bhttp::request_parser<bhttp::string_body>;
using clock = std::chrono::steady_clock;

// Route labels for metrics/logs when no pattern matched: never the raw path (cardinality).
constexpr std::string_view route_static = "static";
constexpr std::string_view route_unmatched = "unmatched";
constexpr std::uint32_t route_key_static = 0xffff'fffe;
constexpr std::uint32_t route_key_unmatched = 0xffff'ffff;
constexpr std::uint32_t route_key_redirect = 0xffff'fffd;

bool iequals(std::string_view a, std::string_view b) { return beast::iequals(a, b); }

std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

// Metric/log label for a method; unknown methods collapse into one label.
std::string_view method_name(bhttp::verb v) {
    if (v == bhttp::verb::unknown) return "OTHER";
    return sv(bhttp::to_string(v));
}

std::string endpoint_string(const tcp::endpoint& ep) {
    error_code ec;
    auto addr = ep.address().to_string(ec);
    if (ep.address().is_v6()) return "[" + addr + "]:" + std::to_string(ep.port());
    return addr + ":" + std::to_string(ep.port());
}

bool is_http_error(const error_code& ec) {
    return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
           ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

bool body_forbidden(unsigned status) { return status / 100 == 1 || status == 204 || status == 304; }

void append_uint(std::string& out, std::size_t v) {
    char buf[24];
    char* p = buf + sizeof buf;
    do {
        *--p = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v);
    out.append(p, static_cast<std::size_t>(buf + sizeof buf - p));
}

// Serializes the status line and header of `res` into `out` (reused per connection), with
// the fields the session owns: X-Request-Id, Content-Length and Connection. Writing this by
// hand instead of through Beast's serializer is a large part of the per-request budget.
void serialize_head(const http_response& res, unsigned version, bool keep_alive, std::string_view request_id,
                    std::string& out) {
    out.clear();
    const unsigned status = res.result_int();
    out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    append_uint(out, status);
    out += ' ';
    auto reason = res.reason();
    out += reason.empty() ? sv(bhttp::obsolete_reason(res.result())) : sv(reason);
    out += "\r\n";
    for (const auto& f : res) {
        auto name = f.name();
        if (name == bhttp::field::content_length || name == bhttp::field::transfer_encoding ||
            name == bhttp::field::connection || iequals(sv(f.name_string()), "X-Request-Id"))
            continue;
        out += sv(f.name_string());
        out += ": ";
        out += sv(f.value());
        out += "\r\n";
    }
    out += "X-Request-Id: ";
    out += request_id;
    out += "\r\n";
    append_security_headers(out, res.find(bhttp::field::cache_control) != res.end());
    if (!body_forbidden(status)) {
        out += "Content-Length: ";
        append_uint(out, res.body().size());
        out += "\r\n";
    }
    if (!keep_alive)
        out += "Connection: close\r\n";
    else if (version == 10)
        out += "Connection: keep-alive\r\n";
    out += "\r\n";
}

} // namespace

// ---------------------------------------------------------------------------------------
// server::impl

// What a listening port does with its connections.
enum class listener_kind { plain, tls, redirect };

struct route_entry {
    handler rest;
    websocket_handler ws;
    websocket_authorizer authorize;
    std::size_t body_limit = 0;
};

// One live connection. Owned by impl::conns_; the session coroutine keeps a reference.
struct connection {
    enum class phase { reading, busy, websocket };
    phase state = phase::reading;
    tcp::socket* socket = nullptr;              // while HTTP
    const beast::flat_buffer* buffer = nullptr; // while HTTP
    const parser_type* parser = nullptr;        // while waiting for a request's header
    std::shared_ptr<websocket_stream> ws;       // while WebSocket
    bool ws_closing = false;                    // the server sent (is sending) a close frame
    // Deadline of the socket operation in progress; the sweeper cancels the socket once it
    // passes. time_point::max() = nothing to enforce (handler running, WebSocket).
    clock::time_point deadline = clock::time_point::max();
    bool timed_out = false;
    bool done = false;               // the session coroutine has completed (erase pending)
    net::cancellation_signal cancel; // terminal cancellation after the shutdown deadline
};

struct server::impl : std::enable_shared_from_this<server::impl> {
    impl(net::any_io_executor ex, server_config cfg, metrics_registry& reg)
        : ex_(ex),
          cfg_(std::move(cfg)),
          acceptor_(ex),
          redirect_acceptor_(ex),
          tls_ctx_(cfg_.tls),
          stop_timer_(ex),
          sweep_timer_(ex),
          requests_total_(reg.add_counter("asistencia_http_requests_total", "HTTP requests by method, route and status",
                                          {"method", "route", "status"})),
          durations_(reg.add_histogram("asistencia_http_request_duration_seconds",
                                       "HTTP request latency by route and status", {"route", "status"})),
          open_connections_(
              reg.add_gauge("asistencia_http_open_connections", "Open client connections (HTTP and WebSocket)")
                  .with({})),
          tls_handshakes_(reg.add_counter("asistencia_tls_handshakes_total",
                                          "TLS handshakes on the HTTPS port by result", {"result"})),
          metrics_(reg),
          max_body_limit_(cfg_.body_limit) {
        if (cfg_.redirect_port && !tls_ctx_)
            throw std::invalid_argument("a redirect port needs TLS (server_config::tls)");
        log_ = cfg_.logger ? cfg_.logger : spdlog::default_logger();
        if (cfg_.static_root) statics_.emplace(*cfg_.static_root);
        auto smallest = std::min({cfg_.idle_timeout, cfg_.read_timeout, cfg_.write_timeout});
        sweep_period_ = std::clamp<std::chrono::milliseconds>(smallest / 4, 10ms, 1000ms);
    }

    // -- registration ------------------------------------------------------------------
    void add(bhttp::verb verb, std::string_view pattern, route_entry e) {
        auto id = router_.add(verb, pattern);
        if (entries_.size() <= id) entries_.resize(id + 1);
        max_body_limit_ = std::max(max_body_limit_, e.body_limit);
        entries_[id] = std::move(e);
    }

    // -- metrics and logs --------------------------------------------------------------
    struct metric_cells {
        counter* requests;
        histogram* duration;
    };

    void record(std::uint32_t route_key, std::string_view route, bhttp::verb verb, unsigned status,
                clock::time_point start, const request_context& ctx, const std::string& remote) {
        const auto now = clock::now();
        const std::uint64_t key = (std::uint64_t{route_key} << 32) |
                                  (std::uint64_t(static_cast<unsigned>(verb) & 0xffff) << 16) | (status & 0xffff);
        auto it = cells_.find(key);
        if (it == cells_.end()) {
            std::string_view method = method_name(verb);
            std::string st = std::to_string(status);
            metric_cells c{&requests_total_.with({method, route, st}), &durations_.with({route, st})};
            it = cells_.emplace(key, c).first;
        }
        it->second.requests->inc();
        it->second.duration->observe(std::chrono::duration<double>(now - start).count());

        if (!cfg_.access_log || !log_->should_log(spdlog::level::info)) return;
        access_entry e;
        e.ts = std::chrono::system_clock::now();
        e.method = verb == bhttp::verb::unknown ? std::string_view("-") : method_name(verb);
        e.route = route;
        e.status = static_cast<int>(status);
        e.duration_ms = std::chrono::duration<double, std::milli>(now - start).count();
        e.request_id = ctx.request_id();
        e.remote = remote;
        access_line_buffer line;
        format_access_line(e, line);
        log_->log(spdlog::level::info, spdlog::string_view_t(line.data(), line.size()));
    }

    void log_error(const request_context& ctx, std::string_view route, std::string_view what) {
        if (!log_->should_log(spdlog::level::err)) return;
        log_->error("{}", format_error_line(std::chrono::system_clock::now(), ctx.request_id(), route, what));
    }

    // -- lifecycle ---------------------------------------------------------------------
    void listen() {
        auto addr = net::ip::make_address(cfg_.address);
        tcp::endpoint ep{addr, cfg_.port};
        acceptor_.open(ep.protocol());
        acceptor_.set_option(net::socket_base::reuse_address(true));
        acceptor_.bind(ep);
        acceptor_.listen(net::socket_base::max_listen_connections);
        if (cfg_.redirect_port) {
            tcp::endpoint rep{addr, *cfg_.redirect_port};
            redirect_acceptor_.open(rep.protocol());
            redirect_acceptor_.set_option(net::socket_base::reuse_address(true));
            redirect_acceptor_.bind(rep);
            redirect_acceptor_.listen(net::socket_base::max_listen_connections);
        }
        auto self = shared_from_this();
        ++accepting_;
        net::co_spawn(ex_, accept_loop(self, acceptor_, tls_ctx_ ? listener_kind::tls : listener_kind::plain),
                      [](std::exception_ptr) {});
        if (cfg_.redirect_port) {
            ++accepting_;
            net::co_spawn(ex_, accept_loop(self, redirect_acceptor_, listener_kind::redirect),
                          [](std::exception_ptr) {});
        }
        net::co_spawn(ex_, sweep_loop(self), [](std::exception_ptr) {});
    }

    net::awaitable<void> accept_loop(std::shared_ptr<impl> self, tcp::acceptor& acceptor, listener_kind kind) {
        (void)self; // keeps impl alive while accepting
        net::steady_timer backoff(ex_);
        while (!stopping_) {
            auto [ec, sock] = co_await acceptor.async_accept(use_tuple);
            if (stopping_) break;
            if (ec) {
                if (ec == net::error::operation_aborted) break;
                // EMFILE and friends: wait a little instead of spinning.
                log_->warn("{}", nlohmann::json{{"msg", "accept_failed"}, {"error", ec.message()}}.dump());
                backoff.expires_after(50ms);
                co_await backoff.async_wait(use_tuple);
                continue;
            }
            start_session(std::move(sock), kind);
        }
        --accepting_;
        maybe_finished();
    }

    // One timer for all connections: sessions only store a deadline before each socket
    // operation, which costs nothing, instead of arming a timer per read and write.
    net::awaitable<void> sweep_loop(std::shared_ptr<impl> self) {
        (void)self;
        while (!finished_) {
            sweep_timer_.expires_after(sweep_period_);
            co_await sweep_timer_.async_wait(use_tuple);
            if (finished_) break;
            const auto now = clock::now();
            for (auto& c : conns_) {
                if (c.socket && c.deadline < now && !c.timed_out) {
                    c.timed_out = true;
                    error_code ig;
                    c.socket->cancel(ig);
                }
            }
        }
    }

    void start_session(tcp::socket sock, listener_kind kind) {
        error_code ec;
        sock.set_option(tcp::no_delay(true), ec);
        auto it = conns_.emplace(conns_.end());
        open_connections_.inc();
        auto self = shared_from_this();
        net::co_spawn(ex_, run_session(self, *it, std::move(sock), kind),
                      net::bind_cancellation_slot(it->cancel.slot(), [self, it](std::exception_ptr e) {
                          it->done = true;
                          if (e) {
                              auto r = map_exception(e);
                              self->log_->error(
                                  "{}", nlohmann::json{{"msg", "session_failed"}, {"error", r.internal_detail}}.dump());
                          }
                          // Erase later: this handler runs from inside co_spawn's
                          // completion, which still uses the slot's signal.
                          net::post(self->ex_, [self, it] {
                              self->conns_.erase(it);
                              self->open_connections_.dec();
                              self->maybe_finished();
                          });
                      }));
    }

    void stop(std::chrono::milliseconds deadline, std::function<void(bool)> done) {
        if (stopping_) return;
        stopping_ = true;
        on_stopped_ = std::move(done);
        error_code ec;
        acceptor_.close(ec);
        redirect_acceptor_.close(ec);
        for (auto& c : conns_) {
            if (c.state == connection::phase::reading && c.socket && c.parser && !c.parser->got_some() && c.buffer &&
                c.buffer->size() == 0) {
                c.socket->cancel(ec); // idle keep-alive connection: end it now
            } else if (c.state == connection::phase::websocket && c.ws) {
                close_websocket(c);
            }
        }
        stop_timer_.expires_after(deadline);
        stop_timer_.async_wait([self = shared_from_this()](error_code ec) {
            if (ec) return;
            self->force_stop();
        });
        maybe_finished();
    }

    void close_websocket(connection& c) {
        if (c.ws_closing || !c.ws || !c.ws->is_open()) return;
        c.ws_closing = true;
        // The coroutine owns a reference to the stream, so it outlives the session.
        net::co_spawn(
            ex_,
            [ws = c.ws]() -> net::awaitable<void> {
                co_await ws->async_close(websocket::close_code::service_restart, use_tuple);
            },
            net::detached);
    }

    // The deadline passed: cancel whatever is still running, then give up waiting.
    void force_stop() {
        forced_ = true;
        for (auto& c : conns_) {
            if (c.done) continue;
            c.cancel.emit(net::cancellation_type::terminal);
            error_code ec;
            if (c.socket) c.socket->close(ec);
            if (c.ws) beast::get_lowest_layer(*c.ws).socket().close(ec);
        }
        stop_timer_.expires_after(1s);
        stop_timer_.async_wait([self = shared_from_this()](error_code ec) {
            if (ec) return;
            self->finish();
        });
    }

    void maybe_finished() {
        if (stopping_ && accepting_ == 0 && conns_.empty()) finish();
    }

    void finish() {
        if (finished_) return;
        finished_ = true;
        stop_timer_.cancel();
        sweep_timer_.cancel();
        if (auto cb = std::move(on_stopped_)) cb(!forced_);
    }

    // -- the session -------------------------------------------------------------------
    net::awaitable<void> run_session(std::shared_ptr<impl> self, connection& conn, tcp::socket sock,
                                     listener_kind kind);
    // A WebSocket upgrade that serve_http accepted for run_websocket: the request and what its
    // access log needs, moved out so serve_http's frame (its buffers, parser and response
    // head) is gone before the WebSocket's long life starts.
    struct websocket_upgrade {
        request_context ctx;
        const route_entry* entry = nullptr;
        std::uint32_t route_key = 0;
        std::string remote;
        clock::time_point start;
    };
    net::awaitable<std::unique_ptr<websocket_upgrade>> serve_http(connection& conn, connection_stream& sock,
                                                                  const tcp::endpoint& peer);
    net::awaitable<void> serve_redirects(connection& conn, connection_stream& sock, const tcp::endpoint& peer);
    net::awaitable<bool> tls_handshake(connection& conn, connection_stream& sock);
    net::awaitable<void> send_close(connection& conn, connection_stream& sock);
    void resolve_origin(request_context& ctx, const http_request& hdr, std::string& remote_text,
                        const std::string& peer_text) const;
    net::awaitable<http_response> dispatch(request_context& ctx, const match_result& m, std::uint32_t& route_key,
                                           std::string_view& route);
    net::awaitable<void> run_websocket(connection& conn, connection_stream& sock, websocket_upgrade& up);
    net::awaitable<bool> write_response(connection& conn, connection_stream& sock, const http_response& res,
                                        unsigned version, bool keep_alive, bool head, std::string_view rid,
                                        std::string& out);
    net::awaitable<void> write_and_linger(connection& conn, connection_stream& sock, const http_response& res,
                                          unsigned version, std::string_view rid);
    // Answers an error that ends the connection (limits, malformed requests).
    net::awaitable<void> fail(connection& conn, connection_stream& sock, request_context& ctx, transport_error e,
                              std::uint32_t route_key, std::string_view route, bhttp::verb verb, unsigned version,
                              clock::time_point start, const std::string& remote) {
        auto res = error_response(map_error(e));
        co_await write_and_linger(conn, sock, res, version, ctx.request_id());
        record(route_key, route, verb, res.result_int(), start, ctx, remote);
    }

    unsigned short acceptor_port() const {
        error_code ec;
        return acceptor_.local_endpoint(ec).port();
    }

    // -- built-in routes ---------------------------------------------------------------
    net::awaitable<http_response> readyz();

    net::any_io_executor ex_;
    server_config cfg_;
    tcp::acceptor acceptor_;
    tcp::acceptor redirect_acceptor_;
    std::shared_ptr<net::ssl::context> tls_ctx_; // for new connections; null = plain HTTP
    net::steady_timer stop_timer_;
    net::steady_timer sweep_timer_;
    std::chrono::milliseconds sweep_period_{1000};
    counter_family& requests_total_;
    histogram_family& durations_;
    gauge& open_connections_;
    counter_family& tls_handshakes_;
    metrics_registry& metrics_;
    std::shared_ptr<spdlog::logger> log_;
    router router_;
    std::vector<route_entry> entries_; // by route id
    std::size_t max_body_limit_;
    std::vector<std::pair<std::string, readiness_check>> checks_;
    request_hook request_hook_;
    std::optional<static_files> statics_;
    std::unordered_map<std::uint64_t, metric_cells> cells_;
    std::list<connection> conns_; // list: stable addresses, O(1) erase
    int accepting_ = 0;           // accept loops still running
    bool stopping_ = false;
    bool forced_ = false;
    bool finished_ = false;
    std::function<void(bool)> on_stopped_;
};

net::awaitable<bool> server::impl::write_response(connection& conn, connection_stream& sock, const http_response& res,
                                                  unsigned version, bool keep_alive, bool head, std::string_view rid,
                                                  std::string& out) {
    serialize_head(res, version, keep_alive, rid, out);
    std::array<net::const_buffer, 2> bufs{net::buffer(out), net::const_buffer{}};
    if (!head && !body_forbidden(res.result_int())) bufs[1] = net::buffer(res.body().data(), res.body().size());
    conn.deadline = clock::now() + cfg_.write_timeout;
    auto [ec, n] = co_await net::async_write(sock, bufs, use_tuple);
    conn.deadline = clock::time_point::max();
    co_return !ec;
}

// Writes an answer that ends the connection, then drains what the client is still sending
// for a moment, so the close does not turn into a reset that destroys the answer.
net::awaitable<void> server::impl::write_and_linger(connection& conn, connection_stream& sock, const http_response& res,
                                                    unsigned version, std::string_view rid) {
    std::string out;
    if (!co_await write_response(conn, sock, res, version, false, false, rid, out)) co_return;
    co_await send_close(conn, sock);
    char sink[4096];
    std::size_t drained = 0;
    conn.deadline = clock::now() + std::min<std::chrono::milliseconds>(cfg_.read_timeout, 1s);
    while (drained < std::size_t{1024} * 1024) {
        // The raw socket: after our close_notify, TLS records are just bytes to discard.
        auto [rec, m] = co_await sock.socket().async_read_some(net::buffer(sink), use_tuple);
        if (rec) break;
        drained += m;
    }
    conn.deadline = clock::time_point::max();
}

net::awaitable<void> server::impl::run_session(std::shared_ptr<impl> self, connection& conn, tcp::socket raw,
                                               listener_kind kind) {
    (void)self; // keeps impl alive for the session's lifetime
    tcp::endpoint peer;
    {
        error_code ec;
        peer = raw.remote_endpoint(ec);
    }
    connection_stream sock =
        kind == listener_kind::tls ? connection_stream(std::move(raw), tls_ctx_) : connection_stream(std::move(raw));
    conn.socket = &sock.socket();
    if (kind == listener_kind::tls && !co_await tls_handshake(conn, sock)) {
        conn.socket = nullptr;
        error_code ec;
        sock.socket().close(ec);
        co_return;
    }
    if (kind == listener_kind::redirect) {
        co_await serve_redirects(conn, sock, peer);
        co_return;
    }
    auto upgrade = co_await serve_http(conn, sock, peer);
    if (upgrade) co_await run_websocket(conn, sock, *upgrade);
}

// The handshake under the read timeout (the sweeper cancels the socket past it).
net::awaitable<bool> server::impl::tls_handshake(connection& conn, connection_stream& sock) {
    conn.deadline = clock::now() + cfg_.read_timeout;
    auto [ec] = co_await sock.tls()->async_handshake(net::ssl::stream_base::server, use_tuple);
    conn.deadline = clock::time_point::max();
    tls_handshakes_.with({ec ? "failed" : "ok"}).inc();
    if (ec && log_->should_log(spdlog::level::debug))
        log_->debug("{}", nlohmann::json{{"msg", "tls_handshake_failed"}, {"error", ec.message()}}.dump());
    co_return !ec;
}

// Ends our direction of the connection: a TLS close_notify first (without waiting for the
// peer's: we are closing anyway), then the TCP FIN.
net::awaitable<void> server::impl::send_close(connection& conn, connection_stream& sock) {
    if (auto* t = sock.tls()) {
        // Marking the peer's close_notify as received makes SSL_shutdown send ours and
        // complete, instead of waiting for an answer many clients never send.
        SSL_set_shutdown(t->native_handle(), SSL_RECEIVED_SHUTDOWN);
        conn.deadline = clock::now() + std::min<std::chrono::milliseconds>(cfg_.write_timeout, 1s);
        co_await t->async_shutdown(use_tuple);
        conn.deadline = clock::time_point::max();
    }
    error_code ig;
    sock.socket().shutdown(tcp::socket::shutdown_send, ig);
}

// The client behind a trusted proxy (X-Forwarded-*), else the peer; see forwarded.hpp.
void server::impl::resolve_origin(request_context& ctx, const http_request& hdr, std::string& remote_text,
                                  const std::string& peer_text) const {
    remote_text = peer_text;
    ctx.remote = ctx.peer;
    ctx.secure = ctx.tls;
    if (cfg_.trusted_proxies.empty() || !cfg_.trusted_proxies.contains(ctx.peer.address())) return;
    std::string xff;
    for (auto it = hdr.find("X-Forwarded-For"); it != hdr.end() && iequals(sv(it->name_string()), "X-Forwarded-For");
         ++it) {
        if (!xff.empty()) xff += ',';
        xff += sv(it->value());
    }
    std::string_view xfp;
    if (auto it = hdr.find("X-Forwarded-Proto"); it != hdr.end()) xfp = sv(it->value());
    const auto origin = resolve_client(ctx.peer.address(), ctx.tls, xff, xfp, cfg_.trusted_proxies);
    ctx.secure = origin.https;
    if (origin.forwarded) {
        ctx.remote = tcp::endpoint(origin.address, 0);
        error_code ec;
        remote_text = origin.address.to_string(ec);
    }
}

net::awaitable<std::unique_ptr<server::impl::websocket_upgrade>> server::impl::serve_http(connection& conn,
                                                                                          connection_stream& sock,
                                                                                          const tcp::endpoint& peer) {
    const std::string peer_text = endpoint_string(peer);
    std::string remote = peer_text;
    beast::flat_buffer buffer;
    std::string out; // serialized response head, reused
    request_context ctx;
    ctx.peer = peer;
    ctx.remote = peer;
    ctx.tls = sock.is_tls();
    ctx.secure = ctx.tls;
    conn.buffer = &buffer;

    std::optional<parser_type> parser;
    for (;;) {
        if (stopping_ && buffer.size() == 0) break;
        remote = peer_text;
        parser.emplace();
        parser->header_limit(static_cast<std::uint32_t>(cfg_.header_limit));
        parser->body_limit(max_body_limit_);
        conn.state = connection::phase::reading;
        conn.parser = &*parser;
        conn.deadline = clock::now() + (buffer.size() ? cfg_.read_timeout : cfg_.idle_timeout);
        auto [hec, hn] = co_await bhttp::async_read_header(sock, buffer, *parser, use_tuple);
        conn.deadline = clock::time_point::max();
        conn.parser = nullptr;
        conn.state = connection::phase::busy;
        const auto start = clock::now();
        ctx.id.generate();
        ctx.reset_url();
        ctx.route = {};
        ctx.cookie = {};

        if (hec) {
            // Before a complete header: answer only what the client can act on.
            std::optional<transport_error> te;
            if (hec == bhttp::error::header_limit)
                te = transport_error::headers_too_large;
            else if (hec == bhttp::error::body_limit)
                te = transport_error::payload_too_large;
            else if (is_http_error(hec))
                te = transport_error::malformed_request;
            if (te) {
                auto verb = parser->is_header_done() ? parser->get().method() : bhttp::verb::unknown;
                co_await fail(conn, sock, ctx, *te, route_key_unmatched, route_unmatched, verb, 11, start, remote);
            }
            break;
        }

        auto& hdr = parser->get();
        resolve_origin(ctx, hdr, remote, peer_text);
        if (auto incoming = hdr.find("X-Request-Id"); incoming != hdr.end())
            ctx.id.assign_if_sane(sv(incoming->value()));
        const auto verb = hdr.method();
        const unsigned version = hdr.version();

        // Route on the header alone, so the route's body limit applies to the body read.
        std::string_view target = sv(hdr.target());
        match_result m;
        std::optional<transport_error> early;
        if (target.empty() || target.front() != '/')
            early = transport_error::malformed_request;
        else
            m = router_.match(verb, target.substr(0, target.find('?')), ctx.params);

        const route_entry* entry = m.status == match_status::found ? &entries_[m.route_id] : nullptr;
        const std::uint32_t key = entry ? static_cast<std::uint32_t>(m.route_id) : route_key_unmatched;
        const std::string_view label = entry ? m.pattern : route_unmatched;
        const std::size_t limit = entry && entry->body_limit ? entry->body_limit : cfg_.body_limit;
        if (!early) {
            if (auto cl = parser->content_length(); cl && *cl > limit) early = transport_error::payload_too_large;
        }
        if (early) {
            co_await fail(conn, sock, ctx, *early, key, label, verb, version, start, remote);
            break;
        }

        if (!parser->is_done()) {
            parser->body_limit(limit);
            if (auto ex = hdr.find(bhttp::field::expect); ex != hdr.end() && iequals(sv(ex->value()), "100-continue")) {
                static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
                conn.deadline = clock::now() + cfg_.write_timeout;
                auto [wec, wn] = co_await net::async_write(sock, net::buffer(cont.data(), cont.size()), use_tuple);
                conn.deadline = clock::time_point::max();
                if (wec) break;
            }
            conn.deadline = clock::now() + cfg_.read_timeout;
            auto [bec, bn] = co_await bhttp::async_read(sock, buffer, *parser, use_tuple);
            conn.deadline = clock::time_point::max();
            if (bec) {
                if (bec == bhttp::error::body_limit)
                    co_await fail(conn, sock, ctx, transport_error::payload_too_large, key, label, verb, version, start,
                                  remote);
                else if (is_http_error(bec))
                    co_await fail(conn, sock, ctx, transport_error::malformed_request, key, label, verb, version, start,
                                  remote);
                break;
            }
        }

        ctx.request = parser->release();

        if (entry && entry->ws && websocket::is_upgrade(ctx.request)) {
            ctx.route = m.pattern;
            if (request_hook_) {
                try {
                    co_await request_hook_(ctx);
                } catch (const std::exception& e) {
                    log_error(ctx, m.pattern, e.what()); // the handler sees no cookie user
                }
            }
            // run_session runs the WebSocket after this frame is gone (bytes a client sent
            // after its upgrade request and before the 101 were never read by the stream).
            conn.buffer = nullptr;
            auto up = std::make_unique<websocket_upgrade>();
            up->ctx = std::move(ctx);
            up->entry = entry;
            up->route_key = key;
            up->remote = std::move(remote);
            up->start = start;
            co_return up;
        }

        std::uint32_t route_key = route_key_unmatched;
        std::string_view route = route_unmatched;
        http_response res = co_await dispatch(ctx, m, route_key, route);
        apply_hsts(res, ctx, cfg_.hsts_max_age);

        const bool keep = ctx.request.keep_alive() && !stopping_;
        const bool ok =
            co_await write_response(conn, sock, res, version, keep, verb == bhttp::verb::head, ctx.request_id(), out);
        record(route_key, route, verb, res.result_int(), start, ctx, remote);
        if (!ok || !keep) break;
    }

    conn.buffer = nullptr;
    co_await send_close(conn, sock);
    conn.socket = nullptr;
    error_code ec;
    sock.socket().close(ec);
    co_return nullptr;
}

namespace {

// A Host header we are willing to put into a Location: a DNS name or an IP literal, with an
// optional port. Anything else (spaces, '@', '/', a second host) gets a 400, so the redirect
// port never writes attacker-shaped text into a header.
std::optional<std::string> redirect_host(std::string_view host) {
    if (host.empty() || host.size() > 255) return std::nullopt;
    std::string_view name = host;
    if (name.front() == '[') {
        const auto close = name.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        const auto rest = name.substr(close + 1);
        if (!rest.empty() && rest.front() != ':') return std::nullopt;
        name = name.substr(0, close + 1);
        for (char c : name.substr(1, name.size() - 2))
            if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.')) return std::nullopt;
    } else {
        name = name.substr(0, name.find(':'));
        if (name.empty()) return std::nullopt;
        for (char c : name)
            if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.')) return std::nullopt;
    }
    return std::string(name);
}

} // namespace

// The plain-HTTP port next to HTTPS: every request gets a redirect to the same host and
// target over https, nothing else (no route, no static file, no API over plain text).
net::awaitable<void> server::impl::serve_redirects(connection& conn, connection_stream& sock,
                                                   const tcp::endpoint& peer) {
    const std::string remote = endpoint_string(peer);
    beast::flat_buffer buffer;
    request_context ctx;
    ctx.peer = peer;
    ctx.remote = peer;
    conn.buffer = &buffer;
    parser_type parser;
    parser.header_limit(static_cast<std::uint32_t>(cfg_.header_limit));
    conn.state = connection::phase::reading;
    conn.parser = &parser;
    conn.deadline = clock::now() + cfg_.read_timeout;
    auto [ec, n] = co_await bhttp::async_read_header(sock, buffer, parser, use_tuple);
    conn.deadline = clock::time_point::max();
    conn.parser = nullptr;
    conn.state = connection::phase::busy;
    const auto start = clock::now();
    ctx.id.generate();
    if (ec) {
        if (ec == bhttp::error::header_limit)
            co_await fail(conn, sock, ctx, transport_error::headers_too_large, route_key_unmatched, route_unmatched,
                          bhttp::verb::unknown, 11, start, remote);
        else if (is_http_error(ec))
            co_await fail(conn, sock, ctx, transport_error::malformed_request, route_key_unmatched, route_unmatched,
                          bhttp::verb::unknown, 11, start, remote);
    } else {
        const auto& hdr = parser.get();
        const auto verb = hdr.method();
        const std::string_view target = sv(hdr.target());
        const auto host = redirect_host(sv(hdr[bhttp::field::host]));
        http_response res;
        if (!host || target.empty() || target.front() != '/') {
            res = error_response(map_error(transport_error::malformed_request));
        } else {
            const bool safe = verb == bhttp::verb::get || verb == bhttp::verb::head;
            res = http_response{safe ? bhttp::status::moved_permanently : bhttp::status::permanent_redirect, 11};
            const unsigned short port = cfg_.public_https_port ? cfg_.public_https_port : acceptor_port();
            std::string location = "https://" + *host;
            if (port != 443) location += ":" + std::to_string(port);
            location += target;
            res.set(bhttp::field::location, location);
            res.set(bhttp::field::content_type, "text/plain; charset=utf-8");
            res.body() = "Use " + location + "\n";
        }
        std::string out;
        if (co_await write_response(conn, sock, res, hdr.version(), false, verb == bhttp::verb::head, ctx.request_id(),
                                    out))
            co_await send_close(conn, sock);
        record(route_key_redirect, "redirect", verb, res.result_int(), start, ctx, remote);
    }
    conn.buffer = nullptr;
    conn.socket = nullptr;
    error_code ig;
    sock.socket().close(ig);
}

net::awaitable<http_response> server::impl::dispatch(request_context& ctx, const match_result& m,
                                                     std::uint32_t& route_key, std::string_view& route) {
    std::exception_ptr failure;
    if (m.status == match_status::found) {
        route_key = static_cast<std::uint32_t>(m.route_id);
        route = m.pattern;
        ctx.route = m.pattern;
        const auto& e = entries_[m.route_id];
        if (e.ws) {
            // A WebSocket route asked with plain HTTP.
            co_return error_response(map_error(transport_error::upgrade_required));
        }
        try {
            if (request_hook_) co_await request_hook_(ctx);
            co_return co_await e.rest(ctx);
        } catch (...) {
            failure = std::current_exception();
        }
        auto r = map_exception(failure);
        if (!r.internal_detail.empty()) log_error(ctx, route, r.internal_detail);
        co_return error_response(r);
    }
    if (m.status == match_status::method_not_allowed) {
        auto res = error_response(map_error(transport_error::method_not_allowed));
        res.set(bhttp::field::allow, m.allow);
        co_return res;
    }
    const auto verb = ctx.request.method();
    if (statics_ && (verb == bhttp::verb::get || verb == bhttp::verb::head)) {
        std::string_view inm;
        if (auto it = ctx.request.find(bhttp::field::if_none_match); it != ctx.request.end()) inm = sv(it->value());
        bool gzip_ok = false;
        if (auto it = ctx.request.find(bhttp::field::accept_encoding); it != ctx.request.end())
            gzip_ok = static_files::accepts_gzip(sv(it->value()));
        auto f = statics_->lookup(ctx.raw_path(), inm, gzip_ok);
        if (f.result != static_file_reply::kind::not_found) {
            route_key = route_key_static;
            route = route_static;
            const bool ok = f.result == static_file_reply::kind::ok;
            http_response res{ok ? bhttp::status::ok : bhttp::status::not_modified, 11};
            res.set(bhttp::field::etag, f.etag);
            res.set(bhttp::field::cache_control, f.cache_control);
            if (f.has_gzip_variant) res.set(bhttp::field::vary, "Accept-Encoding");
            if (ok && f.gzip) res.set(bhttp::field::content_encoding, "gzip");
            if (ok) {
                res.set(bhttp::field::content_type, f.mime);
                res.body() = std::move(f.body);
            }
            co_return res;
        }
    }
    co_return error_response(map_error(transport_error::not_found));
}

net::awaitable<void> server::impl::run_websocket(connection& conn, connection_stream& sock, websocket_upgrade& up) {
    auto& ctx = up.ctx;
    const auto& entry = *up.entry;
    const auto route_key = up.route_key;
    const auto& remote = up.remote;
    const auto start = up.start;
    const auto verb = ctx.request.method();
    std::exception_ptr refused;
    if (entry.authorize) {
        try {
            co_await entry.authorize(ctx);
        } catch (...) {
            refused = std::current_exception();
        }
    }
    if (refused || stopping_) {
        auto r = refused ? map_exception(refused)
                         : map_error(application::dependency_unavailable("server", "the server is shutting down"));
        if (!r.internal_detail.empty()) log_error(ctx, ctx.route, r.internal_detail);
        auto res = error_response(r);
        co_await write_and_linger(conn, sock, res, ctx.request.version(), ctx.request_id());
        record(route_key, ctx.route, verb, res.result_int(), start, ctx, remote);
        conn.socket = nullptr;
        conn.buffer = nullptr;
        co_return;
    }

    // From here on the WebSocket stream owns the socket and runs its own timeouts.
    conn.socket = nullptr;
    conn.buffer = nullptr;
    auto ws = std::make_shared<websocket_stream>(std::move(sock));
    conn.ws = ws;
    conn.state = connection::phase::websocket;
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeouts.handshake_timeout = 5s; // also bounds the close handshake on shutdown
    ws->set_option(timeouts);
    ws->read_message_max(cfg_.websocket_message_limit);
    const std::string rid(ctx.request_id());
    ws->set_option(websocket::stream_base::decorator([&rid](websocket::response_type& res) {
        res.set("X-Request-Id", rid);
        for (const auto& [name, value] : security_headers(false)) res.set(name, value);
    }));

    auto [aec] = co_await ws->async_accept(ctx.request, use_tuple);
    record(route_key, ctx.route, verb, aec ? 400u : 101u, start, ctx, remote);
    if (aec) {
        conn.ws.reset();
        co_return;
    }
    if (stopping_) {
        close_websocket(conn);
        conn.ws.reset();
        co_return;
    }

    websocket::close_reason reason{websocket::close_code::normal};
    std::exception_ptr failure;
    try {
        reason = co_await entry.ws(*ws, ctx);
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure) {
        auto r = map_exception(failure);
        log_error(ctx, ctx.route, r.internal_detail.empty() ? r.code : r.internal_detail);
        reason = websocket::close_reason{websocket::close_code::internal_error};
    }
    if (!conn.ws_closing && ws->is_open()) {
        conn.ws_closing = true;
        co_await ws->async_close(reason, use_tuple);
    }
    conn.ws.reset(); // a shutdown close still in flight keeps its own reference
}

net::awaitable<http_response> server::impl::readyz() {
    struct shared_state {
        explicit shared_state(net::any_io_executor ex, std::size_t n) : up(n, false), pending(n), done(ex) {}
        std::vector<bool> up;
        std::size_t pending;
        net::steady_timer done;
    };
    auto ex = co_await net::this_coro::executor;
    auto st = std::make_shared<shared_state>(ex, checks_.size());
    const auto timeout = cfg_.readiness_timeout;
    // Each check races its own timer; the outer timer also bounds checks that ignore
    // cancellation (their late result lands in `st`, which they keep alive).
    st->done.expires_after(timeout + 100ms);
    for (std::size_t i = 0; i < checks_.size(); ++i) {
        auto check = checks_[i].second;
        net::co_spawn(
            ex,
            [check, timeout]() -> net::awaitable<bool> {
                using namespace net::experimental::awaitable_operators;
                net::steady_timer t(co_await net::this_coro::executor);
                t.expires_after(timeout);
                auto r = co_await (check() || t.async_wait(net::use_awaitable));
                co_return r.index() == 0 && std::get<0>(r);
            },
            [st, i](std::exception_ptr e, bool ok) {
                st->up[i] = !e && ok;
                if (--st->pending == 0) st->done.cancel();
            });
    }
    if (st->pending > 0) co_await st->done.async_wait(use_tuple);

    nlohmann::ordered_json checks = nlohmann::ordered_json::object();
    std::string down;
    for (std::size_t i = 0; i < checks_.size(); ++i) {
        // A check still pending here timed out.
        bool up = st->up[i];
        checks[checks_[i].first] = up ? "up" : "down";
        if (!up) down += (down.empty() ? "" : ", ") + checks_[i].first;
    }
    nlohmann::ordered_json body;
    if (down.empty()) {
        body["status"] = "ready";
        body["checks"] = std::move(checks);
        co_return json_response(bhttp::status::ok, body.dump());
    }
    body["error"]["code"] = "not_ready";
    body["error"]["message"] = "not ready: " + down + " down";
    body["checks"] = std::move(checks);
    auto res = json_response(bhttp::status::service_unavailable, body.dump());
    res.set(bhttp::field::retry_after, "1");
    co_return res;
}

// ---------------------------------------------------------------------------------------
// server

server::server(net::any_io_executor ex, server_config config, metrics_registry& metrics)
    : impl_(std::make_shared<impl>(ex, std::move(config), metrics)) {
    auto* i = impl_.get();
    add_route(bhttp::verb::get, "/healthz", [](request_context&) -> net::awaitable<http_response> {
        co_return json_response(bhttp::status::ok, R"({"status":"ok"})");
    });
    add_route(bhttp::verb::get, "/readyz",
              [i](request_context&) -> net::awaitable<http_response> { return i->readyz(); });
    add_route(bhttp::verb::get, "/metrics", [i](request_context&) -> net::awaitable<http_response> {
        http_response res{bhttp::status::ok, 11};
        res.set(bhttp::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        res.body() = i->metrics_.render();
        co_return res;
    });
}

server::~server() = default;

void server::add_route(bhttp::verb verb, std::string_view pattern, handler h, std::optional<std::size_t> body_limit) {
    route_entry e;
    e.rest = std::move(h);
    e.body_limit = body_limit.value_or(0);
    impl_->add(verb, pattern, std::move(e));
}

void server::add_websocket_route(std::string_view pattern, websocket_handler h, websocket_authorizer authorize) {
    route_entry e;
    e.ws = std::move(h);
    e.authorize = std::move(authorize);
    impl_->add(bhttp::verb::get, pattern, std::move(e));
}

void server::add_readiness_check(std::string name, readiness_check check) {
    impl_->checks_.emplace_back(std::move(name), std::move(check));
}

void server::set_request_hook(request_hook hook) { impl_->request_hook_ = std::move(hook); }

void server::listen() { impl_->listen(); }

unsigned short server::port() const {
    error_code ec;
    return impl_->acceptor_.local_endpoint(ec).port();
}

unsigned short server::redirect_port() const {
    error_code ec;
    return impl_->redirect_acceptor_.is_open() ? impl_->redirect_acceptor_.local_endpoint(ec).port() : 0;
}

void server::set_tls_context(std::shared_ptr<net::ssl::context> ctx) {
    if (!ctx) return;
    net::dispatch(impl_->ex_, [self = impl_, ctx = std::move(ctx)]() mutable {
        if (self->tls_ctx_) self->tls_ctx_ = std::move(ctx);
    });
}

std::size_t server::open_connections() const noexcept { return impl_->conns_.size(); }

void server::stop(std::chrono::milliseconds deadline, std::function<void(bool)> on_stopped) {
    net::dispatch(impl_->ex_, [self = impl_, deadline, cb = std::move(on_stopped)]() mutable {
        self->stop(deadline, std::move(cb));
    });
}

} // namespace asistencia::transport::http
