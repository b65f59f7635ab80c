// The HTTP server over loopback with a real Beast client: keep-alive, limits (431/413),
// 404/405 bodies, error mapping, request ids, static files (MIME, ETag/304, traversal),
// /readyz, /metrics, the access log, WebSocket echo and graceful shutdown.
#include "asistencia/transport/http/server.hpp"

#include "asistencia/application/errors.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <sstream>
#include <thread>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace fs = std::filesystem;
using namespace asistencia::transport::http;
using boost::system::error_code;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
using client_response = bhttp::response<bhttp::string_body>;

// A blocking-style client on its own io_context; every operation has a timeout, so a
// misbehaving server fails the test instead of hanging it.
struct client {
    net::io_context ioc;
    beast::tcp_stream stream{ioc};
    beast::flat_buffer buffer;

    template <class Start>
    error_code run(Start start) {
        error_code result = net::error::would_block;
        stream.expires_after(10s);
        start([&](error_code ec, auto&&...) { result = ec; });
        ioc.restart();
        ioc.run();
        return result;
    }

    error_code connect(unsigned short port) {
        tcp::endpoint ep(net::ip::make_address("127.0.0.1"), port);
        return run([&](auto h) { stream.async_connect(ep, h); });
    }
    error_code send(std::string_view raw) {
        return run([&](auto h) { net::async_write(stream, net::buffer(raw.data(), raw.size()), h); });
    }
    std::pair<error_code, client_response> read(bool head = false) {
        bhttp::response_parser<bhttp::string_body> p;
        p.body_limit(16 * 1024 * 1024);
        p.skip(head); // a response to HEAD has no body (Beast parser option, not a skipped test)
        auto ec = run([&](auto h) { bhttp::async_read(stream, buffer, p, h); });
        return {ec, p.release()};
    }
    client_response exchange(std::string_view raw, bool head = false) {
        auto ec = send(raw);
        EXPECT_FALSE(ec) << ec.message();
        auto [rec, res] = read(head);
        EXPECT_FALSE(rec) << rec.message();
        return res;
    }
};

std::string get(std::string_view target, std::string_view extra_headers = "") {
    return "GET " + std::string(target) + " HTTP/1.1\r\nHost: localhost\r\n" + std::string(extra_headers) + "\r\n";
}

std::string post(std::string_view target, const std::string& body) {
    return "POST " + std::string(target) +
           " HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nContent-Type: application/octet-stream\r\n\r\n" + body;
}

nlohmann::json json_of(const client_response& r) { return nlohmann::json::parse(r.body()); }

void write_file(const fs::path& p, const std::string& content) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
}

struct http_server_test : ::testing::Test {
    net::io_context ioc;
    metrics_registry registry;
    metrics_registry other_registry; // for tests that replace `srv`
    std::unique_ptr<server> srv;
    std::thread io_thread;
    fs::path base;
    std::ostringstream log_text;
    std::shared_ptr<spdlog::logger> logger;
    std::promise<void> slow_started;
    std::chrono::milliseconds slow_for{300};
    bool check_ok[3] = {true, true, true};
    bool stopped = false;

    void SetUp() override {
        std::random_device rd;
        base = fs::temp_directory_path() / ("asistencia-http-" + std::to_string(rd()));
        write_file(base / "web" / "index.html", "<!doctype html><h1>Asistencia</h1>");
        write_file(base / "web" / "app.js", "console.log('hi')");
        write_file(base / "web" / "style.css", "body{}");
        write_file(base / "web" / "icon.svg", "<svg/>");
        write_file(base / "web" / "manifest.webmanifest", "{}");
        write_file(base / "secret.txt", "TOP SECRET");
        fs::create_symlink(base / "secret.txt", base / "web" / "leak.txt");
        fs::create_directory_symlink(base, base / "web" / "up");

        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text);
        logger = std::make_shared<spdlog::logger>("http-test", sink);
        logger->set_pattern("%v");
        logger->set_level(spdlog::level::info);

