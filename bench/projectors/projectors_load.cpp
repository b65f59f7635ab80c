// Load generator for the projection fan-out (docs/projection.md, issue 16 point 4): N
// sessions with 40 pending students each, one authenticated projector WebSocket per session
// at FRAME_INTERVAL_MS 500, N stepping up (100, 1000, 5000 by default, connections kept
// between steps). Per step it measures the server's CPU per frame received (utime+stime of
// the whole process, so Valkey commands, pub/sub, PostgreSQL checks and fan-out are all in),
// the interval between consecutive frames of one projector (p50/p99 against the nominal),
// and the server's RSS, whose slope between steps is the memory per projector connection.
// Then the same steps against the seed peer's fan-out (`--peer-dir`): build/bench/
// peer-fanout.json. Run by scripts/bench; writes build/bench/projectors.json.
//
// Untimed setup: sessions through the API, 40 students (device + sealed handshake secret)
// by SQL, registered in every session with one INSERT (the frame loop's restore_session
// rebuilds their rounds from PostgreSQL, as after a Valkey restart).
#include "asistencia/domain/crypto/primitives.hpp"
#include "asistencia/domain/crypto/protocol_keys.hpp"
#include "asistencia/domain/encoding/base64.hpp"
#include "asistencia/domain/tokens/jwt.hpp"
#include "asistencia/infra/stores/round_store.hpp"
#include "asistencia/infra/valkey/client.hpp"
#include "process.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <sched.h>
#include <spawn.h>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace crypto = asistencia::domain::crypto;
namespace enc = asistencia::domain::encoding;
namespace tokens = asistencia::domain::tokens;
using nlohmann::json;
using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
constexpr int nominal_ms = 500;

std::string env(const char* name, const char* fallback = nullptr) {
    const char* v = std::getenv(name);
    if (v != nullptr && *v != '\0') return v;
    if (fallback != nullptr) return fallback;
    std::cerr << "projectors_load: " << name << " is not set (run through ./scripts/bench)\n";
    std::exit(2);
}

std::vector<int> int_list(const std::string& s) {
    std::vector<int> out;
    std::stringstream in(s);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(std::stoi(item));
    return out;
}

