// Rounds in Valkey; see round_store.hpp. The Lua scripts are the state machine: a round's
// metadata exists exactly while the round is pending, and whoever deletes it (success, or
// the last allowed failure) moves the student's state to the next round.
#include "asistencia/infra/stores/round_store.hpp"

#include "asistencia/domain/crypto/protocol_keys.hpp"
#include "asistencia/infra/valkey/keys.hpp"

#include "fixed_window.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <chrono>
#include <stdexcept>

namespace asistencia::infra::stores {

namespace {

namespace crypto = domain::crypto;
using application::attendance::take_outcome;
using nlohmann::json;

// The transitions of domain/attendance/round. In Valkey, a round is open (round_phase
// pending, or shown once mostrado_count > 0) while the state is at it and its metadata
// exists; expired when the state is at it and the metadata is gone; done when round_actual
// > maxRounds. tests/integration/valkey/round_store_test.cpp runs the domain's transition
// table against these scripts.
// KEYS: 1 state, 2 metadata of the round, 3 queue, 4 metadata of the next round.
// ARGV: 1 userId, 2 round, 3 now (ms), 4 metadata TTL, 5 queue TTL, 6 state TTL, 7 extra.
// succeed/fail return {effect, round_actual, maxRounds, failed attempts} (effect: the
// effect_* codes below; {0, 0, 0, 0} when there is no state).
constexpr const char* lua_prelude = R"lua(
local r = tonumber(ARGV[2])
local function open(meta, round)
  redis.call('HSET', meta, 'userId', ARGV[1], 'ronda', round, 'timestamp_envio', 0,
             'mostrado_count', 0, 'intentos_fallidos', 0, 'valido', 0)
  redis.call('EXPIRE', meta, ARGV[4])
  local entry = ARGV[1] .. ':' .. round
  redis.call('LREM', KEYS[3], 0, entry)
  redis.call('RPUSH', KEYS[3], entry)
  redis.call('EXPIRE', KEYS[3], ARGV[5])
end
local function state()
  local raw = redis.call('GET', KEYS[1])
  if not raw then return nil end
  return cjson.decode(raw)
end
local function moved(effect, s, n)
  if not s then return {0, 0, 0, 0} end
  return {effect, tonumber(s.round_actual), tonumber(s.maxRounds), n}
end
-- Open: the state is at round r and its metadata exists.
local function is_open(s)
  return s and tonumber(s.round_actual) == r and r <= tonumber(s.maxRounds)
         and redis.call('EXISTS', KEYS[2]) == 1
end
-- Stale: nothing changes, except metadata of a round the state is not at (an orphan a
-- rebuild can leave), which goes so it is not shown again.
local function stale(s)
  if (not s or tonumber(s.round_actual) ~= r) and redis.call('DEL', KEYS[2]) == 1 then
    redis.call('LREM', KEYS[3], 0, ARGV[1] .. ':' .. r)
  end
  return moved(0, s, 0)
end
-- The round ended (answered or failed): the next one opens, or the state is done.
local function advance(s, effect, n)
  redis.call('DEL', KEYS[2])
  redis.call('LREM', KEYS[3], 0, ARGV[1] .. ':' .. r)
  s.round_actual = r + 1
  s.intentos_fallidos = 0
  if type(s.timestamps) ~= 'table' then s.timestamps = {} end
  s.timestamps['r' .. r] = tonumber(ARGV[3])
  redis.call('SET', KEYS[1], cjson.encode(s), 'EX', ARGV[6])
  if r + 1 <= tonumber(s.maxRounds) then open(KEYS[4], r + 1) end
  return moved(effect, s, n)
end
)lua";

// The state's fields that the server reads: {deviceId, round_actual, maxRounds,
// registrationId, flagged (0/1), keys}, nil when the state is not JSON or one is missing
// (unreadable: the caller rebuilds it from PostgreSQL). The server decodes this array
// (decode_fields), not the JSON: cjson here costs about 1.8 us, six string.match about 5 us
// (measured in Valkey 8 with EVAL loops), and nlohmann on the server cost more than both.
// with_fields(code, x, f) is {code, x, f...} (x nil: {code, f...}).
constexpr const char* lua_state_fields = R"lua(
local function state_fields(raw)
  local ok, s = pcall(cjson.decode, raw)
  if not ok or type(s) ~= 'table' then return nil end
  local dev, at = tonumber(s.deviceId), tonumber(s.round_actual)
  local max, reg = tonumber(s.maxRounds), tonumber(s.registrationId)
  if not (dev and at and max and reg) or type(s.keys) ~= 'string' then return nil end
  return {dev, at, max, reg, s.flagged == true and 1 or 0, s.keys}
end
local function with_fields(code, x, f)
  if x == nil then return {code, f[1], f[2], f[3], f[4], f[5], f[6]} end
  return {code, x, f[1], f[2], f[3], f[4], f[5], f[6]}
end
)lua";

