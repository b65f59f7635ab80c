// Migrations against the real PostgreSQL: up/status/down, the checksum refusal, concurrent
// migrators and the CLI. Each test works in a scratch database of its own.
#include "asistencia/infra/postgres/migrations.hpp"
#include "pg_test_env.hpp"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace pg = asistencia::infra::postgres;
namespace fs = std::filesystem;

namespace {

long count(const pg::pg_settings& s, const std::string& sql) {
    pqxx::connection c(pg::conninfo(s));
    pqxx::nontransaction tx(c);
    return tx.exec1(sql)[0].as<long>();
}

long tables_in_node_schemas(const pg::pg_settings& s) {
    return count(s,
                 "SELECT count(*) FROM information_schema.tables "
                 "WHERE table_schema IN ('enrollment', 'attendance')");
}

// A copy of the embedded migrations in a temporary directory, to edit in a test.
class migrations_copy {
public:
    migrations_copy() : dir_(fs::temp_directory_path() / ("asistencia-mig-" + std::to_string(::getpid()))) {
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        for (const auto& m : pg::embedded_migrations()) {
            const auto stem = pg::migration_label(m.version, m.name);
            std::ofstream(dir_ / (stem + ".up.sql"), std::ios::binary) << m.up_sql;
            std::ofstream(dir_ / (stem + ".down.sql"), std::ios::binary) << m.down_sql;
        }
    }
    ~migrations_copy() { fs::remove_all(dir_); }
    const fs::path& dir() const { return dir_; }
    void add(const std::string& stem, const std::string& up, const std::string& down) {
        std::ofstream(dir_ / (stem + ".up.sql"), std::ios::binary) << up;
        std::ofstream(dir_ / (stem + ".down.sql"), std::ios::binary) << down;
    }
    void append_to_up(const std::string& stem, const std::string& text) {
        std::ofstream(dir_ / (stem + ".up.sql"), std::ios::binary | std::ios::app) << text;
    }

private:
    fs::path dir_;
};

} // namespace

TEST(postgres_migrations, embedded_set_starts_with_the_seed_schema) {
    const auto all = pg::embedded_migrations();
    ASSERT_FALSE(all.empty());
    EXPECT_EQ(all[0].version, 1);
    EXPECT_EQ(all[0].name, "initial_schema");
    EXPECT_NE(all[0].up_sql.find("CREATE TABLE enrollment.devices ("), std::string::npos);
    EXPECT_NE(all[0].up_sql.find("CREATE TABLE attendance.results ("), std::string::npos);
    // The seed's duplicate "Foreign Keys" ALTER TABLE section is not part of it.
    EXPECT_EQ(all[0].up_sql.find("ADD CONSTRAINT"), std::string::npos);
    EXPECT_EQ(all[0].checksum, pg::sha256_hex(all[0].up_sql));
}

TEST(postgres_migrations, up_status_down_and_up_again) {
    pg_test::scratch_database db("updown");
    const auto& s = db.settings();

    auto status = pg::migration_status(s);
    ASSERT_FALSE(status.empty());
    for (const auto& r : status) EXPECT_EQ(r.state, pg::migration_state::pending);

    const auto applied = pg::migrate_up(s);
    EXPECT_EQ(applied.size(), pg::embedded_migrations().size());
    // The seed's 6 tables plus 0004's result_overrides and legacy_outbox.
    EXPECT_EQ(tables_in_node_schemas(s), 8);
    // One foreign key per inline REFERENCES (5 in the seed, 2 in 0004), not two: the
    // seed's ALTER TABLE section was left out on purpose.
    EXPECT_EQ(count(s,
                    "SELECT count(*) FROM information_schema.table_constraints "
                    "WHERE constraint_type = 'FOREIGN KEY' "
                    "AND table_schema IN ('enrollment', 'attendance')"),
              7);
    EXPECT_EQ(count(s, "SELECT count(*) FROM public.schema_migrations"), static_cast<long>(applied.size()));

    status = pg::migration_status(s);
    for (const auto& r : status) {
        EXPECT_EQ(r.state, pg::migration_state::applied);
        EXPECT_FALSE(r.applied_at.empty());
    }
    EXPECT_TRUE(pg::migrate_up(s).empty()) << "a second up has nothing to do";

    const auto rolled = pg::migrate_down(s, static_cast<int>(applied.size()));
    EXPECT_EQ(rolled.size(), applied.size());
    EXPECT_EQ(tables_in_node_schemas(s), 0);
    EXPECT_EQ(count(s,
                    "SELECT count(*) FROM information_schema.schemata "
                    "WHERE schema_name IN ('enrollment', 'attendance')"),
              0);
    EXPECT_EQ(count(s, "SELECT count(*) FROM public.schema_migrations"), 0);
    EXPECT_THROW(pg::migrate_down(s, 1), pg::migration_error) << "nothing left to roll back";

    EXPECT_EQ(pg::migrate_up(s).size(), applied.size());
    EXPECT_EQ(tables_in_node_schemas(s), 8);
}

