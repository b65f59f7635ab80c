// The projection WebSocket and the frame loop; see projection_hub.hpp and docs/projection.md.
// Everything runs on the io_context's one thread: no locks. Each projector has one reader
// (the route's handler) and one writer coroutine (Beast allows one outstanding write),
// joined by a bounded queue.
#include "asistencia/transport/projection/projection_hub.hpp"

#include "asistencia/application/errors.hpp"
#include "asistencia/domain/crypto/primitives.hpp"
#include "asistencia/domain/crypto/protocol_keys.hpp"
#include "asistencia/domain/crypto/qr_payload.hpp"
#include "asistencia/domain/crypto/totp.hpp"
#include "asistencia/domain/encoding/base64.hpp"
#include "asistencia/infra/qr/qr_renderer.hpp"
#include "asistencia/transport/projection/projector_messages.hpp"

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
#include <charconv>
#include <cstring>
#include <deque>
#include <map>
#include <optional>

namespace asistencia::transport::projection {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace att = application::attendance;
namespace crypto = domain::crypto;
using json = nlohmann::json;
using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
constexpr std::size_t recent_frames = 64; // seq -> showing, for `shown` messages
constexpr auto auth_renew_interval = 20s; // ws:auth TTL is 60 s
constexpr std::int64_t shown_window_ms = 1000;

// Compare-and-pexpire / compare-and-del: only the holder's token renews or releases.
constexpr const char* lua_renew = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
)lua";
constexpr const char* lua_release = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua";

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string random_id() { return domain::encoding::base64url_encode(crypto::random_bytes(16)); }

std::uint64_t random_u64() {
    const auto b = crypto::random_bytes(8);
    std::uint64_t v = 0;
    for (auto x : b) v = (v << 8) | x;
    return v;
}

// A uniformly random index in [0, n) (rejection sampling: no modulo bias).
std::size_t random_index(std::size_t n) {
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    for (;;) {
        const auto v = random_u64();
        if (v < limit) return static_cast<std::size_t>(v % n);
    }
}

std::optional<std::int64_t> parse_id(std::string_view s) {
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size() || v <= 0 || v > UINT32_MAX) return std::nullopt;
    return v;
}

std::optional<std::int64_t> json_int(const json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end()) return std::nullopt;
    if (it->is_number_integer()) return it->get<std::int64_t>();
    if (it->is_number_float()) {
        const double d = it->get<double>();
        if (d > -9e15 && d < 9e15) return static_cast<std::int64_t>(d);
    }
    return std::nullopt;
}

struct frame_info {
    std::int64_t user_id = 0;
    int round = 0;
    std::string nonce;
    std::int64_t sent_at_ms = 0;
    bool shown = false;
};

} // namespace

// One projector connection.
struct projector {
    projector(http::websocket_stream& s, std::int64_t sid, net::any_io_executor ex)
        : ws(s), session_id(sid), id(random_id()), wake(ex), writer_done(ex) {}

    http::websocket_stream& ws;
    std::int64_t session_id;
    std::string id;
    std::deque<std::string> queue;
    net::steady_timer wake;        // cancelled to wake the writer
    net::steady_timer writer_done; // cancelled when the writer exits
    bool writer_exited = false;
    bool authenticated = false;
    bool finished = false;                             // the reader ended
    bool dead = false;                                 // the socket failed or was dropped
    std::optional<websocket::close_reason> close_with; // the writer closes after flushing
    std::optional<std::int64_t> offset_ms;             // server clock − projector clock (see docs)
    domain::tokens::user_claims user;
    std::string auth_json;             // ws:auth:{id}, re-written on renewal (Valkey may have restarted)
    steady::time_point window_start{}; // the per-connection message limit's current second
    int window_messages = 0;
};

// This replica's view of a session with local projectors.
struct local_session {
    std::int64_t session_id = 0;
    std::vector<std::shared_ptr<projector>> projectors;
    std::map<std::int64_t, frame_info> recent;
    std::int64_t last_seq = 0;
    bool driver_running = false;
    bool ended = false;
    bool progress_due = false;
    steady::time_point last_progress{};
    crypto::bytes totps_secret;
};

