// hiredis async + Asio; see client.hpp. The adapter follows shared/deps.md section 3: each
// hiredis hook only records interest, one-shot async_waits emulate level-triggered events,
// the descriptor is released (hiredis closes the fd) and waits still pending after cleanup
// never touch the freed context.
#include "asistencia/infra/valkey/client.hpp"

#include "asistencia/application/errors.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>
#include <set>
#include <stdexcept>

namespace asistencia::infra::valkey {

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

application::dependency_unavailable unavailable(const std::string& why) {
    return application::dependency_unavailable("valkey", "Valkey " + why);
}

reply copy_reply(const redisReply* r) {
    reply out;
    switch (r->type) {
        case REDIS_REPLY_STRING:
            out.type = reply::kind::string;
            out.str.assign(r->str, r->len);
            break;
        case REDIS_REPLY_STATUS:
            out.type = reply::kind::status;
            out.str.assign(r->str, r->len);
            break;
        case REDIS_REPLY_ERROR:
            out.type = reply::kind::error;
            out.str.assign(r->str, r->len);
            break;
        case REDIS_REPLY_INTEGER:
            out.type = reply::kind::integer;
            out.integer = r->integer;
            break;
        case REDIS_REPLY_ARRAY:
            out.type = reply::kind::array;
            out.elements.reserve(r->elements);
            for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(copy_reply(r->element[i]));
            break;
        default:
            out.type = reply::kind::nil;
    }
    return out;
}

// The Asio side of one redisAsyncContext. Owned by itself (self) until hiredis calls cleanup,
// and by every pending wait.
class asio_adapter : public std::enable_shared_from_this<asio_adapter> {
public:
    asio_adapter(net::any_io_executor ex, redisAsyncContext* ac) : sd_(ex, ac->c.fd), ac_(ac) {}

    static void attach(net::any_io_executor ex, redisAsyncContext* ac) {
        auto a = std::make_shared<asio_adapter>(std::move(ex), ac);
        a->self_ = a;
        ac->ev.data = a.get();
        ac->ev.addRead = [](void* p) { static_cast<asio_adapter*>(p)->want(true, true); };
        ac->ev.delRead = [](void* p) { static_cast<asio_adapter*>(p)->want(true, false); };
        ac->ev.addWrite = [](void* p) { static_cast<asio_adapter*>(p)->want(false, true); };
        ac->ev.delWrite = [](void* p) { static_cast<asio_adapter*>(p)->want(false, false); };
        ac->ev.cleanup = [](void* p) { static_cast<asio_adapter*>(p)->cleanup(); };
    }

private:
    void want(bool read, bool on) {
        (read ? want_read_ : want_write_) = on;
        if (on) arm(read);
    }

    void arm(bool read) {
        bool& busy = read ? reading_ : writing_;
        if (busy || closed_) return;
        busy = true;
        const auto type = read ? net::posix::stream_descriptor::wait_read : net::posix::stream_descriptor::wait_write;
        sd_.async_wait(type, [self = shared_from_this(), read](boost::system::error_code ec) {
            (read ? self->reading_ : self->writing_) = false;
            if (self->closed_ || ec) return;
            const bool& wanted = read ? self->want_read_ : self->want_write_;
            if (wanted) {
                if (read) {
                    redisAsyncHandleRead(self->ac_);
                } else {
                    redisAsyncHandleWrite(self->ac_);
                }
            }
            // The handler may have freed the context (cleanup sets closed_).
            if (!self->closed_ && wanted) self->arm(read);
        });
    }

    void cleanup() {
        closed_ = true;
        want_read_ = want_write_ = false;
        boost::system::error_code ignored;
        sd_.cancel(ignored);
        sd_.release(); // hiredis closes the fd itself
        auto keep = std::move(self_);
    }

    net::posix::stream_descriptor sd_;
    redisAsyncContext* ac_;
    std::shared_ptr<asio_adapter> self_;
    bool want_read_ = false;
    bool want_write_ = false;
    bool reading_ = false;
    bool writing_ = false;
    bool closed_ = false;
};

} // namespace

// One logical connection that keeps itself connected. Shared by its owner (client or
// subscriber) and its run() coroutine.
class connection_core : public std::enable_shared_from_this<connection_core> {
public:
    using connected_hook = std::function<void(redisAsyncContext*)>;

