// Unit tests of the token module: round trips of the four token kinds and every way a
// token must be refused (PROTOCOL.md section 3).
// Clock rule: verify() checks time against the `now` it is given AND (through cpp-jwt) the
// real clock, so every token a test expects to be ACCEPTED is valid at the real time too;
// refusals are decided by our own checks first, so they may use any `now`.
#include "asistencia/domain/tokens/jwt.hpp"
#include "asistencia/domain/tokens/jwt_raw.hpp"
#include "asistencia/domain/tokens/participation_cache.hpp"

#include <gtest/gtest.h>
#include <jwt/jwt.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <string>

namespace {

using namespace asistencia::domain::tokens;
using namespace std::chrono_literals;
using json = nlohmann::json;

const std::string user_secret = "secret_para_usuarios_5min_ttl";
const std::string internal_secret = "secret_para_comunicacion_interna_1h_ttl";
const std::string participation_key = std::string("\x01\x02\x00\xff binary key", 15);
const std::string std_header = R"({"alg":"HS256","typ":"JWT"})";

seconds_point real_now() { return std::chrono::floor<std::chrono::seconds>(clock::now()); }
std::int64_t epoch(seconds_point t) { return t.time_since_epoch().count(); }

user_claims alice() {
    user_claims c;
    c.user_id = 100001;
    c.username = "alice";
    c.role = user_role::alumno;
    return c;
}

// A user-token payload valid for the next hour, to be altered by each test.
json user_payload(seconds_point now = real_now()) {
    return {{"sub", "100001"},       {"userId", 100001},           {"username", "alice"},
            {"rol", "alumno"},       {"iss", "php-legacy-system"}, {"iat", epoch(now)},
            {"exp", epoch(now + 1h)}};
}

std::string signed_user(const json& payload, const std::string& header = std_header) {
    return raw::sign_hs256(header, payload.dump(), user_secret);
}

token_error user_error(const std::string& token, time_point now = clock::now(), const token_settings& settings = {}) {
    const auto r = verify_user_token(token, user_secret, settings, now);
    EXPECT_FALSE(r.has_value()) << "token was accepted";
    return r ? token_error::missing : r.error();
}

TEST(TokenRaw, MatchesThePublishedHs256Example) {
    // The RFC 7519-style example everyone knows from jwt.io.
    const std::string token =
        raw::sign_hs256(R"({"alg":"HS256","typ":"JWT"})", R"({"sub":"1234567890","name":"John Doe","iat":1516239022})",
                        "your-256-bit-secret");
    EXPECT_EQ(token,
              "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
              "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
              "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c");
}

TEST(TokenRaw, Base64UrlIsStrict) {
    EXPECT_EQ(raw::base64url_encode("\xfb\xff"), "-_8");
    EXPECT_EQ(raw::base64url_decode("-_8"), std::string("\xfb\xff"));
    EXPECT_FALSE(raw::base64url_decode("-_9"));  // non-zero trailing bits
    EXPECT_FALSE(raw::base64url_decode("-_8=")); // padding
    EXPECT_FALSE(raw::base64url_decode("+/8"));  // standard alphabet
    EXPECT_FALSE(raw::base64url_decode("A"));    // impossible length
    EXPECT_EQ(raw::base64url_decode(""), std::string());
}

TEST(UserToken, RoundTrip) {
    const auto now = clock::now();
    const auto issued = issue_user_token(alice(), user_secret, {}, now);
    EXPECT_EQ(issued.expires_at - issued.issued_at, 5min);
    const auto r = verify_user_token(issued.token, user_secret, {}, now);
    ASSERT_TRUE(r.has_value()) << to_string(r.error());
    EXPECT_EQ(r->user_id, 100001);
    EXPECT_EQ(r->username, "alice");
    EXPECT_EQ(r->role, user_role::alumno);
    EXPECT_EQ(r->expires_at, issued.expires_at);
    EXPECT_EQ(r->issued_at, issued.issued_at);
}

TEST(UserToken, ClaimsAreTheSeedShape) {
    auto c = alice();
    c.role = user_role::profesor;
    const auto issued = issue_user_token(c, user_secret, {});
    const auto dot1 = issued.token.find('.');
    const auto dot2 = issued.token.find('.', dot1 + 1);
    const auto header = json::parse(*raw::base64url_decode(issued.token.substr(0, dot1)));
    const auto payload = json::parse(*raw::base64url_decode(issued.token.substr(dot1 + 1, dot2 - dot1 - 1)));
    EXPECT_EQ(header.at("alg"), "HS256");
    EXPECT_EQ(payload.at("sub"), "100001");
    EXPECT_EQ(payload.at("userId"), 100001);
    EXPECT_EQ(payload.at("username"), "alice");
    EXPECT_EQ(payload.at("rol"), "profesor");
    EXPECT_EQ(payload.at("iss"), "php-legacy-system");
    EXPECT_TRUE(payload.at("exp").is_number_integer());
}

TEST(UserToken, AcceptsATokenSignedOutsideTheModule) {
    // What the PHP module produces: the raw signer knows nothing about our claim types.
    const auto r = verify_user_token(signed_user(user_payload()), user_secret, {});
    ASSERT_TRUE(r.has_value()) << to_string(r.error());
    EXPECT_EQ(r->user_id, 100001);
}

TEST(UserToken, SecretIsRawUtf8Bytes) {
    const std::string secret = "clave-ñandú-€"; // multi-byte UTF-8, used byte for byte
    const auto token = raw::sign_hs256(std_header, user_payload().dump(), secret);
    EXPECT_TRUE(verify_user_token(token, secret, {}).has_value());
    EXPECT_EQ(verify_user_token(token, "clave-nandu-E", {}).error(), token_error::bad_signature);
}

TEST(UserToken, AlgNoneIsRefused) {
    const auto payload = raw::base64url_encode(user_payload().dump());
    const auto header = raw::base64url_encode(R"({"alg":"none","typ":"JWT"})");
    EXPECT_EQ(user_error(header + "." + payload + "."), token_error::wrong_algorithm);
    EXPECT_EQ(user_error(signed_user(user_payload(), R"({"alg":"none"})")), token_error::wrong_algorithm);
    EXPECT_EQ(user_error(signed_user(user_payload(), R"({"alg":"NONE"})")), token_error::wrong_algorithm);
}

TEST(UserToken, OtherAlgorithmsInTheHeaderAreRefused) {
    // A genuine HS512 token with the right secret (cpp-jwt signs it).
    jwt::jwt_object hs512{jwt::params::algorithm("HS512"), jwt::params::secret(user_secret)};
    const auto claims = user_payload(); // named: items() of a temporary would dangle
    for (const auto& [k, v] : claims.items()) hs512.add_claim(k, v);
    EXPECT_EQ(user_error(hs512.signature()), token_error::wrong_algorithm);
    // Header claims another algorithm over a valid HS256 MAC (algorithm confusion).
    EXPECT_EQ(user_error(signed_user(user_payload(), R"({"alg":"HS512","typ":"JWT"})")), token_error::wrong_algorithm);
    EXPECT_EQ(user_error(signed_user(user_payload(), R"({"alg":"RS256","typ":"JWT"})")), token_error::wrong_algorithm);
    EXPECT_EQ(user_error(signed_user(user_payload(), R"({"alg":"hs256","typ":"JWT"})")), token_error::wrong_algorithm);
    // An RS256-looking token with an RSA-sized signature.
    const auto rs = raw::base64url_encode(R"({"alg":"RS256","typ":"JWT"})") + "." +
                    raw::base64url_encode(user_payload().dump()) + "." + raw::base64url_encode(std::string(256, 'x'));
    EXPECT_EQ(user_error(rs), token_error::wrong_algorithm);
    EXPECT_EQ(user_error(signed_user(user_payload(), R"({"typ":"JWT"})")), token_error::malformed);
    EXPECT_EQ(user_error(signed_user(user_payload(), R"({"alg":256})")), token_error::malformed);
}

TEST(UserToken, Expired) {
    const auto then = clock::now() - 1h;
    const auto issued = issue_user_token(alice(), user_secret, {}, then);
    EXPECT_EQ(user_error(issued.token), token_error::expired);
    EXPECT_EQ(http_error_code(token_error::expired), "token_expired");
}

TEST(UserToken, NotYetValid) {
    auto p = user_payload();
    p["nbf"] = epoch(real_now() + 10min);
    EXPECT_EQ(user_error(signed_user(p)), token_error::not_yet_valid);
}

TEST(UserToken, LeewayEdgeOnExpiry) {
    // exp lies in the real future (cpp-jwt also accepts); `now` is moved past it.
    auto p = user_payload();
    const auto exp = real_now() + 1h;
    p["exp"] = epoch(exp);
    const auto token = signed_user(p);
    EXPECT_TRUE(verify_user_token(token, user_secret, {}, exp + 30s).has_value());
    EXPECT_TRUE(verify_user_token(token, user_secret, {}, exp + 30s + 999ms).has_value());
    EXPECT_EQ(user_error(token, exp + 31s), token_error::expired);

    token_settings strict;
    strict.leeway = 0s;
    EXPECT_TRUE(verify_user_token(token, user_secret, strict, exp).has_value());
    EXPECT_EQ(user_error(token, exp + 1s, strict), token_error::expired);

    // A configured leeway above 30 s is refused by validate() and clamped by verify().
    token_settings lax;
    lax.leeway = 300s;
    EXPECT_THROW(validate(lax), std::invalid_argument);
    EXPECT_EQ(user_error(token, exp + 31s, lax), token_error::expired);
}

TEST(UserToken, LeewayEdgeOnNotBefore) {
    // `now` an hour in the past, nbf 30 s after it: both lie in the real past.
    const auto now = real_now() - 1h;
    auto p = user_payload();
    p["nbf"] = epoch(now + 30s);
    EXPECT_TRUE(verify_user_token(signed_user(p), user_secret, {}, now).has_value());
    p["nbf"] = epoch(now + 31s);
    EXPECT_EQ(user_error(signed_user(p), now), token_error::not_yet_valid);
}

TEST(UserToken, CppJwtSecondOpinionUsesTheRealClock) {
    // Valid for the `now` we pass, expired for the real clock: cpp-jwt's check refuses it.
    // (In production `now` is the real time, so the two never disagree.)
    const auto then = clock::now() - 2h;
    const auto issued = issue_user_token(alice(), user_secret, {}, then);
    EXPECT_EQ(user_error(issued.token, then + 1min), token_error::expired);
}

TEST(UserToken, WrongIssuer) {
    token_settings other;
    other.user_issuer = "somebody-else";
    EXPECT_EQ(user_error(issue_user_token(alice(), user_secret, other).token), token_error::wrong_issuer);
    auto p = user_payload();
    p.erase("iss");
    EXPECT_EQ(user_error(signed_user(p)), token_error::wrong_issuer);
    p["iss"] = 42;
    EXPECT_EQ(user_error(signed_user(p)), token_error::wrong_issuer);
}

TEST(UserToken, IssuerIsConfigurable) {
    token_settings custom;
    custom.user_issuer = "hawaii";
    const auto token = issue_user_token(alice(), user_secret, custom).token;
    EXPECT_TRUE(verify_user_token(token, user_secret, custom).has_value());
    EXPECT_EQ(user_error(token), token_error::wrong_issuer);
}

TEST(UserToken, TamperedPayload) {
    const auto token = issue_user_token(alice(), user_secret, {}).token;
    const auto dot1 = token.find('.');
    const auto dot2 = token.find('.', dot1 + 1);
    auto payload = json::parse(*raw::base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1)));
    payload["rol"] = "profesor";
    const auto forged = token.substr(0, dot1 + 1) + raw::base64url_encode(payload.dump()) + token.substr(dot2);
    EXPECT_EQ(user_error(forged), token_error::bad_signature);
}

