// Key derivations and the at-rest codec; see protocol_keys.hpp.
#include "asistencia/domain/crypto/protocol_keys.hpp"

#include "asistencia/domain/encoding/base64.hpp"

namespace asistencia::domain::crypto {

namespace {

constexpr std::string_view at_rest_prefix = "v1.";

bytes concat(std::string_view a, byte_view b) {
    bytes out(a.begin(), a.end());
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

bytes at_rest_key(byte_view master_key) { return hkdf_sha256(master_key, {}, as_bytes(info_at_rest), 32); }

} // namespace

bytes derive_handshake_secret(byte_view shared_secret, byte_view challenge, byte_view raw_credential_id) {
    return hkdf_sha256(shared_secret, challenge, concat(info_handshake, raw_credential_id), 32);
}

device_keys derive_device_keys(byte_view handshake_secret) {
    return {hkdf_sha256(handshake_secret, {}, as_bytes(info_totpu), 32),
            hkdf_sha256(handshake_secret, {}, as_bytes(info_qr), 32)};
}

bytes derive_session_totps_secret(byte_view master_key, std::int64_t session_id) {
    const std::string info = std::string(info_totps_prefix) + std::to_string(session_id);
    return hkdf_sha256(master_key, {}, as_bytes(info), 32);
}

bytes derive_participation_key(byte_view master_key) {
    return hkdf_sha256(master_key, {}, as_bytes(info_participation), 32);
}

std::string seal_at_rest(byte_view master_key, byte_view secret, std::string_view credential_id,
                         std::optional<bytes> iv) {
    const bytes nonce = iv ? std::move(*iv) : random_bytes(gcm_iv_size);
    const auto ct = aes256gcm_seal(at_rest_key(master_key), nonce, secret, as_bytes(credential_id));
    bytes blob(nonce);
    blob.insert(blob.end(), ct.begin(), ct.end());
    return std::string(at_rest_prefix) + encoding::base64url_encode(blob);
}

std::optional<bytes> open_at_rest(byte_view master_key, std::string_view sealed, std::string_view credential_id) {
    if (!sealed.starts_with(at_rest_prefix) || sealed.size() > 4096) return std::nullopt;
    const auto blob = encoding::base64url_decode(sealed.substr(at_rest_prefix.size()));
    if (!blob || blob->size() < gcm_iv_size + gcm_tag_size) return std::nullopt;
    const byte_view all(*blob);
    return aes256gcm_open(at_rest_key(master_key), all.first(gcm_iv_size), all.subspan(gcm_iv_size),
                          as_bytes(credential_id));
}

} // namespace asistencia::domain::crypto
