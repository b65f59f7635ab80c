// The connection pool: leases with a bounded wait on the caller's executor, blocking
// libpqxx work on the pool's thread_pool, SQLSTATE-aware error translation, reconnects.
#include "asistencia/infra/postgres/pool.hpp"

#include "asistencia/application/errors.hpp"
#include "asistencia/infra/postgres/errors.hpp"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <deque>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace asistencia::infra::postgres {
namespace {

using application::dependency_unavailable;

// One pool slot. A slot without a connection is a permit to open one.
struct slot {
    std::unique_ptr<pqxx::connection> conn;
    std::size_t prepared = 0; // how many registered statements this connection has
};

// A coroutine queued for a slot. Guarded by impl::mu_. Whoever sets `done` first (a
// releasing caller or the acquire timer) completes the handler.
struct waiter {
    bool done = false;
    std::optional<slot> granted;
    // Posts the suspended coroutine's completion handler to its own executor.
    std::function<void()> wake;
};

// What a blocking attempt ended with; decided on the worker thread.
struct attempt_result {
    enum class next { done, retry_serialization, retry_stale, fail } what = next::done;
    std::exception_ptr error; // rethrown on the caller's executor when what == fail
};

} // namespace

struct pool::impl : std::enable_shared_from_this<pool::impl> {
    explicit impl(pg_settings s)
        : settings_(std::move(s)), conninfo_(conninfo(settings_)), workers_(settings_.pool_size) {
        for (std::size_t i = 0; i < settings_.pool_size; ++i) {
            idle_.emplace_back();
        }
    }

    const pg_settings settings_;
    const std::string conninfo_;
    net::thread_pool workers_; // one thread per connection: a lease always finds a thread

    mutable std::mutex mu_;
    std::deque<slot> idle_; // open connections at the front, empty slots at the back
    std::deque<std::shared_ptr<waiter>> waiters_;
    std::size_t in_use_ = 0;
    std::size_t open_ = 0;
    std::vector<prepared_statement> statements_; // append-only

    // Completes a waiter; called with mu_ held, the handler runs later on its executor.
    static void complete_locked(waiter& w) {
        w.done = true;
        if (w.wake) {
            auto wake = std::move(w.wake);
            w.wake = nullptr;
            wake();
        }
    }

    template <class Token>
    auto async_wait_grant(std::shared_ptr<waiter> w, Token&& token) {
        return net::async_initiate<Token, void()>(
            [self = shared_from_this(), w](auto handler) {
                // std::function needs a copyable target; the handler is move-only.
                auto h = std::make_shared<decltype(handler)>(std::move(handler));
                std::lock_guard lk(self->mu_);
                w->wake = [h]() {
                    auto ex = net::get_associated_executor(*h);
                    net::post(ex, std::move(*h));
                };
                if (w->done) {
                    complete_locked(*w);
                }
            },
            token);
    }

    void expire(const std::shared_ptr<waiter>& w) {
        std::lock_guard lk(mu_);
        if (w->done) {
            return;
        }
        std::erase(waiters_, w);
        complete_locked(*w);
    }

    net::awaitable<slot> acquire(std::chrono::milliseconds limit) {
        auto ex = co_await net::this_coro::executor;
        std::shared_ptr<waiter> w;
        {
            std::lock_guard lk(mu_);
            if (!idle_.empty()) {
                slot s = std::move(idle_.front());
                idle_.pop_front();
                ++in_use_;
                co_return s;
            }
            w = std::make_shared<waiter>();
            waiters_.push_back(w);
        }
        // The timer lives on the caller's executor, so the bound holds even when every
        // worker thread is busy in a slow query.
        net::steady_timer timer(ex, limit);
        timer.async_wait([self = shared_from_this(), w](boost::system::error_code ec) {
            if (!ec) {
                self->expire(w);
            }
        });
        co_await async_wait_grant(w, net::use_awaitable);
        timer.cancel();
        std::optional<slot> got;
        {
            std::lock_guard lk(mu_);
            got = std::move(w->granted);
        }
        if (!got) {
            spdlog::warn("postgres: no connection free within {} ms (all {} in use)", limit.count(),
                         settings_.pool_size);
            throw dependency_unavailable("postgres", "the database is busy, try again");
        }
        co_return std::move(*got);
    }

