// Connection pool over libpqxx for coroutine callers: blocking libpq work runs on the
// pool's own worker threads, the caller's coroutine resumes on its own executor.
#pragma once

#include "asistencia/infra/postgres/settings.hpp"

#include <boost/asio/awaitable.hpp>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/transaction>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace asistencia::infra::postgres {

namespace net = boost::asio;

// A statement repositories register once; `name` also identifies it in logs.
struct prepared_statement {
    std::string name;
    std::string sql;
};

struct pool_stats {
    std::size_t size = 0;    // configured maximum of connections
    std::size_t open = 0;    // connections currently established
    std::size_t in_use = 0;  // leased to a running transaction (or being connected)
    std::size_t waiting = 0; // callers queued for a free connection
};

enum class isolation { read_committed, repeatable_read, serializable };

// Thread-safe. Connections are opened lazily, up to settings.pool_size. Destroy the pool
// only after every operation on it has finished (the io_context has stopped).
//
// Errors, for every awaitable below (the repositories' contract):
// - no free connection within acquire_timeout, PostgreSQL unreachable, connection lost,
//   statement timeout  -> application::dependency_unavailable("postgres"); a lost
//   connection is dropped and a new one opened by a later call;
// - unique/foreign-key/exclusion violation -> errc::conflict "conflict";
//   not-null/check violation or bad data (class 22) -> errc::invalid_value "invalid_value";
// - serialization failure / deadlock -> the transaction is retried (max_retries), then
//   dependency_unavailable;
// - any other database error -> errc::internal "internal_error" (details only in the log);
// - an exception F throws that is not a pqxx one (e.g. an application::error) passes through
//   unchanged after the rollback.
// F may run more than once (retries, a stale connection after a server restart): keep it
// free of effects outside the transaction.
class pool {
public:
    explicit pool(pg_settings settings);
    ~pool();
    pool(const pool&) = delete;
    pool& operator=(const pool&) = delete;

    // Registers a prepared statement once (e.g. in a repository's constructor). Every
    // connection, including ones opened later or after a reconnect, prepares it before
    // the next transaction runs. Same name with different SQL throws std::logic_error.
    void prepare(std::string name, std::string sql);

    // Runs f(pqxx::work&) in a read-write transaction: commit when f returns, rollback
    // when it throws. `op` names the operation in logs.
    template <class F>
    net::awaitable<std::invoke_result_t<F&, pqxx::work&>> with_transaction(std::string op, F f,
                                                                           isolation iso = isolation::read_committed);

    // One statement in autocommit (f gets a pqxx::nontransaction&): a single INSERT costs
    // one round trip instead of three (BEGIN, INSERT, COMMIT). Only for f that runs exactly
    // one statement, which is atomic by itself. Like every call it is retried on a stale
    // connection; a connection lost after the server committed but before the answer arrived
    // can repeat the statement, so use it where a repeat is harmless.
    // Reads are fine too (one statement sees one snapshot) and return what f returns.
    template <class F>
    net::awaitable<std::invoke_result_t<F&, pqxx::nontransaction&>> with_single_statement(std::string op, F f);

    // Same, in a READ ONLY transaction (f gets a pqxx::read_transaction&).
    template <class F>
    net::awaitable<std::invoke_result_t<F&, pqxx::read_transaction&>> with_read_transaction(std::string op, F f);

    // Health check for /readyz: SELECT 1 on a pooled connection, bounded by `timeout`
    // for the wait and the statement (a new connection also obeys connect_timeout).
    // Returns false instead of throwing.
    net::awaitable<bool> ping(std::chrono::milliseconds timeout = std::chrono::milliseconds(1000));

    pool_stats stats() const;
    const pg_settings& settings() const noexcept;

    // How many times a serialization failure or deadlock is retried.
    static constexpr int max_retries = 3;

private:
    using body_fn = std::function<void(pqxx::connection&)>;
    net::awaitable<void> run_(std::string op, const body_fn& body,
                              std::optional<std::chrono::milliseconds> wait_limit = {});
    // f(tx&) in a fresh Tx (nontransaction or read_transaction), committed when f returns.
    template <class Tx, class F>
    net::awaitable<std::invoke_result_t<F&, Tx&>> run_in_(std::string op, F f);
    static void begin_isolation(pqxx::work& w, isolation iso);

    struct impl;
    std::shared_ptr<impl> impl_;
};

template <class F>
net::awaitable<std::invoke_result_t<F&, pqxx::work&>> pool::with_transaction(std::string op, F f, isolation iso) {
    using T = std::invoke_result_t<F&, pqxx::work&>;
    if constexpr (std::is_void_v<T>) {
        const body_fn body = [&](pqxx::connection& c) {
            pqxx::work w(c);
            begin_isolation(w, iso);
            f(w);
            w.commit();
        };
        co_await run_(std::move(op), body); // NOLINT(bugprone-use-after-move): the [&] body never reads op
    } else {
        std::optional<T> out;
        const body_fn body = [&](pqxx::connection& c) {
            pqxx::work w(c);
            begin_isolation(w, iso);
            out.emplace(f(w));
            w.commit();
        };
        co_await run_(std::move(op), body); // NOLINT(bugprone-use-after-move): the [&] body never reads op
        co_return std::move(*out);
    }
}

template <class Tx, class F>
net::awaitable<std::invoke_result_t<F&, Tx&>> pool::run_in_(std::string op, F f) {
    using T = std::invoke_result_t<F&, Tx&>;
    if constexpr (std::is_void_v<T>) {
        const body_fn body = [&](pqxx::connection& c) {
            Tx tx(c);
            f(tx);
            tx.commit(); // a no-op for a nontransaction
        };
        co_await run_(std::move(op), body); // NOLINT(bugprone-use-after-move): the [&] body never reads op
    } else {
        std::optional<T> out;
        const body_fn body = [&](pqxx::connection& c) {
            Tx tx(c);
            out.emplace(f(tx));
            tx.commit();
        };
        co_await run_(std::move(op), body); // NOLINT(bugprone-use-after-move): the [&] body never reads op
        co_return std::move(*out);
    }
}

template <class F>
net::awaitable<std::invoke_result_t<F&, pqxx::nontransaction&>> pool::with_single_statement(std::string op, F f) {
    return run_in_<pqxx::nontransaction>(std::move(op), std::move(f));
}

template <class F>
net::awaitable<std::invoke_result_t<F&, pqxx::read_transaction&>> pool::with_read_transaction(std::string op, F f) {
    return run_in_<pqxx::read_transaction>(std::move(op), std::move(f));
}

} // namespace asistencia::infra::postgres
