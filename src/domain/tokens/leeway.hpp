// Private to the token module: the leeway every time check applies (the setting, clamped to
// 0..max_leeway), shared by the verifiers and the participation cache's expiry re-check.
#pragma once

#include "asistencia/domain/tokens/jwt.hpp"

#include <algorithm>

namespace asistencia::domain::tokens::detail {

inline std::chrono::seconds effective_leeway(const token_settings& settings) {
    return std::clamp(settings.leeway, std::chrono::seconds{0}, max_leeway);
}

} // namespace asistencia::domain::tokens::detail
