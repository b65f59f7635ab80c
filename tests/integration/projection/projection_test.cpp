// The projection WebSocket (PROTOCOL.md 6.4) through the real server binary and services:
// Origin and token checks, ready/ping/pong, frames that zbar reads as "ASIS1." texts (decoys
// with nothing pending, the student's QR once a registration is pending), fan-out to two
// projectors, pause/resume, a slow projector dropped, close, and two replicas sharing one
// lease (kill the leader: the other takes over).
#include "asistencia/domain/crypto/primitives.hpp"
#include "asistencia/domain/crypto/protocol_keys.hpp"
#include "asistencia/domain/crypto/qr_payload.hpp"
#include "asistencia/domain/encoding/base64.hpp"
#include "asistencia/domain/tokens/jwt.hpp"
#include "qr_camera.hpp"
#include "test_helpers.hpp"

#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <random>
#include <set>

using namespace server_test;
namespace tokens = asistencia::domain::tokens;
namespace crypto = asistencia::domain::crypto;
namespace websocket = beast::websocket;
using nlohmann::json;

namespace {

// The frame's bitmap drawn with a quiet zone and read by zbar, as a camera would.
std::string decode_frame(const json& frame) { return test_support::camera_read(frame["qr"], 4); }

// A blocking WebSocket client; a read that times out stays in flight for the next call
// (cancelling a Beast WebSocket read would fail the stream).
class ws_client {
public:
    // Upgrade with `origin`; returns the HTTP status (101 on success).
    int connect(std::uint16_t port, const std::string& target, const std::string& origin,
                std::optional<int> rcvbuf = std::nullopt) {
        auto& sock = beast::get_lowest_layer(ws_).socket();
        sock.open(net::ip::tcp::v4());
        if (rcvbuf) sock.set_option(net::socket_base::receive_buffer_size(*rcvbuf));
        beast::get_lowest_layer(ws_).expires_after(10s);
        beast::get_lowest_layer(ws_).connect({net::ip::make_address("127.0.0.1"), port});
        beast::get_lowest_layer(ws_).expires_never();
        ws_.set_option(websocket::stream_base::decorator([origin](websocket::request_type& req) {
            if (!origin.empty()) req.set(http::field::origin, origin);
        }));
        websocket::response_type res;
        beast::error_code ec;
        ws_.handshake(res, "localhost", target, ec);
        return static_cast<int>(res.result_int());
    }
    void send(const json& j) {
        ws_.text(true);
        beast::error_code ec;
        ws_.write(net::buffer(j.dump()), ec);
    }
    // The next message, or nullopt on timeout / once closed (then closed() is true).
    std::optional<json> read(std::chrono::milliseconds timeout = 10s) {
        if (closed_) return std::nullopt;
        if (!in_flight_) {
            in_flight_ = true;
            done_ = false;
            buf_.clear();
            ws_.async_read(buf_, [this](beast::error_code ec, std::size_t) {
                done_ = true;
                ec_ = ec;
            });
        }
        io_.restart();
        io_.run_for(timeout);
        if (!done_) return std::nullopt;
        in_flight_ = false;
        if (ec_) {
            closed_ = true;
            return std::nullopt;
        }
        return json::parse(beast::buffers_to_string(buf_.data()), nullptr, false);
    }
    // The next message of `type` (others skipped), within `timeout` overall.
    std::optional<json> next(const std::string& type, std::chrono::milliseconds timeout = 10s) {
        const auto end = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < end) {
            auto m =
                read(std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()));
            if (!m) return std::nullopt;
            if (m->is_object() && m->value("type", "") == type) return m;
        }
        return std::nullopt;
    }
    bool closed() const { return closed_; }
    int close_code() const { return static_cast<int>(ws_.reason().code); }
    beast::error_code error() const { return ec_; }

