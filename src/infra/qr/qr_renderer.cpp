// libqrencode wrapper; see qr_renderer.hpp.
#include "asistencia/infra/qr/qr_renderer.hpp"

#include <qrencode.h>

#include <cerrno>
#include <memory>
#include <stdexcept>

// libqrencode's encoder with the mask given (qrencode_inner.h, not in the installed
// header; exported by Debian 12's libqrencode 4.1.1, which QRcode_encodeInput calls with
// mask -1 = evaluate all eight). A fixed mask skips the penalty scoring of eight candidate
// symbols, ~3/4 of a frame's render time (docs/performance.md "Projectors").
extern "C" QRcode* QRcode_encodeMask(QRinput* input, int mask);

namespace asistencia::infra::qr {

namespace {

struct qrcode_deleter {
    void operator()(QRcode* q) const noexcept { QRcode_free(q); }
};
struct qrinput_deleter {
    void operator()(QRinput* q) const noexcept { QRinput_free(q); }
};

QRecLevel to_qrencode(ecc_level level) {
    switch (level) {
        case ecc_level::m:
            return QR_ECLEVEL_M;
        case ecc_level::q:
            return QR_ECLEVEL_Q;
        case ecc_level::h:
            return QR_ECLEVEL_H;
    }
    return QR_ECLEVEL_M;
}

std::unique_ptr<QRcode, qrcode_deleter> encode(std::string_view text, ecc_level level, int mask) {
    const auto* data = reinterpret_cast<const unsigned char*>(text.data());
    const auto size = static_cast<int>(text.size());
    if (mask < 0) return std::unique_ptr<QRcode, qrcode_deleter>(QRcode_encodeData(size, data, 0, to_qrencode(level)));
    // What QRcode_encodeData does, with the mask given.
    std::unique_ptr<QRinput, qrinput_deleter> input(QRinput_new2(0, to_qrencode(level)));
    if (!input || QRinput_append(input.get(), QR_MODE_8, size, data) != 0) return nullptr;
    return std::unique_ptr<QRcode, qrcode_deleter>(QRcode_encodeMask(input.get(), mask));
}

} // namespace

qr_matrix render_qr(std::string_view text, ecc_level level, int mask) {
    if (text.empty() || text.size() > 2331) { // version 40-M byte-mode capacity
        throw std::invalid_argument("QR text must hold 1 to 2331 bytes");
    }
    if (mask > 7) throw std::invalid_argument("a QR mask is 0 to 7 (or -1: the best of the eight)");
    // Explicit bytes (byte mode), so nothing is reinterpreted as Kanji or alphanumeric and
    // NULs would survive; version 0 = the smallest that fits.
    errno = 0;
    const auto code = encode(text, level, mask);
    if (!code) {
        if (errno == ERANGE) throw std::invalid_argument("QR text too long for the ECC level");
        throw std::runtime_error("libqrencode failed to encode");
    }
    qr_matrix m;
    m.width = code->width;
    m.packed.assign(m.row_bytes() * static_cast<std::size_t>(m.width), 0);
    for (int y = 0; y < m.width; ++y) {
        for (int x = 0; x < m.width; ++x) {
            if (code->data[y * m.width + x] & 1) {
                m.packed[static_cast<std::size_t>(y) * m.row_bytes() + x / 8] |=
                    static_cast<std::uint8_t>(0x80u >> (x % 8));
            }
        }
    }
    return m;
}

} // namespace asistencia::infra::qr