TEST(UserToken, TamperedSignature) {
    const auto token = issue_user_token(alice(), user_secret, {}).token;
    auto flipped = token;
    flipped[token.find('.', token.find('.') + 1) + 5] ^= 0x01;
    EXPECT_EQ(user_error(flipped), token_error::bad_signature);
    // Same MAC bits, different spelling of the last character (non-canonical base64url).
    auto respelled = token;
    char& last = respelled.back();
    last = last == 'A' ? 'B' : static_cast<char>(last ^ 0x01);
    EXPECT_EQ(user_error(respelled), token_error::bad_signature);
    EXPECT_EQ(user_error(token.substr(0, token.size() - 1)), token_error::bad_signature);
    EXPECT_EQ(user_error(token.substr(0, token.rfind('.') + 1)), token_error::bad_signature);
    EXPECT_EQ(verify_user_token(token, "another secret", {}).error(), token_error::bad_signature);
}

TEST(UserToken, SignatureIsCheckedBeforeClaims) {
    // Expired and wrongly signed: the answer must not depend on unauthenticated claims.
    auto p = user_payload(real_now() - 2h);
    const auto token = raw::sign_hs256(std_header, p.dump(), "not the secret");
    EXPECT_EQ(user_error(token), token_error::bad_signature);
}

TEST(UserToken, GarbageAndEmpty) {
    EXPECT_EQ(user_error(""), token_error::missing);
    for (const std::string& bad :
         std::initializer_list<std::string>{"garbage", "a.b", "a.b.c", "....", ".x.y", "x..y", "Bearer abc.def.ghi",
                                            std::string("\xff\xfe\x00.\x01.\x02", 7), "eyJ.eyJ.eyJ.eyJ"}) {
        EXPECT_EQ(user_error(bad), token_error::malformed) << bad;
    }
    const auto good = signed_user(user_payload());
    EXPECT_EQ(user_error(good + "."), token_error::malformed);
    EXPECT_EQ(user_error(" " + good), token_error::malformed);
    // Header or payload that is JSON but not an object; payload that is not JSON.
    EXPECT_EQ(user_error(signed_user(user_payload(), "[]")), token_error::malformed);
    EXPECT_EQ(user_error(raw::sign_hs256(std_header, "[1,2]", user_secret)), token_error::malformed);
    EXPECT_EQ(user_error(raw::sign_hs256(std_header, "{\"exp\":", user_secret)), token_error::malformed);
    EXPECT_EQ(user_error(signed_user(user_payload(), R"({"alg":"HS256","typ":"JOSE+X"})")), token_error::malformed);
    EXPECT_EQ(user_error(signed_user(user_payload(), R"({"alg":"HS256","crit":["b64"]})")), token_error::malformed);
    // Header typ is case-insensitive "JWT", or absent.
    EXPECT_TRUE(
        verify_user_token(signed_user(user_payload(), R"({"alg":"HS256","typ":"jwt"})"), user_secret, {}).has_value());
    EXPECT_TRUE(verify_user_token(signed_user(user_payload(), R"({"alg":"HS256"})"), user_secret, {}).has_value());
}