private:
    net::io_context io_;
    websocket::stream<beast::tcp_stream> ws_{io_};
    beast::flat_buffer buf_;
    bool in_flight_ = false, done_ = false, closed_ = false;
    beast::error_code ec_;
};

double metric_value(std::uint16_t port, const std::string& name) {
    const auto r = get(port, "/metrics");
    if (!r) return -1;
    const auto pos = r->body.find("\n" + name + " ");
    if (pos == std::string::npos) return -1;
    return std::stod(r->body.substr(pos + name.size() + 2));
}

std::int64_t metric(std::uint16_t port, const std::string& name) {
    return static_cast<std::int64_t>(metric_value(port, name));
}

class projection : public ::testing::Test {
protected:
    projection() : port_(free_port()), server_({}, overrides(port_)) { wait_ready(port_, server_); }

    static std::map<std::string, std::string> overrides(std::uint16_t port) {
        return {{"PORT", std::to_string(port)}, {"FRAME_INTERVAL_MS", "100"}};
    }
    static void wait_ready(std::uint16_t port, server_process& s) {
        auto ready = poll(port, "/readyz", [](const response& r) { return r.status == 200; });
        if (!ready || ready->status != 200) ADD_FAILURE() << "server not ready: " << s.output();
    }
    std::string origin() const {
        const auto o = env_or_fail("WEBAUTHN_ORIGINS");
        return o.substr(0, o.find(','));
    }
    std::int64_t open_session(std::int64_t professor = 1) {
        auto r = request(port_, http::verb::post, "/api/attendance/sessions",
                         {{"Authorization", "Bearer " + user_token(professor, tokens::user_role::profesor)}},
                         json{{"courseId", 1}, {"semesterId", 2}, {"room", "Sala P"}}.dump());
        EXPECT_TRUE(r && r->status == 201) << (r ? r->body : "no answer");
        return r ? json::parse(r->body).value("sessionId", std::int64_t{0}) : 0;
    }
    // A connected and authenticated projector.
    std::unique_ptr<ws_client> projector(std::int64_t sid, std::uint16_t port = 0) {
        auto c = std::make_unique<ws_client>();
        EXPECT_EQ(c->connect(port ? port : port_, "/ws/projection/" + std::to_string(sid), origin()), 101);
        c->send({{"type", "auth"}, {"token", user_token(1, tokens::user_role::profesor)}});
        const auto ready = c->next("ready");
        EXPECT_TRUE(ready) << "no ready";
        if (ready) {
            EXPECT_EQ((*ready)["sessionId"], sid);
            EXPECT_EQ((*ready)["frameIntervalMs"], 100);
        }
        return c;
    }

    // A joined student as the lead's classroom test would leave it: an enrolled device with
    // its handshake secret sealed at rest, and a registration row. restore_session rebuilds
    // the round from PostgreSQL. Returns the user id and K_qr.
    std::pair<std::int64_t, crypto::bytes> pending_student(std::int64_t sid) {
        const auto master = test_support::base64_std_decode(env_or_fail("SERVER_MASTER_KEY"));
        EXPECT_EQ(master.size(), 32u);
        std::mt19937_64 rng(std::random_device{}());
        const std::int64_t uid = 200000 + static_cast<std::int64_t>(rng() % 1'000'000);
        const auto cred = "proj-test-" + std::to_string(rng());
        const auto secret = crypto::random_bytes(32);
        const auto sealed = crypto::seal_at_rest(master, secret, cred);
        const auto device =
            sql("INSERT INTO enrollment.devices (user_id, credential_id, public_key, "
                "handshake_secret, aaguid, device_fingerprint) VALUES (" +
                std::to_string(uid) + ", '" + cred + "', 'pk', '" + sealed + "', 'aaguid', 'fp') RETURNING device_id");
        EXPECT_FALSE(device.empty());
        if (device.empty()) return {uid, {}};
        sql("INSERT INTO attendance.registrations (session_id, user_id, device_id, queue_position) VALUES (" +
            std::to_string(sid) + ", " + std::to_string(uid) + ", " + device.substr(0, device.find('\n')) + ", 1)");
        return {uid, crypto::derive_device_keys(secret).k_qr};
    }
    // The first frame (within `frames`) that opens with `k_qr`.
    static std::optional<crypto::qr_payload> frame_for(ws_client& c, const crypto::bytes& k_qr, int frames,
                                                       std::int64_t* seq = nullptr,
                                                       std::chrono::milliseconds timeout = 10s) {
        for (int i = 0; i < frames; ++i) {
            const auto f = c.next("frame", timeout);
            if (!f) return std::nullopt;
            const auto opened = crypto::open_qr(decode_frame(*f), k_qr);
            if (std::holds_alternative<crypto::qr_payload>(opened)) {
                if (seq) *seq = (*f)["seq"].get<std::int64_t>();
                return std::get<crypto::qr_payload>(opened);
            }
        }
        return std::nullopt;
    }

