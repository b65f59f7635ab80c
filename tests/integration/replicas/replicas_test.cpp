// Three asistencia-server replicas behind nginx (issue 16 point 1): round robin, no sticky
// sessions, the projector's WebSocket upgraded through nginx. A virtual class runs through
// the load balancer: students enroll, join and answer through whichever replica nginx picks,
// the professor's projector sits on one replica and reads the QR codes with zbar, and the
// progress counts reach it whatever replica took the answer. Then the faults:
// - kill -9 of the replica holding the session's frame lease mid-round: frames resume from
//   another replica within 2 x the lease time, the projector reconnects through nginx by
//   itself (web/js/projection.js's rule: exponential full-jitter backoff), and every answer
//   acknowledged with accepted: true is in attendance.validations and in the result;
// - PostgreSQL and Valkey restarted mid-class, PHP down for the whole close and back later:
//   the outbox delivers every PRESENT row, none twice (the stand-in's request log).
#include "class_client.hpp"
#include "qr_camera.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <fstream>
#include <functional>
#include <future>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

using namespace class_test;
using server_test::http::verb;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr int replica_count = 3;
constexpr milliseconds lease_time{3000}; // projection_settings::lease_ttl (projection:leader:{sid} PX)
constexpr int class_size = 10;
constexpr int max_rounds = 5;
constexpr std::int64_t first_student = 100011; // course 1 lists 100001..100040

std::int64_t ms_between(steady::time_point a, steady::time_point b) {
    return std::chrono::duration_cast<milliseconds>(b - a).count();
}

// web/js/projection.js backoffDelay: "full jitter" in [d/2, d], d doubling from 500 ms to 10 s.
milliseconds backoff_delay(int attempt, std::mt19937_64& rng) {
    const double d = std::min(10000.0, 500.0 * std::pow(2.0, std::min(attempt, 16)));
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    return milliseconds(std::lround(d / 2 + unit(rng) * (d / 2)));
}

// The professor's projector as web/js/projection.js drives it, through nginx: authenticates on
// every (re)connect, reports each frame `shown`, hands what the camera reads to the room, and
// reconnects by itself whenever the socket closes before the session's end.
class projector {
public:
    struct frame_seen {
        steady::time_point at;
        std::int64_t seq;
        int connection;
    };

    projector(std::uint16_t port, std::string origin, std::int64_t session_id)
        : port_(port), origin_(std::move(origin)), session_id_(session_id) {}
    ~projector() { stop(); }

    void start(std::function<void(const std::string&)> on_qr) {
        on_qr_ = std::move(on_qr);
        net::co_spawn(io_, run(), net::detached);
        thread_ = std::thread([this] { io_.run(); });
    }
    void stop() {
        stopping_ = true;
        io_.stop();
        if (thread_.joinable()) thread_.join();
    }

    std::vector<frame_seen> frames() {
        std::lock_guard lock(mutex_);
        return frames_;
    }
    std::vector<steady::time_point> ready_times() {
        std::lock_guard lock(mutex_);
        return ready_at_;
    }
    std::vector<milliseconds> reconnect_delays() {
        std::lock_guard lock(mutex_);
        return delays_;
    }
    std::string errors() {
        std::lock_guard lock(mutex_);
        return errors_;
    }
    int completed() const { return completed_; }
    int unreadable() const { return unreadable_; }
    bool closed() const { return closed_; }
    // The first frame that arrived after `t` (nullopt: none yet).
    std::optional<frame_seen> first_frame_after(steady::time_point t) {
        std::lock_guard lock(mutex_);
        for (const auto& f : frames_)
            if (f.at > t) return f;
        return std::nullopt;
    }

private:
    net::awaitable<void> run() {
        std::mt19937_64 rng(std::random_device{}());
        int attempt = 0;
        while (!stopping_ && !closed_) {
            bool ready = false;
            try {
                co_await connection(ready);
            } catch (const std::exception& e) {
                std::lock_guard lock(mutex_);
                errors_ += std::string(e.what()) + "; ";
            }
            if (ready) attempt = 0; // as the page: a connection that reached `ready` resets the backoff
            if (stopping_ || closed_) break;
            const auto delay = backoff_delay(attempt++, rng);
            {
                std::lock_guard lock(mutex_);
                delays_.push_back(delay);
            }
            net::steady_timer timer(io_, delay);
            co_await timer.async_wait(net::use_awaitable);
        }
    }

