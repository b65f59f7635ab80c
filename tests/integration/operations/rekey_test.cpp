// Master-key rotation (docs/operations.md, "The master key") with the real server,
// PostgreSQL, Valkey and PHP stand-in: a student enrolls under key A; the server restarts
// with key B as version 2 and A in the previous-keys file, and the student still joins and
// answers (the v1 secret opens with A) while a new enrollment is sealed as v2; `rekey`
// without A leaves every row alone and says so; `rekey` with A re-seals every row, and a
// second run finds nothing to do; A is dropped and the first student still joins and answers.
#include "frame_stand_in.hpp"
#include "shell.hpp"

#include <filesystem>
#include <fstream>
#include <thread>

using namespace class_test;
using class_test::frame_stand_in;
namespace fs = std::filesystem;
using server_test::http::verb;

namespace {

std::string random_key_b64() { return enc::base64_encode(crypto::random_bytes(32)); }

class rekey : public ::testing::Test {
protected:
    rekey()
        : db_("asistencia_rekey_" + std::to_string(::getpid())),
          port_(server_test::free_port()),
          origin_("http://localhost:" + std::to_string(port_)),
          prefix_("rekey-test-" + std::to_string(::getpid()) + ":"),
          dir_(fs::temp_directory_path() / ("asistencia-rekey-test-" + std::to_string(::getpid()))),
          key_a_(random_key_b64()),
          key_b_(test_master_key_b64()) {
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        sql("DROP DATABASE IF EXISTS " + db_ + " WITH (FORCE)", "postgres");
        sql("CREATE DATABASE " + db_ + " OWNER " + env_or_fail("DB_USER"), "postgres");
        std::ofstream(previous_file()) << "# key A, retired by the rotation to B\n1:" << key_a_ << "\n";
    }
    ~rekey() override {
        server_.reset();
        sql("DROP DATABASE IF EXISTS " + db_ + " WITH (FORCE)", "postgres");
        fs::remove_all(dir_);
    }

    std::string previous_file() const { return (dir_ / "previous-keys").string(); }

    // The master-key variables of each phase of the rotation.
    std::map<std::string, std::string> under_a() const { return {{"SERVER_MASTER_KEY", key_a_}}; }
    std::map<std::string, std::string> under_b_with_a() const {
        return {{"SERVER_MASTER_KEY", key_b_},
                {"SERVER_MASTER_KEY_VERSION", "2"},
                {"SERVER_MASTER_KEYS_PREVIOUS_FILE", previous_file()}};
    }
    std::map<std::string, std::string> under_b_only() const {
        return {{"SERVER_MASTER_KEY", key_b_}, {"SERVER_MASTER_KEY_VERSION", "2"}};
    }

    void start_server(const std::map<std::string, std::string>& keys) {
        server_.reset();
        std::map<std::string, std::string> env{{"PORT", std::to_string(port_)}, {"DB_NAME", db_},
                                               {"WEBAUTHN_ORIGINS", origin_},   {"WEBAUTHN_RP_ID", "localhost"},
                                               {"OUTBOX_POLL_MS", "200"},       {"KEY_PREFIX", prefix_}};
        for (const auto& [k, v] : keys) env[k] = v;
        server_.emplace(std::vector<std::string>{}, env);
        auto ready =
            server_test::poll(port_, "/readyz", [](const server_test::response& r) { return r.status == 200; });
        ASSERT_TRUE(ready && ready->status == 200) << "server not ready: " << server_->output();
    }

    // `asistencia-server rekey` on this test's database with `keys`.
    std::pair<int, std::string> run_rekey(const std::map<std::string, std::string>& keys, const std::string& args) {
        std::string env = "DB_HOST=" + env_or_fail("DB_HOST") + " DB_PORT=" + env_or_fail("DB_PORT") +
                          " DB_USER=" + env_or_fail("DB_USER") + " DB_PASSWORD=" + env_or_fail("DB_PASSWORD") +
                          " DB_NAME=" + db_ + " ";
        for (const auto& [k, v] : keys) env += k + "=" + v + " ";
        auto r = test_support::run_command("env -u SERVER_MASTER_KEY -u SERVER_MASTER_KEY_FILE " + env +
                                           env_or_fail("ASISTENCIA_SERVER_BIN") + " rekey " + args + " 2>&1");
        return {r.status, std::move(r.output)};
    }

    std::string q(const std::string& query) { return sql(query, db_); }
    std::string versions() {
        return q(
            "SELECT string_agg(split_part(handshake_secret, '.', 1), ',' ORDER BY device_id) FROM "
            "enrollment.devices");
    }

    std::int64_t open_session() {
        const auto r = call(port_, verb::post, "/api/attendance/sessions", professor_token(1),
                            {{"courseId", 1}, {"semesterId", 2}, {"room", "Sala 4"}, {"maxRounds", 1}});
        EXPECT_EQ(r.status, 201) << r.body.dump();
        return r.body.value("sessionId", std::int64_t{0});
    }