        server_config cfg;
        cfg.port = 0;
        cfg.static_root = base / "web";
        cfg.logger = logger;
        cfg.readiness_timeout = 200ms;
        srv = std::make_unique<server>(ioc.get_executor(), cfg, registry);
        add_routes();
    }

    void add_routes() {
        using bhttp::verb;
        srv->add_route(verb::get, "/api/echo/:id", [](request_context& ctx) -> net::awaitable<http_response> {
            nlohmann::json j;
            j["id"] = ctx.param("id");
            j["q"] = ctx.query("q").value_or("");
            j["route"] = ctx.route;
            j["requestId"] = ctx.request_id();
            co_return json_response(bhttp::status::ok, j.dump());
        });
        srv->add_route(verb::post, "/api/echo/:id", [](request_context&) -> net::awaitable<http_response> {
            co_return json_response(bhttp::status::created, "{}");
        });
        srv->add_route(verb::post, "/api/upload", [](request_context& ctx) -> net::awaitable<http_response> {
            nlohmann::json j{{"size", ctx.request.body().size()}};
            co_return json_response(bhttp::status::ok, j.dump());
        });
        srv->add_route(
            verb::post, "/api/big",
            [](request_context& ctx) -> net::awaitable<http_response> {
                nlohmann::json j{{"size", ctx.request.body().size()}};
                co_return json_response(bhttp::status::ok, j.dump());
            },
            256 * 1024);
        srv->add_route(verb::get, "/api/fail", [](request_context&) -> net::awaitable<http_response> {
            throw std::runtime_error("db password=hunter2 leaked");
            co_return http_response{};
        });
        srv->add_route(verb::get, "/api/conflict", [](request_context&) -> net::awaitable<http_response> {
            throw asistencia::application::rate_limited("rate_limited", "slow down", 7);
            co_return http_response{};
        });
        srv->add_route(verb::get, "/api/slow", [this](request_context&) -> net::awaitable<http_response> {
            slow_started.set_value();
            net::steady_timer t(co_await net::this_coro::executor);
            t.expires_after(slow_for);
            co_await t.async_wait(net::use_awaitable);
            co_return json_response(bhttp::status::ok, R"({"slow":true})");
        });
        srv->add_websocket_route("/ws/echo",
                                 [](websocket_stream& ws, request_context&) -> net::awaitable<websocket::close_reason> {
                                     beast::flat_buffer buf;
                                     for (;;) {
                                         auto [ec, n] = co_await ws.async_read(buf, use_tuple);
                                         if (ec) break;
                                         ws.text(ws.got_text());
                                         auto [wec, wn] = co_await ws.async_write(buf.data(), use_tuple);
                                         if (wec) break;
                                         buf.consume(buf.size());
                                     }
                                     co_return websocket::close_reason{websocket::close_code::normal};
                                 });
        srv->add_websocket_route(
            "/ws/private",
            [](websocket_stream&, request_context&) -> net::awaitable<websocket::close_reason> {
                co_return websocket::close_reason{websocket::close_code::normal};
            },
            [](const request_context&) -> net::awaitable<void> {
                throw asistencia::application::forbidden("origin_not_allowed", "bad origin");
                co_return;
            });
    }

    void start() {
        srv->listen();
        io_thread = std::thread([this] { ioc.run(); });
    }

    // Stops the server and waits for it; returns the `clean` flag.
    bool stop(std::chrono::milliseconds deadline = 2s) {
        std::promise<bool> done;
        srv->stop(deadline, [&](bool clean) { done.set_value(clean); });
        bool clean = done.get_future().get();
        io_thread.join();
        stopped = true;
        return clean;
    }

    // Returns once everything posted to the server's io_context before now has run.
    void barrier() {
        std::promise<void> p;
        net::post(ioc, [&] { p.set_value(); });
        p.get_future().get();
    }

    void TearDown() override {
        if (!stopped && io_thread.joinable()) stop();
        std::error_code ec;
        fs::remove_all(base, ec);
    }
};

TEST_F(http_server_test, healthz_and_keep_alive_on_one_connection) {
    start();
    client c;
    ASSERT_FALSE(c.connect(srv->port()));
    for (int i = 0; i < 3; ++i) {
        auto res = c.exchange(get("/healthz"));
        EXPECT_EQ(res.result_int(), 200);
        EXPECT_EQ(res.body(), R"({"status":"ok"})");
        EXPECT_EQ(res[bhttp::field::content_type], "application/json");
        EXPECT_TRUE(res.keep_alive());
        EXPECT_EQ(res["X-Request-Id"].size(), 16u);
    }
    // Pipelined requests on the same connection are answered in order.
    ASSERT_FALSE(c.send(get("/api/echo/1") + get("/api/echo/2")));
    auto [e1, r1] = c.read();
    auto [e2, r2] = c.read();
    ASSERT_FALSE(e1);
    ASSERT_FALSE(e2);
    EXPECT_EQ(json_of(r1)["id"], "1");
    EXPECT_EQ(json_of(r2)["id"], "2");
    // "Connection: close" is honoured.
    auto last = c.exchange(get("/healthz", "Connection: close\r\n"));
    EXPECT_FALSE(last.keep_alive());
    auto [eof, none] = c.read();
    EXPECT_EQ(eof, bhttp::error::end_of_stream);
}

