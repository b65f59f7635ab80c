// The sessions' course_directory port on the PHP bridge and its cache: the permission is
// asked every time (never cached), course and user data come through Valkey.
#pragma once

#include "asistencia/application/attendance/session.hpp"
#include "asistencia/infra/php_bridge/legacy_bridge.hpp"
#include "asistencia/infra/php_bridge/legacy_cache.hpp"

namespace asistencia::infra::php_bridge {

class legacy_course_directory final : public application::attendance::course_directory {
public:
    legacy_course_directory(legacy_cache& cache, legacy_bridge& bridge) : cache_(cache), bridge_(bridge) {}

    net::awaitable<bool> may_take_attendance(std::int64_t professor_id, std::int64_t course_id) override {
        co_return co_await bridge_.has_permission(professor_id, "tomar_asistencia", course_id);
    }
    net::awaitable<application::attendance::course_info> course(std::int64_t course_id) override {
        const auto c = co_await cache_.course(course_id);
        co_return application::attendance::course_info{c.id_curso, c.codigo, c.nombre, c.id_semestre, c.semestre};
    }
    net::awaitable<std::string> user_name(std::int64_t user_id) override {
        const auto u = co_await cache_.user(user_id);
        co_return u.nombre;
    }
    net::awaitable<bool> is_enrolled(std::int64_t course_id, std::int64_t semester_id, std::int64_t user_id) override {
        const auto students = co_await cache_.enrolled(course_id, semester_id);
        for (const auto& s : students) {
            if (s.alumno_id == user_id) co_return true;
        }
        co_return false;
    }
    net::awaitable<std::vector<application::attendance::course_student>> students(std::int64_t course_id,
                                                                                  std::int64_t semester_id) override {
        std::vector<application::attendance::course_student> out;
        for (const auto& s : co_await cache_.enrolled(course_id, semester_id)) {
            out.push_back({s.alumno_id, s.rut, s.nombre, s.email});
        }
        co_return out;
    }

private:
    legacy_cache& cache_;
    legacy_bridge& bridge_;
};

} // namespace asistencia::infra::php_bridge