std::string user_token_of_size(std::size_t size) {
    const auto with_pad = [](std::size_t pad) {
        auto p = user_payload();
        p["username"] = std::string(pad, 'u');
        return signed_user(p);
    };
    // 3 payload bytes take 4 characters: start just below the estimate, then step.
    const std::size_t base = with_pad(0).size();
    const std::size_t start = size > base + 8 ? (size - base) * 3 / 4 - 6 : 0;
    for (std::size_t pad = start; pad < start + 16; ++pad) {
        auto p = user_payload();
        p["username"] = std::string(pad, 'u');
        auto token = signed_user(p);
        if (token.size() == size) return token;
        if (token.size() > size) break;
    }
    return {};
}

TEST(UserToken, SizeLimit) {
    const auto at_limit = user_token_of_size(max_token_bytes);
    ASSERT_EQ(at_limit.size(), max_token_bytes);
    EXPECT_TRUE(verify_user_token(at_limit, user_secret, {}).has_value());
    const auto over = user_token_of_size(max_token_bytes + 1);
    ASSERT_EQ(over.size(), max_token_bytes + 1);
    EXPECT_EQ(user_error(over), token_error::too_large);
    auto p = user_payload();
    p["username"] = std::string(10 * 1024, 'u');
    EXPECT_EQ(user_error(signed_user(p)), token_error::too_large);
    EXPECT_EQ(user_error(std::string(10 * 1024, 'A')), token_error::too_large);
}

