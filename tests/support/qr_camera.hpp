// What a phone's camera reads from a projected frame (PROTOCOL.md 6.4 `qr`: width and the
// packed module bitmap in standard base64): the bitmap drawn with a quiet zone and scanned by
// zbar (zbar_reader.hpp). Header-only; link PkgConfig::ZBAR and OpenSSL::Crypto.
#pragma once

#include "zbar_reader.hpp"

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <cstdint>
#include <string>
#include <vector>

namespace test_support {

// Standard base64 with padding (the frames' `modules`, SERVER_MASTER_KEY); empty on malformed input.
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
inline std::string camera_read(const nlohmann::json& qr, int scale = 3) {
    const auto packed = base64_std_decode(qr.value("modules", ""));
    return zbar_read_packed(qr.value("width", 0), packed, scale).value_or("");
}

} // namespace test_support
