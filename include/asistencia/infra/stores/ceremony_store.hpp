// Enrollment ceremonies in Valkey (PROTOCOL.md section 5): lock:enrollment:{userId}
// (SET NX EX, value `{ms}.{owner token}`, released by a compare-and-delete script) and the challenge with the server's
// ephemeral ECDH key, sealed under a key derived from the master key and taken with GETDEL so it is used once.
#pragma once

#include "asistencia/application/enrollment/ports.hpp"
#include "asistencia/infra/valkey/client.hpp"

namespace asistencia::infra::stores {

namespace net = boost::asio;

class valkey_ceremony_store final : public application::enrollment::ceremony_store {
public:
    valkey_ceremony_store(valkey::client& kv, std::vector<std::uint8_t> master_key);

    net::awaitable<std::optional<std::string>> lock(std::int64_t user_id, std::chrono::seconds ttl) override;
    net::awaitable<void> unlock(std::int64_t user_id, std::string token) override;
    net::awaitable<void> put(std::int64_t user_id, const application::enrollment::ceremony& c,
                             std::chrono::seconds ttl) override;
    net::awaitable<std::optional<application::enrollment::ceremony>> take(std::int64_t user_id) override;

private:
    valkey::client& kv_;
    std::vector<std::uint8_t> key_; // seals the ephemeral private key
};

} // namespace asistencia::infra::stores
