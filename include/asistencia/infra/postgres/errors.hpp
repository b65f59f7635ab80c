// How a libpqxx failure becomes a client-visible api_error (PROTOCOL.md section 9):
// the SQLSTATE decides the status; SQL, values and server messages never reach a client.
#pragma once

#include "asistencia/application/errors.hpp"

#include <exception>
#include <string>
#include <string_view>

namespace asistencia::infra::postgres {

enum class pg_error_kind {
    unique_violation,      // 23505                          -> 409 conflict
    foreign_key_violation, // 23503                          -> 409 conflict
    restrict_violation,    // 23001, 23P01 (exclusion)       -> 409 conflict
    invalid_value,         // 23502, 23514, class 22         -> 422 invalid_value
    retryable,             // 40001, 40P01: retried, then    -> 503 postgres_unavailable
    in_doubt,              // lost during COMMIT, 40003       -> 503 postgres_unavailable
    connection,            // broken connection, class 08, 57P01-57P03 -> 503, reconnect
    timeout,               // 57014 statement_timeout/cancel -> 503 postgres_unavailable
    resources,             // class 53 (too many connections, disk full, ...) -> 503
    internal,              // anything else (bad SQL, privileges, pqxx usage) -> 500
    not_a_database_error,  // not a pqxx exception: passed through unchanged
};

// Classifies a pqxx exception by type and SQLSTATE. Never throws.
pg_error_kind classify_pg_error(const std::exception& e) noexcept;

// The SQLSTATE of a pqxx::sql_error, or "" for anything else.
std::string sqlstate_of(const std::exception& e);

const char* to_string(pg_error_kind k) noexcept;

// The api_error a client sees for a kind, as an exception_ptr so the dynamic type survives
// (dependency_unavailable for the 503 kinds). Messages are generic; details go to the log.
std::exception_ptr make_api_error(pg_error_kind k);

} // namespace asistencia::infra::postgres
