// The composition root: builds the components from the configuration, serves until
// SIGINT/SIGTERM, then shuts down in order.
#pragma once

#include "asistencia/main/config.hpp"
#include "asistencia/infra/postgres/settings.hpp"

#include <memory>

namespace spdlog {
class logger;
}

namespace asistencia::main {

infra::postgres::pg_settings to_pg_settings(const database_config& db);

// Returns the process exit code (0 after a graceful stop).
int run_server(const config& cfg, std::shared_ptr<spdlog::logger> access_log);

} // namespace asistencia::main
