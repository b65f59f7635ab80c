// The PHP bridge endpoints (PROTOCOL.md section 8) over http_client: builds each URL,
// checks the answer's status and shape, and maps failures to the caller's errors:
// PHP unreachable, slow or circuit open -> dependency_unavailable("php"); PHP answering
// something unusable (bad JSON, our token refused, 4xx/5xx) -> errc::dependency_failed
// "php_bad_gateway"; an unknown user -> errc::not_found "legacy_not_found".
// Answers come back as validated JSON text so the cache can store them verbatim.
#pragma once

#include "asistencia/infra/php_bridge/bridge_types.hpp"
#include "asistencia/infra/php_bridge/http_client.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <string>

namespace asistencia::infra::php_bridge {

inline constexpr std::string_view api_path = "/asistencia-criptografica/api/";

class legacy_bridge {
public:
    explicit legacy_bridge(http_client& client) : client_(client) {}

    net::awaitable<std::string> user_json(std::int64_t user_id);
    net::awaitable<std::string> students_json(std::int64_t course_id, std::int64_t semester_id);
    net::awaitable<std::string> course_json(std::int64_t course_id);
    net::awaitable<std::string> professor_courses_json(std::int64_t user_id, std::int64_t semester_id);
    // Not cached: a permission change must take effect at once.
    net::awaitable<bool> has_permission(std::int64_t user_id, std::string permission, std::int64_t course_id);
    // Idempotent on (userId, sessionId) at the PHP side, so it is retried.
    net::awaitable<void> register_attendance(attendance_record record);
    // The same POST, for the outbox worker that must tell a refusal (4xx) from an outage:
    // any HTTP status is returned with its body; PHP unreachable, slow, 5xx after the
    // client's retries or the circuit open still throw dependency_unavailable.
    net::awaitable<http_result> post_attendance(attendance_record record);

    http_client& client() noexcept { return client_; }

private:
    net::awaitable<std::string> fetch(std::string endpoint, std::string query, bool (*valid)(std::string_view));
    http_client& client_;
};

} // namespace asistencia::infra::php_bridge
