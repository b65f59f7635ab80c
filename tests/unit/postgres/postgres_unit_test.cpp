// Pure parts of the PostgreSQL component: conninfo quoting, settings from the environment,
// SQLSTATE classification, migration names, checksums and status planning.
#include "asistencia/infra/postgres/errors.hpp"
#include "asistencia/infra/postgres/migrations.hpp"
#include "asistencia/infra/postgres/settings.hpp"

#include <gtest/gtest.h>
#include <pqxx/except>

#include <map>

namespace pg = asistencia::infra::postgres;

TEST(postgres_settings, conninfo_quotes_every_value) {
    pg::pg_settings s;
    s.host = "db.example";
    s.port = 6543;
    s.dbname = "asis tencia";
    s.user = "node";
    s.password = "p'a\\ss host=evil";
    s.sslmode = "verify-full";
    const auto ci = pg::conninfo(s);
    EXPECT_NE(ci.find("host='db.example'"), std::string::npos) << ci;
    EXPECT_NE(ci.find("port='6543'"), std::string::npos) << ci;
    EXPECT_NE(ci.find("dbname='asis tencia'"), std::string::npos) << ci;
    EXPECT_NE(ci.find("password='p\\'a\\\\ss host=evil'"), std::string::npos) << ci;
    EXPECT_NE(ci.find("sslmode='verify-full'"), std::string::npos) << ci;
    EXPECT_NE(ci.find("options='-c TimeZone=UTC -c statement_timeout=30000'"), std::string::npos) << ci;
}

TEST(postgres_settings, redacted_conninfo_has_no_password) {
    pg::pg_settings s;
    s.password = "s3cret-value";
    EXPECT_EQ(pg::redacted_conninfo(s).find("s3cret"), std::string::npos);
    EXPECT_EQ(pg::redacted_conninfo(s).find("password"), std::string::npos);
    EXPECT_NE(pg::conninfo(s).find("s3cret-value"), std::string::npos);
}

TEST(postgres_settings, nul_in_a_value_is_refused) {
    pg::pg_settings s;
    s.password = std::string("a\0b", 3);
    EXPECT_THROW(pg::conninfo(s), std::invalid_argument);
}

TEST(postgres_errors, classification_by_type_and_sqlstate) {
    using k = pg::pg_error_kind;
    EXPECT_EQ(pg::classify_pg_error(pqxx::unique_violation("dup", "ins", "23505")), k::unique_violation);
    EXPECT_EQ(pg::classify_pg_error(pqxx::foreign_key_violation("fk", "ins", "23503")), k::foreign_key_violation);
    EXPECT_EQ(pg::classify_pg_error(pqxx::check_violation("chk", "ins", "23514")), k::invalid_value);
    EXPECT_EQ(pg::classify_pg_error(pqxx::not_null_violation("nn", "ins", "23502")), k::invalid_value);
    EXPECT_EQ(pg::classify_pg_error(pqxx::sql_error("excl", "ins", "23P01")), k::restrict_violation);
    EXPECT_EQ(pg::classify_pg_error(pqxx::data_exception("bad int", "q", "22P02")), k::invalid_value);
    EXPECT_EQ(pg::classify_pg_error(pqxx::serialization_failure("40001")), k::retryable);
    EXPECT_EQ(pg::classify_pg_error(pqxx::deadlock_detected("40P01")), k::retryable);
    EXPECT_EQ(pg::classify_pg_error(pqxx::sql_error("ser", "q", "40001")), k::retryable);
    EXPECT_EQ(pg::classify_pg_error(pqxx::in_doubt_error("commit")), k::in_doubt);
    EXPECT_EQ(pg::classify_pg_error(pqxx::broken_connection("gone")), k::connection);
    EXPECT_EQ(pg::classify_pg_error(pqxx::too_many_connections("full")), k::resources);
    EXPECT_EQ(pg::classify_pg_error(pqxx::sql_error("shutdown", "q", "57P01")), k::connection);
    EXPECT_EQ(pg::classify_pg_error(pqxx::sql_error("conn", "q", "08006")), k::connection);
    EXPECT_EQ(pg::classify_pg_error(pqxx::sql_error("cancel", "q", "57014")), k::timeout);
    EXPECT_EQ(pg::classify_pg_error(pqxx::undefined_table("no", "q", "42P01")), k::internal);
    EXPECT_EQ(pg::classify_pg_error(pqxx::usage_error("misuse")), k::internal);
    EXPECT_EQ(pg::classify_pg_error(std::runtime_error("mine")), k::not_a_database_error);
    EXPECT_EQ(pg::sqlstate_of(pqxx::unique_violation("dup", "ins", "23505")), "23505");
    EXPECT_EQ(pg::sqlstate_of(std::runtime_error("x")), "");
}