    net::awaitable<void> connection(bool& ready) {
        websocket::stream<beast::tcp_stream> ws(io_);
        const net::ip::tcp::endpoint lb(net::ip::make_address("127.0.0.1"), port_);
        beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(5));
        co_await beast::get_lowest_layer(ws).async_connect(lb, net::use_awaitable);
        beast::get_lowest_layer(ws).expires_never();
        // Handshake 5 s; no message for 5 s (pings every 2.5 s) is a dead link: the page's
        // silence watchdog, shorter.
        ws.set_option(websocket::stream_base::timeout{std::chrono::seconds(5), std::chrono::seconds(5), true});
        const std::string origin = origin_;
        ws.set_option(websocket::stream_base::decorator(
            [origin](websocket::request_type& req) { req.set(beast::http::field::origin, origin); }));
        const std::string host = "localhost:" + std::to_string(port_);
        const std::string target = "/ws/projection/" + std::to_string(session_id_);
        co_await ws.async_handshake(host, target, net::use_awaitable);
        const std::string auth = json{{"type", "auth"}, {"token", professor_token(1).substr(7)}}.dump();
        co_await ws.async_write(net::buffer(auth), net::use_awaitable);
        const int connection_index = ++connections_;
        for (;;) {
            beast::flat_buffer buffer;
            co_await ws.async_read(buffer, net::use_awaitable);
            if (stopping_) co_return;
            const auto msg = json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
            const std::string type = msg.is_object() ? msg.value("type", "") : "";
            if (type == "ready") {
                ready = true;
                std::lock_guard lock(mutex_);
                ready_at_.push_back(steady::now());
            } else if (type == "frame") {
                const auto seq = msg.value("seq", std::int64_t{0});
                {
                    std::lock_guard lock(mutex_);
                    frames_.push_back({steady::now(), seq, connection_index});
                }
                const std::string shown = json{{"type", "shown"}, {"seq", seq}, {"at", now_ms()}}.dump();
                co_await ws.async_write(net::buffer(shown), net::use_awaitable);
                const auto text = test_support::camera_read(msg.value("qr", json::object()));
                if (text.empty())
                    ++unreadable_;
                else
                    on_qr_(text);
            } else if (type == "progress") {
                completed_ = msg.value("completed", 0);
            } else if (type == "closed") {
                closed_ = true;
                co_return;
            }
        }
    }

    std::uint16_t port_;
    std::string origin_;
    std::int64_t session_id_;
    std::function<void(const std::string&)> on_qr_;
    net::io_context io_;
    std::thread thread_;
    std::atomic<bool> stopping_{false}, closed_{false};
    std::atomic<int> completed_{0}, unreadable_{0}, connections_{0};
    std::mutex mutex_;
    std::vector<frame_seen> frames_;
    std::vector<steady::time_point> ready_at_;
    std::vector<milliseconds> delays_;
    std::string errors_;
};

// One acknowledged answer: the client's own record of `accepted: true`.
struct ack {
    std::int64_t user_id;
    int round;
};

// The class: enrolled phones that join through nginx and answer every QR of theirs that the
// projector shows, after a short human delay; the acknowledged answers are kept client-side.
class classroom {
public:
    classroom(std::uint16_t lb_port, const std::string& origin) : port_(lb_port) {
        for (int i = 0; i < class_size; ++i) {
            server_test::forget_enrollments(first_student + i);
            students_.push_back(std::make_unique<student>(lb_port, origin, first_student + i));
        }
    }
    ~classroom() { wait_answers(); }

