// Bearer token checks; see authenticator.hpp.
#include "asistencia/transport/auth/authenticator.hpp"

#include "asistencia/application/errors.hpp"

#include <cctype>

namespace asistencia::transport::auth {

namespace {

namespace tokens = domain::tokens;

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

application::error refused(tokens::token_error e) {
    const std::string code(tokens::http_error_code(e));
    return application::unauthenticated(
        code, code == "token_expired" ? "the token has expired; sign in again" : "missing or invalid token");
}

std::string_view token_of(std::string_view authorization) {
    const auto t = bearer_token(authorization);
    if (!t) throw refused(tokens::token_error::missing);
    return *t;
}

// The cookie's session when the request has no Authorization header and carries the cookie.
const user_claims* cookie_user(const credentials& c) {
    if (!c.authorization.empty() || c.cookie == nullptr || !c.cookie->present) return nullptr;
    if (c.cookie->refusal) std::rethrow_exception(c.cookie->refusal);
    if (!c.cookie->user) throw refused(tokens::token_error::missing);
    return &*c.cookie->user;
}

} // namespace

std::optional<std::string_view> bearer_token(std::string_view authorization) {
    constexpr std::string_view scheme = "bearer";
    if (authorization.size() <= scheme.size() + 1) return std::nullopt;
    if (!iequals(authorization.substr(0, scheme.size()), scheme)) return std::nullopt;
    if (authorization[scheme.size()] != ' ') return std::nullopt;
    auto token = authorization.substr(scheme.size() + 1);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    if (token.empty()) return std::nullopt;
    return token;
}

authenticator::authenticator(std::string user_secret, std::string internal_secret, std::string participation_key,
                             token_settings settings)
    : user_secret_(std::move(user_secret)),
      internal_secret_(std::move(internal_secret)),
      participation_key_(std::move(participation_key)),
      settings_(std::move(settings)),
      participation_cache_(participation_key_, settings_) {
    tokens::validate(settings_);
}

user_claims authenticator::user(credentials c) const {
    if (const auto* u = cookie_user(c)) return *u;
    auto r = tokens::verify_user_token(token_of(c.authorization), user_secret_, settings_);
    if (!r) throw refused(r.error());
    return std::move(*r);
}

user_claims authenticator::professor(credentials c) const {
    auto u = user(c);
    if (u.role != user_role::profesor) {
        throw application::forbidden("forbidden", "only a professor can do this");
    }
    return u;
}

user_claims authenticator::student(credentials c) const {
    auto u = user(c);
    if (u.role != user_role::alumno) {
        throw application::forbidden("forbidden", "only a student can do this");
    }
    return u;
}

caller authenticator::internal_or_user(credentials c) const {
    if (const auto* u = cookie_user(c)) return caller{false, *u};
    const auto token = token_of(c.authorization);
    const auto internal = tokens::verify_internal_inbound_token(token, internal_secret_, settings_);
    if (internal) return caller{true, std::nullopt};
    auto u = tokens::verify_user_token(token, user_secret_, settings_);
    if (u) return caller{false, std::move(*u)};
    // A well-signed but expired internal token deserves "expired", not "invalid".
    throw refused(internal.error() == tokens::token_error::expired ? internal.error() : u.error());
}

participation_claims authenticator::participation(credentials c) const {
    auto r = participation_cache_.verify(token_of(c.authorization));
    if (!r) throw refused(r.error());
    return *r;
}

} // namespace asistencia::transport::auth