namespace {
// Rethrows application_error_of's exception and returns it as the application::error it must be.
template <class E = asistencia::application::error>
E thrown(pg::pg_error_kind k) {
    try {
        std::rethrow_exception(pg::application_error_of(k));
    } catch (const E& e) {
        return e;
    }
}
} // namespace

TEST(postgres_errors, errors_carry_errc_and_no_details) {
    using k = pg::pg_error_kind;
    using asistencia::application::dependency_unavailable;
    using asistencia::application::errc;
    EXPECT_EQ(thrown(k::unique_violation).kind(), errc::conflict);
    EXPECT_EQ(thrown(k::unique_violation).code(), "conflict");
    EXPECT_EQ(thrown(k::foreign_key_violation).kind(), errc::conflict);
    EXPECT_EQ(thrown(k::restrict_violation).kind(), errc::conflict);
    EXPECT_EQ(thrown(k::invalid_value).kind(), errc::invalid_value);
    EXPECT_EQ(thrown(k::invalid_value).code(), "invalid_value");
    for (auto kind : {k::retryable, k::in_doubt, k::connection, k::timeout, k::resources}) {
        // The unavailable kinds keep their dynamic type, so callers can catch dependency_unavailable.
        const auto e = thrown<dependency_unavailable>(kind);
        EXPECT_EQ(e.kind(), errc::dependency_unavailable) << pg::to_string(kind);
        EXPECT_EQ(e.code(), "postgres_unavailable");
        EXPECT_EQ(e.dependency(), "postgres");
        EXPECT_TRUE(e.retry_after_seconds().has_value());
    }
    EXPECT_EQ(thrown(k::internal).kind(), errc::internal);
    EXPECT_EQ(thrown(k::internal).code(), "internal_error");
}

TEST(postgres_migration_files, stem_parsing) {
    auto ok = pg::parse_migration_stem("0001_initial_schema");
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->version, 1);
    EXPECT_EQ(ok->name, "initial_schema");
    EXPECT_EQ(pg::parse_migration_stem("12345_x")->version, 12345);
    for (auto bad : {"1_short", "0001", "0001_", "abcd_x", "0000_zero", "0001_Upper", "0001_a-b", "00x1_a"}) {
        EXPECT_FALSE(pg::parse_migration_stem(bad)) << bad;
    }
    EXPECT_EQ(pg::migration_label(7, "add_outbox"), "0007_add_outbox");
}

TEST(postgres_migration_files, sha256_matches_the_published_vector) {
    EXPECT_EQ(pg::sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(pg::sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(postgres_migration_files, embedded_migrations_are_the_sql_files) {
    const auto all = pg::embedded_migrations();
    ASSERT_FALSE(all.empty());
    const auto from_dir = pg::load_migrations(ASISTENCIA_SOURCE_DIR "/sql/migrations");
    ASSERT_EQ(all.size(), from_dir.size());
    for (std::size_t i = 0; i < all.size(); ++i) {
        EXPECT_EQ(all[i].version, from_dir[i].version);
        EXPECT_EQ(all[i].checksum, from_dir[i].checksum) << "embedded copy differs from the file";
        EXPECT_EQ(all[i].down_sql, from_dir[i].down_sql);
    }
}

TEST(postgres_migration_files, status_plan_flags_mismatch_and_missing_files) {
    std::vector<pg::migration> files{{1, "a", "up1", "down1", pg::sha256_hex("up1")},
                                     {2, "b", "up2", "down2", pg::sha256_hex("up2")},
                                     {3, "c", "up3", "down3", pg::sha256_hex("up3")}};
    std::vector<pg::applied_migration> applied{
        {1, "a", pg::sha256_hex("up1"), "t1"}, {2, "b", pg::sha256_hex("edited"), "t2"}, {9, "z", "deadbeef", "t9"}};
    const auto rows = pg::plan_status(files, applied);
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(rows[0].state, pg::migration_state::applied);
    EXPECT_EQ(rows[0].applied_at, "t1");
    EXPECT_EQ(rows[1].state, pg::migration_state::checksum_mismatch);
    EXPECT_EQ(rows[2].state, pg::migration_state::pending);
    EXPECT_EQ(rows[3].version, 9);
    EXPECT_EQ(rows[3].state, pg::migration_state::file_missing);
    try {
        pg::verify_checksums(files, applied);
        FAIL() << "mismatch not detected";
    } catch (const pg::migration_error& e) {
        EXPECT_NE(std::string(e.what()).find("0002_b"), std::string::npos) << e.what();
    }
    applied.erase(applied.begin() + 1);
    EXPECT_NO_THROW(pg::verify_checksums(files, applied));
}
