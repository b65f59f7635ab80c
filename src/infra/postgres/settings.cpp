// conninfo building and environment parsing for the PostgreSQL settings (no I/O).
#include "asistencia/infra/postgres/settings.hpp"

#include <array>
#include <charconv>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string_view>

namespace asistencia::infra::postgres {
namespace {

// libpq's quoting rules: a value in single quotes, with \ and ' escaped by a backslash.
void append_kv(std::string& out, std::string_view key, std::string_view value) {
    if (value.find('\0') != std::string_view::npos) {
        throw std::invalid_argument("postgres setting '" + std::string(key) + "' contains NUL");
    }
    if (!out.empty()) {
        out += ' ';
    }
    out += key;
    out += "='";
    for (char c : value) {
        if (c == '\\' || c == '\'') {
            out += '\\';
        }
        out += c;
    }
    out += '\'';
}

std::string build(const pg_settings& s, bool with_password) {
    std::string out;
    append_kv(out, "host", s.host);
    append_kv(out, "port", std::to_string(s.port));
    append_kv(out, "dbname", s.dbname);
    append_kv(out, "user", s.user);
    if (with_password && !s.password.empty()) {
        append_kv(out, "password", s.password);
    }
    if (!s.sslmode.empty()) {
        append_kv(out, "sslmode", s.sslmode);
    }
    append_kv(out, "connect_timeout", std::to_string(s.connect_timeout.count()));
    append_kv(out, "application_name", s.application_name);
    // Keepalives and a TCP user timeout notice a peer that vanished without closing the
    // socket (host down, cable pulled), so a query cannot hang a worker forever.
    append_kv(out, "keepalives", "1");
    append_kv(out, "keepalives_idle", "30");
    append_kv(out, "keepalives_interval", "10");
    append_kv(out, "keepalives_count", "3");
    append_kv(out, "tcp_user_timeout", "60000");
    // The seed's columns are TIMESTAMP without time zone filled by NOW(): pin the session
    // time zone so they always hold UTC, whatever the server's default is.
    std::string options = "-c TimeZone=UTC";
    if (s.statement_timeout.count() > 0) {
        options += " -c statement_timeout=" + std::to_string(s.statement_timeout.count());
    }
    append_kv(out, "options", options);
    return out;
}

} // namespace

std::string conninfo(const pg_settings& s) { return build(s, true); }

std::string redacted_conninfo(const pg_settings& s) { return build(s, false); }

} // namespace asistencia::infra::postgres
