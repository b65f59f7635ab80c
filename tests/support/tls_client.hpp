// Test helpers for HTTPS: a throwaway CA and leaf certificates made with the openssl CLI in a
// temp folder, and a small TLS client (Asio + OpenSSL) whose every operation is bounded by
// io_context::run_for, so a misbehaving server fails a test instead of hanging it.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <string>

namespace tls_test {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace fs = std::filesystem;
using tcp = net::ip::tcp;
using boost::system::error_code;
using namespace std::chrono_literals;

inline int sh(const std::string& cmd) { return std::system(cmd.c_str()); }

// A CA and leaves for `asistencia.test` (SAN DNS:asistencia.test, DNS:localhost, IP:127.0.0.1).
class test_pki {
public:
    test_pki() {
        std::random_device rd;
        dir_ = fs::temp_directory_path() / ("asistencia-pki-" + std::to_string(rd()));
        fs::create_directories(dir_);
        const std::string d = dir_.string();
        ok_ = sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
                 " -subj /CN=asistencia-test-ca -keyout " +
                 d + "/ca.key -out " + d + "/ca.pem 2>/dev/null") == 0;
    }
    ~test_pki() {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    test_pki(const test_pki&) = delete;
    test_pki& operator=(const test_pki&) = delete;

    bool ok() const { return ok_; }
    fs::path dir() const { return dir_; }
    std::string ca() const { return (dir_ / "ca.pem").string(); }

    struct leaf {
        std::string cert;
        std::string key;
        std::string serial; // hex, as the openssl CLI set it
    };
    // A leaf signed by the CA, with the given hex serial (tells two certificates apart).
    std::optional<leaf> make_leaf(const std::string& name, const std::string& serial_hex) const {
        const std::string d = dir_.string();
        const std::string base = d + "/" + name;
        std::ofstream(base + ".ext") << "subjectAltName=DNS:asistencia.test,DNS:localhost,IP:127.0.0.1\n"
                                        "extendedKeyUsage=serverAuth\n";
        const int rc =
            sh("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=asistencia.test"
               " -keyout " +
               base + ".key -out " + base +
               ".csr 2>/dev/null && "
               "openssl x509 -req -in " +
               base + ".csr -CA " + d + "/ca.pem -CAkey " + d + "/ca.key -set_serial 0x" + serial_hex +
               " -days 2 -extfile " + base + ".ext -out " + base + ".pem 2>/dev/null");
        if (rc != 0) return std::nullopt;
        return leaf{base + ".pem", base + ".key", serial_hex};
    }

private:
    fs::path dir_;
    bool ok_ = false;
};

struct client_options {
    std::string alpn; // "" = no ALPN; else e.g. "h2,http/1.1"
    int min_version = TLS1_2_VERSION;
    int max_version = 0; // 0 = the library's highest
};

// Upper-case hex of a certificate serial, without leading zeros (compare with test_pki).
inline std::string serial_of(X509* cert) {
    if (cert == nullptr) return {};
    BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
    char* hex = BN_bn2hex(bn);
    std::string out(hex);
    OPENSSL_free(hex);
    BN_free(bn);
    return out;
}

class tls_client {
public:
    tls_client(const std::string& ca_file, client_options o = {}) : ctx_(ssl::context::tls_client) {
        SSL_CTX* c = ctx_.native_handle();
        if (o.min_version < TLS1_2_VERSION) {
            // Let this client even offer an old protocol (Debian's OpenSSL forbids it at the
            // default security level): the server, not the client library, must refuse.
            SSL_CTX_set_security_level(c, 0);
            SSL_CTX_set_cipher_list(c, "DEFAULT@SECLEVEL=0");
        }
        SSL_CTX_set_min_proto_version(c, o.min_version);
        if (o.max_version) SSL_CTX_set_max_proto_version(c, o.max_version);
        ctx_.load_verify_file(ca_file);
        ctx_.set_verify_mode(ssl::verify_peer);
        if (!o.alpn.empty()) {
            std::string wire;
            std::size_t start = 0;
            while (start <= o.alpn.size()) {
                auto end = o.alpn.find(',', start);
                if (end == std::string::npos) end = o.alpn.size();
                const auto p = o.alpn.substr(start, end - start);
                wire += static_cast<char>(p.size());
                wire += p;
                start = end + 1;
            }
            SSL_CTX_set_alpn_protos(c, reinterpret_cast<const unsigned char*>(wire.data()),
                                    static_cast<unsigned>(wire.size()));
        }
        stream_.emplace(ioc_, ctx_);
    }

    // TCP connect + TLS handshake (SNI and name check: asistencia.test).
    error_code connect(unsigned short port) {
        auto& s = *stream_;
        SSL_set_tlsext_host_name(s.native_handle(), "asistencia.test");
        s.set_verify_callback(ssl::host_name_verification("asistencia.test"));
        tcp::endpoint ep(net::ip::make_address("127.0.0.1"), port);
        auto ec = run([&](auto h) { s.next_layer().async_connect(ep, h); });
        if (ec) return ec;
        return run([&](auto h) { s.async_handshake(ssl::stream_base::client, h); });
    }

    std::string alpn() {
        const unsigned char* p = nullptr;
        unsigned len = 0;
        SSL_get0_alpn_selected(stream_->native_handle(), &p, &len);
        return p ? std::string(reinterpret_cast<const char*>(p), len) : std::string();
    }
    std::string version() { return SSL_get_version(stream_->native_handle()); }
    std::string peer_serial() {
        X509* c = SSL_get1_peer_certificate(stream_->native_handle());
        auto s = serial_of(c);
        X509_free(c);
        return s;
    }

    // One request on this connection (keep-alive); the response or nullopt.
    std::optional<bhttp::response<bhttp::string_body>> get(const std::string& target,
                                                           const std::string& host = "asistencia.test") {
        bhttp::request<bhttp::string_body> req{bhttp::verb::get, target, 11};
        req.set(bhttp::field::host, host);
        req.keep_alive(true);
        auto ec = run([&](auto h) { bhttp::async_write(*stream_, req, h); });
        if (ec) return std::nullopt;
        bhttp::response<bhttp::string_body> res;
        ec = run([&](auto h) { bhttp::async_read(*stream_, buffer_, res, h); });
        if (ec) return std::nullopt;
        return res;
    }

    ssl::stream<tcp::socket>& stream() { return *stream_; }
    net::io_context& io() { return ioc_; }

    template <class Start>
    error_code run(Start start) {
        error_code result = net::error::would_block;
        start([&](error_code ec, auto&&...) { result = ec; });
        ioc_.restart();
        ioc_.run_for(10s);
        if (result == net::error::would_block) {
            error_code ig;
            stream_->next_layer().close(ig);
            ioc_.restart();
            ioc_.run_for(1s);
            result = net::error::timed_out;
        }
        return result;
    }

private:
    net::io_context ioc_;
    ssl::context ctx_;
    std::optional<ssl::stream<tcp::socket>> stream_;
    beast::flat_buffer buffer_;
};

} // namespace tls_test
