// Small helpers every REST handler uses: the caller's credentials and a JSON body.
#pragma once

#include "asistencia/transport/api/request_bodies.hpp"
#include "asistencia/transport/auth/credentials.hpp"
#include "asistencia/transport/http/server.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace asistencia::transport::api {

// The Authorization header with the app-session cookie the request hook resolved: what
// every authenticator check takes (auth.professor(authorization(ctx)) and so on).
auth::credentials authorization(const http::request_context& ctx);
// Only the Authorization header's text ("" when absent).
std::string_view authorization_header(const http::request_context& ctx);
// The body as a JSON object; 400 invalid_json otherwise (an empty body is `{}`).
nlohmann::json json_body(const http::request_context& ctx);
// string_member, int_member, id_member and the body parsers: request_bodies.hpp.
http::http_response json_ok(const nlohmann::json& body);
// The path parameter `name` as a database id (1 .. 2^31-1); 400 invalid_parameter otherwise.
std::int64_t path_id(const http::request_context& ctx, std::string_view name = "id");

} // namespace asistencia::transport::api
