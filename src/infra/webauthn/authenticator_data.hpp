// Private: authenticatorData layout (L2 section 6.1) and the checks on it shared by
// registration and assertion: rpIdHash, UP, UV, BE/BS consistency.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include <boost/system/result.hpp>

#include "asistencia/infra/webauthn/types.hpp"

namespace asistencia::infra::webauthn::detail {

struct attested_credential_data {
    std::span<const std::uint8_t> aaguid; // 16 bytes
    std::span<const std::uint8_t> credential_id;
    std::span<const std::uint8_t> public_key_cose; // the COSE_Key item, exactly
    int algorithm = 0;                             // label 3 of the COSE_Key
};

struct authenticator_data {
    std::span<const std::uint8_t> rp_id_hash; // 32 bytes
    authenticator_flags flags;
    std::uint32_t sign_count = 0;
    std::optional<attested_credential_data> attested;
    std::span<const std::uint8_t> extensions; // the extensions map item, or empty
};

// Splits authenticatorData into its fields. The spans point into `bytes`. Every byte
// must belong to a field: trailing bytes are refused.
boost::system::result<authenticator_data> parse_authenticator_data(std::span<const std::uint8_t> bytes);

// rpIdHash == SHA-256(rp_id), UP set, UV set when required, BS not set without BE.
boost::system::result<void> check_rp_id_and_flags(const authenticator_data& data, std::string_view rp_id,
                                                  bool require_user_verification);

} // namespace asistencia::infra::webauthn::detail
