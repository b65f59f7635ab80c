// The app session (PROTOCOL.md section 3, docs/tokens.md): a server-side session that a
// page gets in exchange for a valid legacy user token, so a 90-minute class outlives the
// token's 5 minutes. The state lives in a store any replica reads (Valkey); the client holds
// only "<id>.<mac>" in an HttpOnly cookie. Sliding idle expiry plus an absolute limit;
// revoked at logout. Plain structs out; the transport shapes JSON and cookies.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace asistencia::application::app_session {

namespace net = boost::asio;
using clock = std::chrono::system_clock;
using millis = std::chrono::milliseconds;

struct session_user {
    std::int64_t user_id = 0;
    std::string role;     // "profesor" | "alumno", as in the user token's `rol`
    std::string username; // the token's `username`
    std::string name;     // what pages greet with (the username; /api/me has the legacy name)
};

// What the store keeps under the session id.
struct session_record {
    session_user user;
    clock::time_point created_at;
    clock::time_point absolute_expires_at;
};

// A live session as the use cases hand it out.
struct live_session {
    session_record record;
    clock::time_point idle_expires_at; // min(last use + idle, absolute limit)
};

struct created_session {
    std::string cookie_value; // "<id>.<mac>"
    live_session session;
};

// Storage port (Valkey in production). `ttl` values are already capped by the absolute limit.
class session_store {
public:
    virtual ~session_store() = default;
    virtual net::awaitable<void> put(const std::string& id, const session_record& r, millis ttl) = 0;
    // The record, with its expiry pushed to `idle` from now in the same step; nullopt when gone.
    virtual net::awaitable<std::optional<session_record>> touch(const std::string& id, millis idle) = 0;
    virtual net::awaitable<void> expire(const std::string& id, millis ttl) = 0;
    virtual net::awaitable<void> remove(const std::string& id) = 0;
};

struct session_settings {
    millis idle{std::chrono::minutes(120)};  // APP_SESSION_IDLE_MINUTES
    millis absolute{std::chrono::hours(12)}; // APP_SESSION_MAX_HOURS
};

enum class resolve_failure { malformed, gone }; // bad MAC/shape (invalid) vs expired/revoked

struct resolve_result {
    std::optional<live_session> session;
    resolve_failure failure = resolve_failure::gone; // meaningful when !session
};

class session_service {
public:
    // `mac_key` = derive_app_session_key(SERVER_MASTER_KEY).
    session_service(session_store& store, std::vector<std::uint8_t> mac_key, session_settings settings);

    net::awaitable<created_session> create(session_user user, clock::time_point now);
    // Checks the MAC, then the store; slides the idle expiry of a live session.
    net::awaitable<resolve_result> resolve(std::string_view cookie_value, clock::time_point now);
    // Logout: deletes the state of a well-formed cookie (a bad one changes nothing).
    net::awaitable<void> end(std::string_view cookie_value);

    const session_settings& settings() const noexcept { return settings_; }

private:
    session_store& store_;
    std::vector<std::uint8_t> key_;
    session_settings settings_;
};

} // namespace asistencia::application::app_session
