// The class loop's events on Valkey pub/sub, so every replica's projectors hear them:
// channel projection:events:{sessionId} (with KEY_PREFIX), messages
// {"type":"progress"} and {"type":"closed","summary":{...}}. Fire and forget: an event
// lost while Valkey is down only delays a projector's counters.
#pragma once

#include "asistencia/application/attendance/rounds.hpp"
#include "asistencia/infra/valkey/client.hpp"

#include <boost/asio/any_io_executor.hpp>

namespace asistencia::infra::stores {

class valkey_attendance_events final : public application::attendance::attendance_events {
public:
    valkey_attendance_events(boost::asio::any_io_executor ex, valkey::client& kv) : ex_(std::move(ex)), kv_(kv) {}

    void progress(std::int64_t session_id) override;
    void closed(std::int64_t session_id, std::string summary_json) override;

    static std::string channel(const valkey::key_builder& keys, std::int64_t session_id);

private:
    void publish(std::int64_t session_id, std::string message);

    boost::asio::any_io_executor ex_;
    valkey::client& kv_;
};

} // namespace asistencia::infra::stores
