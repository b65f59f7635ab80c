// Issuing and verifying the protocol's JWTs. Verification is layered: our own strict checks
// (size, structure, alg pinned to HS256, constant-time HMAC before any claim is trusted,
// typed claims, exp required, leeway <= 30 s, injected clock), then cpp-jwt's decode with
// verify(true) as an independent second opinion on the tokens other programs issue (PHP's
// user and internal tokens). Issuing goes through cpp-jwt.
// This TU includes cpp-jwt, whose headers use OpenSSL 1.1 APIs: never build it with
// OPENSSL_NO_DEPRECATED.
#include "asistencia/domain/tokens/jwt.hpp"

#include "asistencia/domain/tokens/jwt_raw.hpp"
#include "hs256.hpp"
#include "leeway.hpp"

#include <jwt/jwt.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <strings.h>

namespace asistencia::domain::tokens {
namespace {

using json = nlohmann::json;

// 9999-12-31T23:59:59Z: keeps every time claim far from chrono and uint64 overflow.
constexpr std::int64_t max_time_claim = 253402300799;
// Ids are PostgreSQL INTEGER columns (SERIAL keys, legacy user ids).
constexpr std::int64_t max_id = std::numeric_limits<std::int32_t>::max();

constexpr std::string_view participation_typ = "participation";

// What a token of one kind must say besides a valid signature and exp.
struct expectation {
    std::string_view issuer;
    std::optional<std::string_view> audience; // nullopt: `aud` not checked
    std::optional<std::string_view> subject;  // nullopt: `sub` checked by the caller, if at all
    std::optional<std::string_view> typ;      // nullopt: a `typ` claim must be absent
    // cpp-jwt's decode after ours. Off only for participation tokens: this server issued them
    // with its own key, they are checked on every answer (the hot path), and cpp-jwt only ever
    // refuses what our stricter checks refused already (docs/tokens.md).
    bool second_opinion = true;
};

struct verified_token {
    // Not an aggregate: json converts from any enum, which would make result<> ambiguous.
    verified_token() = default;
    json payload;
    seconds_point expires_at;
    std::optional<seconds_point> issued_at;
};

void require_secret(std::string_view secret) {
    if (secret.empty()) throw std::invalid_argument("JWT secret must not be empty");
}

using detail::effective_leeway;

std::optional<json> decode_json_object(std::string_view part) {
    auto bytes = raw::base64url_decode(part);
    if (!bytes) return std::nullopt;
    json value = json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
    if (!value.is_object()) return std::nullopt; // also rejects parse failures (discarded)
    return value;
}

// An integer claim within [min, max]: nullopt when absent, invalid_claims when present but
// not an integer in range (floats, strings and negative times are refused).
verify_result<std::optional<std::int64_t>> integer_claim(const json& payload, const char* name, std::int64_t min,
                                                         std::int64_t max) {
    const auto it = payload.find(name);
    if (it == payload.end()) return std::optional<std::int64_t>{};
    if (!it->is_number_integer()) return token_error::invalid_claims;
    std::int64_t value = 0;
    if (it->is_number_unsigned()) {
        const auto u = it->get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(max)) return token_error::invalid_claims;
        value = static_cast<std::int64_t>(u);
    } else {
        value = it->get<std::int64_t>();
    }
    if (value < min || value > max) return token_error::invalid_claims;
    return std::optional<std::int64_t>{value};
}

// nullopt when absent or not a string.
std::optional<std::string_view> string_claim(const json& payload, const char* name) {
    const auto it = payload.find(name);
    if (it == payload.end() || !it->is_string()) return std::nullopt;
    return std::string_view{it->get_ref<const std::string&>()};
}

token_error map_cpp_jwt_error(const std::error_code& ec) {
    if (ec.category() == jwt::make_error_code(jwt::VerificationErrc::TokenExpired).category()) {
        switch (static_cast<jwt::VerificationErrc>(ec.value())) {
            case jwt::VerificationErrc::InvalidAlgorithm:
                return token_error::wrong_algorithm;
            case jwt::VerificationErrc::TokenExpired:
                return token_error::expired;
            case jwt::VerificationErrc::InvalidIssuer:
                return token_error::wrong_issuer;
            case jwt::VerificationErrc::InvalidAudience:
                return token_error::wrong_audience;
            case jwt::VerificationErrc::InvalidSubject:
                return token_error::wrong_type;
            case jwt::VerificationErrc::ImmatureSignature:
                return token_error::not_yet_valid;
            case jwt::VerificationErrc::InvalidSignature:
                return token_error::bad_signature;
            default:
                return token_error::invalid_claims;
        }
    }
    if (ec == jwt::AlgorithmErrc::NoneAlgorithmUsed) return token_error::wrong_algorithm;
    if (ec.category() == jwt::make_error_code(jwt::AlgorithmErrc::VerificationErr).category()) {
        return token_error::bad_signature;
    }
    return token_error::malformed;
}

// cpp-jwt's own verification (alg pinned through algorithms({"HS256"}), signature, exp/nbf
// with the same leeway, iss, aud, sub). It reads the system clock itself, so a token must
// also be valid at the real current time; in production `now` is that time anyway.
std::optional<token_error> cpp_jwt_check(std::string_view token, std::string_view secret, const expectation& want,
                                         std::chrono::seconds leeway) {
    using namespace jwt::params;
    // cpp-jwt's issuer()/aud()/sub() keep only .data(): hand them NUL-terminated strings.
    const std::string iss{want.issuer};
    const std::string audience{want.audience.value_or("")};
    const std::string subject{want.subject.value_or("")};
    const auto lw = static_cast<std::uint32_t>(leeway.count());
    const jwt::string_view tv{token.data(), token.size()};
    std::error_code ec;
    try {
        if (want.audience && want.subject) {
            jwt::decode(tv, algorithms({"HS256"}), ec, jwt::params::secret(secret), verify(true),
                        jwt::params::leeway(lw), issuer(iss), aud(audience), sub(subject));
        } else if (want.audience) {
            jwt::decode(tv, algorithms({"HS256"}), ec, jwt::params::secret(secret), verify(true),
                        jwt::params::leeway(lw), issuer(iss), aud(audience));
        } else {
            jwt::decode(tv, algorithms({"HS256"}), ec, jwt::params::secret(secret), verify(true),
                        jwt::params::leeway(lw), issuer(iss));
        }
    } catch (const std::exception&) {
        // Our checks ran first, so this means a cpp-jwt parsing quirk: refuse the token.
        return token_error::malformed;
    }
    if (ec) return map_cpp_jwt_error(ec);
    return std::nullopt;
}

verify_result<verified_token> verify_common(std::string_view token, std::string_view secret, const expectation& want,
                                            const token_settings& settings, time_point now) {
    require_secret(secret);
    if (token.empty()) return token_error::missing;
    if (token.size() > max_token_bytes) return token_error::too_large;

    // Exactly three parts; header and payload non-empty (an empty signature fails below).
    const auto dot1 = token.find('.');
    if (dot1 == std::string_view::npos) return token_error::malformed;
    const auto dot2 = token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos) return token_error::malformed;
    if (token.find('.', dot2 + 1) != std::string_view::npos) return token_error::malformed;
    const auto header_part = token.substr(0, dot1);
    const auto payload_part = token.substr(dot1 + 1, dot2 - dot1 - 1);
    const auto signature_part = token.substr(dot2 + 1);
    if (header_part.empty() || payload_part.empty()) return token_error::malformed;