    connection_core(net::any_io_executor ex, settings s, std::string name)
        : ex_(std::move(ex)),
          settings_(std::move(s)),
          name_(std::move(name)),
          signal_(ex_),
          rng_(std::random_device{}()) {}

    void set_connected_hook(connected_hook hook) { on_connected_ = std::move(hook); }

    void start() {
        if (started_) return;
        started_ = true;
        net::co_spawn(
            ex_, [self = shared_from_this()]() { return self->run(); }, net::detached);
    }

    void stop() {
        stopped_ = true;
        drop_context();
        signal_.cancel();
    }

    // Frees the context (pending callbacks get NULL); run() reconnects unless stopped.
    void drop_context() {
        if (ac_ == nullptr) return;
        auto* ac = ac_;
        ac_ = nullptr;
        connected_ = false;
        redisAsyncFree(ac);
    }

    redisAsyncContext* ready_context() const { return connected_ ? ac_ : nullptr; }
    bool connected() const { return connected_; }
    const settings& config() const { return settings_; }
    void count_round_trip() noexcept { ++stats_.round_trips; }
    const net::any_io_executor& executor() const { return ex_; }
    connection_stats stats() const {
        auto s = stats_;
        s.connected = connected_;
        return s;
    }

private:
    net::awaitable<void> run() {
        int attempt = 0;
        bool had_connection = false;
        while (!stopped_) {
            const bool ok = co_await connect_once(attempt);
            if (stopped_) {
                // stop() may have come while this attempt was resolving or connecting:
                // a connection made after it must not outlive it (it would keep the
                // io_context busy forever).
                drop_context();
                break;
            }
            if (!ok) {
                net::steady_timer t(ex_, backoff(attempt++));
                co_await t.async_wait(use_tuple);
                continue;
            }
            attempt = 0;
            ++stats_.connects;
            if (had_connection) {
                ++stats_.reconnects;
                spdlog::info("valkey: {} reconnected to {}:{}", name_, settings_.host, settings_.port);
            }
            had_connection = true;
            if (on_connected_) on_connected_(ac_);
            while (connected_ && !stopped_) {
                signal_.expires_at(net::steady_timer::time_point::max());
                co_await signal_.async_wait(use_tuple);
            }
        }
    }

    std::chrono::milliseconds backoff(int attempt) {
        const long long ceiling =
            std::min<long long>(settings_.backoff_max.count(), settings_.backoff_min.count() << std::min(attempt, 16));
        std::uniform_int_distribution<long long> d(settings_.backoff_min.count(),
                                                   std::max<long long>(settings_.backoff_min.count(), ceiling));
        return std::chrono::milliseconds(d(rng_));
    }

    net::awaitable<bool> connect_once(int attempt) {
        net::ip::tcp::resolver resolver(ex_);
        auto [rec, results] =
            co_await resolver.async_resolve(settings_.host, std::to_string(settings_.port), use_tuple);
        if (rec || results.empty()) {
            log_failure(attempt, "cannot resolve host: " + rec.message());
            co_return false;
        }
        if (stopped_) co_return false;
        const std::string ip = results.begin()->endpoint().address().to_string();
        redisAsyncContext* ac = redisAsyncConnect(ip.c_str(), settings_.port);
        if (ac == nullptr) co_return false;
        if (ac->err != 0) {
            log_failure(attempt, ac->errstr);
            redisAsyncFree(ac);
            co_return false;
        }
        ac->data = this;
        asio_adapter::attach(ex_, ac);
        redisAsyncSetConnectCallback(ac, &connection_core::on_connect);
        redisAsyncSetDisconnectCallback(ac, &connection_core::on_disconnect);
        ac_ = ac;
        connect_status_.reset();
        signal_.expires_after(settings_.connect_timeout);
        co_await signal_.async_wait(use_tuple);
        if (connect_status_ && *connect_status_ == REDIS_OK && ac_ != nullptr) {
            connected_ = true;
            co_return true;
        }
        if (!connect_status_ && ac_ != nullptr) { // still connecting: give up on it
            auto* pending = ac_;
            ac_ = nullptr;
            redisAsyncFree(pending);
            log_failure(attempt, "connect timeout");
        } else {
            log_failure(attempt, "connection refused");
        }
        ac_ = nullptr;
        co_return false;
    }

    void log_failure(int attempt, const std::string& why) {
        // The first failure and then every 16th: an outage must not flood the log.
        if (attempt % 16 == 0) {
            spdlog::warn("valkey: {} cannot connect to {}:{}: {}", name_, settings_.host, settings_.port, why);
        }
    }