    std::uint16_t port_;
    server_process server_;
};

TEST_F(projection, AnOriginNotAllowedIsRefusedBeforeTheUpgrade) {
    const auto sid = open_session();
    ws_client a;
    EXPECT_EQ(a.connect(port_, "/ws/projection/" + std::to_string(sid), "https://evil.example"), 403);
    ws_client b;
    EXPECT_EQ(b.connect(port_, "/ws/projection/" + std::to_string(sid), ""), 403);
}

TEST_F(projection, NoAuthenticationWithinFiveSecondsCloses1008) {
    const auto sid = open_session();
    ws_client c;
    ASSERT_EQ(c.connect(port_, "/ws/projection/" + std::to_string(sid), origin()), 101);
    EXPECT_FALSE(c.read(20s));
    EXPECT_TRUE(c.closed());
    EXPECT_EQ(c.close_code(), 1008);
}

TEST_F(projection, WrongTokensClose1008) {
    const auto sid = open_session();
    const auto path = "/ws/projection/" + std::to_string(sid);
    const std::vector<json> firsts{
        {{"type", "auth"}, {"token", user_token(100001, tokens::user_role::alumno)}}, // a student
        {{"type", "auth"}, {"token", user_token(2, tokens::user_role::profesor)}},    // not the owner
        {{"type", "auth"}, {"token", "not-a-jwt"}},
        {{"type", "ping"}, {"t", 1}}, // anything but auth first
    };
    for (const auto& first : firsts) {
        ws_client c;
        ASSERT_EQ(c.connect(port_, path, origin()), 101);
        c.send(first);
        EXPECT_FALSE(c.read(20s)) << first.dump();
        EXPECT_TRUE(c.closed()) << first.dump();
        EXPECT_EQ(c.close_code(), 1008) << first.dump();
    }
    // An unknown session: its owner cannot be checked, so the same refusal.
    ws_client c;
    ASSERT_EQ(c.connect(port_, "/ws/projection/999999", origin()), 101);
    c.send({{"type", "auth"}, {"token", user_token(1, tokens::user_role::profesor)}});
    EXPECT_FALSE(c.read(20s));
    EXPECT_EQ(c.close_code(), 1008);
}

