// The class loop's events on Valkey pub/sub, so every replica's projectors hear them:
// channel projection:events:{sessionId} (with KEY_PREFIX), messages
// {"type":"progress"} and {"type":"closed","summary":{...}}. Fire and forget: an event
// lost while Valkey is down only delays a projector's counters.
// Progress is coalesced per session: at most one message per `progress_spacing` (250 ms),
// the first at once and one more at the window's end for whatever came meanwhile, so the
// last answer is always announced. A projector reads the counts at most once a second
// (frame_loop_settings::progress_interval), so a class answering together cost every
// replica one message per answer and bought nothing.
#pragma once

#include "asistencia/application/attendance/rounds.hpp"
#include "asistencia/infra/valkey/client.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <unordered_map>

namespace asistencia::infra::stores {

class valkey_attendance_events final : public application::attendance::attendance_events {
public:
    valkey_attendance_events(boost::asio::any_io_executor ex, valkey::client& kv,
                             std::chrono::milliseconds progress_spacing = std::chrono::milliseconds(250))
        : ex_(std::move(ex)), kv_(kv), progress_spacing_(progress_spacing) {}

    void progress(std::int64_t session_id) override;
    void closed(std::int64_t session_id, std::string summary_json) override;

    static std::string channel(const valkey::key_builder& keys, std::int64_t session_id);

private:
    using steady = std::chrono::steady_clock;
    struct progress_window {
        steady::time_point last{};
        bool trailing = false; // a message is already due at last + spacing
    };

    void publish(std::int64_t session_id, std::string message);
    boost::asio::awaitable<void> publish_progress_at(std::int64_t session_id, steady::time_point at);
    void forget_quiet_sessions(steady::time_point now);

    boost::asio::any_io_executor ex_;
    valkey::client& kv_;
    std::chrono::milliseconds progress_spacing_;
    std::unordered_map<std::int64_t, progress_window> progress_;
};

} // namespace asistencia::infra::stores
