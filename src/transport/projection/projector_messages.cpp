// Projector message parsing; see projector_messages.hpp.
#include "asistencia/transport/projection/projector_messages.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <optional>

namespace asistencia::transport::projection {

namespace {

using json = nlohmann::json;

// An integer member, or a double that is finite and in range (browsers send
// performance.now()-based values as doubles); converting any other double is undefined.
std::optional<std::int64_t> bounded_int(const json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end()) return std::nullopt;
    constexpr auto bound = max_message_number;
    if (it->is_number_unsigned()) {
        const auto u = it->get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(bound)) return std::nullopt;
        return static_cast<std::int64_t>(u);
    }
    if (it->is_number_integer()) {
        const auto v = it->get<std::int64_t>();
        if (v < -bound || v > bound) return std::nullopt;
        return v;
    }
    if (it->is_number_float()) {
        const double d = it->get<double>();
        if (!(d > -static_cast<double>(bound) && d < static_cast<double>(bound))) return std::nullopt; // and NaN
        return static_cast<std::int64_t>(d);
    }
    return std::nullopt;
}

} // namespace

projector_message parse_projector_message(std::string_view text) {
    const auto msg = json::parse(text, nullptr, false);
    if (msg.is_discarded() || !msg.is_object()) return invalid_message{};
    const auto type_it = msg.find("type");
    if (type_it == msg.end() || !type_it->is_string()) return invalid_message{};
    const auto& type = type_it->get_ref<const std::string&>();
    if (type == "auth") {
        const auto token = msg.find("token");
        if (token == msg.end() || !token->is_string()) return invalid_message{};
        return auth_message{token->get<std::string>()};
    }
    if (type == "ping") {
        const auto t = bounded_int(msg, "t");
        if (!t) return invalid_message{};
        return ping_message{*t};
    }
    if (type == "shown") {
        const auto seq = bounded_int(msg, "seq");
        const auto at = bounded_int(msg, "at");
        if (!seq || !at) return invalid_message{};
        return shown_message{*seq, *at};
    }
    if (type == "pause") return pause_message{};
    if (type == "resume") return resume_message{};
    return invalid_message{};
}

} // namespace asistencia::transport::projection
