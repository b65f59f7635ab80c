// Load generator for the answer path (POST /api/attendance/sessions/:id/responses) and its
// PostgreSQL ceiling: the same INSERT through pgbench at the same concurrency. Run by
// scripts/bench; writes build/bench/validate.json. Not a Google Benchmark: it drives a
// real server (spawned here, release build) over keep-alive HTTP connections.
//
// Untimed setup: sessions through the API, students (device + registration) by SQL,
// participation tokens signed here, a warm-up answer per student (the server rebuilds the
// student's Valkey state from PostgreSQL). Timed: only the POST of each answer; before it
// the generator plays the frame loop (valkey_round_store::record_showing), untimed.
#include "asistencia/domain/crypto/primitives.hpp"
#include "asistencia/domain/crypto/protocol_keys.hpp"
#include "asistencia/domain/crypto/totp.hpp"
#include "asistencia/domain/encoding/base64.hpp"
#include "asistencia/domain/tokens/jwt.hpp"
#include "asistencia/infra/stores/round_store.hpp"
#include "asistencia/infra/valkey/client.hpp"
#include "process.hpp"
#include "run_awaitable.hpp"
#include "shell.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace crypto = asistencia::domain::crypto;
namespace enc = asistencia::domain::encoding;
namespace tokens = asistencia::domain::tokens;
namespace valkey = asistencia::infra::valkey;
namespace stores = asistencia::infra::stores;
using nlohmann::json;
using steady = std::chrono::steady_clock;

constexpr int max_rounds = 10;
constexpr int students_per_session = 100; // a large lecture; class_student_medians reads one session

std::string env(const char* name, const char* fallback = nullptr) {
    const char* v = std::getenv(name);
    if (v != nullptr && *v != '\0') return v;
    if (fallback != nullptr) return fallback;
    std::cerr << "validate_load: " << name << " is not set (run through ./scripts/bench)\n";
    std::exit(2);
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::vector<int> int_list(const std::string& s) {
    std::vector<int> out;
    std::stringstream in(s);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(std::stoi(item));
    return out;
}

using test_support::free_port;

// ------------------------------------------------------------------ server process
class server_process {
public:
    // `wrap`: a command the server runs under (taskset, valgrind) that execs it in place,
    // so the pid measured is the server's.
    server_process(const std::vector<std::string>& wrap, const std::string& bin,
                   const std::map<std::string, std::string>& overrides, const std::string& log_path) {
        std::vector<std::string> args = wrap;
        args.push_back(bin);
        const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        pid_ = test_support::spawn_process(args, overrides, fd);
        ::close(fd);
    }
    ~server_process() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        ::waitpid(pid_, nullptr, 0);
    }
    bool running() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }

private:
    pid_t pid_ = -1;
};

