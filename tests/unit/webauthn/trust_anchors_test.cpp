// WEBAUTHN_ATTESTATION=direct: attestation chains checked against a trust-anchor folder
// (trust_anchors), with validity dates; self attestation refused. The soft authenticator
// issues its x5c leaf from a test CA, whose certificate is the anchor.
#include "asistencia/infra/webauthn/trust_anchors.hpp"
#include "asistencia/infra/webauthn/registration.hpp"
#include "soft_authenticator.hpp"
#include "webauthn_test_helpers.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace {

namespace wa = asistencia::infra::webauthn;
namespace ts = asistencia::test_support;
using namespace asistencia::webauthn_test;
using wa::errc;

constexpr long day = 24 * 3600;

struct webauthn_direct : ::testing::Test {
    ts::soft_authenticator authenticator;
    bytes challenge = ts::random_bytes(32);
    ts::attestation_ca vendor = ts::make_attestation_ca("Vendor Attestation Root");

    wa::registration_policy direct(const std::string& anchors_pem) const {
        auto p = open_policy();
        p.allowed_formats = {wa::attestation_format::packed, wa::attestation_format::fido_u2f,
                             wa::attestation_format::tpm};
        p.trusted_roots = wa::trust_anchors::from_pem(anchors_pem);
        return p;
    }

    ts::registration_options issued(ts::soft_attestation a) const {
        ts::registration_options o;
        o.client.challenge = challenge;
        o.attestation = a;
        o.certificate_issuer = vendor;
        return o;
    }

    boost::system::result<wa::registered_credential> run(const ts::registration_options& o,
                                                         const wa::registration_policy& p) {
        return wa::verify_registration(input_of(authenticator.make_credential(o), challenge), p);
    }
};

TEST_F(webauthn_direct, PackedChainToTheVendorRootIsTrusted) {
    const auto r = run(issued(ts::soft_attestation::packed_x5c), direct(vendor.certificate_pem));
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_TRUE(r->attestation_trusted);
    EXPECT_EQ(r->type, wa::attestation_type::basic);
}

TEST_F(webauthn_direct, FidoU2fChainToTheVendorRootIsTrusted) {
    const auto r = run(issued(ts::soft_attestation::fido_u2f), direct(vendor.certificate_pem));
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_TRUE(r->attestation_trusted);
}

TEST_F(webauthn_direct, ChainToAnotherRootIsRefused) {
    const auto other = ts::make_attestation_ca("Some Other Vendor");
    for (auto a : {ts::soft_attestation::packed_x5c, ts::soft_attestation::fido_u2f}) {
        const auto r = run(issued(a), direct(other.certificate_pem));
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error(), errc::attestation_not_trusted);
    }
}

// What WEBAUTHN_ATTESTATION=direct accepted before: a self-made certificate.
TEST_F(webauthn_direct, SelfMadeCertificateIsRefused) {
    ts::registration_options o = issued(ts::soft_attestation::packed_x5c);
    o.certificate_issuer.reset(); // self-signed leaf, as any attacker can make
    const auto r = run(o, direct(vendor.certificate_pem));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::attestation_not_trusted);
    // Without trust anchors (WEBAUTHN_ATTESTATION=none) the same response is accepted as basic.
    auto open = open_policy();
    const auto plain = run(o, open);
    ASSERT_TRUE(plain) << plain.error().message();
    EXPECT_FALSE(plain->attestation_trusted);
}

TEST_F(webauthn_direct, SelfAttestationIsRefused) {
    ts::registration_options o = issued(ts::soft_attestation::packed_self);
    const auto r = run(o, direct(vendor.certificate_pem));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::attestation_not_trusted);
}

TEST_F(webauthn_direct, NoneIsRefused) {
    const auto r = run(issued(ts::soft_attestation::none), direct(vendor.certificate_pem));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::format_not_allowed); // direct does not list none at all
}

TEST_F(webauthn_direct, ExpiredLeafIsRefused) {
    auto o = issued(ts::soft_attestation::packed_x5c);
    o.certificate_not_before_seconds = -30 * day;
    o.certificate_lifetime_seconds = 10 * day; // ended 20 days ago
    const auto r = run(o, direct(vendor.certificate_pem));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::attestation_not_trusted);
}

TEST_F(webauthn_direct, LeafNotYetValidIsRefused) {
    auto o = issued(ts::soft_attestation::packed_x5c);
    o.certificate_not_before_seconds = 2 * day;
    const auto r = run(o, direct(vendor.certificate_pem));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::attestation_not_trusted);
}

TEST_F(webauthn_direct, ExpiredRootIsRefused) {
    vendor = ts::make_attestation_ca("Expired Root", -400 * day, 300 * day);
    const auto r = run(issued(ts::soft_attestation::packed_x5c), direct(vendor.certificate_pem));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::attestation_not_trusted);
}

TEST_F(webauthn_direct, VerificationDateIsThePolicys) {
    auto p = direct(vendor.certificate_pem);
    p.attestation_time = std::chrono::system_clock::now() + std::chrono::hours(24 * 400); // leaf ended by then
    const auto r = run(issued(ts::soft_attestation::packed_x5c), p);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::attestation_not_trusted);
}

// ---- the folder

struct trust_anchor_folder : ::testing::Test {
    std::filesystem::path dir =
        std::filesystem::temp_directory_path() /
        ("asistencia-anchors-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    void SetUp() override { std::filesystem::create_directories(dir); }
    void TearDown() override { std::filesystem::remove_all(dir); }
    void write(const std::string& name, const std::string& text) const { std::ofstream(dir / name) << text; }
};

TEST_F(trust_anchor_folder, LoadsEveryCertificateFile) {
    const auto a = ts::make_attestation_ca("A");
    const auto b = ts::make_attestation_ca("B");
    const auto c = ts::make_attestation_ca("C");
    write("a.pem", a.certificate_pem);
    write("bc.crt", b.certificate_pem + c.certificate_pem); // one file, two roots
    write("README.txt", "not a certificate, not read");
    EXPECT_EQ(wa::trust_anchors::load_directory(dir).size(), 3U);
}

TEST_F(trust_anchor_folder, EmptyFolderStopsTheStart) {
    write("notes.txt", "no certificates here");
    EXPECT_THROW(wa::trust_anchors::load_directory(dir), std::runtime_error);
}

TEST_F(trust_anchor_folder, MissingFolderStopsTheStart) {
    EXPECT_THROW(wa::trust_anchors::load_directory(dir / "missing"), std::runtime_error);
}

TEST_F(trust_anchor_folder, BrokenFileIsNamed) {
    write("a.pem", ts::make_attestation_ca("A").certificate_pem);
    write("broken.pem", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
    try {
        wa::trust_anchors::load_directory(dir);
        FAIL() << "a broken certificate file was accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("broken.pem"), std::string::npos) << e.what();
    }
}

} // namespace
