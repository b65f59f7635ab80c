// X-Forwarded-* from trusted proxies only; see forwarded.hpp.
#include "asistencia/transport/http/forwarded.hpp"

#include <boost/asio/ip/address_v6.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace asistencia::transport::http {

namespace ip = boost::asio::ip;

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

ip::address unmapped(const ip::address& a) {
    if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
    return a;
}

bool in_v6(const ip::address_v6& a, const ip::network_v6& n) {
    const auto addr = a.to_bytes();
    const auto net = n.network().to_bytes();
    unsigned bits = n.prefix_length();
    for (std::size_t i = 0; i < addr.size() && bits > 0; ++i) {
        const unsigned take = std::min(bits, 8u);
        const auto mask = static_cast<unsigned char>(0xff << (8 - take));
        if ((addr[i] & mask) != (net[i] & mask)) return false;
        bits -= take;
    }
    return true;
}

// An X-Forwarded-For entry: a bare address, "[v6]" or "[v6]:port" or "v4:port".
bool parse_hop(std::string_view s, ip::address& out) {
    s = trim(s);
    if (s.empty() || s.size() > 64) return false;
    if (s.front() == '[') {
        const auto close = s.find(']');
        if (close == std::string_view::npos) return false;
        s = s.substr(1, close - 1);
    } else if (std::count(s.begin(), s.end(), ':') == 1) {
        s = s.substr(0, s.find(':'));
    }
    boost::system::error_code ec;
    out = ip::make_address(std::string(s), ec);
    if (ec) return false;
    out = unmapped(out);
    return true;
}

} // namespace

proxy_list proxy_list::parse(std::string_view csv) {
    proxy_list out;
    while (!csv.empty()) {
        const auto comma = csv.find(',');
        const std::string item(trim(csv.substr(0, comma)));
        csv = comma == std::string_view::npos ? std::string_view{} : csv.substr(comma + 1);
        if (item.empty()) continue;
        boost::system::error_code ec;
        const bool v6 = item.find(':') != std::string::npos;
        const std::string cidr = item.find('/') != std::string::npos ? item : item + (v6 ? "/128" : "/32");
        if (v6) {
            auto n = ip::make_network_v6(cidr, ec);
            if (!ec) {
                // An IPv4-mapped block is the IPv4 block (peers are compared unmapped).
                if (n.network().is_v4_mapped() && n.prefix_length() >= 96) {
                    out.v4_.emplace_back(ip::make_address_v4(ip::v4_mapped, n.network()),
                                         static_cast<unsigned short>(n.prefix_length() - 96));
                } else {
                    out.v6_.push_back(n);
                }
            }
        } else {
            auto n = ip::make_network_v4(cidr, ec);
            if (!ec) out.v4_.push_back(n);
        }
        if (ec) throw std::invalid_argument("not an address or CIDR block: '" + item + "'");
    }
    return out;
}

bool proxy_list::contains(const ip::address& raw) const noexcept {
    const auto a = unmapped(raw);
    if (a.is_v4()) {
        const auto v = a.to_v4().to_uint();
        return std::any_of(v4_.begin(), v4_.end(), [v](const ip::network_v4& n) {
            const auto mask = n.netmask().to_uint();
            return (v & mask) == (n.network().to_uint() & mask);
        });
    }
    const auto v6 = a.to_v6();
    return std::any_of(v6_.begin(), v6_.end(), [&v6](const ip::network_v6& n) { return in_v6(v6, n); });
}

client_origin resolve_client(const ip::address& peer, bool direct_tls, std::string_view xff, std::string_view xfp,
                             const proxy_list& trusted) {
    client_origin out;
    out.address = unmapped(peer);
    out.https = direct_tls;
    if (trusted.empty() || !trusted.contains(out.address)) return out;

    // Right to left: the nearest hop first.
    while (!xff.empty()) {
        const auto comma = xff.rfind(',');
        const auto entry = comma == std::string_view::npos ? xff : xff.substr(comma + 1);
        xff = comma == std::string_view::npos ? std::string_view{} : xff.substr(0, comma);
        if (trim(entry).empty()) continue;
        ip::address hop;
        if (!parse_hop(entry, hop)) break; // garbage: keep the last address a trusted hop gave
        out.address = hop;
        out.forwarded = true;
        if (!trusted.contains(hop)) break;
    }

    // The scheme the proxy (nearest hop, the last value) saw; anything else is ignored.
    if (!direct_tls) {
        const auto comma = xfp.rfind(',');
        const auto proto = trim(comma == std::string_view::npos ? xfp : xfp.substr(comma + 1));
        if (proto.size() == 5 && (proto[0] | 0x20) == 'h' && (proto[1] | 0x20) == 't' && (proto[2] | 0x20) == 't' &&
            (proto[3] | 0x20) == 'p' && (proto[4] | 0x20) == 's')
            out.https = true;
    }
    return out;
}

} // namespace asistencia::transport::http
