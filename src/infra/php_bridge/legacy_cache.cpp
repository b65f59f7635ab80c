// Read-through cache of the PHP bridge on Valkey; see legacy_cache.hpp.
#include "asistencia/infra/php_bridge/legacy_cache.hpp"

#include "asistencia/application/errors.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <exception>
#include <optional>

namespace asistencia::infra::php_bridge {

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
namespace ttl = valkey::ttl;

template <class T>
T parsed_or_unusable(std::optional<T> v) {
    // The cache only stores bodies that parsed, so this means a corrupted entry or a bridge
    // answer of the wrong shape.
    if (!v) throw application::dependency_failed("php_bad_gateway", "the legacy system gave an unusable answer");
    return std::move(*v);
}

} // namespace

// One PHP call in progress for a key; later callers for the same key wait on `done`.
struct legacy_cache::flight {
    explicit flight(const net::any_io_executor& ex) : done(ex, net::steady_timer::time_point::max()) {}
    net::steady_timer done;
    bool finished = false;
    std::string body;
    std::exception_ptr error;
};

net::awaitable<std::string> legacy_cache::read_through(std::string key, std::chrono::seconds ttl, fetcher fetch) {
    try {
        if (auto cached = co_await kv_.get(key)) {
            ++stats_.hits;
            co_return std::move(*cached);
        }
    } catch (const application::dependency_unavailable&) {
        ++stats_.cache_errors; // Valkey down: PHP is still the source of truth
    }
    co_return co_await fetch_once(key, ttl, std::move(fetch));
}

net::awaitable<std::string> legacy_cache::fetch_once(std::string key, std::chrono::seconds ttl, fetcher fetch) {
    if (auto it = in_flight_.find(key); it != in_flight_.end()) {
        ++stats_.coalesced;
        auto f = it->second;
        while (!f->finished) co_await f->done.async_wait(use_tuple);
        if (f->error) std::rethrow_exception(f->error);
        co_return f->body;
    }
    ++stats_.misses;
    auto f = std::make_shared<flight>(co_await net::this_coro::executor);
    in_flight_.emplace(key, f);
    try {
        f->body = co_await fetch();
    } catch (...) {
        f->error = std::current_exception();
    }
    in_flight_.erase(key);
    f->finished = true;
    f->done.cancel();
    if (f->error) std::rethrow_exception(f->error);
    try {
        co_await kv_.set(key, f->body, ttl);
    } catch (const application::dependency_unavailable&) {
        ++stats_.cache_errors;
    }
    co_return f->body;
}

net::awaitable<legacy_user> legacy_cache::user(std::int64_t user_id) {
    auto body = co_await read_through(kv_.keys().cache_user(user_id), ttl::cache_user,
                                      [this, user_id] { return bridge_.user_json(user_id); });
    co_return parsed_or_unusable(parse_user(body));
}

net::awaitable<legacy_course> legacy_cache::course(std::int64_t course_id) {
    auto body = co_await read_through(kv_.keys().cache_course(course_id), ttl::cache_course,
                                      [this, course_id] { return bridge_.course_json(course_id); });
    co_return parsed_or_unusable(parse_course(body));
}

net::awaitable<std::vector<legacy_student>> legacy_cache::enrolled(std::int64_t course_id, std::int64_t semester_id) {
    auto body =
        co_await read_through(kv_.keys().cache_enrolled(course_id, semester_id), ttl::cache_enrolled,
                              [this, course_id, semester_id] { return bridge_.students_json(course_id, semester_id); });
    co_return parsed_or_unusable(parse_students(body));
}

net::awaitable<std::vector<legacy_user>> legacy_cache::users(std::vector<std::int64_t> user_ids) {
    std::vector<std::optional<std::string>> bodies(user_ids.size());
    std::vector<valkey::command_args> gets;
    gets.reserve(user_ids.size());
    for (auto id : user_ids) gets.push_back({"GET", kv_.keys().cache_user(id)});
    try {
        const auto replies = co_await kv_.pipeline(std::move(gets));
        for (std::size_t i = 0; i < replies.size(); ++i) bodies[i] = replies[i].text();
    } catch (const application::dependency_unavailable&) {
        ++stats_.cache_errors;
    }

    // The misses from PHP, all in flight at once; unknown users (not_found) are left out.
    struct batch {
        explicit batch(const net::any_io_executor& ex) : done(ex, net::steady_timer::time_point::max()) {}
        net::steady_timer done;
        std::size_t remaining = 0;
        std::exception_ptr error;
    };
    const auto ex = co_await net::this_coro::executor;
    auto b = std::make_shared<batch>(ex);
    for (std::size_t i = 0; i < user_ids.size(); ++i) {
        if (bodies[i]) {
            ++stats_.hits;
            continue;
        }
        ++b->remaining;
        const auto id = user_ids[i];
        net::co_spawn(
            ex, fetch_once(kv_.keys().cache_user(id), ttl::cache_user, [this, id] { return bridge_.user_json(id); }),
            [b, i, &bodies](std::exception_ptr e, std::string body) {
                if (e) {
                    try {
                        std::rethrow_exception(e);
                    } catch (const application::error& err) {
                        if (err.kind() != application::errc::not_found && !b->error) b->error = e;
                    } catch (...) {
                        if (!b->error) b->error = e;
                    }
                } else {
                    bodies[i] = std::move(body);
                }
                if (--b->remaining == 0) b->done.cancel();
            });
    }
    while (b->remaining > 0) co_await b->done.async_wait(use_tuple);
    if (b->error) std::rethrow_exception(b->error);

    std::vector<legacy_user> out;
    for (const auto& body : bodies) {
        if (body) out.push_back(parsed_or_unusable(parse_user(*body)));
    }
    co_return out;
}

net::awaitable<void> legacy_cache::invalidate_user(std::int64_t user_id) {
    co_await kv_.del(kv_.keys().cache_user(user_id));
}

net::awaitable<void> legacy_cache::invalidate_course(std::int64_t course_id) {
    co_await kv_.del(kv_.keys().cache_course(course_id));
}

net::awaitable<void> legacy_cache::invalidate_enrolled(std::int64_t course_id, std::int64_t semester_id) {
    co_await kv_.del(kv_.keys().cache_enrolled(course_id, semester_id));
}

} // namespace asistencia::infra::php_bridge
