// Parses and validates the server's environment; see config.hpp.
#include "asistencia/main/config.hpp"

#include "asistencia/transport/http/forwarded.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace asistencia::main {

namespace {

const std::vector<variable_spec> specs = {
    {"HOST", "127.0.0.1", false, false, "Address the HTTP server listens on (0.0.0.0 in containers)."},
    {"PORT", "3000", false, false, "HTTP port (the seed's node-service port)."},
    {"WEB_ROOT", "web", false, false, "Folder of the static web pages."},
    {"MAX_BODY_BYTES", "65536", false, false, "Default request body limit in bytes (413 above it)."},
    {"SHUTDOWN_GRACE_MS", "10000", false, false,
     "On SIGINT/SIGTERM, how long in-flight requests may take before they are cut."},
    {"TLS_CERT_FILE", "", false, false,
     "PEM certificate chain (leaf first): PORT then serves HTTPS/WSS only. Reloaded on SIGHUP."},
    {"TLS_KEY_FILE", "", false, false, "PEM private key of TLS_CERT_FILE (set both or neither)."},
    {"TLS_REDIRECT_PORT", "0", false, false,
     "With TLS: a plain-HTTP port that only redirects to https (301/308); 0: none."},
    {"TLS_PUBLIC_PORT", "0", false, false,
     "The https port written in those redirects when a port mapping differs from PORT; 0: PORT."},
    {"HSTS_MAX_AGE", "31536000", false, false,
     "Strict-Transport-Security max-age (seconds) on HTTPS responses; 0: no header."},
    {"TRUSTED_PROXIES", "", false, false,
     "Comma-separated addresses/CIDRs of reverse proxies whose X-Forwarded-For/-Proto are believed."},
    {"DB_HOST", "localhost", false, false, "PostgreSQL host (node database)."},
    {"DB_PORT", "5432", false, false, "PostgreSQL port."},
    {"DB_NAME", "asistencia", false, false, "PostgreSQL database."},
    {"DB_USER", "asistencia", false, false, "PostgreSQL role (least privilege, owns the database)."},
    {"DB_PASSWORD", "", false, true, "PostgreSQL password."},
    {"DB_SSLMODE", "prefer", false, false, "libpq sslmode: disable, allow, prefer, require, verify-ca, verify-full."},
    {"DB_POOL_SIZE", "8", false, false, "PostgreSQL connections in the pool (1-256)."},
    {"DB_CONNECT_TIMEOUT_MS", "5000", false, false,
     "PostgreSQL connect timeout (libpq counts whole seconds, at least 2)."},
    {"DB_ACQUIRE_TIMEOUT_MS", "5000", false, false,
     "How long a request may wait for a free pooled connection before a 503."},
    {"DB_STATEMENT_TIMEOUT_MS", "30000", false, false, "statement_timeout of every pooled connection (0: none)."},
    {"MIGRATE_ON_START", "true", false, false,
     "Apply pending migrations at start (true/false); or run `asistencia-server migrate up`."},
    {"MIGRATE_BACKUP_DIR", "", false, false,
     "`asistencia-server migrate up` first writes a pg_dump of the database here (empty: no backup)."},
    {"REDIS_HOST", "localhost", false, false, "Valkey host."},
    {"REDIS_PORT", "6379", false, false, "Valkey port."},
    {"KEY_PREFIX", "", false, false, "Prefix for every Valkey key (several deployments, one Valkey)."},
    {"VALKEY_COMMAND_TIMEOUT_MS", "2000", false, false, "Valkey command timeout."},
    {"JWT_SECRET", "", true, true, "HS256 secret of the user tokens issued by PHP (>= 32 bytes)."},
    {"JWT_SECRET_INTERNAL", "", true, true, "HS256 secret of the internal PHP<->server tokens (>= 32 bytes)."},
    {"SERVER_MASTER_KEY", "", false, true, "32 random bytes, base64. Required unless SERVER_MASTER_KEY_FILE is set."},
    {"SERVER_MASTER_KEY_FILE", "", false, false, "File holding SERVER_MASTER_KEY (e.g. a Docker secret)."},
    {"SERVER_MASTER_KEY_VERSION", "1", false, false,
     "Version of SERVER_MASTER_KEY (1-9999); one more with each new key. At-rest secrets are sealed as vN."},
    {"SERVER_MASTER_KEYS_PREVIOUS_FILE", "", false, false,
     "File of older master keys, one `version:base64` per line: secrets sealed with them still open "
     "until `asistencia-server rekey` re-seals them."},
    {"PHP_BASE_URL", "http://localhost:8080", false, false,
     "Base URL of the legacy PHP system (plain http, internal network)."},
    {"PHP_TIMEOUT_MS", "5000", false, false, "Timeout of one call to the PHP bridge."},
    {"PHP_CONNECT_TIMEOUT_MS", "2000", false, false, "Connect timeout to the PHP bridge."},
    {"PHP_MAX_ATTEMPTS", "3", false, false, "Attempts of an idempotent PHP call (jittered backoff between them)."},
    {"PHP_BREAKER_THRESHOLD", "5", false, false,
     "Consecutive failed PHP calls that open the circuit (calls then fail at once)."},
    {"PHP_BREAKER_OPEN_MS", "5000", false, false, "How long the PHP circuit stays open before a trial."},
    {"WEBAUTHN_RP_ID", "localhost", false, false, "WebAuthn relying party id (the site's domain)."},
    {"WEBAUTHN_RP_NAME", "Asistencia", false, false, "Name the phone shows when it creates the passkey."},
    {"WEBAUTHN_ORIGINS", "http://localhost:3000", false, false,
     "Comma-separated origins the pages are served from (checked in clientDataJSON)."},
    {"WEBAUTHN_ATTESTATION", "none", false, false,
     "none (accept any authenticator) or direct (require packed, fido-u2f or tpm attestation chained to "
     "WEBAUTHN_TRUST_ANCHORS)."},
    {"WEBAUTHN_TRUST_ANCHORS", "", false, false,
     "Folder of PEM root certificates (*.pem, *.crt, *.cer) of the authenticator vendors accepted under "
     "WEBAUTHN_ATTESTATION=direct (e.g. from the FIDO Metadata Service); required then."},
    {"REENROLL_COOLDOWN_HOURS", "168", false, false,
     "After enrolling a phone, hours before another one can replace it (0: no cool-down)."},
    {"SESSION_MAX_MINUTES", "240", false, false,
     "An attendance session closes by itself this long after it opened (PROTOCOL's 4 h token limit)."},
    {"APP_SESSION_IDLE_MINUTES", "120", false, false,
     "A page's app session (cookie) ends after this long unused (sliding; decimals allowed)."},
    {"APP_SESSION_MAX_HOURS", "12", false, false,
     "A page's app session ends this long after the exchange, used or not (decimals allowed)."},
    {"SESSION_SWEEP_SECONDS", "30", false, false, "How often expired sessions are closed."},
    {"FRAME_INTERVAL_MS", "500", false, false, "How often the projector shows the next QR (one frame)."},
    {"MAX_FAILED_ATTEMPTS", "3", false, false, "Failed answers that fail a round (the next round starts)."},
    {"TOTP_STEP_SECONDS", "30", false, false, "TOTP time step of TOTPu and TOTPs (RFC 6238)."},
    // Scoring v2 (docs/scoring.md); defaults from the simulation on the measured model.
    {"RT_MIN_MS", "50", false, false,
     "Answers faster than this after the showing fail rt_valid (only clock nonsense: nonces are per showing)."},
    {"RT_MAX_MS", "5000", false, false, "Answers slower than this after the showing fail rt_valid."},
    {"BASELINE_MIN_STUDENTS", "8", false, false,
     "Students with a median RT a session needs before their distribution is the yardstick (else RT_GOOD_MS)."},
    {"RT_GOOD_MS", "600", false, false, "The class median while the class has too few students with a median RT."},
    {"RT_MARGIN_MS", "300", false, false, "Least distance between the class median and the RT threshold."},
    {"RT_MAD_FACTOR", "3", false, false,
     "Threshold = class median + max(RT_MARGIN_MS, this x MAD of the students' medians)."},
    {"RT_SPAN_MS", "400", false, false,
     "Above the threshold a student's timing factor falls from 1 to 0 over this span."},
    {"FAILURE_PENALTY_PER_ATTEMPT", "5", false, false, "Score points each failed answer costs."},
    {"FAILURE_PENALTY_MAX", "20", false, false, "Most score points failed answers can cost."},
    {"SCORE_PRESENT_MIN", "70", false, false, "Least score judged PRESENT."},
    {"SCORE_DOUBTFUL_MIN", "40", false, false, "Least score judged DOUBTFUL (below: ABSENT)."},
    {"SCORE_FLAGGED_CAP", "69", false, false, "Highest score of a possibly cloned device (below SCORE_PRESENT_MIN)."},
    {"OUTBOX_POLL_MS", "1000", false, false,
     "How often the legacy sync looks for results to post to PHP when it has nothing to do."},
    {"RATE_LIMIT_INTERNAL_PER_MIN", "1000", false, false,
     "Calls per minute to the PHP module's endpoints, per internal token issuer (0: no limit)."},
    {"RATE_LIMIT_ENROLL_START_PER_MIN", "10", false, false, "Enrollment starts per minute, per user (0: no limit)."},
    {"RATE_LIMIT_JOIN_PER_MIN", "20", false, false,
     "Join options and joins per minute (each), per user and session (0: no limit)."},
    {"RATE_LIMIT_ANSWERS_PER_SEC", "5", false, false,
     "Answers per second, per participation token; refused ones store no row (0: no limit)."},
    {"RATE_LIMIT_WS_UPGRADES_PER_MIN", "30", false, false,
     "Projection WebSocket upgrades per minute, per client address (0: no limit)."},
    {"RATE_LIMIT_PROJECTOR_MSGS_PER_SEC", "20", false, false,
     "Messages per second a projector connection may send; above it is closed (0: no limit)."},
    {"LOG_LEVEL", "info", false, false, "trace, debug, info, warn, error."},
};

class reader {
public:
    explicit reader(const env_lookup& env) : env_(env) {}

