// The projection WebSocket: sessions, authentication, bounded queues and the fan-out; see
// projection_hub.hpp and docs/projection.md. The frame loop's rules live in
// application/attendance/projection_service; this file only schedules its ticks.
// Everything runs on the io_context's one thread: no locks. Each projector has one reader
// (the route's handler) and a bounded queue written by completion callbacks (Beast allows
// one outstanding write).
#include "asistencia/transport/projection/projection_hub.hpp"

#include "asistencia/application/errors.hpp"
#include "asistencia/domain/crypto/primitives.hpp"
#include "asistencia/domain/encoding/base64.hpp"
#include "asistencia/transport/projection/projector_messages.hpp"
#include "asistencia/transport/projection/recent_frames.hpp"
#include "asistencia/transport/projection/tick_schedule.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <optional>

namespace asistencia::transport::projection {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace att = application::attendance;
using json = nlohmann::json;
using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
constexpr auto auth_renew_interval = 20s;     // ws:auth TTL is 60 s
constexpr std::size_t first_read_limit = 64;  // bytes a waiting read holds (see handle)
constexpr std::size_t rest_read_limit = 1536; // Beast's own frame read size

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string random_id() { return domain::encoding::base64url_encode(domain::crypto::random_bytes(16)); }

std::optional<std::int64_t> parse_id(std::string_view s) {
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size() || v <= 0 || v > UINT32_MAX) return std::nullopt;
    return v;
}

} // namespace

// One projector connection. Its writes are callbacks, not a writer coroutine: an idle
// projector then holds no coroutine frame and no pending timer wait of its own besides the
// reader's (memory per connection, docs/performance.md "Projectors").
struct projector {
    projector(http::websocket_stream& s, std::int64_t sid, net::any_io_executor ex)
        : ws(s), session_id(sid), id(random_id()), timer(ex) {}

    http::websocket_stream& ws;
    std::int64_t session_id;
    std::string id;
    // A vector, not a std::deque: libstdc++'s deque holds a 512-byte node even when empty,
    // and a projector's queue is empty between frames (bounded by write_queue_limit).
    std::vector<std::string> queue;
    std::string in_flight; // the message being written (stable while the queue grows)
    // The auth deadline until authenticated; at the end, the reader's wait for the last write.
    net::steady_timer timer;
    bool writing = false; // a write or the close is in flight
    bool authenticated = false;
    bool finished = false;                             // the reader ended
    bool dead = false;                                 // the socket failed or was dropped
    std::optional<websocket::close_reason> close_with; // sent after what is queued
    std::optional<std::int64_t> offset_ms;             // server clock − projector clock (see docs)
    domain::tokens::user_claims user;
    std::int64_t authenticated_at_ms = 0;
    steady::time_point window_start{}; // the per-connection message limit's current second
    int window_messages = 0;
};

// This replica's view of a session with local projectors.
struct local_session {
    local_session(att::frame_loop l, std::size_t recent_capacity) : loop(std::move(l)), recent(recent_capacity) {}

    att::frame_loop loop; // the use case; it leads only while this process holds the lease
    std::vector<std::shared_ptr<projector>> projectors;
    recent_frames_ring recent; // the frames a `shown` may still refer to
    std::int64_t last_seq = 0;
    bool driver_running = false;
    bool ended = false;
};

namespace {

// A driver's tick slot for as long as the driver runs.
struct slot_held {
    explicit slot_held(tick_slots& slots) : slots(slots), index(slots.take()) {}
    ~slot_held() { slots.give_back(index); }
    slot_held(const slot_held&) = delete;
    slot_held& operator=(const slot_held&) = delete;
    tick_slots& slots;
    std::size_t index;
};

} // namespace