std::uint16_t free_port() {
    net::io_context io;
    net::ip::tcp::acceptor a(io, {net::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

// ------------------------------------------------------------------ processes
// A child process (PATH lookup), optionally pinned to one core through taskset (which
// execs the program, so the pid is the program's).
class child_process {
public:
    child_process(std::vector<std::string> args, const std::map<std::string, std::string>& overrides,
                  const std::string& log_path, int core) {
        if (core >= 0) args.insert(args.begin(), {"taskset", "-c", std::to_string(core)});
        const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        pid_ = test_support::spawn_process(std::move(args), overrides, fd);
        ::close(fd);
    }
    ~child_process() { stop(SIGTERM); }
    void stop(int signal) {
        if (pid_ <= 0) return;
        ::kill(pid_, signal);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;
    bool running() const { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }
    pid_t pid() const { return pid_; }

private:
    pid_t pid_ = -1;
};

// ------------------------------------------------------------------ /proc
std::string slurp(const std::string& path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// utime + stime of a process or thread (/proc/.../stat fields 14 and 15), in clock ticks.
std::int64_t stat_ticks(const std::string& stat_path) {
    const auto text = slurp(stat_path);
    const auto close = text.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream fields(text.substr(close + 2));
    std::string f;
    std::int64_t utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> f; ++i) {
        if (i == 14) utime = std::stoll(f);
        if (i == 15) stime = std::stoll(f);
    }
    return utime + stime;
}

std::int64_t process_ticks(pid_t pid) { return pid > 0 ? stat_ticks("/proc/" + std::to_string(pid) + "/stat") : 0; }

std::map<pid_t, std::int64_t> thread_ticks(pid_t pid) {
    std::map<pid_t, std::int64_t> out;
    const auto dir = "/proc/" + std::to_string(pid) + "/task";
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return out;
    while (const dirent* e = ::readdir(d)) {
        if (e->d_name[0] == '.') continue;
        out[static_cast<pid_t>(std::atoi(e->d_name))] = stat_ticks(dir + "/" + e->d_name + "/stat");
    }
    ::closedir(d);
    return out;
}

std::int64_t rss_kib(pid_t pid) {
    const auto text = slurp("/proc/" + std::to_string(pid) + "/status");
    const auto at = text.find("VmRSS:");
    if (at == std::string::npos) return 0;
    return std::stoll(text.substr(at + 6));
}

double ticks_to_us(std::int64_t ticks) { return static_cast<double>(ticks) * 1e6 / ::sysconf(_SC_CLK_TCK); }

void pin_self(int core) {
    if (core < 0) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(core, &set);
    ::sched_setaffinity(0, sizeof set, &set);
}

// ------------------------------------------------------------------ HTTP (setup only)
struct reply {
    int status = 0;
    std::string body;
};

reply blocking_request(std::uint16_t port, http::verb verb, const std::string& target, const std::string& auth,
                       const std::string& body) {
    try {
        net::io_context io;
        beast::tcp_stream stream(io);
        stream.expires_after(10s);
        stream.connect({net::ip::make_address("127.0.0.1"), port});
        http::request<http::string_body> req{verb, target, 11};
        req.set(http::field::host, "localhost");
        if (!auth.empty()) req.set(http::field::authorization, auth);
        if (!body.empty()) {
            req.set(http::field::content_type, "application/json");
            req.body() = body;
        }
        req.prepare_payload();
        http::write(stream, req);
        beast::flat_buffer buf;
        http::response<http::string_body> res;
        http::read(stream, buf, res);
        return {static_cast<int>(res.result_int()), res.body()};
    } catch (const std::exception&) {
        return {};
    }
}

bool wait_ready(std::uint16_t port, const std::string& path, std::chrono::seconds limit) {
    const auto end = steady::now() + limit;
    while (steady::now() < end) {
        if (blocking_request(port, http::verb::get, path, "", "").status == 200) return true;
        std::this_thread::sleep_for(100ms);
    }
    return false;
}

// A metric's value in the server's /metrics text (0 when absent).
double metric(const std::string& text, const std::string& name) {
    const auto at = text.find("\n" + name + " ");
    if (at == std::string::npos) return 0;
    return std::stod(text.substr(at + name.size() + 2));
}

std::string professor_token() {
    tokens::user_claims c;
    c.user_id = 1;
    c.username = "bench-professor";
    c.role = tokens::user_role::profesor;
    return tokens::issue_user_token(c, env("JWT_SECRET"), {}).token;
}

// N sessions through the API, `parallel` keep-alive connections at a time.
std::vector<std::int64_t> open_sessions(std::uint16_t port, int count, int parallel) {
    net::io_context io;
    std::vector<std::int64_t> out;
    const std::string bearer = "Bearer " + professor_token();
    const std::string body = json{{"courseId", 1}, {"semesterId", 2}, {"room", "Sala bench"}, {"maxRounds", 10}}.dump();
    int errors = 0;
    auto worker = [&]() -> net::awaitable<void> {
        beast::tcp_stream s(co_await net::this_coro::executor);
        beast::flat_buffer buf;
        const net::ip::tcp::endpoint ep{net::ip::make_address("127.0.0.1"), port};
        co_await s.async_connect(ep, net::use_awaitable);
        while (static_cast<int>(out.size()) + errors < count) {
            http::request<http::string_body> req{http::verb::post, "/api/attendance/sessions", 11};
            req.set(http::field::host, "localhost");
            req.set(http::field::authorization, bearer);
            req.set(http::field::content_type, "application/json");
            req.keep_alive(true);
            req.body() = body;
            req.prepare_payload();
            s.expires_after(30s);
            co_await http::async_write(s, req, net::use_awaitable);
            http::response<http::string_body> res;
            co_await http::async_read(s, buf, res, net::use_awaitable);
            if (res.result_int() != 201) {
                if (errors++ < 3) std::cerr << "projectors_load: session not created: " << res.body() << "\n";
                continue;
            }
            out.push_back(json::parse(res.body()).at("sessionId").get<std::int64_t>());
        }
    };
    for (int i = 0; i < parallel; ++i) net::co_spawn(io, worker(), net::detached);
    io.run();
    if (static_cast<int>(out.size()) < count) throw std::runtime_error("sessions not created (see above)");
    return out;
}

// `students` users with an active device each (handshake secret sealed at rest, as an
// enrollment leaves it), registered in every session: restore_session makes them pending.
struct registration {
    std::int64_t session_id = 0, user_id = 0, registration_id = 0, device_id = 0;
    const crypto::device_keys* keys = nullptr;
};

std::vector<registration> seed_students(pqxx::connection& db, const std::vector<std::int64_t>& sessions, int students,
                                        const crypto::bytes& master_key,
                                        std::map<std::int64_t, crypto::device_keys>& keys) {
    pqxx::work w(db);
    auto uid = w.exec1("SELECT GREATEST(COALESCE(max(user_id), 699999), 699999) + 1 FROM enrollment.devices")[0]
                   .as<std::int64_t>();
    std::vector<std::pair<std::int64_t, std::int64_t>> users; // user id, device id
    for (int i = 0; i < students; ++i, ++uid) {
        const auto secret = crypto::random_bytes(32);
        const auto credential = enc::base64url_encode(crypto::random_bytes(16));
        const auto device = w.exec_params1(
                                 "INSERT INTO enrollment.devices (user_id, credential_id, public_key, "
                                 "handshake_secret, aaguid, device_fingerprint) VALUES ($1, $2, "
                                 "'bench-placeholder', $3, '00000000-0000-0000-0000-000000000000', "
                                 "'bench') RETURNING device_id",
                                 uid, credential, crypto::seal_at_rest(master_key, secret, credential))[0]
                                .as<std::int64_t>();
        users.emplace_back(uid, device);
        keys.emplace(uid, crypto::derive_device_keys(secret));
    }
    std::string sids = "{", uids = "{", dids = "{";
    for (std::size_t i = 0; i < sessions.size(); ++i) sids += (i ? "," : "") + std::to_string(sessions[i]);
    for (std::size_t i = 0; i < users.size(); ++i) {
        uids += (i ? "," : "") + std::to_string(users[i].first);
        dids += (i ? "," : "") + std::to_string(users[i].second);
    }
    sids += "}";
    uids += "}";
    dids += "}";
    const auto rows = w.exec_params(
        "INSERT INTO attendance.registrations (session_id, user_id, device_id, queue_position) "
        "SELECT s, u.uid, u.did, u.pos FROM unnest($1::int[]) s, "
        "unnest($2::int[], $3::int[]) WITH ORDINALITY AS u(uid, did, pos) "
        "RETURNING session_id, user_id, registration_id, device_id",
        sids, uids, dids);
    w.commit();
    std::vector<registration> out;
    for (const auto& r : rows) {
        registration reg{r[0].as<std::int64_t>(), r[1].as<std::int64_t>(), r[2].as<std::int64_t>(),
                         r[3].as<std::int64_t>()};
        reg.keys = &keys.at(reg.user_id);
        out.push_back(reg);
    }
    return out;
}

// The students' Valkey states and pending rounds written here, as the join would have
// left them (otherwise every driver's first restore_session rebuilds 40 students with
// 81 PostgreSQL queries: minutes of start-up at 5,000 sessions, no steady state).
void warm_states(const std::vector<registration>& regs, const crypto::bytes& master_key,
                 const std::string& key_prefix) {
    namespace valkey = asistencia::infra::valkey;
    net::io_context io;
    valkey::settings vs;
    vs.host = env("REDIS_HOST");
    vs.port = std::stoi(env("REDIS_PORT"));
    vs.key_prefix = key_prefix;
    valkey::client kv(io.get_executor(), vs);
    asistencia::infra::stores::valkey_round_store rounds(kv, master_key);
    kv.start();
    {
        auto f = net::co_spawn(io, kv.wait_connected(std::chrono::seconds(5)), net::use_future);
        while (f.wait_for(std::chrono::seconds(0)) != std::future_status::ready) io.run_one();
        f.get();
    }
    std::size_t next = 0;
    int active = 64;
    auto worker = [&]() -> net::awaitable<void> {
        while (next < regs.size()) {
            const auto& r = regs[next++];
            asistencia::application::attendance::student_state st;
            st.registration_id = r.registration_id;
            st.device_id = r.device_id;
            st.round = 1;
            st.max_rounds = 10;
            st.k_totpu = r.keys->k_totpu;
            st.k_qr = r.keys->k_qr;
            co_await rounds.start(r.session_id, r.user_id, std::move(st));
        }
    };
    const int workers = active;
    for (int i = 0; i < workers; ++i) {
        net::co_spawn(io, worker(), [&active](std::exception_ptr e) {
            --active;
            if (e) std::rethrow_exception(e);
        });
    }
    while (active > 0) io.run_one();
    kv.stop();
    io.restart();
    io.run_for(100ms);
}

// ------------------------------------------------------------------ projector clients
struct stats {
    bool measuring = false;
    std::int64_t frames = 0;      // frames received in the window
    std::int64_t all_frames = 0;  // frames received, window or not (for the settling)
    std::int64_t seq_gaps = 0;    // seqs skipped (frames missed) in the window
    std::vector<double> interval; // ms between two frames of one projector, in the window
    int ready = 0;                // connections that got `ready` (or, for the peer, a first frame)
    int failed = 0;               // connections that failed to open or ended
    int failures_logged = 0;
};

struct target {
    std::uint16_t port = 0;
    bool peer = false; // the seed peer: /ws/projection, no Origin, no auth, no seq
    std::string origin;
    std::string token;
};

class projector_client {
public:
    projector_client(net::io_context& io, const target& t, std::int64_t sid, stats& st)
        : ws_(io), target_(t), sid_(sid), stats_(st) {}

    net::awaitable<void> run() {
        try {
            co_await open();
        } catch (const std::exception& e) {
            fail(std::string("open: ") + e.what());
            co_return;
        }
        co_await read_loop();
    }

private:
    net::awaitable<void> open() {
        auto& sock = beast::get_lowest_layer(ws_);
        sock.expires_after(20s);
        const net::ip::tcp::endpoint ep{net::ip::make_address("127.0.0.1"), target_.port};
        co_await sock.async_connect(ep, net::use_awaitable);
        const std::string origin = target_.origin;
        if (!origin.empty()) {
            ws_.set_option(websocket::stream_base::decorator(
                [origin](websocket::request_type& req) { req.set(http::field::origin, origin); }));
        }
        const std::string path = target_.peer ? "/ws/projection" : "/ws/projection/" + std::to_string(sid_);
        co_await ws_.async_handshake("localhost", path, net::use_awaitable);
        sock.expires_never();
        // Beast's client timeouts: pings every half idle period keep the server's idle
        // timer from closing a projector that only listens.
        auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::client);
        timeouts.idle_timeout = 60s;
        timeouts.keep_alive_pings = true;
        ws_.set_option(timeouts);
        if (target_.peer) co_return;
        const std::string auth = json{{"type", "auth"}, {"token", target_.token}}.dump();
        ws_.text(true);
        co_await ws_.async_write(net::buffer(auth), net::use_awaitable);
    }

    net::awaitable<void> read_loop() {
        for (;;) {
            buf_.clear();
            auto [ec, n] = co_await ws_.async_read(buf_, use_tuple);
            if (ec) {
                fail("read: " + ec.message());
                co_return;
            }
            const auto now = steady::now();
            const std::string_view text(static_cast<const char*>(buf_.data().data()), buf_.size());
            if (text.find("\"type\":\"frame\"") != std::string_view::npos) {
                on_frame(text, now);
            } else if (!ready_ && text.find("\"type\":\"ready\"") != std::string_view::npos) {
                ready_ = true;
                ++stats_.ready;
            } else if (text.find("\"type\":\"closed\"") != std::string_view::npos) {
                fail("session closed");
                co_return;
            }
        }
    }

    void on_frame(std::string_view text, steady::time_point now) {
        if (target_.peer && !ready_) {
            ready_ = true;
            ++stats_.ready;
        }
        std::int64_t seq = 0;
        if (const auto at = text.find("\"seq\":"); at != std::string_view::npos) {
            std::from_chars(text.data() + at + 6, text.data() + text.size(), seq);
        }
        ++stats_.all_frames;
        if (stats_.measuring) {
            ++stats_.frames;
            if (last_ != steady::time_point{})
                stats_.interval.push_back(std::chrono::duration<double, std::milli>(now - last_).count());
            if (last_seq_ > 0 && seq > last_seq_ + 1) stats_.seq_gaps += seq - last_seq_ - 1;
        }
        last_ = now;
        last_seq_ = seq;
    }

    void fail(const std::string& why) {
        ++stats_.failed;
        if (stats_.failures_logged++ < 5) std::cerr << "projectors_load: projector " << sid_ << ": " << why << "\n";
    }

    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buf_;
    const target& target_;
    std::int64_t sid_;
    stats& stats_;
    bool ready_ = false;
    steady::time_point last_{};
    std::int64_t last_seq_ = 0;
};

// ------------------------------------------------------------------ one run (server or peer)
struct settings {
    std::string server_bin;
    std::string out;
    std::string peer_dir;
    std::string peer_out;
    std::string run_dir;
    std::vector<int> levels{100, 1000, 5000};
    int students = 40;
    int seconds = 20;
    int settle_seconds = 8;
    int server_core = -1;
    int generator_core = -1;
    int open_parallel = 64;
    std::vector<std::string> wrap;  // a profiler the server runs under (--wrap "heaptrack -o F")
    std::string log_level = "warn"; // the server's LOG_LEVEL (--log-level info to see the loops' lease and checks)
    std::string profile;            // run during one level's window, {pid} = the server's pid
    int profile_level = 0;          // (--profile "perf record -F 999 -o F -p {pid}" --profile-level 1000)
    crypto::bytes master_key = crypto::bytes(32, 0x5a);
};

double pct(std::vector<double>& v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const auto i = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1;
    return v[std::min(i, v.size() - 1)];
}

// Runs io until `done()` or `limit` passes (the clients keep the loop busy forever).
void run_until(net::io_context& io, const std::function<bool()>& done, steady::duration limit) {
    const auto end = steady::now() + limit;
    while (!done() && steady::now() < end) {
        if (io.stopped()) io.restart();
        io.run_for(50ms);
    }
}

class stepper {
public:
    stepper(const settings& s, const target& t, pid_t server, pid_t valkey, std::function<std::string()> metrics)
        : s_(s), target_(t), server_(server), valkey_(valkey), metrics_(std::move(metrics)) {}

    // Opens projectors up to `n` (sessions[i] for the i-th), settles, measures.
    json step(const std::vector<std::int64_t>& sessions, int n) {
        const auto open_start = steady::now();
        int next = static_cast<int>(clients_.size());
        // Opening is throttled to `open_parallel` handshakes/auths in flight.
        while (next < n) {
            const int in_flight = static_cast<int>(clients_.size()) - stats_.ready - stats_.failed;
            if (in_flight < s_.open_parallel) {
                clients_.push_back(std::make_unique<projector_client>(io_, target_, sessions[next], stats_));
                net::co_spawn(io_, clients_.back()->run(), net::detached);
                ++next;
            } else {
                if (io_.stopped()) io_.restart();
                io_.run_for(5ms);
            }
        }
        run_until(
            io_, [&] { return stats_.ready + stats_.failed >= n; }, 120s);
        const double open_seconds = std::chrono::duration<double>(steady::now() - open_start).count();
        // Settled: at least settle_seconds, and (up to a minute more) until one second
        // brings 95 % of the nominal frames (every new driver has restored its students).
        run_until(
            io_, [] { return false; }, std::chrono::seconds(s_.settle_seconds));
        double settled_rate = 0;
        for (int i = 0; i < 60; ++i) {
            const auto f0 = stats_.all_frames;
            run_until(
                io_, [] { return false; }, 1s);
            settled_rate = static_cast<double>(stats_.all_frames - f0);
            if (settled_rate >= 0.95 * n * 1000.0 / nominal_ms) break;
        }
        const double settle_seconds = std::chrono::duration<double>(steady::now() - open_start).count() - open_seconds;

        // The window.
        stats_.frames = 0;
        stats_.seq_gaps = 0;
        stats_.interval.clear();
        const auto m0 = metrics_();
        const double m0_sum = metric(m0, "asistencia_projection_frame_seconds_sum");
        const double m0_count = metric(m0, "asistencia_projection_frame_seconds_count");
        std::vector<std::int64_t> rss;
        const auto t0 = thread_ticks(server_);
        const auto p0 = process_ticks(server_), v0 = process_ticks(valkey_), g0 = process_ticks(::getpid());
        const auto w0 = steady::now();
        std::optional<child_process> profiler;
        if (!s_.profile.empty() && n == s_.profile_level)
            profiler.emplace(profile_args(), std::map<std::string, std::string>{},
                             s_.run_dir + "/projectors-profile.log", -1);
        stats_.measuring = true;
        for (int i = 0; i < s_.seconds; ++i) {
            run_until(
                io_, [] { return false; }, 1s);
            rss.push_back(rss_kib(server_));
        }
        stats_.measuring = false;
        if (profiler) profiler->stop(SIGINT);
        const double window = std::chrono::duration<double>(steady::now() - w0).count();
        const auto p1 = process_ticks(server_), v1 = process_ticks(valkey_), g1 = process_ticks(::getpid());
        const auto t1 = thread_ticks(server_);
        const auto m1 = metrics_();
        const double m1_sum = metric(m1, "asistencia_projection_frame_seconds_sum");
        const double m1_count = metric(m1, "asistencia_projection_frame_seconds_count");
        std::int64_t busiest = 0;
        for (const auto& [tid, ticks] : t1) {
            const auto it = t0.find(tid);
            busiest = std::max(busiest, ticks - (it == t0.end() ? 0 : it->second));
        }

        const auto frames = std::max<std::int64_t>(stats_.frames, 1);
        const auto per_frame = [&](std::int64_t ticks) { return ticks_to_us(ticks) / static_cast<double>(frames); };
        auto rss_sorted = rss;
        std::sort(rss_sorted.begin(), rss_sorted.end());
        const auto rss_median = rss_sorted.empty() ? 0 : rss_sorted[rss_sorted.size() / 2];
        json j{
            {"projectors", n},
            {"ready", stats_.ready},
            {"failed", stats_.failed},
            {"openSeconds", open_seconds},
            {"settleSeconds", settle_seconds},
            {"framesPerSecondBeforeWindow", settled_rate},
            {"windowSeconds", window},
            {"frames", stats_.frames},
            {"framesPerSecond", static_cast<double>(stats_.frames) / window},
            {"expectedFramesPerSecond", n * 1000.0 / nominal_ms},
            {"missedSeqs", stats_.seq_gaps},
            {"cpuUsPerFrame",
             {{"server", per_frame(p1 - p0)}, {"valkey", per_frame(v1 - v0)}, {"generator", per_frame(g1 - g0)}}},
            {"serverCoreShare", ticks_to_us(p1 - p0) / 1e6 / window},
            {"busiestThreadCoreShare", ticks_to_us(busiest) / 1e6 / window},
            {"rssKiB", rss_median},
            {"rssKiBMinMax", {rss_sorted.empty() ? 0 : rss_sorted.front(), rss_sorted.empty() ? 0 : rss_sorted.back()}},
            {"intervalMs",
             {{"count", stats_.interval.size()},
              {"p50", pct(stats_.interval, 0.50)},
              {"p90", pct(stats_.interval, 0.90)},
              {"p99", pct(stats_.interval, 0.99)},
              {"max", stats_.interval.empty() ? 0.0 : stats_.interval.back()}}}};
        j["jitterP99Ms"] = j["intervalMs"]["p99"].get<double>() - nominal_ms;
        if (m1_count > m0_count) {
            j["sealRenderUsPerFrame"] = (m1_sum - m0_sum) * 1e6 / (m1_count - m0_count);
            j["framesRendered"] = m1_count - m0_count;
        }
        if (last_rss_ > 0 && n > last_n_) {
            j["rssKiBPerProjector"] = static_cast<double>(rss_median - last_rss_) / (n - last_n_);
        }
        last_rss_ = rss_median;
        last_n_ = n;
        return j;
    }

private:
    std::vector<std::string> profile_args() const {
        std::vector<std::string> out;
        std::istringstream words(s_.profile);
        for (std::string w; words >> w;) out.push_back(w == "{pid}" ? std::to_string(server_) : w);
        return out;
    }

    const settings& s_;
    const target& target_;
    pid_t server_;
    pid_t valkey_;
    std::function<std::string()> metrics_;
    net::io_context io_;
    stats stats_;
    std::vector<std::unique_ptr<projector_client>> clients_;
    std::int64_t last_rss_ = 0;
    int last_n_ = 0;
};

void print_step(const char* who, const json& j) {
    std::cerr << "projectors_load: " << who << " " << j["projectors"]
              << " projectors: " << j["framesPerSecond"].get<double>() << " frames/s (of "
              << j["expectedFramesPerSecond"] << "), server " << j["cpuUsPerFrame"]["server"].get<double>()
              << " us/frame, core share " << j["serverCoreShare"].get<double>() << ", interval p50 "
              << j["intervalMs"]["p50"] << " p99 " << j["intervalMs"]["p99"] << " ms, RSS " << j["rssKiB"] << " KiB"
              << (j.contains("rssKiBPerProjector")
                      ? ", " + std::to_string(j["rssKiBPerProjector"].get<double>()) + " KiB/projector"
                      : std::string())
              << ", failed " << j["failed"] << "\n";
}

json run_server(const settings& s) {
    pqxx::connection db("host=" + env("DB_HOST") + " port=" + env("DB_PORT") + " dbname=" + env("DB_NAME") +
                        " user=" + env("DB_USER") + " password=" + env("DB_PASSWORD"));
    const auto port = free_port();
    const auto origins = env("WEBAUTHN_ORIGINS");
    const std::string key_prefix = "benchproj-" + std::to_string(::getpid()) + ":";
    auto args = s.wrap;
    args.push_back(s.server_bin);
    child_process server(args,
                         {{"PORT", std::to_string(port)},
                          {"HOST", "127.0.0.1"},
                          {"FRAME_INTERVAL_MS", std::to_string(nominal_ms)},
                          {"RATE_LIMIT_WS_UPGRADES_PER_MIN", "0"},
                          {"SERVER_MASTER_KEY", enc::base64_encode(s.master_key)},
                          {"KEY_PREFIX", key_prefix},
                          {"LOG_LEVEL", s.log_level}},
                         s.run_dir + "/projectors-server.log", s.server_core);
    if (!server.running() || !wait_ready(port, "/readyz", 30s)) {
        throw std::runtime_error("the server did not become ready; see " + s.run_dir + "/projectors-server.log");
    }
    const int max_n = *std::max_element(s.levels.begin(), s.levels.end());
    const auto c0 = steady::now();
    const auto sessions = open_sessions(port, max_n, 16);
    std::map<std::int64_t, crypto::device_keys> keys;
    const auto regs = seed_students(db, sessions, s.students, s.master_key, keys);
    warm_states(regs, s.master_key, key_prefix);
    std::cerr << "projectors_load: " << max_n << " sessions with " << s.students << " students each in "
              << std::chrono::duration<double>(steady::now() - c0).count() << " s\n";
    pid_t valkey_pid = 0;
    std::ifstream(s.run_dir + "/valkey/valkey.pid") >> valkey_pid;
    target t{port, false, origins.substr(0, origins.find(',')), professor_token()};
    stepper st(s, t, server.pid(), valkey_pid,
               [port] { return blocking_request(port, http::verb::get, "/metrics", "", "").body; });
    json levels = json::array();
    for (const int n : s.levels) {
        levels.push_back(st.step(sessions, n));
        print_step("server", levels.back());
        if (!server.running()) throw std::runtime_error("the server exited; see its log");
    }
    return levels;
}

json run_peer(const settings& s) {
    const auto port = free_port();
    child_process peer({"node", s.peer_dir + "/server.mjs"},
                       {{"PEER_WORKERS", "1"},
                        {"PEER_PORT", std::to_string(port)},
                        {"PEER_FRAME_HZ", std::to_string(1000 / nominal_ms)},
                        {"REDIS_URL", ""},
                        {"DATABASE_URL", ""}},
                       s.run_dir + "/projectors-peer.log", s.server_core);
    if (!peer.running() || !wait_ready(port, "/healthz", 30s)) {
        throw std::runtime_error("the peer did not start; see " + s.run_dir + "/projectors-peer.log");
    }
    const int max_n = *std::max_element(s.levels.begin(), s.levels.end());
    const std::vector<std::int64_t> ids(static_cast<std::size_t>(max_n), 0);
    target t{port, true, {}, {}};
    stepper st(s, t, peer.pid(), 0, [] { return std::string(); });
    json levels = json::array();
    for (const int n : s.levels) {
        levels.push_back(st.step(ids, n));
        print_step("peer", levels.back());
    }
    return levels;
}

settings parse(int argc, char** argv) {
    settings s;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--server")
            s.server_bin = v;
        else if (k == "--out")
            s.out = v;
        else if (k == "--peer-dir")
            s.peer_dir = v;
        else if (k == "--peer-out")
            s.peer_out = v;
        else if (k == "--levels")
            s.levels = int_list(v);
        else if (k == "--students")
            s.students = std::stoi(v);
        else if (k == "--seconds")
            s.seconds = std::stoi(v);
        else if (k == "--settle")
            s.settle_seconds = std::stoi(v);
        else if (k == "--server-core")
            s.server_core = std::stoi(v);
        else if (k == "--generator-core")
            s.generator_core = std::stoi(v);
        else if (k == "--profile")
            s.profile = v;
        else if (k == "--log-level")
            s.log_level = v;
        else if (k == "--profile-level")
            s.profile_level = std::stoi(v);
        else if (k == "--wrap") {
            std::istringstream words(v);
            for (std::string w; words >> w;) s.wrap.push_back(w);
        } else
            throw std::invalid_argument("unknown option " + k);
    }
    if (s.server_bin.empty() || s.out.empty()) throw std::invalid_argument("--server and --out are required");
    if (s.levels.empty() || s.students < 1 || s.seconds < 1) throw std::invalid_argument("bad levels/students/seconds");
    s.run_dir = env("RUN_DIR");
    return s;
}

json settings_json(const settings& s) {
    return json{{"levels", s.levels},
                {"studentsPerSession", s.students},
                {"frameIntervalMs", nominal_ms},
                {"windowSeconds", s.seconds},
                {"settleSeconds", s.settle_seconds},
                {"serverCore", s.server_core},
                {"generatorCore", s.generator_core},
                {"hardwareThreads", std::thread::hardware_concurrency()},
                {"note",
                 "one projector per session; CPU per frame = utime+stime of the whole server process over the "
                 "window / frames received by the projectors; RSS median of 1 s samples; rssKiBPerProjector = "
                 "slope from the previous level; the machine is shared"}};
}

} // namespace

int main(int argc, char** argv) try {
    const auto s = parse(argc, argv);
    pin_self(s.generator_core);
    const json targets{{"rssKiBPerProjector", 16}, {"jitterP99MsAt1000", 50}, {"cpuUsPerFrame", 150}};
    json out{{"settings", settings_json(s)}, {"targets", targets}, {"levels", run_server(s)}};
    int failed = 0;
    for (const auto& l : out["levels"]) failed += l["failed"].get<int>();
    std::ofstream(s.out) << out.dump(2) << "\n";
    if (!s.peer_dir.empty() && !s.peer_out.empty()) {
        json peer{{"settings", settings_json(s)},
                  {"peer",
                   "seed stack (node server.mjs, ws), PEER_WORKERS=1, same core, same levels; no auth, "
                   "no seal, no QR render, no Valkey: one constant frame to every client"},
                  {"levels", run_peer(s)}};
        json ratios = json::array();
        for (std::size_t i = 0; i < peer["levels"].size() && i < out["levels"].size(); ++i) {
            const auto& a = out["levels"][i];
            const auto& b = peer["levels"][i];
            json r{{"projectors", a["projectors"]},
                   {"cpuPerFrameOursOverPeer", a["cpuUsPerFrame"]["server"].get<double>() /
                                                   std::max(1e-9, b["cpuUsPerFrame"]["server"].get<double>())},
                   {"intervalP99OursMs", a["intervalMs"]["p99"]},
                   {"intervalP99PeerMs", b["intervalMs"]["p99"]}};
            if (a.contains("rssKiBPerProjector") && b.contains("rssKiBPerProjector")) {
                r["rssPerProjectorOursOverPeer"] =
                    a["rssKiBPerProjector"].get<double>() / std::max(1e-9, b["rssKiBPerProjector"].get<double>());
            }
            ratios.push_back(r);
        }
        peer["ratios"] = ratios;
        for (const auto& l : peer["levels"]) failed += l["failed"].get<int>();
        std::ofstream(s.peer_out) << peer.dump(2) << "\n";
    }
    return failed == 0 ? 0 : 1;
} catch (const std::exception& e) {
    std::cerr << "projectors_load: " << e.what() << "\n";
    return 2;
}