TEST_F(projection, ReadyPongAndDecoyFramesThatZbarReads) {
    const auto sid = open_session();
    auto c = projector(sid);
    c->send({{"type", "ping"}, {"t", 12345}});
    const auto pong = c->next("pong");
    ASSERT_TRUE(pong);
    EXPECT_EQ((*pong)["t"], 12345);
    EXPECT_GT((*pong)["serverTime"].get<std::int64_t>(), 1'700'000'000'000);
    c->send({{"type", "bogus"}}); // ignored
    c->send({{"type", "shown"}}); // malformed: ignored
    std::int64_t last_seq = 0;
    for (int i = 0; i < 5; ++i) {
        const auto f = c->next("frame");
        ASSERT_TRUE(f) << "frame " << i;
        EXPECT_GT((*f)["seq"].get<std::int64_t>(), last_seq);
        last_seq = (*f)["seq"].get<std::int64_t>();
        const auto text = decode_frame(*f);
        ASSERT_EQ(text.size(), 94u) << text;
        EXPECT_EQ(text.substr(0, 6), "ASIS1.");
        // Nothing is pending: a decoy, which no key opens.
        const auto opened = crypto::open_qr(text, crypto::random_bytes(32));
        ASSERT_TRUE(std::holds_alternative<crypto::qr_error>(opened));
        EXPECT_EQ(std::get<crypto::qr_error>(opened), crypto::qr_error::not_for_this_key);
    }
    EXPECT_GE(metric(port_, "asistencia_projection_projectors"), 1);
    EXPECT_GE(metric(port_, "asistencia_projection_frame_seconds_count"), 5);
}

TEST_F(projection, TwoProjectorsGetTheSameFramesAndPauseStopsThem) {
    const auto sid = open_session();
    auto a = projector(sid);
    auto b = projector(sid);
    std::map<std::int64_t, std::string> seen_a;
    for (int i = 0; i < 10; ++i) {
        const auto f = a->next("frame");
        ASSERT_TRUE(f);
        seen_a[(*f)["seq"].get<std::int64_t>()] = (*f)["qr"]["modules"].get<std::string>();
    }
    int common = 0;
    for (int i = 0; i < 30 && common < 3; ++i) {
        const auto f = b->next("frame");
        ASSERT_TRUE(f);
        const auto it = seen_a.find((*f)["seq"].get<std::int64_t>());
        if (it == seen_a.end()) continue;
        EXPECT_EQ(it->second, (*f)["qr"]["modules"].get<std::string>()) << "same seq, same frame";
        ++common;
    }
    EXPECT_EQ(common, 3);

    a->send({{"type", "pause"}});
    // Frames already on their way may still arrive; then none for a while.
    int drained = 0;
    while (a->next("frame", 2s) && drained < 100) ++drained;
    EXPECT_LT(drained, 100) << "frames never stopped";
    while (b->next("frame", 500ms) && drained < 200) ++drained; // b's, sent before the pause
    EXPECT_FALSE(b->next("frame", 1s)) << "paused for every projector of the session";
    EXPECT_FALSE(a->next("frame", 1s));
    b->send({{"type", "resume"}}); // any projector of the session may resume
    EXPECT_TRUE(a->next("frame"));
    EXPECT_TRUE(b->next("frame"));
}