struct projection_hub::impl : std::enable_shared_from_this<impl> {
    impl(net::any_io_executor ex, projection_settings s, const auth::authenticator& auth,
         att::session_service& sessions, att::projection_service& projection, att::projector_registry& registry,
         att::projection_feed& feed, http::metrics_registry& metrics)
        : ex_(ex),
          settings_(std::move(s)),
          auth_(auth),
          sessions_(sessions),
          projection_(projection),
          registry_(registry),
          feed_(feed),
          projectors_gauge_(metrics
                                .add_gauge("asistencia_projection_projectors",
                                           "Projector WebSockets connected and authenticated on this process.")
                                .with({})),
          frames_(metrics
                      .add_counter("asistencia_projection_frames_rendered_total",
                                   "Frames sealed and rendered by the frame loops this process leads.")
                      .with({})),
          frame_seconds_(metrics
                             .add_histogram("asistencia_projection_frame_seconds",
                                            "Seal + QR render + base64 time of one frame (CPU per frame).", {},
                                            {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05})
                             .with({})),
          slow_(metrics
                    .add_counter("asistencia_projection_slow_consumers_total",
                                 "Projectors disconnected because their write queue was full.")
                    .with({})),
          takeovers_(metrics
                         .add_counter("asistencia_projection_lease_takeovers_total",
                                      "Times this process took a session's frame-loop lease.")
                         .with({})) {}

    // ---- the route
    net::awaitable<void> authorize(const http::request_context& ctx) const {
        const auto origin = ctx.request[beast::http::field::origin];
        const bool allowed = std::any_of(settings_.allowed_origins.begin(), settings_.allowed_origins.end(),
                                         [&](const std::string& o) { return o == origin; });
        if (!allowed) throw application::forbidden("origin_not_allowed", "this origin may not project");
        if (!parse_id(ctx.param("sessionId"))) {
            throw application::not_found("not_found", "no such session");
        }
        // Every upgrade is unauthenticated (the token comes as the first message): a budget
        // per client address keeps a flood of sockets waiting for auth bounded.
        if (settings_.limits) {
            // (The subject goes through a variable: GCC 12 mishandles a conditional's
            // temporaries inside a co_await expression.)
            beast::error_code ec;
            std::string subject = ctx.remote.address().to_string(ec);
            if (ec) subject = "unknown";
            co_await settings_.limits->check(settings_.limits->ws_upgrades, std::move(subject));
        }
    }
    // True while the connection is within its messages per second; past it the projector is
    // closed (a page sends a few pings and one `shown` per frame).
    bool within_message_limit(projector& p) {
        const int limit = settings_.limits ? settings_.limits->projector_messages_per_second : 0;
        if (limit <= 0) return true;
        const auto now = steady::now();
        if (now - p.window_start >= std::chrono::seconds(1)) {
            p.window_start = now;
            p.window_messages = 0;
        }
        return ++p.window_messages <= limit;
    }

    net::awaitable<websocket::close_reason> handle(http::websocket_stream& ws, http::request_context& ctx) {
        auto self = shared_from_this();
        const auto sid = *parse_id(ctx.param("sessionId"));
        auto p = std::make_shared<projector>(ws, sid, ex_);
        beast::error_code opt_ec;
        beast::get_lowest_layer(ws).socket().set_option(
            net::socket_base::send_buffer_size(settings_.socket_send_buffer), opt_ec);
        start_auth_deadline(p);
        try {
            co_await authenticate_by_cookie(p, ctx);
        } catch (const std::exception& e) {
            spdlog::warn("projection {}: cookie authentication failed: {}", sid, e.what());
        }

        beast::flat_buffer buf;
        for (;;) {
            buf.clear();
            // The auth message (a JWT) is the largest a projector sends: its capacity need
            // not stay with every idle connection.
            if (buf.capacity() > 512) buf.shrink_to_fit();
            // Beast's async_read allocates the first frame's 1,536 bytes before any byte
            // arrives, i.e. for every idle projector; a first read of at most 64 bytes (a
            // ping or a `shown` fits) holds 64. The rest of a longer message follows;
            // read_message_max still bounds the whole message.
            auto [ec, n] = co_await ws.async_read_some(buf, first_read_limit, use_tuple);
            while (!ec && !ws.is_message_done()) {
                auto [more_ec, more] = co_await ws.async_read_some(buf, rest_read_limit, use_tuple);
                ec = more_ec;
            }
            if (ec) break;
            if (p->close_with || p->dead || !ws.got_text()) continue; // draining until the close completes
            if (!within_message_limit(*p)) {
                spdlog::warn("projection {}: projector {} over {} messages/s: closed", sid, p->id,
                             settings_.limits->projector_messages_per_second);
                close(p, websocket::close_code::policy_error, "rate_limited");
                continue;
            }
            const auto msg = parse_projector_message(beast::buffers_to_string(buf.data()));
            try {
                if (!p->authenticated) {
                    co_await authenticate(p, msg);
                } else {
                    co_await on_message(p, msg);
                }
            } catch (const std::exception& e) {
                spdlog::warn("projection {}: message failed: {}", sid, e.what());
            }
        }
        p->finished = true;
        p->timer.cancel(); // the auth deadline, if still pending
        pump(p);           // what is queued is still written, then the close (if any)
        if (p->authenticated) co_await unregister(p);
        // The stream must outlive the write or close in flight.
        while (p->writing) {
            p->timer.expires_at(steady::time_point::max());
            co_await p->timer.async_wait(use_tuple);
        }
        p->dead = true; // the stream is the server's again: nothing more is written to it
        co_return p->close_with.value_or(websocket::close_reason{websocket::close_code::normal});
    }

