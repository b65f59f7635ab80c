// The app session over HTTP (PROTOCOL.md section 3, docs/tokens.md): POST /api/session
// exchanges a user token for the HttpOnly cookie, GET /api/session tells the page who the
// cookie is, DELETE /api/session logs out; and the server's request hook that resolves the
// cookie of every /api/ and /ws/ request (with the CSRF rule) for the authenticator.
#pragma once

#include "asistencia/application/app_session/app_session.hpp"
#include "asistencia/transport/auth/authenticator.hpp"
#include "asistencia/transport/http/server.hpp"

#include <string>
#include <vector>

namespace asistencia::transport::api {

inline constexpr std::string_view app_session_cookie = "asistencia_session";

struct app_session_http_settings {
    // Origins a state-changing request with the cookie may come from (WEBAUTHN_ORIGINS);
    // the request's own scheme://Host is accepted too.
    std::vector<std::string> allowed_origins;
};

// Resolves the cookie into ctx.cookie (never throws: refusals are recorded there).
// State-changing methods (POST, PUT, PATCH, DELETE) need a same-origin Origin header, else
// the refusal is 403 forbidden and the store is not touched.
http::request_hook app_session_hook(application::app_session::session_service& sessions,
                                    app_session_http_settings settings);

void add_app_session_routes(http::server& server, const auth::authenticator& auth,
                            application::app_session::session_service& sessions, app_session_http_settings settings);

} // namespace asistencia::transport::api
