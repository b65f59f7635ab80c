// Connection settings of the node PostgreSQL database and the libpq conninfo built from them.
// Pure code (no I/O): main's configuration (src/main/config.cpp) fills it from DB_*.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

namespace asistencia::infra::postgres {

struct pg_settings {
    std::string host = "localhost";
    int port = 5432;
    std::string dbname = "asistencia";
    std::string user = "asistencia";
    std::string password; // never logged; redacted_conninfo() leaves it out
    // Passed to libpq as is: disable, allow, prefer, require, verify-ca, verify-full.
    // Empty means libpq's default (prefer). TLS is used whenever the server offers it
    // and the mode asks for it; sslrootcert etc. come from libpq's usual PG* variables.
    std::string sslmode;
    std::size_t pool_size = 8;
    // libpq's connect_timeout has a granularity of seconds and a minimum of 2 s.
    std::chrono::seconds connect_timeout{5};
    // How long a caller may wait for a free pooled connection before getting postgres_unavailable.
    std::chrono::milliseconds acquire_timeout{5000};
    // Server-side statement_timeout for every pooled connection; 0 disables it.
    std::chrono::milliseconds statement_timeout{30000};
    std::string application_name = "asistencia-server";
};

// libpq keyword/value conninfo with every value single-quoted and escaped, so spaces,
// quotes or backslashes in a password cannot inject other keywords.
std::string conninfo(const pg_settings& s);

// The same without the password, for logs and error messages.
std::string redacted_conninfo(const pg_settings& s);

} // namespace asistencia::infra::postgres
