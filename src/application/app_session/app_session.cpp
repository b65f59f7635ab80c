// App sessions; see app_session.hpp.
#include "asistencia/application/app_session/app_session.hpp"

#include "asistencia/domain/crypto/session_cookie.hpp"

#include <stdexcept>

namespace asistencia::application::app_session {

namespace crypto = domain::crypto;

namespace {
millis remaining(clock::time_point until, clock::time_point now) {
    return std::chrono::duration_cast<millis>(until - now);
}
} // namespace

session_service::session_service(session_store& store, std::vector<std::uint8_t> mac_key, session_settings settings)
    : store_(store), key_(std::move(mac_key)), settings_(settings) {
    if (key_.size() != 32) throw std::invalid_argument("app session key must be 32 bytes");
    if (settings_.idle <= millis::zero() || settings_.absolute <= millis::zero()) {
        throw std::invalid_argument("app session lifetimes must be positive");
    }
}

// Members are assigned one by one: GCC 12 miscompiles some nested aggregate
// initializations inside coroutines (strings copied bitwise, then freed twice).
net::awaitable<created_session> session_service::create(session_user user, clock::time_point now) {
    created_session out;
    auto& r = out.session.record;
    r.user = std::move(user);
    r.created_at = now;
    r.absolute_expires_at = now + settings_.absolute;
    const auto ttl = std::min(settings_.idle, settings_.absolute);
    out.session.idle_expires_at = now + ttl;
    const auto id = crypto::new_session_id();
    out.cookie_value = crypto::seal_session_cookie(id, key_);
    co_await store_.put(id, r, ttl);
    co_return out;
}

net::awaitable<resolve_result> session_service::resolve(std::string_view cookie_value, clock::time_point now) {
    resolve_result out;
    const auto id = crypto::open_session_cookie(cookie_value, key_);
    if (!id) {
        out.failure = resolve_failure::malformed;
        co_return out;
    }
    auto r = co_await store_.touch(*id, settings_.idle);
    out.failure = resolve_failure::gone;
    if (!r) co_return out;
    const auto left = remaining(r->absolute_expires_at, now);
    if (left <= millis::zero()) {
        co_await store_.remove(*id);
        co_return out;
    }
    // The slide never carries a session past its absolute limit.
    if (left < settings_.idle) co_await store_.expire(*id, left);
    live_session live;
    live.idle_expires_at = std::min(now + settings_.idle, r->absolute_expires_at);
    live.record = std::move(*r);
    out.session = std::move(live);
    co_return out;
}

net::awaitable<void> session_service::end(std::string_view cookie_value) {
    const auto id = crypto::open_session_cookie(cookie_value, key_);
    if (id) co_await store_.remove(*id);
}

} // namespace asistencia::application::app_session
