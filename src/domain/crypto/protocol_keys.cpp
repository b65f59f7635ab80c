// Key derivations and the at-rest codec; see protocol_keys.hpp.
#include "asistencia/domain/crypto/protocol_keys.hpp"

#include "asistencia/domain/encoding/base64.hpp"

#include <charconv>

namespace asistencia::domain::crypto {

namespace {

constexpr std::size_t max_sealed_size = 4096;

std::string version_prefix(int version) { return "v" + std::to_string(version) + "."; }

bytes concat(std::string_view a, byte_view b) {
    bytes out(a.begin(), a.end());
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

// Version 1's info is info_at_rest itself, so "v1." values keep opening as before.
bytes at_rest_key(byte_view master_key, int version) {
    const std::string info =
        version == 1 ? std::string(info_at_rest) : "asistencia/at-rest/v" + std::to_string(version);
    return hkdf_sha256(master_key, {}, as_bytes(info), 32);
}

// `aes_key` is at_rest_key(master, version), derived by the caller (once, where it can).
std::string seal_with_aes_key(byte_view aes_key, int version, byte_view secret, std::string_view credential_id,
                              std::optional<bytes> iv) {
    const bytes nonce = iv ? std::move(*iv) : random_bytes(gcm_iv_size);
    const auto ct = aes256gcm_seal(aes_key, nonce, secret, as_bytes(credential_id));
    bytes blob(nonce);
    blob.insert(blob.end(), ct.begin(), ct.end());
    return version_prefix(version) + encoding::base64url_encode(blob);
}

std::optional<bytes> open_with_aes_key(byte_view aes_key, int version, std::string_view sealed,
                                       std::string_view credential_id) {
    const std::string prefix = version_prefix(version);
    if (!sealed.starts_with(prefix) || sealed.size() > max_sealed_size) return std::nullopt;
    const auto blob = encoding::base64url_decode(sealed.substr(prefix.size()));
    if (!blob || blob->size() < gcm_iv_size + gcm_tag_size) return std::nullopt;
    const byte_view all(*blob);
    return aes256gcm_open(aes_key, all.first(gcm_iv_size), all.subspan(gcm_iv_size), as_bytes(credential_id));
}

std::string seal_with(byte_view master_key, int version, byte_view secret, std::string_view credential_id,
                      std::optional<bytes> iv) {
    return seal_with_aes_key(at_rest_key(master_key, version), version, secret, credential_id, std::move(iv));
}

std::optional<bytes> open_with(byte_view master_key, int version, std::string_view sealed,
                               std::string_view credential_id) {
    return open_with_aes_key(at_rest_key(master_key, version), version, sealed, credential_id);
}

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

const bytes* at_rest_key_ring::key(int version) const {
    if (version == current_version) return &current;
    const auto it = previous.find(version);
    return it == previous.end() ? nullptr : &it->second;
}

std::optional<int> at_rest_version(std::string_view sealed) {
    if (!sealed.starts_with('v')) return std::nullopt;
    const auto dot = sealed.find('.');
    if (dot == std::string_view::npos || dot < 2 || dot > 5) return std::nullopt;
    if (sealed[1] == '0') return std::nullopt; // one spelling per version: no leading zeros
    int v = 0;
    const auto [end, ec] = std::from_chars(sealed.data() + 1, sealed.data() + dot, v);
    if (ec != std::errc{} || end != sealed.data() + dot || v < 1 || v > max_at_rest_version) return std::nullopt;
    return v;
}

std::string seal_at_rest(const at_rest_key_ring& ring, byte_view secret, std::string_view credential_id,
                         std::optional<bytes> iv) {
    return seal_with(ring.current, ring.current_version, secret, credential_id, std::move(iv));
}

std::optional<bytes> open_at_rest(const at_rest_key_ring& ring, std::string_view sealed,
                                  std::string_view credential_id) {
    const auto version = at_rest_version(sealed);
    if (!version) return std::nullopt;
    const bytes* key = ring.key(*version);
    if (key == nullptr) return std::nullopt;
    return open_with(*key, *version, sealed, credential_id);
}

std::string seal_at_rest(byte_view master_key, byte_view secret, std::string_view credential_id,
                         std::optional<bytes> iv) {
    return seal_with(master_key, 1, secret, credential_id, std::move(iv));
}

std::optional<bytes> open_at_rest(byte_view master_key, std::string_view sealed, std::string_view credential_id) {
    return open_with(master_key, 1, sealed, credential_id);
}

at_rest_v1_key::at_rest_v1_key(byte_view master_key) : aes_key_(at_rest_key(master_key, 1)) {}

std::string at_rest_v1_key::seal(byte_view secret, std::string_view aad, std::optional<bytes> iv) const {
    return seal_with_aes_key(aes_key_, 1, secret, aad, std::move(iv));
}

std::optional<bytes> at_rest_v1_key::open(std::string_view sealed, std::string_view aad) const {
    return open_with_aes_key(aes_key_, 1, sealed, aad);
}

} // namespace asistencia::domain::crypto
