// PHP bridge endpoints; see legacy_bridge.hpp.
#include "asistencia/infra/php_bridge/legacy_bridge.hpp"

#include "asistencia/application/errors.hpp"

#include <spdlog/spdlog.h>

namespace asistencia::infra::php_bridge {

namespace {

using application::error;

std::string endpoint_url(std::string_view endpoint, const std::string& query) {
    std::string out(api_path);
    out += endpoint;
    if (!query.empty()) out += "?" + query;
    return out;
}

// Only digits and [a-z_] reach a query string here, so no percent-encoding is needed; the
// permission name is checked because it comes from our own code, not from a client.
bool is_plain_word(std::string_view s) {
    if (s.empty() || s.size() > 64) return false;
    for (char c : s) {
        if (!((c >= 'a' && c <= 'z') || c == '_')) return false;
    }
    return true;
}

application::error unusable(std::string_view endpoint, unsigned status) {
    if (status == 401 || status == 403) {
        // Our internal token was refused: a configuration mismatch operators must see.
        spdlog::error(
            "php bridge: {} refused the internal token (HTTP {}); check "
            "JWT_SECRET_INTERNAL on both sides",
            endpoint, status);
    } else {
        spdlog::warn("php bridge: {} answered HTTP {}", endpoint, status);
    }
    return application::dependency_failed("php_bad_gateway", "the legacy system gave an unusable answer");
}

} // namespace

net::awaitable<std::string> legacy_bridge::fetch(std::string endpoint, std::string query,
                                                 bool (*valid)(std::string_view)) {
    auto r = co_await client_.get(endpoint_url(endpoint, query));
    if (r.status == 404) {
        throw application::not_found("legacy_not_found", "the legacy system does not know it");
    }
    if (r.status != 200) throw unusable(endpoint, r.status);
    if (!valid(r.body)) {
        spdlog::warn("php bridge: {} answered a body of an unexpected shape", endpoint);
        throw application::dependency_failed("php_bad_gateway", "the legacy system gave an unusable answer");
    }
    co_return std::move(r.body);
}

net::awaitable<std::string> legacy_bridge::user_json(std::int64_t user_id) {
    co_return co_await fetch("obtener_datos_usuario.php", "userId=" + std::to_string(user_id),
                             [](std::string_view b) { return parse_user(b).has_value(); });
}

net::awaitable<std::string> legacy_bridge::students_json(std::int64_t course_id, std::int64_t semester_id) {
    co_return co_await fetch("obtener_alumnos_curso.php",
                             "idCurso=" + std::to_string(course_id) + "&idSemestre=" + std::to_string(semester_id),
                             [](std::string_view b) { return parse_students(b).has_value(); });
}

net::awaitable<std::string> legacy_bridge::course_json(std::int64_t course_id) {
    co_return co_await fetch("obtener_curso.php", "idCurso=" + std::to_string(course_id),
                             [](std::string_view b) { return parse_course(b).has_value(); });
}

net::awaitable<std::string> legacy_bridge::professor_courses_json(std::int64_t user_id, std::int64_t semester_id) {
    std::string query = "userId=" + std::to_string(user_id);
    if (semester_id > 0) query += "&idSemestre=" + std::to_string(semester_id);
    co_return co_await fetch("obtener_cursos_profesor.php", std::move(query),
                             [](std::string_view b) { return parse_courses(b).has_value(); });
}

net::awaitable<bool> legacy_bridge::has_permission(std::int64_t user_id, std::string permission,
                                                   std::int64_t course_id) {
    if (!is_plain_word(permission)) throw std::invalid_argument("bad permission name");
    const std::string body = co_await fetch(
        "verificar_permiso.php",
        "userId=" + std::to_string(user_id) + "&permiso=" + permission + "&idCurso=" + std::to_string(course_id),
        [](std::string_view b) { return parse_permission(b).has_value(); });
    co_return *parse_permission(body);
}

net::awaitable<void> legacy_bridge::register_attendance(attendance_record record) {
    const auto r = co_await post_attendance(std::move(record));
    if (r.status != 200 && r.status != 201) throw unusable("registrar_asistencia_crypto.php", r.status);
}

net::awaitable<http_result> legacy_bridge::post_attendance(attendance_record record) {
    co_return co_await client_.post_json(endpoint_url("registrar_asistencia_crypto.php", ""), to_json(record), true);
}

} // namespace asistencia::infra::php_bridge