    // The student joins session `sid` and answers its one round, accepted.
    void join_and_answer(std::int64_t sid, phone& p, const char* when) {
        frame_stand_in frames(prefix_);
        const auto joined = p.join(sid);
        ASSERT_EQ(joined.status, 200) << when << ": " << joined.body.dump();
        const auto payload = p.open(frames.show(sid, p, 1));
        ASSERT_TRUE(payload.has_value()) << when << ": the phone cannot open its own QR";
        std::this_thread::sleep_for(std::chrono::milliseconds(250)); // a human's reaction time
        const auto r = p.send_answer(sid, p.answer_for(*payload));
        ASSERT_EQ(r.status, 200) << when << ": " << r.body.dump();
        EXPECT_EQ(r.body.value("accepted", false), true) << when << ": the device secret opens: " << r.body.dump();
        EXPECT_EQ(q("SELECT bool_and(secret_valid AND totpu_valid)::text FROM attendance.validations v JOIN "
                    "attendance.registrations r USING (registration_id) WHERE r.session_id = " +
                    std::to_string(sid)),
                  "true")
            << when;
    }

    void close(std::int64_t sid) {
        EXPECT_EQ(
            call(port_, verb::post, "/api/attendance/sessions/" + std::to_string(sid) + "/close", professor_token(1))
                .status,
            200);
    }

    std::string db_;
    std::uint16_t port_;
    std::string origin_;
    std::string prefix_;
    fs::path dir_;
    std::string key_a_; // the retired key, random
    std::string key_b_; // the new current key: the frame stand-in derives the session TOTPs from it
    std::optional<server_test::server_process> server_;
};

TEST_F(rekey, RotatingTheMasterKeyKeepsEveryEnrollment) {
    ASSERT_NO_FATAL_FAILURE(start_server(under_a()));
    // Session ids far from the shared database's (results reach the shared PHP stand-in).
    q("SELECT setval('attendance.sessions_session_id_seq', " +
      std::to_string(1'600'000'000 + ::getpid() % 100'000 * 100) + ")");
    phone early(port_, origin_, 100001), late(port_, origin_, 100002);
    ASSERT_EQ(early.enroll(), 200) << early.last_error();
    ASSERT_EQ(versions(), "v1") << "sealed as before key rings";

    // Rotation: B is current (version 2), A stays readable.
    ASSERT_NO_FATAL_FAILURE(start_server(under_b_with_a()));
    const auto first = open_session();
    ASSERT_NO_FATAL_FAILURE(join_and_answer(first, early, "after the rotation, before rekey"));
    close(first);
    ASSERT_EQ(late.enroll(), 200) << late.last_error();
    ASSERT_EQ(versions(), "v1,v2") << "a new enrollment is sealed with the current key";

    // Without A the v1 row cannot be re-sealed: rekey says so, changes nothing, exits 1.
    auto [rc, out] = run_rekey(under_b_only(), "");
    EXPECT_EQ(rc, 1) << out;
    EXPECT_NE(out.find("0 re-sealed with v2, 1 open with no known key"), std::string::npos) << out;
    EXPECT_NE(out.find("1 device(s) on v1"), std::string::npos) << out;
    EXPECT_EQ(versions(), "v1,v2");
    EXPECT_EQ(out.find(key_a_), std::string::npos) << "no key in the output";
    EXPECT_EQ(out.find(key_b_), std::string::npos) << "no key in the output";

    std::tie(rc, out) = run_rekey(under_b_with_a(), "--batch 0");
    EXPECT_EQ(rc, 2) << out;
    // With A: every row ends on v2, one row per transaction.
    std::tie(rc, out) = run_rekey(under_b_with_a(), "--batch 1");
    ASSERT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("1 re-sealed with v2, 0 open with no known key, 0 changed meanwhile"), std::string::npos) << out;
    EXPECT_NE(out.find("2 device(s) on v2 (current)"), std::string::npos) << out;
    EXPECT_EQ(versions(), "v2,v2");
    std::tie(rc, out) = run_rekey(under_b_with_a(), "");
    EXPECT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("0 re-sealed with v2"), std::string::npos) << "idempotent: " << out;

    // A is gone from the ring: both students still join and answer.
    ASSERT_NO_FATAL_FAILURE(start_server(under_b_only()));
    const auto sid = open_session();
    ASSERT_NO_FATAL_FAILURE(join_and_answer(sid, early, "after rekey, without key A (enrolled under A)"));
    ASSERT_NO_FATAL_FAILURE(join_and_answer(sid, late, "after rekey, without key A (enrolled under B)"));
    close(sid);
}

} // namespace
