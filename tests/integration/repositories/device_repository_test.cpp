// device_repository against the real PostgreSQL: enrollment, re-enrollment, revocation,
// assertion bookkeeping, the history it writes, and the refusals that change nothing.
#include "asistencia/infra/repositories/device_repository.hpp"
#include "asistencia/application/errors.hpp"
#include "asistencia/infra/postgres/migrations.hpp"
#include "pg_test_env.hpp"
#include "run_awaitable.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

namespace {

namespace net = boost::asio;
namespace pg = asistencia::infra::postgres;
using asistencia::application::errc;
using asistencia::application::error;
using asistencia::infra::repositories::audit_context;
using asistencia::infra::repositories::device_repository;
using asistencia::infra::repositories::new_device;

using test_support::run;

new_device sample(std::int64_t user, const std::string& credential) {
    new_device d;
    d.user_id = user;
    d.credential_id = credential;
    d.public_key_pem = "-----BEGIN PUBLIC KEY-----\nMFk=\n-----END PUBLIC KEY-----\n";
    d.sealed_secret = "v1.c2VhbGVk";
    d.aaguid = "00000000-0000-0000-0000-000000000000";
    d.fingerprint = "fp-" + credential;
    d.attestation_format = "none";
    d.sign_count = 3;
    d.backup_eligible = true;
    d.transports = {"internal", "hybrid", "bad,comma"};
    return d;
}

class device_repository_test : public ::testing::Test {
protected:
    device_repository_test() : db_("devices") { pg::migrate_up(db_.settings()); }

    long count(const std::string& sql) {
        pqxx::connection c(pg::conninfo(db_.settings()));
        pqxx::nontransaction tx(c);
        return tx.exec1(sql)[0].as<long>();
    }