// KEYS: 1 state. Returns {0} (none or unreadable) or {1, fields...}.
constexpr const char* lua_read_state = R"lua(
local raw = redis.call('GET', KEYS[1])
local f = raw and state_fields(raw)
if not f then return {0} end
return with_fields(1, nil, f)
)lua";

constexpr const char* lua_reopen = R"lua(
local s = state()
if not s or tonumber(s.round_actual) ~= r or r > tonumber(s.maxRounds) then return 0 end
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
open(KEYS[2], r)
return 1
)lua";

constexpr int effect_answered = 1, effect_attempt_counted = 2, effect_round_failed = 3;

constexpr const char* lua_succeed = R"lua(
local s = state()
if not is_open(s) then return stale(s) end
return advance(s, 1, 0)
)lua";

// ARGV[7]: the failures that fail the round.
constexpr const char* lua_fail = R"lua(
local s = state()
if not is_open(s) then return stale(s) end
local n = redis.call('HINCRBY', KEYS[2], 'intentos_fallidos', 1)
if n >= tonumber(ARGV[7]) then return advance(s, 3, n) end
return moved(2, s, n)
)lua";

// The answer's rate limit, read and take in one. KEYS: 1 state, 2 metadata of the answer's
// round, 3 the rate-limit counter. ARGV: 1 nonce, 2 the answer's device, 3 the answer's round,
// 4 the limit (0: not counted), 5 its window (ms). Returns {-2, ms left} over the limit
// (nothing else touched), {-1} without a (readable) state, else {code, the state's fields}:
// 4 another device, 5 not the current round (the nonce is untouched in these), 3 round gone
// (no metadata), 2 replayed, 1 unknown, or {0, "issued:shown", fields...} taken. The used
// nonce is kept as u:<nonce> so a replay is told from a guess.
constexpr const char* lua_take = R"lua(
local limit = tonumber(ARGV[4])
if limit > 0 then
  local hits, left = fixed_window(KEYS[3], ARGV[5])
  if hits > limit then return {-2, left} end
end
local raw = redis.call('GET', KEYS[1])
local f = raw and state_fields(raw)
if not f then return {-1} end
if f[1] ~= tonumber(ARGV[2]) then return with_fields(4, nil, f) end
local r = tonumber(ARGV[3])
if f[2] ~= r or r > f[3] then return with_fields(5, nil, f) end
if redis.call('EXISTS', KEYS[2]) == 0 then return with_fields(3, nil, f) end
local v = redis.call('HGET', KEYS[2], 'n:' .. ARGV[1])
if v then
  redis.call('HDEL', KEYS[2], 'n:' .. ARGV[1])
  redis.call('HSET', KEYS[2], 'u:' .. ARGV[1], '1')
  return with_fields(0, v, f)
end
if redis.call('HEXISTS', KEYS[2], 'u:' .. ARGV[1]) == 1 then return with_fields(2, nil, f) end
return with_fields(1, nil, f)
)lua";