    // Returns a slot; a dropped connection comes back as an empty slot (a permit to
    // reconnect). A queued caller gets it directly, in FIFO order.
    void release(slot s) {
        std::lock_guard lk(mu_);
        if (!waiters_.empty()) {
            auto w = std::move(waiters_.front());
            waiters_.pop_front();
            w->granted = std::move(s);
            complete_locked(*w);
            return; // in_use_ unchanged: the lease passes to the waiter
        }
        --in_use_;
        if (s.conn) {
            idle_.push_front(std::move(s));
        } else {
            idle_.push_back(std::move(s));
        }
    }

    std::size_t note_opened() {
        std::lock_guard lk(mu_);
        return ++open_;
    }

    // A failed connect is "postgres unavailable" whatever libpq said (refused, auth, too many clients):
    // the caller can do nothing about it; the operator reads the log.
    static pg_error_kind classify_connect(const std::exception& e) {
        const auto k = classify_pg_error(e);
        return k == pg_error_kind::resources ? k : pg_error_kind::connection;
    }
    // A lost connection usually means the server restarted or failed over, so the idle
    // ones are dead too: close them all and let later calls reconnect lazily.
    void note_dropped(slot& s) {
        s.conn.reset();
        s.prepared = 0;
        std::vector<std::unique_ptr<pqxx::connection>> stale;
        {
            std::lock_guard lk(mu_);
            --open_;
            for (auto& idle : idle_) {
                if (idle.conn) {
                    stale.push_back(std::move(idle.conn));
                    idle.prepared = 0;
                    --open_;
                }
            }
        }
        // Closed outside the lock: closing talks to the socket.
    }

    // Worker thread: opens the connection if needed, prepares the statements it lacks,
    // runs the body, classifies a failure.
    attempt_result attempt(slot& s, const std::string& op, const body_fn& body) {
        bool reused = static_cast<bool>(s.conn);
        try {
            if (!s.conn) {
                try {
                    s.conn = std::make_unique<pqxx::connection>(conninfo_);
                } catch (const std::exception& e) {
                    // libpq's message names host and port, never the password.
                    spdlog::warn("postgres: cannot connect to {}:{}/{}: {}", settings_.host, settings_.port,
                                 settings_.dbname, e.what());
                    return {attempt_result::next::fail, application_error_of(classify_connect(e))};
                }
                const auto open = note_opened();
                spdlog::info("postgres: connected to {}:{}/{} ({} of {} open)", settings_.host, settings_.port,
                             settings_.dbname, open, settings_.pool_size);
            }
            std::vector<prepared_statement> missing;
            {
                std::lock_guard lk(mu_);
                missing.assign(statements_.begin() + static_cast<std::ptrdiff_t>(s.prepared), statements_.end());
            }
            for (const auto& st : missing) {
                s.conn->prepare(st.name, st.sql);
                ++s.prepared;
            }
            body(*s.conn);
            return {};
        } catch (const std::exception& e) {
            const auto kind = classify_pg_error(e);
            const bool lost =
                kind == pg_error_kind::connection || kind == pg_error_kind::in_doubt || (s.conn && !s.conn->is_open());
            if (lost && s.conn) {
                note_dropped(s);
            }
            const std::string statement = statement_of(e, op);
            if (kind == pg_error_kind::not_a_database_error) {
                return {attempt_result::next::fail, std::current_exception()};
            }
            if (kind == pg_error_kind::retryable) {
                spdlog::info("postgres: {} in '{}', retrying", to_string(kind), statement);
                return {attempt_result::next::retry_serialization, application_error_of(kind)};
            }
            if (kind == pg_error_kind::connection && reused) {
                // Typically an idle connection the server closed (restart, failover):
                // nothing was committed, so one more try on a fresh connection is safe.
                spdlog::warn("postgres: connection lost in '{}', reconnecting: {}", statement, e.what());
                return {attempt_result::next::retry_stale, application_error_of(kind)};
            }
            log_failure(kind, statement, e);
            if (lost && kind != pg_error_kind::in_doubt) {
                return {attempt_result::next::fail, application_error_of(pg_error_kind::connection)};
            }
            return {attempt_result::next::fail, application_error_of(kind)};
        } catch (...) {
            if (s.conn && !s.conn->is_open()) {
                note_dropped(s);
            }
            return {attempt_result::next::fail, std::current_exception()};
        }
    }

    // pqxx reports a prepared statement's name (or else the SQL text) as the query. The
    // name is added to the operation; SQL text only appears in the log of internal errors
    // (it may carry literal values).
    static std::string statement_of(const std::exception& e, const std::string& op) {
        if (auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
            const auto& q = sql->query();
            if (!q.empty() && q.find_first_of(" \t\n") == std::string::npos) {
                return op + "/" + q;
            }
        }
        return op;
    }