TEST_F(http_server_test, path_and_query_parameters_and_request_id) {
    start();
    client c;
    ASSERT_FALSE(c.connect(srv->port()));
    auto res = c.exchange(get("/api/echo/a%20b?q=x%26y&z=1", "X-Request-Id: my-id-42\r\n"));
    ASSERT_EQ(res.result_int(), 200);
    auto j = json_of(res);
    EXPECT_EQ(j["id"], "a b");
    EXPECT_EQ(j["q"], "x&y");
    EXPECT_EQ(j["route"], "/api/echo/:id");
    EXPECT_EQ(j["requestId"], "my-id-42");
    EXPECT_EQ(res["X-Request-Id"], "my-id-42");

    // An insane incoming id is replaced by a generated one.
    res = c.exchange(get("/api/echo/1", "X-Request-Id: bad id\"{}\r\n"));
    EXPECT_EQ(res["X-Request-Id"].size(), 16u);
    EXPECT_EQ(json_of(res)["requestId"], std::string(res["X-Request-Id"]));
}

TEST_F(http_server_test, not_found_and_method_not_allowed_are_json) {
    start();
    client c;
    ASSERT_FALSE(c.connect(srv->port()));
    auto res = c.exchange(get("/api/nope"));
    EXPECT_EQ(res.result_int(), 404);
    EXPECT_EQ(res[bhttp::field::content_type], "application/json");
    EXPECT_EQ(json_of(res)["error"]["code"], "not_found");

    res = c.exchange("DELETE /api/echo/5 HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(res.result_int(), 405);
    EXPECT_EQ(json_of(res)["error"]["code"], "method_not_allowed");
    EXPECT_EQ(res[bhttp::field::allow], "GET, POST, HEAD");
    EXPECT_TRUE(res.keep_alive()); // a 405 does not cost the connection

    res = c.exchange(post("/healthz", "x"));
    EXPECT_EQ(res.result_int(), 405);
    EXPECT_EQ(res[bhttp::field::allow], "GET, HEAD");
}

TEST_F(http_server_test, handler_errors_are_mapped) {
    start();
    client c;
    ASSERT_FALSE(c.connect(srv->port()));
    auto res = c.exchange(get("/api/fail"));
    EXPECT_EQ(res.result_int(), 500);
    EXPECT_EQ(json_of(res)["error"]["code"], "internal_error");
    EXPECT_EQ(res.body().find("hunter2"), std::string::npos);

    res = c.exchange(get("/api/conflict"));
    EXPECT_EQ(res.result_int(), 429);
    EXPECT_EQ(json_of(res)["error"]["code"], "rate_limited");
    EXPECT_EQ(res[bhttp::field::retry_after], "7");

    // The detail is logged with the request id, never sent.
    std::string rid(res["X-Request-Id"]);
    stop();
    EXPECT_NE(log_text.str().find("hunter2"), std::string::npos);
}

TEST_F(http_server_test, header_over_8_kib_is_431) {
    start();
    client c;
    ASSERT_FALSE(c.connect(srv->port()));
    auto res = c.exchange(get("/healthz", "X-Big: " + std::string(9 * 1024, 'a') + "\r\n"));
    EXPECT_EQ(res.result_int(), 431);
    EXPECT_EQ(json_of(res)["error"]["code"], "headers_too_large");
    EXPECT_FALSE(res.keep_alive());

    client ok;
    ASSERT_FALSE(ok.connect(srv->port()));
    EXPECT_EQ(ok.exchange(get("/healthz", "X-Big: " + std::string(6 * 1024, 'a') + "\r\n")).result_int(), 200);
}

TEST_F(http_server_test, body_limits_default_and_per_route) {
    start();
    {
        client c;
        ASSERT_FALSE(c.connect(srv->port()));
        auto res = c.exchange(post("/api/upload", std::string(60 * 1024, 'x')));
        EXPECT_EQ(res.result_int(), 200);
        EXPECT_EQ(json_of(res)["size"], 60 * 1024);
    }
    {
        client c;
        ASSERT_FALSE(c.connect(srv->port()));
        auto res = c.exchange(post("/api/upload", std::string(70 * 1024, 'x')));
        EXPECT_EQ(res.result_int(), 413);
        EXPECT_EQ(json_of(res)["error"]["code"], "payload_too_large");
    }
    {
        client c;
        ASSERT_FALSE(c.connect(srv->port()));
        auto res = c.exchange(post("/api/big", std::string(200 * 1024, 'x')));
        EXPECT_EQ(res.result_int(), 200);
        EXPECT_EQ(json_of(res)["size"], 200 * 1024);
    }
    {
        client c;
        ASSERT_FALSE(c.connect(srv->port()));
        auto res = c.exchange(post("/api/big", std::string(300 * 1024, 'x')));
        EXPECT_EQ(res.result_int(), 413);
    }
    {
        // Chunked: no Content-Length up front, the limit trips while reading.
        client c;
        ASSERT_FALSE(c.connect(srv->port()));
        std::string chunk(40 * 1024, 'y');
        char size_line[32];
        std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size());
        std::string req = "POST /api/upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (int i = 0; i < 2; ++i) req += size_line + chunk + "\r\n";
        req += "0\r\n\r\n";
        auto res = c.exchange(req);
        EXPECT_EQ(res.result_int(), 413);
    }
    {
        // Expect: 100-continue gets the interim answer, then the final one.
        client c;
        ASSERT_FALSE(c.connect(srv->port()));
        ASSERT_FALSE(
            c.send("POST /api/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                   "Expect: 100-continue\r\n\r\n"));
        auto [ec, interim] = c.read();
        ASSERT_FALSE(ec);
        EXPECT_EQ(interim.result_int(), 100);
        auto res = c.exchange("abc");
        EXPECT_EQ(res.result_int(), 200);
        EXPECT_EQ(json_of(res)["size"], 3);
    }
}

TEST_F(http_server_test, malformed_requests_are_400) {
    start();
    for (std::string raw :
         {std::string("GARBAGE\r\n\r\n"), std::string("GET http://evil/x HTTP/1.1\r\nHost: x\r\n\r\n"),
          std::string("GET ../x HTTP/1.1\r\nHost: x\r\n\r\n"),
          std::string("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n")}) {
        client c;
        ASSERT_FALSE(c.connect(srv->port()));
        auto res = c.exchange(raw);
        EXPECT_EQ(res.result_int(), 400) << raw;
        EXPECT_EQ(json_of(res)["error"]["code"], "bad_request") << raw;
    }
}

TEST_F(http_server_test, static_files_mime_etag_and_304) {
    start();
    client c;
    ASSERT_FALSE(c.connect(srv->port()));
    auto res = c.exchange(get("/"));
    ASSERT_EQ(res.result_int(), 200);
    EXPECT_EQ(res.body(), "<!doctype html><h1>Asistencia</h1>");
    EXPECT_EQ(res[bhttp::field::content_type], "text/html; charset=utf-8");
    EXPECT_EQ(res[bhttp::field::cache_control], "no-cache");

    res = c.exchange(get("/app.js"));
    ASSERT_EQ(res.result_int(), 200);
    EXPECT_EQ(res[bhttp::field::content_type], "text/javascript; charset=utf-8");
    EXPECT_EQ(res[bhttp::field::cache_control], "public, max-age=300");
    std::string etag(res[bhttp::field::etag]);
    ASSERT_FALSE(etag.empty());

    res = c.exchange(get("/app.js", "If-None-Match: " + etag + "\r\n"));
    EXPECT_EQ(res.result_int(), 304);
    EXPECT_TRUE(res.body().empty());
    EXPECT_EQ(res[bhttp::field::etag], etag);

    EXPECT_EQ(c.exchange(get("/style.css"))[bhttp::field::content_type], "text/css; charset=utf-8");
    EXPECT_EQ(c.exchange(get("/icon.svg"))[bhttp::field::content_type], "image/svg+xml");
    EXPECT_EQ(c.exchange(get("/manifest.webmanifest"))[bhttp::field::content_type], "application/manifest+json");

    // HEAD: same headers, no body.
    res = c.exchange("HEAD /app.js HTTP/1.1\r\nHost: x\r\n\r\n", true);
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_EQ(res[bhttp::field::content_length], std::to_string(std::string("console.log('hi')").size()));
    EXPECT_TRUE(res.body().empty());
    // The connection is still in sync after the HEAD.
    EXPECT_EQ(c.exchange(get("/healthz")).result_int(), 200);

    // Static files answer GET/HEAD only.
    EXPECT_EQ(c.exchange(post("/app.js", "")).result_int(), 404);
}

// Every response carries the browser hardening headers (docs/http.md): API answers,
// static files, errors from handlers, routing and the parser. no-store on all but the
// static files (which keep their ETag caching); no HSTS over plain http.
TEST_F(http_server_test, security_headers_on_every_response) {
    start();
    const auto check = [](const client_response& res, bool api, const char* what) {
        EXPECT_EQ(res["Content-Security-Policy"], std::string(content_security_policy)) << what;
        EXPECT_EQ(res["Referrer-Policy"], "no-referrer") << what;
        EXPECT_EQ(res["X-Content-Type-Options"], "nosniff") << what;
        EXPECT_EQ(res.count("Strict-Transport-Security"), 0u) << what;
        if (api) {
            EXPECT_EQ(res[bhttp::field::cache_control], "no-store") << what;
        }
        EXPECT_EQ(res.count(bhttp::field::cache_control), 1u) << what;
        EXPECT_EQ(res.count("X-Content-Type-Options"), 1u) << what;
    };
    client c;
    ASSERT_FALSE(c.connect(srv->port()));
    check(c.exchange(get("/healthz")), true, "healthz");
    check(c.exchange(get("/api/echo/5")), true, "api");
    check(c.exchange(get("/api/nope")), true, "404");
    check(c.exchange(get("/api/fail")), true, "500");
    check(c.exchange(get("/api/conflict")), true, "429");
    auto page = c.exchange(get("/"));
    check(page, false, "static page");
    EXPECT_EQ(page[bhttp::field::cache_control], "no-cache");
    check(c.exchange(get("/app.js")), false, "static script");
    client big;
    ASSERT_FALSE(big.connect(srv->port()));
    check(big.exchange(get("/healthz", "X-Big: " + std::string(9000, 'a') + "\r\n")), true, "431");
}

TEST_F(http_server_test, traversal_attempts_are_refused) {
    start();
    for (const char* target :
         {"/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/.%2e/secret.txt", "/%2e%2e%2fsecret.txt",
          "/..%2fsecret.txt", "/..%5csecret.txt", "/..\\secret.txt", "//secret.txt", "/leak.txt", "/up/secret.txt",
          "/app.js%00", "/%00", "/.%2e/.%2e/etc/passwd", "/%2fetc%2fpasswd"}) {
        client c;
        ASSERT_FALSE(c.connect(srv->port()));
        auto res = c.exchange(get(target));
        EXPECT_TRUE(res.result_int() == 404 || res.result_int() == 400) << target;
        EXPECT_EQ(res.body().find("TOP SECRET"), std::string::npos) << target;
        EXPECT_EQ(res.body().find("Asistencia"), std::string::npos) << target;
    }
}

TEST_F(http_server_test, readyz_all_up) {
    srv->add_readiness_check("postgres", []() -> net::awaitable<bool> { co_return true; });
    srv->add_readiness_check("valkey", []() -> net::awaitable<bool> { co_return true; });
    start();
    client c;
    ASSERT_FALSE(c.connect(srv->port()));
    auto res = c.exchange(get("/readyz"));
    EXPECT_EQ(res.result_int(), 200);
    auto j = json_of(res);
    EXPECT_EQ(j["status"], "ready");
    EXPECT_EQ(j["checks"]["postgres"], "up");
    EXPECT_EQ(j["checks"]["valkey"], "up");
}

TEST_F(http_server_test, readyz_names_what_is_down) {
    srv->add_readiness_check("postgres", []() -> net::awaitable<bool> { co_return true; });
    srv->add_readiness_check("valkey", []() -> net::awaitable<bool> {
        throw std::runtime_error("connection refused");
        co_return true;
    });
    // Ignores the deadline: must count as down without holding /readyz up.
    srv->add_readiness_check("php", []() -> net::awaitable<bool> {
        net::steady_timer t(co_await net::this_coro::executor);
        t.expires_after(1h);
        co_await t.async_wait(net::use_awaitable);
        co_return true;
    });
    start();
    client c;
    ASSERT_FALSE(c.connect(srv->port()));
    auto res = c.exchange(get("/readyz"));
    EXPECT_EQ(res.result_int(), 503);
    auto j = json_of(res);
    EXPECT_EQ(j["error"]["code"], "not_ready");
    auto msg = j["error"]["message"].get<std::string>();
    EXPECT_NE(msg.find("valkey"), std::string::npos);
    EXPECT_NE(msg.find("php"), std::string::npos);
    EXPECT_EQ(msg.find("postgres"), std::string::npos);
    EXPECT_EQ(j["checks"]["postgres"], "up");
    EXPECT_EQ(j["checks"]["valkey"], "down");
    EXPECT_EQ(j["checks"]["php"], "down");
    EXPECT_FALSE(res[bhttp::field::retry_after].empty());
}

TEST_F(http_server_test, metrics_and_access_log) {
    double pool_in_use = 3;
    registry.add_gauge_callback("asistencia_db_pool_in_use", "DB connections in use", [&] { return pool_in_use; });
    start();
    client c;
    ASSERT_FALSE(c.connect(srv->port()));
    c.exchange(get("/healthz", "Authorization: Bearer SECRET-TOKEN\r\n"));
    c.exchange(get("/api/echo/123"));
    c.exchange(get("/no/such/path/xyz"));
    auto res = c.exchange(get("/metrics"));
    ASSERT_EQ(res.result_int(), 200);
    EXPECT_EQ(res[bhttp::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
    const auto& text = res.body();
    EXPECT_NE(text.find("asistencia_http_requests_total{method=\"GET\",route=\"/healthz\","
                        "status=\"200\"} 1\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("asistencia_http_requests_total{method=\"GET\",route=\"/api/echo/:id\","
                        "status=\"200\"} 1\n"),
              std::string::npos);
    EXPECT_NE(text.find("route=\"unmatched\",status=\"404\""), std::string::npos);
    EXPECT_EQ(text.find("/no/such/path"), std::string::npos); // raw paths never become labels
    EXPECT_NE(text.find("asistencia_http_request_duration_seconds_bucket{route=\"/healthz\","
                        "status=\"200\",le=\"+Inf\"} 1\n"),
              std::string::npos);
    EXPECT_NE(text.find("asistencia_http_open_connections 1\n"), std::string::npos);
    EXPECT_NE(text.find("asistencia_db_pool_in_use 3\n"), std::string::npos);

    stop();
    std::istringstream lines(log_text.str());
    std::string line;
    int requests = 0;
    bool saw_pattern = false;
    while (std::getline(lines, line)) {
        auto j = nlohmann::json::parse(line); // every line is one JSON object
        if (j["msg"] != "request") continue;
        ++requests;
        for (const char* key : {"ts", "level", "method", "route", "status", "duration_ms", "request_id", "remote"})
            EXPECT_TRUE(j.contains(key)) << key << " in " << line;
        if (j["route"] == "/api/echo/:id") saw_pattern = true;
        EXPECT_NE(j["route"], "/no/such/path/xyz");
    }
    EXPECT_EQ(requests, 4);
    EXPECT_TRUE(saw_pattern);
    EXPECT_EQ(log_text.str().find("SECRET-TOKEN"), std::string::npos);
}

struct ws_client {
    net::io_context ioc;
    websocket::stream<beast::tcp_stream> ws{ioc};

    template <class Start>
    error_code run(Start start) {
        error_code result = net::error::would_block;
        beast::get_lowest_layer(ws).expires_after(10s);
        start([&](error_code ec, auto&&...) { result = ec; });
        ioc.restart();
        ioc.run();
        return result;
    }
    error_code connect(unsigned short port, std::string_view path) {
        tcp::endpoint ep(net::ip::make_address("127.0.0.1"), port);
        if (auto ec = run([&](auto h) { beast::get_lowest_layer(ws).async_connect(ep, h); })) return ec;
        auto ec = run([&](auto h) { ws.async_handshake("localhost", path, h); });
        beast::get_lowest_layer(ws).expires_never();
        return ec;
    }
    std::pair<error_code, std::string> read() {
        beast::flat_buffer buf;
        auto ec = run([&](auto h) { ws.async_read(buf, h); });
        return {ec, beast::buffers_to_string(buf.data())};
    }
    error_code write(std::string_view s) {
        return run([&](auto h) { ws.async_write(net::buffer(s.data(), s.size()), h); });
    }
};

TEST_F(http_server_test, websocket_echo_and_refused_upgrade) {
    start();
    ws_client w;
    ASSERT_FALSE(w.connect(srv->port(), "/ws/echo"));
    ASSERT_FALSE(w.write("ping-123"));
    auto [ec, text] = w.read();
    ASSERT_FALSE(ec);
    EXPECT_EQ(text, "ping-123");

    ws_client refused;
    auto rec = refused.connect(srv->port(), "/ws/private");
    EXPECT_EQ(rec, websocket::error::upgrade_declined);

    // Plain HTTP to a WebSocket route.
    client c;
    ASSERT_FALSE(c.connect(srv->port()));
    EXPECT_EQ(c.exchange(get("/ws/echo")).result_int(), 426);
}

TEST_F(http_server_test, idle_and_stalled_connections_time_out) {
    server_config cfg;
    cfg.port = 0;
    cfg.logger = logger;
    cfg.idle_timeout = 100ms;
    cfg.read_timeout = 100ms;
    srv = std::make_unique<server>(ioc.get_executor(), cfg, other_registry);
    start();
    client kept;
    ASSERT_FALSE(kept.connect(srv->port()));
    ASSERT_EQ(kept.exchange(get("/healthz")).result_int(), 200);
    auto [ec, none] = kept.read(); // nothing more is sent: the server hangs up
    EXPECT_EQ(ec, bhttp::error::end_of_stream);

    client stalled;
    ASSERT_FALSE(stalled.connect(srv->port()));
    ASSERT_FALSE(stalled.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")); // header unfinished
    auto [sec, snone] = stalled.read();
    EXPECT_EQ(sec, bhttp::error::end_of_stream);
}

TEST_F(http_server_test, graceful_shutdown_finishes_in_flight_and_closes_the_rest) {
    start();
    // A WebSocket client, proven live by one echo.
    ws_client w;
    ASSERT_FALSE(w.connect(srv->port(), "/ws/echo"));
    ASSERT_FALSE(w.write("before"));
    ASSERT_EQ(w.read().second, "before");
    // An idle keep-alive connection.
    client idle;
    ASSERT_FALSE(idle.connect(srv->port()));
    ASSERT_EQ(idle.exchange(get("/healthz")).result_int(), 200);
    // A request in flight.
    client busy;
    ASSERT_FALSE(busy.connect(srv->port()));
    ASSERT_FALSE(busy.send(get("/api/slow")));
    slow_started.get_future().get();

    std::promise<bool> done;
    auto stopped_future = done.get_future();
    srv->stop(10s, [&](bool clean) { done.set_value(clean); });
    barrier(); // stop() has run: the acceptor is closed

    client late;
    EXPECT_TRUE(late.connect(srv->port())) << "new connections must be refused";

    auto [ec, res] = busy.read();
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_EQ(res.body(), R"({"slow":true})");
    EXPECT_FALSE(res.keep_alive()); // Connection: close while stopping

    auto [idle_ec, idle_res] = idle.read();
    EXPECT_EQ(idle_ec, bhttp::error::end_of_stream);

    auto [wec, wtext] = w.read();
    EXPECT_EQ(wec, websocket::error::closed);
    EXPECT_EQ(w.ws.reason().code, websocket::close_code::service_restart);

    EXPECT_TRUE(stopped_future.get()); // clean: nothing had to be cancelled
    io_thread.join();
    stopped = true;
    EXPECT_EQ(srv->open_connections(), 0u);
}

TEST_F(http_server_test, shutdown_deadline_cancels_what_is_left) {
    slow_for = 1h;
    start();
    client busy;
    ASSERT_FALSE(busy.connect(srv->port()));
    ASSERT_FALSE(busy.send(get("/api/slow")));
    slow_started.get_future().get();
    EXPECT_FALSE(stop(100ms)); // not clean: the slow handler had to be cancelled
    auto [ec, res] = busy.read();
    EXPECT_TRUE(ec); // the connection was cut, no answer
}

} // namespace
