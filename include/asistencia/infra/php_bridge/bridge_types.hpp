// Typed answers of the PHP bridge endpoints (seed: arquitectura-datos.md, "Endpoints PHP
// para Node") and their parsing from JSON. Pure: unit-tested without PHP.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace asistencia::infra::php_bridge {

// obtener_datos_usuario.php
struct legacy_user {
    std::int64_t user_id = 0;
    std::string rut;
    std::string nombre;
    std::string email;
    std::string foto;
    std::string rol; // "profesor" | "alumno"
    bool super_admin = false;
    bool control_asistencia = false;
};

// One entry of obtener_alumnos_curso.php (alumnoId is the student's userId).
struct legacy_student {
    std::int64_t alumno_id = 0;
    std::string rut;
    std::string nombre;
    std::string email;
    std::string carrera;
};

// One entry of obtener_cursos_profesor.php.
struct legacy_course {
    std::int64_t id_curso = 0;
    std::int64_t id_semestre = 0;
    std::string codigo;
    std::string nombre;
    std::string seccion;
    std::string semestre;          // human label, e.g. "2026-2"
    bool tomar_asistencia = false; // obtener_cursos_profesor: may this professor take attendance
};

// The body of registrar_asistencia_crypto.php (PROTOCOL.md 6.7).
struct attendance_record {
    std::int64_t user_id = 0;
    std::int64_t curso_id = 0;
    std::string fecha; // YYYY-MM-DD
    int certeza = 0;   // 0-100
    std::int64_t session_id = 0;
};

// Parsers return nullopt when the body is not the documented shape (the caller reports php_bad_gateway).
std::optional<legacy_user> parse_user(std::string_view body);
std::optional<std::vector<legacy_student>> parse_students(std::string_view body);
std::optional<bool> parse_permission(std::string_view body);
std::optional<std::vector<legacy_course>> parse_courses(std::string_view body);
// obtener_curso.php (one course, for cache:php:course:{id}).
std::optional<legacy_course> parse_course(std::string_view body);

std::string to_json(const attendance_record& r);

// Cached form (Valkey holds the same JSON the bridge answered, so a cache hit and a miss
// parse alike).
std::string to_json(const legacy_user& u);

} // namespace asistencia::infra::php_bridge
