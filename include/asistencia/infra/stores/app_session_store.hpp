// App sessions in Valkey (docs/tokens.md): app:session:{id} holds the JSON record, its TTL
// is the idle expiry (GETEX PX slides it in the same round trip as the read), so every
// replica sees the same sessions and a DEL revokes one everywhere.
#pragma once

#include "asistencia/application/app_session/app_session.hpp"
#include "asistencia/infra/valkey/client.hpp"

namespace asistencia::infra::stores {

namespace net = boost::asio;

class valkey_app_session_store final : public application::app_session::session_store {
public:
    explicit valkey_app_session_store(valkey::client& kv) : kv_(kv) {}

    net::awaitable<void> put(const std::string& id, const application::app_session::session_record& r,
                             application::app_session::millis ttl) override;
    net::awaitable<std::optional<application::app_session::session_record>> touch(
        const std::string& id, application::app_session::millis idle) override;
    net::awaitable<void> expire(const std::string& id, application::app_session::millis ttl) override;
    net::awaitable<void> remove(const std::string& id) override;

private:
    valkey::client& kv_;
};

} // namespace asistencia::infra::stores