    const auto header = decode_json_object(header_part);
    if (!header) return token_error::malformed;
    const auto alg = string_claim(*header, "alg");
    if (!alg) return token_error::malformed;
    // Pinned: the header only gets to agree. "none", "hs256", "HS512", "RS256" all fail here.
    if (*alg != "HS256") return token_error::wrong_algorithm;
    if (header->contains("typ")) {
        const auto typ = string_claim(*header, "typ");
        if (!typ || typ->size() != 3 || strncasecmp(typ->data(), "JWT", 3) != 0) {
            return token_error::malformed;
        }
    }
    // We implement no JWS extensions, so a critical one must be refused (RFC 7515 4.1.11).
    if (header->contains("crit")) return token_error::malformed;

    // Nothing in the payload is looked at before the signature holds.
    if (!detail::hs256_signature_matches(secret, token.substr(0, dot2), signature_part)) {
        return token_error::bad_signature;
    }

    auto payload = decode_json_object(payload_part);
    if (!payload) return token_error::malformed;

    const auto exp = integer_claim(*payload, "exp", 0, max_time_claim);
    if (!exp) return exp.error();
    if (!*exp) return token_error::invalid_claims; // exp is required
    const auto nbf = integer_claim(*payload, "nbf", 0, max_time_claim);
    if (!nbf) return nbf.error();
    const auto iat = integer_claim(*payload, "iat", 0, max_time_claim);
    if (!iat) return iat.error();

