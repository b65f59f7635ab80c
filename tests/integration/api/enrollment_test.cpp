// Enrollment end to end through the real server, PostgreSQL, Valkey and PHP stand-in, with
// a software authenticator standing in for the phone's passkey and the domain's crypto for
// the phone's ECDH side: success (none and packed), the stored secret equals the phone's,
// every refusal with its status and code, and the rules (single-use challenge, lock,
// cool-down, re-enrollment, revocation, status access).
#include "asistencia/domain/crypto/ecdh.hpp"
#include "asistencia/domain/crypto/protocol_keys.hpp"
#include "asistencia/domain/crypto/totp.hpp"
#include "asistencia/domain/encoding/base64.hpp"
#include "asistencia/domain/tokens/jwt.hpp"
#include "soft_authenticator.hpp"
#include "test_helpers.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>

using namespace server_test;
namespace tokens = asistencia::domain::tokens;
namespace crypto = asistencia::domain::crypto;
namespace enc = asistencia::domain::encoding;
namespace ts = asistencia::test_support;
using nlohmann::json;

namespace {

// What the phone keeps after a successful enrollment.
struct phone_result {
    int status = 0;
    json body;
    ts::bytes credential_id;
    crypto::bytes handshake_secret;
};

class enrollment_api : public ::testing::Test {
protected:
    explicit enrollment_api(std::string cooldown_hours = "0")
        : port_(free_port()),
          origin_("http://localhost:" + std::to_string(port_)),
          server_({}, {{"PORT", std::to_string(port_)},
                       {"WEBAUTHN_ORIGINS", origin_},
                       {"WEBAUTHN_RP_ID", "localhost"},
                       {"REENROLL_COOLDOWN_HOURS", cooldown_hours},
                       {"KEY_PREFIX", "enroll-test-" + std::to_string(::getpid()) + ":"}}) {
        auto ready = poll(port_, "/readyz", [](const response& r) { return r.status == 200; });
        if (!ready || ready->status != 200) ADD_FAILURE() << "server not ready: " << server_.output();
    }

    std::optional<response> post(const std::string& target, const std::string& auth, const json& body) {
        return request(port_, http::verb::post, target, {{"Authorization", auth}}, body.dump());
    }
    std::optional<response> get(const std::string& target, const std::string& auth) {
        return request(port_, http::verb::get, target, {{"Authorization", auth}});
    }

    json start(std::int64_t user) {
        const auto r = post("/api/enrollment/start", bearer_user(user), json::object());
        EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
        return r && r->status == 200 ? json::parse(r->body) : json::object();
    }

    // The phone's side of one ceremony: passkey, ECDH key pair, derivation, finish.
    phone_result enroll(std::int64_t user, ts::registration_options opts = {}) {
        const auto options = start(user);
        if (!options.contains("publicKey")) return {};
        const auto challenge = *enc::base64url_decode(options["publicKey"]["challenge"].get<std::string>());
        const auto server_key = *enc::base64url_decode(options["serverHandshakeKey"].get<std::string>());
        opts.rp_id = "localhost";
        if (opts.client.origin == "http://localhost:58090") opts.client.origin = origin_;
        opts.client.challenge = challenge;
        const auto reg = phone_.make_credential(opts);
        const auto mine = crypto::ecdh_generate();
        phone_result out;
        out.credential_id = reg.credential_id;
        out.handshake_secret = crypto::derive_handshake_secret(
            *crypto::ecdh_shared_secret(mine.private_scalar, server_key), challenge, reg.credential_id);
        const auto id = enc::base64url_encode(reg.credential_id);
        const json body{{"credential",
                         {{"id", id},
                          {"rawId", id},
                          {"type", "public-key"},
                          {"response",
                           {{"clientDataJSON", enc::base64url_encode(reg.client_data_json)},
                            {"attestationObject", enc::base64url_encode(reg.attestation_object)},
                            {"transports", json::array({"internal", "hybrid"})}}}}},
                        {"clientHandshakeKey", enc::base64url_encode(mine.public_raw)},
                        {"deviceFingerprint", "test-phone"}};
        last_finish_ = body;
        const auto r = post("/api/enrollment/finish", bearer_user(user), body);
        out.status = r ? r->status : 0;
        out.body = r ? json::parse(r->body, nullptr, false) : json();
        return out;
    }

    static std::string code(const phone_result& r) {
        return r.body.is_object() && r.body.contains("error") ? r.body["error"]["code"].get<std::string>() : "";
    }