    // Enrollment and join go through nginx: each ceremony's two requests land on different
    // replicas (round robin), which only works because their state lives in Valkey.
    void enroll_and_join(std::int64_t sid) {
        sid_ = sid;
        for (auto& s : students_) {
            ASSERT_EQ(s->device.enroll(), 200) << s->device.last_error();
            const auto j = s->device.join(sid);
            ASSERT_EQ(j.status, 200) << j.body.dump();
        }
    }

    void on_qr(const std::string& text) {
        for (auto& sp : students_) {
            auto& s = *sp;
            const auto p = s.device.open(text);
            if (!p || s.done || s.busy.exchange(true)) continue;
            std::lock_guard lock(mutex_);
            const auto delay = milliseconds(150 + static_cast<int>(rng_() % 250));
            answers_.push_back(std::async(std::launch::async, [this, &s, p = *p, delay] {
                std::this_thread::sleep_for(delay);
                const auto r = s.device.send_answer(sid_, s.device.answer_for(p));
                if (r.status == 200 && r.body.value("accepted", false)) {
                    std::lock_guard lock(mutex_);
                    acks_.push_back({s.device.user_id(), static_cast<int>(p.round)});
                }
                if (r.status == 200 && r.body.value("done", false)) s.done = true;
                if (r.status != 200) ++refused_;
                s.busy = false;
            }));
        }
    }

    void wait_answers() {
        std::vector<std::future<void>> all;
        {
            std::lock_guard lock(mutex_);
            all.swap(answers_);
        }
        for (auto& f : all) f.wait();
    }
    std::vector<ack> acks() {
        std::lock_guard lock(mutex_);
        return acks_;
    }
    int refused() const { return refused_; }

    // Every acknowledged answer, row by row: a success row of that student and round in
    // attendance.validations. Returns the acknowledged answers that are missing.
    std::vector<ack> missing_acks() {
        std::set<std::pair<std::int64_t, int>> stored;
        std::istringstream rows(
            sql("SELECT r.user_id || ' ' || v.round_number FROM attendance.validations v JOIN "
                "attendance.registrations r USING (registration_id) WHERE r.session_id = " +
                std::to_string(sid_) + " AND v.validation_status = 'success'"));
        std::int64_t uid = 0;
        int round = 0;
        while (rows >> uid >> round) stored.insert({uid, round});
        std::vector<ack> missing;
        for (const auto& a : acks())
            if (!stored.contains({a.user_id, a.round})) missing.push_back(a);
        return missing;
    }

    // Every acknowledged round counted in the student's result (computed at close).
    void expect_results_count_acks() {
        std::map<std::int64_t, std::set<int>> acked;
        for (const auto& a : acks()) acked[a.user_id].insert(a.round);
        for (const auto& s : students_) {
            const auto uid = s->device.user_id();
            const auto counted =
                sql("SELECT res.successful_rounds FROM attendance.results res JOIN attendance.registrations r USING "
                    "(registration_id) WHERE r.session_id = " +
                    std::to_string(sid_) + " AND r.user_id = " + std::to_string(uid) + " AND res.is_final");
            ASSERT_FALSE(counted.empty()) << "no final result for " << uid;
            EXPECT_GE(std::stoi(counted), static_cast<int>(acked[uid].size())) << "student " << uid;
            EXPECT_EQ(std::stoi(counted), max_rounds) << "student " << uid << " completed every round";
        }
    }

private:
    struct student {
        student(std::uint16_t port, const std::string& origin, std::int64_t uid) : device(port, origin, uid) {}
        phone device;
        std::atomic<bool> busy{false}, done{false}; // one answer in flight at a time, like the page
    };
    std::uint16_t port_;
    std::int64_t sid_ = 0;
    std::vector<std::unique_ptr<student>> students_;
    std::mutex mutex_;
    std::mt19937 rng_{20261201};
    std::vector<std::future<void>> answers_;
    std::vector<ack> acks_;
    std::atomic<int> refused_{0};
};

bool wait_until(const std::function<bool()>& pred, std::chrono::seconds limit) {
    const auto deadline = steady::now() + limit;
    while (!pred() && steady::now() < deadline) std::this_thread::sleep_for(milliseconds(50));
    return pred();
}

