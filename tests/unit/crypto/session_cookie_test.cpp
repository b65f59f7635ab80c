// The app-session cookie codec (docs/tokens.md): seal/open, tampering, another key, bounds,
// and reading one cookie out of a Cookie header.
#include "asistencia/domain/crypto/session_cookie.hpp"
#include "asistencia/domain/crypto/protocol_keys.hpp"

#include <gtest/gtest.h>

namespace crypto = asistencia::domain::crypto;

namespace {

crypto::bytes key_of(std::uint8_t fill) { return crypto::derive_app_session_key(crypto::bytes(32, fill)); }

TEST(SessionCookie, OpensWhatItSealed) {
    const auto key = key_of(1);
    const auto id = crypto::new_session_id();
    EXPECT_EQ(id.size(), 43u);
    const auto value = crypto::seal_session_cookie(id, key);
    EXPECT_EQ(crypto::open_session_cookie(value, key), id);
    EXPECT_NE(crypto::new_session_id(), id);
}

TEST(SessionCookie, TheKeyDependsOnTheMasterKeyAndTheInfo) {
    EXPECT_NE(key_of(1), key_of(2));
    EXPECT_NE(key_of(1), crypto::derive_participation_key(crypto::bytes(32, 1)));
    EXPECT_EQ(key_of(1).size(), 32u);
}

TEST(SessionCookie, RefusesTamperingAnotherKeyAndMalformedValues) {
    const auto key = key_of(1);
    const auto id = crypto::new_session_id();
    const auto value = crypto::seal_session_cookie(id, key);
    EXPECT_FALSE(crypto::open_session_cookie(value, key_of(2))) << "another deployment";
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '.') continue;
        auto bad = value;
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        EXPECT_FALSE(crypto::open_session_cookie(bad, key)) << i;
    }
    EXPECT_FALSE(crypto::open_session_cookie("", key));
    EXPECT_FALSE(crypto::open_session_cookie(id, key)) << "no MAC";
    EXPECT_FALSE(crypto::open_session_cookie(value + "A", key));
    EXPECT_FALSE(crypto::open_session_cookie("." + value, key));
    EXPECT_FALSE(crypto::open_session_cookie(std::string(1000, 'a') + "." + value, key));
    // A short id with its correct MAC is still refused: ids are 32 random bytes.
    EXPECT_FALSE(crypto::open_session_cookie(crypto::seal_session_cookie("abc", key), key));
}

TEST(SessionCookie, FindsTheCookieInTheHeader) {
    EXPECT_EQ(crypto::cookie_value("a=1; asistencia_session=xyz.123; b=2", "asistencia_session"), "xyz.123");
    EXPECT_EQ(crypto::cookie_value("asistencia_session=\"q\"", "asistencia_session"), "q");
    EXPECT_EQ(crypto::cookie_value("asistencia_session=first; asistencia_session=second", "asistencia_session"),
              "first");
    EXPECT_FALSE(crypto::cookie_value("xasistencia_session=1; other", "asistencia_session"));
    EXPECT_FALSE(crypto::cookie_value("", "asistencia_session"));
    EXPECT_EQ(crypto::cookie_value("  asistencia_session = v ;", "asistencia_session"), "v");
}

} // namespace
