// Registration verification (L2 7.1): Chromium's real responses, the soft authenticator's
// none/packed/fido-u2f responses, and one negative case per check with its exact error.
#include <gtest/gtest.h>

#include <algorithm>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "asistencia/infra/webauthn/registration.hpp"
#include "soft_authenticator.hpp"
#include "webauthn_test_helpers.hpp"
#include "webauthn_vectors.hpp"

namespace {

using namespace asistencia::webauthn_test;
namespace ts = asistencia::test_support;
namespace tv = asistencia::test_vectors;
using wa::errc;

std::string pem_from_spki(const bytes& der) {
    const unsigned char* p = der.data();
    EVP_PKEY* key = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
    if (key == nullptr) return {};
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key);
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<std::size_t>(len));
    BIO_free(bio);
    EVP_PKEY_free(key);
    return pem;
}

// ---------------------------------------------------------------- Chromium vectors

struct webauthn_chromium_none : ::testing::Test {
    bytes client_data = text(tv::chromium_none_client_data_json);
    bytes object = b64(tv::chromium_none_attestation_object);
    bytes challenge = b64(tv::chromium_none_challenge);
    wa::registration_input input() const { return {client_data, object, challenge}; }
};

TEST_F(webauthn_chromium_none, AcceptedWhenNoneIsConfigured) {
    auto policy = open_policy();
    auto r = wa::verify_registration(input(), policy);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ(r->credential_id, b64(tv::chromium_none_credential_id));
    EXPECT_EQ(r->format, wa::attestation_format::none);
    EXPECT_EQ(r->type, wa::attestation_type::none);
    EXPECT_EQ(r->algorithm, wa::cose_alg::es256);
    EXPECT_EQ(r->aaguid, "01020304-0506-0708-0102-030405060708");
    EXPECT_EQ(r->sign_count, 1U);
    EXPECT_EQ(r->flags.bits, 0x45);
    EXPECT_TRUE(r->flags.user_present());
    EXPECT_TRUE(r->flags.user_verified());
    EXPECT_FALSE(r->flags.backup_eligible());
    EXPECT_FALSE(r->flags.backup_state());
    EXPECT_EQ(r->public_key_pem.rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0U);
}

TEST_F(webauthn_chromium_none, RefusedWhenNoneIsNotConfigured) {
    wa::registration_policy policy; // the defaults leave `none` out
    policy.rp_id = rp_id;
    policy.allowed_origins = {origin};
    auto r = wa::verify_registration(input(), policy);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::format_not_allowed);
}

TEST_F(webauthn_chromium_none, RefusedForAnotherRpId) {
    auto policy = open_policy();
    policy.rp_id = "example.com";
    auto r = wa::verify_registration(input(), policy);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::rp_id_mismatch);
}

TEST_F(webauthn_chromium_none, RefusedForAnotherOrigin) {
    auto policy = open_policy();
    policy.allowed_origins = {"http://localhost:3000"};
    auto r = wa::verify_registration(input(), policy);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::origin_not_allowed);
}

struct webauthn_chromium_packed : ::testing::Test {
    bytes client_data = b64(tv::chromium_packed_client_data_json);
    bytes object = b64(tv::chromium_packed_attestation_object);
    bytes challenge = b64(tv::chromium_packed_challenge);
    wa::registration_input input() const { return {client_data, object, challenge}; }
};

TEST_F(webauthn_chromium_packed, X5cAttestationVerified) {
    wa::registration_policy policy; // default: packed allowed, none not
    policy.rp_id = rp_id;
    policy.allowed_origins = {origin};
    auto r = wa::verify_registration(input(), policy);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ(r->format, wa::attestation_format::packed);
    EXPECT_EQ(r->type, wa::attestation_type::basic);
    EXPECT_EQ(r->credential_id, b64(tv::chromium_packed_credential_id));
    EXPECT_EQ(r->algorithm, wa::cose_alg::es256);
    EXPECT_EQ(r->aaguid, "01020304-0506-0708-0102-030405060708");
    EXPECT_EQ(r->sign_count, 1U);
    EXPECT_EQ(r->flags.bits, 0x45);
    EXPECT_EQ(r->public_key_pem, pem_from_spki(b64(tv::chromium_packed_public_key_spki)));
}

