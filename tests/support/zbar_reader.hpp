// What a camera reads from a projected QR code: the modules drawn as an 8-bit grayscale
// image (`scale` pixels a module, a 4-module quiet zone) and decoded with zbar, a decoder
// independent of ours. Header-only; link PkgConfig::ZBAR.
#pragma once

#include <zbar.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace test_support {

// `dark(x, y)` says whether module (x, y) of a width x width code is dark; "" when zbar
// finds no QR code.
template <class Dark>
std::string zbar_read(int width, Dark dark, int scale = 4) {
    constexpr int quiet = 4;
    const int side = (width + 2 * quiet) * scale;
    std::vector<unsigned char> pixels(static_cast<std::size_t>(side) * static_cast<std::size_t>(side), 255);
    for (int y = 0; y < width; ++y) {
        for (int x = 0; x < width; ++x) {
            if (!dark(x, y)) continue;
            for (int dy = 0; dy < scale; ++dy) {
                for (int dx = 0; dx < scale; ++dx) {
                    const int px = (x + quiet) * scale + dx;
                    const int py = (y + quiet) * scale + dy;
                    pixels[static_cast<std::size_t>(py) * static_cast<std::size_t>(side) +
                           static_cast<std::size_t>(px)] = 0;
                }
            }
        }
    }
    zbar::ImageScanner scanner;
    scanner.set_config(zbar::ZBAR_NONE, zbar::ZBAR_CFG_ENABLE, 0);
    scanner.set_config(zbar::ZBAR_QRCODE, zbar::ZBAR_CFG_ENABLE, 1);
    zbar::Image image(static_cast<unsigned>(side), static_cast<unsigned>(side), "Y800", pixels.data(), pixels.size());
    if (scanner.scan(image) <= 0) return {};
    for (auto s = image.symbol_begin(); s != image.symbol_end(); ++s) return s->get_data();
    return {};
}

// A frame's `modules` bitmap (PROTOCOL.md: row-major, one bit a module, most significant bit
// first, each row padded to a whole byte); nullopt when its size does not match `width`.
inline std::optional<std::string> zbar_read_packed(int width, const std::vector<std::uint8_t>& packed, int scale = 4) {
    const std::size_t row_bytes = static_cast<std::size_t>(width + 7) / 8;
    if (width <= 0 || packed.size() != row_bytes * static_cast<std::size_t>(width)) return std::nullopt;
    return zbar_read(
        width,
        [&](int x, int y) {
            const auto byte = packed[static_cast<std::size_t>(y) * row_bytes + static_cast<std::size_t>(x / 8)];
            return ((byte >> (7 - x % 8)) & 1) != 0;
        },
        scale);
}

} // namespace test_support