struct projection_hub::impl : std::enable_shared_from_this<impl> {
    impl(net::any_io_executor ex, projection_settings s, infra::valkey::client& kv,
         infra::valkey::settings sub_settings, const auth::authenticator& auth, att::session_service& sessions,
         att::attendance_service& attendance, att::attendance_store& records, att::round_store& rounds,
         http::metrics_registry& metrics)
        : ex_(ex),
          settings_(std::move(s)),
          kv_(kv),
          auth_(auth),
          sessions_(sessions),
          attendance_(attendance),
          records_(records),
          rounds_(rounds),
          token_(random_id()),
          sub_(ex, std::move(sub_settings),
               [this](const std::string& channel, const std::string& message) { on_pubsub(channel, message); }),
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

    // ---- keys and channels
    std::string frames_channel(std::int64_t sid) const {
        return kv_.keys().raw("projection:frames:" + std::to_string(sid));
    }
    std::string events_channel(std::int64_t sid) const {
        return kv_.keys().raw("projection:events:" + std::to_string(sid));
    }
    std::string paused_key(std::int64_t sid) const {
        return kv_.keys().raw("projection:paused:" + std::to_string(sid));
    }
    std::string seq_key(std::int64_t sid) const { return kv_.keys().raw("projection:seq:" + std::to_string(sid)); }

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
        net::co_spawn(ex_, run_writer(p), net::detached);
        net::co_spawn(ex_, auth_deadline(p), net::detached);
        try {
            co_await authenticate_by_cookie(p, ctx);
        } catch (const std::exception& e) {
            spdlog::warn("projection {}: cookie authentication failed: {}", sid, e.what());
        }

