// The browser hardening headers: every one present, no-store unless the handler chose its
// own caching, never HSTS (apply_hsts decides it per request: tests/integration/http/tls_test.cpp).
#include "asistencia/transport/http/security_headers.hpp"

#include <gtest/gtest.h>

#include <map>

namespace {

using namespace asistencia::transport::http;

std::map<std::string, std::string> as_map(const header_list& h) {
    std::map<std::string, std::string> m;
    for (const auto& [k, v] : h) {
        EXPECT_FALSE(m.contains(std::string(k))) << "duplicate header " << k;
        m[std::string(k)] = v;
    }
    return m;
}

TEST(security_headers, EveryResponseGetsThePolicyHeaders) {
    const auto h = as_map(security_headers(false));
    EXPECT_EQ(h.at("Content-Security-Policy"), std::string(content_security_policy));
    EXPECT_EQ(h.at("Referrer-Policy"), "no-referrer");
    EXPECT_EQ(h.at("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(h.at("Cache-Control"), "no-store");
    EXPECT_FALSE(h.contains("Strict-Transport-Security")) << "no HSTS over plain http";
}

TEST(security_headers, TheCspAllowsOnlyOurOwnOrigin) {
    const std::string csp(content_security_policy);
    for (const char* part : {"default-src 'self'", "script-src 'self' 'wasm-unsafe-eval';", "style-src 'self'",
                             "connect-src 'self'", "frame-ancestors 'none'", "object-src 'none'"}) {
        EXPECT_NE(csp.find(part), std::string::npos) << part;
    }
    for (const char* banned : {"unsafe-inline", "'unsafe-eval'", "*", "http:", "https:"}) {
        EXPECT_EQ(csp.find(banned), std::string::npos) << banned;
    }
}

TEST(security_headers, AHandlersOwnCachingIsKept) {
    const auto h = as_map(security_headers(true));
    EXPECT_FALSE(h.contains("Cache-Control"));
    EXPECT_TRUE(h.contains("Content-Security-Policy"));
}

TEST(security_headers, AppendedAsHeadLines) {
    std::string out;
    append_security_headers(out, true);
    EXPECT_TRUE(out.starts_with("Content-Security-Policy: ")) << out;
    EXPECT_NE(out.find("\r\nX-Frame-Options: DENY\r\n"), std::string::npos) << out;
    EXPECT_EQ(out.find("Cache-Control"), std::string::npos);
    EXPECT_EQ(out.find("Strict-Transport-Security"), std::string::npos) << out;
    EXPECT_TRUE(out.ends_with("\r\n"));
}

} // namespace
