// HTTPS in the server over loopback with a real OpenSSL client: TLS 1.2/1.3 accepted and
// TLS 1.1 refused, ALPN http/1.1, HSTS on secure responses only, the redirect-only plain
// port, a certificate swap that new connections see while an open one keeps working, WSS,
// and X-Forwarded-* believed from a trusted proxy only.
#include "asistencia/transport/http/tls.hpp"
#include "asistencia/transport/http/server.hpp"

#include "tls_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>
#include <thread>

namespace {

using namespace tls_test;
using namespace asistencia::transport::http;
namespace websocket = boost::beast::websocket;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

test_pki& pki() {
    static test_pki p;
    return p;
}

struct tls_server_test : ::testing::Test {
    net::io_context ioc;
    metrics_registry registry;
    std::unique_ptr<server> srv;
    std::thread io_thread;
    std::optional<test_pki::leaf> leaf_a, leaf_b;
    std::ostringstream log_text;

    void SetUp() override {
        ASSERT_TRUE(pki().ok()) << "openssl could not make the test CA";
        leaf_a = pki().make_leaf("a", "A1");
        leaf_b = pki().make_leaf("b", "B2");
        ASSERT_TRUE(leaf_a && leaf_b);
    }

    void start(server_config cfg) {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text);
        auto logger = std::make_shared<spdlog::logger>("tls-test", sink);
        logger->set_pattern("%v");
        cfg.logger = logger;
        cfg.port = 0;
        srv = std::make_unique<server>(ioc.get_executor(), std::move(cfg), registry);
        srv->add_route(bhttp::verb::get, "/api/whoami", [](request_context& ctx) -> net::awaitable<http_response> {
            nlohmann::json j{{"remote", ctx.remote.address().to_string()},
                             {"peer", ctx.peer.address().to_string()},
                             {"secure", ctx.secure},
                             {"tls", ctx.tls}};
            co_return json_response(bhttp::status::ok, j.dump());
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
        srv->listen();
        io_thread = std::thread([this] { ioc.run(); });
    }

    server_config tls_config() {
        server_config cfg;
        cfg.tls = make_tls_context({leaf_a->cert, leaf_a->key});
        return cfg;
    }

    void TearDown() override {
        if (srv) {
            std::promise<void> stopped;
            srv->stop(2s, [&](bool) { stopped.set_value(); });
            stopped.get_future().wait_for(10s);
        }
        ioc.stop();
        if (io_thread.joinable()) io_thread.join();
    }
};

TEST_F(tls_server_test, ServesTls12And13WithAlpnHttp11AndHsts) {
    start(tls_config());
    for (int max : {TLS1_2_VERSION, TLS1_3_VERSION}) {
        tls_client c(pki().ca(), {.alpn = "h2,http/1.1", .max_version = max});
        ASSERT_FALSE(c.connect(srv->port())) << "max version " << max;
        EXPECT_EQ(c.version(), max == TLS1_2_VERSION ? "TLSv1.2" : "TLSv1.3");
        EXPECT_EQ(c.alpn(), "http/1.1");
        EXPECT_EQ(c.peer_serial(), "A1");
        auto res = c.get("/api/whoami");
        ASSERT_TRUE(res);
        EXPECT_EQ(res->result_int(), 200u);
        EXPECT_EQ((*res)[bhttp::field::strict_transport_security], "max-age=31536000");
        auto j = nlohmann::json::parse(res->body());
        EXPECT_EQ(j["tls"], true);
        EXPECT_EQ(j["secure"], true);
        EXPECT_EQ(j["remote"], "127.0.0.1");
    }
    // Static files and 404s too: HSTS is on every response of the secure origin.
    tls_client c(pki().ca());
    ASSERT_FALSE(c.connect(srv->port()));
    auto res = c.get("/nothing-here");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result_int(), 404u);
    EXPECT_FALSE((*res)[bhttp::field::strict_transport_security].empty());
    EXPECT_EQ(c.alpn(), "") << "no ALPN offered, none selected";
}

TEST_F(tls_server_test, RefusesTls11AndClientsWithoutHttp11) {
    start(tls_config());
    tls_client old(pki().ca(), {.alpn = "", .min_version = TLS1_1_VERSION, .max_version = TLS1_1_VERSION});
    EXPECT_TRUE(old.connect(srv->port())) << "a TLS 1.1 handshake must fail";

    tls_client h2only(pki().ca(), {.alpn = "h2"});
    EXPECT_TRUE(h2only.connect(srv->port())) << "no common ALPN protocol: no_application_protocol";

    // The server is still fine afterwards, and counted both failures.
    tls_client ok(pki().ca());
    ASSERT_FALSE(ok.connect(srv->port()));
    ASSERT_TRUE(ok.get("/healthz"));
    auto metrics = ok.get("/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_NE(metrics->body().find("asistencia_tls_handshakes_total{result=\"failed\"} 2"), std::string::npos)
        << metrics->body();
}

TEST_F(tls_server_test, PlainHttpOnTheTlsPortGetsNoAnswer) {
    start(tls_config());
    net::io_context io;
    beast::tcp_stream s(io);
    s.expires_after(10s);
    s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), srv->port()));
    bhttp::request<bhttp::string_body> req{bhttp::verb::get, "/healthz", 11};
    req.set(bhttp::field::host, "asistencia.test");
    bhttp::write(s, req);
    beast::flat_buffer buf;
    bhttp::response<bhttp::string_body> res;
    error_code ec;
    bhttp::read(s, buf, res, ec);
    EXPECT_TRUE(ec) << "an HTTP answer in clear text on the TLS port: " << res.result_int();
}