TEST_F(webauthn_chromium_packed, SignatureOverOtherClientDataRefused) {
    // Same type, challenge and origin, without crossOrigin: every client data check
    // passes, but the attestation signed the hash of the original bytes.
    client_data = text(R"({"type":"webauthn.create","challenge":")" + std::string(tv::chromium_packed_challenge) +
                       R"(","origin":"http://localhost:58090"})");
    auto r = wa::verify_registration(input(), open_policy());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::bad_attestation_signature);
}

TEST_F(webauthn_chromium_packed, WrongChallengeRefused) {
    challenge = b64(tv::chromium_none_challenge);
    auto r = wa::verify_registration(input(), open_policy());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::challenge_mismatch);
}

// ---------------------------------------------------------------- TPM vector

struct webauthn_tpm_vector : ::testing::Test {
    bytes client_data = b64(tv::tpm_client_data_json);
    bytes object = b64(tv::tpm_attestation_object);
    bytes challenge = b64(tv::tpm_challenge);
    wa::registration_policy policy;

    void SetUp() override {
        policy.rp_id = tv::tpm_rp_id;
        policy.allowed_origins = {tv::tpm_origin};
    }
    wa::registration_input input() const { return {client_data, object, challenge}; }
};

TEST_F(webauthn_tpm_vector, WindowsHelloTpmAttestationVerified) {
    auto r = wa::verify_registration(input(), policy);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ(r->format, wa::attestation_format::tpm);
    EXPECT_EQ(r->type, wa::attestation_type::basic);
    EXPECT_EQ(r->algorithm, wa::cose_alg::rs256);
    EXPECT_EQ(r->credential_id, b64(tv::tpm_credential_id));
    EXPECT_EQ(r->aaguid, "08987058-cadc-4b81-b6e1-30de50dcbe96"); // Windows Hello
    EXPECT_EQ(r->public_key_pem.rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0U);
}

TEST_F(webauthn_tpm_vector, RefusedWhenTpmIsNotAllowed) {
    policy.allowed_formats = {wa::attestation_format::packed};
    auto r = wa::verify_registration(input(), policy);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::format_not_allowed);
}

TEST_F(webauthn_tpm_vector, RefusedWhenRs256IsNotAllowed) {
    policy.allowed_algorithms = {wa::cose_alg::es256};
    auto r = wa::verify_registration(input(), policy);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::algorithm_not_allowed);
}

TEST_F(webauthn_tpm_vector, AikCertificateWithoutAikUsageRefused) {
    // The AIK certificate's EKU is tcg-kp-AIKCertificate (06 05 67 81 05 08 03). Turning
    // it into 2.23.133.8.4 leaves the certInfo signature valid (the certificate's own
    // signature is not checked without trust anchors) but breaks L2 8.3.1's profile.
    const bytes eku{0x06, 0x05, 0x67, 0x81, 0x05, 0x08, 0x03};
    auto at = std::search(object.begin(), object.end(), eku.begin(), eku.end());
    ASSERT_NE(at, object.end());
    at[6] = 0x04;
    auto r = wa::verify_registration(input(), policy);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::attestation_certificate_invalid);
}

TEST_F(webauthn_tpm_vector, OtherClientDataRefused) {
    // Same challenge and origin, different bytes: certInfo.extraData no longer matches.
    std::string json(client_data.begin(), client_data.end());
    json.insert(json.size() - 1, R"(,"extra":1)");
    client_data = text(json);
    auto r = wa::verify_registration(input(), policy);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::bad_attestation_statement);
}

// ---------------------------------------------------------------- soft authenticator

struct webauthn_soft_registration : ::testing::Test {
    ts::soft_authenticator authenticator;
    bytes challenge = ts::random_bytes(32);
    wa::registration_policy policy = open_policy();

    ts::registration_options options(ts::soft_attestation a = ts::soft_attestation::packed_self,
                                     ts::soft_algorithm alg = ts::soft_algorithm::es256) {
        ts::registration_options o;
        o.client.challenge = challenge;
        o.attestation = a;
        o.algorithm = alg;
        return o;
    }

