// Private: the clientDataJSON checks shared by registration and assertion
// (L2 7.1 steps 5-10, 7.2 steps 9-14).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/result.hpp>

namespace asistencia::infra::webauthn::detail {

// Parses clientDataJSON as JSON (never compared as text: browsers add keys) and checks
// type, challenge (constant time), origin, crossOrigin and tokenBinding.
boost::system::result<void> check_client_data(std::span<const std::uint8_t> client_data_json,
                                              std::string_view expected_type,
                                              std::span<const std::uint8_t> expected_challenge,
                                              const std::vector<std::string>& allowed_origins);

// Strict base64url without padding; false on any other character, on an impossible
// length or on non-zero padding bits. Exposed for the unit tests.
bool decode_base64url(std::string_view text, std::vector<std::uint8_t>& out);

} // namespace asistencia::infra::webauthn::detail