    std::string text(std::string_view name) const {
        if (auto v = env_(name); v && !v->empty()) return *v;
        const auto& s = spec(name);
        if (s.required) throw config_error(std::string(name), "is required");
        return std::string(s.default_value);
    }

    long long integer(std::string_view name, long long min, long long max) const {
        const std::string v = text(name);
        long long out = 0;
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
        if (ec != std::errc{} || end != v.data() + v.size()) {
            throw config_error(std::string(name), "must be an integer, got '" + v + "'");
        }
        if (out < min || out > max) {
            throw config_error(std::string(name),
                               "must be between " + std::to_string(min) + " and " + std::to_string(max));
        }
        return out;
    }

    // A decimal number (e.g. "0.05"), for durations tests want short.
    double decimal(std::string_view name, double min, double max) const {
        const std::string v = text(name);
        double out = 0;
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
        if (ec != std::errc{} || end != v.data() + v.size()) {
            throw config_error(std::string(name), "must be a number, got '" + v + "'");
        }
        if (!(out >= min && out <= max)) {
            throw config_error(std::string(name),
                               "must be between " + std::to_string(min) + " and " + std::to_string(max));
        }
        return out;
    }

    bool boolean(std::string_view name) const {
        const std::string v = text(name);
        if (v == "true" || v == "1" || v == "yes") return true;
        if (v == "false" || v == "0" || v == "no") return false;
        throw config_error(std::string(name), "must be true or false, got '" + v + "'");
    }