    boost::system::result<wa::registered_credential> run(const ts::registration_options& o) {
        auto response = authenticator.make_credential(o);
        last = response;
        return wa::verify_registration(input_of(response, challenge), policy);
    }

    errc error_of(const ts::registration_options& o) {
        auto r = run(o);
        EXPECT_FALSE(r.has_value());
        return r.has_value() ? errc::internal_error : static_cast<errc>(r.error().value());
    }

    ts::registration_response last;
};

TEST_F(webauthn_soft_registration, NoneAccepted) {
    auto r = run(options(ts::soft_attestation::none));
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ(r->format, wa::attestation_format::none);
    EXPECT_EQ(r->type, wa::attestation_type::none);
    EXPECT_EQ(r->credential_id, last.credential_id);
    EXPECT_EQ(r->public_key_pem, last.public_key_pem);
    EXPECT_EQ(r->aaguid, "41534953-5445-4e43-4941-2d534f465431");
    EXPECT_EQ(r->sign_count, 0U);
}

TEST_F(webauthn_soft_registration, PackedSelfAttestationAcceptedForEveryAlgorithm) {
    for (auto alg : {ts::soft_algorithm::es256, ts::soft_algorithm::rs256, ts::soft_algorithm::eddsa}) {
        auto r = run(options(ts::soft_attestation::packed_self, alg));
        ASSERT_TRUE(r.has_value()) << static_cast<int>(alg) << ": " << r.error().message();
        EXPECT_EQ(r->format, wa::attestation_format::packed);
        EXPECT_EQ(r->type, wa::attestation_type::self);
        EXPECT_EQ(r->algorithm, static_cast<int>(alg));
        EXPECT_EQ(r->public_key_pem, last.public_key_pem);
    }
}

TEST_F(webauthn_soft_registration, NoneAcceptedForEveryAlgorithm) {
    for (auto alg : {ts::soft_algorithm::es256, ts::soft_algorithm::rs256, ts::soft_algorithm::eddsa}) {
        auto r = run(options(ts::soft_attestation::none, alg));
        ASSERT_TRUE(r.has_value()) << static_cast<int>(alg) << ": " << r.error().message();
        EXPECT_EQ(r->public_key_pem, last.public_key_pem);
    }
}

TEST_F(webauthn_soft_registration, PackedX5cAccepted) {
    auto r = run(options(ts::soft_attestation::packed_x5c));
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ(r->type, wa::attestation_type::basic);
    EXPECT_EQ(r->public_key_pem, last.public_key_pem);
}

TEST_F(webauthn_soft_registration, FidoU2fAccepted) {
    auto r = run(options(ts::soft_attestation::fido_u2f));
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ(r->format, wa::attestation_format::fido_u2f);
    EXPECT_EQ(r->type, wa::attestation_type::basic);
    EXPECT_EQ(r->aaguid, "00000000-0000-0000-0000-000000000000");
}

TEST_F(webauthn_soft_registration, ChromiumExtraClientDataKeyAccepted) {
    auto o = options();
    o.client.chromium_extra_key = true;
    auto r = run(o);
    EXPECT_TRUE(r.has_value());
}

TEST_F(webauthn_soft_registration, BackupFlagsReported) {
    auto o = options();
    o.backup_eligible = true;
    o.backup_state = true;
    auto r = run(o);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_TRUE(r->flags.backup_eligible());
    EXPECT_TRUE(r->flags.backup_state());
    EXPECT_EQ(r->flags.bits & 0x18, 0x18);
}

TEST_F(webauthn_soft_registration, UserVerificationNotRequiredAcceptsMissingUv) {
    policy.require_user_verification = false;
    auto o = options();
    o.user_verified = false;
    auto r = run(o);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_FALSE(r->flags.user_verified());
}

TEST_F(webauthn_soft_registration, CredProtectExtensionOutputAccepted) {
    // {"credProtect": 2}: libfido2 must be told about it or it refuses the packed check.
    auto o = options();
    o.extensions = bytes{0xA1, 0x6B, 'c', 'r', 'e', 'd', 'P', 'r', 'o', 't', 'e', 'c', 't', 0x02};
    auto r = run(o);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_TRUE(r->flags.extension_data());
}

