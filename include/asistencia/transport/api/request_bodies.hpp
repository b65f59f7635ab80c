// The JSON request bodies of the REST endpoints, parsed into the use cases' request
// types. Pure (no HTTP, no I/O) so that the libFuzzer target tests/fuzz/request_body_fuzz
// runs exactly what the handlers run. Every malformed body throws application::error
// (400 with the PROTOCOL.md section 9 code); nothing else may escape.
#pragma once

#include "asistencia/application/attendance/attendance_service.hpp"
#include "asistencia/application/attendance/review.hpp"
#include "asistencia/application/attendance/session_service.hpp"
#include "asistencia/application/enrollment/enrollment_service.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace asistencia::transport::api {

// The body as a JSON object; 400 invalid_json otherwise (an empty body is `{}`).
nlohmann::json parse_json_object(std::string_view body);

// A string member (may be absent: returns ""), 400 invalid_field when present with another type.
std::string string_member(const nlohmann::json& j, const char* key);
// An integer member; absent or null gives `fallback`, or 400 invalid_field when there is none.
std::int64_t int_member(const nlohmann::json& j, const char* key, std::optional<std::int64_t> fallback = std::nullopt);
// An optional database id (1 .. 2^31-1); 400 invalid_field for anything else.
std::optional<std::int64_t> id_member(const nlohmann::json& j, const char* key);

// POST /api/enrollment/finish: {credential: RegistrationResponseJSON, clientHandshakeKey, deviceFingerprint}.
application::enrollment::finish_request parse_finish(const nlohmann::json& body, std::string user_agent);
// POST /api/attendance/sessions/:id/join: {credential: AuthenticationResponseJSON}.
application::attendance::join_request parse_join(const nlohmann::json& body);
// POST /api/attendance/sessions/:id/responses: 400 invalid_answer for any malformed field.
application::attendance::answer_request parse_answer(const nlohmann::json& body);
// POST /api/attendance/sessions: {courseId, semesterId, room, maxRounds?}.
application::attendance::create_session_request parse_create_session(const nlohmann::json& body);
// POST /api/attendance/sessions/:id/overrides: {userId, status, reasonCode, reasonText?}.
application::attendance::new_override parse_override(const nlohmann::json& body);

} // namespace asistencia::transport::api