    // A timer, not a coroutine: nothing of it stays once the projector is in (admit cancels it).
    void start_auth_deadline(const std::shared_ptr<projector>& p) {
        p->timer.expires_after(settings_.auth_timeout);
        p->timer.async_wait([self = shared_from_this(), p](const beast::error_code& ec) {
            if (ec || p->authenticated || p->finished) return;
            self->close(p, websocket::close_code::policy_error, "authentication timeout");
        });
    }

    // The connection ends after what is queued: the close frame follows the last write.
    void close(const std::shared_ptr<projector>& p, websocket::close_code code, std::string reason) {
        if (p->close_with || p->dead) return;
        websocket::close_reason r{code};
        r.reason = reason;
        p->close_with = std::move(r);
        pump(p);
    }

    void send(const std::shared_ptr<projector>& p, std::string message) {
        if (p->dead || p->close_with || p->finished) return;
        if (p->queue.size() >= settings_.write_queue_limit) {
            // Never buffer without bound: a projector that does not keep up is dropped.
            spdlog::warn("projection {}: projector {} does not keep up ({} messages queued): disconnected",
                         p->session_id, p->id, p->queue.size());
            slow_.inc();
            p->dead = true;
            p->queue.clear();
            beast::error_code ec;
            beast::get_lowest_layer(p->ws).socket().close(ec);
            return; // the write in flight fails and ends the writes
        }
        p->queue.push_back(std::move(message));
        pump(p);
    }

    // The writes (Beast allows one outstanding write): the next queued message, else the
    // close once asked for. Each completion calls it again; when nothing is left in flight
    // and the reader has finished, it wakes the reader's wait for the last write.
    void pump(const std::shared_ptr<projector>& p) {
        if (p->writing) return;
        if (!p->dead && !p->queue.empty()) {
            p->in_flight = std::move(p->queue.front());
            p->queue.erase(p->queue.begin());
            p->writing = true;
            p->ws.text(true);
            p->ws.async_write(net::buffer(p->in_flight), [this, p](const beast::error_code& ec, std::size_t) {
                p->writing = false;
                std::string().swap(p->in_flight); // a frame's 1.5 KiB is not kept between frames
                if (ec) p->dead = true;
                pump(p);
            });
            return;
        }
        if (!p->dead && p->close_with && p->ws.is_open()) {
            p->writing = true;
            p->ws.async_close(*p->close_with, [this, p](const beast::error_code&) {
                p->writing = false;
                p->dead = true; // closed: nothing more is written
                pump(p);
            });
            return;
        }
        if (p->finished) p->timer.cancel();
    }

    net::awaitable<void> authenticate(std::shared_ptr<projector> p, const projector_message& msg) {
        const auto* auth = std::get_if<auth_message>(&msg);
        if (auth == nullptr) {
            close(p, websocket::close_code::policy_error, "authentication required");
            co_return;
        }
        try {
            p->user = auth_.professor("Bearer " + auth->token);
        } catch (const application::error& e) {
            close(p, websocket::close_code::policy_error,
                  e.kind() == application::errc::unauthenticated ? "invalid token" : "not allowed");
            co_return;
        }
        co_await admit(p);
    }