TEST_F(tls_server_test, RedirectPortSendsEverythingToHttps) {
    auto cfg = tls_config();
    cfg.redirect_port = 0; // any free port
    start(std::move(cfg));
    const auto rport = srv->redirect_port();
    ASSERT_NE(rport, 0);
    auto exchange = [&](const std::string& raw) {
        net::io_context io;
        beast::tcp_stream s(io);
        s.expires_after(10s);
        s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), rport));
        net::write(s, net::buffer(raw));
        beast::flat_buffer buf;
        bhttp::response<bhttp::string_body> res;
        bhttp::read(s, buf, res);
        return res;
    };
    const std::string tls_port = std::to_string(srv->port());
    auto get = exchange("GET /alumno.html?x=1 HTTP/1.1\r\nHost: asistencia.test:8080\r\n\r\n");
    EXPECT_EQ(get.result_int(), 301u);
    EXPECT_EQ(get[bhttp::field::location], "https://asistencia.test:" + tls_port + "/alumno.html?x=1");
    EXPECT_TRUE(get[bhttp::field::strict_transport_security].empty()) << "HSTS means nothing over http";

    auto post = exchange("POST /api/enrollment/begin HTTP/1.1\r\nHost: asistencia.test\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(post.result_int(), 308u) << "a POST keeps its method";
    EXPECT_EQ(post[bhttp::field::location], "https://asistencia.test:" + tls_port + "/api/enrollment/begin");

    // The API is not served in clear text, even a route that exists.
    auto api = exchange("GET /api/whoami HTTP/1.1\r\nHost: asistencia.test\r\n\r\n");
    EXPECT_EQ(api.result_int(), 301u);

    auto bad = exchange("GET / HTTP/1.1\r\nHost: evil.example/@x\r\n\r\n");
    EXPECT_EQ(bad.result_int(), 400u) << "a Host that is not a host name is not echoed into Location";
    auto v6 = exchange("GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n");
    EXPECT_EQ(v6[bhttp::field::location], "https://[::1]:" + tls_port + "/");
}

TEST_F(tls_server_test, PublicPortInRedirectsAnd443LeftOut) {
    auto cfg = tls_config();
    cfg.redirect_port = 0;
    cfg.public_https_port = 443;
    start(std::move(cfg));
    net::io_context io;
    beast::tcp_stream s(io);
    s.expires_after(10s);
    s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), srv->redirect_port()));
    net::write(s, net::buffer(std::string("GET /profesor.html HTTP/1.1\r\nHost: asistencia.test\r\n\r\n")));
    beast::flat_buffer buf;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(s, buf, res);
    EXPECT_EQ(res[bhttp::field::location], "https://asistencia.test/profesor.html");
}

