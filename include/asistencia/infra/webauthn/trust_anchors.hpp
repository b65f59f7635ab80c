// Trust anchors for attestation certificate chains (WEBAUTHN_ATTESTATION=direct): the
// root (or intermediate) certificates of the authenticator vendors a deployment accepts,
// typically the attestationRootCertificates of the FIDO Metadata Service entries
// (docs/webauthn.md explains how to fill the folder). An OpenSSL X509_STORE underneath.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

struct x509_store_st;

namespace asistencia::infra::webauthn {

class trust_anchors {
public:
    // Every *.pem, *.crt and *.cer file directly in `directory` (each may hold several PEM
    // certificates). Throws std::runtime_error naming the file that does not parse, or when
    // the folder is missing or holds no certificate at all (a `direct` deployment with no
    // anchor would refuse every phone: better to stop at start-up).
    static trust_anchors load_directory(const std::filesystem::path& directory);
    // PEM text with one or more certificates; throws std::runtime_error when it has none.
    static trust_anchors from_pem(std::string_view pem);

    std::size_t size() const noexcept { return count_; }

    // True when x5c[0] chains to an anchor through the other x5c certificates (or directly),
    // every signature verifies and every certificate, anchor included, is within its
    // validity dates at `at`. An anchor may be an intermediate (partial chains count),
    // as FIDO metadata sometimes lists one.
    bool verifies(const std::vector<std::span<const std::uint8_t>>& x5c,
                  std::chrono::system_clock::time_point at) const;

private:
    trust_anchors() = default;
    void add_pem(std::string_view pem, const std::string& source);

    std::shared_ptr<x509_store_st> store_;
    std::size_t count_ = 0;
};

} // namespace asistencia::infra::webauthn
