// libFuzzer target for the projector's WebSocket messages (projector_messages.hpp):
// arbitrary frame text. Traps when a parsed number is outside the documented bound (the
// hub subtracts and adds them) or when parsing is not deterministic.
#include "asistencia/transport/projection/projector_messages.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

namespace pj = asistencia::transport::projection;

namespace {
bool in_bound(std::int64_t v) { return v >= -pj::max_message_number && v <= pj::max_message_number; }
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto m = pj::parse_projector_message(text);
    if (const auto* p = std::get_if<pj::ping_message>(&m); p && !in_bound(p->t)) __builtin_trap();
    if (const auto* s = std::get_if<pj::shown_message>(&m); s && (!in_bound(s->seq) || !in_bound(s->at))) {
        __builtin_trap();
    }
    if (pj::parse_projector_message(text).index() != m.index()) __builtin_trap();
    return 0;
}
