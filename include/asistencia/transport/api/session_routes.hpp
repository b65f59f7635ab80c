// Session endpoints (PROTOCOL.md 6.1) and the legacy system's status view of a session.
#pragma once

#include "asistencia/application/attendance/attendance_service.hpp"
#include "asistencia/application/attendance/review.hpp"
#include "asistencia/application/attendance/session_service.hpp"
#include "asistencia/application/rate_limit.hpp"
#include "asistencia/transport/auth/authenticator.hpp"
#include "asistencia/transport/http/server.hpp"

namespace asistencia::transport::api {

// POST /api/attendance/sessions, GET /api/attendance/sessions/:id, POST .../:id/close,
// POST .../:id/cancel (professor token, owner only; closing computes the final results);
// the professor's review: GET .../:id/results, POST .../:id/overrides, PUT .../:id/headcount,
// GET .../:id/report.csv, GET .../:id/roster (the course list with each student's state);
// GET /api/attendance/session/:id/status (internal token, for PHP).
void add_session_routes(http::server& server, const auth::authenticator& auth,
                        application::attendance::session_service& sessions,
                        application::attendance::attendance_service& attendance,
                        application::attendance::review_service& review, const application::rate_limits& limits);

} // namespace asistencia::transport::api
