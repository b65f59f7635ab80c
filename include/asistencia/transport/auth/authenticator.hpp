// Who is calling: the Authorization header of a request checked against the token kinds of
// PROTOCOL.md section 3, or (without that header) the app-session cookie the request hook
// resolved (docs/tokens.md). Refusals are application::errors (unauthenticated invalid_token / token_expired,
// 403 forbidden) so handlers just call one function. Pure (no Beast types), unit-tested.
#pragma once

#include "asistencia/domain/tokens/jwt.hpp"
#include "asistencia/domain/tokens/participation_cache.hpp"
#include "asistencia/transport/auth/credentials.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace asistencia::transport::auth {

using domain::tokens::participation_claims;
using domain::tokens::token_settings;
using domain::tokens::user_claims;
using domain::tokens::user_role;

// The token of "Bearer <token>" (scheme case-insensitive, RFC 7235), nullopt otherwise.
std::optional<std::string_view> bearer_token(std::string_view authorization);

// A caller of the endpoints PHP uses: the PHP module itself (internal token) or a user.
struct caller {
    bool internal = false;
    std::optional<user_claims> user; // set when !internal
};

class authenticator {
public:
    // Secrets as raw bytes; the participation key is derived from SERVER_MASTER_KEY by main.
    authenticator(std::string user_secret, std::string internal_secret, std::string participation_key,
                  token_settings settings);

    // A Bearer header decides alone; without one, the cookie's session (or its refusal).
    user_claims user(credentials c) const;
    user_claims professor(credentials c) const; // 403 for a student
    user_claims student(credentials c) const;   // 403 for a professor
    caller internal_or_user(credentials c) const;
    // Participation tokens only (never the cookie). Each token is verified once and then
    // only its expiry is checked again (domain/tokens/participation_cache.hpp).
    participation_claims participation(credentials c) const;

    const token_settings& settings() const noexcept { return settings_; }

private:
    std::string user_secret_;
    std::string internal_secret_;
    std::string participation_key_;
    token_settings settings_;
    mutable domain::tokens::participation_token_cache participation_cache_; // thread-safe
};

} // namespace asistencia::transport::auth
