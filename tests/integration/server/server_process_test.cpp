// Black-box tests of the asistencia-server binary against the real services that
// scripts/test started: configuration errors, --help, health/readiness while
// PostgreSQL and Valkey go down and come back, migrate status, graceful SIGTERM.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <map>
#include <optional>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace std::chrono_literals;

namespace {

std::string env_or_fail(const char* name) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') {
        ADD_FAILURE() << name << " is not set: run this test through ./scripts/test";
        return {};
    }
    return v;
}

std::uint16_t free_port() {
    net::io_context io;
    net::ip::tcp::acceptor a(io, {net::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

struct response {
    int status = 0;
    std::string body;
};

std::optional<response> get(std::uint16_t port, const std::string& target) {
    try {
        net::io_context io;
        beast::tcp_stream stream(io);
        stream.expires_after(5s);
        stream.connect({net::ip::make_address("127.0.0.1"), port});
        http::request<http::empty_body> req{http::verb::get, target, 11};
        req.set(http::field::host, "localhost");
        http::write(stream, req);
        beast::flat_buffer buf;
        http::response<http::string_body> res;
        http::read(stream, buf, res);
        return response{static_cast<int>(res.result_int()), res.body()};
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

// Polls until `pred` holds or the (generous) deadline passes; returns the last answer.
template <class Pred>
std::optional<response> poll(std::uint16_t port, const std::string& target, Pred pred,
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

void svc(const std::string& service, const std::string& action) {
    const std::string cmd = env_or_fail("ASISTENCIA_SVC") + " " + service + " " + action;
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

// A child process running the server binary with extra/overridden variables.
class server_process {
public:
    server_process(std::vector<std::string> args, std::map<std::string, std::string> overrides) {
        std::vector<std::string> env_strings;
        for (char** e = environ; *e != nullptr; ++e) {
            std::string kv(*e);
            if (!overrides.contains(kv.substr(0, kv.find('=')))) env_strings.push_back(kv);
        }
        for (const auto& [k, v] : overrides) env_strings.push_back(k + "=" + v);
        std::vector<char*> envp;
        for (auto& s : env_strings) envp.push_back(s.data());
        envp.push_back(nullptr);

        args.insert(args.begin(), env_or_fail("ASISTENCIA_SERVER_BIN"));
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);

        ::pipe2(err_pipe_, O_CLOEXEC);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, err_pipe_[1], STDERR_FILENO);
        posix_spawn_file_actions_adddup2(&fa, err_pipe_[1], STDOUT_FILENO);
        if (posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), envp.data()) != 0) pid_ = -1;
        posix_spawn_file_actions_destroy(&fa);
        ::close(err_pipe_[1]);
    }
    ~server_process() {
        if (pid_ > 0 && !exited_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        ::close(err_pipe_[0]);
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

    // Everything the process wrote (call after it exited).
    std::string output() const {
        std::string out;
        char buf[4096];
        ssize_t n;
        while ((n = ::read(err_pipe_[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
        return out;
    }

private:
    pid_t pid_ = -1;
    bool exited_ = false;
    int err_pipe_[2] = {-1, -1};
};

} // namespace

TEST(ServerProcess, HelpListsTheConfiguration) {
    server_process p({"--help"}, {});
    ASSERT_TRUE(p.running());
    EXPECT_EQ(p.wait_exit(), 0);
    const std::string out = p.output();
    EXPECT_NE(out.find("JWT_SECRET_INTERNAL"), std::string::npos) << out;
    EXPECT_NE(out.find("migrate"), std::string::npos) << out;
}

TEST(ServerProcess, WrongValueStopsTheServerNamingTheVariable) {
    server_process p({}, {{"DB_POOL_SIZE", "lots"}});
    ASSERT_TRUE(p.running());
    EXPECT_NE(p.wait_exit(), 0);
    EXPECT_NE(p.output().find("DB_POOL_SIZE"), std::string::npos);
}

TEST(ServerProcess, MissingWebRootIsNamed) {
    server_process p({}, {{"WEB_ROOT", "/nonexistent/web"}, {"MIGRATE_ON_START", "false"}});
    ASSERT_TRUE(p.running());
    EXPECT_NE(p.wait_exit(), 0);
    EXPECT_NE(p.output().find("WEB_ROOT"), std::string::npos) << p.output();
}

TEST(ServerProcess, RefusesToStartWithoutMasterKey) {
    server_process p({}, {{"SERVER_MASTER_KEY", ""}, {"SERVER_MASTER_KEY_FILE", ""}});
    ASSERT_TRUE(p.running());
    EXPECT_NE(p.wait_exit(), 0);
    EXPECT_NE(p.output().find("SERVER_MASTER_KEY"), std::string::npos);
}

TEST(ServerProcess, MigrateStatusListsTheSeedSchema) {
    server_process up({"migrate", "up"}, {});
    ASSERT_EQ(up.wait_exit(), 0) << up.output();
    server_process st({"migrate", "status"}, {});
    ASSERT_EQ(st.wait_exit(), 0);
    const std::string out = st.output();
    EXPECT_NE(out.find("0001"), std::string::npos) << out;
}

TEST(ServerProcess, ReadinessFollowsValkeyAndPostgres) {
    const auto port = free_port();
    server_process p({}, {{"PORT", std::to_string(port)}, {"LOG_LEVEL", "warn"}});
    ASSERT_TRUE(p.running());
    auto ready = poll(port, "/readyz", [](const response& r) { return r.status == 200; });
    ASSERT_TRUE(ready && ready->status == 200) << (ready ? ready->body : "no answer");
    EXPECT_EQ(get(port, "/healthz")->status, 200);

    svc("valkey", "stop");
    auto down = poll(port, "/readyz", [](const response& r) { return r.status == 503; });
    svc("valkey", "start");
    ASSERT_TRUE(down && down->status == 503);
    EXPECT_NE(down->body.find("valkey"), std::string::npos) << down->body;
    EXPECT_EQ(get(port, "/healthz")->status, 200) << "liveness must not depend on Valkey";
    ready = poll(port, "/readyz", [](const response& r) { return r.status == 200; });
    ASSERT_TRUE(ready && ready->status == 200) << "did not recover after Valkey came back";

    svc("postgres", "stop");
    down = poll(port, "/readyz", [](const response& r) { return r.status == 503; });
    svc("postgres", "start");
    ASSERT_TRUE(down && down->status == 503);
    EXPECT_NE(down->body.find("postgres"), std::string::npos) << down->body;
    ready = poll(port, "/readyz", [](const response& r) { return r.status == 200; });
    ASSERT_TRUE(ready && ready->status == 200) << "did not recover after PostgreSQL came back";

    const auto metrics = get(port, "/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_NE(metrics->body.find("asistencia_http_requests_total"), std::string::npos);
    EXPECT_NE(metrics->body.find("asistencia_valkey_reconnects_total"), std::string::npos);
    EXPECT_NE(metrics->body.find("asistencia_db_pool_in_use"), std::string::npos);

    p.signal(SIGTERM);
    EXPECT_EQ(p.wait_exit(), 0) << p.output();
    EXPECT_FALSE(get(port, "/healthz")) << "still answering after SIGTERM";
}