// A showing recorded: record(metadata, queue, state, nonce, issued (ms), meta TTL, queue
// TTL, state TTL, showings kept). Only the last few showings keep their nonce.
constexpr const char* lua_record = R"lua(
local function record(meta, queue, st, nonce, issued, meta_ttl, queue_ttl, state_ttl, kept)
  local order = redis.call('HGET', meta, 'orden') or ''
  local list = {}
  for n in string.gmatch(order, '[^ ]+') do list[#list + 1] = n end
  list[#list + 1] = nonce
  while #list > tonumber(kept) do
    redis.call('HDEL', meta, 'n:' .. table.remove(list, 1))
  end
  redis.call('HSET', meta, 'n:' .. nonce, issued .. ':' .. issued, 'timestamp_envio', issued,
             'orden', table.concat(list, ' '))
  redis.call('HINCRBY', meta, 'mostrado_count', 1)
  redis.call('EXPIRE', meta, meta_ttl)
  redis.call('EXPIRE', queue, queue_ttl)
  redis.call('EXPIRE', st, state_ttl)
end
)lua";

// KEYS: 1 metadata, 2 queue, 3 state. ARGV: 1 nonce, 2 issued (ms), 3 meta TTL, 4 queue
// TTL, 5 state TTL, 6 showings kept.
constexpr const char* lua_record_showing = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
record(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6])
return 1
)lua";

// The frame loop's pick, read and record in one round trip. KEYS: 1 queue. ARGV: 1 draw
// (< 2^40), 2 nonce, 3 issued (ms), 4 meta TTL, 5 queue TTL, 6 state TTL, 7 showings kept,
// 8 qr_meta_session_prefix, 9 student_state_session_prefix (the picked student's keys are
// these completed by the queue entry: one Valkey, as the design has, not a cluster).
// Returns {0} when nothing is pending, else {code, entry, the state's fields}: code 1
// recorded, 2 not (the state at another round, or the metadata lapsed: the caller decides;
// no fields when there is no readable state), 3 an entry that is not "{uid}:{round}".
constexpr const char* lua_show_next = R"lua(
local n = redis.call('LLEN', KEYS[1])
if n == 0 then return {0} end
local i = tonumber(ARGV[1]) % n
if i < 0 or i >= n then i = 0 end
local entry = redis.call('LINDEX', KEYS[1], i)
if not entry then return {0} end
local uid, r = string.match(entry, '^(%d+):(%d+)$')
if not uid then return {3, entry} end
local st = ARGV[9] .. uid
local raw = redis.call('GET', st)
local f = raw and state_fields(raw)
if not f then return {2, entry} end
if f[2] ~= tonumber(r) or f[2] > f[3] then return with_fields(2, entry, f) end
local meta = ARGV[8] .. entry
if redis.call('EXISTS', meta) == 0 then return with_fields(2, entry, f) end
record(meta, KEYS[1], st, ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7])
return with_fields(1, entry, f)
)lua";

// KEYS: 1 metadata. ARGV: 1 nonce, 2 shown (ms). Only for a showing still pending.
constexpr const char* lua_record_shown = R"lua(
local v = redis.call('HGET', KEYS[1], 'n:' .. ARGV[1])
if not v then return 0 end
local issued = string.match(v, '^(%d+):')
redis.call('HSET', KEYS[1], 'n:' .. ARGV[1], issued .. ':' .. ARGV[2], 'timestamp_envio', ARGV[2])
return 1
)lua";

// KEYS: 1 state, 2 queue, 3.. every round's metadata. ARGV: 1 userId, 2 rounds.
constexpr const char* lua_invalidate = R"lua(
redis.call('DEL', KEYS[1])
for i = 3, #KEYS do redis.call('DEL', KEYS[i]) end
for r = 1, tonumber(ARGV[2]) do redis.call('LREM', KEYS[2], 0, ARGV[1] .. ':' .. r) end
return 1
)lua";

std::string secs(std::chrono::seconds s) { return std::to_string(s.count()); }

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string aad(std::int64_t session_id, std::int64_t user_id) {
    return "round-state:" + std::to_string(session_id) + ":" + std::to_string(user_id);
}

std::int64_t integer_reply(const valkey::reply& r) {
    if (r.is_error()) throw std::runtime_error("valkey script failed: " + r.str);
    return r.integer;
}

} // namespace