    static void on_connect(const redisAsyncContext* ac, int status) {
        auto* self = static_cast<connection_core*>(ac->data);
        self->connect_status_ = status;
        if (status != REDIS_OK) self->ac_ = nullptr; // hiredis frees it after this callback
        self->signal_.cancel();
    }

    static void on_disconnect(const redisAsyncContext* ac, int /*status*/) {
        auto* self = static_cast<connection_core*>(ac->data);
        self->ac_ = nullptr;
        const bool was_connected = self->connected_;
        self->connected_ = false;
        if (!self->stopped_) {
            ++self->stats_.disconnects;
            if (was_connected) spdlog::warn("valkey: {} connection lost", self->name_);
        }
        self->signal_.cancel();
    }

    net::any_io_executor ex_;
    settings settings_;
    std::string name_;
    net::steady_timer signal_;
    std::mt19937_64 rng_;
    connected_hook on_connected_;
    redisAsyncContext* ac_ = nullptr;
    std::optional<int> connect_status_;
    bool connected_ = false;
    bool started_ = false;
    bool stopped_ = false;
    connection_stats stats_;
};

namespace {

// The replies of one command or pipeline, completed by hiredis callbacks.
struct pending_batch {
    explicit pending_batch(const net::any_io_executor& ex, std::size_t n) : replies(n), remaining(n), timer(ex) {}
    std::vector<reply> replies;
    std::size_t remaining;
    bool lost = false;
    net::steady_timer timer;
};

struct reply_slot {
    std::shared_ptr<pending_batch> batch;
    std::size_t index;
};

void on_reply(redisAsyncContext*, void* r, void* privdata) {
    std::unique_ptr<reply_slot> slot(static_cast<reply_slot*>(privdata));
    auto& b = *slot->batch;
    if (r == nullptr) {
        b.lost = true; // disconnected or freed before the reply came
    } else {
        b.replies[slot->index] = copy_reply(static_cast<redisReply*>(r));
    }
    if (b.remaining > 0) --b.remaining;
    if (b.remaining == 0 || b.lost) b.timer.cancel();
}

bool send(redisAsyncContext* ac, const command_args& args, reply_slot* slot) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    argv.reserve(args.size());
    lens.reserve(args.size());
    for (const auto& a : args) {
        argv.push_back(a.data());
        lens.push_back(a.size());
    }
    return redisAsyncCommandArgv(ac, &on_reply, slot, static_cast<int>(args.size()), argv.data(), lens.data()) ==
           REDIS_OK;
}

// `cmds` by reference: every caller awaits it at once, and eval keeps its command for the
// NOSCRIPT retry without a copy (a frame's PUBLISH carries 1.5 KiB).
net::awaitable<std::vector<reply>> execute(connection_core& core, const std::vector<command_args>& cmds,
                                           std::chrono::milliseconds timeout) {
    if (cmds.empty()) co_return std::vector<reply>{};
    auto* ac = core.ready_context();
    if (ac == nullptr) throw unavailable("is not reachable");
    core.count_round_trip();
    auto batch = std::make_shared<pending_batch>(core.executor(), cmds.size());
    for (std::size_t i = 0; i < cmds.size(); ++i) {
        if (cmds[i].empty()) throw std::invalid_argument("empty Valkey command");
        auto slot = std::make_unique<reply_slot>(reply_slot{batch, i});
        if (!send(ac, cmds[i], slot.get())) {
            batch->lost = true;
            break;
        }
        static_cast<void>(slot.release()); // hiredis owns it until on_reply
    }
    if (!batch->lost) {
        batch->timer.expires_after(timeout);
        co_await batch->timer.async_wait(use_tuple);
    }
    if (batch->remaining == 0 && !batch->lost) co_return std::move(batch->replies);
    if (batch->lost) throw unavailable("connection lost");
    // No answer in time: the link is unusable (replies are ordered), start over.
    core.drop_context();
    throw unavailable("did not answer within " + std::to_string(timeout.count()) + " ms");
}