    pg_test::scratch_database db_;
    pg::pool pool_{db_.settings()};
    device_repository repo_{pool_};
};

TEST_F(device_repository_test, enroll_stores_every_field_and_writes_history) {
    audit_context audit;
    audit.metadata_json = R"({"userAgent":"test","fmt":"none"})";
    const auto stored = run(repo_.enroll(sample(100001, "cred-a"), audit));
    EXPECT_GT(stored.device_id, 0);
    EXPECT_TRUE(stored.is_active);
    EXPECT_EQ(stored.enrolled_at.size(), 24u) << stored.enrolled_at;
    EXPECT_EQ(stored.transports, (std::vector<std::string>{"internal", "hybrid"}))
        << "a transport with a comma must not be stored";

    const auto found = run(repo_.find_active(100001));
    ASSERT_TRUE(found);
    EXPECT_EQ(found->credential_id, "cred-a");
    EXPECT_EQ(found->sealed_secret, "v1.c2VhbGVk");
    EXPECT_EQ(found->sign_count, 3u);
    EXPECT_TRUE(found->backup_eligible);
    EXPECT_FALSE(found->backup_state);
    EXPECT_FALSE(found->last_used_at);
    EXPECT_TRUE(run(repo_.find_by_credential("cred-a")));
    EXPECT_FALSE(run(repo_.find_by_credential("cred-zzz")));
    EXPECT_EQ(count("SELECT count(*) FROM enrollment.enrollment_history WHERE action = "
                    "'enrolled' AND metadata->>'fmt' = 'none'"),
              1);
    EXPECT_TRUE(run(repo_.since_last_enrollment(100001)));
    EXPECT_FALSE(run(repo_.since_last_enrollment(100002)));
}

TEST_F(device_repository_test, re_enrollment_revokes_the_previous_device) {
    const auto first = run(repo_.enroll(sample(100001, "cred-a"), {}));
    const auto second = run(repo_.enroll(sample(100001, "cred-b"), {}));
    EXPECT_NE(first.device_id, second.device_id);
    EXPECT_EQ(run(repo_.find_active(100001))->credential_id, "cred-b");
    EXPECT_FALSE(run(repo_.find_by_credential("cred-a"))->is_active);
    EXPECT_EQ(count("SELECT count(*) FROM enrollment.enrollment_history WHERE action = "
                    "'re-enrolled' AND device_id = " +
                    std::to_string(first.device_id)),
              1);
}

TEST_F(device_repository_test, a_duplicate_credential_is_a_conflict_and_changes_nothing) {
    run(repo_.enroll(sample(100001, "cred-a"), {}));
    const long history_before = count("SELECT count(*) FROM enrollment.enrollment_history");
    try {
        run(repo_.enroll(sample(100002, "cred-a"), {}));
        FAIL() << "a credential id stored twice";
    } catch (const error& e) {
        EXPECT_EQ(e.kind(), errc::conflict);
    }
    // Same user re-enrolling with a used credential: the deactivation is rolled back too.
    EXPECT_THROW(run(repo_.enroll(sample(100001, "cred-a"), {})), error);
    EXPECT_TRUE(run(repo_.find_active(100001)));
    EXPECT_EQ(count("SELECT count(*) FROM enrollment.enrollment_history"), history_before);
}

TEST_F(device_repository_test, concurrent_enrollments_leave_one_active_device) {
    net::io_context io;
    int conflicts = 0;
    int successes = 0;
    for (int i = 0; i < 4; ++i) {
        net::co_spawn(io, repo_.enroll(sample(100003, "cred-c" + std::to_string(i)), {}),
                      [&](std::exception_ptr e, auto) {
                          if (!e) {
                              ++successes;
                              return;
                          }
                          try {
                              std::rethrow_exception(e);
                          } catch (const error& err) {
                              if (err.kind() == errc::conflict) ++conflicts;
                          } catch (...) {
                          }
                      });
    }
    io.run();
    EXPECT_GE(successes, 1);
    EXPECT_EQ(successes + conflicts, 4);
    EXPECT_EQ(count("SELECT count(*) FROM enrollment.devices WHERE user_id = 100003 AND "
                    "is_active"),
              1);
}

TEST_F(device_repository_test, revoke_records_who_and_why_once) {
    const auto d = run(repo_.enroll(sample(100004, "cred-r"), {}));
    audit_context audit;
    audit.performed_by = 7;
    audit.reason = "lost phone";
    const auto revoked = run(repo_.revoke(d.device_id, audit));
    ASSERT_TRUE(revoked);
    EXPECT_EQ(revoked->user_id, 100004);
    EXPECT_TRUE(revoked->superseded.empty()) << "no class registration to end";
    EXPECT_FALSE(run(repo_.revoke(d.device_id, audit)));
    EXPECT_FALSE(run(repo_.find_active(100004)));
    EXPECT_EQ(count("SELECT count(*) FROM enrollment.enrollment_history WHERE action = "
                    "'revoked' AND performed_by = 7 AND reason = 'lost phone'"),
              1);
}

TEST_F(device_repository_test, assertions_update_counter_flags_and_the_clone_flag) {
    const auto d = run(repo_.enroll(sample(100005, "cred-s"), {}));
    run(repo_.record_assertion(d.device_id, 9, true, true, std::nullopt));
    auto now = run(repo_.find_active(100005));
    EXPECT_EQ(now->sign_count, 9u);
    EXPECT_TRUE(now->backup_state);
    EXPECT_TRUE(now->last_used_at);
    EXPECT_FALSE(now->possibly_cloned);

    run(repo_.record_assertion(d.device_id, 4, true, true, std::string("counter went back")));
    now = run(repo_.find_active(100005));
    EXPECT_TRUE(now->possibly_cloned);
    // WebAuthn L2 7.2 step 21: the stored counter never moves back (else a cloned key
    // replaying low counters would reset the comparison for the genuine one).
    EXPECT_EQ(now->sign_count, 9u);
    EXPECT_EQ(count("SELECT count(*) FROM enrollment.enrollment_history WHERE action = "
                    "'updated' AND reason = 'counter went back'"),
              1);
    // The flag stays set after a later clean assertion.
    run(repo_.record_assertion(d.device_id, 10, true, true, std::nullopt));
    EXPECT_TRUE(run(repo_.find_active(100005))->possibly_cloned);
}

} // namespace