    // The upgrade request's app-session cookie (docs/projection.md): a professor's live
    // session authenticates the projector at once; anything else leaves the auth message.
    net::awaitable<void> authenticate_by_cookie(std::shared_ptr<projector> p, const http::request_context& ctx) {
        if (!ctx.cookie.present || !ctx.cookie.user || ctx.cookie.refusal) co_return;
        if (ctx.cookie.user->role != domain::tokens::user_role::profesor) co_return;
        p->user = *ctx.cookie.user;
        co_await admit(p);
    }

    // p->user is a professor: the session must be theirs and active; then register.
    net::awaitable<void> admit(std::shared_ptr<projector> p) {
        const auto sid = p->session_id;
        try {
            const auto s = co_await sessions_.get(p->user.user_id, sid);
            if (s.status != "active") {
                close(p, websocket::close_code::policy_error, "session not active");
                co_return;
            }
        } catch (const application::error& e) {
            close(p, websocket::close_code::policy_error,
                  e.kind() == application::errc::unauthenticated ? "invalid token"
                  : application::is_server_fault(e)              ? "try again later"
                                                                 : "not allowed");
            co_return;
        }
        if (p->close_with || p->finished) co_return; // the deadline passed meanwhile
        p->authenticated_at_ms = now_ms();
        std::vector<att::projector_registration> regs{registration(*p)};
        try {
            co_await registry_.put(std::move(regs));
        } catch (const std::exception& e) {
            spdlog::warn("projection {}: cannot register projector: {}", sid, e.what());
            close(p, websocket::close_code::try_again_later, "try again later");
            co_return;
        }
        if (p->close_with || p->finished) { // gone while registering
            p->authenticated = true;
            co_return;
        }
        p->authenticated = true;
        p->timer.cancel(); // the auth deadline: its wait and handler are freed now
        projectors_gauge_.inc();
        auto& ls = session(sid);
        ls.projectors.push_back(p);
        ls.loop.request_progress(); // the first counts right away
        send(p, json{{"type", "ready"},
                     {"sessionId", sid},
                     {"serverTime", now_ms()},
                     {"frameIntervalMs", settings_.frame_interval.count()}}
                    .dump());
        if (!ls.driver_running) start_driver(ls);
    }

    // ws:auth:{id} and the membership in ws:projection:{sid}: written at authentication and
    // re-written every 20 s, so they come back after a Valkey restart.
    static att::projector_registration registration(const projector& p) {
        att::projector_registration r;
        r.connection_id = p.id;
        r.session_id = p.session_id;
        r.user_id = p.user.user_id;
        r.username = p.user.username;
        r.role = std::string(domain::tokens::to_string(p.user.role));
        r.authenticated_at_ms = p.authenticated_at_ms;
        return r;
    }

    net::awaitable<void> unregister(std::shared_ptr<projector> p) {
        const auto sid = p->session_id;
        if (const auto it = sessions_map_.find(sid); it != sessions_map_.end()) {
            auto& v = it->second->projectors;
            const auto before = v.size();
            v.erase(std::remove(v.begin(), v.end(), p), v.end());
            if (v.size() != before) projectors_gauge_.dec();
            // A running driver forgets the session itself when it stops; an ended one
            // (closed session) has no driver left to do it.
            if (v.empty() && !it->second->driver_running) forget(sid);
        }
        try {
            co_await registry_.remove(sid, p->id);
        } catch (const std::exception& e) {
            spdlog::warn("projection {}: projector {} not removed from Valkey: {}", sid, p->id, e.what());
        }
    }

