// The server binary with TLS_CERT_FILE/TLS_KEY_FILE: HTTPS on PORT, the redirect port, and
// SIGHUP reloading the certificate for new connections while an open one stays up; a file
// that does not load on SIGHUP leaves the running certificate in place.
#include "server_process.hpp"
#include "tls_client.hpp"

#include <filesystem>

namespace {

using server_test::free_port;
using server_test::server_process;
using namespace tls_test;

void install(const test_pki::leaf& leaf, const fs::path& dir) {
    fs::copy_file(leaf.cert, dir / "server.pem", fs::copy_options::overwrite_existing);
    fs::copy_file(leaf.key, dir / "server.key", fs::copy_options::overwrite_existing);
}

// The serial a new connection sees once `pred` holds (or the last one after 30 s).
template <class Pred>
std::string poll_serial(const std::string& ca, unsigned short port, Pred pred) {
    std::string serial;
    const auto end = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < end) {
        tls_client c(ca);
        if (!c.connect(port)) {
            auto res = c.get("/healthz");
            serial = res && res->result_int() == 200 ? c.peer_serial() : "";
            if (pred(serial)) return serial;
        }
        std::this_thread::sleep_for(100ms);
    }
    return serial;
}

TEST(TlsProcess, SighupReloadsTheCertificateWithoutDroppingConnections) {
    test_pki pki;
    ASSERT_TRUE(pki.ok());
    const auto a = pki.make_leaf("a", "A1");
    const auto b = pki.make_leaf("b", "B2");
    ASSERT_TRUE(a && b);
    install(*a, pki.dir());
    const auto port = free_port();
    const auto redirect = free_port();
    server_process p({}, {{"PORT", std::to_string(port)},
                          {"TLS_CERT_FILE", (pki.dir() / "server.pem").string()},
                          {"TLS_KEY_FILE", (pki.dir() / "server.key").string()},
                          {"TLS_REDIRECT_PORT", std::to_string(redirect)},
                          {"LOG_LEVEL", "info"}});
    ASSERT_TRUE(p.running());
    ASSERT_EQ(poll_serial(pki.ca(), port, [](const std::string& s) { return s == "A1"; }), "A1") << p.output();

    tls_client open(pki.ca());
    ASSERT_FALSE(open.connect(port));
    ASSERT_TRUE(open.get("/healthz"));

    install(*b, pki.dir());
    p.signal(SIGHUP);
    EXPECT_EQ(poll_serial(pki.ca(), port, [](const std::string& s) { return s == "B2"; }), "B2")
        << "new connections did not get the reloaded certificate\n"
        << p.output();
    auto again = open.get("/healthz");
    ASSERT_TRUE(again) << "SIGHUP dropped an open connection";
    EXPECT_EQ(again->result_int(), 200u);
    EXPECT_EQ(open.peer_serial(), "A1");

    // A broken key on the next SIGHUP: logged, and the server keeps serving B2.
    std::ofstream(pki.dir() / "server.key") << "not a key\n";
    p.signal(SIGHUP);
    const auto end = std::chrono::steady_clock::now() + 30s;
    while (p.output().find("not reloaded") == std::string::npos && std::chrono::steady_clock::now() < end)
        std::this_thread::sleep_for(50ms);
    EXPECT_NE(p.output().find("TLS certificate not reloaded"), std::string::npos) << p.output();
    EXPECT_EQ(poll_serial(pki.ca(), port, [](const std::string& s) { return !s.empty(); }), "B2");

    // The plain port only redirects.
    auto r = server_test::request(redirect, server_test::http::verb::get, "/alumno.html");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 301);
    EXPECT_FALSE(server_test::get(port, "/healthz").has_value()) << "clear text answered on the TLS port";

    p.signal(SIGTERM);
    EXPECT_EQ(p.wait_exit(), 0) << p.output();
}

TEST(TlsProcess, HalfConfiguredTlsStopsNamingTheVariable) {
    server_process p({}, {{"PORT", std::to_string(free_port())}, {"TLS_CERT_FILE", "/nonexistent.pem"}});
    EXPECT_EQ(p.wait_exit(), 2);
    EXPECT_NE(p.output().find("TLS_KEY_FILE"), std::string::npos) << p.output();

    server_process q({}, {{"PORT", std::to_string(free_port())},
                          {"TLS_CERT_FILE", "/nonexistent.pem"},
                          {"TLS_KEY_FILE", "/nonexistent.key"}});
    EXPECT_EQ(q.wait_exit(), 2);
    EXPECT_NE(q.output().find("/nonexistent.pem"), std::string::npos) << q.output();
}

} // namespace