        beast::flat_buffer buf;
        for (;;) {
            buf.clear();
            auto [ec, n] = co_await ws.async_read(buf, use_tuple);
            if (ec) break;
            if (p->close_with || p->dead || !ws.got_text()) continue; // draining until the close completes
            if (!within_message_limit(*p)) {
                spdlog::warn("projection {}: projector {} over {} messages/s: closed", sid, p->id,
                             settings_.limits->projector_messages_per_second);
                close(*p, websocket::close_code::policy_error, "rate_limited");
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
        p->wake.cancel();
        if (p->authenticated) co_await unregister(p);
        while (!p->writer_exited) {
            p->writer_done.expires_at(steady::time_point::max());
            co_await p->writer_done.async_wait(use_tuple);
        }
        co_return p->close_with.value_or(websocket::close_reason{websocket::close_code::normal});
    }

    net::awaitable<void> auth_deadline(std::shared_ptr<projector> p) {
        net::steady_timer t(ex_);
        t.expires_after(settings_.auth_timeout);
        co_await t.async_wait(use_tuple);
        if (!p->authenticated && !p->finished) close(*p, websocket::close_code::policy_error, "authentication timeout");
    }

    // The connection ends after what is queued: the writer sends the close frame.
    void close(projector& p, websocket::close_code code, std::string reason) {
        if (p.close_with || p.dead) return;
        websocket::close_reason r{code};
        r.reason = std::move(reason);
        p.close_with = std::move(r);
        p.wake.cancel();
    }

    void send(projector& p, std::string message) {
        if (p.dead || p.close_with || p.finished) return;
        if (p.queue.size() >= settings_.write_queue_limit) {
            // Never buffer without bound: a projector that does not keep up is dropped.
            spdlog::warn("projection {}: projector {} does not keep up ({} messages queued): disconnected",
                         p.session_id, p.id, p.queue.size());
            slow_.inc();
            p.dead = true;
            p.queue.clear();
            beast::error_code ec;
            beast::get_lowest_layer(p.ws).socket().close(ec);
            p.wake.cancel();
            return;
        }
        p.queue.push_back(std::move(message));
        p.wake.cancel();
    }

    net::awaitable<void> run_writer(std::shared_ptr<projector> p) {
        for (;;) {
            while (!p->queue.empty() && !p->dead) {
                const std::string msg = std::move(p->queue.front());
                p->queue.pop_front();
                p->ws.text(true);
                auto [ec, n] = co_await p->ws.async_write(net::buffer(msg), use_tuple);
                if (ec) p->dead = true;
            }
            if (p->dead) break;
            if (p->close_with) {
                if (p->ws.is_open()) co_await p->ws.async_close(*p->close_with, use_tuple);
                break;
            }
            if (p->finished) break;
            p->wake.expires_at(steady::time_point::max());
            co_await p->wake.async_wait(use_tuple);
        }
        p->writer_exited = true;
        p->writer_done.cancel();
    }

    net::awaitable<void> authenticate(std::shared_ptr<projector> p, const projector_message& msg) {
        const auto* auth = std::get_if<auth_message>(&msg);
        if (auth == nullptr) {
            close(*p, websocket::close_code::policy_error, "authentication required");
            co_return;
        }
        try {
            p->user = auth_.professor("Bearer " + auth->token);
        } catch (const application::error& e) {
            close(*p, websocket::close_code::policy_error,
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
                close(*p, websocket::close_code::policy_error, "session not active");
                co_return;
            }
        } catch (const application::error& e) {
            close(*p, websocket::close_code::policy_error,
                  e.kind() == application::errc::unauthenticated ? "invalid token"
                  : application::is_server_fault(e)              ? "try again later"
                                                                 : "not allowed");
            co_return;
        }
        if (p->close_with || p->finished) co_return; // the deadline passed meanwhile
        const json who{{"userId", p->user.user_id},
                       {"username", p->user.username},
                       {"rol", std::string(domain::tokens::to_string(p->user.role))},
                       {"authenticated_at", now_ms()}};
        p->auth_json = who.dump();
        auto cmds = registration_commands(*p);
        try {
            co_await kv_.pipeline(std::move(cmds));
        } catch (const std::exception& e) {
            spdlog::warn("projection {}: cannot register projector: {}", sid, e.what());
            close(*p, websocket::close_code::try_again_later, "try again later");
            co_return;
        }
        if (p->close_with || p->finished) { // gone while registering
            p->authenticated = true;
            co_return;
        }
        p->authenticated = true;
        projectors_gauge_.inc();
        auto& ls = session(sid);
        ls.projectors.push_back(p);
        ls.progress_due = true; // the first counts right away
        send(*p, json{{"type", "ready"},
                      {"sessionId", sid},
                      {"serverTime", now_ms()},
                      {"frameIntervalMs", settings_.frame_interval.count()}}
                     .dump());
        if (!ls.driver_running) start_driver(ls);
    }

    // ws:auth:{id} and the membership in ws:projection:{sid}: written at authentication and
    // re-written (not just renewed) every 20 s, so they come back after a Valkey restart.
    std::vector<infra::valkey::command_args> registration_commands(const projector& p) const {
        const auto& keys = kv_.keys();
        return {
            {"SET", keys.ws_auth(p.id), p.auth_json, "EX", std::to_string(infra::valkey::ttl::ws_auth.count())},
            {"SADD", keys.ws_projection(p.session_id), p.id},
            {"EXPIRE", keys.ws_projection(p.session_id), std::to_string(infra::valkey::ttl::ws_projection.count())}};
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
            std::vector<infra::valkey::command_args> cmds{{"SREM", kv_.keys().ws_projection(sid), p->id},
                                                          {"DEL", kv_.keys().ws_auth(p->id)}};
            co_await kv_.pipeline(std::move(cmds));
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
            send(*p, json{{"type", "pong"}, {"t", ping->t}, {"serverTime", received}}.dump());
        } else if (const auto* shown_msg = std::get_if<shown_message>(&msg)) {
            if (!p->offset_ms) co_return; // no pings yet: the send time stands
            const auto it = sessions_map_.find(sid);
            if (it == sessions_map_.end()) co_return;
            const auto f = it->second->recent.find(shown_msg->seq);
            if (f == it->second->recent.end() || f->second.shown) co_return; // a decoy, too old, or done
            const auto now = now_ms();
            if (now - f->second.sent_at_ms > shown_window_ms) co_return; // late: the send time stands
            const auto shown = std::clamp(shown_msg->at + *p->offset_ms, f->second.sent_at_ms, now);
            f->second.shown = true;
            const auto info = f->second;
            co_await rounds_.record_shown(sid, {info.user_id, info.round}, info.nonce, shown);
        } else if (std::holds_alternative<pause_message>(msg)) {
            co_await kv_.set(paused_key(sid), "1", infra::valkey::ttl::ws_projection);
        } else if (std::holds_alternative<resume_message>(msg)) {
            co_await kv_.del(paused_key(sid));
        }
    }

