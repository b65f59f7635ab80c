// The frame loop's qr_renderer port over libqrencode (ECC M, as render_qr).
#pragma once

#include "asistencia/application/attendance/projection_ports.hpp"
#include "asistencia/infra/qr/qr_renderer.hpp"

namespace asistencia::infra::qr {

class frame_renderer final : public application::attendance::qr_renderer {
public:
    application::attendance::qr_image render(std::string_view text) const override {
        auto m = render_qr(text);
        return {m.width, std::move(m.packed)};
    }
};

} // namespace asistencia::infra::qr
