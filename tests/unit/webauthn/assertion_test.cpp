// Assertion verification (L2 7.2): Chromium's real assertion, soft authenticator
// assertions for each algorithm, one negative case per check, and the counter / BE / BS
// rule that flags a possible clone without failing (PROTOCOL.md 6.2).
#include <gtest/gtest.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "asistencia/infra/webauthn/assertion.hpp"
#include "asistencia/infra/webauthn/registration.hpp"
#include "soft_authenticator.hpp"
#include "webauthn_test_helpers.hpp"
#include "webauthn_vectors.hpp"

namespace {

using namespace asistencia::webauthn_test;
namespace ts = asistencia::test_support;
namespace tv = asistencia::test_vectors;
using wa::errc;

// ---------------------------------------------------------------- Chromium vector

struct webauthn_chromium_assertion : ::testing::Test {
    bytes client_data = b64(tv::chromium_assertion_client_data_json);
    bytes auth_data = b64(tv::chromium_assertion_authenticator_data);
    bytes signature = b64(tv::chromium_assertion_signature);
    bytes challenge = b64(tv::chromium_assertion_challenge);
    wa::stored_credential stored;

    void SetUp() override {
        // Register the credential from Chromium's packed sample, as enrollment would.
        bytes reg_client = b64(tv::chromium_packed_client_data_json);
        bytes reg_object = b64(tv::chromium_packed_attestation_object);
        bytes reg_challenge = b64(tv::chromium_packed_challenge);
        auto reg = wa::verify_registration({reg_client, reg_object, reg_challenge}, open_policy());
        ASSERT_TRUE(reg.has_value()) << reg.error().message();
        stored = {reg->public_key_pem, reg->algorithm, reg->sign_count, reg->flags.backup_eligible(),
                  reg->flags.backup_state()};
    }
    wa::assertion_input input() const { return {client_data, auth_data, signature, challenge}; }
};

TEST_F(webauthn_chromium_assertion, Verified) {
    auto r = wa::verify_assertion(input(), assertion_policy(), stored);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ(r->sign_count, 2U);
    EXPECT_EQ(r->flags.bits, 0x05);
    EXPECT_FALSE(r->possibly_cloned);
    EXPECT_TRUE(r->reason.empty());
}

TEST_F(webauthn_chromium_assertion, ReplayedAssertionFlaggedByCounter) {
    stored.sign_count = 2; // the server already saw counter 2
    auto r = wa::verify_assertion(input(), assertion_policy(), stored);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_TRUE(r->possibly_cloned);
    EXPECT_TRUE(r->clones.counter_not_increased);
}

TEST_F(webauthn_chromium_assertion, TamperedAuthenticatorDataRefused) {
    auth_data[36] ^= 0x01; // the counter's last byte
    auto r = wa::verify_assertion(input(), assertion_policy(), stored);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::bad_signature);
}

TEST_F(webauthn_chromium_assertion, OtherKeyRefused) {
    ts::soft_authenticator other;
    ts::registration_options o;
    o.client.challenge = challenge;
    stored.public_key_pem = other.make_credential(o).public_key_pem;
    auto r = wa::verify_assertion(input(), assertion_policy(), stored);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::bad_signature);
}

// ---------------------------------------------------------------- soft authenticator

struct webauthn_soft_assertion : ::testing::Test {
    ts::soft_authenticator authenticator;
    ts::registration_response registration;
    wa::stored_credential stored;
    bytes challenge = ts::random_bytes(32);
    wa::assertion_policy policy = assertion_policy();

    void enroll(ts::soft_algorithm alg = ts::soft_algorithm::es256, bool be = false, bool bs = false,
                bool counter = true) {
        ts::registration_options o;
        o.client.challenge = ts::random_bytes(32);
        o.algorithm = alg;
        o.attestation = ts::soft_attestation::none;
        o.backup_eligible = be;
        o.backup_state = bs;
        o.counter_enabled = counter;
        registration = authenticator.make_credential(o);
        auto reg = wa::verify_registration(input_of(registration, o.client.challenge), open_policy());
        ASSERT_TRUE(reg.has_value()) << reg.error().message();
        stored = {reg->public_key_pem, reg->algorithm, reg->sign_count, reg->flags.backup_eligible(),
                  reg->flags.backup_state()};
    }

