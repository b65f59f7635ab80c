// The projection's ports (PROTOCOL.md 6.4, docs/projection.md): what the frame loop
// (projection_service) and the projector fan-out (transport/projection) need from the
// outside. Implemented in infra: stores/projection_store (Valkey lease, seq, pub/sub,
// projector registry), repositories/progress_repository (PostgreSQL counts), qr
// (libqrencode). No Valkey, SQL or Beast types here.
#pragma once

#include "asistencia/application/attendance/rounds.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace asistencia::application::attendance {

// One renewal of the frame-loop lease, with the session's pause flag read in the same
// round trip.
struct lease_renewal {
    bool held = false;   // false: another process (or nobody, after a Valkey restart) holds it
    bool paused = false; // a projector paused the session's frames
};

struct published_frame;
class frame_channel;

// A frame's publication done together with the lease renewal (renew_and_publish).
struct renewed_publication {
    lease_renewal renewal;
    std::optional<std::int64_t> seq; // set when published: held, not paused, a number came back
};

// projection:leader:{sid}: exactly one process drives a session's frame loop. The
// implementation owns this process's token; only the holder renews or releases.
class projection_lease {
public:
    virtual ~projection_lease() = default;
    virtual net::awaitable<bool> take(std::int64_t session_id) = 0;
    virtual net::awaitable<lease_renewal> renew(std::int64_t session_id) = 0;
    virtual net::awaitable<void> release(std::int64_t session_id) = 0;
    // The pause flag every replica's projectors share (it survives a takeover).
    virtual net::awaitable<void> set_paused(std::int64_t session_id, bool paused) = 0;
    // The renewal, then the frame's `frames.publish_next` only while held and not paused, as
    // one atomic step: a store may do both in one round trip (the frame loop's steady state is
    // then 2 round trips per frame, not 3); this default takes two.
    virtual net::awaitable<renewed_publication> renew_and_publish(std::int64_t session_id, published_frame frame,
                                                                  frame_channel& frames);
};

// The round a real frame shows (decoys carry none).
struct frame_round {
    std::int64_t user_id = 0;
    int round = 0;
    std::string nonce; // base64url, as record_showing stored it
};

// A frame as the leader publishes it to every replica.
struct published_frame {
    std::int64_t seq = 0;
    int width = 0;
    std::string modules; // standard base64 of the packed bitmap
    std::int64_t sent_at_ms = 0;
    std::optional<frame_round> round;
    // On the subscriber's side: the projectors' {type:"frame", ...} message as the leader
    // wrote it (sent as it is); empty when only width and modules came.
    std::string client_message;
};

// Frames out of the leader: the session's seq (shared by every replica, so a takeover
// never repeats one) and the publication.
class frame_channel {
public:
    virtual ~frame_channel() = default;
    // The next seq; nullopt when the store answered something else than a number.
    virtual net::awaitable<std::optional<std::int64_t>> next_seq(std::int64_t session_id) = 0;
    virtual net::awaitable<void> publish(std::int64_t session_id, published_frame frame) = 0;
    // Both in one go (frame.seq is set here): the seq, or nullopt as next_seq. A store may do
    // it in one round trip; this default takes two.
    virtual net::awaitable<std::optional<std::int64_t>> publish_next(std::int64_t session_id, published_frame frame) {
        const auto seq = co_await next_seq(session_id);
        if (!seq) co_return std::nullopt;
        frame.seq = *seq;
        co_await publish(session_id, std::move(frame));
        co_return seq;
    }
};

inline net::awaitable<renewed_publication> projection_lease::renew_and_publish(std::int64_t session_id,
                                                                               published_frame frame,
                                                                               frame_channel& frames) {
    renewed_publication out;
    out.renewal = co_await renew(session_id);
    if (!out.renewal.held || out.renewal.paused) co_return out;
    out.seq = co_await frames.publish_next(session_id, std::move(frame));
    co_return out;
}

// A QR code's modules, packed row-major, one bit per module, MSB first, rows padded to a byte.
struct qr_image {
    int width = 0;
    std::vector<std::uint8_t> packed;
};

class qr_renderer {
public:
    virtual ~qr_renderer() = default;
    virtual qr_image render(std::string_view text) const = 0;
};

struct progress_counts {
    std::int64_t registered = 0;
    std::int64_t completed = 0;
    std::int64_t pending() const noexcept { return registered - completed; }
};

class progress_counter {
public:
    virtual ~progress_counter() = default;
    virtual net::awaitable<progress_counts> counts(std::int64_t session_id) = 0;
};

// What the frame loop asks of the class loop (session_service + attendance_service in
// production; see class_loop_rounds in projection_service.hpp).
class projection_rounds {
public:
    virtual ~projection_rounds() = default;
    // "active", "closed", ...
    virtual net::awaitable<std::string> session_status(std::int64_t session_id) = 0;
    // Rebuilds the states and rounds Valkey lost; how many were rebuilt.
    virtual net::awaitable<int> restore(std::int64_t session_id) = 0;
    // The student's state (rebuilt when lost); throws when the student cannot be shown.
    virtual net::awaitable<student_state> state_of(std::int64_t session_id, std::int64_t user_id) = 0;
};

// --- the fan-out's side (transport/projection) -------------------------------------------

struct projection_event {
    enum class kind { progress, closed };
    kind type = kind::progress;
    std::string summary_json = "{}"; // closed: the class loop's summary (a JSON object)
};

// Every replica with projectors of a session listens to its frames and events.
class projection_feed {
public:
    struct handlers {
        std::function<void(std::int64_t session_id, const published_frame&)> frame;
        std::function<void(std::int64_t session_id, const projection_event&)> event;
    };
    virtual ~projection_feed() = default;
    virtual void start(handlers h) = 0;
    virtual void stop() = 0;
    virtual void subscribe(std::int64_t session_id) = 0;
    virtual void unsubscribe(std::int64_t session_id) = 0;
};

// An authenticated projector connection (ws:auth:{id}, member of ws:projection:{sid}).
struct projector_registration {
    std::string connection_id;
    std::int64_t session_id = 0;
    std::int64_t user_id = 0;
    std::string username;
    std::string role;
    std::int64_t authenticated_at_ms = 0;
};

class projector_registry {
public:
    virtual ~projector_registry() = default;
    // Writes (not just renews) every registration, so they come back after a Valkey restart.
    virtual net::awaitable<void> put(std::vector<projector_registration> registrations) = 0;
    virtual net::awaitable<void> remove(std::int64_t session_id, std::string connection_id) = 0;
};

} // namespace asistencia::application::attendance
