// Adapter from the join's port to the WebAuthn assertion verifier.
#include "asistencia/infra/webauthn/join_verifier.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>

namespace asistencia::infra::webauthn {

int cose_algorithm_of_pem(const std::string& pem) {
    const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                        &BIO_free);
    if (!bio) return 0;
    const std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
    if (!key) return 0;
    switch (EVP_PKEY_get_base_id(key.get())) {
        case EVP_PKEY_EC:
            return -7;
        case EVP_PKEY_RSA:
            return -257;
        case EVP_PKEY_ED25519:
            return -8;
        default:
            return 0;
    }
}

std::variant<application::attendance::verified_assertion, application::attendance::assertion_refused>
join_verifier::verify(const application::attendance::assertion_to_verify& a) const {
    stored_credential stored;
    stored.public_key_pem = a.public_key_pem;
    stored.algorithm = cose_algorithm_of_pem(a.public_key_pem);
    stored.sign_count = a.sign_count;
    stored.backup_eligible = a.backup_eligible;
    stored.backup_state = a.backup_state;
    const auto r = verify_assertion({a.client_data_json, a.authenticator_data, a.signature, a.expected_challenge},
                                    policy_, stored);
    if (!r) {
        const auto& ec = r.error();
        const std::string reason =
            ec.category() == webauthn_category() ? std::string(to_string(static_cast<errc>(ec.value()))) : ec.message();
        return application::attendance::assertion_refused{reason};
    }
    application::attendance::verified_assertion v;
    v.sign_count = r->sign_count;
    v.backup_eligible = r->flags.backup_eligible();
    v.backup_state = r->flags.backup_state();
    if (r->possibly_cloned) v.cloned_reason = r->reason;
    return v;
}

} // namespace asistencia::infra::webauthn
