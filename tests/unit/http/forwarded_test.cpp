// X-Forwarded-For / -Proto resolution (forwarded.hpp): trusted proxies only, read from the
// right, CIDR blocks for both families, IPv4-mapped peers, junk ignored.
#include "asistencia/transport/http/forwarded.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace {

using namespace asistencia::transport::http;
namespace ip = boost::asio::ip;

ip::address a(const char* s) { return ip::make_address(s); }

TEST(ProxyList, AddressesAndBlocksOfBothFamilies) {
    const auto l = proxy_list::parse(" 127.0.0.1, 10.0.0.0/8 ,fd00::/8, ::1");
    EXPECT_TRUE(l.contains(a("127.0.0.1")));
    EXPECT_FALSE(l.contains(a("127.0.0.2")));
    EXPECT_TRUE(l.contains(a("10.200.3.4")));
    EXPECT_FALSE(l.contains(a("11.0.0.1")));
    EXPECT_TRUE(l.contains(a("fd12:3456::1")));
    EXPECT_FALSE(l.contains(a("fe80::1")));
    EXPECT_TRUE(l.contains(a("::1")));
    EXPECT_TRUE(l.contains(a("::ffff:10.1.1.1"))) << "an IPv4-mapped peer is its IPv4 address";
    EXPECT_TRUE(proxy_list::parse("").empty());
    EXPECT_TRUE(proxy_list::parse("::ffff:192.168.0.0/112").contains(a("192.168.7.7")));
}

TEST(ProxyList, MalformedItemsAreNamed) {
    for (const char* bad : {"localhost", "10.0.0.0/33", "1.2.3", "10.0.0.1/8/8", "::1/129"}) {
        try {
            (void)proxy_list::parse(std::string("127.0.0.1,") + bad);
            ADD_FAILURE() << "accepted " << bad;
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
        }
    }
}

TEST(ResolveClient, UntrustedPeerKeepsItsAddressAndScheme) {
    const auto trusted = proxy_list::parse("10.0.0.1");
    auto r = resolve_client(a("198.51.100.7"), false, "203.0.113.9", "https", trusted);
    EXPECT_EQ(r.address, a("198.51.100.7"));
    EXPECT_FALSE(r.https);
    EXPECT_FALSE(r.forwarded);
    r = resolve_client(a("198.51.100.7"), true, "", "http", trusted);
    EXPECT_TRUE(r.https) << "direct TLS is https whatever a header says";
    r = resolve_client(a("10.0.0.1"), false, "203.0.113.9", "https", proxy_list{});
    EXPECT_EQ(r.address, a("10.0.0.1")) << "no proxy configured: nothing is believed";
}

TEST(ResolveClient, TrustedChainIsReadFromTheRight) {
    const auto trusted = proxy_list::parse("10.0.0.0/8");
    // client -> lb 10.0.0.5 -> nginx 10.0.0.1 -> server; the client faked "6.6.6.6".
    auto r = resolve_client(a("10.0.0.1"), false, "6.6.6.6, 203.0.113.9, 10.0.0.5", "https", trusted);
    EXPECT_EQ(r.address, a("203.0.113.9"));
    EXPECT_TRUE(r.forwarded);
    EXPECT_TRUE(r.https);
    // Only proxies in the chain: the left-most is the best we know.
    r = resolve_client(a("10.0.0.1"), false, "10.0.0.9,10.0.0.5", "http", trusted);
    EXPECT_EQ(r.address, a("10.0.0.9"));
    EXPECT_FALSE(r.https);
    // Ports and brackets as some proxies write them.
    r = resolve_client(a("10.0.0.1"), false, "[2001:db8::1]:4711", "", trusted);
    EXPECT_EQ(r.address, a("2001:db8::1"));
    r = resolve_client(a("10.0.0.1"), false, "203.0.113.9:5555", "", trusted);
    EXPECT_EQ(r.address, a("203.0.113.9"));
    r = resolve_client(a("::ffff:10.0.0.1"), false, "203.0.113.9", "HTTPS", trusted);
    EXPECT_EQ(r.address, a("203.0.113.9")) << "mapped peer address";
    EXPECT_TRUE(r.https);
}

TEST(ResolveClient, JunkIsIgnored) {
    const auto trusted = proxy_list::parse("127.0.0.1");
    auto r = resolve_client(a("127.0.0.1"), false, "not-an-ip", "gopher", trusted);
    EXPECT_EQ(r.address, a("127.0.0.1"));
    EXPECT_FALSE(r.forwarded);
    EXPECT_FALSE(r.https);
    r = resolve_client(a("127.0.0.1"), false, "junk, 203.0.113.9", "", trusted);
    EXPECT_EQ(r.address, a("203.0.113.9"));
    r = resolve_client(a("127.0.0.1"), false, "203.0.113.9, junk", "", trusted);
    EXPECT_EQ(r.address, a("127.0.0.1")) << "the nearest entry is junk: stay with the peer";
    r = resolve_client(a("127.0.0.1"), false, "203.0.113.9", "http, https", trusted);
    EXPECT_TRUE(r.https) << "the nearest proxy's value (the last) counts";
}

} // namespace
