// libqrencode wrapper; see qr_renderer.hpp.
#include "asistencia/infra/qr/qr_renderer.hpp"

#include <qrencode.h>

#include <cerrno>
#include <memory>
#include <stdexcept>

namespace asistencia::infra::qr {

namespace {

struct qrcode_deleter {
    void operator()(QRcode* q) const noexcept { QRcode_free(q); }
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

} // namespace

qr_matrix render_qr(std::string_view text, ecc_level level) {
    if (text.empty() || text.size() > 2331) { // version 40-M byte-mode capacity
        throw std::invalid_argument("QR text must hold 1 to 2331 bytes");
    }
    // encodeData takes explicit bytes (byte mode), so nothing is reinterpreted as Kanji or
    // alphanumeric and NULs would survive; version 0 = the smallest that fits.
    errno = 0;
    std::unique_ptr<QRcode, qrcode_deleter> code(QRcode_encodeData(
        static_cast<int>(text.size()), reinterpret_cast<const unsigned char*>(text.data()), 0, to_qrencode(level)));
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
