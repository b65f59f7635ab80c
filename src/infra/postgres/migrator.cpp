// Applies, rolls back and lists migrations against a database: one dedicated blocking
// connection, a session advisory lock, one transaction per migration.
#include "asistencia/infra/postgres/migrations.hpp"

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace asistencia::infra::postgres {
namespace {

// pg_advisory_lock key shared by every migrator of this application ("asistenc").
constexpr const char* lock_sql = "SELECT pg_advisory_lock(7022072188595695203)";
constexpr const char* unlock_sql = "SELECT pg_advisory_unlock(7022072188595695203)";

constexpr const char* create_table_sql = R"(
CREATE TABLE IF NOT EXISTS public.schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  checksum   TEXT NOT NULL,
  applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
))";

constexpr const char* select_applied_sql = R"(
SELECT version, name, checksum,
       to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
FROM public.schema_migrations ORDER BY version)";

// A dedicated connection without the pool's statement_timeout: building an index on a
// big table may take longer than any request should.
std::unique_ptr<pqxx::connection> open(const pg_settings& s) {
    pg_settings m = s;
    m.statement_timeout = std::chrono::milliseconds(0);
    m.application_name = s.application_name + " migrate";
    try {
        return std::make_unique<pqxx::connection>(conninfo(m));
    } catch (const std::exception& e) {
        throw migration_error("cannot connect to the database (" + redacted_conninfo(m) + "): " + e.what());
    }
}

// Holds the advisory lock for the lifetime of the object (and of the session).
class migration_lock {
public:
    explicit migration_lock(pqxx::connection& c) : c_(c) {
        pqxx::nontransaction tx(c_);
        tx.exec(lock_sql);
    }
    ~migration_lock() {
        try {
            pqxx::nontransaction tx(c_);
            tx.exec(unlock_sql);
        } catch (...) {
            // The lock dies with the session anyway.
        }
    }
    migration_lock(const migration_lock&) = delete;
    migration_lock& operator=(const migration_lock&) = delete;

private:
    pqxx::connection& c_;
};

std::vector<applied_migration> read_applied(pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    auto exists = tx.exec1("SELECT to_regclass('public.schema_migrations') IS NOT NULL");
    std::vector<applied_migration> out;
    if (!exists[0].as<bool>()) {
        return out;
    }
    for (const auto& row : tx.exec(select_applied_sql)) {
        out.push_back({row[0].as<int>(), row[1].as<std::string>(), row[2].as<std::string>(), row[3].as<std::string>()});
    }
    tx.commit();
    return out;
}

void ensure_table(pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec0(create_table_sql);
    tx.commit();
}

} // namespace

std::vector<int> migrate_up(const pg_settings& s, const std::vector<migration>& files) {
    auto c = open(s);
    migration_lock lock(*c);
    ensure_table(*c);
    const auto applied = read_applied(*c);
    verify_checksums(files, applied);
    std::vector<int> done;
    for (const auto& f : files) {
        const bool is_applied =
            std::any_of(applied.begin(), applied.end(), [&](const auto& a) { return a.version == f.version; });
        if (is_applied) {
            continue;
        }
        const auto label = migration_label(f.version, f.name);
        try {
            pqxx::work tx(*c);
            tx.exec(f.up_sql);
            tx.exec_params0("INSERT INTO public.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                            f.version, f.name, f.checksum);
            tx.commit();
        } catch (const std::exception& e) {
            throw migration_error("migration " + label + " failed and was rolled back: " + e.what());
        }
        spdlog::info("migrate: applied {}", label);
        done.push_back(f.version);
    }
    for (const auto& a : applied) {
        const bool known =
            std::any_of(files.begin(), files.end(), [&](const auto& f) { return f.version == a.version; });
        if (!known) {
            spdlog::warn("migrate: {} is applied but unknown to this binary (a newer release?)",
                         migration_label(a.version, a.name));
        }
    }
    return done;
}

std::vector<int> migrate_down(const pg_settings& s, int n, const std::vector<migration>& files) {
    if (n < 1) {
        throw migration_error("down needs a positive number of migrations to roll back");
    }
    auto c = open(s);
    migration_lock lock(*c);
    auto applied = read_applied(*c);
    if (static_cast<std::size_t>(n) > applied.size()) {
        throw migration_error("cannot roll back " + std::to_string(n) + " migrations: only " +
                              std::to_string(applied.size()) + " applied");
    }
    std::reverse(applied.begin(), applied.end());
    applied.resize(static_cast<std::size_t>(n));
    // Check every step before touching anything, so a refusal leaves the schema as it was.
    std::vector<const migration*> steps;
    for (const auto& a : applied) {
        auto it = std::find_if(files.begin(), files.end(), [&](const auto& f) { return f.version == a.version; });
        if (it == files.end()) {
            throw migration_error("cannot roll back " + migration_label(a.version, a.name) +
                                  ": this binary has no down file for it");
        }
        steps.push_back(&*it);
    }
    verify_checksums(files, applied);
    std::vector<int> done;
    for (const auto* f : steps) {
        const auto label = migration_label(f->version, f->name);
        try {
            pqxx::work tx(*c);
            tx.exec(f->down_sql);
            tx.exec_params0("DELETE FROM public.schema_migrations WHERE version = $1", f->version);
            tx.commit();
        } catch (const std::exception& e) {
            throw migration_error("rollback of " + label + " failed and was undone: " + e.what());
        }
        spdlog::info("migrate: rolled back {}", label);
        done.push_back(f->version);
    }
    return done;
}

std::vector<migration_status_row> migration_status(const pg_settings& s, const std::vector<migration>& files) {
    auto c = open(s);
    return plan_status(files, read_applied(*c));
}

} // namespace asistencia::infra::postgres
