// The projection WebSocket and the frame loop (PROTOCOL.md 6.4, docs/projection.md): the
// professor's projectors connect to GET /ws/projection/:sessionId; one process per session
// (the holder of the Valkey lease projection:leader:{sessionId}) seals and renders a frame
// every FRAME_INTERVAL_MS and publishes it; every replica fans it out to its projectors.
#pragma once

#include "asistencia/application/attendance/attendance_service.hpp"
#include "asistencia/application/attendance/session_service.hpp"
#include "asistencia/application/rate_limit.hpp"
#include "asistencia/infra/valkey/client.hpp"
#include "asistencia/transport/auth/authenticator.hpp"
#include "asistencia/transport/http/metrics.hpp"
#include "asistencia/transport/http/server.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace asistencia::transport::projection {

namespace net = boost::asio;

struct projection_settings {
    std::vector<std::string> allowed_origins;               // WEBAUTHN_ORIGINS
    std::chrono::milliseconds frame_interval{500};          // FRAME_INTERVAL_MS
    std::chrono::milliseconds auth_timeout{5000};           // the first message's deadline
    std::chrono::milliseconds lease_ttl{3000};              // projection:leader:{sid} PX
    std::chrono::milliseconds lease_attempt_interval{1000}; // followers try this often
    std::chrono::milliseconds restore_interval{5000};       // restore_session, active check
    std::size_t write_queue_limit = 32;                     // messages; more = slow consumer
    // SO_SNDBUF of a projector's socket: a fixed, small kernel buffer (no autotuning to
    // megabytes), so a projector that stops reading fills its queue within seconds.
    int socket_send_buffer = 16 * 1024;
    // Upgrades per client address (Valkey) and messages per connection (in the process);
    // nullptr: no limits.
    const application::rate_limits* limits = nullptr;
};

// Owns the per-session state of this replica (local projectors, the subscriber, the frame
// loops it leads). Single-threaded: use it from the io_context's thread only.
class projection_hub {
public:
    projection_hub(net::any_io_executor ex, projection_settings settings, infra::valkey::client& kv,
                   infra::valkey::settings subscriber_settings, const auth::authenticator& auth,
                   application::attendance::session_service& sessions,
                   application::attendance::attendance_service& attendance,
                   application::attendance::attendance_store& records, application::attendance::round_store& rounds,
                   http::metrics_registry& metrics);
    ~projection_hub();
    projection_hub(const projection_hub&) = delete;
    projection_hub& operator=(const projection_hub&) = delete;

    // Registers GET /ws/projection/:sessionId on `server` and starts the subscriber.
    void attach(http::server& server);
    // Stops every frame loop (releasing the leases it can) and the subscriber.
    void stop();

    struct impl;

private:
    std::shared_ptr<impl> impl_;
};

} // namespace asistencia::transport::projection