TEST(UserToken, ExpIsRequiredAndTyped) {
    auto p = user_payload();
    p.erase("exp");
    EXPECT_EQ(user_error(signed_user(p)), token_error::invalid_claims);
    for (const json& bad_exp : {json("9999999999"), json(1.9e9), json(-1), json(nullptr), json(1e300),
                                json(18446744073709551615ULL), json::array()}) {
        p["exp"] = bad_exp;
        EXPECT_EQ(user_error(signed_user(p)), token_error::invalid_claims) << bad_exp.dump();
    }
    p = user_payload();
    p["nbf"] = "soon";
    EXPECT_EQ(user_error(signed_user(p)), token_error::invalid_claims);
    p = user_payload();
    p["iat"] = 1.5;
    EXPECT_EQ(user_error(signed_user(p)), token_error::invalid_claims);
}

TEST(UserToken, WrongRoleOrUserClaims) {
    for (const json& rol : {json("admin"), json("Profesor"), json(""), json(1), json(nullptr)}) {
        auto p = user_payload();
        p["rol"] = rol;
        EXPECT_EQ(user_error(signed_user(p)), token_error::invalid_claims) << rol.dump();
    }
    auto p = user_payload();
    p.erase("rol");
    EXPECT_EQ(user_error(signed_user(p)), token_error::invalid_claims);
    p = user_payload();
    p["userId"] = "100001";
    EXPECT_EQ(user_error(signed_user(p)), token_error::invalid_claims);
    p = user_payload();
    p["userId"] = 0;
    EXPECT_EQ(user_error(signed_user(p)), token_error::invalid_claims);
    p = user_payload();
    p["sub"] = "100002"; // sub and userId must name the same user
    EXPECT_EQ(user_error(signed_user(p)), token_error::invalid_claims);
    p = user_payload();
    p["sub"] = 100001;
    EXPECT_EQ(user_error(signed_user(p)), token_error::invalid_claims);
    p = user_payload();
    p.erase("username");
    EXPECT_EQ(user_error(signed_user(p)), token_error::invalid_claims);
}

