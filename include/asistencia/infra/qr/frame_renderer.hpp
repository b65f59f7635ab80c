// The frame loop's qr_renderer port over libqrencode (ECC M, as render_qr), with one fixed
// data mask: the payload is random ciphertext, so the mask scoring buys no readability
// worth its cost twice a second per session.
#pragma once

#include "asistencia/application/attendance/projection_ports.hpp"
#include "asistencia/infra/qr/qr_renderer.hpp"

namespace asistencia::infra::qr {

class frame_renderer final : public application::attendance::qr_renderer {
public:
    static constexpr int frame_mask = 2; // any of the eight reads back (tests/unit/qr)
    application::attendance::qr_image render(std::string_view text) const override {
        auto m = render_qr(text, ecc_level::m, frame_mask);
        return {m.width, std::move(m.packed)};
    }
};

} // namespace asistencia::infra::qr
