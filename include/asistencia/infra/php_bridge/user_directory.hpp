// The use cases' user_directory port on the legacy cache (names for WebAuthn options).
#pragma once

#include "asistencia/application/enrollment/ports.hpp"
#include "asistencia/infra/php_bridge/legacy_cache.hpp"

namespace asistencia::infra::php_bridge {

class legacy_user_directory final : public application::enrollment::user_directory {
public:
    explicit legacy_user_directory(legacy_cache& cache) : cache_(cache) {}

    net::awaitable<application::enrollment::directory_user> user(std::int64_t user_id) override {
        const auto u = co_await cache_.user(user_id);
        co_return application::enrollment::directory_user{u.user_id, u.nombre, u.email};
    }

private:
    legacy_cache& cache_;
};

} // namespace asistencia::infra::php_bridge
