// The backup round trip (issue 15, item 4) with the real server, PostgreSQL, Valkey and PHP
// stand-in: a class runs on a database of its own, scripts/backup saves it with the
// encrypted master key, the database is dropped and created empty, scripts/restore brings it
// back (refusing a non-empty database without --force, and a wrong passphrase), every row of
// enrollments, results and the outbox is as it was, and a student restored from the backup
// joins a new session and answers with the master key decrypted from the backup (the
// device secrets open). Also `migrate plan` and `migrate up` with MIGRATE_BACKUP_DIR.
#include "frame_stand_in.hpp"

#include <filesystem>
#include <fstream>
#include <thread>

using namespace class_test;
using class_test::frame_stand_in;
namespace fs = std::filesystem;
using server_test::http::verb;

namespace {

const std::string passphrase = "operator-keeps-this-phrase";

// The stack's DB_* with another database name, as the scripts read them.
std::string db_env(const std::string& db) {
    return "DB_HOST=" + env_or_fail("DB_HOST") + " DB_PORT=" + env_or_fail("DB_PORT") +
           " DB_USER=" + env_or_fail("DB_USER") + " DB_PASSWORD=" + env_or_fail("DB_PASSWORD") + " DB_NAME=" + db + " ";
}

// Exit status and output (stdout + stderr) of a shell command.
std::pair<int, std::string> run_status(const std::string& cmd) {
    auto r = test_support::run_command(cmd + " 2>&1");
    return {r.status, std::move(r.output)};
}

std::string script(const std::string& name) { return std::string(ASISTENCIA_SOURCE_DIR) + "/scripts/" + name; }

class backup_restore : public ::testing::Test {
protected:
    backup_restore()
        : db_("asistencia_backup_" + std::to_string(::getpid())),
          port_(server_test::free_port()),
          origin_("http://localhost:" + std::to_string(port_)),
          prefix_("backup-test-" + std::to_string(::getpid()) + ":"),
          dir_(fs::temp_directory_path() / ("asistencia-backup-test-" + std::to_string(::getpid()))) {
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        recreate_database();
    }
    ~backup_restore() override {
        server_.reset();
        sql("DROP DATABASE IF EXISTS " + db_ + " WITH (FORCE)", "postgres");
        fs::remove_all(dir_);
    }

    void recreate_database() {
        sql("DROP DATABASE IF EXISTS " + db_ + " WITH (FORCE)", "postgres");
        sql("CREATE DATABASE " + db_ + " OWNER " + env_or_fail("DB_USER"), "postgres");
    }

    // The server on this test's database; `key` overrides how it gets the master key.
    void start_server(std::map<std::string, std::string> key = {{"SERVER_MASTER_KEY", test_master_key_b64()}}) {
        std::map<std::string, std::string> env{{"PORT", std::to_string(port_)}, {"DB_NAME", db_},
                                               {"WEBAUTHN_ORIGINS", origin_},   {"WEBAUTHN_RP_ID", "localhost"},
                                               {"OUTBOX_POLL_MS", "200"},       {"KEY_PREFIX", prefix_}};
        env.insert(key.begin(), key.end());
        server_.emplace(std::vector<std::string>{}, env);
        auto ready =
            server_test::poll(port_, "/readyz", [](const server_test::response& r) { return r.status == 200; });
        ASSERT_TRUE(ready && ready->status == 200) << "server not ready: " << server_->output();
    }

    std::string q(const std::string& query) { return sql(query, db_); }

    std::int64_t open_session() {
        const auto r = call(port_, verb::post, "/api/attendance/sessions", professor_token(1),
                            {{"courseId", 1}, {"semesterId", 2}, {"room", "Sala 3"}, {"maxRounds", 1}});
        EXPECT_EQ(r.status, 201) << r.body.dump();
        return r.body.value("sessionId", std::int64_t{0});
    }

    http_reply answer(frame_stand_in& frames, std::int64_t sid, phone& p) {
        const auto payload = p.open(frames.show(sid, p, 1));
        EXPECT_TRUE(payload.has_value()) << "the phone cannot open its own QR";
        if (!payload) return {};
        std::this_thread::sleep_for(std::chrono::milliseconds(250)); // a human's reaction time
        return p.send_answer(sid, p.answer_for(*payload));
    }