    void log_failure(pg_error_kind kind, const std::string& statement, const std::exception& e) {
        const auto state = sqlstate_of(e);
        switch (kind) {
            case pg_error_kind::unique_violation:
            case pg_error_kind::foreign_key_violation:
            case pg_error_kind::restrict_violation:
            case pg_error_kind::invalid_value:
                // Expected with bad or concurrent input; the message can carry row values.
                spdlog::info("postgres: {} in '{}' (sqlstate {})", to_string(kind), statement, state);
                spdlog::debug("postgres: {}", e.what());
                break;
            case pg_error_kind::internal: {
                const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e);
                spdlog::error("postgres: error in '{}' (sqlstate {}): {}{}{}", statement, state, e.what(),
                              sql ? " -- query: " : "", sql ? sql->query() : "");
                break;
            }
            default:
                spdlog::warn("postgres: {} in '{}' (sqlstate {}): {}", to_string(kind), statement, state, e.what());
                break;
        }
    }
};

pool::pool(pg_settings settings) {
    if (settings.pool_size == 0) {
        throw std::invalid_argument("postgres pool size must be at least 1");
    }
    impl_ = std::make_shared<impl>(std::move(settings));
}

pool::~pool() { impl_->workers_.join(); }

void pool::prepare(std::string name, std::string sql) {
    std::lock_guard lk(impl_->mu_);
    for (const auto& st : impl_->statements_) {
        if (st.name == name) {
            if (st.sql != sql) {
                throw std::logic_error("prepared statement '" + name + "' registered twice");
            }
            return;
        }
    }
    impl_->statements_.push_back({std::move(name), std::move(sql)});
}

void pool::begin_isolation(pqxx::work& w, isolation iso) {
    // Must be the first statement of the transaction (pqxx has already sent BEGIN).
    switch (iso) {
        case isolation::read_committed:
            return;
        case isolation::repeatable_read:
            w.exec0("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
            return;
        case isolation::serializable:
            w.exec0("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
            return;
    }
}

net::awaitable<void> pool::run_(std::string op, const body_fn& body,
                                std::optional<std::chrono::milliseconds> wait_limit) {
    auto self = impl_;
    const auto limit = wait_limit.value_or(self->settings_.acquire_timeout);
    int serialization_retries = 0;
    bool stale_retried = false;
    for (;;) {
        slot s = co_await self->acquire(limit);
        attempt_result r;
        try {
            // Not cancellable: the libpq call blocks its worker anyway, and Boost 1.81's co_spawn
            // rethrows a cancellation that arrives while the function runs out of the worker
            // thread (std::terminate; pool_test's cancelled-caller case). A cancelled caller
            // sees its cancellation at its next suspension, after the attempt is finished.
            r = co_await net::co_spawn(
                self->workers_.get_executor(),
                [&]() -> net::awaitable<attempt_result> { co_return self->attempt(s, op, body); },
                net::bind_cancellation_slot(net::cancellation_slot(), net::use_awaitable));
        } catch (...) {
            self->release(std::move(s));
            throw;
        }
        self->release(std::move(s));
        switch (r.what) {
            case attempt_result::next::done:
                co_return;
            case attempt_result::next::retry_serialization:
                if (++serialization_retries <= max_retries) {
                    continue;
                }
                spdlog::warn("postgres: '{}' still conflicting after {} retries", op, max_retries);
                std::rethrow_exception(r.error);
            case attempt_result::next::retry_stale:
                if (!stale_retried) {
                    stale_retried = true;
                    continue;
                }
                std::rethrow_exception(r.error);
            case attempt_result::next::fail:
                std::rethrow_exception(r.error);
        }
    }
}

net::awaitable<bool> pool::ping(std::chrono::milliseconds timeout) {
    const body_fn body = [timeout](pqxx::connection& c) {
        pqxx::read_transaction tx(c);
        tx.exec0("SET LOCAL statement_timeout = " + std::to_string(timeout.count()));
        tx.exec1("SELECT 1");
        tx.commit();
    };
    try {
        co_await run_("ping", body, timeout);
        co_return true;
    } catch (const std::exception& e) {
        spdlog::debug("postgres: ping failed: {}", e.what());
        co_return false;
    }
}

pool_stats pool::stats() const {
    std::lock_guard lk(impl_->mu_);
    return {impl_->settings_.pool_size, impl_->open_, impl_->in_use_, impl_->waiters_.size()};
}

const pg_settings& pool::settings() const noexcept { return impl_->settings_; }

} // namespace asistencia::infra::postgres
