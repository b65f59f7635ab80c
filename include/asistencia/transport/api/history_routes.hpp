// History endpoints (issue 11 point 5, issue 12 point 4): GET /api/professor/sessions
// (the professor's own sessions, newest first, paginated), GET
// /api/professor/courses/:courseId/summary and .../summary.csv (a course's semester per
// student), GET /api/student/attendance (the student's own sessions).
#pragma once

#include "asistencia/application/attendance/history.hpp"
#include "asistencia/transport/auth/authenticator.hpp"
#include "asistencia/transport/http/server.hpp"

namespace asistencia::transport::api {

void add_history_routes(http::server& server, const auth::authenticator& auth,
                        application::attendance::history_service& history);

} // namespace asistencia::transport::api
