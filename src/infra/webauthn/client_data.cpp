// clientDataJSON checks: parsed with nlohmann_json, challenge compared in constant time.
#include "client_data.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>

#include "asistencia/domain/encoding/base64.hpp"
#include "asistencia/infra/webauthn/types.hpp"
#include "asistencia/infra/webauthn/webauthn_error.hpp"

namespace asistencia::infra::webauthn::detail {

namespace {

const nlohmann::json* find_member(const nlohmann::json& object, const char* key) {
    auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

} // namespace

bool decode_base64url(std::string_view text, std::vector<std::uint8_t>& out) {
    auto decoded = domain::encoding::base64url_decode(text);
    if (!decoded) return false;
    out = std::move(*decoded);
    return true;
}

boost::system::result<void> check_client_data(std::span<const std::uint8_t> client_data_json,
                                              std::string_view expected_type,
                                              std::span<const std::uint8_t> expected_challenge,
                                              const std::vector<std::string>& allowed_origins) {
    if (client_data_json.size() > limits::client_data_json || expected_challenge.size() > limits::challenge) {
        return errc::too_large;
    }
    // No exceptions on bad input: a parse failure yields a discarded value. nlohmann
    // also refuses ill-formed UTF-8 inside strings, as L2 7.1 step 5 requires.
    const auto json =
        nlohmann::json::parse(client_data_json.begin(), client_data_json.end(), nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded() || !json.is_object()) return errc::malformed_client_data;

    const auto* type = find_member(json, "type");
    const auto* challenge = find_member(json, "challenge");
    const auto* origin = find_member(json, "origin");
    if (type == nullptr || !type->is_string() || challenge == nullptr || !challenge->is_string() || origin == nullptr ||
        !origin->is_string()) {
        return errc::malformed_client_data;
    }

    if (type->get_ref<const std::string&>() != expected_type) return errc::wrong_type;

    std::vector<std::uint8_t> received;
    if (!decode_base64url(challenge->get_ref<const std::string&>(), received)) {
        return errc::challenge_mismatch;
    }
    // The lengths are public (the server chose them); the contents are compared in
    // constant time. An empty expected challenge never matches.
    if (expected_challenge.empty() || received.size() != expected_challenge.size() ||
        CRYPTO_memcmp(received.data(), expected_challenge.data(), received.size()) != 0) {
        return errc::challenge_mismatch;
    }

    const auto& origin_text = origin->get_ref<const std::string&>();
    if (std::find(allowed_origins.begin(), allowed_origins.end(), origin_text) == allowed_origins.end()) {
        return errc::origin_not_allowed;
    }

    if (const auto* cross = find_member(json, "crossOrigin"); cross != nullptr) {
        if (!cross->is_boolean()) return errc::malformed_client_data;
        if (cross->get<bool>()) return errc::cross_origin_not_allowed;
    }

    if (const auto* binding = find_member(json, "tokenBinding"); binding != nullptr) {
        if (!binding->is_object()) return errc::malformed_client_data;
        const auto* status = find_member(*binding, "status");
        if (status == nullptr || !status->is_string()) return errc::malformed_client_data;
        if (status->get_ref<const std::string&>() == "present") {
            return errc::token_binding_not_supported;
        }
    }
    return {};
}

} // namespace asistencia::infra::webauthn::detail
