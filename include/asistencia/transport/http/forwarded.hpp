// Which client and scheme a request really came from when a reverse proxy (nginx) stands in
// front: X-Forwarded-For / X-Forwarded-Proto are believed only from TRUSTED_PROXIES, so a
// client talking to the server directly cannot pick its own address (rate limits, logs) or
// claim HTTPS. Pure: unit-tested without sockets.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>

#include <string_view>
#include <vector>

namespace asistencia::transport::http {

// Addresses and CIDR blocks ("127.0.0.1, 10.0.0.0/8, ::1, fd00::/8").
class proxy_list {
public:
    // Throws std::invalid_argument naming the first malformed item. Empty text: no proxy.
    static proxy_list parse(std::string_view csv);

    // IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) match their IPv4 entries.
    bool contains(const boost::asio::ip::address& a) const noexcept;
    bool empty() const noexcept { return v4_.empty() && v6_.empty(); }

private:
    std::vector<boost::asio::ip::network_v4> v4_;
    std::vector<boost::asio::ip::network_v6> v6_;
};

struct client_origin {
    boost::asio::ip::address address; // the client (the TCP peer unless a trusted proxy said otherwise)
    bool https = false;               // direct TLS, or X-Forwarded-Proto: https from a trusted proxy
    bool forwarded = false;           // `address` came from X-Forwarded-For
};

// `xff`: every X-Forwarded-For value in header order, joined with ','; `xfp`: the
// X-Forwarded-Proto value ("" when absent). X-Forwarded-For is read from the right: each
// hop appends the address it saw, so entries are skipped while they are trusted proxies and
// the first one that is not is the client (a client's own fake entries stay to its left).
client_origin resolve_client(const boost::asio::ip::address& peer, bool direct_tls, std::string_view xff,
                             std::string_view xfp, const proxy_list& trusted);

} // namespace asistencia::transport::http