    // ---- sessions with local projectors
    local_session& session(std::int64_t sid) {
        auto& ls = sessions_map_[sid];
        if (!ls) {
            ls = std::make_shared<local_session>();
            ls->session_id = sid;
            ls->totps_secret = crypto::derive_session_totps_secret(attendance_.settings().master_key, sid);
            sub_.subscribe(frames_channel(sid));
            sub_.subscribe(events_channel(sid));
        }
        return *ls;
    }

    void forget(std::int64_t sid) {
        sessions_map_.erase(sid);
        sub_.unsubscribe(frames_channel(sid));
        sub_.unsubscribe(events_channel(sid));
    }

    void start_driver(local_session& ls) {
        ls.driver_running = true;
        net::co_spawn(ex_, drive(sessions_map_[ls.session_id]), net::detached);
    }

    void broadcast(local_session& ls, const std::string& message) {
        // Copy: send() may drop a projector, but never erases from the vector.
        for (const auto& p : ls.projectors) send(*p, message);
    }

    void end_session(local_session& ls, const json& summary) {
        ls.ended = true;
        const auto msg = json{{"type", "closed"}, {"summary", summary}}.dump();
        for (const auto& p : ls.projectors) {
            send(*p, msg);
            close(*p, websocket::close_code::normal, "session closed");
        }
    }

    void on_pubsub(const std::string& channel, const std::string& message) {
        const auto frames_prefix = kv_.keys().raw("projection:frames:");
        const auto events_prefix = kv_.keys().raw("projection:events:");
        const bool is_frame = channel.starts_with(frames_prefix);
        const bool is_event = channel.starts_with(events_prefix);
        if (!is_frame && !is_event) return;
        const auto sid = parse_id(std::string_view(channel).substr((is_frame ? frames_prefix : events_prefix).size()));
        if (!sid) return;
        const auto it = sessions_map_.find(*sid);
        if (it == sessions_map_.end()) return;
        auto& ls = *it->second;
        const auto msg = json::parse(message, nullptr, false);
        if (!msg.is_object()) return;
        if (is_frame) {
            const auto seq = json_int(msg, "seq");
            if (!seq || !msg.contains("width") || !msg.contains("modules")) return;
            // seq restarts from 1 when Valkey lost projection:seq: forget the old showings.
            if (*seq <= ls.last_seq) ls.recent.clear();
            ls.last_seq = *seq;
            if (msg.contains("uid")) {
                frame_info f;
                f.user_id = msg.value("uid", std::int64_t{0});
                f.round = msg.value("round", 0);
                f.nonce = msg.value("nonce", std::string{});
                f.sent_at_ms = msg.value("sentAt", std::int64_t{0});
                ls.recent[*seq] = std::move(f);
                while (ls.recent.size() > recent_frames) ls.recent.erase(ls.recent.begin());
            }
            if (ls.ended) return;
            broadcast(
                ls,
                json{{"type", "frame"}, {"seq", *seq}, {"qr", {{"width", msg["width"]}, {"modules", msg["modules"]}}}}
                    .dump());
        } else {
            const auto type = msg.value("type", std::string{});
            if (type == "progress") {
                ls.progress_due = true;
            } else if (type == "closed" && !ls.ended) {
                end_session(ls, msg.contains("summary") ? msg["summary"] : json::object());
            }
        }
    }

