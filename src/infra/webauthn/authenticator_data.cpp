// authenticatorData parsing (fixed layout + CBOR items read with libcbor) and flag checks.
#include "authenticator_data.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "asistencia/infra/webauthn/webauthn_error.hpp"
#include "cbor_reader.hpp"

namespace asistencia::infra::webauthn::detail {

namespace {

constexpr std::size_t rp_id_hash_size = 32;
constexpr std::size_t header_size = rp_id_hash_size + 1 + 4; // hash, flags, signCount
constexpr std::size_t aaguid_size = 16;

std::uint32_t read_be32(std::span<const std::uint8_t> b) {
    return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | std::uint32_t{b[3]};
}

} // namespace

boost::system::result<authenticator_data> parse_authenticator_data(std::span<const std::uint8_t> bytes) {
    if (bytes.size() > limits::attestation_object) return errc::too_large;
    if (bytes.size() < header_size) return errc::malformed_authenticator_data;

    authenticator_data out;
    out.rp_id_hash = bytes.first(rp_id_hash_size);
    out.flags.bits = bytes[rp_id_hash_size];
    out.sign_count = read_be32(bytes.subspan(rp_id_hash_size + 1, 4));
    auto rest = bytes.subspan(header_size);

    if (out.flags.attested_credential_data()) {
        if (rest.size() < aaguid_size + 2) return errc::malformed_authenticator_data;
        attested_credential_data att;
        att.aaguid = rest.first(aaguid_size);
        const std::size_t id_len = (std::size_t{rest[aaguid_size]} << 8) | std::size_t{rest[aaguid_size + 1]};
        rest = rest.subspan(aaguid_size + 2);
        if (id_len == 0 || id_len > limits::credential_id) return errc::bad_credential_id_length;
        if (rest.size() < id_len) return errc::malformed_authenticator_data;
        att.credential_id = rest.first(id_len);
        rest = rest.subspan(id_len);

        // The COSE_Key has no length prefix: its CBOR encoding says where it ends.
        std::size_t key_len = 0;
        auto key = load_cbor_item(rest, key_len);
        if (!key) return errc::malformed_cbor;
        if (!cbor_isa_map(key.get())) return errc::invalid_public_key;
        bool duplicate = false;
        auto alg = as_int(map_find(key.get(), std::int64_t{3}, duplicate));
        if (duplicate) return errc::malformed_cbor;
        if (!alg || *alg < INT32_MIN || *alg > INT32_MAX) return errc::invalid_public_key;
        att.algorithm = static_cast<int>(*alg);
        att.public_key_cose = rest.first(key_len);
        rest = rest.subspan(key_len);
        out.attested = att;
    }

    if (out.flags.extension_data()) {
        auto ext = load_cbor_exact(rest);
        if (!ext) return errc::malformed_cbor;
        if (!cbor_isa_map(ext.get())) return errc::malformed_authenticator_data;
        out.extensions = rest;
        rest = {};
    }

    if (!rest.empty()) return errc::malformed_authenticator_data;
    return out;
}

boost::system::result<void> check_rp_id_and_flags(const authenticator_data& data, std::string_view rp_id,
                                                  bool require_user_verification) {
    std::uint8_t expected[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(rp_id.data()), rp_id.size(), expected);
    if (rp_id.empty() || data.rp_id_hash.size() != sizeof expected ||
        CRYPTO_memcmp(expected, data.rp_id_hash.data(), sizeof expected) != 0) {
        return errc::rp_id_mismatch;
    }
    if (!data.flags.user_present()) return errc::user_not_present;
    if (require_user_verification && !data.flags.user_verified()) return errc::user_not_verified;
    if (data.flags.backup_state() && !data.flags.backup_eligible()) {
        return errc::invalid_backup_flags;
    }
    return {};
}

} // namespace asistencia::infra::webauthn::detail