// Typed-helper checks: a reply of the wrong kind is a programming or data error.
const reply& expect_ok(const reply& r) {
    if (r.is_error()) throw std::runtime_error("Valkey error: " + r.str);
    return r;
}
std::int64_t as_integer(const reply& r) {
    expect_ok(r);
    if (r.type != reply::kind::integer) throw std::runtime_error("Valkey: expected an integer");
    return r.integer;
}
std::vector<std::string> as_strings(const reply& r) {
    expect_ok(r);
    std::vector<std::string> out;
    for (const auto& e : r.elements) out.push_back(e.str);
    return out;
}

} // namespace

// ---- client

namespace {

// SCRIPT LOAD without waiting for the reply: EVALSHA's NOSCRIPT path covers a lost one.
void send_script_load(redisAsyncContext* ac, const script& s) {
    const char* argv[] = {"SCRIPT", "LOAD", s.body().data()};
    const std::size_t lens[] = {6, 4, s.body().size()};
    redisAsyncCommandArgv(ac, nullptr, nullptr, 3, argv, lens);
}

std::string sha1_hex(const std::string& text) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha1(), nullptr) != 1) {
        throw std::runtime_error("SHA1 of a Valkey script failed");
    }
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(std::size_t{2} * size);
    for (unsigned int i = 0; i < size; ++i) {
        const auto b = digest[i];
        out.push_back(hex[b >> 4]);
        out.push_back(hex[b & 0xf]);
    }
    return out;
}

} // namespace

script::script(std::string body) : body_(std::move(body)), sha1_(sha1_hex(body_)) {}

client::client(net::any_io_executor ex, settings s)
    : core_(std::make_shared<connection_core>(std::move(ex), s, "client")),
      keys_(s.key_prefix),
      preloaded_(std::make_shared<std::vector<script>>()) {
    core_->set_connected_hook([list = preloaded_](redisAsyncContext* ac) {
        for (const auto& sc : *list) send_script_load(ac, sc);
    });
}

void client::preload(const script& s) {
    const auto same = [&s](const script& kept) { return kept.sha1() == s.sha1(); };
    if (std::any_of(preloaded_->begin(), preloaded_->end(), same)) return;
    preloaded_->push_back(s);
    if (auto* ac = core_->ready_context()) send_script_load(ac, s);
}

net::awaitable<reply> client::eval(const script& s, std::vector<std::string> keys, std::vector<std::string> args) {
    command_args cmd;
    cmd.reserve(3 + keys.size() + args.size());
    cmd.push_back("EVALSHA");
    cmd.push_back(s.sha1());
    cmd.push_back(std::to_string(keys.size()));
    for (auto& k : keys) cmd.push_back(std::move(k));
    for (auto& a : args) cmd.push_back(std::move(a));
    std::vector<command_args> one;
    one.push_back(std::move(cmd));
    auto firsts = co_await execute(*core_, one, core_->config().command_timeout);
    auto& first = firsts.front();
    if (!first.is_error() || first.str.rfind("NOSCRIPT", 0) != 0) co_return std::move(first);
    // Not loaded on this server (restarted, flushed, a new replica): load and retry once.
    std::vector<command_args> retry;
    retry.push_back({"SCRIPT", "LOAD", s.body()});
    retry.push_back(std::move(one.front()));
    auto replies = co_await pipeline(std::move(retry));
    co_return std::move(replies.back());
}

client::~client() { core_->stop(); }

void client::start() { core_->start(); }
void client::stop() { core_->stop(); }

net::awaitable<void> client::wait_connected(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    net::steady_timer t(core_->executor());
    while (!core_->connected()) {
        if (std::chrono::steady_clock::now() >= deadline) throw unavailable("is not reachable");
        t.expires_after(std::chrono::milliseconds(10));
        co_await t.async_wait(use_tuple);
    }
}

net::awaitable<reply> client::command(command_args args) {
    std::vector<command_args> one;
    one.push_back(std::move(args));
    auto r = co_await execute(*core_, one, core_->config().command_timeout);
    co_return std::move(r.front());
}

net::awaitable<std::vector<reply>> client::pipeline(std::vector<command_args> commands) {
    co_return co_await execute(*core_, commands, core_->config().command_timeout);
}

net::awaitable<bool> client::ping(std::chrono::milliseconds timeout) {
    try {
        std::vector<command_args> one{{"PING"}};
        const auto r = co_await execute(*core_, one, timeout);
        co_return r.front().type == reply::kind::status&& r.front().str == "PONG";
    } catch (const std::exception&) {
        co_return false;
    }
}

net::awaitable<std::optional<std::string>> client::get(std::string key) {
    command_args cmd{"GET", std::move(key)};
    const auto r = co_await command(std::move(cmd));
    co_return expect_ok(r).text();
}

