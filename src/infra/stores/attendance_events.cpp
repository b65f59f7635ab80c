// Class loop events on pub/sub; see attendance_events.hpp.
#include "asistencia/infra/stores/attendance_events.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace asistencia::infra::stores {

namespace net = boost::asio;

std::string valkey_attendance_events::channel(const valkey::key_builder& keys, std::int64_t session_id) {
    return keys.projection_events(session_id);
}

namespace {
constexpr const char* progress_message = R"({"type":"progress"})";
constexpr std::size_t sessions_kept = 1024; // windows of quiet sessions beyond this are dropped
} // namespace

void valkey_attendance_events::progress(std::int64_t session_id) {
    const auto now = steady::now();
    auto& w = progress_[session_id];
    if (w.trailing) return; // the window's message is already due and will carry this one
    if (w.last == steady::time_point{} || now - w.last >= progress_spacing_) {
        w.last = now;
        publish(session_id, progress_message);
        if (progress_.size() > sessions_kept) forget_quiet_sessions(now);
        return;
    }
    w.trailing = true;
    net::co_spawn(ex_, publish_progress_at(session_id, w.last + progress_spacing_), net::detached);
}

net::awaitable<void> valkey_attendance_events::publish_progress_at(std::int64_t session_id, steady::time_point at) {
    net::steady_timer timer(ex_);
    timer.expires_at(at);
    const auto [ec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    if (ec) co_return; // shutting down
    auto& w = progress_[session_id];
    w.trailing = false;
    w.last = steady::now();
    publish(session_id, progress_message);
}

void valkey_attendance_events::forget_quiet_sessions(steady::time_point now) {
    std::erase_if(progress_,
                  [&](const auto& e) { return !e.second.trailing && now - e.second.last >= progress_spacing_; });
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
