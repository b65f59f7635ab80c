// QR rendering: the packed bitmap layout, and a round trip through zbar (an independent
// decoder) at the payload's size.
#include "asistencia/infra/qr/qr_renderer.hpp"
#include "zbar_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

namespace {

using namespace asistencia::infra::qr;

// Draws the matrix as an 8-bit grayscale image (4 px per module, 4-module quiet zone) and
// returns what zbar reads from it, or "" when it finds no QR code.
std::string decode_with_zbar(const qr_matrix& m) {
    return test_support::zbar_read(m.width, [&](int x, int y) { return m.dark(x, y); });
}

std::string random_payload_text(std::mt19937& rng) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string s = "ASIS1.";
    std::uniform_int_distribution<int> pick(0, 63);
    while (s.size() < 94) s += alphabet[pick(rng)];
    return s;
}

TEST(QrRenderer, PayloadSizedTextIsASmallCodeZbarReadsBack) {
    std::mt19937 rng(1234);
    for (int i = 0; i < 20; ++i) {
        const auto text = random_payload_text(rng);
        const auto m = render_qr(text);
        EXPECT_LE(m.width, 41) << "94 bytes at ECC M should fit version 5 or 6";
        EXPECT_EQ(decode_with_zbar(m), text);
    }
}

TEST(QrRenderer, RowsArePackedMsbFirstAndPaddedToWholeBytes) {
    const auto m = render_qr("hola");
    ASSERT_EQ(m.width, 21) << "a 4-byte text is a version 1 code";
    EXPECT_EQ(m.row_bytes(), 3u);
    EXPECT_EQ(m.packed.size(), 63u);
    // The top-left finder pattern: row 0 starts with 7 dark modules then a light one.
    EXPECT_EQ(m.packed[0], 0xFE);
    // Padding bits after module 20 of each row stay zero.
    for (int y = 0; y < m.width; ++y) {
        EXPECT_EQ(m.packed[static_cast<std::size_t>(y) * 3 + 2] & 0x07, 0) << "row " << y;
    }
    EXPECT_EQ(decode_with_zbar(m), "hola");
}

TEST(QrRenderer, HigherEccLevelsMakeLargerCodesThatStillDecode) {
    const std::string text(94, 'x');
    const auto m = render_qr(text, ecc_level::m);
    const auto h = render_qr(text, ecc_level::h);
    EXPECT_GT(h.width, m.width);
    EXPECT_EQ(decode_with_zbar(h), text);
}

TEST(QrRenderer, EveryFixedMaskMakesACodeZbarReadsBack) {
    // The frame renderer skips the mask scoring with one fixed mask: each of the eight must
    // read, and the mask must really be the one asked for (the symbols differ).
    std::mt19937 rng(99);
    const auto text = random_payload_text(rng);
    const auto best = render_qr(text);
    std::vector<std::vector<std::uint8_t>> symbols;
    for (int mask = 0; mask < 8; ++mask) {
        const auto m = render_qr(text, ecc_level::m, mask);
        EXPECT_EQ(m.width, best.width) << "mask " << mask;
        EXPECT_EQ(decode_with_zbar(m), text) << "mask " << mask;
        for (const auto& other : symbols) EXPECT_NE(m.packed, other) << "mask " << mask;
        symbols.push_back(m.packed);
    }
    EXPECT_NE(std::find(symbols.begin(), symbols.end(), best.packed), symbols.end())
        << "the scored render is one of the eight";
    EXPECT_THROW(render_qr(text, ecc_level::m, 8), std::invalid_argument);
}

TEST(QrRenderer, RefusesEmptyAndOversizedText) {
    EXPECT_THROW(render_qr(""), std::invalid_argument);
    EXPECT_THROW(render_qr(std::string(3000, 'a')), std::invalid_argument);
    EXPECT_THROW(render_qr(std::string(2000, 'a'), ecc_level::h), std::invalid_argument);
}

} // namespace