    net::awaitable<void> on_message(std::shared_ptr<projector> p, const projector_message& msg) {
        const auto sid = p->session_id;
        if (const auto* ping = std::get_if<ping_message>(&msg)) {
            const auto received = now_ms();
            // serverReceive − t = offset + the ping's one-way delay: the minimum over the
            // pings is the tightest upper bound of the offset. t is bounded by the parser.
            const auto sample = received - ping->t;
            if (!p->offset_ms || sample < *p->offset_ms) p->offset_ms = sample;
            send(p, json{{"type", "pong"}, {"t", ping->t}, {"serverTime", received}}.dump());
        } else if (const auto* shown_msg = std::get_if<shown_message>(&msg)) {
            if (!p->offset_ms) co_return; // no pings yet: the send time stands
            const auto it = sessions_map_.find(sid);
            if (it == sessions_map_.end()) co_return;
            auto* f = it->second->recent.find(shown_msg->seq);
            if (f == nullptr || f->shown) co_return; // a decoy, too old, or done
            const auto now = now_ms();
            if (now - f->sent_at_ms > shown_window_ms) co_return; // late: the send time stands
            const auto shown = std::clamp(shown_msg->at + *p->offset_ms, f->sent_at_ms, now);
            f->shown = true;
            auto round = recent_frames_ring::round_of(*f);
            co_await projection_.record_shown(sid, std::move(round), shown);
        } else if (std::holds_alternative<pause_message>(msg)) {
            co_await projection_.pause(sid);
        } else if (std::holds_alternative<resume_message>(msg)) {
            co_await projection_.resume(sid);
        }
    }

    // ---- sessions with local projectors
    local_session& session(std::int64_t sid) {
        auto& ls = sessions_map_[sid];
        if (!ls) {
            ls = std::make_shared<local_session>(projection_.loop(sid),
                                                 recent_frames_ring::capacity_for(settings_.frame_interval));
            feed_.subscribe(sid);
        }
        return *ls;
    }

    void forget(std::int64_t sid) {
        sessions_map_.erase(sid);
        feed_.unsubscribe(sid);
    }

    void start_driver(local_session& ls) {
        ls.driver_running = true;
        net::co_spawn(ex_, drive(sessions_map_[ls.loop.session_id()]), net::detached);
    }

    void broadcast(local_session& ls, std::string message) {
        // send() may drop a projector, but never erases from the vector. The last one takes
        // the message itself (one projector per session is the common case: no copy).
        const auto n = ls.projectors.size();
        for (std::size_t i = 0; i + 1 < n; ++i) send(ls.projectors[i], message);
        if (n > 0) send(ls.projectors[n - 1], std::move(message));
    }

    void end_session(local_session& ls, const json& summary) {
        ls.ended = true;
        const auto msg = json{{"type", "closed"}, {"summary", summary}}.dump();
        for (const auto& p : ls.projectors) {
            send(p, msg);
            close(p, websocket::close_code::normal, "session closed");
        }
    }

    // ---- the fan-out: every replica with projectors of the session
    void on_frame(std::int64_t sid, const att::published_frame& f) {
        const auto it = sessions_map_.find(sid);
        if (it == sessions_map_.end()) return;
        auto& ls = *it->second;
        // seq restarts from 1 when Valkey lost projection:seq: forget the old showings.
        if (f.seq <= ls.last_seq) ls.recent.clear();
        ls.last_seq = f.seq;
        if (f.round && !ls.recent.put(f.seq, *f.round, f.sent_at_ms)) {
            spdlog::warn("projection {}: frame {} has a malformed nonce: its `shown` is ignored", sid, f.seq);
        }
        if (ls.ended) return;
        if (!f.client_message.empty()) { // the leader wrote the projectors' message: a copy
            broadcast(ls, f.client_message);
            return;
        }
        broadcast(ls,
                  json{{"type", "frame"}, {"seq", f.seq}, {"qr", {{"width", f.width}, {"modules", f.modules}}}}.dump());
    }

    void on_event(std::int64_t sid, const att::projection_event& e) {
        const auto it = sessions_map_.find(sid);
        if (it == sessions_map_.end()) return;
        auto& ls = *it->second;
        if (e.type == att::projection_event::kind::progress) {
            ls.loop.request_progress();
        } else if (!ls.ended) {
            auto summary = json::parse(e.summary_json, nullptr, false);
            if (summary.is_discarded()) summary = json::object();
            end_session(ls, summary);
        }
    }

