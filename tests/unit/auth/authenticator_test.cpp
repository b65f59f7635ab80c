// Bearer parsing and the role/kind checks of the authenticator, with real signed tokens.
#include "asistencia/transport/auth/authenticator.hpp"

#include "asistencia/application/errors.hpp"

#include <gtest/gtest.h>

#include <optional>

namespace {

using namespace asistencia::transport::auth;
namespace tokens = asistencia::domain::tokens;
using asistencia::application::errc;
using asistencia::application::error;

const std::string user_secret(40, 'u');
const std::string internal_secret(40, 'i');
const std::string participation_key(32, 'p');

authenticator make() { return authenticator(user_secret, internal_secret, participation_key, {}); }

std::string bearer(const std::string& token) { return "Bearer " + token; }

std::string user_token(user_role role, tokens::time_point now = tokens::clock::now()) {
    user_claims c;
    c.user_id = role == user_role::profesor ? 7 : 100001;
    c.username = "demo";
    c.role = role;
    return tokens::issue_user_token(c, user_secret, {}, now).token;
}

// The errc and code an application::error thrown by f carries, or {nullopt, ""} when none was thrown.
template <class F>
std::pair<std::optional<errc>, std::string> refusal(F f) {
    try {
        f();
    } catch (const error& e) {
        return {e.kind(), e.code()};
    }
    return {std::nullopt, ""};
}

TEST(AuthBearer, ParsesTheSchemeCaseInsensitively) {
    EXPECT_EQ(bearer_token("Bearer abc"), std::optional<std::string_view>("abc"));
    EXPECT_EQ(bearer_token("bearer  abc "), std::optional<std::string_view>("abc"));
    EXPECT_EQ(bearer_token("BEARER x.y.z"), std::optional<std::string_view>("x.y.z"));
    EXPECT_FALSE(bearer_token(""));
    EXPECT_FALSE(bearer_token("Bearer"));
    EXPECT_FALSE(bearer_token("Bearer "));
    EXPECT_FALSE(bearer_token("Basic dXNlcjpwYXNz"));
    EXPECT_FALSE(bearer_token("Bearerabc"));
}

TEST(Authenticator, UserTokensPassAndRolesAreEnforced) {
    const auto a = make();
    EXPECT_EQ(a.user(bearer(user_token(user_role::alumno))).user_id, 100001);
    EXPECT_EQ(a.professor(bearer(user_token(user_role::profesor))).user_id, 7);
    EXPECT_EQ(a.student(bearer(user_token(user_role::alumno))).role, user_role::alumno);
    EXPECT_EQ(refusal([&] { a.professor(bearer(user_token(user_role::alumno))); }).first, errc::forbidden);
    EXPECT_EQ(refusal([&] { a.student(bearer(user_token(user_role::profesor))); }).first, errc::forbidden);
}

TEST(Authenticator, MissingWrongAndExpiredTokensAre401WithTheirCodes) {
    const auto a = make();
    EXPECT_EQ(refusal([&] { a.user(""); }),
              std::make_pair(std::optional(errc::unauthenticated), std::string("invalid_token")));
    EXPECT_EQ(refusal([&] { a.user("Bearer garbage"); }).first, errc::unauthenticated);
    const auto old = tokens::clock::now() - std::chrono::hours(1);
    EXPECT_EQ(refusal([&] { a.user(bearer(user_token(user_role::alumno, old))); }),
              std::make_pair(std::optional(errc::unauthenticated), std::string("token_expired")));
    // An internal token is not a user token.
    const auto internal = tokens::issue_internal_inbound_token(internal_secret, {}).token;
    EXPECT_EQ(refusal([&] { a.user(bearer(internal)); }).first, errc::unauthenticated);
}

TEST(Authenticator, InternalOrUserTellsTheTwoApart) {
    const auto a = make();
    const auto internal = tokens::issue_internal_inbound_token(internal_secret, {}).token;
    const auto c = a.internal_or_user(bearer(internal));
    EXPECT_TRUE(c.internal);
    EXPECT_FALSE(c.user);
    const auto u = a.internal_or_user(bearer(user_token(user_role::alumno)));
    EXPECT_FALSE(u.internal);
    ASSERT_TRUE(u.user);
    EXPECT_EQ(u.user->user_id, 100001);
    // Signed with the user secret but shaped as internal, or vice versa: refused.
    const auto wrong = tokens::issue_internal_inbound_token(user_secret, {}).token;
    EXPECT_EQ(refusal([&] { a.internal_or_user(bearer(wrong)); }).first, errc::unauthenticated);
    // The server's own outbound token (issuer node-service) is not accepted inbound.
    const auto outbound = tokens::issue_internal_outbound_token(internal_secret, {}).token;
    EXPECT_EQ(refusal([&] { a.internal_or_user(bearer(outbound)); }).first, errc::unauthenticated);
    const auto expired =
        tokens::issue_internal_inbound_token(internal_secret, {}, tokens::clock::now() - std::chrono::hours(2)).token;
    EXPECT_EQ(refusal([&] { a.internal_or_user(bearer(expired)); }),
              std::make_pair(std::optional(errc::unauthenticated), std::string("token_expired")));
}

TEST(Authenticator, ParticipationTokensNeedTheParticipationKey) {
    const auto a = make();
    tokens::participation_claims pc;
    pc.session_id = 3;
    pc.user_id = 100001;
    pc.device_id = 9;
    const auto ok = tokens::issue_participation_token(pc, participation_key, {}, std::nullopt);
    EXPECT_EQ(a.participation(bearer(ok.token)).device_id, 9);
    const auto forged = tokens::issue_participation_token(pc, user_secret, {}, std::nullopt);
    EXPECT_EQ(refusal([&] { a.participation(bearer(forged.token)); }).first, errc::unauthenticated);
    EXPECT_EQ(refusal([&] { a.participation(bearer(user_token(user_role::alumno))); }).first, errc::unauthenticated);
}

TEST(Authenticator, WithoutABearerHeaderTheResolvedCookieDecides) {
    const auto a = make();
    cookie_auth cookie;
    cookie.present = true;
    user_claims prof;
    prof.user_id = 7;
    prof.username = "demo";
    prof.role = user_role::profesor;
    cookie.user = prof;
    EXPECT_EQ(a.professor(credentials("", &cookie)).user_id, 7);
    EXPECT_EQ(refusal([&] { a.student(credentials("", &cookie)); }).first, errc::forbidden) << "roles still apply";
    const auto c = a.internal_or_user(credentials("", &cookie));
    EXPECT_FALSE(c.internal);
    EXPECT_EQ(c.user->user_id, 7);
    EXPECT_EQ(refusal([&] { a.participation(credentials("", &cookie)); }).first, errc::unauthenticated)
        << "never a participation token";
    // A Bearer header decides alone, the cookie notwithstanding.
    const auto student = bearer(user_token(user_role::alumno));
    EXPECT_EQ(a.user(credentials(student, &cookie)).user_id, 100001);
    EXPECT_EQ(refusal([&] { a.user(credentials("Bearer garbage", &cookie)); }).first, errc::unauthenticated);
    // The hook's refusal is what the caller gets.
    cookie_auth refused;
    refused.present = true;
    refused.refusal = std::make_exception_ptr(asistencia::application::forbidden("forbidden", "csrf"));
    EXPECT_EQ(refusal([&] { a.user(credentials("", &refused)); }),
              std::make_pair(std::optional(errc::forbidden), std::string("forbidden")));
    // No cookie at all: as before, 401.
    cookie_auth none;
    EXPECT_EQ(refusal([&] { a.user(credentials("", &none)); }).first, errc::unauthenticated);
}

} // namespace
