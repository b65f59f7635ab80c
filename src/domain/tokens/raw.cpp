// Strict base64url, HMAC-SHA256 and the raw HS256 signer shared by the token module, its
// tests and its fuzzer.
#include "asistencia/domain/tokens/jwt_raw.hpp"

#include "hs256.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <climits>
#include <stdexcept>

namespace asistencia::domain::tokens {
namespace {

constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int sextet(char c) noexcept {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

} // namespace

namespace raw {

std::string base64url_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() * 4 + 2) / 3);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16U) |
                           (static_cast<unsigned char>(bytes[i + 1]) << 8U) |
                           static_cast<unsigned char>(bytes[i + 2]);
        out += alphabet[(v >> 18U) & 63U];
        out += alphabet[(v >> 12U) & 63U];
        out += alphabet[(v >> 6U) & 63U];
        out += alphabet[v & 63U];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        const unsigned v = static_cast<unsigned char>(bytes[i]) << 16U;
        out += alphabet[(v >> 18U) & 63U];
        out += alphabet[(v >> 12U) & 63U];
    } else if (rest == 2) {
        const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16U) |
                           (static_cast<unsigned char>(bytes[i + 1]) << 8U);
        out += alphabet[(v >> 18U) & 63U];
        out += alphabet[(v >> 12U) & 63U];
        out += alphabet[(v >> 6U) & 63U];
    }
    return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
    if (text.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(text.size() * 3 / 4);
    unsigned acc = 0;
    int bits = 0;
    for (const char c : text) {
        const int v = sextet(c);
        if (v < 0) return std::nullopt;
        acc = (acc << 6U) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> static_cast<unsigned>(bits)) & 0xFFU);
        }
    }
    // Leftover bits must be zero, so every byte string has exactly one encoding and a
    // signature cannot be "tampered" into a second accepted spelling.
    if ((acc & ((1U << static_cast<unsigned>(bits)) - 1U)) != 0) return std::nullopt;
    return out;
}

std::string sign_hs256(std::string_view header_json, std::string_view payload_json,
                       std::string_view secret) {
    std::string input = base64url_encode(header_json);
    input += '.';
    input += base64url_encode(payload_json);
    const auto mac = detail::hmac_sha256(secret, input);
    input += '.';
    input += base64url_encode(
        std::string_view{reinterpret_cast<const char*>(mac.data()), mac.size()});
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
    if (HMAC(EVP_sha256(), key_ptr, static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(),
             &len) == nullptr ||
        len != mac.size()) {
        throw std::runtime_error("HMAC-SHA256 failed");
    }
    return mac;
}

bool hs256_signature_matches(std::string_view key, std::string_view signing_input,
                             std::string_view signature_b64) {
    // 32 bytes encode to exactly 43 characters; anything else cannot match.
    if (signature_b64.size() != 43) return false;
    const auto given = raw::base64url_decode(signature_b64);
    if (!given || given->size() != 32) return false;
    const auto expected = hmac_sha256(key, signing_input);
    return CRYPTO_memcmp(expected.data(), given->data(), expected.size()) == 0;
}

} // namespace detail
} // namespace asistencia::domain::tokens