// ------------------------------------------------------------------ CPU accounting
// Where the CPU of a level goes: user+system ticks of the processes involved and of the
// whole machine (the machine is shared, so `machine` includes others' work).
std::int64_t process_ticks(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
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

std::int64_t machine_busy_ticks() {
    std::ifstream in("/proc/stat");
    std::string cpu;
    std::int64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
    return user + nice + system + irq + softirq + steal;
}

struct cpu_sample {
    std::int64_t server = 0, postgres = 0, valkey = 0, generator = 0, machine = 0;
};

class cpu_meter {
public:
    cpu_meter(pqxx::connection& db, pid_t server, pid_t valkey) : db_(db), server_(server), valkey_(valkey) {}

    // The server's pool backends: every client backend of this database but ours.
    std::vector<pid_t> backends() {
        pqxx::nontransaction n(db_);
        std::vector<pid_t> out;
        for (const auto& row : n.exec("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                      "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"))
            out.push_back(row[0].as<pid_t>());
        return out;
    }
    cpu_sample sample(const std::vector<pid_t>& pg) {
        cpu_sample c;
        c.server = process_ticks(server_);
        for (auto p : pg) c.postgres += process_ticks(p);
        c.valkey = valkey_ > 0 ? process_ticks(valkey_) : 0;
        c.generator = process_ticks(::getpid());
        c.machine = machine_busy_ticks();
        return c;
    }
    // Milliseconds of CPU per accepted answer, by process.
    static json per_answer(const cpu_sample& a, const cpu_sample& b, std::int64_t answers) {
        const double ms = 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
        const auto per = [&](std::int64_t d) { return answers > 0 ? static_cast<double>(d) * ms / answers : 0.0; };
        return json{{"server", per(b.server - a.server)},
                    {"postgres", per(b.postgres - a.postgres)},
                    {"valkey", per(b.valkey - a.valkey)},
                    {"generator", per(b.generator - a.generator)},
                    {"machine", per(b.machine - a.machine)}};
    }

private:
    pqxx::connection& db_;
    pid_t server_;
    pid_t valkey_;
};

// ------------------------------------------------------------------ HTTP (keep-alive)
struct reply {
    int status = 0;
    std::string body;
};

class connection {
public:
    connection(net::any_io_executor ex, std::uint16_t port) : stream_(ex), port_(port) {}

    net::awaitable<reply> post(const std::string& target, const std::string& auth, std::string body) {
        if (!stream_.socket().is_open()) {
            stream_.expires_after(std::chrono::seconds(10));
            co_await stream_.async_connect({net::ip::make_address("127.0.0.1"), port_}, net::use_awaitable);
            stream_.socket().set_option(net::ip::tcp::no_delay(true));
        }
        http::request<http::string_body> req{http::verb::post, target, 11};
        req.set(http::field::host, "localhost");
        req.set(http::field::authorization, auth);
        req.set(http::field::content_type, "application/json");
        req.keep_alive(true);
        req.body() = std::move(body);
        req.prepare_payload();
        stream_.expires_after(std::chrono::seconds(30));
        co_await http::async_write(stream_, req, net::use_awaitable);
        http::response<http::string_body> res;
        co_await http::async_read(stream_, buf_, res, net::use_awaitable);
        if (!res.keep_alive()) {
            beast::error_code ec;
            stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
            stream_.close();
        }
        co_return reply{static_cast<int>(res.result_int()), std::move(res.body())};
    }

    void reset() {
        beast::error_code ec;
        stream_.socket().close(ec);
        buf_.clear();
    }

private:
    beast::tcp_stream stream_;
    beast::flat_buffer buf_;
    std::uint16_t port_;
};

// One request on a fresh connection from outside the loop (setup only).
reply blocking_request(std::uint16_t port, http::verb verb, const std::string& target, const std::string& auth,
                       const std::string& body) {
    try {
        net::io_context io;
        beast::tcp_stream stream(io);
        stream.expires_after(std::chrono::seconds(10));
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

bool wait_ready(std::uint16_t port, std::chrono::seconds limit) {
    const auto end = steady::now() + limit;
    while (steady::now() < end) {
        if (blocking_request(port, http::verb::get, "/readyz", "", "").status == 200) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

// ------------------------------------------------------------------ students
struct student {
    std::int64_t session_id = 0;
    std::int64_t user_id = 0;
    std::int64_t device_id = 0;
    std::string auth; // "Bearer <participation token>"
    crypto::bytes k_totpu;
    const crypto::bytes* totps_secret = nullptr;
};

struct settings {
    std::string server_bin;
    std::string out;
    std::string run_dir;
    std::vector<int> levels{8, 32, 128};
    std::vector<int> pool_sizes{8, 32};
    int seconds = 10;
    int students_per_level = 0;
    bool pgbench = true;
    crypto::bytes master_key = crypto::bytes(32, 0x5a);
    std::vector<std::string> wrap; // --wrap "taskset -c 0": the server's command prefix
    bool callgrind = false;        // --callgrind 1: zero the counters before each timed run, dump after
    int ready_seconds = 30;
    std::string key_prefix;
};

std::string pg_conninfo() {
    return "host=" + env("DB_HOST") + " port=" + env("DB_PORT") + " dbname=" + env("DB_NAME") +
           " user=" + env("DB_USER") + " password=" + env("DB_PASSWORD");
}

std::string professor_bearer() {
    tokens::user_claims c;
    c.user_id = 1;
    c.username = "bench-professor";
    c.role = tokens::user_role::profesor;
    return "Bearer " + tokens::issue_user_token(c, env("JWT_SECRET"), {}).token;
}

std::int64_t open_session(std::uint16_t port) {
    const json body{{"courseId", 1}, {"semesterId", 2}, {"room", "Sala bench"}, {"maxRounds", max_rounds}};
    const auto r =
        blocking_request(port, http::verb::post, "/api/attendance/sessions", professor_bearer(), body.dump());
    if (r.status != 201) throw std::runtime_error("session not created: " + std::to_string(r.status) + " " + r.body);
    return json::parse(r.body).at("sessionId").get<std::int64_t>();
}

// Devices and registrations straight into PostgreSQL (the answer path never asks PHP).
std::vector<student> make_students(pqxx::connection& db, std::uint16_t port, const settings& s, int count,
                                   std::map<std::int64_t, crypto::bytes>& totps_secrets) {
    const auto participation_key_bytes = crypto::derive_participation_key(s.master_key);
    const std::string participation_key(participation_key_bytes.begin(), participation_key_bytes.end());
    std::vector<student> out;
    pqxx::work w(db);
    auto next_uid = w.exec1("SELECT GREATEST(COALESCE(max(user_id), 899999), 899999) + 1 FROM enrollment.devices")[0]
                        .as<std::int64_t>();
    std::int64_t sid = 0;
    for (int i = 0; i < count; ++i) {
        if (i % students_per_session == 0) {
            sid = open_session(port);
            totps_secrets[sid] = crypto::derive_session_totps_secret(s.master_key, sid);
        }
        student st;
        st.session_id = sid;
        st.user_id = next_uid++;
        const auto secret = crypto::random_bytes(32);
        const auto credential_id = enc::base64url_encode(crypto::random_bytes(16));
        st.device_id = w.exec_params1(
                            "INSERT INTO enrollment.devices (user_id, credential_id, public_key, "
                            "handshake_secret, aaguid, device_fingerprint) VALUES ($1, $2, 'bench-placeholder', "
                            "$3, '00000000-0000-0000-0000-000000000000', 'bench') RETURNING device_id",
                            st.user_id, credential_id, crypto::seal_at_rest(s.master_key, secret, credential_id))[0]
                           .as<std::int64_t>();
        w.exec_params(
            "INSERT INTO attendance.registrations (session_id, user_id, device_id, queue_position) "
            "VALUES ($1, $2, $3, $4)",
            sid, st.user_id, st.device_id, i % students_per_session + 1);
        st.k_totpu = crypto::derive_device_keys(secret).k_totpu;
        st.auth = "Bearer " + tokens::issue_participation_token({sid, st.user_id, st.device_id, {}, {}},
                                                                participation_key, {}, std::nullopt)
                                  .token;
        out.push_back(std::move(st));
    }
    w.commit();
    for (auto& st : out) st.totps_secret = &totps_secrets.at(st.session_id);
    return out;
}

// ------------------------------------------------------------------ one level
struct level_result {
    int clients = 0;
    std::int64_t answers = 0; // POSTs completed in the timed part
    std::int64_t accepted = 0;
    std::int64_t errors = 0; // anything but 200 {accepted:true}, and showings refused
    double seconds = 0;
    double answers_per_second = 0;
    double p50_ms = 0, p99_ms = 0, mean_ms = 0;
    double p50_ms_last_round = 0, p99_ms_last_round = 0; // the answer that also scores the student
    std::map<std::string, int> error_kinds;
    int warmup_errors = 0;
};

// Runs the loop until `active` workers are done (the Valkey client keeps the loop busy
// forever, so io_context::run would never return).
void run_until_done(net::io_context& io, const int& active) {
    io.restart();
    while (active > 0) io.run_one();
}

// Completion of a worker: counts it out; an escaped exception is a bug, so it propagates.
std::function<void(std::exception_ptr)> done_(int& active) {
    return [&active](std::exception_ptr e) {
        --active;
        if (e) std::rethrow_exception(e);
    };
}

class load {
public:
    load(net::io_context& io, std::uint16_t port, stores::valkey_round_store& rounds)
        : io_(io), port_(port), rounds_(rounds) {}

    // One answer per student that has no Valkey state yet: the server rebuilds it
    // (PostgreSQL) and records a timeout row for the unknown nonce. Returns the errors.
    int warm_up(std::vector<student>& students, int clients) {
        int errors = 0;
        std::size_t next = 0;
        int active = clients;
        auto worker = [&]() -> net::awaitable<void> {
            connection c(io_.get_executor(), port_);
            while (next < students.size()) {
                auto& st = students[next++];
                const json body{{"round", 1},
                                {"nonce", enc::base64url_encode(crypto::random_bytes(16))},
                                {"totps", "000000"},
                                {"totpu", "000000"},
                                {"clientScannedAt", now_ms()}};
                try {
                    const auto r = co_await c.post(target(st), st.auth, body.dump());
                    if (r.status != 200) ++errors;
                } catch (const std::exception&) {
                    ++errors;
                    c.reset();
                }
            }
        };
        for (int i = 0; i < clients; ++i) net::co_spawn(io_, worker(), done_(active));
        run_until_done(io_, active);
        return errors;
    }

    level_result run(std::vector<student>& students, int clients, int seconds) {
        level_result res;
        res.clients = clients;
        std::vector<double> latencies, last_round;
        latencies.reserve(students.size() * max_rounds);
        std::size_t next = 0;
        int active = clients;
        const auto start = steady::now();
        const auto end = start + std::chrono::seconds(seconds);
        auto last = start;
        auto fail = [&](const std::string& kind) {
            ++res.errors;
            if (res.error_kinds[kind]++ < 3) std::cerr << "validate_load: error " << kind << "\n";
        };
        auto worker = [&]() -> net::awaitable<void> {
            connection c(io_.get_executor(), port_);
            while (next < students.size() && steady::now() < end) {
                auto& st = students[next++];
                for (int round = 1; round <= max_rounds && steady::now() < end; ++round) {
                    // The frame loop's part (untimed): a showing of the pending round.
                    const auto nonce = enc::base64url_encode(crypto::random_bytes(16));
                    const auto issued = now_ms();
                    bool shown = false;
                    const asistencia::application::attendance::pending_round pending{st.user_id, round};
                    try {
                        shown = co_await rounds_.record_showing(st.session_id, pending, nonce, issued);
                    } catch (const std::exception&) {
                        shown = false;
                    }
                    if (!shown) {
                        fail("round_not_pending");
                        break;
                    }
                    // The phone's part: TOTPs from the payload, its own TOTPu now.
                    const auto totps = crypto::totp_code_at_step(*st.totps_secret, crypto::totp_step(issued / 1000));
                    const auto scanned = now_ms();
                    const json body{{"round", round},
                                    {"nonce", nonce},
                                    {"totps", totps},
                                    {"totpu", crypto::totp_code(st.k_totpu, scanned / 1000)},
                                    {"clientScannedAt", scanned}};
                    auto text = body.dump();
                    const auto t0 = steady::now();
                    reply r;
                    try {
                        r = co_await c.post(target(st), st.auth, std::move(text));
                    } catch (const std::exception& e) {
                        c.reset();
                        fail(std::string("transport: ") + e.what());
                        break;
                    }
                    const auto t1 = steady::now();
                    last = std::max(last, t1);
                    latencies.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
                    if (round == max_rounds) last_round.push_back(latencies.back());
                    ++res.answers;
                    const auto j = json::parse(r.body, nullptr, false);
                    if (r.status == 200 && j.is_object() && j.value("accepted", false)) {
                        ++res.accepted;
                        continue;
                    }
                    fail("status " + std::to_string(r.status) + " " + r.body.substr(0, 160));
                    break; // the student's state is unknown now: next student
                }
            }
        };
        for (int i = 0; i < clients; ++i) net::co_spawn(io_, worker(), done_(active));
        run_until_done(io_, active);
        res.seconds = std::chrono::duration<double>(last - start).count();
        res.answers_per_second = res.seconds > 0 ? static_cast<double>(res.accepted) / res.seconds : 0;
        auto pct = [](std::vector<double>& v, double p) {
            if (v.empty()) return 0.0;
            std::sort(v.begin(), v.end());
            const auto i = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1;
            return v[std::min(i, v.size() - 1)];
        };
        res.p50_ms_last_round = pct(last_round, 0.50);
        res.p99_ms_last_round = pct(last_round, 0.99);
        if (!latencies.empty()) {
            res.p50_ms = pct(latencies, 0.50);
            res.p99_ms = pct(latencies, 0.99);
            double sum = 0;
            for (double l : latencies) sum += l;
            res.mean_ms = sum / static_cast<double>(latencies.size());
        }
        if (next >= students.size()) std::cerr << "validate_load: level " << clients << " ran out of students\n";
        return res;
    }

private:
    static std::string target(const student& st) {
        return "/api/attendance/sessions/" + std::to_string(st.session_id) + "/responses";
    }
    net::io_context& io_;
    std::uint16_t port_;
    stores::valkey_round_store& rounds_;
};

// ------------------------------------------------------------------ pgbench
// The INSERT of attendance_validation_insert with the server's value shapes (text
// parameters, NULLIF/CASE around them), as one autocommit statement, or wrapped in
// BEGIN/COMMIT like the pool's transaction.
std::string write_pgbench_script(const std::string& path, std::int64_t lo, std::int64_t hi, bool transaction) {
    const std::int64_t ms = now_ms();
    const auto ts = [](const std::string& v) { return "to_timestamp(" + v + "::bigint / 1000.0) AT TIME ZONE 'UTC'"; };
    std::ostringstream q;
    q << "\\set rid random(" << lo << ", " << hi << ")\n\\set round random(1, " << max_rounds << ")\n";
    if (transaction) q << "BEGIN;\n";
    q << "INSERT INTO attendance.validations (registration_id, round_number, qr_generated_at, qr_scanned_at, "
         "response_received_at, response_time_ms, totpu_valid, totps_valid, rt_valid, secret_valid, "
         "validation_status, failed_attempts) VALUES (:rid, :round, "
      << ts("'" + std::to_string(ms) + "'") << ", CASE WHEN '" << ms + 40 << "' = '' THEN NULL ELSE "
      << ts("'" + std::to_string(ms + 40) + "'") << " END, " << ts("'" + std::to_string(ms + 900) + "'")
      << ", NULLIF('900', '')::int, NULLIF('true', '')::boolean, NULLIF('true', '')::boolean, "
         "NULLIF('true', '')::boolean, NULLIF('true', '')::boolean, 'success', 0);\n";
    if (transaction) q << "COMMIT;\n";
    std::ofstream(path) << q.str();
    return path;
}

// pgbench's rows leave again (and the statistics are refreshed) so the answer path of
// the next level sees the table it would see without them.
void drop_pgbench_rows(pqxx::connection& db, std::int64_t lo, std::int64_t hi) {
    {
        pqxx::work w(db);
        w.exec_params("DELETE FROM attendance.validations WHERE registration_id BETWEEN $1 AND $2", lo, hi);
        w.commit();
    }
    pqxx::nontransaction n(db);
    n.exec("VACUUM ANALYZE attendance.validations");
}

double pgbench_tps(const std::string& script, int clients, int seconds) {
    ::setenv("PGPASSWORD", env("DB_PASSWORD").c_str(), 1);
    const std::string cmd = env("PGBENCH", "pgbench") + " -n -M prepared -c " + std::to_string(clients) + " -j " +
                            std::to_string(clients) + " -T " + std::to_string(seconds) + " -f " + script + " -h " +
                            env("DB_HOST") + " -p " + env("DB_PORT") + " -U " + env("DB_USER") + " " + env("DB_NAME") +
                            " 2>&1";
    const auto r = test_support::run_command(cmd);
    const auto at = r.output.find("tps = ");
    if (r.status != 0 || at == std::string::npos) {
        std::cerr << "validate_load: pgbench failed:\n" << r.output;
        return 0;
    }
    return std::stod(r.output.substr(at + 6));
}

// The server under valgrind --tool=callgrind: only the timed answers are counted.
void callgrind_control(const char* what, pid_t pid) {
    const auto cmd = std::string("callgrind_control ") + what + " " + std::to_string(pid) + " >/dev/null";
    if (std::system(cmd.c_str()) != 0) std::cerr << "validate_load: " << cmd << " failed\n";
}

json to_json(const level_result& r) {
    return json{{"clients", r.clients},
                {"answers", r.answers},
                {"accepted", r.accepted},
                {"seconds", r.seconds},
                {"answersPerSecond", r.answers_per_second},
                {"p50Ms", r.p50_ms},
                {"p99Ms", r.p99_ms},
                {"meanMs", r.mean_ms},
                {"errors", r.errors},
                {"p50MsLastRound", r.p50_ms_last_round},
                {"p99MsLastRound", r.p99_ms_last_round},
                {"errorKinds", r.error_kinds},
                {"warmupErrors", r.warmup_errors}};
}

settings parse(int argc, char** argv) {
    settings s;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--server")
            s.server_bin = v;
        else if (k == "--out")
            s.out = v;
        else if (k == "--levels")
            s.levels = int_list(v);
        else if (k == "--pool-sizes")
            s.pool_sizes = int_list(v);
        else if (k == "--seconds")
            s.seconds = std::stoi(v);
        else if (k == "--students")
            s.students_per_level = std::stoi(v);
        else if (k == "--pgbench")
            s.pgbench = v != "0";
        else if (k == "--wrap") {
            std::istringstream words(v);
            for (std::string w; words >> w;) s.wrap.push_back(w);
        } else if (k == "--callgrind")
            s.callgrind = v != "0";
        else if (k == "--ready-seconds")
            s.ready_seconds = std::stoi(v);
        else
            throw std::invalid_argument("unknown option " + k);
    }
    if (s.server_bin.empty() || s.out.empty()) throw std::invalid_argument("--server and --out are required");
    if (s.students_per_level <= 0)
        s.students_per_level = std::max(1000, 1000 * s.seconds); // 10 rounds each: room for 10k answers/s
    s.run_dir = env("RUN_DIR");
    s.key_prefix = "bench-" + std::to_string(::getpid()) + ":";
    return s;
}

} // namespace

int main(int argc, char** argv) try {
    const auto s = parse(argc, argv);
    pqxx::connection db(pg_conninfo());
    json out{{"settings",
              {{"seconds", s.seconds},
               {"levels", s.levels},
               {"poolSizes", s.pool_sizes},
               {"studentsPerLevel", s.students_per_level},
               {"studentsPerSession", students_per_session},
               {"maxRounds", max_rounds},
               {"rtMinMs", 0},
               {"hardwareThreads", std::thread::hardware_concurrency()},
               {"serverWrap", s.wrap},
               {"pgbench",
                "pgbench -n -M prepared -c C -j C -T seconds, one INSERT (autocommit); "
                "pgbenchTxnTps: the same INSERT inside BEGIN/COMMIT"},
               {"note",
                "server and generator share the machine; RT_MIN_MS=0 lets answers follow the "
                "showing at once, every check still runs"}}},
             {"levels", json::array()},
             {"poolVariants", json::array()}};
    std::map<std::int64_t, crypto::bytes> totps_secrets;
    std::int64_t pg_lo = 0, pg_hi = 0;
    std::string script_autocommit, script_txn;

    for (std::size_t variant = 0; variant < s.pool_sizes.size(); ++variant) {
        const int pool_size = s.pool_sizes[variant];
        const auto port = free_port();
        server_process server(s.wrap, s.server_bin,
                              {{"PORT", std::to_string(port)},
                               {"HOST", "127.0.0.1"},
                               {"RT_MIN_MS", "0"},
                               // The generator answers faster than a phone: a limit it never
                               // reaches keeps the limiter's Valkey call in the measured path.
                               {"RATE_LIMIT_ANSWERS_PER_SEC", "100000"},
                               {"SERVER_MASTER_KEY", enc::base64_encode(s.master_key)},
                               {"KEY_PREFIX", s.key_prefix},
                               {"DB_POOL_SIZE", std::to_string(pool_size)},
                               {"LOG_LEVEL", "warn"}},
                              s.run_dir + "/validate-server-" + std::to_string(pool_size) + ".log");
        if (!server.running() || !wait_ready(port, std::chrono::seconds(s.ready_seconds))) {
            throw std::runtime_error("the server did not become ready; see " + s.run_dir + "/validate-server-*.log");
        }
        if (variant == 0 && s.pgbench) {
            // Registrations of their own session for pgbench's rows (so the server's
            // class_student_medians never reads them).
            const auto sid = open_session(port);
            pqxx::work w(db);
            const auto r = w.exec_params(
                "INSERT INTO attendance.registrations (session_id, user_id, queue_position) "
                "SELECT $1, 800000 + g, g FROM generate_series(1, 100) g "
                "RETURNING registration_id",
                sid);
            w.commit();
            pg_lo = r.front()[0].as<std::int64_t>();
            pg_hi = r.back()[0].as<std::int64_t>();
            script_autocommit = write_pgbench_script(s.run_dir + "/validate-insert.sql", pg_lo, pg_hi, false);
            script_txn = write_pgbench_script(s.run_dir + "/validate-insert-txn.sql", pg_lo, pg_hi, true);
        }

        net::io_context io;
        valkey::settings vs;
        vs.host = env("REDIS_HOST");
        vs.port = std::stoi(env("REDIS_PORT"));
        vs.key_prefix = s.key_prefix;
        valkey::client kv(io.get_executor(), vs);
        stores::valkey_round_store rounds(kv, s.master_key);
        kv.start();
        test_support::run_until_done(io, kv.wait_connected(std::chrono::seconds(5)));
        load generator(io, port, rounds);
        pid_t valkey_pid = 0;
        std::ifstream(s.run_dir + "/valkey/valkey.pid") >> valkey_pid;
        cpu_meter meter(db, server.pid(), valkey_pid);

        for (const int clients : s.levels) {
            auto students = make_students(db, port, s, s.students_per_level, totps_secrets);
            {
                // Fresh planner statistics, as autovacuum would have them in a steady state.
                pqxx::nontransaction n(db);
                n.exec("ANALYZE attendance.validations");
                n.exec("ANALYZE attendance.registrations");
            }
            // Warm-up right before the level: round metadata lives QR_META TTL (120 s).
            const auto warm_errors = generator.warm_up(students, std::min(clients, 32));
            {
                // Again with the warm-up's rows in: the server's prepared statements were
                // planned (generic plans, cached per connection) while validations was empty,
                // as seq scans. ANALYZE invalidates them; autovacuum does the same within a
                // minute of a real deployment's first rows (docs/performance.md).
                pqxx::nontransaction n(db);
                n.exec("ANALYZE attendance.validations");
                n.exec("ANALYZE attendance.results");
            }
            const auto pg_pids = meter.backends();
            if (s.callgrind) callgrind_control("-z", server.pid());
            const auto before = meter.sample(pg_pids);
            auto res = generator.run(students, clients, s.seconds);
            const auto after = meter.sample(pg_pids);
            if (s.callgrind) callgrind_control("-d", server.pid());
            res.warmup_errors = warm_errors;
            auto j = to_json(res);
            j["cpuMsPerAnswer"] = cpu_meter::per_answer(before, after, res.accepted);
            j["serverPoolBackends"] = pg_pids.size();
            j["poolSize"] = pool_size;
            std::cerr << "validate_load: pool " << pool_size << " clients " << clients << ": " << res.answers_per_second
                      << " answers/s, p50 " << res.p50_ms << " ms, p99 " << res.p99_ms << " ms, errors " << res.errors
                      << " (" << res.accepted << " accepted in " << res.seconds << " s)\n";
            if (variant == 0) {
                if (s.pgbench) {
                    const auto m0 = machine_busy_ticks();
                    const auto tps = pgbench_tps(script_autocommit, clients, s.seconds);
                    const auto m1 = machine_busy_ticks();
                    // pgbench and its backends together, per INSERT (noisy: shared machine).
                    j["pgbenchMachineCpuMsPerInsert"] = tps > 0 ? static_cast<double>(m1 - m0) * 1000.0 /
                                                                      static_cast<double>(::sysconf(_SC_CLK_TCK)) /
                                                                      (tps * s.seconds)
                                                                : 0.0;
                    drop_pgbench_rows(db, pg_lo, pg_hi);
                    const auto tps_txn = pgbench_tps(script_txn, clients, s.seconds);
                    drop_pgbench_rows(db, pg_lo, pg_hi);
                    j["pgbenchTps"] = tps;
                    j["pgbenchTxnTps"] = tps_txn;
                    j["ratio"] = tps > 0 ? res.answers_per_second / tps : 0.0;
                    std::cerr << "validate_load: pgbench -c " << clients << ": " << tps << " tps (autocommit), "
                              << tps_txn << " tps (BEGIN/INSERT/COMMIT)\n";
                }
                out["levels"].push_back(j);
            } else {
                out["poolVariants"].push_back(j);
            }
        }
        kv.stop();
        io.restart();
        io.run_for(std::chrono::milliseconds(100));
    }
    std::ofstream(s.out) << out.dump(2) << "\n";
    std::int64_t errors = 0;
    for (const auto& l : out["levels"]) errors += l["errors"].get<std::int64_t>();
    for (const auto& l : out["poolVariants"]) errors += l["errors"].get<std::int64_t>();
    return errors == 0 ? 0 : 1;
} catch (const std::exception& e) {
    std::cerr << "validate_load: " << e.what() << "\n";
    return 2;
}