    // Whole seconds, inclusive, like cpp-jwt: valid while now <= exp + leeway.
    const auto leeway = effective_leeway(settings);
    const auto now_s = std::chrono::floor<std::chrono::seconds>(now).time_since_epoch().count();
    if (now_s > **exp + leeway.count()) return token_error::expired;
    if (*nbf && now_s < **nbf - leeway.count()) return token_error::not_yet_valid;

    const auto iss = string_claim(*payload, "iss");
    if (!iss || *iss != want.issuer) return token_error::wrong_issuer;
    if (want.audience) {
        const auto aud = string_claim(*payload, "aud");
        if (!aud || *aud != *want.audience) return token_error::wrong_audience;
    }
    if (want.typ) {
        const auto typ = string_claim(*payload, "typ");
        if (!typ || *typ != *want.typ) return token_error::wrong_type;
    } else if (payload->contains("typ")) {
        return token_error::wrong_type;
    }
    if (want.subject) {
        const auto sub = string_claim(*payload, "sub");
        if (!sub || *sub != *want.subject) return token_error::wrong_type;
    }

    if (want.second_opinion) {
        if (const auto refused = cpp_jwt_check(token, secret, want, leeway)) return *refused;
    }

    verified_token out;
    out.expires_at = seconds_point{std::chrono::seconds{**exp}};
    if (*iat) out.issued_at = seconds_point{std::chrono::seconds{**iat}};
    out.payload = std::move(*payload);
    return out;
}

// Signs `claims` (plus iat/exp) with HS256 through cpp-jwt.
issued_token sign(json claims, std::string_view secret, seconds_point issued_at, seconds_point expires_at) {
    require_secret(secret);
    claims["iat"] = issued_at.time_since_epoch().count();
    claims["exp"] = expires_at.time_since_epoch().count();
    jwt::jwt_object object{jwt::params::algorithm("HS256"), jwt::params::secret(secret)};
    for (auto it = claims.begin(); it != claims.end(); ++it) object.add_claim(it.key(), *it);
    std::error_code ec;
    std::string token;
    try {
        token = object.signature(ec);
    } catch (const json::exception&) {
        throw std::invalid_argument("token claims cannot be encoded (invalid UTF-8?)");
    }
    if (ec) throw std::runtime_error("JWT signing failed: " + ec.message());
    return {std::move(token), issued_at, expires_at};
}

void require_id(std::int64_t id, const char* what) {
    if (id <= 0 || id > max_id) {
        throw std::invalid_argument(std::string{what} + " must be in 1..2147483647");
    }
}

seconds_point to_seconds(time_point t) { return std::chrono::floor<std::chrono::seconds>(t); }

expectation user_expectation(const token_settings& s) {
    return {s.user_issuer, std::nullopt, std::nullopt, std::nullopt};
}
expectation inbound_expectation(const token_settings& s) {
    return {s.php_issuer, s.server_audience, s.internal_subject, std::nullopt};
}
expectation outbound_expectation(const token_settings& s) {
    return {s.server_issuer, s.php_audience, s.internal_subject, std::nullopt};
}
expectation participation_expectation(const token_settings& s) {
    return {s.server_issuer, std::nullopt, std::nullopt, participation_typ, /*second_opinion=*/false};
}