    // ---- the per-session driver: on every replica with local projectors; the frame loop
    // itself only while this process holds the lease.
    net::awaitable<void> drive(std::shared_ptr<local_session> ls) {
        auto self = shared_from_this();
        const auto sid = ls->session_id;
        const auto lease_key = kv_.keys().projection_leader(sid);
        net::steady_timer timer(ex_);
        bool leader = false;
        auto next_lease_try = steady::now();
        auto next_check = steady::now();
        auto next_auth_renew = steady::now() + auth_renew_interval;
        auto last_warning = steady::time_point{};
        while (!ls->projectors.empty() && !ls->ended && !stopping_) {
            const auto tick = steady::now();
            try {
                if (!leader && tick >= next_lease_try) {
                    next_lease_try = tick + settings_.lease_attempt_interval;
                    infra::valkey::command_args take{"SET", lease_key, token_,
                                                     "NX",  "PX",      std::to_string(settings_.lease_ttl.count())};
                    const auto r = co_await kv_.command(std::move(take));
                    leader = r.text() == std::optional<std::string>("OK");
                    if (leader) {
                        takeovers_.inc();
                        spdlog::info("projection {}: this process leads the frame loop", sid);
                    }
                }
                if (tick >= next_check) {
                    next_check = tick + settings_.restore_interval;
                    const auto s = co_await sessions_.get_any(sid);
                    if (s.status != "active") {
                        end_session(*ls, json{{"status", s.status}});
                        break;
                    }
                    if (leader) {
                        const auto restored = co_await attendance_.restore_session(sid);
                        if (restored > 0) spdlog::info("projection {}: {} student states rebuilt", sid, restored);
                    }
                }
                if (leader) {
                    std::vector<infra::valkey::command_args> cmds{
                        {"EVAL", lua_renew, "1", lease_key, token_, std::to_string(settings_.lease_ttl.count())},
                        {"EXISTS", paused_key(sid)}};
                    const auto r = co_await kv_.pipeline(std::move(cmds));
                    if (r.size() != 2 || r[0].integer != 1) {
                        leader = false;
                        spdlog::warn("projection {}: lease lost", sid);
                    } else if (r[1].integer == 0) {
                        co_await produce_frame(*ls);
                    }
                }
                if (tick >= next_auth_renew) {
                    next_auth_renew = tick + auth_renew_interval;
                    std::vector<infra::valkey::command_args> cmds;
                    for (const auto& p : ls->projectors) {
                        for (auto& c : registration_commands(*p)) cmds.push_back(std::move(c));
                    }
                    if (!cmds.empty()) co_await kv_.pipeline(std::move(cmds));
                }
                if (ls->progress_due && tick - ls->last_progress >= 1s) {
                    ls->progress_due = false;
                    ls->last_progress = tick;
                    const auto recs = co_await records_.records(sid);
                    const auto completed = std::count_if(recs.begin(), recs.end(),
                                                         [](const auto& r) { return r.reg.status == "completed"; });
                    const auto registered = static_cast<std::int64_t>(recs.size());
                    broadcast(*ls, json{{"type", "progress"},
                                        {"registered", registered},
                                        {"completed", completed},
                                        {"pending", registered - completed}}
                                       .dump());
                }
            } catch (const std::exception& e) {
                if (tick - last_warning >= 5s) { // Valkey/PostgreSQL down: warn now and then
                    last_warning = tick;
                    spdlog::warn("projection {}: frame loop tick failed: {}", sid, e.what());
                }
            }
            timer.expires_at(tick + settings_.frame_interval);
            co_await timer.async_wait(use_tuple);
        }
        if (leader) {
            try {
                infra::valkey::command_args release{"EVAL", lua_release, "1", lease_key, token_};
                co_await kv_.command(std::move(release));
            } catch (const std::exception& e) {
                spdlog::warn("projection {}: lease not released (it expires by itself): {}", sid, e.what());
            }
        }
        ls->driver_running = false;
        if (ls->projectors.empty()) {
            const auto it = sessions_map_.find(sid);
            if (it != sessions_map_.end() && it->second == ls) forget(sid);
        } else if (!ls->ended && !stopping_) {
            start_driver(*ls); // a projector arrived while the lease was being released
        }
    }

