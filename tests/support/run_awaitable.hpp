// Runs one Asio coroutine to completion from blocking test code and returns its result
// (or rethrows its exception). Header-only.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <future>
#include <utility>

namespace test_support {

// On a fresh single-threaded io_context, run until all its work is done.
template <class T>
T run(boost::asio::awaitable<T> a) {
    boost::asio::io_context io;
    auto fut = boost::asio::co_spawn(io, std::move(a), boost::asio::use_future);
    io.run();
    return fut.get();
}

// On `io`, only until this coroutine is done: a client's background loop on the same
// io_context (the Valkey client reconnecting) would keep io.run() going for ever.
template <class T>
T run_until_done(boost::asio::io_context& io, boost::asio::awaitable<T> a) {
    auto fut = boost::asio::co_spawn(io, std::move(a), boost::asio::use_future);
    io.restart();
    while (fut.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready) io.run_one();
    return fut.get();
}

} // namespace test_support
