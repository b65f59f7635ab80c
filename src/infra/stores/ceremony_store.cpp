// Enrollment ceremony state in Valkey; see ceremony_store.hpp.
#include "asistencia/infra/stores/ceremony_store.hpp"

#include "asistencia/domain/crypto/protocol_keys.hpp"
#include "asistencia/domain/encoding/base64.hpp"

#include <nlohmann/json.hpp>

#include <chrono>

namespace asistencia::infra::stores {

namespace {
namespace crypto = domain::crypto;
namespace enc = domain::encoding;
using application::enrollment::ceremony;

std::string aad(std::int64_t user_id) { return "enroll:" + std::to_string(user_id); }
} // namespace

valkey_ceremony_store::valkey_ceremony_store(valkey::client& kv, std::vector<std::uint8_t> master_key)
    : kv_(kv),
      key_(crypto::hkdf_sha256(master_key, {}, crypto::as_bytes("asistencia/ceremony/v1"), 32)) {}

net::awaitable<bool> valkey_ceremony_store::lock(std::int64_t user_id, std::chrono::seconds ttl) {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    co_return co_await kv_.set(kv_.keys().enrollment_lock(user_id), std::to_string(now), ttl, true);
}

net::awaitable<void> valkey_ceremony_store::unlock(std::int64_t user_id) {
    co_await kv_.del(kv_.keys().enrollment_lock(user_id));
}

net::awaitable<void> valkey_ceremony_store::put(std::int64_t user_id, const ceremony& c, std::chrono::seconds ttl) {
    const nlohmann::json value{{"challenge", enc::base64url_encode(c.challenge)},
                               {"key", crypto::seal_at_rest(key_, c.server_private_key, aad(user_id))}};
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
    co_return ceremony{std::move(*challenge), std::move(*key)};
}

} // namespace asistencia::infra::stores
