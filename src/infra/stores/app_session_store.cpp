// App session records in Valkey; see app_session_store.hpp.
#include "asistencia/infra/stores/app_session_store.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <stdexcept>

namespace asistencia::infra::stores {

namespace {
namespace as = application::app_session;
using nlohmann::json;

std::int64_t ms_of(as::clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
as::clock::time_point at_ms(std::int64_t ms) { return as::clock::time_point(std::chrono::milliseconds(ms)); }

std::string px(as::millis ttl) { return std::to_string(std::max<std::int64_t>(1, ttl.count())); }

std::optional<as::session_record> parse(const std::string& text) {
    const auto j = json::parse(text, nullptr, false);
    if (!j.is_object()) return std::nullopt;
    const auto int_at = [&](const char* k) { return j.contains(k) && j[k].is_number_integer(); };
    const auto str_at = [&](const char* k) { return j.contains(k) && j[k].is_string(); };
    if (!int_at("userId") || !str_at("rol") || !str_at("username") || !str_at("name") || !int_at("createdAt") ||
        !int_at("absoluteExpiresAt")) {
        return std::nullopt;
    }
    as::session_record r;
    r.user = {j["userId"].get<std::int64_t>(), j["rol"].get<std::string>(), j["username"].get<std::string>(),
              j["name"].get<std::string>()};
    r.created_at = at_ms(j["createdAt"].get<std::int64_t>());
    r.absolute_expires_at = at_ms(j["absoluteExpiresAt"].get<std::int64_t>());
    return r;
}
} // namespace

net::awaitable<void> valkey_app_session_store::put(const std::string& id, const as::session_record& r, as::millis ttl) {
    const json value{{"userId", r.user.user_id},         {"rol", r.user.role},
                     {"username", r.user.username},      {"name", r.user.name},
                     {"createdAt", ms_of(r.created_at)}, {"absoluteExpiresAt", ms_of(r.absolute_expires_at)}};
    valkey::command_args cmd{"SET", kv_.keys().app_session(id), value.dump(), "PX", px(ttl)};
    const auto reply = co_await kv_.command(std::move(cmd));
    if (reply.is_error()) throw std::runtime_error("valkey SET app session: " + reply.str);
}

net::awaitable<std::optional<as::session_record>> valkey_app_session_store::touch(const std::string& id,
                                                                                  as::millis idle) {
    valkey::command_args cmd{"GETEX", kv_.keys().app_session(id), "PX", px(idle)};
    const auto reply = co_await kv_.command(std::move(cmd));
    if (reply.is_error()) throw std::runtime_error("valkey GETEX app session: " + reply.str);
    const auto text = reply.text();
    if (!text) co_return std::nullopt;
    co_return parse(*text);
}

net::awaitable<void> valkey_app_session_store::expire(const std::string& id, as::millis ttl) {
    valkey::command_args cmd{"PEXPIRE", kv_.keys().app_session(id), px(ttl)};
    co_await kv_.command(std::move(cmd));
}

net::awaitable<void> valkey_app_session_store::remove(const std::string& id) {
    co_await kv_.del(kv_.keys().app_session(id));
}

} // namespace asistencia::infra::stores
