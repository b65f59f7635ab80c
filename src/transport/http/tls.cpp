// TLS context construction; see tls.hpp.
#include "asistencia/transport/http/tls.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509err.h>

#include <fstream>

namespace asistencia::transport::http {

namespace ssl = boost::asio::ssl;

namespace {

// Mozilla Server Side TLS "intermediate" (v5.7): TLS 1.2 suites with forward secrecy and
// AEAD only; TLS 1.3 keeps OpenSSL's defaults (all of them are fine).
constexpr const char* intermediate_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";
constexpr const char* intermediate_groups = "X25519:prime256v1:secp384r1";

// The server speaks HTTP/1.1 only (WebSocket upgrades included). A client that offers ALPN
// without http/1.1 (h2 only) gets no_application_protocol, as RFC 7301 asks.
int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen,
                void*) {
    static const unsigned char ours[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    unsigned char* selected = nullptr;
    unsigned char selected_len = 0;
    if (SSL_select_next_proto(&selected, &selected_len, ours, sizeof ours, in, inlen) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    *out = selected;
    *outlen = selected_len;
    return SSL_TLSEXT_ERR_OK;
}

std::string openssl_reason() {
    const unsigned long e = ERR_peek_last_error();
    ERR_clear_error();
    if (e == 0) return "unknown OpenSSL error";
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    return buf;
}

void require_readable(const std::string& path, const char* what) {
    if (path.empty()) throw tls_error(std::string(what) + " is not set");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw tls_error(std::string(what) + " " + path + ": cannot be read");
}

} // namespace

std::shared_ptr<ssl::context> make_tls_context(const tls_files& files) {
    require_readable(files.cert_file, "TLS_CERT_FILE");
    require_readable(files.key_file, "TLS_KEY_FILE");
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    SSL_CTX* native = ctx->native_handle();
    ERR_clear_error();
    if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(native, intermediate_ciphers) != 1 ||
        SSL_CTX_set1_groups_list(native, intermediate_groups) != 1 || SSL_CTX_set_dh_auto(native, 1) != 1)
        throw tls_error("TLS settings refused by OpenSSL: " + openssl_reason());
    SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_alpn_select_cb(native, select_alpn, nullptr);
    if (SSL_CTX_use_certificate_chain_file(native, files.cert_file.c_str()) != 1)
        throw tls_error("TLS_CERT_FILE " + files.cert_file + ": " + openssl_reason());
    if (SSL_CTX_use_PrivateKey_file(native, files.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
        const bool mismatch = ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
        throw tls_error("TLS_KEY_FILE " + files.key_file + ": " +
                        (mismatch ? "does not match the certificate in TLS_CERT_FILE (" + openssl_reason() + ")"
                                  : openssl_reason()));
    }
    if (SSL_CTX_check_private_key(native) != 1)
        throw tls_error("TLS_KEY_FILE " + files.key_file + ": does not match the certificate in TLS_CERT_FILE");
    return ctx;
}

std::string describe_certificate(ssl::context& ctx) {
    X509* leaf = SSL_CTX_get0_certificate(ctx.native_handle());
    if (leaf == nullptr) return "no certificate";
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    if (!bio) return "certificate";
    BIO_puts(bio.get(), "subject ");
    X509_NAME_print_ex(bio.get(), X509_get_subject_name(leaf), 0, XN_FLAG_RFC2253);
    BIO_puts(bio.get(), ", serial ");
    i2a_ASN1_INTEGER(bio.get(), X509_get0_serialNumber(leaf));
    BIO_puts(bio.get(), ", expires ");
    ASN1_TIME_print(bio.get(), X509_get0_notAfter(leaf));
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

} // namespace asistencia::transport::http