    // ---- the per-session driver: on every replica with local projectors, one tick of the
    // use case's frame loop every FRAME_INTERVAL_MS (it leads only while holding the lease).
    net::awaitable<void> drive(std::shared_ptr<local_session> ls) {
        auto self = shared_from_this();
        const auto sid = ls->loop.session_id();
        net::steady_timer timer(ex_);
        const slot_held slot(tick_slots_);
        tick_schedule schedule(settings_.frame_interval, tick_slots_.phase_of(slot.index));
        // A random first renewal: drivers started together do not all renew in one tick.
        const auto r16 = domain::crypto::random_bytes(2);
        const auto renew_ms = std::chrono::duration_cast<std::chrono::milliseconds>(auth_renew_interval).count();
        const auto first_renew = std::chrono::milliseconds(1 + ((r16[0] << 8) | r16[1]) % renew_ms);
        auto next_auth_renew = steady::now() + first_renew;
        while (!ls->projectors.empty() && !ls->ended && !stopping_) {
            const auto tick = steady::now();
            const att::loop_clock clock{tick, now_ms()};
            const auto r = co_await ls->loop.tick(clock);
            if (r.took_lease) takeovers_.inc();
            if (r.frame != att::frame_kind::none) {
                frames_.inc();
                frame_seconds_.observe(std::chrono::duration<double>(r.render_cpu).count());
            }
            if (r.ended_status) {
                end_session(*ls, json{{"status", *r.ended_status}});
                break;
            }
            if (r.progress) {
                broadcast(*ls, json{{"type", "progress"},
                                    {"registered", r.progress->registered},
                                    {"completed", r.progress->completed},
                                    {"pending", r.progress->pending()}}
                                   .dump());
            }
            if (!r.failure && tick >= next_auth_renew) {
                next_auth_renew = tick + auth_renew_interval;
                co_await renew_registrations(*ls);
            }
            timer.expires_at(schedule.next(steady::now()));
            co_await timer.async_wait(use_tuple);
        }
        co_await ls->loop.finish();
        ls->driver_running = false;
        if (ls->projectors.empty()) {
            const auto it = sessions_map_.find(sid);
            if (it != sessions_map_.end() && it->second == ls) forget(sid);
        } else if (!ls->ended && !stopping_) {
            start_driver(*ls); // a projector arrived while the lease was being released
        }
    }

    net::awaitable<void> renew_registrations(local_session& ls) {
        std::vector<att::projector_registration> regs;
        for (const auto& p : ls.projectors) regs.push_back(registration(*p));
        try {
            co_await registry_.put(std::move(regs));
        } catch (const std::exception& e) {
            spdlog::warn("projection {}: projectors not re-registered: {}", ls.loop.session_id(), e.what());
        }
    }

    void start() {
        att::projection_feed::handlers h;
        h.frame = [this](std::int64_t sid, const att::published_frame& f) { on_frame(sid, f); };
        h.event = [this](std::int64_t sid, const att::projection_event& e) { on_event(sid, e); };
        feed_.start(std::move(h));
    }

    void stop() {
        stopping_ = true;
        feed_.stop();
    }

    net::any_io_executor ex_;
    projection_settings settings_;
    const auth::authenticator& auth_;
    att::session_service& sessions_;
    att::projection_service& projection_;
    att::projector_registry& registry_;
    att::projection_feed& feed_;
    std::map<std::int64_t, std::shared_ptr<local_session>> sessions_map_;
    tick_slots tick_slots_{settings_.frame_interval};
    bool stopping_ = false;
    http::gauge& projectors_gauge_;
    http::counter& frames_;
    http::histogram& frame_seconds_;
    http::counter& slow_;
    http::counter& takeovers_;
};

projection_hub::projection_hub(net::any_io_executor ex, projection_settings settings, const auth::authenticator& auth,
                               att::session_service& sessions, att::projection_service& projection,
                               att::projector_registry& registry, att::projection_feed& feed,
                               http::metrics_registry& metrics)
    : impl_(std::make_shared<impl>(ex, std::move(settings), auth, sessions, projection, registry, feed, metrics)) {}

projection_hub::~projection_hub() { impl_->stop(); }

void projection_hub::attach(http::server& server) {
    auto self = impl_;
    server.add_websocket_route(
        "/ws/projection/:sessionId",
        [self](http::websocket_stream& ws, http::request_context& ctx) { return self->handle(ws, ctx); },
        [self](const http::request_context& ctx) { return self->authorize(ctx); });
    impl_->start();
}

void projection_hub::stop() { impl_->stop(); }

} // namespace asistencia::transport::projection