    net::awaitable<void> produce_frame(local_session& ls) {
        const auto sid = ls.session_id;
        const auto pending = co_await rounds_.pending(sid);
        std::optional<att::pending_round> pick;
        std::optional<att::student_state> state;
        if (!pending.empty()) {
            pick = pending[random_index(pending.size())];
            try {
                state = co_await attendance_.state_of(sid, pick->user_id);
            } catch (const std::exception& e) {
                spdlog::debug("projection {}: user {} not shown: {}", sid, pick->user_id, e.what());
            }
        }
        std::string text;
        std::string nonce_b64;
        const auto issued = now_ms();
        steady::duration cpu{};
        if (pick && state && !state->done() && state->k_qr.size() == 32) {
            crypto::qr_payload p;
            p.session_id = static_cast<std::uint32_t>(sid);
            p.user_id = static_cast<std::uint32_t>(pick->user_id);
            p.round = static_cast<std::uint8_t>(pick->round);
            const auto nonce = crypto::random_bytes(16);
            std::copy(nonce.begin(), nonce.end(), p.nonce.begin());
            p.issued_at_ms = static_cast<std::uint64_t>(issued);
            crypto::totp_params tp;
            tp.step_seconds = attendance_.settings().totp_step_seconds;
            p.totps = crypto::totp_value_at_step(ls.totps_secret, crypto::totp_step(issued / 1000, tp), tp);
            const auto c0 = steady::now();
            text = crypto::seal_qr(p, state->k_qr);
            cpu += steady::now() - c0;
            nonce_b64 = domain::encoding::base64url_encode(nonce);
            bool recorded = co_await rounds_.record_showing(sid, *pick, nonce_b64, issued);
            if (!recorded) {
                co_await rounds_.reopen(sid, pick->user_id, pick->round);
                recorded = co_await rounds_.record_showing(sid, *pick, nonce_b64, issued);
            }
            if (!recorded) text.clear(); // the round moved on meanwhile: a decoy instead
        }
        const bool real = !text.empty();
        const auto c1 = steady::now();
        if (!real) text = crypto::decoy_qr(static_cast<std::uint32_t>(sid));
        const auto matrix = infra::qr::render_qr(text);
        const auto modules = domain::encoding::base64_encode(matrix.packed);
        cpu += steady::now() - c1;
        frames_.inc();
        frame_seconds_.observe(std::chrono::duration<double>(cpu).count());

        std::vector<infra::valkey::command_args> cmds{
            {"INCR", seq_key(sid)},
            {"EXPIRE", seq_key(sid), std::to_string(infra::valkey::ttl::ws_projection.count())}};
        const auto r = co_await kv_.pipeline(std::move(cmds));
        if (r.empty() || r[0].type != infra::valkey::reply::kind::integer) co_return;
        json frame{{"seq", r[0].integer}, {"width", matrix.width}, {"modules", modules}, {"sentAt", issued}};
        if (real) {
            frame["uid"] = pick->user_id;
            frame["round"] = pick->round;
            frame["nonce"] = nonce_b64;
        }
        co_await kv_.publish(frames_channel(sid), frame.dump());
    }

    void stop() {
        stopping_ = true;
        sub_.stop();
    }

    net::any_io_executor ex_;
    projection_settings settings_;
    infra::valkey::client& kv_;
    const auth::authenticator& auth_;
    att::session_service& sessions_;
    att::attendance_service& attendance_;
    att::attendance_store& records_;
    att::round_store& rounds_;
    std::string token_; // this process's lease token
    infra::valkey::subscriber sub_;
    std::map<std::int64_t, std::shared_ptr<local_session>> sessions_map_;
    bool stopping_ = false;
    http::gauge& projectors_gauge_;
    http::counter& frames_;
    http::histogram& frame_seconds_;
    http::counter& slow_;
    http::counter& takeovers_;
};

projection_hub::projection_hub(net::any_io_executor ex, projection_settings settings, infra::valkey::client& kv,
                               infra::valkey::settings subscriber_settings, const auth::authenticator& auth,
                               att::session_service& sessions, att::attendance_service& attendance,
                               att::attendance_store& records, att::round_store& rounds,
                               http::metrics_registry& metrics)
    : impl_(std::make_shared<impl>(ex, std::move(settings), kv, std::move(subscriber_settings), auth, sessions,
                                   attendance, records, rounds, metrics)) {}

projection_hub::~projection_hub() { impl_->stop(); }

void projection_hub::attach(http::server& server) {
    auto self = impl_;
    server.add_websocket_route(
        "/ws/projection/:sessionId",
        [self](http::websocket_stream& ws, http::request_context& ctx) { return self->handle(ws, ctx); },
        [self](const http::request_context& ctx) { return self->authorize(ctx); });
    impl_->sub_.start();
}

void projection_hub::stop() { impl_->stop(); }

} // namespace asistencia::transport::projection