// Three replicas on their own loopback ports, sharing the stack's PostgreSQL, Valkey (one key
// prefix) and PHP stand-in, and nginx in front of them (scripts/svc nginx).
class replicas : public ::testing::Test {
protected:
    replicas() : lb_port_(server_test::free_port()), origin_("http://localhost:" + std::to_string(lb_port_)) {
        std::set<std::uint16_t> taken{lb_port_};
        for (int i = 0; i < replica_count; ++i) {
            std::uint16_t p = 0;
            do p = server_test::free_port();
            while (taken.contains(p));
            taken.insert(p);
            ports_.push_back(p);
            servers_.push_back(std::make_unique<server_test::server_process>(std::vector<std::string>{}, overrides(p)));
        }
        for (int i = 0; i < replica_count; ++i) {
            const auto ready = server_test::poll(ports_[static_cast<std::size_t>(i)], "/readyz",
                                                 [](const server_test::response& r) { return r.status == 200; });
            if (!ready || ready->status != 200)
                ADD_FAILURE() << "replica " << i << " not ready: " << servers_[static_cast<std::size_t>(i)]->output();
        }
        std::string cmd = env_or_fail("ASISTENCIA_SVC") + " nginx start " + std::to_string(lb_port_);
        for (const auto p : ports_) cmd += " " + std::to_string(p);
        if (std::system(cmd.c_str()) != 0) ADD_FAILURE() << "nginx did not start: " << cmd;
        const auto through =
            server_test::poll(lb_port_, "/readyz", [](const server_test::response& r) { return r.status == 200; });
        if (!through || through->status != 200) ADD_FAILURE() << "nginx does not reach the replicas";
    }
    ~replicas() override { (void)std::system((env_or_fail("ASISTENCIA_SVC") + " nginx stop").c_str()); }

    std::map<std::string, std::string> overrides(std::uint16_t port) const {
        return {{"PORT", std::to_string(port)},   {"WEBAUTHN_ORIGINS", origin_},
                {"WEBAUTHN_RP_ID", "localhost"},  {"REENROLL_COOLDOWN_HOURS", "0"},
                {"FRAME_INTERVAL_MS", "100"},     {"OUTBOX_POLL_MS", "200"},
                {"TRUSTED_PROXIES", "127.0.0.1"}, {"KEY_PREFIX", "replicas-" + std::to_string(::getpid()) + ":"}};
    }

    double metric(int replica, const std::string& name) const {
        const auto r = server_test::get(ports_[static_cast<std::size_t>(replica)], "/metrics");
        if (!r || r->status != 200) return -1;
        const auto pos = r->body.find("\n" + name + " ");
        if (pos == std::string::npos) return -1;
        return std::stod(r->body.substr(pos + name.size() + 2));
    }

    // The replica whose projector gauge counts the session's projector (nginx chose it).
    int projector_replica() const {
        for (int i = 0; i < replica_count; ++i)
            if (alive_[static_cast<std::size_t>(i)] && metric(i, "asistencia_projection_projectors") >= 1) return i;
        return -1;
    }

    // The replica rendering frames now: its frames_rendered counter moves (only the lease
    // holder renders).
    int rendering_replica() const {
        std::vector<double> before(replica_count);
        for (int i = 0; i < replica_count; ++i)
            before[static_cast<std::size_t>(i)] =
                alive_[static_cast<std::size_t>(i)] ? metric(i, "asistencia_projection_frames_rendered_total") : -1;
        std::this_thread::sleep_for(milliseconds(700));
        int rendering = -1, count = 0;
        for (int i = 0; i < replica_count; ++i) {
            if (!alive_[static_cast<std::size_t>(i)]) continue;
            if (metric(i, "asistencia_projection_frames_rendered_total") > before[static_cast<std::size_t>(i)]) {
                rendering = i;
                ++count;
            }
        }
        return count == 1 ? rendering : -1;
    }

