// The four JWTs of PROTOCOL.md section 3 (user, internal PHP->server, internal server->PHP,
// participation): typed claims, issuing and verification, HS256 only, exp required.
// Pure code: the caller passes secrets, settings and the current time.
#pragma once

#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace asistencia::domain::tokens {

using clock = std::chrono::system_clock;
using time_point = clock::time_point;
using seconds_point = std::chrono::sys_seconds;

// Tokens longer than this are refused before any parsing (a real one is < 600 bytes).
inline constexpr std::size_t max_token_bytes = std::size_t{8} * 1024;
// Clock tolerance ceiling for exp/nbf; settings above it are rejected by validate().
inline constexpr std::chrono::seconds max_leeway{30};

// Issuer/audience strings and lifetimes. Defaults are the seed's, so an existing PHP
// module works unchanged (PROTOCOL.md section 3).
struct token_settings {
    std::string user_issuer = "php-legacy-system";  // user token `iss`
    std::string php_issuer = "php-legacy-system";   // internal PHP->server `iss`
    std::string server_audience = "node-service";   // internal PHP->server `aud`
    std::string server_issuer = "node-service";     // server->PHP and participation `iss`
    std::string php_audience = "php-legacy-system"; // internal server->PHP `aud`
    std::string internal_subject = "internal-communication";
    std::chrono::seconds leeway{30}; // at most max_leeway
    std::chrono::seconds user_token_ttl{5 * 60};
    std::chrono::seconds internal_token_ttl{60 * 60};
    std::chrono::seconds participation_max_ttl{4 * 60 * 60};
};

// Throws std::invalid_argument when a setting is unusable (empty string, leeway above 30 s,
// non-positive lifetime). Call it once at startup; verify() also clamps the leeway.
void validate(const token_settings& settings);

// Why a token was refused. Every value is an unauthenticated refusal: `token_expired` for
// `expired`, `invalid_token` for the rest (see http_error_code()).
enum class token_error {
    missing,         // empty string (no token at all)
    too_large,       // more than max_token_bytes
    malformed,       // not three base64url parts, header/payload not JSON objects, bad header
    wrong_algorithm, // header `alg` is anything but "HS256" (none, HS512, RS256, hs256, ...)
    bad_signature,   // HMAC-SHA256 does not match (tampered or signed with another secret)
    expired,         // now > exp + leeway
    not_yet_valid,   // now < nbf - leeway
    wrong_issuer,    // `iss` missing or not the configured one
    wrong_audience,  // `aud` missing or not the configured one
    wrong_type,      // a token of another kind (typ / internal subject mismatch)
    invalid_claims,  // a required claim is missing or has the wrong type or value (exp too)
};

std::string_view to_string(token_error error) noexcept;
// "token_expired" or "invalid_token" (PROTOCOL.md section 9 codes for an unauthenticated caller).
std::string_view http_error_code(token_error error) noexcept;

// Thrown only by result<T>::value() on an error; normal code tests the result instead.
class token_verification_error : public std::exception {
public:
    explicit token_verification_error(token_error error) noexcept : error_(error) {}
    token_error error() const noexcept { return error_; }
    const char* what() const noexcept override;

private:
    token_error error_;
};
[[noreturn]] void throw_exception_from_error(token_error error, const boost::source_location&);

template <class T>
using verify_result = boost::system::result<T, token_error>;

enum class user_role { profesor, alumno };
std::string_view to_string(user_role role) noexcept;

// User token (issued by PHP after the legacy login, secret JWT_SECRET).
struct user_claims {
    std::int64_t user_id = 0; // `userId`; `sub` carries the same number as a string
    std::string username;
    user_role role = user_role::alumno;
    seconds_point expires_at{};
    std::optional<seconds_point> issued_at;
};

// Both internal tokens (secret JWT_SECRET_INTERNAL): who sent it and until when.
struct internal_claims {
    std::string issuer;
    std::string audience;
    std::string subject;
    seconds_point expires_at{};
    std::optional<seconds_point> issued_at;
};

// Participation token (server key derived from SERVER_MASTER_KEY), `typ` = participation.
struct participation_claims {
    std::int64_t session_id = 0; // `sid`
    std::int64_t user_id = 0;    // `uid`
    std::int64_t device_id = 0;  // `did`
    seconds_point expires_at{};
    std::optional<seconds_point> issued_at;
};

// A freshly signed token and its lifetime, so callers can cache and renew it.
struct issued_token {
    std::string token;
    seconds_point issued_at{};
    seconds_point expires_at{};
};

// Secrets and keys are raw bytes (the UTF-8 bytes of JWT_SECRET etc., as the seed's Node and
// PHP code use them). An empty secret is a configuration error: std::invalid_argument.
// Issuing throws std::invalid_argument for claims that cannot be encoded (ids <= 0, username
// that is not UTF-8) and for a participation token whose session has already closed.

issued_token issue_user_token(const user_claims& claims, std::string_view secret, const token_settings& settings,
                              time_point now = clock::now());
// The PHP module's token towards this server (used by tests and the PHP stand-in's checks).
issued_token issue_internal_inbound_token(std::string_view secret, const token_settings& settings,
                                          time_point now = clock::now());
// This server's token towards PHP (1 h); cache it, renew it before expires_at.
issued_token issue_internal_outbound_token(std::string_view secret, const token_settings& settings,
                                           time_point now = clock::now());
// exp = min(session_closes_at, now + participation_max_ttl); no close time = the maximum.
issued_token issue_participation_token(const participation_claims& claims, std::string_view key,
                                       const token_settings& settings, std::optional<time_point> session_closes_at,
                                       time_point now = clock::now());

// Verification never throws for bad input: every refusal is a token_error value.
verify_result<user_claims> verify_user_token(std::string_view token, std::string_view secret,
                                             const token_settings& settings, time_point now = clock::now());
verify_result<internal_claims> verify_internal_inbound_token(std::string_view token, std::string_view secret,
                                                             const token_settings& settings,
                                                             time_point now = clock::now());
verify_result<internal_claims> verify_internal_outbound_token(std::string_view token, std::string_view secret,
                                                              const token_settings& settings,
                                                              time_point now = clock::now());
verify_result<participation_claims> verify_participation_token(std::string_view token, std::string_view key,
                                                               const token_settings& settings,
                                                               time_point now = clock::now());

// Holds the server->PHP token and signs a new one when the current one is within
// `renew_before` of its expiry. Thread-safe; signing happens under the lock (a few µs).
class outbound_token_cache {
public:
    outbound_token_cache(std::string secret, token_settings settings,
                         std::chrono::seconds renew_before = std::chrono::minutes{5});

    // The token to send now; never one that expires within renew_before.
    std::string get(time_point now = clock::now());
    // The cached token's expiry (nullopt before the first get()).
    std::optional<seconds_point> expires_at() const;

private:
    std::string secret_;
    token_settings settings_;
    std::chrono::seconds renew_before_;
    mutable std::mutex mutex_;
    std::optional<issued_token> current_; // guarded by mutex_
};

} // namespace asistencia::domain::tokens
