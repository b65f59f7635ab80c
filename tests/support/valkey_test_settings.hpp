// The test stack's Valkey for the integration tests of the stores: host and port from the
// stack's env (scripts/test exports REDIS_HOST / REDIS_PORT), and a key prefix of the test's
// own (plus its pid) so concurrent runs and other suites never share keys.
#pragma once

#include "asistencia/infra/valkey/client.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace asistencia::test_support {

inline std::string require_env(const char* name) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') throw std::runtime_error(std::string(name) + " is not set");
    return v;
}

// prefix: e.g. "round-test" gives keys under "round-test:<pid>:".
inline infra::valkey::settings valkey_test_settings(const std::string& prefix) {
    infra::valkey::settings s;
    s.host = require_env("REDIS_HOST");
    s.port = std::stoi(require_env("REDIS_PORT"));
    s.key_prefix = prefix + ":" + std::to_string(::getpid()) + ":";
    return s;
}

} // namespace asistencia::test_support