valkey_round_store::valkey_round_store(valkey::client& kv, const std::vector<std::uint8_t>& master_key)
    : kv_(kv),
      key_(crypto::hkdf_sha256(master_key, {}, crypto::as_bytes("asistencia/round-state/v1"), 32)),
      reopen_(std::string(lua_prelude) + lua_reopen),
      succeed_(std::string(lua_prelude) + lua_succeed),
      fail_(std::string(lua_prelude) + lua_fail),
      take_(std::string(detail::lua_fixed_window_function) + lua_state_fields + lua_take),
      record_showing_(std::string(lua_record) + lua_record_showing),
      show_next_(std::string(lua_record) + lua_state_fields + lua_show_next),
      read_state_(std::string(lua_state_fields) + lua_read_state),
      record_shown_(lua_record_shown),
      invalidate_(lua_invalidate) {
    for (const auto* s : {&reopen_, &succeed_, &fail_, &take_, &record_showing_, &show_next_, &read_state_,
                          &record_shown_, &invalidate_}) {
        kv_.preload(*s);
    }
}

valkey_round_store::script_call valkey_round_store::transition_call(std::int64_t session_id, std::int64_t user_id,
                                                                    int round) const {
    const auto& k = kv_.keys();
    return {{k.student_state(session_id, user_id), k.qr_meta(session_id, user_id, round),
             k.projection_queue(session_id), k.qr_meta(session_id, user_id, round + 1)},
            {std::to_string(user_id), std::to_string(round), std::to_string(now_ms()), secs(valkey::ttl::qr_meta),
             secs(valkey::ttl::projection_queue), secs(valkey::ttl::student_state)}};
}

// The six elements of lua_state_fields from `at` on; nullopt when they are not there or the
// device keys do not open (unreadable: rebuilt from PostgreSQL).
std::optional<student_state> valkey_round_store::decode_fields(const std::vector<valkey::reply>& e, std::size_t at,
                                                               std::int64_t session_id, std::int64_t user_id) const {
    if (e.size() < at + 6) return std::nullopt;
    for (std::size_t i = at; i < at + 5; ++i) {
        if (e[i].type != valkey::reply::kind::integer) return std::nullopt;
    }
    if (e[at + 5].type != valkey::reply::kind::string) return std::nullopt;
    const auto keys = key_.open(e[at + 5].str, aad(session_id, user_id));
    if (!keys || keys->size() != 64) return std::nullopt;
    student_state s;
    s.device_id = e[at].integer;
    s.round = static_cast<int>(e[at + 1].integer);
    s.max_rounds = static_cast<int>(e[at + 2].integer);
    s.registration_id = e[at + 3].integer;
    s.device_flagged = e[at + 4].integer != 0;
    s.k_totpu.assign(keys->begin(), keys->begin() + 32);
    s.k_qr.assign(keys->begin() + 32, keys->end());
    return s;
}

net::awaitable<std::optional<student_state>> valkey_round_store::load_state(std::int64_t session_id,
                                                                            std::int64_t user_id) {
    std::vector<std::string> keys{kv_.keys().student_state(session_id, user_id)};
    std::vector<std::string> args;
    const auto r = co_await kv_.eval(read_state_, std::move(keys), std::move(args));
    if (r.is_error() || r.elements.empty()) throw std::runtime_error("valkey: state read failed: " + r.str);
    if (r.elements[0].integer != 1) co_return std::nullopt;
    co_return decode_fields(r.elements, 1, session_id, user_id);
}

net::awaitable<std::vector<bool>> valkey_round_store::states_present(std::int64_t session_id,
                                                                     std::vector<std::int64_t> user_ids) {
    std::vector<bool> out;
    if (user_ids.empty()) co_return out;
    std::vector<valkey::command_args> cmds;
    cmds.reserve(user_ids.size());
    for (const auto uid : user_ids) cmds.push_back({"EXISTS", kv_.keys().student_state(session_id, uid)});
    const auto replies = co_await kv_.pipeline(std::move(cmds));
    out.reserve(replies.size());
    for (const auto& r : replies) {
        if (r.type != valkey::reply::kind::integer) throw std::runtime_error("EXISTS answered a non-integer");
        out.push_back(r.integer == 1);
    }
    if (out.size() != user_ids.size()) throw std::runtime_error("EXISTS pipeline answered short");
    co_return out;
}

