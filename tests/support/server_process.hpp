// A child asistencia-server process for black-box tests (ASISTENCIA_SERVER_BIN, the test
// stack's environment plus overrides), its output drained continuously so a chatty server
// never blocks on a full pipe, and a small blocking HTTP client.
#pragma once

#include "process.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace server_test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace std::chrono_literals;

inline std::string env_or_fail(const char* name) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') {
        ADD_FAILURE() << name << " is not set: run this test through ./scripts/test";
        return {};
    }
    return v;
}

using test_support::free_port;

struct response {
    int status = 0;
    std::string body;
    std::map<std::string, std::string> headers; // lower-case names
};

// One request on a new connection; nullopt when the server does not answer.
inline std::optional<response> request(std::uint16_t port, http::verb verb, const std::string& target,
                                       const std::map<std::string, std::string>& headers = {},
                                       const std::string& body = {}) {
    try {
        net::io_context io;
        beast::tcp_stream stream(io);
        stream.expires_after(10s);
        stream.connect({net::ip::make_address("127.0.0.1"), port});
        http::request<http::string_body> req{verb, target, 11};
        req.set(http::field::host, "localhost");
        for (const auto& [k, v] : headers) req.set(k, v);
        if (!body.empty()) {
            req.set(http::field::content_type, "application/json");
            req.body() = body;
        }
        req.prepare_payload();
        http::write(stream, req);
        beast::flat_buffer buf;
        http::response<http::string_body> res;
        http::read(stream, buf, res);
        response out{static_cast<int>(res.result_int()), res.body(), {}};
        for (const auto& f : res) {
            std::string name(f.name_string());
            for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            out.headers[name] = std::string(f.value());
        }
        return out;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

inline std::optional<response> get(std::uint16_t port, const std::string& target) {
    return request(port, http::verb::get, target);
}

// Polls until `pred` holds or the (generous) deadline passes; returns the last answer.
template <class Pred>
inline std::optional<response> poll(std::uint16_t port, const std::string& target, Pred pred,
                                    std::chrono::seconds deadline = 30s) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    std::optional<response> last;
    while (std::chrono::steady_clock::now() < end) {
        last = get(port, target);
        if (last && pred(*last)) return last;
        std::this_thread::sleep_for(100ms);
    }
    return last;
}

inline void svc(const std::string& service, const std::string& action) {
    const std::string cmd = env_or_fail("ASISTENCIA_SVC") + " " + service + " " + action;
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

// A child process running the server binary with extra/overridden variables.
class server_process {
public:
    server_process(std::vector<std::string> args, const std::map<std::string, std::string>& overrides) {
        args.insert(args.begin(), env_or_fail("ASISTENCIA_SERVER_BIN"));
        ::pipe2(err_pipe_, O_CLOEXEC);
        pid_ = test_support::spawn_process(std::move(args), overrides, err_pipe_[1]);
        ::close(err_pipe_[1]);
        drain_ = std::thread([this] {
            char buf[4096];
            ssize_t n;
            while ((n = ::read(err_pipe_[0], buf, sizeof buf)) > 0) {
                std::lock_guard lock(mutex_);
                output_.append(buf, static_cast<std::size_t>(n));
            }
        });
    }
    // Stops the server as an operator would (SIGTERM, then SIGKILL after 10 s), so a
    // sanitizer build gets to report; any AddressSanitizer/LeakSanitizer/UBSan report in the
    // server's output fails the test that ran it.
    ~server_process() {
        if (pid_ > 0 && !exited_) {
            ::kill(pid_, SIGTERM);
            if (wait_exit(10s) < 0) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, nullptr, 0);
            }
        }
        if (drain_.joinable()) drain_.join(); // the pipe closes when the process is gone
        ::close(err_pipe_[0]);
        for (const char* marker : {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"}) {
            if (output_.find(marker) != std::string::npos) {
                ADD_FAILURE() << "the server's sanitizer reported a problem:\n" << output_;
                break;
            }
        }
    }

    bool running() const { return pid_ > 0; }
    void signal(int sig) const { ::kill(pid_, sig); }

    // Exit status after waiting (bounded); -1 if it did not exit in time.
    int wait_exit(std::chrono::seconds deadline = 30s) {
        const auto end = std::chrono::steady_clock::now() + deadline;
        int status = 0;
        while (std::chrono::steady_clock::now() < end) {
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                exited_ = true;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            std::this_thread::sleep_for(50ms);
        }
        return -1;
    }

    // Whether `needle` appears in the output within `deadline`: the server buffers its info
    // lines and flushes them once a second (main/logging.cpp), warnings at once.
    bool wait_for_output(std::string_view needle, std::chrono::milliseconds deadline = std::chrono::seconds(3)) {
        const auto end = std::chrono::steady_clock::now() + deadline;
        while (output().find(needle) == std::string::npos) {
            if (std::chrono::steady_clock::now() >= end) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return true;
    }

    // Everything the process wrote so far (all of it once it exited).
    std::string output() {
        if (exited_ && drain_.joinable()) drain_.join();
        std::lock_guard lock(mutex_);
        return output_;
    }

private:
    pid_t pid_ = -1;
    bool exited_ = false;
    int err_pipe_[2] = {-1, -1};
    std::thread drain_;
    std::mutex mutex_;
    std::string output_;
};

} // namespace server_test
