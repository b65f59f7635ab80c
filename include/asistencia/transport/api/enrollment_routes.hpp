// Enrollment endpoints (PROTOCOL.md sections 5 and 10): start, finish, status (the seed's
// shape, for PHP), me (the student's page) and revoke.
#pragma once

#include "asistencia/application/enrollment/enrollment_service.hpp"
#include "asistencia/application/rate_limit.hpp"
#include "asistencia/transport/auth/authenticator.hpp"
#include "asistencia/transport/http/server.hpp"

namespace asistencia::transport::api {

void add_enrollment_routes(http::server& server, const auth::authenticator& auth,
                           application::enrollment::enrollment_service& enrollment,
                           const application::rate_limits& limits);

} // namespace asistencia::transport::api