TEST_F(webauthn_soft_registration, UnknownExtensionOutputAccepted) {
    // {"example.ext": true} with packed self attestation: extensions are extensible.
    auto o = options();
    o.extensions = bytes{0xA1, 0x6B, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'e', 'x', 't', 0xF5};
    auto r = run(o);
    ASSERT_TRUE(r.has_value()) << r.error().message();
}

TEST_F(webauthn_soft_registration, CredentialIdOf1023BytesAccepted) {
    auto o = options();
    o.credential_id_size = 1023;
    auto r = run(o);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ(r->credential_id.size(), 1023U);
}

// ---- one negative case per check, each with its own error value

TEST_F(webauthn_soft_registration, WrongType) {
    auto o = options();
    o.client.type = "webauthn.get";
    EXPECT_EQ(error_of(o), errc::wrong_type);
}

TEST_F(webauthn_soft_registration, WrongChallenge) {
    auto o = options();
    o.client.challenge = ts::random_bytes(32);
    EXPECT_EQ(error_of(o), errc::challenge_mismatch);
}

TEST_F(webauthn_soft_registration, ChallengeWithPaddingOrBadCharactersRefused) {
    auto o = options();
    o.client.challenge_text = ts::base64url_encode(challenge) + "=";
    EXPECT_EQ(error_of(o), errc::challenge_mismatch);
    o.client.challenge_text = "+" + ts::base64url_encode(challenge).substr(1);
    EXPECT_EQ(error_of(o), errc::challenge_mismatch);
}

TEST_F(webauthn_soft_registration, ShorterChallengeRefused) {
    auto o = options();
    o.client.challenge = bytes(challenge.begin(), challenge.end() - 1);
    EXPECT_EQ(error_of(o), errc::challenge_mismatch);
}

TEST_F(webauthn_soft_registration, WrongOrigin) {
    auto o = options();
    o.client.origin = "http://evil.localhost:58090";
    EXPECT_EQ(error_of(o), errc::origin_not_allowed);
    o.client.origin = "http://localhost:58090/";
    EXPECT_EQ(error_of(o), errc::origin_not_allowed);
}

TEST_F(webauthn_soft_registration, CrossOriginRefused) {
    auto o = options();
    o.client.cross_origin = true;
    EXPECT_EQ(error_of(o), errc::cross_origin_not_allowed);
}

TEST_F(webauthn_soft_registration, TokenBindingPresentRefusedSupportedAccepted) {
    auto o = options();
    o.client.token_binding_status = "present";
    EXPECT_EQ(error_of(o), errc::token_binding_not_supported);
    o.client.token_binding_status = "supported";
    EXPECT_TRUE(run(o).has_value());
}

TEST_F(webauthn_soft_registration, MalformedClientData) {
    auto o = options();
    for (const char* raw : {"not json", "[]", "{}", R"({"type":"webauthn.create"})",
                            R"({"type":1,"challenge":"AA","origin":"http://localhost:58090"})"}) {
        o.client.raw_json = raw;
        EXPECT_EQ(error_of(o), errc::malformed_client_data) << raw;
    }
    o.client.raw_json.reset();
    o.client.cross_origin.reset();
    auto response = authenticator.make_credential(o);
    // crossOrigin must be a boolean when present.
    std::string json(response.client_data_json.begin(), response.client_data_json.end());
    json.insert(json.size() - 1, R"(,"crossOrigin":"false")");
    auto r = wa::verify_registration({text(json), response.attestation_object, challenge}, policy);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::malformed_client_data);
}

TEST_F(webauthn_soft_registration, InvalidUtf8ClientDataRefused) {
    auto o = options();
    o.client.raw_json = std::string(R"({"type":"webauthn.create","challenge":")") + ts::base64url_encode(challenge) +
                        "\",\"origin\":\"http://localhost:58090\",\"x\":\"\xC3\x28\"}";
    EXPECT_EQ(error_of(o), errc::malformed_client_data);
}

TEST_F(webauthn_soft_registration, WrongRpId) {
    auto o = options();
    o.rp_id = "evil.example";
    EXPECT_EQ(error_of(o), errc::rp_id_mismatch);
}