TEST(postgres_migrations, down_n_rolls_back_only_the_last_n) {
    pg_test::scratch_database db("downn");
    migrations_copy files;
    files.add("0900_extra_table", "CREATE TABLE attendance.extra (id INT PRIMARY KEY);\n",
              "DROP TABLE attendance.extra;\n");
    const auto set = pg::load_migrations(files.dir());
    ASSERT_EQ(pg::migrate_up(db.settings(), set).back(), 900);
    EXPECT_EQ(tables_in_node_schemas(db.settings()), 9);

    EXPECT_EQ(pg::migrate_down(db.settings(), 1, set), std::vector<int>{900});
    EXPECT_EQ(tables_in_node_schemas(db.settings()), 8);
    const auto status = pg::migration_status(db.settings(), set);
    EXPECT_EQ(status.back().version, 900);
    EXPECT_EQ(status.back().state, pg::migration_state::pending);
    EXPECT_EQ(status.front().state, pg::migration_state::applied);
}

TEST(postgres_migrations, an_edited_applied_migration_is_refused) {
    pg_test::scratch_database db("checksum");
    migrations_copy files;
    pg::migrate_up(db.settings(), pg::load_migrations(files.dir()));

    files.append_to_up("0001_initial_schema", "\n-- an innocent-looking edit\n");
    files.add("0901_after_edit", "CREATE TABLE attendance.after_edit (id INT);\n",
              "DROP TABLE attendance.after_edit;\n");
    const auto edited = pg::load_migrations(files.dir());
    try {
        pg::migrate_up(db.settings(), edited);
        FAIL() << "migrate_up accepted an edited, already applied migration";
    } catch (const pg::migration_error& e) {
        EXPECT_NE(std::string(e.what()).find("0001_initial_schema"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("edited"), std::string::npos) << e.what();
    }
    // Nothing after the refusal was applied.
    EXPECT_EQ(count(db.settings(), "SELECT count(*) FROM public.schema_migrations"),
              static_cast<long>(pg::embedded_migrations().size()));
    // Rolling back through the edited migration is refused before anything is undone.
    EXPECT_THROW(pg::migrate_down(db.settings(), static_cast<int>(pg::embedded_migrations().size()), edited),
                 pg::migration_error);
    EXPECT_EQ(tables_in_node_schemas(db.settings()), 8);

    const auto status = pg::migration_status(db.settings(), edited);
    ASSERT_EQ(status.size(), pg::embedded_migrations().size() + 1);
    EXPECT_EQ(status[0].state, pg::migration_state::checksum_mismatch);
    EXPECT_EQ(status.back().state, pg::migration_state::pending);

    std::ostringstream out, err;
    EXPECT_EQ(pg::run_migrate_command({"status", "--dir", files.dir().string()}, db.settings(), out, err), 1);
    EXPECT_NE(out.str().find("CHECKSUM MISMATCH"), std::string::npos) << out.str();
    std::ostringstream out2, err2;
    EXPECT_EQ(pg::run_migrate_command({"up", "--dir", files.dir().string()}, db.settings(), out2, err2), 1);
    EXPECT_NE(err2.str().find("0001_initial_schema"), std::string::npos) << err2.str();
}

TEST(postgres_migrations, concurrent_migrators_apply_each_migration_once) {
    pg_test::scratch_database db("concurrent");
    constexpr int replicas = 4;
    std::vector<std::vector<int>> applied(replicas);
    std::vector<std::string> errors(replicas);
    std::vector<std::thread> threads;
    for (int i = 0; i < replicas; ++i) {
        threads.emplace_back([&, i] {
            try {
                applied[i] = pg::migrate_up(db.settings());
            } catch (const std::exception& e) {
                errors[i] = e.what();
            }
        });
    }
    for (auto& t : threads) t.join();
    std::size_t total = 0;
    for (int i = 0; i < replicas; ++i) {
        EXPECT_EQ(errors[i], "") << "replica " << i;
        total += applied[i].size();
    }
    EXPECT_EQ(total, pg::embedded_migrations().size());
    EXPECT_EQ(count(db.settings(), "SELECT count(*) FROM public.schema_migrations"),
              static_cast<long>(pg::embedded_migrations().size()));
    EXPECT_EQ(tables_in_node_schemas(db.settings()), 8);
}

TEST(postgres_migrations, cli_up_status_down) {
    pg_test::scratch_database db("cli");
    std::ostringstream out, err;
    EXPECT_EQ(pg::run_migrate_command({"up"}, db.settings(), out, err), 0) << err.str();
    EXPECT_NE(out.str().find("applied 0001_initial_schema"), std::string::npos) << out.str();

    std::ostringstream st, st_err;
    EXPECT_EQ(pg::run_migrate_command({"status"}, db.settings(), st, st_err), 0) << st_err.str();
    EXPECT_NE(st.str().find("0001_initial_schema"), std::string::npos);
    EXPECT_NE(st.str().find("applied"), std::string::npos);

    std::ostringstream dn, dn_err;
    const auto all = std::to_string(pg::embedded_migrations().size());
    EXPECT_EQ(pg::run_migrate_command({"down", all}, db.settings(), dn, dn_err), 0) << dn_err.str();
    EXPECT_NE(dn.str().find("rolled back"), std::string::npos) << dn.str();
    EXPECT_NE(dn.str().find("0001_initial_schema"), std::string::npos) << dn.str();
    EXPECT_EQ(tables_in_node_schemas(db.settings()), 0);

    for (const std::vector<std::string>& bad :
         {std::vector<std::string>{}, {"sideways"}, {"down"}, {"down", "0"}, {"down", "x"}, {"up", "--dir"}}) {
        std::ostringstream o, e;
        EXPECT_EQ(pg::run_migrate_command(bad, db.settings(), o, e), 2);
        EXPECT_NE(e.str().find("usage"), std::string::npos);
    }
}

TEST(postgres_migrations, the_server_role_is_not_a_superuser) {
    const auto s = pg_test::settings();
    EXPECT_EQ(count(s, "SELECT count(*) FROM pg_roles WHERE rolname = current_user AND rolsuper"), 0);
}

TEST(postgres_migrations, unreachable_database_is_a_clear_error) {
    auto s = pg_test::settings();
    s.password = "wrong-password-for-test";
    try {
        pg::migrate_up(s);
        FAIL() << "migrate_up with a wrong password succeeded";
    } catch (const pg::migration_error& e) {
        EXPECT_EQ(std::string(e.what()).find("wrong-password-for-test"), std::string::npos)
            << "the password leaked into the message";
    }
}

// The answer path writes validations, results and registrations; 0008 drops the seed's
// indexes on them that no query reads, and its down file puts them back.
TEST(postgres_migrations, the_unused_write_indexes_are_dropped_and_restored) {
    pg_test::scratch_database db("indexes");
    const auto& s = db.settings();
    const std::string unused =
        "SELECT count(*) FROM pg_indexes WHERE schemaname = 'attendance' AND indexname IN "
        "('idx_validations_created_at', 'idx_results_registration', 'idx_results_status', "
        "'idx_results_certainty', 'idx_results_calculated_at', 'idx_registrations_status')";
    pg::migrate_up(s);
    EXPECT_EQ(count(s, unused), 0);
    // What the answer path's statements need is still there.
    EXPECT_EQ(count(s,
                    "SELECT count(*) FROM pg_indexes WHERE schemaname = 'attendance' AND indexname IN "
                    "('idx_validations_round', 'idx_validations_success', 'results_registration_id_key', "
                    "'registrations_session_id_user_id_key')"),
              4);
    const auto rolled = pg::migrate_down(s, 1);
    ASSERT_EQ(rolled.size(), 1U);
    EXPECT_EQ(count(s, unused), 6);
}
