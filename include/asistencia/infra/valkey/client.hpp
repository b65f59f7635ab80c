// Async Valkey client: hiredis's async API driven by the io_context through a small Asio
// adapter (no thread per connection), awaitable commands and pipelines, automatic
// reconnection with jittered backoff, and a dedicated subscriber connection for pub/sub.
// Not thread-safe: use it from the io_context's single thread.
//
// While the connection is down, or when a command times out, calls throw
// application::dependency_unavailable("valkey") at once instead of
// waiting; a reply of type error (wrong type, syntax) is returned to the caller as a reply,
// or thrown as std::runtime_error by the typed helpers.
#pragma once

#include "asistencia/infra/valkey/keys.hpp"
#include "asistencia/infra/valkey/reply.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace asistencia::infra::valkey {

namespace net = boost::asio;

struct settings {
    std::string host = "127.0.0.1";
    int port = 6379;
    std::string key_prefix;
    std::chrono::milliseconds command_timeout{2000};
    std::chrono::milliseconds connect_timeout{2000};
    std::chrono::milliseconds backoff_min{50};
    std::chrono::milliseconds backoff_max{2000};
};

struct connection_stats {
    bool connected = false;
    std::uint64_t connects = 0;    // successful connections, the first included
    std::uint64_t reconnects = 0;  // successful connections after a loss
    std::uint64_t disconnects = 0; // connections lost (not counting stop())
    std::uint64_t round_trips = 0; // commands and pipelines sent (each one write, one wait)
};

using command_args = std::vector<std::string>;

// A Lua script run by EVALSHA (client::eval): its text and SHA1, computed once.
class script {
public:
    explicit script(std::string body);
    const std::string& body() const noexcept { return body_; }
    const std::string& sha1() const noexcept { return sha1_; }

private:
    std::string body_;
    std::string sha1_; // lowercase hex, as SCRIPT LOAD returns it
};

class connection_core;

class client {
public:
    client(net::any_io_executor ex, settings s);
    ~client();
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    // Starts connecting in the background (and reconnecting whenever the link drops).
    void start();
    // Disconnects for good; pending commands fail with dependency_unavailable.
    void stop();
    // Resolves once connected, or throws dependency_unavailable after `timeout`.
    net::awaitable<void> wait_connected(std::chrono::milliseconds timeout);

    net::awaitable<reply> command(command_args args);
    // Several commands written together, one round trip; replies in order.
    net::awaitable<std::vector<reply>> pipeline(std::vector<command_args> commands);

    // EVALSHA of a script; on NOSCRIPT (a Valkey restarted or flushed since the load) loads
    // it and runs it again in one pipelined round trip. Error replies of the script itself
    // are returned as replies.
    net::awaitable<reply> eval(const script& s, std::vector<std::string> keys, std::vector<std::string> args);
    // SCRIPT LOAD `s` on every (re)connection from now on (and now, if connected), so
    // EVALSHA finds it (the client keeps a copy; a script already kept is not added twice).
    void preload(const script& s);

    // Readiness: PING answered within `timeout`. Never throws.
    net::awaitable<bool> ping(std::chrono::milliseconds timeout);

    // Typed helpers (binary-safe values).
    net::awaitable<std::optional<std::string>> get(std::string key);
    // SET with optional EX and NX; false when NX refused the write.
    net::awaitable<bool> set(std::string key, std::string value, std::optional<std::chrono::seconds> ex = std::nullopt,
                             bool only_if_absent = false);
    net::awaitable<std::int64_t> del(std::vector<std::string> keys);
    net::awaitable<std::int64_t> del(std::string key);
    net::awaitable<bool> expire(std::string key, std::chrono::seconds ttl);
    net::awaitable<std::int64_t> ttl(std::string key);
    net::awaitable<std::int64_t> incr(std::string key);
    net::awaitable<std::int64_t> exists(std::string key);
    net::awaitable<std::int64_t> hset(std::string key, std::vector<std::pair<std::string, std::string>> fields);
    net::awaitable<std::optional<std::string>> hget(std::string key, std::string field);
    net::awaitable<std::vector<std::pair<std::string, std::string>>> hgetall(std::string key);
    net::awaitable<std::int64_t> hincrby(std::string key, std::string field, std::int64_t by);
    net::awaitable<std::int64_t> rpush(std::string key, std::vector<std::string> values);
    net::awaitable<std::int64_t> lpush(std::string key, std::vector<std::string> values);
    net::awaitable<std::vector<std::string>> lrange(std::string key, std::int64_t start, std::int64_t stop);
    net::awaitable<std::int64_t> lrem(std::string key, std::int64_t count, std::string value);
    net::awaitable<std::int64_t> llen(std::string key);
    net::awaitable<std::int64_t> sadd(std::string key, std::vector<std::string> members);
    net::awaitable<std::int64_t> srem(std::string key, std::vector<std::string> members);
    net::awaitable<std::vector<std::string>> smembers(std::string key);
    net::awaitable<std::int64_t> publish(std::string channel, std::string message);

    const key_builder& keys() const noexcept { return keys_; }
    connection_stats stats() const;

private:
    std::shared_ptr<connection_core> core_;
    key_builder keys_;
    std::shared_ptr<std::vector<script>> preloaded_; // shared with the connect hook
};

// A connection in subscriber mode. Channels are (re)subscribed after every (re)connect;
// messages are delivered to the handler on the io_context, never inside hiredis.
class subscriber {
public:
    using handler = std::function<void(const std::string& channel, const std::string& message)>;

    subscriber(net::any_io_executor ex, settings s, handler on_message);
    ~subscriber();
    subscriber(const subscriber&) = delete;
    subscriber& operator=(const subscriber&) = delete;

    void start();
    void stop();
    // Channel names are used as given (build them with key_builder::raw for the prefix).
    void subscribe(std::string channel);
    // Stops listening to a channel (messages already on their way may still arrive).
    void unsubscribe(const std::string& channel);
    // True once every requested channel's subscription was acknowledged on this connection.
    bool subscribed() const;
    connection_stats stats() const;

    struct state; // defined in client.cpp

private:
    std::shared_ptr<connection_core> core_;
    std::shared_ptr<state> state_;
};

} // namespace asistencia::infra::valkey
