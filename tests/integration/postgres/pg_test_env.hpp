// Shared by the PostgreSQL integration tests: settings of the real server from DB_* and
// RUN_DIR, scratch databases, and stopping/starting the server through scripts/svc.
#pragma once

#include "asistencia/main/config.hpp"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace pg_test {

inline std::string require_env(const char* name) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') {
        throw std::runtime_error(std::string(name) +
                                 " is not set: start the stack (scripts/lib/services.sh) and "
                                 "source $RUN_DIR/env before running the integration tests");
    }
    return v;
}

inline asistencia::infra::postgres::pg_settings settings() {
    for (const char* n : {"DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD", "RUN_DIR"}) {
        require_env(n);
    }
    auto s = asistencia::main::parse_database_config(asistencia::main::process_environment());
    s.connect_timeout = std::chrono::seconds(3);
    return s;
}

// Runs scripts/svc with the test stack's RUN_DIR; throws when it fails.
inline void svc(const std::string& args) {
    const std::string cmd = "RUN_DIR='" + require_env("RUN_DIR") + "' '" ASISTENCIA_SOURCE_DIR "/scripts/svc' " + args;
    if (std::system(cmd.c_str()) != 0) {
        throw std::runtime_error("failed: " + cmd);
    }
}

// A database of its own for one test, created by the stack's superuser over the unix
// socket (the application role has no CREATEDB, as in production) and owned by DB_USER.
class scratch_database {
public:
    explicit scratch_database(const std::string& tag)
        : name_("asistencia_test_" + tag + "_" + std::to_string(::getpid())) {
        drop();
        svc("psql -q -c 'CREATE DATABASE " + name_ + " OWNER " + require_env("DB_USER") + "'");
        settings_ = pg_test::settings();
        settings_.dbname = name_;
    }
    ~scratch_database() {
        try {
            drop();
        } catch (...) {
        }
    }
    scratch_database(const scratch_database&) = delete;
    scratch_database& operator=(const scratch_database&) = delete;

    const asistencia::infra::postgres::pg_settings& settings() const { return settings_; }

private:
    void drop() {
        svc("psql -q -c 'SET client_min_messages = warning' -c 'DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)'");
    }
    std::string name_;
    asistencia::infra::postgres::pg_settings settings_;
};

// Starts PostgreSQL again when a test that stopped it ends, even on failure.
class restart_guard {
public:
    restart_guard() = default;
    ~restart_guard() {
        try {
            svc("postgres start");
        } catch (...) {
        }
    }
    restart_guard(const restart_guard&) = delete;
    restart_guard& operator=(const restart_guard&) = delete;
};

} // namespace pg_test
