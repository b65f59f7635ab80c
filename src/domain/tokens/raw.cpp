// Strict base64url, HMAC-SHA256 and the raw HS256 signer shared by the token module, its
// tests and its fuzzer.
#include "asistencia/domain/tokens/jwt_raw.hpp"

#include "hs256.hpp"

#include "asistencia/domain/encoding/base64.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <climits>
#include <stdexcept>

namespace asistencia::domain::tokens {

namespace raw {

// The project's one base64url (domain/encoding), under the names the token code uses.
std::string base64url_encode(std::string_view bytes) { return encoding::base64url_encode(bytes); }

std::optional<std::string> base64url_decode(std::string_view text) { return encoding::base64url_decode_string(text); }

std::string sign_hs256(std::string_view header_json, std::string_view payload_json, std::string_view secret) {
    std::string input = base64url_encode(header_json);
    input += '.';
    input += base64url_encode(payload_json);
    const auto mac = detail::hmac_sha256(secret, input);
    input += '.';
    input += base64url_encode(std::string_view{reinterpret_cast<const char*>(mac.data()), mac.size()});
    return input;
}

} // namespace raw

namespace detail {

hs256_mac hmac_sha256(std::string_view key, std::string_view data) {
    if (key.size() > static_cast<std::size_t>(INT_MAX)) throw std::invalid_argument("key too long");
    hs256_mac mac{};
    unsigned int len = 0;
    // A zero-length key still needs a valid pointer for OpenSSL.
    static const unsigned char empty = 0;
    const void* key_ptr = key.empty() ? static_cast<const void*>(&empty) : key.data();
    if (HMAC(EVP_sha256(), key_ptr, static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
             data.size(), mac.data(), &len) == nullptr ||
        len != mac.size()) {
        throw std::runtime_error("HMAC-SHA256 failed");
    }
    return mac;
}

bool hs256_signature_matches(std::string_view key, std::string_view signing_input, std::string_view signature_b64) {
    // 32 bytes encode to exactly 43 characters; anything else cannot match.
    if (signature_b64.size() != 43) return false;
    const auto given = raw::base64url_decode(signature_b64);
    if (!given || given->size() != 32) return false;
    const auto expected = hmac_sha256(key, signing_input);
    return CRYPTO_memcmp(expected.data(), given->data(), expected.size()) == 0;
}

} // namespace detail
} // namespace asistencia::domain::tokens
