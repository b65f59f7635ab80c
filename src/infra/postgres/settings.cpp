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
    if (s.statement_timeout.count() > 0) {
        append_kv(out, "options",
                  "-c statement_timeout=" + std::to_string(s.statement_timeout.count()));
    }
    return out;
}

template <class T>
T parse_number(const char* name, const char* text, T min, T max) {
    std::string_view sv(text);
    T value{};
    auto [ptr, ec] = std::from_chars(sv.data(), sv.data() + sv.size(), value);
    if (ec != std::errc{} || ptr != sv.data() + sv.size() || sv.empty() || value < min ||
        value > max) {
        throw std::invalid_argument(std::string(name) + " must be an integer between " +
                                    std::to_string(min) + " and " + std::to_string(max));
    }
    return value;
}

} // namespace

std::string conninfo(const pg_settings& s) { return build(s, true); }

std::string redacted_conninfo(const pg_settings& s) { return build(s, false); }

pg_settings pg_settings_from_env(const env_lookup& getenv_fn) {
    const env_lookup get = getenv_fn ? getenv_fn : env_lookup([](const char* n) {
        return static_cast<const char*>(std::getenv(n));
    });
    pg_settings s;
    if (const char* v = get("DB_HOST"); v && *v) s.host = v;
    if (const char* v = get("DB_PORT"); v && *v) s.port = parse_number<int>("DB_PORT", v, 1, 65535);
    if (const char* v = get("DB_NAME"); v && *v) s.dbname = v;
    if (const char* v = get("DB_USER"); v && *v) s.user = v;
    if (const char* v = get("DB_PASSWORD"); v) s.password = v;
    if (const char* v = get("DB_SSLMODE"); v && *v) {
        static constexpr std::array<std::string_view, 6> modes{
            "disable", "allow", "prefer", "require", "verify-ca", "verify-full"};
        bool known = false;
        for (auto m : modes) known = known || m == v;
        if (!known) {
            throw std::invalid_argument(
                "DB_SSLMODE must be one of disable, allow, prefer, require, verify-ca, verify-full");
        }
        s.sslmode = v;
    }
    if (const char* v = get("DB_POOL_SIZE"); v && *v) {
        s.pool_size = parse_number<std::size_t>("DB_POOL_SIZE", v, 1, 1000);
    }
    if (const char* v = get("DB_CONNECT_TIMEOUT"); v && *v) {
        s.connect_timeout = std::chrono::seconds(parse_number<int>("DB_CONNECT_TIMEOUT", v, 2, 3600));
    }
    if (const char* v = get("DB_ACQUIRE_TIMEOUT_MS"); v && *v) {
        s.acquire_timeout = std::chrono::milliseconds(
            parse_number<long>("DB_ACQUIRE_TIMEOUT_MS", v, 1, 3'600'000));
    }
    if (const char* v = get("DB_STATEMENT_TIMEOUT_MS"); v && *v) {
        s.statement_timeout = std::chrono::milliseconds(
            parse_number<long>("DB_STATEMENT_TIMEOUT_MS", v, 0, 86'400'000));
    }
    if (const char* v = get("DB_APPLICATION_NAME"); v && *v) s.application_name = v;
    return s;
}

} // namespace asistencia::infra::postgres
