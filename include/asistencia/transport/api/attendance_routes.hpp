// The student's side of a class (PROTOCOL.md 6.2, 6.5): join options, join, answers.
#pragma once

#include "asistencia/application/attendance/attendance_service.hpp"
#include "asistencia/application/rate_limit.hpp"
#include "asistencia/transport/auth/authenticator.hpp"
#include "asistencia/transport/http/server.hpp"

namespace asistencia::transport::api {

// POST /api/attendance/sessions/:id/join/options and .../join (student user token),
// POST /api/attendance/sessions/:id/responses (participation token of that session).
void add_attendance_routes(http::server& server, const auth::authenticator& auth,
                           application::attendance::attendance_service& attendance,
                           const application::rate_limits& limits);

} // namespace asistencia::transport::api
