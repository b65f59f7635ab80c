// The use cases' user_directory port on the legacy cache (names for WebAuthn options, the
// super admin flag) and the bridge (who teaches whom, for revocations).
#pragma once

#include "asistencia/application/enrollment/ports.hpp"
#include "asistencia/infra/php_bridge/legacy_bridge.hpp"
#include "asistencia/infra/php_bridge/legacy_cache.hpp"

namespace asistencia::infra::php_bridge {

class legacy_user_directory final : public application::enrollment::user_directory {
public:
    legacy_user_directory(legacy_cache& cache, legacy_bridge& bridge) : cache_(cache), bridge_(bridge) {}

    net::awaitable<application::enrollment::directory_user> user(std::int64_t user_id) override {
        const auto u = co_await cache_.user(user_id);
        co_return application::enrollment::directory_user{u.user_id, u.nombre, u.email, u.super_admin};
    }

    // The professor's courses of the current semester are asked every time (like
    // permissions, a change takes effect at once); each course's list comes through the
    // cache (cache:php:enrolled:{course}:{semester}).
    net::awaitable<bool> teaches_student(std::int64_t professor_id, std::int64_t student_id) override {
        const auto courses = parse_courses(co_await bridge_.professor_courses_json(professor_id, 0));
        if (!courses) co_return false;
        for (const auto& c : *courses) {
            for (const auto& s : co_await cache_.enrolled(c.id_curso, c.id_semestre)) {
                if (s.alumno_id == student_id) co_return true;
            }
        }
        co_return false;
    }

private:
    legacy_cache& cache_;
    legacy_bridge& bridge_;
};

} // namespace asistencia::infra::php_bridge
