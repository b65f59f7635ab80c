// The byte stream under one HTTP/WebSocket connection: plain TCP, or TLS over TCP when the
// server has a certificate. One concrete type for both, so the session code and every
// WebSocket handler are compiled once and a plain connection pays one branch per I/O call.
// The TLS state is boxed: inline it made every connection (and every WebSocket stream, which
// holds this type) 464 bytes instead of 96, TLS or not.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <cstddef>
#include <memory>
#include <utility>
#include <variant>

namespace asistencia::transport::http {

class connection_stream {
public:
    using executor_type = boost::asio::any_io_executor;
    using tcp_socket = boost::asio::ip::tcp::socket;
    using tls_stream = boost::asio::ssl::stream<tcp_socket>;

    explicit connection_stream(tcp_socket s) : s_(std::in_place_type<tcp_socket>, std::move(s)) {}
    // `ctx` is kept for the connection's lifetime: a certificate reload swaps the server's
    // context for new connections while this one keeps the one it was accepted with.
    connection_stream(tcp_socket s, std::shared_ptr<boost::asio::ssl::context> ctx)
        : s_(std::in_place_type<std::unique_ptr<tls_state>>,
             std::make_unique<tls_state>(std::move(s), std::move(ctx))) {}

    connection_stream(connection_stream&&) = default;
    connection_stream& operator=(connection_stream&&) = default;
    connection_stream(const connection_stream&) = delete;
    connection_stream& operator=(const connection_stream&) = delete;
    ~connection_stream() = default;

    executor_type get_executor() noexcept { return socket().get_executor(); }

    // The TCP socket at the bottom (options, cancel, close, shutdown).
    tcp_socket& socket() noexcept {
        if (auto* t = tls()) return t->next_layer();
        return *std::get_if<tcp_socket>(&s_);
    }
    bool is_tls() const noexcept { return std::holds_alternative<std::unique_ptr<tls_state>>(s_); }
    tls_stream* tls() noexcept {
        auto* t = std::get_if<std::unique_ptr<tls_state>>(&s_);
        return t ? &(*t)->stream : nullptr;
    }

    template <class MutableBufferSequence, class Token>
    auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
            [this](auto handler, const MutableBufferSequence& b) {
                if (auto* t = tls())
                    t->async_read_some(b, std::move(handler));
                else
                    std::get_if<tcp_socket>(&s_)->async_read_some(b, std::move(handler));
            },
            token, buffers);
    }

    template <class ConstBufferSequence, class Token>
    auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
            [this](auto handler, const ConstBufferSequence& b) {
                if (auto* t = tls())
                    t->async_write_some(b, std::move(handler));
                else
                    std::get_if<tcp_socket>(&s_)->async_write_some(b, std::move(handler));
            },
            token, buffers);
    }

private:
    struct tls_state {
        tls_state(tcp_socket s, std::shared_ptr<boost::asio::ssl::context> c)
            : ctx(std::move(c)), stream(std::move(s), *ctx) {}
        std::shared_ptr<boost::asio::ssl::context> ctx; // before stream: the stream uses it
        tls_stream stream;
    };
    std::variant<tcp_socket, std::unique_ptr<tls_state>> s_;
};

// Beast's customization points (found by ADL): how a WebSocket stream over this type closes
// its socket on a timeout and tears the connection down after the close handshake.
inline void beast_close_socket(connection_stream& s) {
    boost::system::error_code ec;
    s.socket().close(ec);
}

inline void teardown(boost::beast::role_type role, connection_stream& s, boost::system::error_code& ec) {
    using boost::beast::websocket::teardown;
    if (auto* t = s.tls())
        teardown(role, *t, ec);
    else
        teardown(role, s.socket(), ec);
}

template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, connection_stream& s, TeardownHandler&& handler) {
    using boost::beast::websocket::async_teardown;
    if (auto* t = s.tls())
        async_teardown(role, *t, std::forward<TeardownHandler>(handler));
    else
        async_teardown(role, s.socket(), std::forward<TeardownHandler>(handler));
}

} // namespace asistencia::transport::http
