// `migrate up` with MIGRATE_BACKUP_DIR: a pg_dump (custom format) of the database before the
// first pending migration runs, so an upgrade can be rolled back to the exact data it met.
#include "asistencia/infra/postgres/migrations.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <spawn.h>
#include <sys/wait.h>

extern char** environ; // NOLINT(cppcoreguidelines-avoid-non-const-global-variables): POSIX declares it

namespace asistencia::infra::postgres {
namespace {

std::string utc_stamp() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

// The child's environment: ours without PG*, plus the password (never on the command line,
// where `ps` would show it).
std::vector<std::string> child_environment(const pg_settings& s) {
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
        if (std::strncmp(*e, "PGPASSWORD=", 11) != 0) env.emplace_back(*e);
    }
    if (!s.password.empty()) env.push_back("PGPASSWORD=" + s.password);
    return env;
}

int run_and_wait(const std::string& program, std::vector<std::string> args, std::vector<std::string> env) {
    std::vector<char*> argv{const_cast<char*>(program.c_str())};
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<char*> envp;
    envp.reserve(env.size() + 1);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, program.c_str(), nullptr, nullptr, argv.data(), envp.data());
    if (rc != 0) {
        throw migration_error("cannot run " + program + " for the pre-migration backup: " + std::strerror(rc));
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) throw migration_error("waiting for " + program + " failed");
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

} // namespace

std::filesystem::path dump_before_migrate(const pg_settings& s, const std::filesystem::path& dir,
                                          const std::string& pg_dump) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw migration_error("MIGRATE_BACKUP_DIR " + dir.string() + ": " + ec.message());
    auto file = dir / ("pre-migrate-" + s.dbname + "-" + utc_stamp() + ".dump");
    const auto part = std::filesystem::path(file.string() + ".part");
    const int rc = run_and_wait(
        pg_dump, {"--format=custom", "--no-password", "--file=" + part.string(), "--dbname=" + redacted_conninfo(s)},
        child_environment(s));
    if (rc != 0) {
        std::filesystem::remove(part, ec);
        throw migration_error("the pre-migration backup failed (" + pg_dump + " exited with " + std::to_string(rc) +
                              "); nothing was migrated");
    }
    std::filesystem::rename(part, file, ec);
    if (ec) throw migration_error("cannot move the backup into place: " + ec.message());
    spdlog::info("migrate: backup of {} written to {}", s.dbname, file.string());
    return file;
}

} // namespace asistencia::infra::postgres