verify_result<internal_claims> to_internal(verify_result<verified_token> r) {
    if (!r) return r.error();
    internal_claims c;
    c.issuer = r->payload.at("iss").get<std::string>();
    c.audience = r->payload.at("aud").get<std::string>();
    c.subject = r->payload.at("sub").get<std::string>();
    c.expires_at = r->expires_at;
    c.issued_at = r->issued_at;
    return c;
}

} // namespace

void validate(const token_settings& s) {
    for (const auto* value :
         {&s.user_issuer, &s.php_issuer, &s.server_audience, &s.server_issuer, &s.php_audience, &s.internal_subject}) {
        if (value->empty()) throw std::invalid_argument("token issuer/audience must not be empty");
    }
    if (s.leeway < std::chrono::seconds{0} || s.leeway > max_leeway) {
        throw std::invalid_argument("JWT leeway must be within 0..30 s");
    }
    if (s.user_token_ttl <= std::chrono::seconds{0} || s.internal_token_ttl <= std::chrono::seconds{0} ||
        s.participation_max_ttl <= std::chrono::seconds{0}) {
        throw std::invalid_argument("token lifetimes must be positive");
    }
}

std::string_view to_string(token_error error) noexcept {
    switch (error) {
        case token_error::missing:
            return "missing";
        case token_error::too_large:
            return "too_large";
        case token_error::malformed:
            return "malformed";
        case token_error::wrong_algorithm:
            return "wrong_algorithm";
        case token_error::bad_signature:
            return "bad_signature";
        case token_error::expired:
            return "expired";
        case token_error::not_yet_valid:
            return "not_yet_valid";
        case token_error::wrong_issuer:
            return "wrong_issuer";
        case token_error::wrong_audience:
            return "wrong_audience";
        case token_error::wrong_type:
            return "wrong_type";
        case token_error::invalid_claims:
            return "invalid_claims";
    }
    return "unknown";
}

std::string_view http_error_code(token_error error) noexcept {
    return error == token_error::expired ? "token_expired" : "invalid_token";
}

const char* token_verification_error::what() const noexcept {
    return to_string(error_).data(); // the literals above are NUL-terminated
}

void throw_exception_from_error(token_error error, const boost::source_location&) {
    throw token_verification_error(error);
}

std::string_view to_string(user_role role) noexcept { return role == user_role::profesor ? "profesor" : "alumno"; }

issued_token issue_user_token(const user_claims& claims, std::string_view secret, const token_settings& settings,
                              time_point now) {
    require_id(claims.user_id, "userId");
    const auto iat = to_seconds(now);
    json c = {{"sub", std::to_string(claims.user_id)},
              {"userId", claims.user_id},
              {"username", claims.username},
              {"rol", std::string{to_string(claims.role)}},
              {"iss", settings.user_issuer}};
    return sign(std::move(c), secret, iat, iat + settings.user_token_ttl);
}

issued_token issue_internal_inbound_token(std::string_view secret, const token_settings& settings, time_point now) {
    const auto iat = to_seconds(now);
    json c = {{"iss", settings.php_issuer}, {"aud", settings.server_audience}, {"sub", settings.internal_subject}};
    return sign(std::move(c), secret, iat, iat + settings.internal_token_ttl);
}

issued_token issue_internal_outbound_token(std::string_view secret, const token_settings& settings, time_point now) {
    const auto iat = to_seconds(now);
    json c = {{"iss", settings.server_issuer}, {"aud", settings.php_audience}, {"sub", settings.internal_subject}};
    return sign(std::move(c), secret, iat, iat + settings.internal_token_ttl);
}