TEST_F(webauthn_soft_registration, WrongRpIdRefusedForNoneToo) {
    // libfido2 never checks rpIdHash for `none`; the verifier does it itself.
    auto o = options(ts::soft_attestation::none);
    o.rp_id = "evil.example";
    EXPECT_EQ(error_of(o), errc::rp_id_mismatch);
}

TEST_F(webauthn_soft_registration, UserNotPresent) {
    auto o = options();
    o.user_present = false;
    EXPECT_EQ(error_of(o), errc::user_not_present);
}

TEST_F(webauthn_soft_registration, UserNotVerified) {
    auto o = options(ts::soft_attestation::none);
    o.user_verified = false;
    EXPECT_EQ(error_of(o), errc::user_not_verified);
}

TEST_F(webauthn_soft_registration, BackupStateWithoutEligibility) {
    auto o = options();
    o.backup_state = true;
    EXPECT_EQ(error_of(o), errc::invalid_backup_flags);
}

TEST_F(webauthn_soft_registration, NoAttestedCredential) {
    auto o = options(ts::soft_attestation::none);
    o.include_attested_credential = false;
    EXPECT_EQ(error_of(o), errc::no_attested_credential);
}

TEST_F(webauthn_soft_registration, CredentialIdTooLong) {
    auto o = options();
    o.credential_id_size = 1024;
    EXPECT_EQ(error_of(o), errc::bad_credential_id_length);
}

TEST_F(webauthn_soft_registration, UnsupportedAlgorithm) {
    auto o = options(ts::soft_attestation::none);
    o.claimed_algorithm = -36; // ES512: not supported
    EXPECT_EQ(error_of(o), errc::algorithm_not_allowed);
}

TEST_F(webauthn_soft_registration, AlgorithmNotInPolicy) {
    policy.allowed_algorithms = {wa::cose_alg::es256};
    EXPECT_EQ(error_of(options(ts::soft_attestation::packed_self, ts::soft_algorithm::eddsa)),
              errc::algorithm_not_allowed);
}

TEST_F(webauthn_soft_registration, KeyThatDoesNotMatchItsAlgorithm) {
    // An EC2 P-256 key labelled RS256: allowed algorithm, impossible key.
    auto o = options(ts::soft_attestation::none);
    o.claimed_algorithm = wa::cose_alg::rs256;
    EXPECT_EQ(error_of(o), errc::invalid_public_key);
}

TEST_F(webauthn_soft_registration, UnknownFormat) {
    auto o = options();
    o.format = "android-key";
    EXPECT_EQ(error_of(o), errc::format_not_allowed);
}

TEST_F(webauthn_soft_registration, FormatNotInPolicy) {
    policy.allowed_formats = {wa::attestation_format::packed};
    EXPECT_EQ(error_of(options(ts::soft_attestation::fido_u2f)), errc::format_not_allowed);
}

TEST_F(webauthn_soft_registration, NoneWithNonEmptyStatement) {
    auto o = options(ts::soft_attestation::packed_self);
    o.format = "none";
    EXPECT_EQ(error_of(o), errc::bad_attestation_statement);
}

TEST_F(webauthn_soft_registration, SelfAttestationAlgorithmDiffersFromKey) {
    auto o = options(ts::soft_attestation::packed_self);
    o.statement_algorithm = wa::cose_alg::rs256;
    EXPECT_EQ(error_of(o), errc::bad_attestation_statement);
}

TEST_F(webauthn_soft_registration, X5cAttestationWithSha1Refused) {
    auto o = options(ts::soft_attestation::packed_x5c);
    o.statement_algorithm = -65535; // RS1 is accepted for TPM only
    EXPECT_EQ(error_of(o), errc::bad_attestation_statement);
}

TEST_F(webauthn_soft_registration, PackedStatementWithoutSignature) {
    auto response = authenticator.make_credential(options());
    auto parts = split(response.attestation_object);
    const bytes stmt{0xA1, 0x63, 'a', 'l', 'g', 0x26}; // {"alg": -7}
    auto r = wa::verify_registration(
        {response.client_data_json, attestation_object("packed", stmt, parts.auth_data), challenge}, policy);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::bad_attestation_statement);
}