TEST_F(tls_server_test, NewCertificateForNewConnectionsOpenOneKeepsWorking) {
    start(tls_config());
    tls_client before(pki().ca());
    ASSERT_FALSE(before.connect(srv->port()));
    ASSERT_TRUE(before.get("/healthz"));
    EXPECT_EQ(before.peer_serial(), "A1");

    srv->set_tls_context(make_tls_context({leaf_b->cert, leaf_b->key}));
    std::string serial;
    for (int i = 0; i < 50 && serial != "B2"; ++i) { // the swap is posted to the server's thread
        tls_client after(pki().ca());
        ASSERT_FALSE(after.connect(srv->port()));
        serial = after.peer_serial();
        if (serial != "B2") std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(serial, "B2") << "new connections must get the new certificate";

    auto again = before.get("/api/whoami");
    ASSERT_TRUE(again) << "the connection opened before the swap was dropped";
    EXPECT_EQ(again->result_int(), 200u);
    EXPECT_EQ(before.peer_serial(), "A1");
}

TEST_F(tls_server_test, MismatchedKeyIsRefusedNamingTheFile) {
    try {
        (void)make_tls_context({leaf_a->cert, leaf_b->key});
        FAIL() << "a key that does not match the certificate was accepted";
    } catch (const tls_error& e) {
        EXPECT_NE(std::string(e.what()).find("does not match"), std::string::npos) << e.what();
    }
    try {
        (void)make_tls_context({pki().dir().string() + "/missing.pem", leaf_a->key});
        FAIL() << "a missing certificate file was accepted";
    } catch (const tls_error& e) {
        EXPECT_NE(std::string(e.what()).find("TLS_CERT_FILE"), std::string::npos) << e.what();
    }
}

TEST_F(tls_server_test, WebSocketOverTls) {
    start(tls_config());
    tls_client c(pki().ca());
    ASSERT_FALSE(c.connect(srv->port()));
    websocket::stream<ssl::stream<tcp::socket>&> ws(c.stream());
    auto ec = c.run([&](auto h) { ws.async_handshake("asistencia.test", "/ws/echo", h); });
    ASSERT_FALSE(ec) << ec.message();
    ws.text(true);
    std::string msg = "hola por wss";
    ec = c.run([&](auto h) { ws.async_write(net::buffer(msg), h); });
    ASSERT_FALSE(ec) << ec.message();
    beast::flat_buffer buf;
    ec = c.run([&](auto h) { ws.async_read(buf, h); });
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(beast::buffers_to_string(buf.data()), msg);
    ec = c.run([&](auto h) { ws.async_close(websocket::close_code::normal, h); });
    EXPECT_FALSE(ec) << ec.message();
}

// Plain HTTP with proxies configured: the headers count only from a trusted peer.
struct forwarded_test : tls_server_test {
    nlohmann::json whoami(const std::string& extra) {
        net::io_context io;
        beast::tcp_stream s(io);
        s.expires_after(10s);
        s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), srv->port()));
        net::write(s, net::buffer("GET /api/whoami HTTP/1.1\r\nHost: asistencia.test\r\n" + extra + "\r\n"));
        beast::flat_buffer buf;
        bhttp::response<bhttp::string_body> res;
        bhttp::read(s, buf, res);
        auto j = nlohmann::json::parse(res.body());
        j["hsts"] = std::string((res)[bhttp::field::strict_transport_security]);
        return j;
    }
};

TEST_F(forwarded_test, IgnoredFromAnUntrustedPeer) {
    server_config cfg;
    cfg.trusted_proxies = proxy_list::parse("10.0.0.0/8, 192.168.1.1");
    start(std::move(cfg));
    auto j = whoami("X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\n");
    EXPECT_EQ(j["remote"], "127.0.0.1") << "a direct client chose its own address";
    EXPECT_EQ(j["secure"], false) << "a direct client claimed https";
    EXPECT_EQ(j["hsts"], "");
}

TEST_F(forwarded_test, BelievedFromATrustedProxyAndLogged) {
    server_config cfg;
    cfg.trusted_proxies = proxy_list::parse("127.0.0.1");
    start(std::move(cfg));
    // A client's own fake entry sits left of what nginx appended: the right-most wins.
    auto j = whoami("X-Forwarded-For: 1.2.3.4, 203.0.113.9\r\nX-Forwarded-Proto: https\r\n");
    EXPECT_EQ(j["remote"], "203.0.113.9");
    EXPECT_EQ(j["peer"], "127.0.0.1");
    EXPECT_EQ(j["secure"], true);
    EXPECT_EQ(j["tls"], false);
    EXPECT_EQ(j["hsts"], "max-age=31536000");
    auto plain = whoami("X-Forwarded-For: 203.0.113.10\r\nX-Forwarded-Proto: http\r\n");
    EXPECT_EQ(plain["secure"], false);
    EXPECT_EQ(plain["hsts"], "");
    auto none = whoami("");
    EXPECT_EQ(none["remote"], "127.0.0.1");
    EXPECT_NE(log_text.str().find("\"remote\":\"203.0.113.9\""), std::string::npos) << log_text.str();
}

} // namespace
