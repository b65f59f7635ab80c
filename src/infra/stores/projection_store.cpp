// The projection's Valkey ports; see projection_store.hpp and docs/projection.md.
#include "asistencia/infra/stores/projection_store.hpp"

#include "asistencia/domain/crypto/primitives.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <charconv>
#include <stdexcept>
#include <string_view>

namespace asistencia::infra::stores {

using json = nlohmann::json;

namespace {

// Compare-and-pexpire / compare-and-del: only the holder's token renews or releases. The
// renewal also reads the pause flag (KEYS[2]): 0 not held, 1 held, 2 held and paused.
constexpr const char* lua_renew = R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('PEXPIRE', KEYS[1], ARGV[2]) ~= 1 then return 0 end
if redis.call('EXISTS', KEYS[2]) == 1 then return 2 end
return 1
)lua";
// The next seq and the frame's publication in one round trip: the message is
// ARGV[2] .. seq .. ARGV[3] .. seq .. ARGV[4] (encode_frame's parts: the seq goes in the
// header line and in the projectors' message).
constexpr const char* lua_publish_next = R"lua(
local seq = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('PUBLISH', KEYS[2], ARGV[2] .. seq .. ARGV[3] .. seq .. ARGV[4])
return seq
)lua";
// The renewal and the publication in one round trip (renew_and_publish): lua_renew's
// checks, then lua_publish_next's body only while held and not paused. 0: not held (nothing
// written), -1: held and paused (renewed, nothing published), else the seq published.
constexpr const char* lua_renew_and_publish = R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('PEXPIRE', KEYS[1], ARGV[2]) ~= 1 then return 0 end
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
local seq = redis.call('INCR', KEYS[3])
redis.call('EXPIRE', KEYS[3], ARGV[3])
redis.call('PUBLISH', KEYS[4], ARGV[4] .. seq .. ARGV[5] .. seq .. ARGV[6])
return seq
)lua";
constexpr const char* lua_release = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua";

std::optional<std::int64_t> parse_session_id(std::string_view s) {
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

} // namespace

// ---- lease and pause

valkey_projection_lease::valkey_projection_lease(valkey::client& kv, std::chrono::milliseconds ttl)
    : kv_(kv), ttl_(ttl), renew_(lua_renew), release_(lua_release), renew_and_publish_(lua_renew_and_publish) {
    static constexpr char hex[] = "0123456789abcdef";
    for (const auto b : domain::crypto::random_bytes(16)) {
        token_.push_back(hex[b >> 4]);
        token_.push_back(hex[b & 0xf]);
    }
    kv_.preload(renew_);
    kv_.preload(release_);
    kv_.preload(renew_and_publish_);
}

net::awaitable<bool> valkey_projection_lease::take(std::int64_t session_id) {
    valkey::command_args take{
        "SET", kv_.keys().projection_leader(session_id), token_, "NX", "PX", std::to_string(ttl_.count())};
    const auto r = co_await kv_.command(std::move(take));
    co_return r.text() == std::optional<std::string>("OK");
}

net::awaitable<att::lease_renewal> valkey_projection_lease::renew(std::int64_t session_id) {
    // One EVALSHA per tick: the renewal and the pause flag together.
    std::vector<std::string> keys{kv_.keys().projection_leader(session_id), kv_.keys().projection_paused(session_id)};
    std::vector<std::string> args{token_, std::to_string(ttl_.count())};
    const auto r = co_await kv_.eval(renew_, std::move(keys), std::move(args));
    if (r.type != valkey::reply::kind::integer) throw std::runtime_error("lease renewal: unexpected reply " + r.str);
    att::lease_renewal out;
    out.held = r.integer >= 1;
    out.paused = r.integer == 2;
    co_return out;
}

net::awaitable<att::renewed_publication> valkey_projection_lease::renew_and_publish(std::int64_t session_id,
                                                                                    att::published_frame frame,
                                                                                    att::frame_channel&) {
    auto parts = encode_frame_parts(frame);
    const auto& k = kv_.keys();
    std::vector<std::string> keys{k.projection_leader(session_id), k.projection_paused(session_id),
                                  k.projection_seq(session_id), k.projection_frames(session_id)};
    std::vector<std::string> args{token_,
                                  std::to_string(ttl_.count()),
                                  std::to_string(valkey::ttl::ws_projection.count()),
                                  std::move(parts.head),
                                  std::move(parts.middle),
                                  std::move(parts.tail)};
    const auto r = co_await kv_.eval(renew_and_publish_, std::move(keys), std::move(args));
    if (r.type != valkey::reply::kind::integer) throw std::runtime_error("lease renewal: unexpected reply " + r.str);
    att::renewed_publication out;
    out.renewal.held = r.integer != 0;
    out.renewal.paused = r.integer == -1;
    if (r.integer > 0) out.seq = r.integer;
    co_return out;
}

