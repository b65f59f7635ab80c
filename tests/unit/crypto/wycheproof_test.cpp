// Wycheproof vectors (C2SP/wycheproof, read in place from shared/vectors/wycheproof)
// against the project's own primitives: AES-GCM, HKDF-SHA256 and P-256 ECDH. Every case is
// a named GoogleTest case. The documented scope (docs/crypto.md) is asserted explicitly:
// AES-GCM only with a 256-bit key, 12-byte IV and 16-byte tag, ECDH only with uncompressed
// points; a case outside it must be refused, and the test checks that refusal.
#include "asistencia/domain/crypto/ecdh.hpp"
#include "asistencia/domain/crypto/primitives.hpp"
#include "shared_vectors.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace crypto = asistencia::domain::crypto;
namespace ts = asistencia::test_support;
using nlohmann::json;

struct wycheproof_case {
    std::string name;   // readable: tcId, flags, sizes
    json group;         // the testGroup without its tests
    json test;          // one test object
    bool loaded = true; // false: the file is missing (the case fails)
    std::string error;
};

std::vector<wycheproof_case> load_cases(const char* file, const char* prefix) {
    std::vector<wycheproof_case> out;
    try {
        const auto j = ts::load_shared_vectors(file);
        for (const auto& g : j.at("testGroups")) {
            json group = g;
            group.erase("tests");
            for (const auto& t : g.at("tests")) {
                std::string name = std::string(prefix) + "_tc" + std::to_string(t.at("tcId").get<int>());
                if (g.contains("keySize")) name += "_key" + std::to_string(g["keySize"].get<int>());
                if (g.contains("ivSize")) name += "_iv" + std::to_string(g["ivSize"].get<int>());
                for (const auto& f : t.at("flags")) name += "_" + f.get<std::string>();
                name += "_" + t.at("result").get<std::string>();
                out.push_back({ts::test_name(name), group, t, true, {}});
            }
        }
    } catch (const std::exception& e) {
        out.push_back({std::string(prefix) + "_vectors_missing", {}, {}, false, e.what()});
    }
    return out;
}

std::string case_name(const testing::TestParamInfo<wycheproof_case>& info) { return info.param.name; }

crypto::bytes field(const json& t, const char* key) { return ts::from_hex(t.at(key).get<std::string>()); }

// ---- AES-GCM

class WycheproofAesGcm : public testing::TestWithParam<wycheproof_case> {};

TEST_P(WycheproofAesGcm, Case) {
    const auto& c = GetParam();
    ASSERT_TRUE(c.loaded) << c.error;
    const auto key = field(c.test, "key");
    const auto iv = field(c.test, "iv");
    const auto aad = field(c.test, "aad");
    const auto msg = field(c.test, "msg");
    auto sealed = field(c.test, "ct");
    const auto tag = field(c.test, "tag");
    sealed.insert(sealed.end(), tag.begin(), tag.end());
    const auto result = c.test.at("result").get<std::string>();

    const bool in_scope = key.size() == 32 && iv.size() == crypto::gcm_iv_size && tag.size() == crypto::gcm_tag_size;
    if (!in_scope) {
        // Scope: AES-256 with a 96-bit IV and a 128-bit tag only. Anything else is refused
        // by both directions before any cryptography, whatever Wycheproof's verdict.
        EXPECT_THROW(crypto::aes256gcm_seal(key, iv, msg, aad), std::invalid_argument);
        EXPECT_THROW(crypto::aes256gcm_open(key, iv, sealed, aad), std::invalid_argument);
        return;
    }
    const auto opened = crypto::aes256gcm_open(key, iv, sealed, aad);
    if (result == "valid") {
        ASSERT_TRUE(opened.has_value());
        EXPECT_EQ(*opened, msg);
        EXPECT_EQ(crypto::aes256gcm_seal(key, iv, msg, aad), sealed);
    } else {
        ASSERT_EQ(result, "invalid"); // the file has no "acceptable" AES-GCM case
        EXPECT_FALSE(opened.has_value());
    }
}

INSTANTIATE_TEST_SUITE_P(Published, WycheproofAesGcm,
                         testing::ValuesIn(load_cases("wycheproof/aes_gcm_test.json", "aesgcm")), case_name);

// ---- HKDF-SHA256

class WycheproofHkdf : public testing::TestWithParam<wycheproof_case> {};

TEST_P(WycheproofHkdf, Case) {
    const auto& c = GetParam();
    ASSERT_TRUE(c.loaded) << c.error;
    const auto size = c.test.at("size").get<std::size_t>();
    const auto result = c.test.at("result").get<std::string>();
    const auto ikm = field(c.test, "ikm");
    const auto salt = field(c.test, "salt");
    const auto info = field(c.test, "info");
    if (result == "valid") {
        EXPECT_EQ(crypto::hkdf_sha256(ikm, salt, info, size), field(c.test, "okm"));
    } else {
        ASSERT_EQ(result, "invalid"); // only SizeTooLarge: more than 255 * 32 bytes
        EXPECT_THROW(crypto::hkdf_sha256(ikm, salt, info, size), std::invalid_argument);
    }
}

INSTANTIATE_TEST_SUITE_P(Published, WycheproofHkdf,
                         testing::ValuesIn(load_cases("wycheproof/hkdf_sha256_test.json", "hkdf")), case_name);

// ---- ECDH P-256 (public keys as X9.62 points)

class WycheproofEcdhP256 : public testing::TestWithParam<wycheproof_case> {};

// Wycheproof writes private keys as signed big-endian integers (a leading 00 when the top
// bit is set, fewer bytes for a small value): the scalar as our 32-byte form.
crypto::bytes scalar32(crypto::bytes d) {
    while (d.size() > 32 && d.front() == 0) d.erase(d.begin());
    if (d.size() < 32) d.insert(d.begin(), 32 - d.size(), 0);
    return d;
}

TEST_P(WycheproofEcdhP256, Case) {
    const auto& c = GetParam();
    ASSERT_TRUE(c.loaded) << c.error;
    const auto peer = field(c.test, "public");
    const auto priv = scalar32(field(c.test, "private"));
    const auto result = c.test.at("result").get<std::string>();
    const auto secret = crypto::ecdh_shared_secret(priv, peer);

    // Scope: uncompressed points only (0x04 || X || Y, what WebCrypto's exportKey("raw")
    // gives). Compressed points are refused even where Wycheproof calls them valid.
    const bool uncompressed = peer.size() == crypto::p256_public_key_size && peer.front() == 0x04;
    if (!uncompressed) {
        EXPECT_FALSE(secret.has_value());
        EXPECT_FALSE(crypto::ecdh_public_key_valid(peer));
        return;
    }
    if (result == "valid") {
        ASSERT_TRUE(secret.has_value());
        EXPECT_EQ(*secret, field(c.test, "shared"));
    } else if (result == "invalid") {
        EXPECT_FALSE(secret.has_value());
    } else {
        // "acceptable": the file's only one is a compressed key, handled above; any other
        // would need a decision here and in docs/crypto.md.
        ADD_FAILURE() << "an uncompressed acceptable case: decide and document it";
    }
}

INSTANTIATE_TEST_SUITE_P(Published, WycheproofEcdhP256,
                         testing::ValuesIn(load_cases("wycheproof/ecdh_secp256r1_ecpoint_test.json", "ecdh")),
                         case_name);

TEST(PublishedVectors, FolderIsPresent) {
    const auto dir = ts::shared_vectors_dir();
    EXPECT_TRUE(std::filesystem::is_directory(dir)) << dir << " is missing: CI must have shared/ beside the clone";
}

} // namespace