net::awaitable<bool> client::set(std::string key, std::string value, std::optional<std::chrono::seconds> ex,
                                 bool only_if_absent) {
    command_args args{"SET", std::move(key), std::move(value)};
    if (ex) {
        args.push_back("EX");
        args.push_back(std::to_string(ex->count()));
    }
    if (only_if_absent) args.push_back("NX");
    const auto r = co_await command(std::move(args));
    co_return !expect_ok(r).is_nil();
}

net::awaitable<std::int64_t> client::del(std::vector<std::string> keys) {
    command_args args{"DEL"};
    for (auto& k : keys) args.push_back(std::move(k));
    co_return as_integer(co_await command(std::move(args)));
}

net::awaitable<std::int64_t> client::del(std::string key) {
    std::vector<std::string> keys;
    keys.push_back(std::move(key));
    co_return co_await del(std::move(keys));
}

net::awaitable<bool> client::expire(std::string key, std::chrono::seconds ttl) {
    command_args cmd{"EXPIRE", std::move(key), std::to_string(ttl.count())};
    co_return as_integer(co_await command(std::move(cmd))) == 1;
}

net::awaitable<std::int64_t> client::ttl(std::string key) {
    command_args cmd{"TTL", std::move(key)};
    co_return as_integer(co_await command(std::move(cmd)));
}

net::awaitable<std::int64_t> client::incr(std::string key) {
    command_args cmd{"INCR", std::move(key)};
    co_return as_integer(co_await command(std::move(cmd)));
}

net::awaitable<std::int64_t> client::exists(std::string key) {
    command_args cmd{"EXISTS", std::move(key)};
    co_return as_integer(co_await command(std::move(cmd)));
}

net::awaitable<std::int64_t> client::hset(std::string key, std::vector<std::pair<std::string, std::string>> fields) {
    command_args args{"HSET", std::move(key)};
    for (auto& [f, v] : fields) {
        args.push_back(std::move(f));
        args.push_back(std::move(v));
    }
    co_return as_integer(co_await command(std::move(args)));
}

net::awaitable<std::optional<std::string>> client::hget(std::string key, std::string field) {
    command_args cmd{"HGET", std::move(key), std::move(field)};
    const auto r = co_await command(std::move(cmd));
    co_return expect_ok(r).text();
}

net::awaitable<std::vector<std::pair<std::string, std::string>>> client::hgetall(std::string key) {
    command_args cmd{"HGETALL", std::move(key)};
    const auto flat = as_strings(co_await command(std::move(cmd)));
    std::vector<std::pair<std::string, std::string>> out;
    for (std::size_t i = 0; i + 1 < flat.size(); i += 2) out.emplace_back(flat[i], flat[i + 1]);
    co_return out;
}

net::awaitable<std::int64_t> client::hincrby(std::string key, std::string field, std::int64_t by) {
    command_args cmd{"HINCRBY", std::move(key), std::move(field), std::to_string(by)};
    co_return as_integer(co_await command(std::move(cmd)));
}

net::awaitable<std::int64_t> client::rpush(std::string key, std::vector<std::string> values) {
    command_args args{"RPUSH", std::move(key)};
    for (auto& v : values) args.push_back(std::move(v));
    co_return as_integer(co_await command(std::move(args)));
}

net::awaitable<std::int64_t> client::lpush(std::string key, std::vector<std::string> values) {
    command_args args{"LPUSH", std::move(key)};
    for (auto& v : values) args.push_back(std::move(v));
    co_return as_integer(co_await command(std::move(args)));
}

net::awaitable<std::vector<std::string>> client::lrange(std::string key, std::int64_t start, std::int64_t stop) {
    command_args cmd{"LRANGE", std::move(key), std::to_string(start), std::to_string(stop)};
    co_return as_strings(co_await command(std::move(cmd)));
}

net::awaitable<std::int64_t> client::lrem(std::string key, std::int64_t count, std::string value) {
    command_args cmd{"LREM", std::move(key), std::to_string(count), std::move(value)};
    co_return as_integer(co_await command(std::move(cmd)));
}

net::awaitable<std::int64_t> client::llen(std::string key) {
    command_args cmd{"LLEN", std::move(key)};
    co_return as_integer(co_await command(std::move(cmd)));
}

