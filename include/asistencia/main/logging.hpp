// Process-wide logging set up by main: every line on stdout is one JSON object.
#pragma once

#include <memory>
#include <string>

namespace spdlog {
class logger;
}

namespace asistencia::main {

// Makes the default logger write {"ts","level","msg"} JSON lines (messages escaped) at
// `level` (trace..error), and returns the logger for the HTTP server, whose lines are
// already whole JSON objects (pattern "%v").
std::shared_ptr<spdlog::logger> setup_logging(const std::string& level);

} // namespace asistencia::main
