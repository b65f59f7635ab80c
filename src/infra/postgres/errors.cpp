// SQLSTATE-aware classification of libpqxx exceptions and their application errors.
#include "asistencia/infra/postgres/errors.hpp"

#include <pqxx/except>

namespace asistencia::infra::postgres {
namespace {

pg_error_kind classify_sqlstate(std::string_view st) noexcept {
    if (st.size() != 5) return pg_error_kind::internal;
    if (st == "23505") return pg_error_kind::unique_violation;
    if (st == "23503") return pg_error_kind::foreign_key_violation;
    if (st == "23001" || st == "23P01") return pg_error_kind::restrict_violation;
    if (st == "23502" || st == "23514") return pg_error_kind::invalid_value;
    if (st.substr(0, 2) == "23") return pg_error_kind::restrict_violation;
    if (st.substr(0, 2) == "22") return pg_error_kind::invalid_value;
    if (st == "40001" || st == "40P01") return pg_error_kind::retryable;
    if (st == "40003") return pg_error_kind::in_doubt;
    if (st.substr(0, 2) == "08") return pg_error_kind::connection;
    if (st == "57P01" || st == "57P02" || st == "57P03") return pg_error_kind::connection;
    if (st == "57014") return pg_error_kind::timeout;
    if (st.substr(0, 2) == "53") return pg_error_kind::resources;
    return pg_error_kind::internal;
}

} // namespace

pg_error_kind classify_pg_error(const std::exception& e) noexcept {
    // Order matters: the specific pqxx types first, then the SQLSTATE of an sql_error.
    if (dynamic_cast<const pqxx::too_many_connections*>(&e)) return pg_error_kind::resources;
    if (dynamic_cast<const pqxx::broken_connection*>(&e)) return pg_error_kind::connection;
    if (dynamic_cast<const pqxx::in_doubt_error*>(&e)) return pg_error_kind::in_doubt;
    if (dynamic_cast<const pqxx::statement_completion_unknown*>(&e)) {
        return pg_error_kind::in_doubt;
    }
    if (dynamic_cast<const pqxx::serialization_failure*>(&e) || dynamic_cast<const pqxx::deadlock_detected*>(&e)) {
        return pg_error_kind::retryable;
    }
    if (auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
        if (dynamic_cast<const pqxx::unique_violation*>(&e)) return pg_error_kind::unique_violation;
        if (dynamic_cast<const pqxx::foreign_key_violation*>(&e)) {
            return pg_error_kind::foreign_key_violation;
        }
        return classify_sqlstate(sql->sqlstate());
    }
    if (dynamic_cast<const pqxx::transaction_rollback*>(&e)) return pg_error_kind::retryable;
    if (dynamic_cast<const pqxx::pqxx_exception*>(&e)) return pg_error_kind::internal;
    return pg_error_kind::not_a_database_error;
}

std::string sqlstate_of(const std::exception& e) {
    if (auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) return sql->sqlstate();
    return {};
}

const char* to_string(pg_error_kind k) noexcept {
    switch (k) {
        case pg_error_kind::unique_violation:
            return "unique_violation";
        case pg_error_kind::foreign_key_violation:
            return "foreign_key_violation";
        case pg_error_kind::restrict_violation:
            return "restrict_violation";
        case pg_error_kind::invalid_value:
            return "invalid_value";
        case pg_error_kind::retryable:
            return "retryable";
        case pg_error_kind::in_doubt:
            return "in_doubt";
        case pg_error_kind::connection:
            return "connection";
        case pg_error_kind::timeout:
            return "timeout";
        case pg_error_kind::resources:
            return "resources";
        case pg_error_kind::internal:
            return "internal";
        case pg_error_kind::not_a_database_error:
            return "not_a_database_error";
    }
    return "unknown";
}

std::exception_ptr application_error_of(pg_error_kind k) {
    using application::dependency_unavailable;
    auto unavailable = [](const char* message) {
        return std::make_exception_ptr(dependency_unavailable("postgres", message));
    };
    auto client = [](application::error e) { return std::make_exception_ptr(std::move(e)); };
    switch (k) {
        case pg_error_kind::unique_violation:
            return client(application::conflict("conflict", "the resource already exists"));
        case pg_error_kind::foreign_key_violation:
            return client(
                application::conflict("conflict", "the request refers to a resource that does not exist or is in use"));
        case pg_error_kind::restrict_violation:
            return client(application::conflict("conflict", "the request conflicts with stored data"));
        case pg_error_kind::invalid_value:
            return client(application::invalid_value("invalid_value", "a value is not acceptable"));
        case pg_error_kind::retryable:
            return unavailable("the database is busy, try again");
        case pg_error_kind::in_doubt:
            return unavailable("the database connection was lost while committing; check before retrying");
        case pg_error_kind::connection:
            return unavailable("the database is unavailable");
        case pg_error_kind::timeout:
            return unavailable("the database did not answer in time");
        case pg_error_kind::resources:
            return unavailable("the database is overloaded");
        case pg_error_kind::internal:
        case pg_error_kind::not_a_database_error:
            break;
    }
    return client(application::internal_error());
}

} // namespace asistencia::infra::postgres
