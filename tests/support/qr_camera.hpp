// What a phone's camera reads from a projected frame (PROTOCOL.md 6.4 `qr`: width and the
// packed module bitmap in standard base64): the bitmap drawn with a quiet zone and scanned by
// zbar. Header-only; link PkgConfig::ZBAR and OpenSSL::Crypto.
#pragma once

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <zbar.h>

#include <cstdint>
#include <string>
#include <vector>

namespace class_test {

// Standard base64 with padding; empty on malformed input.
inline std::vector<std::uint8_t> base64_std_decode(const std::string& in) {
    if (in.empty() || in.size() % 4 != 0) return {};
    std::vector<std::uint8_t> out(in.size() / 4 * 3);
    const int n =
        EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
    if (n < 0) return {};
    std::size_t pad = 0;
    if (in.back() == '=') ++pad;
    if (in.size() > 1 && in[in.size() - 2] == '=') ++pad;
    out.resize(static_cast<std::size_t>(n) - pad);
    return out;
}

// The QR text of a frame's `qr` object; empty when the camera cannot read it.
inline std::string camera_read(const nlohmann::json& qr) {
    constexpr int scale = 3, quiet = 4;
    const int width = qr.value("width", 0);
    const auto packed = base64_std_decode(qr.value("modules", ""));
    const std::size_t row_bytes = static_cast<std::size_t>(width + 7) / 8;
    if (width <= 0 || packed.size() < row_bytes * static_cast<std::size_t>(width)) return {};
    const int side = (width + 2 * quiet) * scale;
    std::vector<unsigned char> pixels(static_cast<std::size_t>(side * side), 255);
    for (int y = 0; y < width; ++y) {
        for (int x = 0; x < width; ++x) {
            const auto byte = packed[static_cast<std::size_t>(y) * row_bytes + static_cast<std::size_t>(x / 8)];
            if (((byte >> (7 - x % 8)) & 1) == 0) continue;
            for (int dy = 0; dy < scale; ++dy)
                for (int dx = 0; dx < scale; ++dx)
                    pixels[static_cast<std::size_t>(((y + quiet) * scale + dy) * side + (x + quiet) * scale + dx)] = 0;
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

} // namespace class_test
