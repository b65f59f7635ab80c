// The rounds of a class in Valkey (PROTOCOL.md 6.3-6.5 and section 7): the student's state
// session:asistencia:{sid}:{uid} (JSON, device keys sealed under a key derived from the
// master key), the round metadata qr:session:{sid}:{uid}:{round} (hash, one field per
// showing) and the projection queue proyeccion:session:{sid}. Every transition of
// domain/attendance/round is one Lua script, so concurrent answers (on any replica) see one
// consistent order; the scripts run by EVALSHA, loaded on every connection.
#pragma once

#include "asistencia/application/attendance/rounds.hpp"
#include "asistencia/domain/crypto/protocol_keys.hpp"
#include "asistencia/infra/valkey/client.hpp"

namespace asistencia::infra::stores {

namespace net = boost::asio;
using application::attendance::answer_take;
using application::attendance::pending_round;
using application::attendance::round_moved;
using application::attendance::student_state;
using application::attendance::take_result;
using application::attendance::transition;

class valkey_round_store final : public application::attendance::round_store {
public:
    // How many showings of a round keep their nonce (an answer to an older one is `unknown`).
    static constexpr int showings_kept = 8;

    valkey_round_store(valkey::client& kv, const std::vector<std::uint8_t>& master_key);

    net::awaitable<std::optional<student_state>> load_state(std::int64_t session_id, std::int64_t user_id) override;
    net::awaitable<std::vector<bool>> states_present(std::int64_t session_id,
                                                     std::vector<std::int64_t> user_ids) override;
    net::awaitable<void> start(std::int64_t session_id, std::int64_t user_id, student_state s) override;
    net::awaitable<transition> reopen(std::int64_t session_id, std::int64_t user_id, int round) override;
    net::awaitable<answer_take> take(std::int64_t session_id, std::int64_t user_id, int round, std::int64_t device_id,
                                     std::string nonce, const application::attendance::answer_limit* limit) override;
    net::awaitable<round_moved> succeed(std::int64_t session_id, std::int64_t user_id, int round) override;
    net::awaitable<round_moved> fail(std::int64_t session_id, std::int64_t user_id, int round, int max_failed) override;
    net::awaitable<std::vector<pending_round>> pending(std::int64_t session_id) override;
    net::awaitable<bool> record_showing(std::int64_t session_id, pending_round r, std::string nonce,
                                        std::int64_t issued_at_ms) override;
    net::awaitable<application::attendance::picked_showing> show_next(std::int64_t session_id, std::uint64_t draw,
                                                                      std::string nonce,
                                                                      std::int64_t issued_at_ms) override;
    net::awaitable<void> record_shown(std::int64_t session_id, pending_round r, std::string nonce,
                                      std::int64_t shown_at_ms) override;
    net::awaitable<void> put_join_challenge(std::int64_t session_id, std::int64_t user_id,
                                            application::attendance::bytes challenge) override;
    net::awaitable<std::optional<application::attendance::bytes>> take_join_challenge(std::int64_t session_id,
                                                                                      std::int64_t user_id) override;
    net::awaitable<void> invalidate(std::int64_t session_id, std::int64_t user_id) override;
    net::awaitable<void> forget(std::int64_t session_id, std::vector<std::int64_t> user_ids) override;

    // Answers refused by take()'s rate limit (part of asistencia_rate_limited_total).
    std::uint64_t answers_limited() const noexcept { return limited_; }

private:
    struct script_call {
        std::vector<std::string> keys, args;
    };
    script_call transition_call(std::int64_t session_id, std::int64_t user_id, int round) const;
    net::awaitable<round_moved> move(const valkey::script& s, script_call call);
    std::optional<student_state> decode_fields(const std::vector<valkey::reply>& e, std::size_t at,
                                               std::int64_t session_id, std::int64_t user_id) const;

    valkey::client& kv_;
    domain::crypto::at_rest_v1_key key_; // seals the device keys in the state (HKDF of the master key, once)
    const valkey::script reopen_, succeed_, fail_, take_, record_showing_, show_next_, read_state_, record_shown_,
        invalidate_;
    std::uint64_t limited_ = 0;
};

} // namespace asistencia::infra::stores