    // Every row that matters, in a fixed order: the comparison before and after.
    std::string snapshot() {
        std::string out;
        for (const char* t :
             {"enrollment.devices", "enrollment.enrollment_history", "attendance.sessions", "attendance.registrations",
              "attendance.validations", "attendance.results", "attendance.legacy_outbox", "public.schema_migrations"}) {
            out += std::string(t) + ": " +
                   q(std::string("SELECT count(*) || ' ' || md5(coalesce(string_agg(x::text, '|' "
                                 "ORDER BY x::text), '')) FROM ") +
                     t + " x") +
                   "\n";
        }
        return out;
    }

    std::string db_;
    std::uint16_t port_;
    std::string origin_;
    std::string prefix_;
    fs::path dir_;
    std::optional<server_test::server_process> server_;
};

TEST_F(backup_restore, AClassSurvivesBackupDropAndRestoreAndItsStudentsAnswerAgain) {
    ASSERT_NO_FATAL_FAILURE(start_server());
    // Session ids far from the shared database's, so the results this class posts to the
    // PHP stand-in never meet another test's session there.
    q("SELECT setval('attendance.sessions_session_id_seq', " +
      std::to_string(1'500'000'000 + ::getpid() % 100'000 * 100) + ")");
    frame_stand_in frames(prefix_);

    phone present(port_, origin_, 100001), absent(port_, origin_, 100002);
    ASSERT_EQ(present.enroll(), 200) << present.last_error();
    ASSERT_EQ(absent.enroll(), 200) << absent.last_error();
    const auto sid = open_session();
    ASSERT_EQ(present.join(sid).status, 200);
    ASSERT_EQ(absent.join(sid).status, 200);
    const auto accepted = answer(frames, sid, present);
    ASSERT_EQ(accepted.status, 200) << accepted.body.dump();
    ASSERT_EQ(accepted.body.value("accepted", false), true) << accepted.body.dump();
    ASSERT_EQ(call(port_, verb::post, "/api/attendance/sessions/" + std::to_string(sid) + "/close", professor_token(1))
                  .status,
              200);
    ASSERT_EQ(q("SELECT count(*) FROM attendance.results JOIN attendance.registrations USING (registration_id) "
                "WHERE is_final AND session_id = " +
                std::to_string(sid)),
              "2");
    // Only the student found present goes to the legacy system.
    ASSERT_EQ(q("SELECT count(*) FROM attendance.legacy_outbox WHERE session_id = " + std::to_string(sid)), "1");
    server_.reset(); // nothing changes the database from here on
    const auto before = snapshot();

    // No passphrase, no backup: the key never leaves unencrypted.
    auto [rc, out] = run_status(db_env(db_) + "SERVER_MASTER_KEY=" + test_master_key_b64() + " " + script("backup") +
                                " --dir " + dir_.string());
    ASSERT_NE(rc, 0) << out;
    EXPECT_NE(out.find("BACKUP_PASSPHRASE"), std::string::npos) << out;

    std::tie(rc, out) =
        run_status(db_env(db_) + "SERVER_MASTER_KEY=" + test_master_key_b64() + " BACKUP_PASSPHRASE=" + passphrase +
                   " " + script("backup") + " --dir " + dir_.string() + " --keep-days 14");
    ASSERT_EQ(rc, 0) << out;
    fs::path backup;
    for (const auto& e : fs::directory_iterator(dir_)) backup = e.path();
    ASSERT_TRUE(fs::exists(backup / "db.dump") && fs::exists(backup / "master-key.enc")) << out;
    std::ifstream key_file(backup / "master-key.enc", std::ios::binary);
    const std::string sealed((std::istreambuf_iterator<char>(key_file)), {});
    EXPECT_EQ(sealed.find(test_master_key_b64()), std::string::npos) << "the key is stored encrypted";

    // Into the database it came from (not empty): refused without --force.
    std::tie(rc, out) = run_status(db_env(db_) + script("restore") + " " + backup.string());
    EXPECT_NE(rc, 0) << out;
    EXPECT_NE(out.find("not empty"), std::string::npos) << out;

    recreate_database();
    ASSERT_EQ(q("SELECT to_regclass('attendance.results') IS NULL"), "t") << "the database is empty again";
    const auto key_path = dir_ / "master.key";
    std::tie(rc, out) = run_status(db_env(db_) + "BACKUP_PASSPHRASE=not-the-passphrase " + script("restore") + " " +
                                   backup.string() + " --key-out " + key_path.string());
    EXPECT_NE(rc, 0) << "a wrong passphrase is refused: " << out;
    EXPECT_EQ(q("SELECT to_regclass('attendance.results') IS NULL"), "t") << "and nothing was restored";

    std::tie(rc, out) = run_status(db_env(db_) + "BACKUP_PASSPHRASE=" + passphrase + " " + script("restore") + " " +
                                   backup.string() + " --key-out " + key_path.string());
    ASSERT_EQ(rc, 0) << out;
    EXPECT_EQ(snapshot(), before) << "enrollments, sessions, results and the outbox as they were";
    EXPECT_EQ(fs::status(key_path).permissions() & fs::perms::all, fs::perms::owner_read);

    // The restored server gets its master key only from the backup's decrypted copy.
    ASSERT_NO_FATAL_FAILURE(start_server({{"SERVER_MASTER_KEY", ""}, {"SERVER_MASTER_KEY_FILE", key_path.string()}}));
    const auto next = open_session();
    ASSERT_GT(next, sid) << "the sequence continues after the restored sessions";
    ASSERT_EQ(present.join(next).status, 200) << "the restored passkey still signs in";
    const auto again = answer(frames, next, present);
    EXPECT_EQ(again.status, 200) << again.body.dump();
    EXPECT_EQ(again.body.value("accepted", false), true) << "the restored device secret opens: " << again.body.dump();
    EXPECT_EQ(again.body.value("done", false), true) << again.body.dump();
    EXPECT_EQ(q("SELECT bool_and(secret_valid AND totpu_valid)::text FROM attendance.validations v JOIN "
                "attendance.registrations r USING (registration_id) WHERE r.session_id = " +
                std::to_string(next)),
              "true");
}

TEST_F(backup_restore, MigratePlanListsPendingAndUpBacksUpFirst) {
    const std::string bin = env_or_fail("ASISTENCIA_SERVER_BIN");
    auto [rc, out] = run_status(db_env(db_) + bin + " migrate plan");
    ASSERT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("apply  0001_initial_schema"), std::string::npos) << out;
    EXPECT_EQ(q("SELECT to_regclass('enrollment.devices') IS NULL"), "t") << "plan changes nothing";