    std::string lease_key(std::int64_t sid) const {
        return "replicas-" + std::to_string(::getpid()) + ":projection:leader:" + std::to_string(sid);
    }

    // Which replica served the answers, from nginx's access log ($upstream_addr: the last
    // address is the one that answered when nginx had to skip a dead one).
    std::map<std::uint16_t, int> answers_by_replica() const {
        std::map<std::uint16_t, int> by;
        std::ifstream log(env_or_fail("RUN_DIR") + "/nginx/logs/access.log");
        std::string line;
        while (std::getline(log, line)) {
            if (line.find("POST /api/attendance/sessions/") == std::string::npos ||
                line.find("/responses") == std::string::npos)
                continue;
            const auto status_at = line.find(' ', line.rfind("127.0.0.1:"));
            const auto addr = line.substr(0, status_at);
            const auto port = addr.substr(addr.rfind(':') + 1);
            if (line.compare(status_at + 1, 3, "200") == 0) ++by[static_cast<std::uint16_t>(std::stoi(port))];
        }
        return by;
    }

    std::int64_t open_session() {
        const auto created =
            call(lb_port_, verb::post, "/api/attendance/sessions", professor_token(1),
                 {{"courseId", 1}, {"semesterId", 2}, {"room", "Sala replicas"}, {"maxRounds", max_rounds}});
        EXPECT_EQ(created.status, 201) << created.body.dump();
        return created.body.value("sessionId", std::int64_t{0});
    }

    std::uint16_t lb_port_;
    std::string origin_;
    std::vector<std::uint16_t> ports_;
    std::vector<std::unique_ptr<server_test::server_process>> servers_;
    std::vector<bool> alive_ = std::vector<bool>(replica_count, true);
};

