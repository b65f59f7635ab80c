// The projection's ports on Valkey (docs/projection.md): the frame-loop lease
// projection:leader:{sid} (SET NX PX, compare-and-PEXPIRE, compare-and-DEL) with the pause
// flag projection:paused:{sid}, the seq counter projection:seq:{sid} and the frames'
// PUBLISH, the subscriber side of projection:frames:{sid} / projection:events:{sid}, and
// the projector registry (ws:auth:{id}, ws:projection:{sid}). Key names: valkey/keys.cpp.
#pragma once

#include "asistencia/application/attendance/projection_ports.hpp"
#include "asistencia/infra/valkey/client.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace asistencia::infra::stores {

namespace att = application::attendance;
namespace net = boost::asio;

class valkey_projection_lease final : public att::projection_lease {
public:
    // The token (this process's identity in the lease) is 16 random bytes; `ttl`: the PX.
    explicit valkey_projection_lease(valkey::client& kv,
                                     std::chrono::milliseconds ttl = std::chrono::milliseconds(3000));

    net::awaitable<bool> take(std::int64_t session_id) override;
    net::awaitable<att::lease_renewal> renew(std::int64_t session_id) override;
    net::awaitable<void> release(std::int64_t session_id) override;
    net::awaitable<void> set_paused(std::int64_t session_id, bool paused) override;
    // The renewal's compare-and-PEXPIRE, the pause flag, then (held, not paused) INCR + EXPIRE
    // of the seq and the PUBLISH: one EVALSHA. `frames` is not used (the keys are this
    // store's too).
    net::awaitable<att::renewed_publication> renew_and_publish(std::int64_t session_id, att::published_frame frame,
                                                               att::frame_channel& frames) override;

private:
    valkey::client& kv_;
    std::string token_;
    std::chrono::milliseconds ttl_;
    valkey::script renew_, release_, renew_and_publish_;
};

class valkey_frame_channel final : public att::frame_channel {
public:
    explicit valkey_frame_channel(valkey::client& kv);
    net::awaitable<std::optional<std::int64_t>> next_seq(std::int64_t session_id) override;
    net::awaitable<void> publish(std::int64_t session_id, att::published_frame frame) override;
    // INCR + EXPIRE of the seq and the PUBLISH in one EVALSHA.
    net::awaitable<std::optional<std::int64_t>> publish_next(std::int64_t session_id,
                                                             att::published_frame frame) override;

private:
    valkey::client& kv_;
    valkey::script publish_next_;
};

// The messages on projection:frames:{sid}: a header line {seq, sentAt} plus {uid, round,
// nonce} for a real round, a newline, then the projectors' message {type:"frame", seq,
// qr:{width, modules}} as every replica sends it (its fan-out is a copy: only the header is
// parsed). decode is nullopt for anything else; it also reads the older single-object
// shape {seq, width, modules, sentAt, ...} (then client_message is empty).
struct frame_message_parts {
    std::string head, middle, tail; // the message is head + seq + middle + seq + tail
};
frame_message_parts encode_frame_parts(const att::published_frame& f);
std::string encode_frame(const att::published_frame& f);
std::optional<att::published_frame> decode_frame(const std::string& message);
// {"type":"progress"} / {"type":"closed","summary":{...}} (attendance_events.cpp writes them).
std::optional<att::projection_event> decode_event(const std::string& message);

// One subscriber connection per process for every session with local projectors.
class valkey_projection_feed final : public att::projection_feed {
public:
    valkey_projection_feed(net::any_io_executor ex, valkey::settings settings, valkey::key_builder keys);

    void start(handlers h) override;
    void stop() override;
    void subscribe(std::int64_t session_id) override;
    void unsubscribe(std::int64_t session_id) override;

private:
    void on_message(const std::string& channel, const std::string& message) const;

    valkey::key_builder keys_;
    handlers handlers_;
    valkey::subscriber sub_;
};

class valkey_projector_registry final : public att::projector_registry {
public:
    explicit valkey_projector_registry(valkey::client& kv) : kv_(kv) {}
    net::awaitable<void> put(std::vector<att::projector_registration> registrations) override;
    net::awaitable<void> remove(std::int64_t session_id, std::string connection_id) override;

private:
    valkey::client& kv_;
};

} // namespace asistencia::infra::stores