issued_token issue_participation_token(const participation_claims& claims, std::string_view key,
                                       const token_settings& settings, std::optional<time_point> session_closes_at,
                                       time_point now) {
    require_id(claims.session_id, "sid");
    require_id(claims.user_id, "uid");
    require_id(claims.device_id, "did");
    const auto iat = to_seconds(now);
    auto exp = iat + settings.participation_max_ttl;
    if (session_closes_at) {
        const auto closes = to_seconds(*session_closes_at);
        if (closes <= iat) throw std::invalid_argument("session already closed");
        exp = std::min(exp, closes);
    }
    json c = {{"sid", claims.session_id},
              {"uid", claims.user_id},
              {"did", claims.device_id},
              {"typ", std::string{participation_typ}},
              {"iss", settings.server_issuer}};
    return sign(std::move(c), key, iat, exp);
}

verify_result<user_claims> verify_user_token(std::string_view token, std::string_view secret,
                                             const token_settings& settings, time_point now) {
    auto r = verify_common(token, secret, user_expectation(settings), settings, now);
    if (!r) return r.error();
    const auto& p = r->payload;
    const auto user_id = integer_claim(p, "userId", 1, max_id);
    if (!user_id || !*user_id) return token_error::invalid_claims;
    // `sub` is the same id as a string (the seed's PHP module sets both).
    const auto sub = string_claim(p, "sub");
    if (!sub || *sub != std::to_string(**user_id)) return token_error::invalid_claims;
    const auto username = string_claim(p, "username");
    if (!username || username->empty()) return token_error::invalid_claims;
    const auto rol = string_claim(p, "rol");
    if (!rol) return token_error::invalid_claims;
    user_claims c;
    if (*rol == "profesor") {
        c.role = user_role::profesor;
    } else if (*rol == "alumno") {
        c.role = user_role::alumno;
    } else {
        return token_error::invalid_claims;
    }
    c.user_id = **user_id;
    c.username = std::string{*username};
    c.expires_at = r->expires_at;
    c.issued_at = r->issued_at;
    return c;
}

verify_result<internal_claims> verify_internal_inbound_token(std::string_view token, std::string_view secret,
                                                             const token_settings& settings, time_point now) {
    return to_internal(verify_common(token, secret, inbound_expectation(settings), settings, now));
}

verify_result<internal_claims> verify_internal_outbound_token(std::string_view token, std::string_view secret,
                                                              const token_settings& settings, time_point now) {
    return to_internal(verify_common(token, secret, outbound_expectation(settings), settings, now));
}

verify_result<participation_claims> verify_participation_token(std::string_view token, std::string_view key,
                                                               const token_settings& settings, time_point now) {
    auto r = verify_common(token, key, participation_expectation(settings), settings, now);
    if (!r) return r.error();
    const auto& p = r->payload;
    const auto sid = integer_claim(p, "sid", 1, max_id);
    const auto uid = integer_claim(p, "uid", 1, max_id);
    const auto did = integer_claim(p, "did", 1, max_id);
    if (!sid || !*sid || !uid || !*uid || !did || !*did) return token_error::invalid_claims;
    participation_claims c;
    c.session_id = **sid;
    c.user_id = **uid;
    c.device_id = **did;
    c.expires_at = r->expires_at;
    c.issued_at = r->issued_at;
    return c;
}

outbound_token_cache::outbound_token_cache(std::string secret, token_settings settings,
                                           std::chrono::seconds renew_before)
    : secret_(std::move(secret)), settings_(std::move(settings)), renew_before_(renew_before) {
    require_secret(secret_);
    if (renew_before_ < std::chrono::seconds{0} || renew_before_ >= settings_.internal_token_ttl) {
        throw std::invalid_argument("renew_before must be within 0..internal_token_ttl");
    }
}

std::string outbound_token_cache::get(time_point now) {
    const std::lock_guard lock(mutex_);
    if (!current_ || now + renew_before_ >= current_->expires_at) {
        current_ = issue_internal_outbound_token(secret_, settings_, now);
    }
    return current_->token;
}

std::optional<seconds_point> outbound_token_cache::expires_at() const {
    const std::lock_guard lock(mutex_);
    if (!current_) return std::nullopt;
    return current_->expires_at;
}

} // namespace asistencia::domain::tokens