TEST_F(replicas, KillingTheLeaseHolderMidRoundLosesNoAcknowledgedAnswer) {
    const auto sid = open_session();
    ASSERT_GT(sid, 0);
    classroom room(lb_port_, origin_);
    room.enroll_and_join(sid);
    if (HasFatalFailure()) return;

    projector beamer(lb_port_, origin_, sid);
    beamer.start([&](const std::string& text) { room.on_qr(text); });
    ASSERT_TRUE(wait_until([&] { return !beamer.ready_times().empty(); }, std::chrono::seconds(20))) << beamer.errors();
    int on = -1;
    ASSERT_TRUE(wait_until(
        [&] {
            on = projector_replica();
            return on >= 0;
        },
        std::chrono::seconds(10)));

    // Mid-class: a third of the answers in, others in flight.
    ASSERT_TRUE(wait_until([&] { return room.acks().size() >= class_size * max_rounds / 3; }, std::chrono::seconds(90)))
        << "acks " << room.acks().size() << ", frames " << beamer.frames().size() << ", " << beamer.errors();
    const auto holder = rendering_replica();
    ASSERT_GE(holder, 0) << "exactly one replica renders the session's frames";
    EXPECT_EQ(holder, on) << "the frame loop runs where the projector is";
    const auto token_before = server_test::valkey_cli("GET " + lease_key(sid));
    EXPECT_FALSE(token_before.empty()) << "the lease key is held";
    const auto acked_before = room.acks().size();

    const auto killed_at = steady::now();
    servers_[static_cast<std::size_t>(holder)]->signal(SIGKILL);
    alive_[static_cast<std::size_t>(holder)] = false;
    EXPECT_EQ(servers_[static_cast<std::size_t>(holder)]->wait_exit(), 128 + SIGKILL);

    // Frames resume, from another replica, within 2 x the lease time.
    ASSERT_TRUE(wait_until([&] { return beamer.first_frame_after(killed_at).has_value(); }, std::chrono::seconds(30)))
        << "no frame after the kill: " << beamer.errors();
    const auto resumed = *beamer.first_frame_after(killed_at);
    const auto takeover_ms = ms_between(killed_at, resumed.at);
    const auto readies = beamer.ready_times();
    const auto reconnected = std::find_if(readies.begin(), readies.end(), [&](auto t) { return t > killed_at; });
    ASSERT_NE(reconnected, readies.end());
    EXPECT_GT(resumed.connection, 1) << "the frames come on a new connection";
    EXPECT_LE(takeover_ms, 2 * lease_time.count()) << "frames resumed within 2 x the lease time";
    const auto new_holder = rendering_replica();
    EXPECT_GE(new_holder, 0);
    EXPECT_NE(new_holder, holder);
    const auto token_after = server_test::valkey_cli("GET " + lease_key(sid));
    EXPECT_FALSE(token_after.empty());
    EXPECT_NE(token_after, token_before) << "another replica's token holds the lease";
    if (new_holder >= 0) {
        EXPECT_GE(metric(new_holder, "asistencia_projection_lease_takeovers_total"), 1);
    }

    // The class finishes on the two replicas left; the projector hears of every completion.
    ASSERT_TRUE(wait_until([&] { return beamer.completed() == class_size; }, std::chrono::seconds(120)))
        << "completed " << beamer.completed() << ", acks " << room.acks().size() << ", " << beamer.errors();
    room.wait_answers();
    const auto closed =
        call(lb_port_, verb::post, "/api/attendance/sessions/" + std::to_string(sid) + "/close", professor_token(1));
    ASSERT_EQ(closed.status, 200) << closed.body.dump();
    EXPECT_TRUE(wait_until([&] { return beamer.closed(); }, std::chrono::seconds(10))) << "projector told it closed";
    beamer.stop();

    const auto missing = room.missing_acks();
    EXPECT_TRUE(missing.empty()) << missing.size() << " acknowledged answers are not in attendance.validations";
    room.expect_results_count_acks();
    EXPECT_EQ(beamer.unreadable(), 0);
    auto by = answers_by_replica();
    for (int i = 0; i < replica_count; ++i)
        EXPECT_GT(by.count(ports_[static_cast<std::size_t>(i)]), 0u) << "replica " << i << " took answers";

    const auto successes =
        sql("SELECT count(*) FROM attendance.validations v JOIN attendance.registrations r USING (registration_id) "
            "WHERE r.session_id = " +
            std::to_string(sid) + " AND validation_status = 'success'");
    std::string delays;
    for (const auto d : beamer.reconnect_delays()) delays += std::to_string(d.count()) + " ";
    std::string per_replica;
    for (int i = 0; i < replica_count; ++i)
        per_replica += std::to_string(by[ports_[static_cast<std::size_t>(i)]]) + (i + 1 < replica_count ? "/" : "");
    std::printf(
        "replicas: lease %lld ms; kill -9 of replica %d (the lease holder) after %zu acknowledged answers; "
        "projector back through nginx after %lld ms (backoff delays: %s ms); frames resumed from replica %d after "
        "%lld ms (bound %lld ms)\n",
        static_cast<long long>(lease_time.count()), holder, acked_before,
        static_cast<long long>(ms_between(killed_at, *reconnected)), delays.c_str(), new_holder,
        static_cast<long long>(takeover_ms), static_cast<long long>(2 * lease_time.count()));
    std::printf(
        "replicas: %zu answers acknowledged, %zu missing from attendance.validations (%s success rows); answers "
        "served per replica %s; %d answers refused (a replica gone mid-request)\n",
        room.acks().size(), missing.size(), successes.c_str(), per_replica.c_str(), room.refused());
}

