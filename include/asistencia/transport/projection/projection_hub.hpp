// The projection WebSocket (PROTOCOL.md 6.4, docs/projection.md): the professor's projectors
// connect to GET /ws/projection/:sessionId. This hub keeps the WebSocket sessions, their
// authentication, the bounded write queues and the fan-out of the frames and events every
// replica hears; it ticks the use case's frame loop (application/attendance/
// projection_service) every FRAME_INTERVAL_MS for each session with local projectors.
#pragma once

#include "asistencia/application/attendance/projection_ports.hpp"
#include "asistencia/application/attendance/projection_service.hpp"
#include "asistencia/application/attendance/session_service.hpp"
#include "asistencia/application/rate_limit.hpp"
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
    std::vector<std::string> allowed_origins;      // WEBAUTHN_ORIGINS
    std::chrono::milliseconds frame_interval{500}; // FRAME_INTERVAL_MS
    std::chrono::milliseconds auth_timeout{5000};  // the first message's deadline
    std::size_t write_queue_limit = 32;            // messages; more = slow consumer
    // SO_SNDBUF of a projector's socket: a fixed, small kernel buffer (no autotuning to
    // megabytes), so a projector that stops reading fills its queue within seconds.
    int socket_send_buffer = 16 * 1024;
    // Upgrades per client address (Valkey) and messages per connection (in the process);
    // nullptr: no limits.
    const application::rate_limits* limits = nullptr;
};

// Owns the per-session state of this replica (local projectors, their frame loops).
// Single-threaded: use it from the io_context's thread only. `feed` and the services
// outlive it.
class projection_hub {
public:
    projection_hub(net::any_io_executor ex, projection_settings settings, const auth::authenticator& auth,
                   application::attendance::session_service& sessions,
                   application::attendance::projection_service& projection,
                   application::attendance::projector_registry& registry,
                   application::attendance::projection_feed& feed, http::metrics_registry& metrics);
    ~projection_hub();
    projection_hub(const projection_hub&) = delete;
    projection_hub& operator=(const projection_hub&) = delete;

    // Registers GET /ws/projection/:sessionId on `server` and starts the feed.
    void attach(http::server& server);
    // Stops every frame loop (releasing the leases it can) and the feed.
    void stop();

    struct impl;

private:
    std::shared_ptr<impl> impl_;
};

} // namespace asistencia::transport::projection