TEST_F(projection, APendingStudentsFramesOpenWithTheirKey) {
    const auto sid = open_session();
    const auto [uid, k_qr] = pending_student(sid);
    ASSERT_FALSE(k_qr.empty());

    auto c = projector(sid);
    const auto progress = c->next("progress"); // the first counts come right after ready
    ASSERT_TRUE(progress);
    EXPECT_EQ((*progress)["registered"], 1);
    EXPECT_EQ((*progress)["completed"], 0);
    EXPECT_EQ((*progress)["pending"], 1);
    const auto client_now = [] {
        return static_cast<std::int64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count());
    };
    c->send({{"type", "ping"}, {"t", client_now()}});
    std::int64_t seq = 0;
    const auto mine = frame_for(*c, k_qr, 200, &seq);
    ASSERT_TRUE(mine) << "no frame opened with the student's K_qr";
    EXPECT_EQ(mine->session_id, static_cast<std::uint32_t>(sid));
    EXPECT_EQ(mine->user_id, static_cast<std::uint32_t>(uid));
    EXPECT_EQ(mine->round, 1);
    EXPECT_NE(mine->issued_at_ms, 0u);
    // The projector says it painted it 1 ms after issuedAt by its clock (here the server's:
    // same machine, so the ping's offset is about 0): the showing time moves off the send time.
    const auto issued = static_cast<std::int64_t>(mine->issued_at_ms);
    c->send({{"type", "shown"}, {"seq", seq}, {"at", issued + 1}});
    c->send({{"type", "pause"}}); // keep this showing among the last few kept
    const auto field = "n:" + asistencia::domain::encoding::base64url_encode(
                                  std::span<const std::uint8_t>(mine->nonce.data(), mine->nonce.size()));
    const auto meta = "qr:session:" + std::to_string(sid) + ":" + std::to_string(uid) + ":1";
    std::string stored;
    for (int i = 0; i < 50; ++i) {
        stored = valkey_cli("HGET " + meta + " " + field);
        if (stored != std::to_string(issued) + ":" + std::to_string(issued)) break;
        std::this_thread::sleep_for(100ms);
    }
    ASSERT_EQ(stored.substr(0, stored.find(':')), std::to_string(issued)) << stored;
    const auto shown = std::stoll(stored.substr(stored.find(':') + 1));
    EXPECT_GE(shown, issued + 1) << "the projector's time, corrected by a non-negative offset";
    EXPECT_LE(shown, client_now()) << "never after the server's now";
    c->send({{"type", "resume"}});
    // With one student pending, the following frames are all theirs, each a fresh showing.
    std::set<std::array<std::uint8_t, 16>> nonces{mine->nonce};
    for (int i = 0; i < 3; ++i) {
        const auto f = c->next("frame");
        ASSERT_TRUE(f);
        const auto opened = crypto::open_qr(decode_frame(*f), k_qr);
        ASSERT_TRUE(std::holds_alternative<crypto::qr_payload>(opened));
        EXPECT_TRUE(nonces.insert(std::get<crypto::qr_payload>(opened).nonce).second) << "a fresh nonce";
    }
    // The "CPU per frame" figure (seal + render + base64), for the report.
    const auto sum = metric_value(port_, "asistencia_projection_frame_seconds_sum");
    const auto count = metric_value(port_, "asistencia_projection_frame_seconds_count");
    ASSERT_GT(count, 0);
    std::printf("frames: %.0f, seal+render mean %.1f us\n", count, sum / count * 1e6);
}

TEST_F(projection, AValkeyRestartRebuildsTheRoundsAndFramesGoOn) {
    const auto sid = open_session();
    const auto [uid, k_qr] = pending_student(sid);
    ASSERT_FALSE(k_qr.empty());
    auto c = projector(sid);
    ASSERT_TRUE(frame_for(*c, k_qr, 200));
    svc("valkey", "stop");
    svc("valkey", "start");
    // Valkey comes back empty: the leases, queue and states are gone. The loop takes the
    // lease again and restore_session rebuilds the student's round from PostgreSQL.
    const auto again = frame_for(*c, k_qr, 600, nullptr, 30s);
    ASSERT_TRUE(again) << "no frame for the student after the restart";
    EXPECT_EQ(again->user_id, static_cast<std::uint32_t>(uid));
    EXPECT_EQ(again->round, 1);
    // The projector is registered again (ws:projection is re-written every 20 s at most).
    std::string members;
    for (int i = 0; i < 600 && members.empty(); ++i) { // at most about a minute
        members = valkey_cli("SMEMBERS ws:projection:" + std::to_string(sid));
        if (members.empty()) std::this_thread::sleep_for(100ms);
    }
    EXPECT_FALSE(members.empty());
}

TEST_F(projection, AGracefulShutdownClosesProjectorsWith1012) {
    const auto sid = open_session();
    auto c = projector(sid);
    ASSERT_TRUE(c->next("frame"));
    server_.signal(SIGTERM);
    while (c->read(10s)) {
    }
    EXPECT_TRUE(c->closed());
    EXPECT_EQ(c->close_code(), 1012) << "service restart: the projector reconnects elsewhere";
    EXPECT_EQ(server_.wait_exit(), 0) << server_.output();
}

