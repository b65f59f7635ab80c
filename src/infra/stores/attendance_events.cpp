// Class loop events on pub/sub; see attendance_events.hpp.
#include "asistencia/infra/stores/attendance_events.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace asistencia::infra::stores {

namespace net = boost::asio;

std::string valkey_attendance_events::channel(const valkey::key_builder& keys, std::int64_t session_id) {
    return keys.projection_events(session_id);
}

void valkey_attendance_events::progress(std::int64_t session_id) {
    publish(session_id, nlohmann::json{{"type", "progress"}}.dump());
}

void valkey_attendance_events::closed(std::int64_t session_id, std::string summary_json) {
    auto summary = nlohmann::json::parse(summary_json, nullptr, false);
    if (summary.is_discarded()) summary = nlohmann::json::object();
    publish(session_id, nlohmann::json{{"type", "closed"}, {"summary", summary}}.dump());
}

void valkey_attendance_events::publish(std::int64_t session_id, std::string message) {
    net::co_spawn(
        ex_,
        [this, ch = channel(kv_.keys(), session_id), message = std::move(message)]() -> net::awaitable<void> {
            try {
                co_await kv_.publish(ch, message);
            } catch (const std::exception& e) {
                spdlog::warn("event on {} not published: {}", ch, e.what());
            }
        },
        net::detached);
}

} // namespace asistencia::infra::stores
