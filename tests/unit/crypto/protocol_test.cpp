// The protocol's derivations, the at-rest codec and the QR payload v1 codec.
#include "asistencia/domain/crypto/ecdh.hpp"
#include "asistencia/domain/crypto/protocol_keys.hpp"
#include "asistencia/domain/crypto/qr_payload.hpp"
#include "asistencia/domain/encoding/base64.hpp"
#include "test_hex.hpp"

#include <gtest/gtest.h>

namespace {

using namespace asistencia::domain::crypto;
using crypto_test::hex;
using crypto_test::unhex;

TEST(Handshake, PhoneAndServerDeriveTheSameKeys) {
    const auto server = ecdh_generate();
    const auto phone = ecdh_generate();
    const auto challenge = random_bytes(32);
    const auto credential = random_bytes(20);
    const auto s1 =
        derive_handshake_secret(*ecdh_shared_secret(server.private_scalar, phone.public_raw), challenge, credential);
    const auto s2 =
        derive_handshake_secret(*ecdh_shared_secret(phone.private_scalar, server.public_raw), challenge, credential);
    EXPECT_EQ(s1, s2);
    EXPECT_EQ(s1.size(), 32u);
    const auto k = derive_device_keys(s1);
    EXPECT_NE(k.k_totpu, k.k_qr);
    EXPECT_NE(derive_handshake_secret(*ecdh_shared_secret(server.private_scalar, phone.public_raw), random_bytes(32),
                                      credential),
              s1)
        << "the challenge is the salt";
}

TEST(Handshake, SessionAndParticipationKeysDependOnTheirInputs) {
    const auto master = random_bytes(32);
    EXPECT_EQ(derive_session_totps_secret(master, 12), derive_session_totps_secret(master, 12));
    EXPECT_NE(derive_session_totps_secret(master, 12), derive_session_totps_secret(master, 13));
    EXPECT_NE(derive_participation_key(master), derive_session_totps_secret(master, 0));
    // The info string is exactly "asistencia/totps/v1/" + decimal id.
    EXPECT_EQ(derive_session_totps_secret(master, 12), hkdf_sha256(master, {}, as_bytes("asistencia/totps/v1/12"), 32));
}

TEST(AtRest, RoundTripsAndRefusesEveryMismatch) {
    const auto master = random_bytes(32);
    const auto secret = random_bytes(32);
    const auto sealed = seal_at_rest(master, secret, "cred-1");
    EXPECT_TRUE(sealed.starts_with("v1."));
    EXPECT_EQ(sealed.size(), 3 + 80u) << "base64url of 12 + 32 + 16 bytes";
    EXPECT_EQ(open_at_rest(master, sealed, "cred-1"), std::optional<bytes>(secret));
    EXPECT_FALSE(open_at_rest(master, sealed, "cred-2")) << "AAD is the credential id";
    EXPECT_FALSE(open_at_rest(random_bytes(32), sealed, "cred-1"));
    EXPECT_FALSE(open_at_rest(master, "v2." + sealed.substr(3), "cred-1"));
    EXPECT_FALSE(open_at_rest(master, "v1.!!", "cred-1"));
    EXPECT_FALSE(open_at_rest(master, "v1.AAAA", "cred-1"));
    auto tampered = sealed;
    tampered[10] = tampered[10] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(open_at_rest(master, tampered, "cred-1"));
    EXPECT_NE(seal_at_rest(master, secret, "cred-1"), sealed) << "a fresh IV every time";
}

// The round store's sealer derives its AES key once; its blobs are seal_at_rest's, both ways.
TEST(AtRest, AKeyDerivedOnceSealsAndOpensTheSameBlobs) {
    const auto master = random_bytes(32);
    const auto secret = random_bytes(64);
    const auto iv = random_bytes(12);
    const at_rest_v1_key key(master);
    EXPECT_EQ(key.seal(secret, "aad-1", iv), seal_at_rest(master, secret, "aad-1", iv));
    EXPECT_EQ(key.open(seal_at_rest(master, secret, "aad-1"), "aad-1"), std::optional<bytes>(secret));
    EXPECT_EQ(open_at_rest(master, key.seal(secret, "aad-1"), "aad-1"), std::optional<bytes>(secret));
    EXPECT_FALSE(key.open(key.seal(secret, "aad-1"), "aad-2")) << "AAD still binds";
    EXPECT_FALSE(at_rest_v1_key(random_bytes(32)).open(key.seal(secret, "aad-1"), "aad-1"));
    EXPECT_FALSE(key.open("v2." + key.seal(secret, "aad-1").substr(3), "aad-1")) << "only v1";
}

// Key ring (master-key rotation): key A was version 1, key B is the current version 2.
at_rest_key_ring ring_b_with_a(const bytes& a, const bytes& b) { return {2, b, {{1, a}}}; }

TEST(AtRestKeyRing, SealsWithTheCurrentKeyAndOpensWithAnyKnownOne) {
    const auto a = random_bytes(32), b = random_bytes(32), secret = random_bytes(32);
    const auto under_a = seal_at_rest(a, secret, "cred-1"); // enrolled before the rotation
    const auto ring = ring_b_with_a(a, b);
    const auto under_b = seal_at_rest(ring, secret, "cred-1");
    EXPECT_TRUE(under_b.starts_with("v2.")) << under_b;
    EXPECT_EQ(open_at_rest(ring, under_a, "cred-1"), std::optional<bytes>(secret)) << "v1 opens with the previous key";
    EXPECT_EQ(open_at_rest(ring, under_b, "cred-1"), std::optional<bytes>(secret));
    EXPECT_FALSE(open_at_rest(ring, under_b, "cred-2")) << "AAD is still the credential id";
    EXPECT_FALSE(open_at_rest(b, under_b, "cred-1")) << "the one-key form knows v1 only";

    // Key A dropped: v1 no longer opens, v2 still does.
    const at_rest_key_ring only_b{2, b, {}};
    EXPECT_FALSE(open_at_rest(only_b, under_a, "cred-1"));
    EXPECT_EQ(open_at_rest(only_b, under_b, "cred-1"), std::optional<bytes>(secret));
}

TEST(AtRestKeyRing, TheVersionPicksTheKeyAndItsDerivation) {
    const auto a = random_bytes(32), b = random_bytes(32), secret = random_bytes(32);
    const auto ring = ring_b_with_a(a, b);
    const auto under_b = seal_at_rest(ring, secret, "cred-1");
    // Relabelled as v1, the same bytes meet key A: refused.
    EXPECT_FALSE(open_at_rest(ring, "v1." + under_b.substr(3), "cred-1"));
    // Key B under version 1 (a ring whose v1 is B): v1's HKDF info differs from v2's.
    const at_rest_key_ring b_as_v1{1, b, {}};
    EXPECT_FALSE(open_at_rest(b_as_v1, "v1." + under_b.substr(3), "cred-1"));
    // Version 2's key is HKDF(B, "asistencia/at-rest/v2"): the layout the runbook documents.
    const auto blob = asistencia::domain::encoding::base64url_decode(under_b.substr(3));
    ASSERT_TRUE(blob);
    const byte_view all(*blob);
    EXPECT_EQ(aes256gcm_open(hkdf_sha256(b, {}, as_bytes("asistencia/at-rest/v2"), 32), all.first(gcm_iv_size),
                             all.subspan(gcm_iv_size), as_bytes("cred-1")),
              std::optional<bytes>(secret));
    EXPECT_FALSE(open_at_rest(ring, "v3." + under_b.substr(3), "cred-1")) << "an unknown version";
}

TEST(AtRestKeyRing, VersionPrefixesAreParsedStrictly) {
    EXPECT_EQ(at_rest_version("v1.abc"), std::optional<int>(1));
    EXPECT_EQ(at_rest_version("v12.abc"), std::optional<int>(12));
    EXPECT_EQ(at_rest_version("v9999."), std::optional<int>(9999));
    for (const char* bad :
         {"", "v", "v.", "1.abc", "v0.abc", "v01.abc", "v-1.abc", "v+1.abc", "v10000.abc", "v1", "vx.abc", "V1.abc"}) {
        EXPECT_FALSE(at_rest_version(bad)) << bad;
    }
}

qr_payload sample() {
    qr_payload p;
    p.session_id = 0x01020304;
    p.user_id = 100042;
    p.round = 3;
    for (std::size_t i = 0; i < 16; ++i) p.nonce[i] = static_cast<std::uint8_t>(0xA0 + i);
    p.issued_at_ms = 1'763'800'000'123ULL;
    p.totps = 123456;
    return p;
}

TEST(QrPayload, PlaintextIs38BigEndianBytes) {
    const auto pt = encode_plaintext(sample());
    EXPECT_EQ(hex(pt),
              "01"                               // version
              "01020304"                         // sessionId
              "000186ca"                         // userId 100042
              "03"                               // round
              "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf" // nonce
              "0000019aaaac267b"                 // issuedAt ms
              "0001e240");                       // TOTPs 123456
    EXPECT_EQ(decode_plaintext(pt), std::optional<qr_payload>(sample()));
}

TEST(QrPayload, SealsTo94CharactersAndOpensWithTheRightKeyOnly) {
    const auto key = random_bytes(32);
    const auto text = seal_qr(sample(), key);
    EXPECT_EQ(text.size(), qr_text_size);
    EXPECT_TRUE(text.starts_with("ASIS1."));
    const auto opened = open_qr(text, key);
    ASSERT_TRUE(std::holds_alternative<qr_payload>(opened));
    EXPECT_EQ(std::get<qr_payload>(opened), sample());
    EXPECT_EQ(std::get<qr_error>(open_qr(text, random_bytes(32))), qr_error::not_for_this_key);
    EXPECT_NE(seal_qr(sample(), key), text) << "every showing gets a fresh IV";
}

TEST(QrPayload, EveryKindOfBadInputHasItsOwnError) {
    const auto key = random_bytes(32);
    const auto text = seal_qr(sample(), key);
    EXPECT_EQ(std::get<qr_error>(open_qr(text.substr(0, 93), key)), qr_error::truncated);
    EXPECT_EQ(std::get<qr_error>(open_qr("", key)), qr_error::truncated);
    EXPECT_EQ(std::get<qr_error>(open_qr(text + "A", key)), qr_error::oversized);
    EXPECT_EQ(std::get<qr_error>(open_qr("ASIS2." + text.substr(6), key)), qr_error::wrong_prefix);
    EXPECT_EQ(std::get<qr_error>(open_qr("ASIS1." + std::string(87, 'A') + "=", key)), qr_error::bad_encoding);
    for (std::size_t i = 6; i < text.size(); ++i) {
        auto t = text;
        t[i] = t[i] == 'A' ? 'B' : 'A';
        const auto r = open_qr(t, key);
        ASSERT_TRUE(std::holds_alternative<qr_error>(r)) << "tampered char " << i;
        EXPECT_TRUE(std::get<qr_error>(r) == qr_error::not_for_this_key ||
                    std::get<qr_error>(r) == qr_error::bad_encoding)
            << i;
    }
    // A correctly sealed plaintext whose version byte is not 1.
    auto pt = encode_plaintext(sample());
    pt[0] = 2;
    const auto iv = random_bytes(12);
    auto ct = aes256gcm_seal(key, iv, pt, as_bytes("ASIS1"));
    bytes blob(iv);
    blob.insert(blob.end(), ct.begin(), ct.end());
    const auto v2 = "ASIS1." + asistencia::domain::encoding::base64url_encode(blob);
    EXPECT_EQ(std::get<qr_error>(open_qr(v2, key)), qr_error::wrong_version);
}

TEST(QrPayload, DecoysLookLikeRealCodesAndOpenForNobody) {
    const auto d = decoy_qr(7);
    EXPECT_EQ(d.size(), qr_text_size);
    EXPECT_TRUE(d.starts_with("ASIS1."));
    EXPECT_EQ(std::get<qr_error>(open_qr(d, random_bytes(32))), qr_error::not_for_this_key);
    EXPECT_NE(decoy_qr(7), d);
}

} // namespace
