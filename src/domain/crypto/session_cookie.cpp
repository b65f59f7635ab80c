// The app-session cookie codec; see session_cookie.hpp.
#include "asistencia/domain/crypto/session_cookie.hpp"

#include "asistencia/domain/encoding/base64.hpp"

namespace asistencia::domain::crypto {

namespace {

std::string mac_of(std::string_view session_id, byte_view key) {
    return encoding::base64url_encode(
        std::span<const std::uint8_t>(hmac(hash_algorithm::sha256, key, as_bytes(session_id))));
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

} // namespace

bytes derive_app_session_key(byte_view master_key) {
    return hkdf_sha256(master_key, {}, as_bytes(info_app_session), 32);
}

std::string new_session_id() {
    return encoding::base64url_encode(std::span<const std::uint8_t>(random_bytes(session_id_bytes)));
}

std::string seal_session_cookie(std::string_view session_id, byte_view key) {
    return std::string(session_id) + "." + mac_of(session_id, key);
}

std::optional<std::string> open_session_cookie(std::string_view cookie_value, byte_view key) {
    if (cookie_value.empty() || cookie_value.size() > max_session_cookie_bytes) return std::nullopt;
    const auto dot = cookie_value.find('.');
    if (dot == std::string_view::npos) return std::nullopt;
    const auto id = cookie_value.substr(0, dot);
    const auto mac = cookie_value.substr(dot + 1);
    // Canonical base64url of exactly 32 bytes only, so one id has one spelling.
    const auto raw = encoding::base64url_decode(id);
    if (!raw || raw->size() != session_id_bytes ||
        encoding::base64url_encode(std::span<const std::uint8_t>(*raw)) != id) {
        return std::nullopt;
    }
    const auto expected = mac_of(id, key);
    if (!constant_time_equal(as_bytes(expected), as_bytes(mac))) return std::nullopt;
    return std::string(id);
}

std::optional<std::string_view> cookie_value(std::string_view header, std::string_view name) {
    while (!header.empty()) {
        const auto semi = header.find(';');
        auto pair = trim(header.substr(0, semi));
        header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos) continue;
        if (trim(pair.substr(0, eq)) != name) continue;
        auto v = trim(pair.substr(eq + 1));
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        return v;
    }
    return std::nullopt;
}

} // namespace asistencia::domain::crypto
