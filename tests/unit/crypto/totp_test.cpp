// RFC 6238 appendix B (8 digits, SHA1/256/512) and the verification window.
#include "asistencia/domain/crypto/totp.hpp"

#include <gtest/gtest.h>

namespace {

using namespace asistencia::domain::crypto;

struct row {
    std::int64_t t;
    const char* sha1;
    const char* sha256;
    const char* sha512;
};

TEST(Totp, Rfc6238AppendixB) {
    const std::string k1 = "12345678901234567890";
    const std::string k256 = "12345678901234567890123456789012";
    const std::string k512 = "1234567890123456789012345678901234567890123456789012345678901234";
    const row rows[] = {
        {59, "94287082", "46119246", "90693936"},         {1111111109, "07081804", "68084774", "25091201"},
        {1111111111, "14050471", "67062674", "99943326"}, {1234567890, "89005924", "91819424", "93441116"},
        {2000000000, "69279037", "90698825", "38618901"}, {20000000000, "65353130", "77737706", "47863826"},
    };
    for (const auto& r : rows) {
        EXPECT_EQ(totp_code(as_bytes(k1), r.t, {hash_algorithm::sha1, 30, 0, 8}), r.sha1) << r.t;
        EXPECT_EQ(totp_code(as_bytes(k256), r.t, {hash_algorithm::sha256, 30, 0, 8}), r.sha256) << r.t;
        EXPECT_EQ(totp_code(as_bytes(k512), r.t, {hash_algorithm::sha512, 30, 0, 8}), r.sha512) << r.t;
    }
}

TEST(Totp, SixDigitsAreTheLastSixOfTheTruncation) {
    const std::string k256 = "12345678901234567890123456789012";
    EXPECT_EQ(totp_code(as_bytes(k256), 59), "119246");
}

TEST(Totp, VerifyReturnsTheMatchedStepWithinTheWindow) {
    const std::string key(32, 'k');
    const std::int64_t now = 1'700'000'000;
    const auto step = totp_step(now);
    const auto prev = totp_code_at_step(as_bytes(key), step - 1);
    const auto next = totp_code_at_step(as_bytes(key), step + 1);
    const auto far = totp_code_at_step(as_bytes(key), step + 2);
    EXPECT_EQ(totp_verify(as_bytes(key), totp_code(as_bytes(key), now), now, 1), step);
    EXPECT_EQ(totp_verify(as_bytes(key), prev, now, 1), step - 1);
    EXPECT_EQ(totp_verify(as_bytes(key), next, now, 1), step + 1);
    if (far != prev && far != next && far != totp_code(as_bytes(key), now)) {
        EXPECT_FALSE(totp_verify(as_bytes(key), far, now, 1));
    }
    EXPECT_FALSE(totp_verify(as_bytes(key), prev, now, 0));
    EXPECT_FALSE(totp_verify(as_bytes(key), "12345", now, 1)) << "wrong length";
    EXPECT_FALSE(totp_verify(as_bytes(std::string(32, 'x')), totp_code(as_bytes(key), now), now, 1));
}

TEST(Totp, StepsBeforeT0FloorInsteadOfTruncating) {
    EXPECT_EQ(totp_step(-1), -1);
    EXPECT_EQ(totp_step(29), 0);
    EXPECT_EQ(totp_step(30), 1);
    EXPECT_EQ(totp_step(100, {hash_algorithm::sha256, 30, 40, 6}), 2);
}

} // namespace