net::awaitable<void> valkey_round_store::start(std::int64_t session_id, std::int64_t user_id, student_state s) {
    std::vector<std::uint8_t> keys = s.k_totpu;
    keys.insert(keys.end(), s.k_qr.begin(), s.k_qr.end());
    const json value{{"round_actual", s.round},      {"intentos_fallidos", 0},
                     {"timestamps", json::object()}, {"registrationId", s.registration_id},
                     {"deviceId", s.device_id},      {"maxRounds", s.max_rounds},
                     {"flagged", s.device_flagged},  {"keys", key_.seal(keys, aad(session_id, user_id))}};
    std::vector<valkey::command_args> cmds;
    cmds.push_back(
        {"SET", kv_.keys().student_state(session_id, user_id), value.dump(), "EX", secs(valkey::ttl::student_state)});
    if (!s.done()) { // the state and its round's metadata in one round trip
        auto call = transition_call(session_id, user_id, s.round);
        valkey::command_args open{"EVALSHA", reopen_.sha1(), std::to_string(call.keys.size())};
        open.insert(open.end(), call.keys.begin(), call.keys.end());
        open.insert(open.end(), call.args.begin(), call.args.end());
        cmds.push_back(std::move(open));
    }
    const auto replies = co_await kv_.pipeline(std::move(cmds));
    if (replies.size() > 1 && replies[1].is_error() && replies[1].str.rfind("NOSCRIPT", 0) == 0) {
        co_await reopen(session_id, user_id, s.round); // eval loads the script
        co_return;
    }
    for (const auto& r : replies) {
        if (r.is_error()) throw std::runtime_error("valkey: starting a student's rounds failed: " + r.str);
    }
}

net::awaitable<transition> valkey_round_store::reopen(std::int64_t session_id, std::int64_t user_id, int round) {
    auto call = transition_call(session_id, user_id, round);
    const auto r = co_await kv_.eval(reopen_, std::move(call.keys), std::move(call.args));
    co_return integer_reply(r) == 1 ? transition::applied : transition::stale;
}

net::awaitable<answer_take> valkey_round_store::take(std::int64_t session_id, std::int64_t user_id, int round,
                                                     std::int64_t device_id, std::string nonce,
                                                     const application::attendance::answer_limit* limit) {
    const auto& k = kv_.keys();
    const bool counted = limit != nullptr && limit->rule.limit > 0;
    std::vector<std::string> keys{k.student_state(session_id, user_id), k.qr_meta(session_id, user_id, round)};
    // Always three keys (the script declares what it may touch); an unused counter is not written.
    keys.push_back(counted ? k.rate_limit(limit->rule.name, limit->subject) : keys[0]);
    std::vector<std::string> args{std::move(nonce), std::to_string(device_id), std::to_string(round),
                                  std::to_string(counted ? limit->rule.limit : 0),
                                  std::to_string(counted ? limit->rule.window.count() : 0)};
    const auto r = co_await kv_.eval(take_, std::move(keys), std::move(args));
    if (r.is_error() || r.elements.empty()) throw std::runtime_error("valkey: take script failed: " + r.str);
    answer_take out;
    const auto code = r.elements[0].integer;
    if (code == -2) {
        if (r.elements.size() < 2) throw std::runtime_error("valkey: take script: malformed limit reply");
        out.limited = std::chrono::milliseconds(r.elements[1].integer);
        ++limited_;
        co_return out;
    }
    if (code < 0) co_return out;
    out.state = decode_fields(r.elements, code == 0 ? 2 : 1, session_id, user_id);
    if (!out.state) co_return out;
    out.device_matches = code != 4;
    out.current = code != 4 && code != 5;
    switch (code) {
        case 0: {
            out.taken.outcome = take_outcome::taken;
            const auto& v = r.elements[1].str;
            const auto colon = v.find(':');
            if (colon == std::string::npos) throw std::runtime_error("valkey: malformed showing");
            out.taken.shown.issued_at_ms = std::stoll(v.substr(0, colon));
            out.taken.shown.shown_at_ms = std::stoll(v.substr(colon + 1));
            break;
        }
        case 2:
            out.taken.outcome = take_outcome::replayed;
            break;
        case 3:
            out.taken.outcome = take_outcome::round_gone;
            break;
        default:
            out.taken.outcome = take_outcome::unknown;
            break;
    }
    co_return out;
}

