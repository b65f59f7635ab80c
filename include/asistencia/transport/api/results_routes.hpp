// The legacy system's read of a session's results (PROTOCOL.md 6.6/6.7; shape in
// docs/legacy-sync.md): GET /api/attendance/session/:sessionId/results.
#pragma once

#include "asistencia/application/attendance/session_results.hpp"
#include "asistencia/application/rate_limit.hpp"
#include "asistencia/transport/auth/authenticator.hpp"
#include "asistencia/transport/http/server.hpp"

namespace asistencia::transport::api {

// Internal token (PHP) or the owning professor's user token; 401 without a valid token,
// 403 for a student or another professor, 404 session_not_found.
void add_legacy_results_route(http::server& server, const auth::authenticator& auth,
                              application::attendance::session_results_reader& results,
                              const application::rate_limits& limits);

} // namespace asistencia::transport::api
