// Private: RAII owners for libfido2/OpenSSL objects and the key conversions between
// libfido2's COSE-derived keys and PEM SubjectPublicKeyInfo.
#pragma once

#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>
#include <fido/rs256.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/system/result.hpp>

namespace asistencia::infra::webauthn::detail {

// fido_init must precede any other libfido2 call; this runs it once per process.
void ensure_fido_initialized();

struct fido_cred_deleter {
    void operator()(fido_cred_t* c) const noexcept { fido_cred_free(&c); }
};
struct fido_assert_deleter {
    void operator()(fido_assert_t* a) const noexcept { fido_assert_free(&a); }
};
using fido_cred_ptr = std::unique_ptr<fido_cred_t, fido_cred_deleter>;
using fido_assert_ptr = std::unique_ptr<fido_assert_t, fido_assert_deleter>;

// The credential public key libfido2 parsed from authData, as PEM. nullopt when the key
// is not a valid key of `alg` (for example an EC point off the curve).
std::optional<std::string> credential_public_key_pem(const fido_cred_t* cred, int alg);

// A libfido2 public key (es256_pk_t, rs256_pk_t or eddsa_pk_t) for fido_assert_verify.
class fido_public_key {
public:
    fido_public_key() = default;
    fido_public_key(const fido_public_key&) = delete;
    fido_public_key& operator=(const fido_public_key&) = delete;
    fido_public_key(fido_public_key&& other) noexcept;
    fido_public_key& operator=(fido_public_key&& other) noexcept;
    ~fido_public_key();

    // Parses a PEM SubjectPublicKeyInfo whose key type matches the COSE alg.
    static std::optional<fido_public_key> from_pem(std::string_view pem, int alg);

    int algorithm() const noexcept { return alg_; }
    const void* get() const noexcept { return key_; }

private:
    void reset() noexcept;

    int alg_ = 0;
    void* key_ = nullptr;
};

} // namespace asistencia::infra::webauthn::detail