net::awaitable<void> valkey_projection_lease::release(std::int64_t session_id) {
    std::vector<std::string> keys{kv_.keys().projection_leader(session_id)};
    std::vector<std::string> args{token_};
    co_await kv_.eval(release_, std::move(keys), std::move(args));
}

net::awaitable<void> valkey_projection_lease::set_paused(std::int64_t session_id, bool paused) {
    if (paused) {
        co_await kv_.set(kv_.keys().projection_paused(session_id), "1", valkey::ttl::ws_projection);
    } else {
        co_await kv_.del(kv_.keys().projection_paused(session_id));
    }
}

// ---- frames out

net::awaitable<std::optional<std::int64_t>> valkey_frame_channel::next_seq(std::int64_t session_id) {
    // The TTL keeps seqs growing across a takeover while the class lasts.
    const auto key = kv_.keys().projection_seq(session_id);
    std::vector<valkey::command_args> cmds{{"INCR", key},
                                           {"EXPIRE", key, std::to_string(valkey::ttl::ws_projection.count())}};
    const auto r = co_await kv_.pipeline(std::move(cmds));
    if (r.empty() || r[0].type != valkey::reply::kind::integer) co_return std::nullopt;
    co_return r[0].integer;
}

net::awaitable<void> valkey_frame_channel::publish(std::int64_t session_id, att::published_frame frame) {
    co_await kv_.publish(kv_.keys().projection_frames(session_id), encode_frame(frame));
}

valkey_frame_channel::valkey_frame_channel(valkey::client& kv) : kv_(kv), publish_next_(lua_publish_next) {
    kv_.preload(publish_next_);
}

net::awaitable<std::optional<std::int64_t>> valkey_frame_channel::publish_next(std::int64_t session_id,
                                                                               att::published_frame frame) {
    auto parts = encode_frame_parts(frame);
    std::vector<std::string> keys{kv_.keys().projection_seq(session_id), kv_.keys().projection_frames(session_id)};
    std::vector<std::string> args{std::to_string(valkey::ttl::ws_projection.count()), std::move(parts.head),
                                  std::move(parts.middle), std::move(parts.tail)};
    const auto r = co_await kv_.eval(publish_next_, std::move(keys), std::move(args));
    if (r.type != valkey::reply::kind::integer) co_return std::nullopt;
    co_return r.integer;
}

namespace {
void append_int(std::string& s, std::int64_t v) {
    std::array<char, 24> b{};
    const auto [end, ec] = std::to_chars(b.data(), b.data() + b.size(), v);
    s.append(b.data(), end);
}
} // namespace

// Written by hand into one reserved string (a fixed shape; the values are numbers and
// base64 text, nothing to escape).
frame_message_parts encode_frame_parts(const att::published_frame& f) {
    frame_message_parts p;
    p.head = R"({"seq":)";
    p.middle.reserve(96);
    p.middle = R"(,"sentAt":)";
    append_int(p.middle, f.sent_at_ms);
    if (f.round) {
        p.middle += R"(,"uid":)";
        append_int(p.middle, f.round->user_id);
        p.middle += R"(,"round":)";
        append_int(p.middle, f.round->round);
        p.middle += R"(,"nonce":")";
        p.middle += f.round->nonce;
        p.middle += '"';
    }
    p.middle +=
        "}\n"
        R"({"type":"frame","seq":)";
    p.tail.reserve(f.modules.size() + 40);
    p.tail = R"(,"qr":{"width":)";
    append_int(p.tail, f.width);
    p.tail += R"(,"modules":")";
    p.tail += f.modules;
    p.tail += R"("}})";
    return p;
}

std::string encode_frame(const att::published_frame& f) {
    const auto p = encode_frame_parts(f);
    std::string out;
    out.reserve(p.head.size() + p.middle.size() + p.tail.size() + 40);
    out += p.head;
    append_int(out, f.seq);
    out += p.middle;
    append_int(out, f.seq);
    out += p.tail;
    return out;
}

namespace {
// The older single-object shape {seq, width, modules, sentAt[, uid, round, nonce]} (a
// replica of the previous version publishing during a rolling upgrade).
std::optional<att::published_frame> decode_object_frame(const json& msg) {
    const auto seq = json_int(msg, "seq");
    const auto width = json_int(msg, "width");
    const auto modules = msg.find("modules");
    if (!seq || !width || modules == msg.end() || !modules->is_string()) return std::nullopt;
    att::published_frame f;
    f.seq = *seq;
    f.width = static_cast<int>(*width);
    f.modules = modules->get<std::string>();
    return f;
}

void decode_round(const json& msg, att::published_frame& f) {
    f.sent_at_ms = json_int(msg, "sentAt").value_or(0);
    if (!msg.contains("uid")) return;
    att::frame_round r;
    r.user_id = json_int(msg, "uid").value_or(0);
    r.round = static_cast<int>(json_int(msg, "round").value_or(0));
    const auto nonce = msg.find("nonce");
    if (nonce != msg.end() && nonce->is_string()) r.nonce = nonce->get<std::string>();
    f.round = std::move(r);
}
} // namespace

