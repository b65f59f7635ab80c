// Attestation trust anchors; see trust_anchors.hpp.
#include "asistencia/infra/webauthn/trust_anchors.hpp"

#include <algorithm>
#include <climits>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

namespace asistencia::infra::webauthn {

namespace {

struct x509_deleter {
    void operator()(X509* x) const noexcept { X509_free(x); }
};
struct bio_deleter {
    void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct ctx_deleter {
    void operator()(X509_STORE_CTX* c) const noexcept { X509_STORE_CTX_free(c); }
};
struct chain_deleter {
    void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_pop_free(s, X509_free); }
};
using x509_ptr = std::unique_ptr<X509, x509_deleter>;

x509_ptr from_der(std::span<const std::uint8_t> der) {
    if (der.empty() || der.size() > INT_MAX) return nullptr;
    const unsigned char* p = der.data();
    x509_ptr cert{d2i_X509(nullptr, &p, static_cast<long>(der.size()))};
    if (!cert || p != der.data() + der.size()) return nullptr;
    return cert;
}

std::shared_ptr<X509_STORE> new_store() {
    std::shared_ptr<X509_STORE> store(X509_STORE_new(), X509_STORE_free);
    if (!store) throw std::runtime_error("X509_STORE_new failed");
    // An anchor may be an intermediate CA (FIDO metadata lists some): the chain may stop
    // at any certificate of the store, not only at a self-signed root.
    X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN);
    return store;
}

} // namespace

void trust_anchors::add_pem(std::string_view pem, const std::string& source) {
    if (pem.size() > INT_MAX) throw std::runtime_error(source + ": too large");
    std::unique_ptr<BIO, bio_deleter> bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
    if (!bio) throw std::runtime_error("BIO_new_mem_buf failed");
    std::size_t added = 0;
    for (;;) {
        x509_ptr cert{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)};
        if (!cert) break;
        if (X509_STORE_add_cert(store_.get(), cert.get()) != 1) {
            // The same certificate in two files is harmless; anything else is not.
            const auto reason = ERR_GET_REASON(ERR_peek_last_error());
            if (reason != X509_R_CERT_ALREADY_IN_HASH_TABLE) {
                ERR_clear_error();
                throw std::runtime_error(source + ": certificate not added to the trust store");
            }
        }
        ++added;
    }
    // End of input ends the loop with PEM_R_NO_START_LINE; anything else is a broken file.
    const auto last = ERR_peek_last_error();
    ERR_clear_error();
    if (added == 0) throw std::runtime_error(source + ": no PEM certificate");
    if (last != 0 && ERR_GET_REASON(last) != PEM_R_NO_START_LINE) {
        throw std::runtime_error(source + ": malformed PEM certificate");
    }
    count_ += added;
}

trust_anchors trust_anchors::from_pem(std::string_view pem) {
    trust_anchors t;
    t.store_ = new_store();
    t.add_pem(pem, "PEM text");
    return t;
}

trust_anchors trust_anchors::load_directory(const std::filesystem::path& directory) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(directory, ec)) {
        throw std::runtime_error(directory.string() + ": not a readable directory");
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(directory, ec)) {
        const auto ext = entry.path().extension().string();
        if (entry.is_regular_file() && (ext == ".pem" || ext == ".crt" || ext == ".cer")) files.push_back(entry.path());
    }
    if (ec) throw std::runtime_error(directory.string() + ": " + ec.message());
    std::sort(files.begin(), files.end()); // deterministic errors
    trust_anchors t;
    t.store_ = new_store();
    for (const auto& file : files) {
        std::ifstream in(file, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        if (!in) throw std::runtime_error(file.string() + ": cannot be read");
        t.add_pem(text.str(), file.string());
    }
    if (t.count_ == 0) throw std::runtime_error(directory.string() + ": no *.pem, *.crt or *.cer certificate");
    return t;
}

bool trust_anchors::verifies(const std::vector<std::span<const std::uint8_t>>& x5c,
                             std::chrono::system_clock::time_point at) const {
    if (!store_ || x5c.empty()) return false;
    const auto leaf = from_der(x5c.front());
    if (!leaf) return false;
    std::unique_ptr<STACK_OF(X509), chain_deleter> untrusted{sk_X509_new_null()};
    if (!untrusted) return false;
    for (std::size_t i = 1; i < x5c.size(); ++i) {
        auto cert = from_der(x5c[i]);
        if (!cert || sk_X509_push(untrusted.get(), cert.get()) == 0) return false;
        static_cast<void>(cert.release()); // owned by the stack now
    }
    std::unique_ptr<X509_STORE_CTX, ctx_deleter> ctx{X509_STORE_CTX_new()};
    if (!ctx || X509_STORE_CTX_init(ctx.get(), store_.get(), leaf.get(), untrusted.get()) != 1) return false;
    X509_STORE_CTX_set_time(ctx.get(), 0, std::chrono::system_clock::to_time_t(at));
    const bool ok = X509_verify_cert(ctx.get()) == 1;
    ERR_clear_error();
    return ok;
}

} // namespace asistencia::infra::webauthn