TEST(InternalToken, InboundRoundTripAndAudience) {
    const auto issued = issue_internal_inbound_token(internal_secret, {});
    EXPECT_EQ(issued.expires_at - issued.issued_at, 1h);
    const auto r = verify_internal_inbound_token(issued.token, internal_secret, {});
    ASSERT_TRUE(r.has_value()) << to_string(r.error());
    EXPECT_EQ(r->issuer, "php-legacy-system");
    EXPECT_EQ(r->audience, "node-service");
    EXPECT_EQ(r->subject, "internal-communication");

    token_settings other;
    other.server_audience = "another-service";
    const auto wrong = issue_internal_inbound_token(internal_secret, other).token;
    EXPECT_EQ(verify_internal_inbound_token(wrong, internal_secret, {}).error(), token_error::wrong_audience);
    EXPECT_TRUE(verify_internal_inbound_token(wrong, internal_secret, other).has_value());

    // The seed's PHP payload, signed elsewhere: aud missing or an array is refused.
    json p = {{"iss", "php-legacy-system"},
              {"sub", "internal-communication"},
              {"iat", epoch(real_now())},
              {"exp", epoch(real_now() + 1h)}};
    EXPECT_EQ(verify_internal_inbound_token(raw::sign_hs256(std_header, p.dump(), internal_secret), internal_secret, {})
                  .error(),
              token_error::wrong_audience);
    p["aud"] = json::array({"node-service"});
    EXPECT_EQ(verify_internal_inbound_token(raw::sign_hs256(std_header, p.dump(), internal_secret), internal_secret, {})
                  .error(),
              token_error::wrong_audience);
    p["aud"] = "node-service";
    p["sub"] = "someone";
    EXPECT_EQ(verify_internal_inbound_token(raw::sign_hs256(std_header, p.dump(), internal_secret), internal_secret, {})
                  .error(),
              token_error::wrong_type);
}

