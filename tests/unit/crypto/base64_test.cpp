// Strict base64url (RFC 4648 section 10 vectors without padding) and standard base64.
#include "asistencia/domain/encoding/base64.hpp"

#include <gtest/gtest.h>

namespace {

using namespace asistencia::domain::encoding;

TEST(Base64url, Rfc4648Vectors) {
    const std::pair<const char*, const char*> v[] = {
        {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
        {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
    for (const auto& [plain, enc] : v) {
        EXPECT_EQ(base64url_encode(std::string_view(plain)), enc);
        EXPECT_EQ(base64url_decode_string(enc), std::optional<std::string>(plain));
    }
}

TEST(Base64url, UsesTheUrlAlphabet) {
    const std::vector<std::uint8_t> b{0xfb, 0xff, 0xbf};
    EXPECT_EQ(base64url_encode(b), "-_-_");
    EXPECT_EQ(base64url_decode("-_-_"), b);
}

TEST(Base64url, RefusesAnythingNotStrict) {
    for (const char* bad : {"Zg==", "Zg=", "Z", "Zm9v+", "Zm9v/", "Zm 9v", "Zm9vYmE=", "\xc3\xa9"}) {
        EXPECT_FALSE(base64url_decode(bad)) << bad;
    }
    EXPECT_FALSE(base64url_decode("Zh")) << "non-zero leftover bits give a second spelling of 'f'";
}

TEST(Base64, StandardAlphabetWithPadding) {
    const std::vector<std::uint8_t> b{0xfb, 0xff};
    EXPECT_EQ(base64_encode(b), "+/8=");
    const std::vector<std::uint8_t> one{'f'};
    EXPECT_EQ(base64_encode(one), "Zg==");
}

} // namespace