TEST_F(webauthn_soft_registration, BadSelfAttestationSignature) {
    for (auto alg : {ts::soft_algorithm::es256, ts::soft_algorithm::rs256, ts::soft_algorithm::eddsa}) {
        auto o = options(ts::soft_attestation::packed_self, alg);
        o.corrupt_signature = true;
        EXPECT_EQ(error_of(o), errc::bad_attestation_signature) << static_cast<int>(alg);
    }
}

TEST_F(webauthn_soft_registration, BadX5cAttestationSignature) {
    auto o = options(ts::soft_attestation::packed_x5c);
    o.corrupt_signature = true;
    EXPECT_EQ(error_of(o), errc::bad_attestation_signature);
}

TEST_F(webauthn_soft_registration, BadFidoU2fSignature) {
    auto o = options(ts::soft_attestation::fido_u2f);
    o.corrupt_signature = true;
    EXPECT_EQ(error_of(o), errc::bad_attestation_signature);
}

TEST_F(webauthn_soft_registration, AttestationCertificateWithoutRequiredOu) {
    auto o = options(ts::soft_attestation::packed_x5c);
    o.certificate_ou = "Marketing";
    EXPECT_EQ(error_of(o), errc::attestation_certificate_invalid);
}

TEST_F(webauthn_soft_registration, AttestationCertificateAaguidMismatch) {
    auto o = options(ts::soft_attestation::packed_x5c);
    o.certificate_aaguid_mismatch = true;
    EXPECT_EQ(error_of(o), errc::attestation_certificate_invalid);
}

TEST_F(webauthn_soft_registration, TrailingBytesAfterCredentialKey) {
    auto response = authenticator.make_credential(options(ts::soft_attestation::none));
    auto parts = split(response.attestation_object);
    parts.auth_data.push_back(0x00);
    auto r = wa::verify_registration(
        {response.client_data_json, attestation_object("none", parts.stmt, parts.auth_data), challenge}, policy);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::malformed_authenticator_data);
}

TEST_F(webauthn_soft_registration, TruncatedAuthenticatorData) {
    auto response = authenticator.make_credential(options(ts::soft_attestation::none));
    auto parts = split(response.attestation_object);
    for (std::size_t size : {std::size_t{0}, std::size_t{36}, std::size_t{37 + 10}}) {
        bytes cut(parts.auth_data.begin(), parts.auth_data.begin() + static_cast<long>(size));
        auto r = wa::verify_registration(
            {response.client_data_json, attestation_object("none", parts.stmt, cut), challenge}, policy);
        ASSERT_FALSE(r.has_value()) << size;
        EXPECT_EQ(r.error(), errc::malformed_authenticator_data) << size;
    }
}

TEST_F(webauthn_soft_registration, TruncatedCredentialKey) {
    auto response = authenticator.make_credential(options(ts::soft_attestation::none));
    auto parts = split(response.attestation_object);
    parts.auth_data.resize(parts.auth_data.size() - 5);
    auto r = wa::verify_registration(
        {response.client_data_json, attestation_object("none", parts.stmt, parts.auth_data), challenge}, policy);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::malformed_cbor);
}

TEST_F(webauthn_soft_registration, OversizedInputsRefused) {
    auto response = authenticator.make_credential(options());
    bytes big_object(wa::limits::attestation_object + 1, 0xA0);
    auto r = wa::verify_registration({response.client_data_json, big_object, challenge}, policy);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::too_large);

    bytes big_client_data(wa::limits::client_data_json + 1, ' ');
    r = wa::verify_registration({big_client_data, response.attestation_object, challenge}, policy);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::too_large);
}

TEST_F(webauthn_soft_registration, ErrorNamesAreDistinct) {
    std::vector<std::string_view> names;
    for (int e = static_cast<int>(errc::too_large); e <= static_cast<int>(errc::internal_error); ++e) {
        auto name = wa::to_string(static_cast<errc>(e));
        EXPECT_NE(name, "unknown");
        EXPECT_EQ(std::count(names.begin(), names.end(), name), 0) << name;
        names.push_back(name);
        EXPECT_FALSE(wa::make_error_code(static_cast<errc>(e)).message().empty());
    }
    EXPECT_EQ(wa::to_string(errc::challenge_mismatch), "challenge_mismatch");
}

} // namespace