std::optional<att::published_frame> decode_frame(const std::string& message) {
    const auto nl = message.find('\n');
    if (nl == std::string::npos) {
        const auto msg = json::parse(message, nullptr, false);
        if (!msg.is_object()) return std::nullopt;
        auto f = decode_object_frame(msg);
        if (f) decode_round(msg, *f);
        return f;
    }
    // Only the short header is parsed; the projectors' message is passed on as it is.
    const auto head = json::parse(message.begin(), message.begin() + static_cast<std::ptrdiff_t>(nl), nullptr, false);
    if (!head.is_object()) return std::nullopt;
    const auto seq = json_int(head, "seq");
    const std::string_view body = std::string_view(message).substr(nl + 1);
    constexpr std::string_view body_start = R"({"type":"frame","seq":)";
    if (!seq || !body.starts_with(body_start) || !body.ends_with('}')) return std::nullopt;
    att::published_frame f;
    f.seq = *seq;
    decode_round(head, f);
    f.client_message.assign(body);
    return f;
}

std::optional<att::projection_event> decode_event(const std::string& message) {
    const auto msg = json::parse(message, nullptr, false);
    if (!msg.is_object()) return std::nullopt;
    const auto type = msg.value("type", std::string{});
    att::projection_event e;
    if (type == "progress") {
        e.type = att::projection_event::kind::progress;
    } else if (type == "closed") {
        e.type = att::projection_event::kind::closed;
        const auto summary = msg.find("summary");
        if (summary != msg.end()) e.summary_json = summary->dump();
    } else {
        return std::nullopt;
    }
    return e;
}

// ---- frames and events in

valkey_projection_feed::valkey_projection_feed(net::any_io_executor ex, valkey::settings settings,
                                               valkey::key_builder keys)
    : keys_(std::move(keys)),
      sub_(ex, std::move(settings),
           [this](const std::string& channel, const std::string& message) { on_message(channel, message); }) {}

void valkey_projection_feed::start(handlers h) {
    handlers_ = std::move(h);
    sub_.start();
}

void valkey_projection_feed::stop() { sub_.stop(); }

void valkey_projection_feed::subscribe(std::int64_t session_id) {
    sub_.subscribe(keys_.projection_frames(session_id));
    sub_.subscribe(keys_.projection_events(session_id));
}

void valkey_projection_feed::unsubscribe(std::int64_t session_id) {
    sub_.unsubscribe(keys_.projection_frames(session_id));
    sub_.unsubscribe(keys_.projection_events(session_id));
}

void valkey_projection_feed::on_message(const std::string& channel, const std::string& message) const {
    const auto frames_prefix = keys_.projection_frames_prefix();
    const auto events_prefix = keys_.projection_events_prefix();
    const std::string_view ch(channel);
    if (ch.starts_with(frames_prefix)) {
        const auto sid = parse_session_id(ch.substr(frames_prefix.size()));
        if (!sid || !handlers_.frame) return;
        if (const auto f = decode_frame(message)) handlers_.frame(*sid, *f);
    } else if (ch.starts_with(events_prefix)) {
        const auto sid = parse_session_id(ch.substr(events_prefix.size()));
        if (!sid || !handlers_.event) return;
        if (const auto e = decode_event(message)) handlers_.event(*sid, *e);
    }
}

// ---- projector registry

net::awaitable<void> valkey_projector_registry::put(std::vector<att::projector_registration> registrations) {
    const auto& keys = kv_.keys();
    std::vector<valkey::command_args> cmds;
    cmds.reserve(registrations.size() * 3);
    for (const auto& r : registrations) {
        const json who{{"userId", r.user_id},
                       {"username", r.username},
                       {"rol", r.role},
                       {"authenticated_at", r.authenticated_at_ms}};
        cmds.push_back(
            {"SET", keys.ws_auth(r.connection_id), who.dump(), "EX", std::to_string(valkey::ttl::ws_auth.count())});
        cmds.push_back({"SADD", keys.ws_projection(r.session_id), r.connection_id});
        cmds.push_back(
            {"EXPIRE", keys.ws_projection(r.session_id), std::to_string(valkey::ttl::ws_projection.count())});
    }
    if (cmds.empty()) co_return;
    co_await kv_.pipeline(std::move(cmds));
}

net::awaitable<void> valkey_projector_registry::remove(std::int64_t session_id, std::string connection_id) {
    std::vector<valkey::command_args> cmds{{"SREM", kv_.keys().ws_projection(session_id), connection_id},
                                           {"DEL", kv_.keys().ws_auth(connection_id)}};
    co_await kv_.pipeline(std::move(cmds));
}

} // namespace asistencia::infra::stores
