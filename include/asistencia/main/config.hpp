// Server configuration read from the environment (the seed's variable names plus the
// project's own). One table of variables drives parsing, --help and the README.
#pragma once

#include "asistencia/domain/crypto/protocol_keys.hpp"
#include "asistencia/domain/scoring/certainty_v2.hpp"
#include "asistencia/infra/postgres/settings.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace asistencia::main {

// A variable with a wrong value: the server prints the message and exits non-zero.
class config_error : public std::runtime_error {
public:
    config_error(std::string variable, const std::string& message)
        : std::runtime_error(variable + ": " + message), variable_(std::move(variable)) {}
    const std::string& variable() const noexcept { return variable_; }

private:
    std::string variable_;
};

struct variable_spec {
    std::string_view name;
    std::string_view default_value; // "" and required == false: empty by default
    bool required;
    bool secret; // never printed, never logged
    std::string_view description;
};

// Every variable the server reads, in the order --help and the README list them.
const std::vector<variable_spec>& variable_specs();

struct valkey_config {
    std::string host;
    std::uint16_t port{};
    std::string key_prefix;
    std::chrono::milliseconds command_timeout{};
};

struct http_config {
    std::string host;
    std::uint16_t port{};
    std::string web_root;
    std::size_t max_body_bytes{};
    std::chrono::milliseconds shutdown_grace{};
};

// HTTPS (native TLS); off when cert_file is empty.
struct tls_config {
    std::string cert_file;
    std::string key_file;
    std::uint16_t redirect_port = 0; // 0: no plain-HTTP redirect port
    std::uint16_t public_port = 0;   // 0: the HTTPS port itself
    std::chrono::seconds hsts_max_age{31'536'000};
    bool enabled() const noexcept { return !cert_file.empty(); }
};

struct php_config {
    std::string base_url;
    std::chrono::milliseconds timeout{};
    std::chrono::milliseconds connect_timeout{};
    int max_attempts{};
    int breaker_threshold{};
    std::chrono::milliseconds breaker_open{};
};

struct webauthn_config {
    std::string rp_id;
    std::string rp_name;
    std::vector<std::string> origins;
    std::string attestation;   // none | direct
    std::string trust_anchors; // folder of vendor root certificates (PEM); required with direct
};

// The class loop (PROTOCOL.md 6.4-6.6).
struct rounds_config {
    std::chrono::milliseconds frame_interval{500};
    int max_failed_attempts = 3;
    std::int64_t totp_step_seconds = 30;
    domain::scoring::scoring_v2_config scoring;
};

// RATE_LIMIT_*: hits per fixed window; 0 turns a limit off (docs/http.md).
struct rate_limit_config {
    int internal_per_minute = 1000;
    int enroll_start_per_minute = 10;
    int join_per_minute = 20;
    int answers_per_second = 5;
    int ws_upgrades_per_minute = 30;
    int projector_messages_per_second = 20;
};

struct config {
    http_config http;
    tls_config tls;
    std::string trusted_proxies; // TRUSTED_PROXIES, validated (transport::http::proxy_list)
    infra::postgres::pg_settings database;
    valkey_config valkey;
    std::string jwt_secret;
    std::string jwt_secret_internal;
    std::vector<std::uint8_t> master_key;          // 32 bytes, the current one (= at_rest_keys.current)
    domain::crypto::at_rest_key_ring at_rest_keys; // + SERVER_MASTER_KEY_VERSION, _KEYS_PREVIOUS_FILE
    php_config php;
    webauthn_config webauthn;
    std::chrono::hours reenroll_cooldown{};
    int session_max_minutes{};
    std::chrono::seconds session_sweep{};
    std::chrono::milliseconds app_session_idle{}; // APP_SESSION_IDLE_MINUTES
    std::chrono::milliseconds app_session_max{};  // APP_SESSION_MAX_HOURS
    rounds_config rounds;
    rate_limit_config rate_limits;
    std::chrono::milliseconds outbox_poll{}; // legacy sync's idle period (OUTBOX_POLL_MS)
    bool migrate_on_start{};
    std::string log_level;
};

using env_lookup = std::function<std::optional<std::string>(std::string_view)>;

// Reads and validates every variable; throws config_error naming the first bad one.
// `read_file` is used for SERVER_MASTER_KEY_FILE (injected so tests need no files).
config parse_config(const env_lookup& env, const std::function<std::string(const std::string&)>& read_file);

// Only the DB_* variables: `asistencia-server migrate` needs nothing else.
infra::postgres::pg_settings parse_database_config(const env_lookup& env);

using file_reader = std::function<std::string(const std::string&)>;

// SERVER_MASTER_KEY[_FILE], SERVER_MASTER_KEY_VERSION and SERVER_MASTER_KEYS_PREVIOUS_FILE:
// what `asistencia-server rekey` needs besides DB_*.
domain::crypto::at_rest_key_ring parse_master_key_ring(const env_lookup& env, const file_reader& read_file);

// Reads a whole file; throws std::runtime_error if it cannot.
std::string read_whole_file(const std::string& path);

// MIGRATE_BACKUP_DIR for `asistencia-server migrate up`; nullopt when unset or empty.
std::optional<std::string> parse_migrate_backup_dir(const env_lookup& env);

// std::getenv as an env_lookup.
env_lookup process_environment();

// The process environment and filesystem, for main().
config load_config_from_environment();

// `asistencia-server --help`: usage and the variable table.
std::string help_text();

} // namespace asistencia::main