TEST_F(projection, ClosingTheSessionSendsClosed) {
    const auto sid = open_session();
    auto c = projector(sid);
    ASSERT_TRUE(c->next("frame"));
    const auto r = request(port_, http::verb::post, "/api/attendance/sessions/" + std::to_string(sid) + "/close",
                           {{"Authorization", "Bearer " + user_token(1, tokens::user_role::profesor)}});
    ASSERT_TRUE(r && r->status == 200);
    const auto closed = c->next("closed");
    ASSERT_TRUE(closed);
    EXPECT_TRUE((*closed)["summary"].is_object());
    while (c->read(10s)) {
    }
    EXPECT_TRUE(c->closed());
    EXPECT_EQ(c->close_code(), 1000);
}

TEST_F(projection, AProjectorThatNeverReadsIsDisconnected) {
    const auto sid = open_session();
    ws_client c;
    ASSERT_EQ(c.connect(port_, "/ws/projection/" + std::to_string(sid), origin(), 1024), 101);
    c.send({{"type", "auth"}, {"token", user_token(1, tokens::user_role::profesor)}});
    // Never read: the kernel buffers fill, then the server's queue (32 messages).
    std::int64_t dropped = 0;
    for (int i = 0; i < 1800 && dropped < 1; ++i) { // at most 3 minutes
        std::this_thread::sleep_for(100ms);
        dropped = metric(port_, "asistencia_projection_slow_consumers_total");
    }
    EXPECT_EQ(dropped, 1);
    EXPECT_EQ(metric(port_, "asistencia_projection_projectors"), 0);
}

TEST_F(projection, TwoReplicasOneLeaderAndATakeover) {
    const auto sid = open_session();
    const auto port_b = free_port();
    auto b_server = std::make_unique<server_process>(std::vector<std::string>{}, overrides(port_b));
    wait_ready(port_b, *b_server);
    auto a = projector(sid);
    auto b = projector(sid, port_b);
    std::set<std::int64_t> seqs_a;
    for (int i = 0; i < 10; ++i) {
        const auto f = a->next("frame");
        ASSERT_TRUE(f);
        seqs_a.insert((*f)["seq"].get<std::int64_t>());
    }
    int common = 0;
    for (int i = 0; i < 30 && common < 3; ++i) {
        const auto f = b->next("frame");
        ASSERT_TRUE(f);
        common += seqs_a.count((*f)["seq"].get<std::int64_t>());
    }
    EXPECT_EQ(common, 3) << "both replicas fan out the same frames";
    const auto rendered_a = metric(port_, "asistencia_projection_frames_rendered_total");
    const auto rendered_b = metric(port_b, "asistencia_projection_frames_rendered_total");
    EXPECT_TRUE((rendered_a > 0) != (rendered_b > 0)) << "exactly one renders: " << rendered_a << " " << rendered_b;

    // Kill the leader; the other replica's projector keeps getting frames.
    const bool a_leads = rendered_a > 0;
    auto& survivor = a_leads ? b : a;
    const auto survivor_port = a_leads ? port_b : port_;
    if (a_leads) {
        server_.signal(SIGKILL);
    } else {
        b_server->signal(SIGKILL);
    }
    while (survivor->next("frame", 200ms)) {
    }
    std::int64_t last = 0;
    for (int i = 0; i < 3; ++i) {
        const auto f = survivor->next("frame", 20s);
        ASSERT_TRUE(f) << "no frames after the leader died";
        EXPECT_GT((*f)["seq"].get<std::int64_t>(), last);
        last = (*f)["seq"].get<std::int64_t>();
    }
    EXPECT_GT(metric(survivor_port, "asistencia_projection_frames_rendered_total"), 0);
    EXPECT_GE(metric(survivor_port, "asistencia_projection_lease_takeovers_total"), 1);
}

} // namespace