    std::uint16_t port_;
    std::string origin_;
    server_process server_;
    ts::soft_authenticator phone_;
    json last_finish_;
};

TEST_F(enrollment_api, EnrollsAndStoresTheSameSecretThePhoneDerived) {
    const std::int64_t user = 100021;
    const auto r = enroll(user);
    ASSERT_EQ(r.status, 200) << r.body.dump();
    EXPECT_EQ(r.body["enrolled"], true);
    const auto device_id = r.body["deviceId"].get<std::int64_t>();

    // The server's copy, sealed at rest under the master key, opens to the phone's secret.
    const auto sealed =
        sql("SELECT handshake_secret FROM enrollment.devices WHERE device_id = " + std::to_string(device_id));
    ASSERT_TRUE(sealed.starts_with("v1.")) << sealed;
    // SERVER_MASTER_KEY is standard base64: respell it as base64url to decode it.
    std::string master = env_or_fail("SERVER_MASTER_KEY");
    for (auto& ch : master) ch = ch == '+' ? '-' : ch == '/' ? '_' : ch;
    while (!master.empty() && master.back() == '=') master.pop_back();
    const auto master_key = enc::base64url_decode(master);
    ASSERT_TRUE(master_key);
    const auto opened = crypto::open_at_rest(*master_key, sealed, enc::base64url_encode(r.credential_id));
    ASSERT_TRUE(opened) << "the stored secret must open under the master key with the credential id";
    EXPECT_EQ(*opened, r.handshake_secret);
    // So a TOTPu computed by the phone from its K_totpu is what the server computes.
    const auto phone_keys = crypto::derive_device_keys(r.handshake_secret);
    const auto server_keys = crypto::derive_device_keys(*opened);
    EXPECT_EQ(crypto::totp_code(phone_keys.k_totpu, 1'763'800'000),
              crypto::totp_code(server_keys.k_totpu, 1'763'800'000));

    EXPECT_EQ(sql("SELECT count(*) FROM enrollment.enrollment_history WHERE device_id = " + std::to_string(device_id) +
                  " AND action = 'enrolled' AND metadata->>'fmt' = 'packed'"),
              "1");
    EXPECT_EQ(sql("SELECT array_to_string(transports, ',') FROM enrollment.devices WHERE device_id = " +
                  std::to_string(device_id)),
              "internal,hybrid");

    // The seed's status shape, for PHP and for the user.
    auto s = get("/api/enrollment/status/" + std::to_string(user), bearer_internal());
    ASSERT_TRUE(s && s->status == 200);
    auto j = json::parse(s->body);
    EXPECT_EQ(j["enrolled"], true);
    EXPECT_EQ(j["deviceId"], device_id);
    EXPECT_TRUE(j["deviceInfo"].contains("aaguid") && j["deviceInfo"].contains("lastUsed"));
    s = get("/api/enrollment/status/" + std::to_string(user), bearer_user(user));
    EXPECT_EQ(s->status, 200);
    s = get("/api/enrollment/status/" + std::to_string(user), bearer_user(100022));
    EXPECT_EQ(s->status, 403);
    s = get("/api/enrollment/status/" + std::to_string(user), bearer_internal(std::string(40, 'w')));
    EXPECT_EQ(s->status, 401);
    s = get("/api/enrollment/status/" + std::to_string(user), "");
    EXPECT_EQ(s->status, 401);
    tokens::token_settings other_issuer;
    other_issuer.php_issuer = "someone-else";
    s = get("/api/enrollment/status/" + std::to_string(user),
            "Bearer " + tokens::issue_internal_inbound_token(env_or_fail("JWT_SECRET_INTERNAL"), other_issuer).token);
    EXPECT_EQ(s->status, 401) << "an internal token from another issuer";
    s = get("/api/enrollment/status/100099", bearer_internal());
    EXPECT_EQ(json::parse(s->body), json({{"enrolled", false}}));
    const auto me = get("/api/enrollment/me", bearer_user(user));
    EXPECT_EQ(json::parse(me->body)["deviceId"], device_id);
}

TEST_F(enrollment_api, NoneAttestationIsAcceptedByDefault) {
    ts::registration_options o;
    o.attestation = ts::soft_attestation::none;
    const auto r = enroll(100023, o);
    EXPECT_EQ(r.status, 200) << r.body.dump();
}

TEST_F(enrollment_api, AChallengeIsUsedOnce) {
    const auto r = enroll(100024);
    ASSERT_EQ(r.status, 200);
    const auto again = post("/api/enrollment/finish", bearer_user(100024), last_finish_);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 400);
    EXPECT_EQ(json::parse(again->body)["error"]["code"], "no_enrollment_in_progress");
}

TEST_F(enrollment_api, AnExpiredChallengeIsRefused) {
    start(100025);
    // The ceremony's key lapsing is what its 120 s TTL does; delete it instead of waiting.
    shell("valkey-cli -h " + env_or_fail("REDIS_HOST") + " -p " + env_or_fail("REDIS_PORT") + " DEL enroll-test-" +
          std::to_string(::getpid()) + ":challenge:enroll:100025");
    const json body{{"credential",
                     {{"id", "AAAA"},
                      {"rawId", "AAAA"},
                      {"type", "public-key"},
                      {"response", {{"clientDataJSON", "e30"}, {"attestationObject", "oA"}}}}},
                    {"clientHandshakeKey", "AAAA"}};
    const auto r = post("/api/enrollment/finish", bearer_user(100025), body);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(json::parse(r->body)["error"]["code"], "no_enrollment_in_progress");
}

TEST_F(enrollment_api, ConcurrentStartsConflictAndAFailedFinishReleasesTheLock) {
    start(100026);
    const auto second = post("/api/enrollment/start", bearer_user(100026), json::object());
    ASSERT_TRUE(second);
    EXPECT_EQ(second->status, 409);
    EXPECT_EQ(json::parse(second->body)["error"]["code"], "enrollment_in_progress");
    // Drop the pending ceremony by finishing it badly; the phone may then start at once.
    const auto bad = post("/api/enrollment/finish", bearer_user(100026), json{{"credential", json::object()}});
    EXPECT_EQ(bad->status, 400);
    ts::registration_options wrong_origin;
    wrong_origin.client.origin = "https://evil.example";
    const auto r = enroll(100026, wrong_origin);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(code(r), "registration_refused");
    // The refusal is coarse: the verifier's check names stay in the log.
    EXPECT_EQ(r.body.dump().find("origin"), std::string::npos) << r.body.dump();
    EXPECT_TRUE(server_.wait_for_output("origin_not_allowed")) << "the reason is logged";
    EXPECT_EQ(enroll(100026).status, 200) << "the lock must be released after a refused finish";
}

TEST_F(enrollment_api, EveryRefusalChangesNothing) {
    const std::int64_t user = 100027;
    forget_enrollments(user);
    const auto count = [&] {
        return sql("SELECT count(*) FROM enrollment.devices WHERE user_id = " + std::to_string(user));
    };
    ts::registration_options no_uv;
    no_uv.user_verified = false;
    auto r = enroll(user, no_uv);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(code(r), "registration_refused");
    EXPECT_EQ(r.body.dump().find("user_not_verified"), std::string::npos) << "no verifier internals: " << r.body.dump();
    ts::registration_options bad_sig;
    bad_sig.corrupt_signature = true;
    EXPECT_EQ(enroll(user, bad_sig).status, 400);
    ts::registration_options wrong_type;
    wrong_type.client.type = "webauthn.get";
    EXPECT_EQ(enroll(user, wrong_type).status, 400);
    ts::registration_options wrong_challenge;
    wrong_challenge.client.challenge_text = enc::base64url_encode(std::string(32, 'x'));
    EXPECT_EQ(enroll(user, wrong_challenge).status, 400);
    EXPECT_EQ(count(), "0");

    // Malformed bodies.
    start(user);
    auto m =
        request(port_, http::verb::post, "/api/enrollment/finish", {{"Authorization", bearer_user(user)}}, "{not json");
    EXPECT_EQ(m->status, 400);
    EXPECT_EQ(json::parse(m->body)["error"]["code"], "invalid_json");
    start(user);
    auto body = last_finish_;
    body["clientHandshakeKey"] = enc::base64url_encode(std::string(65, '\x04'));
    m = post("/api/enrollment/finish", bearer_user(user), body);
    EXPECT_EQ(m->status, 400);
    EXPECT_EQ(count(), "0");
    // Roles: a professor does not enroll a phone.
    m = post("/api/enrollment/start", bearer_user(2, tokens::user_role::profesor), json::object());
    EXPECT_EQ(m->status, 403);
}

TEST_F(enrollment_api, ReEnrollmentRevokesThePreviousDeviceAndRevokeWorks) {
    const std::int64_t user = 100028;
    forget_enrollments(user);
    const auto history = [](const std::string& action, const std::string& extra = "") {
        return std::stoi(
            sql("SELECT count(*) FROM enrollment.enrollment_history WHERE user_id = 100028 AND action = '" + action +
                "'" + extra));
    };
    const int reenrolled_before = history("re-enrolled");
    const int revoked_before = history("revoked", " AND performed_by = 1");
    const auto first = enroll(user);
    ASSERT_EQ(first.status, 200);
    const auto second = enroll(user);
    ASSERT_EQ(second.status, 200) << second.body.dump();
    EXPECT_EQ(sql("SELECT count(*) FROM enrollment.devices WHERE user_id = 100028 AND is_active"), "1");
    EXPECT_EQ(history("re-enrolled") - reenrolled_before, 1);
    // A professor revokes with a reason; history keeps who.
    auto r = post("/api/enrollment/revoke", bearer_user(1, tokens::user_role::profesor),
                  json{{"userId", user}, {"reason", "teléfono perdido"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(history("revoked", " AND performed_by = 1") - revoked_before, 1);
    r = get("/api/enrollment/status/100028", bearer_internal());
    EXPECT_EQ(json::parse(r->body)["enrolled"], false);
    r = post("/api/enrollment/revoke", bearer_user(user), json::object());
    EXPECT_EQ(r->status, 404);
}

// PROTOCOL.md 5.5 and issue 14: a student revokes only their own phone, a professor only
// a phone of a student on one of their courses this semester, a legacy super admin any;
// every refusal is 403 and changes nothing; every revocation is in the history.
TEST_F(enrollment_api, RevocationIsLimitedToOwnPhoneOwnStudentsOrAdmins) {
    const std::int64_t user = 100029; // courses 1, 2 (professor 1) and 5 (2026-1); not 3 or 4 (professor 2)
    forget_enrollments(user);
    const auto first = enroll(user);
    ASSERT_EQ(first.status, 200) << first.body.dump();
    const auto device = std::to_string(first.body["deviceId"].get<std::int64_t>());
    const auto revocations = [&] {
        return sql("SELECT count(*) FROM enrollment.enrollment_history WHERE user_id = 100029 AND action = 'revoked'");
    };
    const auto active = [&] { return sql("SELECT is_active FROM enrollment.devices WHERE device_id = " + device); };
    const auto prof2 = bearer_user(2, tokens::user_role::profesor);
    for (const auto& body :
         {json{{"userId", user}, {"reason", "x"}}, json{{"deviceId", std::stoll(device)}, {"reason", "x"}},
          json{{"deviceId", std::stoll(device)}, {"userId", user}, {"reason", "x"}}}) {
        const auto r = post("/api/enrollment/revoke", prof2, body);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 403) << "professor 2 does not teach this student: " << body.dump() << r->body;
        EXPECT_EQ(json::parse(r->body)["error"]["code"], "forbidden");
    }
    // An unknown device is refused like a foreign one: professors cannot probe device ids.
    EXPECT_EQ(post("/api/enrollment/revoke", prof2, json{{"deviceId", 2147483000}, {"reason", "x"}})->status, 403);
    // Another student cannot revoke this phone.
    EXPECT_EQ(post("/api/enrollment/revoke", bearer_user(100028), json{{"deviceId", std::stoll(device)}})->status, 403);
    EXPECT_EQ(post("/api/enrollment/revoke", bearer_user(100028), json{{"userId", user}})->status, 403);
    EXPECT_EQ(active(), "t");
    EXPECT_EQ(revocations(), "0") << "refusals change nothing";
    // Bad bodies are 400, not a revocation.
    EXPECT_EQ(post("/api/enrollment/revoke", bearer_user(1, tokens::user_role::profesor),
                   json{{"userId", 4294967296LL + user}, {"reason", "x"}})
                  ->status,
              400);
    EXPECT_EQ(
        post("/api/enrollment/revoke", bearer_user(1, tokens::user_role::profesor), json{{"userId", user}})->status,
        400)
        << "a professor must give a reason";
    EXPECT_EQ(active(), "t");
    // An admin gets a plain 404 for a device that does not exist.
    EXPECT_EQ(post("/api/enrollment/revoke", bearer_user(3, tokens::user_role::profesor),
                   json{{"deviceId", 2147483000}, {"reason", "x"}})
                  ->status,
              404);

    // The student's own professor (course 1 this semester) may.
    auto r = post("/api/enrollment/revoke", bearer_user(1, tokens::user_role::profesor),
                  json{{"deviceId", std::stoll(device)}, {"reason", "cambio de teléfono"}});
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(active(), "f");
    EXPECT_EQ(sql("SELECT performed_by || ',' || reason || ',' || (metadata->>'actorRole') FROM "
                  "enrollment.enrollment_history WHERE device_id = " +
                  device + " AND action = 'revoked'"),
              "1,cambio de teléfono,professor");
    // The student revokes their own phone: recorded with performed_by = the student.
    const auto second = enroll(user);
    ASSERT_EQ(second.status, 200);
    r = post("/api/enrollment/revoke", bearer_user(user), json::object());
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(sql("SELECT performed_by || ',' || (metadata->>'actorRole') FROM enrollment.enrollment_history WHERE "
                  "device_id = " +
                  std::to_string(second.body["deviceId"].get<std::int64_t>()) + " AND action = 'revoked'"),
              "100029,student");
}

// The enrollment lock is released by its owner only (compare-and-delete): a finish whose
// lock already expired and was taken by another ceremony leaves that lock alone.
TEST_F(enrollment_api, AFinishReleasesOnlyItsOwnLock) {
    const std::int64_t user = 100022;
    forget_enrollments(user);
    const std::string lock = "enroll-test-" + std::to_string(::getpid()) + ":lock:enrollment:100022";
    start(user);
    EXPECT_NE(valkey_cli("GET " + lock), "");
    valkey_cli("SET " + lock + " someone-else EX 60"); // ours expired; another ceremony holds it
    const auto bad = post("/api/enrollment/finish", bearer_user(user), json{{"credential", json::object()}});
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 400);
    EXPECT_EQ(valkey_cli("GET " + lock), "someone-else") << "a plain DEL would have released another's lock";
    valkey_cli("DEL " + lock);
    // Our own lock is released by our finish.
    ASSERT_EQ(enroll(user).status, 200);
    EXPECT_EQ(valkey_cli("EXISTS " + lock), "0");
}

class enrollment_cooldown : public enrollment_api {
protected:
    enrollment_cooldown() : enrollment_api("168") {}
};

TEST_F(enrollment_cooldown, ASecondPhoneWaitsForTheCoolDown) {
    // A clean slate for this student, so the test can run again on the same stack.
    forget_enrollments(100029);
    forget_enrollments(100030);
    ASSERT_EQ(enroll(100029).status, 200);
    const auto r = post("/api/enrollment/start", bearer_user(100029), json::object());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 429);
    EXPECT_EQ(json::parse(r->body)["error"]["code"], "reenroll_cooldown");
    // The refused start released the lock: nothing else is blocked.
    const auto me = get("/api/enrollment/me", bearer_user(100029));
    EXPECT_GT(json::parse(me->body)["reenrollInSeconds"].get<long>(), 0);
    // Revoking one's own phone does not skip the cool-down...
    EXPECT_EQ(post("/api/enrollment/revoke", bearer_user(100029), json::object())->status, 200);
    EXPECT_EQ(post("/api/enrollment/start", bearer_user(100029), json::object())->status, 429);
    // ...a professor's revocation (the lost-phone path) lifts it.
    ASSERT_EQ(enroll(100030).status, 200);
    EXPECT_EQ(post("/api/enrollment/revoke", bearer_user(1, tokens::user_role::profesor),
                   json{{"userId", 100030}, {"reason", "perdió el teléfono"}})
                  ->status,
              200);
    EXPECT_EQ(post("/api/enrollment/start", bearer_user(100030), json::object())->status, 429)
        << "a professor's revocation does not lift the cool-down";
    // ...an admin's (legacy super admin, professor 3) does: the lost-phone path.
    forget_enrollments(100026);
    ASSERT_EQ(enroll(100026).status, 200);
    EXPECT_EQ(post("/api/enrollment/revoke", bearer_user(3, tokens::user_role::profesor),
                   json{{"userId", 100026}, {"reason", "perdió el teléfono"}})
                  ->status,
              200);
    EXPECT_EQ(sql("SELECT metadata->>'actorRole' FROM enrollment.enrollment_history WHERE user_id = 100026 "
                  "AND action = 'revoked' AND performed_by = 3"),
              "admin");
    EXPECT_EQ(enroll(100026).status, 200) << "enrolling again after an admin's revocation";
}

} // namespace