TEST(InternalToken, DirectionsAreNotInterchangeable) {
    const auto inbound = issue_internal_inbound_token(internal_secret, {}).token;
    const auto outbound = issue_internal_outbound_token(internal_secret, {}).token;
    EXPECT_TRUE(verify_internal_outbound_token(outbound, internal_secret, {}).has_value());
    EXPECT_EQ(verify_internal_inbound_token(outbound, internal_secret, {}).error(), token_error::wrong_issuer);
    EXPECT_EQ(verify_internal_outbound_token(inbound, internal_secret, {}).error(), token_error::wrong_issuer);
}

TEST(InternalToken, OutboundCacheRenewsBeforeExpiry) {
    const auto t0 = clock::now();
    outbound_token_cache cache(internal_secret, {}, 5min);
    EXPECT_FALSE(cache.expires_at());
    const auto first = cache.get(t0);
    const auto first_exp = *cache.expires_at();
    EXPECT_EQ(first_exp, std::chrono::floor<std::chrono::seconds>(t0) + 1h);
    EXPECT_EQ(cache.get(t0 + 54min), first);
    const auto renewed = cache.get(t0 + 55min);
    EXPECT_NE(renewed, first);
    EXPECT_EQ(*cache.expires_at(), std::chrono::floor<std::chrono::seconds>(t0 + 55min) + 1h);
    EXPECT_THROW(outbound_token_cache(internal_secret, {}, 1h), std::invalid_argument);
    EXPECT_THROW(outbound_token_cache("", {}), std::invalid_argument);
}

participation_claims seat() {
    participation_claims c;
    c.session_id = 77;
    c.user_id = 100001;
    c.device_id = 9;
    return c;
}

TEST(ParticipationToken, RoundTripAndLifetime) {
    const auto now = clock::now();
    const auto now_s = std::chrono::floor<std::chrono::seconds>(now);
    const auto issued = issue_participation_token(seat(), participation_key, {}, now + 1h, now);
    EXPECT_EQ(issued.expires_at, now_s + 1h);
    const auto r = verify_participation_token(issued.token, participation_key, {}, now);
    ASSERT_TRUE(r.has_value()) << to_string(r.error());
    EXPECT_EQ(r->session_id, 77);
    EXPECT_EQ(r->user_id, 100001);
    EXPECT_EQ(r->device_id, 9);
    EXPECT_EQ(r->expires_at, now_s + 1h);

    EXPECT_EQ(issue_participation_token(seat(), participation_key, {}, now + 5h, now).expires_at, now_s + 4h);
    EXPECT_EQ(issue_participation_token(seat(), participation_key, {}, std::nullopt, now).expires_at, now_s + 4h);
    EXPECT_THROW(issue_participation_token(seat(), participation_key, {}, now - 1s, now), std::invalid_argument);
    auto bad = seat();
    bad.device_id = 0;
    EXPECT_THROW(issue_participation_token(bad, participation_key, {}, std::nullopt, now), std::invalid_argument);
}

TEST(ParticipationToken, KeyMatters) {
    const auto token = issue_participation_token(seat(), participation_key, {}, std::nullopt).token;
    EXPECT_EQ(verify_participation_token(token, "another key", {}).error(), token_error::bad_signature);
}

