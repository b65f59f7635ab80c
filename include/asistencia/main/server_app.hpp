// The composition root: builds the components from the configuration, serves until
// SIGINT/SIGTERM, then shuts down in order.
#pragma once

#include "asistencia/main/config.hpp"

#include <memory>

namespace spdlog {
class logger;
}

namespace asistencia::main {

// Returns the process exit code (0 after a graceful stop).
int run_server(const config& cfg, std::shared_ptr<spdlog::logger> access_log);

} // namespace asistencia::main
