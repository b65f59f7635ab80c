// Malformed, hostile and oversized CBOR in the attestationObject: every one is refused
// with malformed_cbor / too_large, never a crash (run these under build-asan too).
#include <gtest/gtest.h>

#include "asistencia/infra/webauthn/registration.hpp"
#include "soft_authenticator.hpp"
#include "webauthn_test_helpers.hpp"

namespace {

using namespace asistencia::webauthn_test;
namespace ts = asistencia::test_support;
using wa::errc;

struct webauthn_hostile_cbor : ::testing::Test {
    ts::soft_authenticator authenticator;
    bytes challenge = ts::random_bytes(32);
    ts::registration_response valid;

    void SetUp() override {
        ts::registration_options o;
        o.client.challenge = challenge;
        o.attestation = ts::soft_attestation::packed_self;
        valid = authenticator.make_credential(o);
    }

    boost::system::result<wa::registered_credential> verify(const bytes& object) {
        return wa::verify_registration({valid.client_data_json, object, challenge}, open_policy());
    }

    void expect_error(const bytes& object, errc expected, const char* what) {
        auto r = verify(object);
        ASSERT_FALSE(r.has_value()) << what;
        EXPECT_EQ(r.error(), expected) << what;
    }
};

TEST_F(webauthn_hostile_cbor, ValidObjectAccepted) { EXPECT_TRUE(verify(valid.attestation_object).has_value()); }

TEST_F(webauthn_hostile_cbor, NotAnAttestationObject) {
    expect_error({}, errc::malformed_cbor, "empty");
    expect_error({0xFF}, errc::malformed_cbor, "break byte");
    expect_error({0x1C}, errc::malformed_cbor, "reserved additional info");
    expect_error(text("hello"), errc::malformed_cbor, "text bytes");
    expect_error({0x83, 0x01, 0x02, 0x03}, errc::malformed_cbor, "array, not map");
    expect_error({0xA0}, errc::malformed_cbor, "empty map");
    expect_error({0xA1, 0x63, 'f', 'm', 't', 0x01}, errc::malformed_cbor, "fmt is an integer");
}

TEST_F(webauthn_hostile_cbor, WrongMemberTypes) {
    auto parts = split(valid.attestation_object);
    // authData as a text string instead of a byte string.
    bytes object{0xA3, 0x63, 'f',  'm',  't', 0x64, 'n', 'o', 'n', 'e', 0x67, 'a', 't',  't', 'S', 't',
                 'm',  't',  0xA0, 0x68, 'a', 'u',  't', 'h', 'D', 'a', 't',  'a', 0x63, 'a', 'b', 'c'};
    expect_error(object, errc::malformed_cbor, "authData as text");
    // attStmt as an array.
    object = attestation_object("packed", {0x80}, parts.auth_data);
    expect_error(object, errc::malformed_cbor, "attStmt as array");
}

TEST_F(webauthn_hostile_cbor, TrailingByte) {
    bytes object = valid.attestation_object;
    object.push_back(0x00);
    expect_error(object, errc::malformed_cbor, "trailing byte");
}

TEST_F(webauthn_hostile_cbor, EveryTruncationRefused) {
    for (std::size_t n = 0; n < valid.attestation_object.size(); ++n) {
        bytes cut(valid.attestation_object.begin(), valid.attestation_object.begin() + static_cast<long>(n));
        auto r = verify(cut);
        ASSERT_FALSE(r.has_value()) << n;
    }
}

TEST_F(webauthn_hostile_cbor, EverySingleByteCorruptionHandled) {
    // Flipping any byte either breaks the structure, a check, or the signature; the
    // verifier must answer (no crash, no sanitizer report) and never accept.
    for (std::size_t i = 0; i < valid.attestation_object.size(); ++i) {
        bytes object = valid.attestation_object;
        object[i] ^= 0xA5;
        auto r = verify(object);
        EXPECT_FALSE(r.has_value()) << "byte " << i;
    }
}

TEST_F(webauthn_hostile_cbor, IndefiniteLengthRefused) {
    // The valid object re-framed as an indefinite-length map (0xBF ... 0xFF).
    bytes object = valid.attestation_object;
    ASSERT_EQ(object[0], 0xA3);
    object[0] = 0xBF;
    object.push_back(0xFF);
    expect_error(object, errc::malformed_cbor, "indefinite map");
}

TEST_F(webauthn_hostile_cbor, TagRefused) {
    bytes object{0xC0};
    object.insert(object.end(), valid.attestation_object.begin(), valid.attestation_object.end());
    expect_error(object, errc::malformed_cbor, "tagged map");
}

TEST_F(webauthn_hostile_cbor, DuplicateKeysRefused) {
    auto parts = split(valid.attestation_object);
    bytes object = attestation_object("packed", parts.stmt, parts.auth_data);
    // Append a second "fmt" entry and bump the map size from 3 to 4.
    ASSERT_EQ(object[0], 0xA3);
    object[0] = 0xA4;
    const bytes extra{0x63, 'f', 'm', 't', 0x64, 'n', 'o', 'n', 'e'};
    object.insert(object.end(), extra.begin(), extra.end());
    expect_error(object, errc::malformed_cbor, "duplicate fmt");
}

TEST_F(webauthn_hostile_cbor, DeepNestingRefused) {
    bytes object(20000, 0x81); // [[[[...]]]]
    object.push_back(0x00);
    expect_error(object, errc::malformed_cbor, "deep nesting");
    bytes maps;
    for (int i = 0; i < 5000; ++i) {
        maps.push_back(0xA1);
        maps.push_back(0x00);
    }
    maps.push_back(0x00);
    expect_error(maps, errc::malformed_cbor, "deep maps");
}

TEST_F(webauthn_hostile_cbor, HugeDeclaredLengthsRefusedWithoutAllocating) {
    expect_error({0x9B, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00}, errc::malformed_cbor, "array of 2^36 items");
    expect_error({0xBB, 0x0F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, errc::malformed_cbor, "map of 2^60 pairs");
    expect_error({0x5B, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00}, errc::malformed_cbor,
                 "byte string of 2^63 bytes");
    expect_error({0x9A, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00}, errc::malformed_cbor, "array of 65536 items in 7 bytes");
}

TEST_F(webauthn_hostile_cbor, ManySmallItemsRefused) {
    // A flat array with more entries than any WebAuthn structure has.
    bytes object{0x98, 0xC8}; // array(200)
    object.insert(object.end(), 200, 0x00);
    expect_error(object, errc::malformed_cbor, "array of 200");
}

TEST_F(webauthn_hostile_cbor, OversizedObjectRefused) {
    bytes object(wa::limits::attestation_object + 1, 0x00);
    expect_error(object, errc::too_large, "oversized");
}

TEST_F(webauthn_hostile_cbor, HostileCredentialKey) {
    // authData whose COSE_Key is a huge declared array instead of a map.
    auto parts = split(valid.attestation_object);
    const std::size_t key_offset = 37 + 16 + 2 + 32;
    bytes auth(parts.auth_data.begin(), parts.auth_data.begin() + static_cast<long>(key_offset));
    for (std::uint8_t b : {0x9B, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00}) {
        auth.push_back(b);
    }
    expect_error(attestation_object("none", {0xA0}, auth), errc::malformed_cbor, "key array");
    // A COSE_Key that is a map without alg.
    bytes no_alg(parts.auth_data.begin(), parts.auth_data.begin() + static_cast<long>(key_offset));
    for (std::uint8_t b : {0xA1, 0x01, 0x02}) no_alg.push_back(b);
    expect_error(attestation_object("none", {0xA0}, no_alg), errc::invalid_public_key, "no alg");
}

} // namespace