// The cache answers what the verifier answers: a cached token still expires (with the
// leeway), a token one byte away from a cached one is refused, failures are never kept, and
// it holds at most its capacity.
TEST(ParticipationCache, AnswersAsTheVerifierAndRechecksOnlyTheExpiry) {
    const auto now = clock::now();
    const token_settings settings; // leeway 30 s
    participation_token_cache cache(participation_key, settings, 3);
    const auto issued = issue_participation_token(seat(), participation_key, settings, now + 1h, now);
    for (int i = 0; i < 2; ++i) {
        const auto r = cache.verify(issued.token, now);
        ASSERT_TRUE(r.has_value()) << to_string(r.error());
        EXPECT_EQ(r->session_id, 77);
        EXPECT_EQ(r->user_id, 100001);
        EXPECT_EQ(r->device_id, 9);
        EXPECT_EQ(r->expires_at, issued.expires_at);
    }
    EXPECT_EQ(cache.size(), 1U);

    auto tampered = issued.token;
    tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
    EXPECT_EQ(cache.verify(tampered, now).error(), token_error::bad_signature);
    const auto other_key = issue_participation_token(seat(), "another key", settings, now + 1h, now).token;
    EXPECT_EQ(cache.verify(other_key, now).error(), token_error::bad_signature);
    EXPECT_EQ(cache.verify("", now).error(), token_error::missing);
    EXPECT_EQ(cache.size(), 1U) << "refusals are not kept";

    EXPECT_TRUE(cache.verify(issued.token, issued.expires_at + 30s).has_value()) << "within the leeway";
    EXPECT_EQ(cache.verify(issued.token, issued.expires_at + 31s).error(), token_error::expired);
    EXPECT_EQ(cache.size(), 0U) << "an expired token leaves";
    EXPECT_EQ(cache.verify(issued.token, issued.expires_at + 31s).error(), token_error::expired);

    for (int i = 1; i <= 5; ++i) {
        auto c = seat();
        c.user_id = 100001 + i;
        const auto t = issue_participation_token(c, participation_key, settings, now + 1h, now).token;
        const auto r = cache.verify(t, now);
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ(r->user_id, 100001 + i);
        EXPECT_LE(cache.size(), 3U);
    }
    EXPECT_THROW(participation_token_cache(participation_key, settings, 0), std::invalid_argument);
}

TEST(TokenKinds, TypMismatchBetweenKinds) {
    // Even with one secret for everything (a misconfiguration), kinds do not mix.
    const std::string k = user_secret;
    token_settings same;
    same.server_issuer = "php-legacy-system"; // make iss agree, so only the kind differs
    const auto participation = issue_participation_token(seat(), k, same, std::nullopt).token;
    const auto user = issue_user_token(alice(), k, same).token;
    EXPECT_EQ(verify_user_token(participation, k, same).error(), token_error::wrong_type);
    EXPECT_EQ(verify_participation_token(user, k, same).error(), token_error::wrong_type);

    auto p = user_payload();
    p["typ"] = "participation";
    EXPECT_EQ(user_error(signed_user(p)), token_error::wrong_type);
    json q = {{"sid", 77},
              {"uid", 100001},
              {"did", 9},
              {"typ", "Participation"},
              {"iss", "node-service"},
              {"exp", epoch(real_now() + 1h)}};
    EXPECT_EQ(verify_participation_token(raw::sign_hs256(std_header, q.dump(), k), k, {}).error(),
              token_error::wrong_type);
    q["typ"] = "participation";
    q["did"] = "9";
    EXPECT_EQ(verify_participation_token(raw::sign_hs256(std_header, q.dump(), k), k, {}).error(),
              token_error::invalid_claims);

    // An internal token is no user token (no userId) and vice versa (no aud).
    const auto internal = issue_internal_inbound_token(k, {}).token;
    EXPECT_EQ(verify_user_token(internal, k, {}).error(), token_error::invalid_claims);
    EXPECT_EQ(verify_internal_inbound_token(user, k, {}).error(), token_error::wrong_audience);
}

TEST(TokenModule, ErrorsAndConfiguration) {
    EXPECT_THROW(verify_user_token("a.b.c", "", {}), std::invalid_argument);
    EXPECT_THROW(issue_user_token(alice(), "", {}), std::invalid_argument);
    auto nobody = alice();
    nobody.user_id = 0;
    EXPECT_THROW(issue_user_token(nobody, user_secret, {}), std::invalid_argument);
    auto broken = alice();
    broken.username = "\xff\xfe";
    EXPECT_THROW(issue_user_token(broken, user_secret, {}), std::invalid_argument);
    EXPECT_NO_THROW(validate(token_settings{}));
    token_settings empty_iss;
    empty_iss.php_issuer.clear();
    EXPECT_THROW(validate(empty_iss), std::invalid_argument);
    for (int e = 0; e <= static_cast<int>(token_error::invalid_claims); ++e) {
        const auto err = static_cast<token_error>(e);
        EXPECT_NE(to_string(err), "unknown");
        EXPECT_EQ(http_error_code(err), err == token_error::expired ? "token_expired" : "invalid_token");
    }
    const auto r = verify_user_token("", user_secret, {});
    EXPECT_THROW((void)r.value(), token_verification_error);
}

} // namespace