net::awaitable<std::int64_t> client::sadd(std::string key, std::vector<std::string> members) {
    command_args args{"SADD", std::move(key)};
    for (auto& m : members) args.push_back(std::move(m));
    co_return as_integer(co_await command(std::move(args)));
}

net::awaitable<std::int64_t> client::srem(std::string key, std::vector<std::string> members) {
    command_args args{"SREM", std::move(key)};
    for (auto& m : members) args.push_back(std::move(m));
    co_return as_integer(co_await command(std::move(args)));
}

net::awaitable<std::vector<std::string>> client::smembers(std::string key) {
    command_args cmd{"SMEMBERS", std::move(key)};
    co_return as_strings(co_await command(std::move(cmd)));
}

net::awaitable<std::int64_t> client::publish(std::string channel, std::string message) {
    command_args cmd{"PUBLISH", std::move(channel), std::move(message)};
    co_return as_integer(co_await command(std::move(cmd)));
}

connection_stats client::stats() const { return core_->stats(); }

// ---- subscriber

struct subscriber::state {
    net::any_io_executor ex;
    handler on_message;
    std::vector<std::string> channels;
    std::set<std::string> acknowledged;
    std::weak_ptr<state> weak_self;
};

namespace {

void on_subscription_reply(redisAsyncContext*, void* r, void* privdata) {
    if (r == nullptr) return; // disconnect/free: nothing to deliver
    auto* st = static_cast<subscriber::state*>(privdata);
    const auto* rr = static_cast<redisReply*>(r);
    if (rr->type != REDIS_REPLY_ARRAY || rr->elements < 3) return;
    const std::string kind(rr->element[0]->str, rr->element[0]->len);
    const std::string channel(rr->element[1]->str, rr->element[1]->len);
    if (kind == "subscribe") {
        st->acknowledged.insert(channel);
    } else if (kind == "message" && rr->element[2]->type == REDIS_REPLY_STRING) {
        std::string message(rr->element[2]->str, rr->element[2]->len);
        // Deliver outside hiredis's read loop; the subscriber may be gone by then.
        net::post(st->ex, [w = st->weak_self, channel, message = std::move(message)] {
            if (auto s = w.lock(); s && s->on_message) s->on_message(channel, message);
        });
    }
}

void send_subscribe(redisAsyncContext* ac, subscriber::state* st, const std::string& channel) {
    const char* argv[] = {"SUBSCRIBE", channel.data()};
    const std::size_t lens[] = {9, channel.size()};
    redisAsyncCommandArgv(ac, &on_subscription_reply, st, 2, argv, lens);
}

} // namespace

subscriber::subscriber(net::any_io_executor ex, settings s, handler on_message)
    : core_(std::make_shared<connection_core>(ex, std::move(s), "subscriber")), state_(std::make_shared<state>()) {
    state_->ex = ex;
    state_->on_message = std::move(on_message);
    state_->weak_self = state_;
    core_->set_connected_hook([st = state_.get()](redisAsyncContext* ac) {
        st->acknowledged.clear();
        for (const auto& c : st->channels) send_subscribe(ac, st, c);
    });
}

subscriber::~subscriber() { core_->stop(); }

void subscriber::start() { core_->start(); }
void subscriber::stop() { core_->stop(); }

void subscriber::subscribe(std::string channel) {
    if (std::find(state_->channels.begin(), state_->channels.end(), channel) != state_->channels.end()) {
        return;
    }
    state_->channels.push_back(channel);
    if (auto* ac = core_->ready_context()) send_subscribe(ac, state_.get(), state_->channels.back());
}

void subscriber::unsubscribe(const std::string& channel) {
    const auto it = std::find(state_->channels.begin(), state_->channels.end(), channel);
    if (it == state_->channels.end()) return;
    state_->channels.erase(it);
    state_->acknowledged.erase(channel);
    if (auto* ac = core_->ready_context()) {
        const char* argv[] = {"UNSUBSCRIBE", channel.data()};
        const std::size_t lens[] = {11, channel.size()};
        redisAsyncCommandArgv(ac, &on_subscription_reply, state_.get(), 2, argv, lens);
    }
}

bool subscriber::subscribed() const {
    if (!core_->connected()) return false;
    for (const auto& c : state_->channels) {
        if (!state_->acknowledged.count(c)) return false;
    }
    return true;
}

connection_stats subscriber::stats() const { return core_->stats(); }

} // namespace asistencia::infra::valkey
