// The frame loop's part for black-box tests (attendance API, operations): records a
// showing of a pending round in the real Valkey round store and seals its payload, as the
// projection does.
#pragma once

#include "asistencia/infra/stores/round_store.hpp"
#include "asistencia/infra/valkey/client.hpp"
#include "class_client.hpp"
#include "run_awaitable.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <future>
#include <thread>
#include <type_traits>
#include <vector>

namespace class_test {

namespace net = boost::asio;

// The frame loop's part: records a showing of a pending round and seals its payload.
class frame_stand_in {
public:
    explicit frame_stand_in(const std::string& prefix)
        : kv_(io_.get_executor(), settings(prefix)), rounds_(kv_, test_master_key()) {
        kv_.start();
        run(kv_.wait_connected(std::chrono::seconds(5)));
    }
    ~frame_stand_in() { kv_.stop(); }

    template <class T>
    T run(net::awaitable<T> a) {
        return test_support::run_until_done(io_, std::move(a));
    }

    // A fresh showing of (session, user, round); empty when the round is not pending.
    std::string show(std::int64_t session_id, const phone& p, int round) {
        crypto::qr_payload q;
        q.session_id = static_cast<std::uint32_t>(session_id);
        q.user_id = static_cast<std::uint32_t>(p.user_id());
        q.round = static_cast<std::uint8_t>(round);
        const auto nonce = crypto::random_bytes(16);
        std::copy(nonce.begin(), nonce.end(), q.nonce.begin());
        q.issued_at_ms = static_cast<std::uint64_t>(now_ms());
        const auto secret = crypto::derive_session_totps_secret(test_master_key(), session_id);
        q.totps =
            crypto::totp_value_at_step(secret, crypto::totp_step(static_cast<std::int64_t>(q.issued_at_ms / 1000)));
        const bool ok = retrying([&] {
            return run(rounds_.record_showing(session_id, {p.user_id(), round}, enc::base64url_encode(nonce),
                                              static_cast<std::int64_t>(q.issued_at_ms)));
        });
        return ok ? crypto::seal_qr(q, p.keys().k_qr) : std::string();
    }

    // After a Valkey restart this client notices the dead link only on its next command.
    template <class F>
    std::invoke_result_t<F&> retrying(F f) {
        for (int i = 0;; ++i) {
            try {
                return f();
            } catch (const std::exception&) {
                if (i == 50) throw;
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
        }
    }

    std::vector<asistencia::application::attendance::pending_round> pending(std::int64_t session_id) {
        return run(rounds_.pending(session_id));
    }
    void del(const std::string& key) { run(kv_.del(key)); }
    const asistencia::infra::valkey::key_builder& keys() const { return kv_.keys(); }

private:
    static asistencia::infra::valkey::settings settings(const std::string& prefix) {
        asistencia::infra::valkey::settings s;
        s.host = env_or_fail("REDIS_HOST");
        s.port = std::stoi(env_or_fail("REDIS_PORT"));
        s.key_prefix = prefix;
        return s;
    }
    net::io_context io_;
    asistencia::infra::valkey::client kv_;
    asistencia::infra::stores::valkey_round_store rounds_;
};

} // namespace class_test
