// Hex helpers for the crypto tests.
#pragma once

#include "asistencia/domain/crypto/primitives.hpp"

#include <stdexcept>
#include <string>
#include <string_view>

namespace crypto_test {

inline asistencia::domain::crypto::bytes unhex(std::string_view h) {
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        throw std::invalid_argument("bad hex");
    };
    if (h.size() % 2) throw std::invalid_argument("odd hex");
    asistencia::domain::crypto::bytes out;
    for (std::size_t i = 0; i < h.size(); i += 2) {
        out.push_back(static_cast<std::uint8_t>(nibble(h[i]) * 16 + nibble(h[i + 1])));
    }
    return out;
}

inline std::string hex(asistencia::domain::crypto::byte_view b) {
    static constexpr char d[] = "0123456789abcdef";
    std::string s;
    for (auto x : b) {
        s += d[x >> 4];
        s += d[x & 15];
    }
    return s;
}

} // namespace crypto_test
