// QR code rendering with libqrencode for the projection frames (PROTOCOL.md 6.3, 6.4, 10):
// byte mode, ECC level M or higher, modules packed row-major, one bit per module, most
// significant bit first, each row padded to a whole byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace asistencia::infra::qr {

enum class ecc_level { m, q, h };

struct qr_matrix {
    int width = 0;                    // modules per side (no quiet zone)
    std::vector<std::uint8_t> packed; // width rows of (width + 7) / 8 bytes

    std::size_t row_bytes() const noexcept { return static_cast<std::size_t>(width + 7) / 8; }
    bool dark(int x, int y) const noexcept {
        const auto byte = packed[static_cast<std::size_t>(y) * row_bytes() + x / 8];
        return (byte >> (7 - x % 8)) & 1;
    }
};

// `mask` 0-7 uses that data mask (any is valid: readers try all eight); -1 lets libqrencode
// score the eight and keep the best, four times the work. Throws std::invalid_argument for
// empty or over-long text (more than a version 40 code holds) or a mask above 7,
// std::runtime_error when libqrencode fails otherwise (out of memory).
qr_matrix render_qr(std::string_view text, ecc_level level = ecc_level::m, int mask = -1);

} // namespace asistencia::infra::qr
