// HKDF (RFC 5869), AES-256-GCM (GCM spec test cases 13, 14, 16) and ECDH P-256 (RFC 5903).
#include "asistencia/domain/crypto/primitives.hpp"
#include "asistencia/domain/crypto/ecdh.hpp"
#include "test_hex.hpp"

#include <gtest/gtest.h>

namespace {

using namespace asistencia::domain::crypto;
using crypto_test::hex;
using crypto_test::unhex;

TEST(Hkdf, Rfc5869CaseA1) {
    const auto okm = hkdf_sha256(unhex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"),
                                 unhex("000102030405060708090a0b0c"), unhex("f0f1f2f3f4f5f6f7f8f9"), 42);
    EXPECT_EQ(hex(okm), "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST(Hkdf, Rfc5869CaseA3EmptySaltAndInfo) {
    const auto okm = hkdf_sha256(unhex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), {}, {}, 42);
    EXPECT_EQ(hex(okm), "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST(AesGcm, GcmSpecCases13And14) {
    const auto key = unhex(std::string(64, '0'));
    const auto iv = unhex(std::string(24, '0'));
    EXPECT_EQ(hex(aes256gcm_seal(key, iv, {}, {})), "530f8afbc74536b9a963b4f1c4cb738b");
    EXPECT_EQ(hex(aes256gcm_seal(key, iv, unhex(std::string(32, '0')), {})),
              "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919");
}

struct gcm16 {
    bytes key = unhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
    bytes iv = unhex("cafebabefacedbaddecaf888");
    bytes pt = unhex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e24"
        "49a6b525b16aedf5aa0de657ba637b39");
    bytes aad = unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    std::string ct_tag =
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b10"
        "56828838c5f61e6393ba7a0abcc9f662"
        "76fc6ece0f4e1768cddf8853bb2d551b";
};

TEST(AesGcm, GcmSpecCase16WithAad) {
    const gcm16 t;
    EXPECT_EQ(hex(aes256gcm_seal(t.key, t.iv, t.pt, t.aad)), t.ct_tag);
    EXPECT_EQ(aes256gcm_open(t.key, t.iv, unhex(t.ct_tag), t.aad), std::optional<bytes>(t.pt));
}

TEST(AesGcm, OpenFailsOnAnyChangedByte) {
    const gcm16 t;
    const auto ct = unhex(t.ct_tag);
    for (std::size_t i = 0; i < ct.size(); ++i) {
        auto c = ct;
        c[i] ^= 0x01;
        EXPECT_FALSE(aes256gcm_open(t.key, t.iv, c, t.aad)) << "ciphertext/tag byte " << i;
    }
    for (std::size_t i = 0; i < t.iv.size(); ++i) {
        auto iv = t.iv;
        iv[i] ^= 0x80;
        EXPECT_FALSE(aes256gcm_open(t.key, iv, ct, t.aad)) << "iv byte " << i;
    }
    for (std::size_t i = 0; i < t.aad.size(); ++i) {
        auto aad = t.aad;
        aad[i] ^= 0x01;
        EXPECT_FALSE(aes256gcm_open(t.key, t.iv, ct, aad)) << "aad byte " << i;
    }
    auto key = t.key;
    key[31] ^= 1;
    EXPECT_FALSE(aes256gcm_open(key, t.iv, ct, t.aad));
    EXPECT_FALSE(aes256gcm_open(t.key, t.iv, byte_view(ct).first(ct.size() - 1), t.aad)) << "truncated tag";
    EXPECT_FALSE(aes256gcm_open(t.key, t.iv, byte_view(ct).first(10), t.aad));
}

TEST(Ecdh, Rfc5903P256) {
    const auto a = ecdh_from_private(unhex("C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433"));
    const auto b = ecdh_from_private(unhex("C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53"));
    ASSERT_TRUE(a && b);
    EXPECT_EQ(hex(a->public_raw),
              "04dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180"
              "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3");
    EXPECT_EQ(hex(b->public_raw),
              "04d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63"
              "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab");
    const auto ab = ecdh_shared_secret(a->private_scalar, b->public_raw);
    const auto ba = ecdh_shared_secret(b->private_scalar, a->public_raw);
    ASSERT_TRUE(ab && ba);
    EXPECT_EQ(hex(*ab), "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de");
    EXPECT_EQ(*ab, *ba);
}

TEST(Ecdh, GeneratedPairsAgree) {
    const auto a = ecdh_generate();
    const auto b = ecdh_generate();
    EXPECT_EQ(a.public_raw.size(), 65u);
    EXPECT_EQ(ecdh_shared_secret(a.private_scalar, b.public_raw), ecdh_shared_secret(b.private_scalar, a.public_raw));
}

TEST(Ecdh, InvalidPointsAndScalarsAreRefused) {
    const auto a = ecdh_generate();
    auto off_curve = ecdh_generate().public_raw;
    off_curve[64] ^= 1; // y changed: no longer on the curve
    EXPECT_FALSE(ecdh_public_key_valid(off_curve));
    EXPECT_FALSE(ecdh_shared_secret(a.private_scalar, off_curve));
    auto compressed = a.public_raw;
    compressed[0] = 0x02;
    EXPECT_FALSE(ecdh_public_key_valid(compressed));
    EXPECT_FALSE(ecdh_public_key_valid(bytes(65, 0)));
    EXPECT_FALSE(ecdh_public_key_valid(byte_view(a.public_raw).first(64)));
    EXPECT_FALSE(ecdh_from_private(bytes(32, 0)));
    EXPECT_FALSE(ecdh_from_private(bytes(32, 0xff))) << "above the group order";
    EXPECT_FALSE(ecdh_from_private(bytes(31, 1)));
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
    EXPECT_TRUE(constant_time_equal(as_bytes("abc"), as_bytes("abc")));
    EXPECT_FALSE(constant_time_equal(as_bytes("abc"), as_bytes("abd")));
    EXPECT_FALSE(constant_time_equal(as_bytes("abc"), as_bytes("ab")));
    EXPECT_TRUE(constant_time_equal({}, {}));
}

} // namespace
