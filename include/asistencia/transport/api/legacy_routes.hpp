// Endpoints that show legacy data to the pages: who is signed in (through the Valkey
// cache) and a professor's course picker (PROTOCOL.md section 8).
#pragma once

#include "asistencia/infra/php_bridge/legacy_bridge.hpp"
#include "asistencia/infra/php_bridge/legacy_cache.hpp"
#include "asistencia/transport/auth/authenticator.hpp"
#include "asistencia/transport/http/server.hpp"

namespace asistencia::transport::api {

// GET /api/me (user token): {userId, nombre, email, rol}.
// GET /api/professor/courses?semesterId= (professor token):
//   [{courseId, code, name, semesterId, semester, canTakeAttendance}].
void add_legacy_routes(http::server& server, const auth::authenticator& auth, infra::php_bridge::legacy_cache& cache,
                       infra::php_bridge::legacy_bridge& bridge);

} // namespace asistencia::transport::api