net::awaitable<round_moved> valkey_round_store::move(const valkey::script& s, script_call call) {
    const auto r = co_await kv_.eval(s, std::move(call.keys), std::move(call.args));
    if (r.is_error() || r.elements.size() != 4) throw std::runtime_error("valkey: round script failed: " + r.str);
    round_moved out;
    switch (r.elements[0].integer) {
        case effect_answered:
            out.effect = domain::attendance::round_effect::answered;
            break;
        case effect_attempt_counted:
            out.effect = domain::attendance::round_effect::attempt_counted;
            break;
        case effect_round_failed:
            out.effect = domain::attendance::round_effect::round_failed;
            break;
        default:
            out.effect = domain::attendance::round_effect::stale;
            break;
    }
    out.failed_attempts = static_cast<int>(r.elements[3].integer);
    if (r.elements[1].integer > 0) out.round = static_cast<int>(r.elements[1].integer);
    out.max_rounds = static_cast<int>(r.elements[2].integer);
    co_return out;
}

net::awaitable<round_moved> valkey_round_store::succeed(std::int64_t session_id, std::int64_t user_id, int round) {
    co_return co_await move(succeed_, transition_call(session_id, user_id, round));
}

net::awaitable<round_moved> valkey_round_store::fail(std::int64_t session_id, std::int64_t user_id, int round,
                                                     int max_failed) {
    auto call = transition_call(session_id, user_id, round);
    call.args.push_back(std::to_string(max_failed));
    co_return co_await move(fail_, std::move(call));
}

net::awaitable<std::vector<pending_round>> valkey_round_store::pending(std::int64_t session_id) {
    const auto entries = co_await kv_.lrange(kv_.keys().projection_queue(session_id), 0, -1);
    std::vector<pending_round> out;
    out.reserve(entries.size());
    for (const auto& e : entries) {
        const auto colon = e.find(':');
        if (colon == std::string::npos) continue;
        try {
            out.push_back({std::stoll(e.substr(0, colon)), std::stoi(e.substr(colon + 1))});
        } catch (const std::exception&) {
            // not ours: skip it
        }
    }
    co_return out;
}

net::awaitable<bool> valkey_round_store::record_showing(std::int64_t session_id, pending_round p, std::string nonce,
                                                        std::int64_t issued_at_ms) {
    const auto& k = kv_.keys();
    std::vector<std::string> keys{k.qr_meta(session_id, p.user_id, p.round), k.projection_queue(session_id),
                                  k.student_state(session_id, p.user_id)};
    std::vector<std::string> args{std::move(nonce),
                                  std::to_string(issued_at_ms),
                                  secs(valkey::ttl::qr_meta),
                                  secs(valkey::ttl::projection_queue),
                                  secs(valkey::ttl::student_state),
                                  std::to_string(showings_kept)};
    co_return integer_reply(co_await kv_.eval(record_showing_, std::move(keys), std::move(args))) == 1;
}

namespace {
std::optional<pending_round> parse_entry(std::string_view e) {
    const auto colon = e.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    pending_round p;
    const auto* end = e.data() + e.size();
    const auto [u, uec] = std::from_chars(e.data(), e.data() + colon, p.user_id);
    const auto [r, rec] = std::from_chars(e.data() + colon + 1, end, p.round);
    if (uec != std::errc{} || rec != std::errc{} || u != e.data() + colon || r != end) return std::nullopt;
    return p;
}
} // namespace