    ts::assertion_options options() const {
        ts::assertion_options o;
        o.client.challenge = challenge;
        return o;
    }

    boost::system::result<wa::verified_assertion> run(const ts::assertion_options& o) {
        auto response = authenticator.get_assertion(registration.credential_id, o);
        return wa::verify_assertion(input_of(response, challenge), policy, stored);
    }

    errc error_of(const ts::assertion_options& o) {
        auto r = run(o);
        EXPECT_FALSE(r.has_value());
        return r.has_value() ? errc::internal_error : static_cast<errc>(r.error().value());
    }

    void SetUp() override { enroll(); }
};

TEST_F(webauthn_soft_assertion, VerifiedForEveryAlgorithm) {
    for (auto alg : {ts::soft_algorithm::es256, ts::soft_algorithm::rs256, ts::soft_algorithm::eddsa}) {
        enroll(alg);
        auto r = run(options());
        ASSERT_TRUE(r.has_value()) << static_cast<int>(alg) << ": " << r.error().message();
        EXPECT_EQ(r->sign_count, 1U);
        EXPECT_FALSE(r->possibly_cloned);
    }
}

TEST_F(webauthn_soft_assertion, CounterAdvancesAcrossAssertions) {
    for (std::uint32_t expected = 1; expected <= 3; ++expected) {
        auto r = run(options());
        ASSERT_TRUE(r.has_value()) << r.error().message();
        EXPECT_EQ(r->sign_count, expected);
        EXPECT_FALSE(r->possibly_cloned);
        stored.sign_count = r->sign_count;
    }
}

TEST_F(webauthn_soft_assertion, ZeroCounterAuthenticatorNeverFlagged) {
    enroll(ts::soft_algorithm::es256, true, true, /*counter=*/false);
    for (int i = 0; i < 3; ++i) {
        auto r = run(options());
        ASSERT_TRUE(r.has_value()) << r.error().message();
        EXPECT_EQ(r->sign_count, 0U);
        EXPECT_FALSE(r->possibly_cloned);
    }
}

TEST_F(webauthn_soft_assertion, UserVerificationNotRequiredAcceptsMissingUv) {
    policy.require_user_verification = false;
    auto o = options();
    o.user_verified = false;
    auto r = run(o);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_FALSE(r->flags.user_verified());
}

TEST_F(webauthn_soft_assertion, ExtensionOutputsAccepted) {
    auto o = options();
    o.extensions = bytes{0xA1, 0x68, 'c', 'r', 'e', 'd', 'B', 'l', 'o', 'b', 0x40}; // {credBlob: h''}
    auto r = run(o);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_TRUE(r->flags.extension_data());
}

// ---- counter and BE/BS rule: flagged, not failed

TEST_F(webauthn_soft_assertion, CounterEqualToStoredFlagged) {
    stored.sign_count = 7;
    auto o = options();
    o.sign_count = 7;
    auto r = run(o);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_TRUE(r->possibly_cloned);
    EXPECT_TRUE(r->clones.counter_not_increased);
    EXPECT_FALSE(r->clones.backup_eligibility_changed);
    EXPECT_FALSE(r->clones.backup_state_changed);
    EXPECT_EQ(r->sign_count, 7U);
    EXPECT_EQ(r->reason, "signature counter did not increase (stored 7, received 7)");
}

TEST_F(webauthn_soft_assertion, CounterRegressionFlagged) {
    stored.sign_count = 7;
    auto o = options();
    o.sign_count = 3;
    auto r = run(o);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_TRUE(r->possibly_cloned);
    EXPECT_TRUE(r->clones.counter_not_increased);
    EXPECT_EQ(r->sign_count, 3U);
}

