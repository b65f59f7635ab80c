// Black-box tests of the asistencia-server binary against the real services that
// scripts/test started: configuration errors, --help, health/readiness while
// PostgreSQL and Valkey go down and come back, migrate status, graceful SIGTERM.
#include "server_process.hpp"

using namespace server_test;

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

// WEBAUTHN_ATTESTATION=direct without vendor roots would refuse every phone: it must not
// start, and it names what is missing (a folder without certificates, then none at all).
TEST(ServerProcess, DirectAttestationWithoutTrustAnchorsDoesNotStart) {
    server_process none_given({}, {{"WEBAUTHN_ATTESTATION", "direct"}, {"MIGRATE_ON_START", "false"}});
    ASSERT_TRUE(none_given.running());
    EXPECT_NE(none_given.wait_exit(), 0);
    EXPECT_NE(none_given.output().find("WEBAUTHN_TRUST_ANCHORS"), std::string::npos) << none_given.output();

    server_process empty({}, {{"WEBAUTHN_ATTESTATION", "direct"},
                              {"WEBAUTHN_TRUST_ANCHORS", "/nonexistent/roots"},
                              {"MIGRATE_ON_START", "false"}});
    ASSERT_TRUE(empty.running());
    EXPECT_NE(empty.wait_exit(), 0);
    EXPECT_NE(empty.output().find("/nonexistent/roots"), std::string::npos) << empty.output();
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