net::awaitable<application::attendance::picked_showing> valkey_round_store::show_next(std::int64_t session_id,
                                                                                      std::uint64_t draw,
                                                                                      std::string nonce,
                                                                                      std::int64_t issued_at_ms) {
    const auto& k = kv_.keys();
    std::vector<std::string> keys{k.projection_queue(session_id)};
    std::vector<std::string> args{std::to_string(draw & ((std::uint64_t{1} << 40) - 1)),
                                  std::move(nonce),
                                  std::to_string(issued_at_ms),
                                  secs(valkey::ttl::qr_meta),
                                  secs(valkey::ttl::projection_queue),
                                  secs(valkey::ttl::student_state),
                                  std::to_string(showings_kept),
                                  k.qr_meta_session_prefix(session_id),
                                  k.student_state_session_prefix(session_id)};
    const auto r = co_await kv_.eval(show_next_, std::move(keys), std::move(args));
    if (r.is_error() || r.elements.empty()) throw std::runtime_error("valkey: show script failed: " + r.str);
    application::attendance::picked_showing out;
    const auto code = r.elements[0].integer;
    if (code == 0 || code == 3 || r.elements.size() < 2) co_return out; // nothing (showable) pending
    out.round = parse_entry(r.elements[1].str);
    if (!out.round) co_return out;
    out.recorded = code == 1;
    out.state = decode_fields(r.elements, 2, session_id, out.round->user_id);
    co_return out;
}

net::awaitable<void> valkey_round_store::record_shown(std::int64_t session_id, pending_round p, std::string nonce,
                                                      std::int64_t shown_at_ms) {
    std::vector<std::string> keys{kv_.keys().qr_meta(session_id, p.user_id, p.round)};
    std::vector<std::string> args{std::move(nonce), std::to_string(shown_at_ms)};
    integer_reply(co_await kv_.eval(record_shown_, std::move(keys), std::move(args)));
}

namespace {
std::string join_id(std::int64_t session_id, std::int64_t user_id) {
    return std::to_string(session_id) + ":" + std::to_string(user_id);
}
} // namespace

net::awaitable<void> valkey_round_store::put_join_challenge(std::int64_t session_id, std::int64_t user_id,
                                                            application::attendance::bytes challenge) {
    const std::string value(challenge.begin(), challenge.end());
    co_await kv_.set(kv_.keys().challenge("join", join_id(session_id, user_id)), value, std::chrono::seconds(120));
}

net::awaitable<std::optional<application::attendance::bytes>> valkey_round_store::take_join_challenge(
    std::int64_t session_id, std::int64_t user_id) {
    valkey::command_args cmd{"GETDEL", kv_.keys().challenge("join", join_id(session_id, user_id))};
    const auto r = co_await kv_.command(std::move(cmd));
    const auto text = r.text();
    if (!text) co_return std::nullopt;
    co_return application::attendance::bytes(text->begin(), text->end());
}

net::awaitable<void> valkey_round_store::invalidate(std::int64_t session_id, std::int64_t user_id) {
    constexpr int rounds = 11; // the protocol's largest maxRounds, plus the "done" slot
    const auto& k = kv_.keys();
    std::vector<std::string> keys{k.student_state(session_id, user_id), k.projection_queue(session_id)};
    for (int r = 1; r <= rounds; ++r) keys.push_back(k.qr_meta(session_id, user_id, r));
    std::vector<std::string> args{std::to_string(user_id), std::to_string(rounds)};
    integer_reply(co_await kv_.eval(invalidate_, std::move(keys), std::move(args)));
}

net::awaitable<void> valkey_round_store::forget(std::int64_t session_id, std::vector<std::int64_t> user_ids) {
    constexpr int max_rounds = 10; // the protocol's largest maxRounds
    std::vector<std::string> keys{kv_.keys().projection_queue(session_id)};
    for (const auto uid : user_ids) {
        keys.push_back(kv_.keys().student_state(session_id, uid));
        for (int r = 1; r <= max_rounds + 1; ++r) keys.push_back(kv_.keys().qr_meta(session_id, uid, r));
    }
    co_await kv_.del(std::move(keys));
}

} // namespace asistencia::infra::stores