TEST_F(webauthn_soft_assertion, CounterDroppingToZeroFlagged) {
    stored.sign_count = 7;
    auto o = options();
    o.sign_count = 0;
    auto r = run(o);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_TRUE(r->clones.counter_not_increased);
}

TEST_F(webauthn_soft_assertion, CounterStartingFromZeroNotFlagged) {
    stored.sign_count = 0;
    auto o = options();
    o.sign_count = 1;
    auto r = run(o);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_FALSE(r->possibly_cloned);
}

TEST_F(webauthn_soft_assertion, BackupStateChangeFlagged) {
    enroll(ts::soft_algorithm::es256, /*be=*/true, /*bs=*/false);
    auto o = options();
    o.backup_state = true;
    auto r = run(o);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_TRUE(r->possibly_cloned);
    EXPECT_TRUE(r->clones.backup_state_changed);
    EXPECT_FALSE(r->clones.backup_eligibility_changed);
    EXPECT_FALSE(r->clones.counter_not_increased);
    EXPECT_TRUE(r->flags.backup_state());
    EXPECT_EQ(r->reason, "backup state changed (BS 0 -> 1)");
}

TEST_F(webauthn_soft_assertion, BackupEligibilityChangeFlagged) {
    auto o = options();
    o.backup_eligible = true;
    auto r = run(o);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_TRUE(r->possibly_cloned);
    EXPECT_TRUE(r->clones.backup_eligibility_changed);
    EXPECT_TRUE(r->flags.backup_eligible());
}

TEST_F(webauthn_soft_assertion, SeveralSignalsReportedTogether) {
    enroll(ts::soft_algorithm::es256, true, true);
    stored.sign_count = 9;
    auto o = options();
    o.sign_count = 9;
    o.backup_state = false;
    auto r = run(o);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ(r->reason,
              "signature counter did not increase (stored 9, received 9); "
              "backup state changed (BS 1 -> 0)");
}

// ---- one negative case per check

TEST_F(webauthn_soft_assertion, WrongType) {
    auto o = options();
    o.client.type = "webauthn.create";
    EXPECT_EQ(error_of(o), errc::wrong_type);
}

TEST_F(webauthn_soft_assertion, WrongChallenge) {
    auto o = options();
    o.client.challenge = ts::random_bytes(32);
    EXPECT_EQ(error_of(o), errc::challenge_mismatch);
}

TEST_F(webauthn_soft_assertion, WrongOrigin) {
    auto o = options();
    o.client.origin = "https://localhost:58090";
    EXPECT_EQ(error_of(o), errc::origin_not_allowed);
}

TEST_F(webauthn_soft_assertion, CrossOrigin) {
    auto o = options();
    o.client.cross_origin = true;
    EXPECT_EQ(error_of(o), errc::cross_origin_not_allowed);
}

TEST_F(webauthn_soft_assertion, TokenBindingPresent) {
    auto o = options();
    o.client.token_binding_status = "present";
    EXPECT_EQ(error_of(o), errc::token_binding_not_supported);
}

TEST_F(webauthn_soft_assertion, MalformedClientData) {
    auto o = options();
    o.client.raw_json = R"({"type":"webauthn.get","origin":"http://localhost:58090"})";
    EXPECT_EQ(error_of(o), errc::malformed_client_data);
}

TEST_F(webauthn_soft_assertion, WrongRpId) {
    auto o = options();
    o.rp_id = "evil.example";
    EXPECT_EQ(error_of(o), errc::rp_id_mismatch);
}

TEST_F(webauthn_soft_assertion, UserNotPresent) {
    auto o = options();
    o.user_present = false;
    EXPECT_EQ(error_of(o), errc::user_not_present);
}

TEST_F(webauthn_soft_assertion, UserNotVerified) {
    auto o = options();
    o.user_verified = false;
    EXPECT_EQ(error_of(o), errc::user_not_verified);
}

