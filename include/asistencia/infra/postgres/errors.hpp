// How a libpqxx failure becomes the application::error the repositories' ports report:
// the SQLSTATE decides the errc; SQL, values and server messages never reach a client.
#pragma once

#include "asistencia/application/errors.hpp"

#include <exception>
#include <string>
#include <string_view>

namespace asistencia::infra::postgres {

enum class pg_error_kind {
    unique_violation,      // 23505                          -> errc::conflict "conflict"
    foreign_key_violation, // 23503                          -> errc::conflict "conflict"
    restrict_violation,    // 23001, 23P01 (exclusion)       -> errc::conflict "conflict"
    invalid_value,         // 23502, 23514, class 22         -> errc::invalid_value "invalid_value"
    retryable,             // 40001, 40P01: retried, then    -> dependency_unavailable("postgres")
    in_doubt,              // lost during COMMIT, 40003       -> dependency_unavailable("postgres")
    connection,            // broken connection, class 08, 57P01-57P03 -> unavailable, reconnect
    timeout,               // 57014 statement_timeout/cancel -> dependency_unavailable("postgres")
    resources,             // class 53 (too many connections, disk full, ...) -> unavailable
    internal,              // anything else (bad SQL, privileges, pqxx usage) -> errc::internal
    not_a_database_error,  // not a pqxx exception: passed through unchanged
};

// Classifies a pqxx exception by type and SQLSTATE. Never throws.
pg_error_kind classify_pg_error(const std::exception& e) noexcept;

// The SQLSTATE of a pqxx::sql_error, or "" for anything else.
std::string sqlstate_of(const std::exception& e);

const char* to_string(pg_error_kind k) noexcept;

// The application::error a kind becomes, as an exception_ptr so the dynamic type survives
// (dependency_unavailable for the unavailable kinds). Messages are generic; details go to the log.
std::exception_ptr application_error_of(pg_error_kind k);

} // namespace asistencia::infra::postgres
