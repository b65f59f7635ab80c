// Enrollment ceremony state in Valkey; see ceremony_store.hpp.
#include "asistencia/infra/stores/ceremony_store.hpp"

#include "asistencia/domain/crypto/primitives.hpp"
#include "asistencia/domain/crypto/protocol_keys.hpp"
#include "asistencia/domain/encoding/base64.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <stdexcept>

namespace asistencia::infra::stores {

namespace {
namespace crypto = domain::crypto;
namespace enc = domain::encoding;
using application::enrollment::ceremony;

std::string aad(std::int64_t user_id) { return "enroll:" + std::to_string(user_id); }

// KEYS: 1 lock. ARGV: 1 owner value. Deletes the lock only while it is still ours.
constexpr const char* lua_compare_and_delete = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua";
} // namespace

valkey_ceremony_store::valkey_ceremony_store(valkey::client& kv, std::vector<std::uint8_t> master_key)
    : kv_(kv), key_(crypto::hkdf_sha256(master_key, {}, crypto::as_bytes("asistencia/ceremony/v1"), 32)) {}

net::awaitable<std::optional<std::string>> valkey_ceremony_store::lock(std::int64_t user_id, std::chrono::seconds ttl) {
    const auto now =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    // The value keeps the protocol's timestamp and adds a random owner token.
    std::string value = std::to_string(now) + "." + enc::base64url_encode(crypto::random_bytes(16));
    const bool taken = co_await kv_.set(kv_.keys().enrollment_lock(user_id), value, ttl, true);
    if (!taken) co_return std::nullopt;
    co_return value;
}

net::awaitable<void> valkey_ceremony_store::unlock(std::int64_t user_id, std::string token) {
    valkey::command_args cmd{"EVAL", lua_compare_and_delete, "1", kv_.keys().enrollment_lock(user_id),
                             std::move(token)};
    const auto r = co_await kv_.command(std::move(cmd));
    if (r.is_error()) throw std::runtime_error("valkey: releasing the enrollment lock failed: " + r.str);
}

net::awaitable<void> valkey_ceremony_store::put(std::int64_t user_id, const ceremony& c, std::chrono::seconds ttl) {
    const nlohmann::json value{{"challenge", enc::base64url_encode(c.challenge)},
                               {"key", crypto::seal_at_rest(key_, c.server_private_key, aad(user_id))},
                               {"lock", c.lock_token}};
    co_await kv_.set(kv_.keys().challenge("enroll", std::to_string(user_id)), value.dump(), ttl);
}

net::awaitable<std::optional<ceremony>> valkey_ceremony_store::take(std::int64_t user_id) {
    valkey::command_args cmd{"GETDEL", kv_.keys().challenge("enroll", std::to_string(user_id))};
    const auto r = co_await kv_.command(std::move(cmd));
    const auto text = r.text();
    if (!text) co_return std::nullopt;
    const auto j = nlohmann::json::parse(*text, nullptr, false);
    if (!j.is_object() || !j.contains("challenge") || !j.contains("key")) co_return std::nullopt;
    auto challenge = enc::base64url_decode(j["challenge"].get<std::string>());
    auto key = crypto::open_at_rest(key_, j["key"].get<std::string>(), aad(user_id));
    if (!challenge || !key) co_return std::nullopt;
    const auto lock = j.find("lock");
    co_return ceremony{std::move(*challenge), std::move(*key),
                       lock != j.end() && lock->is_string() ? lock->get<std::string>() : std::string()};
}

} // namespace asistencia::infra::stores