TEST_F(webauthn_soft_assertion, BackupStateWithoutEligibility) {
    auto o = options();
    o.backup_state = true;
    EXPECT_EQ(error_of(o), errc::invalid_backup_flags);
}

TEST_F(webauthn_soft_assertion, BadSignatureForEveryAlgorithm) {
    for (auto alg : {ts::soft_algorithm::es256, ts::soft_algorithm::rs256, ts::soft_algorithm::eddsa}) {
        enroll(alg);
        auto o = options();
        o.corrupt_signature = true;
        EXPECT_EQ(error_of(o), errc::bad_signature) << static_cast<int>(alg);
    }
}

TEST_F(webauthn_soft_assertion, SignatureOfAnotherCredentialRefused) {
    ts::soft_authenticator thief;
    ts::registration_options ro;
    ro.client.challenge = challenge;
    auto stolen = thief.make_credential(ro);
    auto response = thief.get_assertion(stolen.credential_id, options());
    auto r = wa::verify_assertion(input_of(response, challenge), policy, stored);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::bad_signature);
}

TEST_F(webauthn_soft_assertion, EmptySignatureRefused) {
    auto response = authenticator.get_assertion(registration.credential_id, options());
    response.signature.clear();
    auto r = wa::verify_assertion(input_of(response, challenge), policy, stored);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::bad_signature);
}

TEST_F(webauthn_soft_assertion, StoredKeyUnusable) {
    auto response = authenticator.get_assertion(registration.credential_id, options());
    auto bad = stored;
    bad.public_key_pem = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
    auto r = wa::verify_assertion(input_of(response, challenge), policy, bad);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::stored_key_invalid);

    bad = stored;
    bad.algorithm = wa::cose_alg::rs256; // an EC key stored as RS256
    r = wa::verify_assertion(input_of(response, challenge), policy, bad);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::stored_key_invalid);

    bad = stored;
    bad.algorithm = -36; // not a supported algorithm
    r = wa::verify_assertion(input_of(response, challenge), policy, bad);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::stored_key_invalid);
}

TEST_F(webauthn_soft_assertion, MalformedAuthenticatorData) {
    auto response = authenticator.get_assertion(registration.credential_id, options());
    auto input = input_of(response, challenge);

    bytes short_data(response.authenticator_data.begin(), response.authenticator_data.end() - 1);
    input.authenticator_data = short_data;
    auto r = wa::verify_assertion(input, policy, stored);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::malformed_authenticator_data);

    bytes trailing = response.authenticator_data;
    trailing.push_back(0x00);
    input.authenticator_data = trailing;
    r = wa::verify_assertion(input, policy, stored);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::malformed_authenticator_data);

    // AT set in an assertion: the parser finds no room for attested credential data.
    bytes with_at = response.authenticator_data;
    with_at[32] |= 0x40;
    input.authenticator_data = with_at;
    r = wa::verify_assertion(input, policy, stored);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::malformed_authenticator_data);
}

TEST_F(webauthn_soft_assertion, MalformedExtensionsRefused) {
    auto o = options();
    o.extensions = bytes{0xA1, 0x01}; // a map missing its value
    EXPECT_EQ(error_of(o), errc::malformed_cbor);
}

TEST_F(webauthn_soft_assertion, OversizedInputsRefused) {
    auto response = authenticator.get_assertion(registration.credential_id, options());
    auto input = input_of(response, challenge);
    bytes big(wa::limits::authenticator_data + 1, 0x00);
    input.authenticator_data = big;
    auto r = wa::verify_assertion(input, policy, stored);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::too_large);

    input = input_of(response, challenge);
    bytes big_sig(wa::limits::signature + 1, 0x30);
    input.signature = big_sig;
    r = wa::verify_assertion(input, policy, stored);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::too_large);

    input = input_of(response, challenge);
    bytes big_client(wa::limits::client_data_json + 1, ' ');
    input.client_data_json = big_client;
    r = wa::verify_assertion(input, policy, stored);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::too_large);
}

} // namespace
