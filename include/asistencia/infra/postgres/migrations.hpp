// Versioned, checksummed schema migrations (sql/migrations/NNNN_name.{up,down}.sql),
// recorded in public.schema_migrations, and the `asistencia-server migrate` command.
#pragma once

#include "asistencia/infra/postgres/settings.hpp"

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace asistencia::infra::postgres {

struct migration {
    int version = 0;  // NNNN
    std::string name; // the part after NNNN_
    std::string up_sql;
    std::string down_sql;
    std::string checksum; // lowercase hex SHA-256 of up_sql's bytes
};

// A refused or failed migration step (edited applied migration, bad file set, SQL error).
// The message names the migration. Startup treats it as fatal.
class migration_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// One stem and its two files, as embedded at build time (generated .cpp).
struct embedded_migration_file {
    std::string_view stem; // NNNN_name
    std::string_view up_sql;
    std::string_view down_sql;
};
std::vector<embedded_migration_file> embedded_migration_files();

// The migrations compiled into the binary, sorted by version.
std::vector<migration> embedded_migrations();

// Reads NNNN_name.up.sql / NNNN_name.down.sql from a directory (MIGRATIONS_DIR or
// `migrate --dir`). Every up file needs its down file and versions must be unique;
// otherwise migration_error.
std::vector<migration> load_migrations(const std::filesystem::path& dir);

// Parses "0001_initial_schema" into {1, "initial_schema"}; nullopt when malformed.
struct migration_stem {
    int version;
    std::string name;
};
std::optional<migration_stem> parse_migration_stem(std::string_view stem);

std::string sha256_hex(std::string_view bytes);

// "0001_initial_schema": how messages and `migrate status` name a migration.
std::string migration_label(int version, std::string_view name);

// --- Planning (pure): what the database holds against what the files say.
struct applied_migration {
    int version = 0;
    std::string name;
    std::string checksum;
    std::string applied_at; // as PostgreSQL prints it
};

enum class migration_state { applied, pending, checksum_mismatch, file_missing };

struct migration_status_row {
    int version = 0;
    std::string name;
    migration_state state = migration_state::pending;
    std::string applied_at; // empty when pending
};

const char* to_string(migration_state s) noexcept;

// Every version known to either side, ascending.
std::vector<migration_status_row> plan_status(const std::vector<migration>& files,
                                              const std::vector<applied_migration>& applied);

// Throws migration_error naming the first applied migration whose file changed.
void verify_checksums(const std::vector<migration>& files, const std::vector<applied_migration>& applied);

// --- Against a database (blocking; run at startup or from the CLI, never on the loop).
// Each migration runs in its own transaction; a session advisory lock serializes
// concurrent migrators (several replicas starting at once).

// Applies every pending migration in version order; returns the versions applied.
std::vector<int> migrate_up(const pg_settings& s, const std::vector<migration>& files = embedded_migrations());

// Rolls back the last n applied migrations (newest first) with their down files.
std::vector<int> migrate_down(const pg_settings& s, int n, const std::vector<migration>& files = embedded_migrations());

std::vector<migration_status_row> migration_status(const pg_settings& s,
                                                   const std::vector<migration>& files = embedded_migrations());

// pg_dump --format=custom of the database into dir/pre-migrate-DB-UTCSTAMP.dump (written as
// .part, renamed when complete); the password reaches pg_dump through PGPASSWORD only.
// Throws migration_error when pg_dump cannot run or fails.
std::filesystem::path dump_before_migrate(const pg_settings& s, const std::filesystem::path& dir,
                                          const std::string& pg_dump = "pg_dump");

struct migrate_command_options {
    // MIGRATE_BACKUP_DIR: `up` dumps the database here before applying anything.
    std::optional<std::filesystem::path> backup_dir;
    std::string pg_dump = "pg_dump";
};

// `asistencia-server migrate up|plan|status|down N [--dir PATH]`; args start after "migrate".
// Exit codes: 0 ok, 1 failure (or status/plan found a checksum mismatch), 2 usage error.
int run_migrate_command(const std::vector<std::string>& args, const pg_settings& s, std::ostream& out,
                        std::ostream& err, const migrate_command_options& options = {});

} // namespace asistencia::infra::postgres