    bool is_set(std::string_view name) const {
        auto v = env_(name);
        return v && !v->empty();
    }

    static const variable_spec& spec(std::string_view name) {
        for (const auto& s : specs) {
            if (s.name == name) return s;
        }
        throw std::logic_error("unknown configuration variable " + std::string(name));
    }

private:
    const env_lookup& env_;
};

std::string trim(const std::string& s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    const auto last = s.find_last_not_of(" \t\r\n");
    return s.substr(first, last - first + 1);
}

// Standard base64 (with padding) of exactly 32 bytes; anything else is refused.
std::vector<std::uint8_t> decode_master_key(const std::string& variable, const std::string& b64) {
    const std::string in = trim(b64);
    if (in.size() != 44 || in[43] != '=' || in[42] == '=') {
        throw config_error(variable, "must be 32 bytes in base64 (44 characters)");
    }
    std::vector<std::uint8_t> out(33);
    const int n =
        EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
    if (n != 33) throw config_error(variable, "is not valid base64");
    out.resize(32); // EVP_DecodeBlock counts the padding byte
    return out;
}

std::vector<std::uint8_t> current_master_key(const reader& r, const file_reader& read_file) {
    if (r.is_set("SERVER_MASTER_KEY")) return decode_master_key("SERVER_MASTER_KEY", r.text("SERVER_MASTER_KEY"));
    if (!r.is_set("SERVER_MASTER_KEY_FILE")) {
        throw config_error("SERVER_MASTER_KEY",
                           "is required (or SERVER_MASTER_KEY_FILE); generate one with "
                           "`head -c 32 /dev/urandom | base64`");
    }
    const std::string path = r.text("SERVER_MASTER_KEY_FILE");
    std::string content;
    try {
        content = read_file(path);
    } catch (const std::exception&) {
        throw config_error("SERVER_MASTER_KEY_FILE", "cannot read " + path);
    }
    return decode_master_key("SERVER_MASTER_KEY_FILE", content);
}

// One `version:base64` per line; blank lines and `#` comments are skipped. Messages name
// the line, never its key.
void add_previous_keys(const std::string& content, domain::crypto::at_rest_key_ring& ring) {
    constexpr const char* var = "SERVER_MASTER_KEYS_PREVIOUS_FILE";
    std::istringstream lines(content);
    std::string line;
    for (int n = 1; std::getline(lines, line); ++n) {
        line = trim(line);
        if (line.empty() || line.starts_with('#')) continue;
        const std::string where = "line " + std::to_string(n);
        const auto colon = line.find(':');
        int version = 0;
        const auto [end, ec] = std::from_chars(line.data(), line.data() + std::min(colon, line.size()), version);
        if (colon == std::string::npos || ec != std::errc{} || end != line.data() + colon || version < 1) {
            throw config_error(var, where + ": expected `version:base64-key`");
        }
        if (version >= ring.current_version) {
            throw config_error(var, where + ": version " + std::to_string(version) +
                                        " must be below SERVER_MASTER_KEY_VERSION (" +
                                        std::to_string(ring.current_version) + ")");
        }
        auto key = decode_master_key(std::string(var) + " " + where, line.substr(colon + 1));
        if (key == ring.current) throw config_error(var, where + ": is the current key");
        if (!ring.previous.emplace(version, std::move(key)).second) {
            throw config_error(var, where + ": version " + std::to_string(version) + " appears twice");
        }
    }
}

domain::crypto::at_rest_key_ring master_key_ring(const reader& r, const file_reader& read_file) {
    domain::crypto::at_rest_key_ring ring;
    ring.current = current_master_key(r, read_file);
    ring.current_version =
        static_cast<int>(r.integer("SERVER_MASTER_KEY_VERSION", 1, domain::crypto::max_at_rest_version));
    if (r.is_set("SERVER_MASTER_KEYS_PREVIOUS_FILE")) {
        const std::string path = r.text("SERVER_MASTER_KEYS_PREVIOUS_FILE");
        std::string content;
        try {
            content = read_file(path);
        } catch (const std::exception&) {
            throw config_error("SERVER_MASTER_KEYS_PREVIOUS_FILE", "cannot read " + path);
        }
        add_previous_keys(content, ring);
    }
    return ring;
}

std::string validated_secret(const reader& r, std::string_view name) {
    std::string v = r.text(name);
    if (v.size() < 32) throw config_error(std::string(name), "must be at least 32 bytes long");
    return v;
}

std::string validated_url(const reader& r, std::string_view name) {
    std::string v = r.text(name);
    // Plain http only: PHP is reached on the internal network (compose, or behind the
    // university's proxy); the bridge client has no TLS.
    if (!v.starts_with("http://") || v.size() <= 7) {
        throw config_error(std::string(name), "must be an http:// URL");
    }
    while (v.ends_with('/')) v.pop_back();
    return v;
}

std::string one_of(const reader& r, std::string_view name, std::initializer_list<std::string_view> allowed) {
    std::string v = r.text(name);
    for (auto a : allowed) {
        if (v == a) return v;
    }
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    throw config_error(std::string(name), "must be one of: " + list + "; got '" + v + "'");
}

infra::postgres::pg_settings parse_database(const reader& r) {
    infra::postgres::pg_settings d;
    d.host = r.text("DB_HOST");
    d.port = static_cast<int>(r.integer("DB_PORT", 1, 65535));
    d.dbname = r.text("DB_NAME");
    d.user = r.text("DB_USER");
    d.password = r.text("DB_PASSWORD");
    d.sslmode = one_of(r, "DB_SSLMODE", {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"});
    d.pool_size = static_cast<std::size_t>(r.integer("DB_POOL_SIZE", 1, 256));
    // libpq's connect_timeout counts whole seconds with a minimum of 2.
    const auto connect_ms = r.integer("DB_CONNECT_TIMEOUT_MS", 100, 120000);
    d.connect_timeout = std::chrono::seconds(std::max<long long>(2, (connect_ms + 999) / 1000));
    d.acquire_timeout = std::chrono::milliseconds(r.integer("DB_ACQUIRE_TIMEOUT_MS", 1, 600000));
    d.statement_timeout = std::chrono::milliseconds(r.integer("DB_STATEMENT_TIMEOUT_MS", 0, 86400000));
    return d;
}

tls_config parse_tls(const reader& r) {
    tls_config t;
    t.cert_file = r.text("TLS_CERT_FILE");
    t.key_file = r.text("TLS_KEY_FILE");
    if (t.cert_file.empty() != t.key_file.empty()) {
        throw config_error(
            t.cert_file.empty() ? "TLS_CERT_FILE" : "TLS_KEY_FILE",
            "must be set together with " + std::string(t.cert_file.empty() ? "TLS_KEY_FILE" : "TLS_CERT_FILE"));
    }
    t.redirect_port = static_cast<std::uint16_t>(r.integer("TLS_REDIRECT_PORT", 0, 65535));
    t.public_port = static_cast<std::uint16_t>(r.integer("TLS_PUBLIC_PORT", 0, 65535));
    if (t.redirect_port != 0 && t.cert_file.empty()) {
        throw config_error("TLS_REDIRECT_PORT", "needs TLS_CERT_FILE and TLS_KEY_FILE");
    }
    t.hsts_max_age = std::chrono::seconds(r.integer("HSTS_MAX_AGE", 0, 63072000));
    return t;
}

std::vector<std::string> origin_list(const reader& r, std::string_view name) {
    std::vector<std::string> out;
    const std::string v = r.text(name);
    std::size_t start = 0;
    while (start <= v.size()) {
        auto end = v.find(',', start);
        if (end == std::string::npos) end = v.size();
        std::string item = v.substr(start, end - start);
        while (!item.empty() && item.front() == ' ') item.erase(item.begin());
        while (!item.empty() && (item.back() == ' ' || item.back() == '/')) item.pop_back();
        if (!item.empty()) {
            if (!(item.starts_with("http://") || item.starts_with("https://"))) {
                throw config_error(std::string(name), "each origin must start with http:// or https://: " + item);
            }
            out.push_back(item);
        }
        start = end + 1;
    }
    if (out.empty()) throw config_error(std::string(name), "needs at least one origin");
    return out;
}

} // namespace

const std::vector<variable_spec>& variable_specs() { return specs; }

std::optional<std::string> parse_migrate_backup_dir(const env_lookup& env) {
    const reader r(env);
    if (!r.is_set("MIGRATE_BACKUP_DIR")) return std::nullopt;
    return r.text("MIGRATE_BACKUP_DIR");
}

config parse_config(const env_lookup& env, const std::function<std::string(const std::string&)>& read_file) {
    const reader r(env);
    config c;
    c.http.host = r.text("HOST");
    c.http.port = static_cast<std::uint16_t>(r.integer("PORT", 0, 65535));
    c.http.web_root = r.text("WEB_ROOT");
    c.http.max_body_bytes = static_cast<std::size_t>(r.integer("MAX_BODY_BYTES", 1024, 64LL << 20));
    c.http.shutdown_grace = std::chrono::milliseconds(r.integer("SHUTDOWN_GRACE_MS", 0, 600000));
    c.tls = parse_tls(r);
    c.trusted_proxies = r.text("TRUSTED_PROXIES");
    try {
        (void)transport::http::proxy_list::parse(c.trusted_proxies);
    } catch (const std::invalid_argument& e) {
        throw config_error("TRUSTED_PROXIES", e.what());
    }

    c.database = parse_database(r);
    c.migrate_on_start = r.boolean("MIGRATE_ON_START");

    c.valkey.host = r.text("REDIS_HOST");
    c.valkey.port = static_cast<std::uint16_t>(r.integer("REDIS_PORT", 1, 65535));
    c.valkey.key_prefix = r.text("KEY_PREFIX");
    c.valkey.command_timeout = std::chrono::milliseconds(r.integer("VALKEY_COMMAND_TIMEOUT_MS", 10, 60000));

    c.jwt_secret = validated_secret(r, "JWT_SECRET");
    c.jwt_secret_internal = validated_secret(r, "JWT_SECRET_INTERNAL");
    if (c.jwt_secret == c.jwt_secret_internal) {
        throw config_error("JWT_SECRET_INTERNAL", "must differ from JWT_SECRET");
    }

    c.at_rest_keys = master_key_ring(r, read_file);
    c.master_key = c.at_rest_keys.current;

    c.php.base_url = validated_url(r, "PHP_BASE_URL");
    c.php.timeout = std::chrono::milliseconds(r.integer("PHP_TIMEOUT_MS", 100, 120000));
    c.php.connect_timeout = std::chrono::milliseconds(r.integer("PHP_CONNECT_TIMEOUT_MS", 100, 60000));
    c.php.max_attempts = static_cast<int>(r.integer("PHP_MAX_ATTEMPTS", 1, 10));
    c.php.breaker_threshold = static_cast<int>(r.integer("PHP_BREAKER_THRESHOLD", 1, 1000));
    c.php.breaker_open = std::chrono::milliseconds(r.integer("PHP_BREAKER_OPEN_MS", 100, 600000));
    c.webauthn.rp_id = r.text("WEBAUTHN_RP_ID");
    c.webauthn.rp_name = r.text("WEBAUTHN_RP_NAME");
    c.webauthn.origins = origin_list(r, "WEBAUTHN_ORIGINS");
    c.webauthn.attestation = one_of(r, "WEBAUTHN_ATTESTATION", {"none", "direct"});
    c.webauthn.trust_anchors = r.text("WEBAUTHN_TRUST_ANCHORS");
    if (c.webauthn.attestation == "direct" && c.webauthn.trust_anchors.empty()) {
        throw config_error("WEBAUTHN_TRUST_ANCHORS",
                           "is required with WEBAUTHN_ATTESTATION=direct (a folder of vendor root certificates)");
    }
    c.reenroll_cooldown = std::chrono::hours(r.integer("REENROLL_COOLDOWN_HOURS", 0, 24LL * 365));
    c.session_max_minutes = static_cast<int>(r.integer("SESSION_MAX_MINUTES", 5, 240));
    c.session_sweep = std::chrono::seconds(r.integer("SESSION_SWEEP_SECONDS", 1, 3600));
    c.app_session_idle = std::chrono::milliseconds(
        static_cast<std::int64_t>(r.decimal("APP_SESSION_IDLE_MINUTES", 0.01, 7 * 24 * 60) * 60'000));
    c.app_session_max = std::chrono::milliseconds(
        static_cast<std::int64_t>(r.decimal("APP_SESSION_MAX_HOURS", 0.001, 30 * 24) * 3'600'000));
    c.rounds.frame_interval = std::chrono::milliseconds(r.integer("FRAME_INTERVAL_MS", 100, 5000));
    c.rounds.max_failed_attempts = static_cast<int>(r.integer("MAX_FAILED_ATTEMPTS", 1, 10));
    c.rounds.totp_step_seconds = r.integer("TOTP_STEP_SECONDS", 5, 300);
    c.rounds.scoring.rt_min_ms = static_cast<double>(r.integer("RT_MIN_MS", 0, 60000));
    c.rounds.scoring.rt_max_ms = static_cast<double>(r.integer("RT_MAX_MS", 100, 120000));
    auto& sc = c.rounds.scoring;
    sc.baseline_min_students = static_cast<std::size_t>(r.integer("BASELINE_MIN_STUDENTS", 1, 100000));
    sc.rt_good_ms = static_cast<double>(r.integer("RT_GOOD_MS", 1, 60000));
    sc.rt_margin_ms = static_cast<double>(r.integer("RT_MARGIN_MS", 0, 60000));
    sc.mad_factor = r.decimal("RT_MAD_FACTOR", 0, 100);
    sc.rt_span_ms = static_cast<double>(r.integer("RT_SPAN_MS", 1, 60000));
    sc.failure_penalty_per_attempt = r.decimal("FAILURE_PENALTY_PER_ATTEMPT", 0, 100);
    sc.failure_penalty_max = r.decimal("FAILURE_PENALTY_MAX", 0, 100);
    sc.present_min = r.decimal("SCORE_PRESENT_MIN", 0, 100);
    sc.doubtful_min = r.decimal("SCORE_DOUBTFUL_MIN", 0, 100);
    sc.flagged_cap = r.decimal("SCORE_FLAGGED_CAP", 0, 100);
    if (c.rounds.scoring.rt_min_ms >= c.rounds.scoring.rt_max_ms) {
        throw config_error("RT_MIN_MS", "must be below RT_MAX_MS");
    }
    try {
        domain::scoring::validate(c.rounds.scoring);
    } catch (const std::invalid_argument& e) {
        throw config_error("RT_GOOD_MS", std::string("scoring constants: ") + e.what());
    }
    c.outbox_poll = std::chrono::milliseconds(r.integer("OUTBOX_POLL_MS", 50, 600000));
    auto& rl = c.rate_limits;
    rl.internal_per_minute = static_cast<int>(r.integer("RATE_LIMIT_INTERNAL_PER_MIN", 0, 1000000));
    rl.enroll_start_per_minute = static_cast<int>(r.integer("RATE_LIMIT_ENROLL_START_PER_MIN", 0, 1000000));
    rl.join_per_minute = static_cast<int>(r.integer("RATE_LIMIT_JOIN_PER_MIN", 0, 1000000));
    rl.answers_per_second = static_cast<int>(r.integer("RATE_LIMIT_ANSWERS_PER_SEC", 0, 100000));
    rl.ws_upgrades_per_minute = static_cast<int>(r.integer("RATE_LIMIT_WS_UPGRADES_PER_MIN", 0, 1000000));
    rl.projector_messages_per_second = static_cast<int>(r.integer("RATE_LIMIT_PROJECTOR_MSGS_PER_SEC", 0, 100000));
    c.log_level = one_of(r, "LOG_LEVEL", {"trace", "debug", "info", "warn", "error"});
    return c;
}

infra::postgres::pg_settings parse_database_config(const env_lookup& env) { return parse_database(reader(env)); }

domain::crypto::at_rest_key_ring parse_master_key_ring(const env_lookup& env, const file_reader& read_file) {
    return master_key_ring(reader(env), read_file);
}

std::string read_whole_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

env_lookup process_environment() {
    return [](std::string_view name) -> std::optional<std::string> {
        const char* v = std::getenv(std::string(name).c_str());
        if (v == nullptr) return std::nullopt;
        return std::string(v);
    };
}

config load_config_from_environment() {
    const env_lookup env = process_environment();
    return parse_config(env, read_whole_file);
}

std::string help_text() {
    std::ostringstream out;
    out << "asistencia-server: class attendance that a friend cannot fake.\n\n"
           "Usage:\n"
           "  asistencia-server                 serve HTTP and WebSocket\n"
           "  asistencia-server migrate up      apply pending migrations\n"
           "  asistencia-server migrate status  list applied and pending migrations\n"
           "  asistencia-server migrate down N  roll back the last N migrations\n"
           "  asistencia-server rekey           re-seal at-rest secrets with the current master key\n"
           "  asistencia-server --help          this text\n\n"
           "Configuration (environment variables):\n";
    for (const auto& s : specs) {
        out << "  " << s.name;
        for (std::size_t i = s.name.size(); i < 26; ++i) out << ' ';
        out << s.description;
        if (s.required) {
            out << " Required.";
        } else if (!s.default_value.empty()) {
            out << " Default: " << s.default_value << '.';
        }
        out << '\n';
    }
    return out.str();
}

} // namespace asistencia::main
