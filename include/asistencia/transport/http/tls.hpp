// The server's TLS context: a PEM certificate chain and key, TLS 1.2 and 1.3 only, Mozilla's
// "intermediate" cipher list, ALPN http/1.1. Built once at start and again on each SIGHUP
// (the server hands the new one to new connections only).
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <stdexcept>
#include <string>

namespace asistencia::transport::http {

struct tls_files {
    std::string cert_file; // PEM: the leaf first, then the intermediates
    std::string key_file;  // PEM private key (unencrypted) of the leaf
};

// A certificate or key that cannot be used; the message names the file and the reason.
class tls_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Throws tls_error (unreadable file, bad PEM, key not matching the certificate).
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const tls_files& files);

// "subject CN=..., serial ..., expires ..." of the context's leaf, for the log.
std::string describe_certificate(boost::asio::ssl::context& ctx);

} // namespace asistencia::transport::http