TEST_F(replicas, PostgresAndValkeyRestartAndPhpDownForTheCloseBehindNginx) {
    const auto sid = open_session();
    ASSERT_GT(sid, 0);
    const auto s_id = std::to_string(sid);
    classroom room(lb_port_, origin_);
    room.enroll_and_join(sid);
    if (HasFatalFailure()) return;
    projector beamer(lb_port_, origin_, sid);
    beamer.start([&](const std::string& text) { room.on_qr(text); });

    const auto answers_at_least = [&](std::size_t n) {
        return wait_until([&] { return room.acks().size() >= n; }, std::chrono::seconds(90));
    };
    ASSERT_TRUE(answers_at_least(class_size)) << beamer.errors();
    server_test::svc("postgres", "stop");
    std::this_thread::sleep_for(milliseconds(1500)); // answers meanwhile get a 503, never an ack
    server_test::svc("postgres", "start");

    ASSERT_TRUE(answers_at_least(class_size * max_rounds / 2)) << beamer.errors();
    server_test::svc("valkey", "stop");
    server_test::svc("valkey", "start"); // empty: leases, rounds and states rebuilt from PostgreSQL

    ASSERT_TRUE(wait_until([&] { return beamer.completed() == class_size; }, std::chrono::seconds(150)))
        << "completed " << beamer.completed() << ", acks " << room.acks().size() << ", " << beamer.errors();
    room.wait_answers();
    const auto missing = room.missing_acks();
    EXPECT_TRUE(missing.empty()) << missing.size() << " acknowledged answers are not in attendance.validations";

    // PHP is down for the whole close; every replica's outbox worker tries and fails.
    server_test::svc("php", "stop");
    const auto closed = call(lb_port_, verb::post, "/api/attendance/sessions/" + s_id + "/close", professor_token(1));
    ASSERT_EQ(closed.status, 200) << closed.body.dump();
    EXPECT_TRUE(wait_until([&] { return beamer.closed(); }, std::chrono::seconds(10))) << "projector told it closed";
    beamer.stop();
    room.expect_results_count_acks();
    const auto present =
        sql("SELECT count(*) FROM attendance.results res JOIN attendance.registrations r USING (registration_id) "
            "WHERE r.session_id = " +
            s_id + " AND res.is_final AND res.final_status = 'PRESENT'");
    EXPECT_EQ(present, std::to_string(class_size));
    EXPECT_EQ(sql("SELECT count(*) FROM attendance.legacy_outbox WHERE session_id = " + s_id), present);
    std::this_thread::sleep_for(milliseconds(2000)); // several outbox polls of every replica
    EXPECT_EQ(
        sql("SELECT count(*) FROM attendance.legacy_outbox WHERE session_id = " + s_id + " AND status = 'delivered'"),
        "0");

    // PHP back (its request log starts empty): each row delivered once, by one replica.
    const auto delivered_before =
        std::stoi(sql("SELECT count(*) FROM attendance.legacy_outbox WHERE status = 'delivered'"));
    server_test::svc("php", "start");
    EXPECT_TRUE(wait_until(
        [&] {
            return sql("SELECT count(*) FROM attendance.legacy_outbox WHERE session_id = " + s_id +
                       " AND status = 'delivered'") == present;
        },
        std::chrono::seconds(90)))
        << sql("SELECT string_agg(status || ':' || COALESCE(last_error, ''), ' ') FROM attendance.legacy_outbox "
               "WHERE session_id = " +
               s_id);
    std::this_thread::sleep_for(milliseconds(1000)); // a duplicate delivery would show by now (polls every 200 ms)
    const auto delivered_now =
        std::stoi(sql("SELECT count(*) FROM attendance.legacy_outbox WHERE status = 'delivered'"));
    const auto posts =
        std::stoi(server_test::shell("grep -c '\\[200\\]: POST /asistencia-criptografica/api/"
                                     "registrar_asistencia_crypto.php' " +
                                     env_or_fail("RUN_DIR") + "/php/php.log"));
    EXPECT_EQ(posts, delivered_now - delivered_before) << "the stand-in received each delivered row exactly once";
    EXPECT_EQ(sql("SELECT count(*) || ' ' || count(DISTINCT alumno_id) FROM alumno_asistencia WHERE session_id = '" +
                      s_id + "' AND metodo = 'criptografico' AND presente",
                  "hawaii"),
              present + " " + present);
    std::printf(
        "replicas: PostgreSQL and Valkey restarted mid-class behind nginx: %zu answers acknowledged, %zu missing; "
        "%d refused meanwhile; PHP down for the close: %s PRESENT rows delivered after it came back, %d requests "
        "to the stand-in\n",
        room.acks().size(), missing.size(), room.refused(), present.c_str(), posts);
}

} // namespace