    const auto backups = dir_ / "pre-migrate";
    std::tie(rc, out) = run_status(db_env(db_) + "MIGRATE_BACKUP_DIR=" + backups.string() + " " + bin + " migrate up");
    ASSERT_EQ(rc, 0) << out;
    int dumps = 0;
    for (const auto& e : fs::directory_iterator(backups)) {
        ++dumps;
        EXPECT_EQ(e.path().extension(), ".dump") << e.path();
        EXPECT_GT(fs::file_size(e.path()), 0u);
    }
    EXPECT_EQ(dumps, 1) << out;

    std::tie(rc, out) = run_status(db_env(db_) + bin + " migrate plan");
    ASSERT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("nothing to apply"), std::string::npos) << out;
    std::tie(rc, out) = run_status(db_env(db_) + "MIGRATE_BACKUP_DIR=" + backups.string() + " " + bin + " migrate up");
    ASSERT_EQ(rc, 0) << out;
    dumps = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(backups)) ++dumps;
    EXPECT_EQ(dumps, 1) << "no backup when nothing is pending";

    // A pg_dump that cannot run stops the upgrade before anything is applied.
    q("DELETE FROM public.schema_migrations WHERE version = (SELECT max(version) FROM public.schema_migrations)");
    std::tie(rc, out) = run_status("PATH=/nonexistent " + db_env(db_) + "MIGRATE_BACKUP_DIR=" + backups.string() + " " +
                                   bin + " migrate up");
    EXPECT_EQ(rc, 1) << out;
    EXPECT_NE(out.find("pre-migration backup"), std::string::npos) << out;
}

} // namespace
