// `asistencia-server migrate up|status|down N [--dir PATH]`: the operator's entry point.
#include "asistencia/infra/postgres/migrations.hpp"

#include <charconv>
#include <iomanip>
#include <ostream>

namespace asistencia::infra::postgres {
namespace {

constexpr const char* usage =
    "usage: asistencia-server migrate up | plan | status | down N  [--dir PATH]\n"
    "  up       apply every pending migration (after a pg_dump into MIGRATE_BACKUP_DIR when set)\n"
    "  plan     print what `up` would apply, change nothing\n"
    "  status   list applied and pending migrations (exit 1 on a checksum mismatch)\n"
    "  down N   roll back the last N applied migrations\n"
    "  --dir    read NNNN_name.{up,down}.sql from PATH instead of the embedded set\n";

std::string join(const std::vector<int>& versions, const std::vector<migration>& files) {
    std::string out;
    for (int v : versions) {
        for (const auto& f : files) {
            if (f.version == v) {
                out += (out.empty() ? "" : ", ") + migration_label(f.version, f.name);
            }
        }
    }
    return out;
}

bool has_pending(const std::vector<migration_status_row>& rows) {
    for (const auto& r : rows) {
        if (r.state == migration_state::pending) return true;
    }
    return false;
}

// What `up` would do: the pending migrations in order, or why it would refuse.
int print_plan(const std::vector<migration_status_row>& rows, std::ostream& out, std::ostream& err) {
    bool mismatch = false;
    int pending = 0;
    for (const auto& r : rows) {
        if (r.state == migration_state::checksum_mismatch) {
            mismatch = true;
            err << "migrate: " << migration_label(r.version, r.name)
                << " was edited after it was applied: up would refuse to run\n";
        } else if (r.state == migration_state::file_missing) {
            out << "keep   " << migration_label(r.version, r.name)
                << "   (applied, unknown to this binary: a newer release?)\n";
        } else if (r.state == migration_state::pending) {
            ++pending;
            out << "apply  " << migration_label(r.version, r.name) << "\n";
        }
    }
    if (mismatch) return 1;
    out << (pending == 0 ? std::string("migrate: nothing to apply, schema is up to date")
                         : "migrate: up would apply " + std::to_string(pending) + " migration(s)")
        << "\n";
    return 0;
}

} // namespace

int run_migrate_command(const std::vector<std::string>& args, const pg_settings& s, std::ostream& out,
                        std::ostream& err, const migrate_command_options& options) {
    std::vector<std::string> words;
    std::optional<std::filesystem::path> dir;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--dir") {
            if (i + 1 >= args.size()) {
                err << usage;
                return 2;
            }
            dir = args[++i];
        } else {
            words.push_back(args[i]);
        }
    }
    int n = 0;
    const bool up = words.size() == 1 && words[0] == "up";
    const bool status = words.size() == 1 && words[0] == "status";
    const bool plan = words.size() == 1 && words[0] == "plan";
    bool down = false;
    if (words.size() == 2 && words[0] == "down") {
        const auto& w = words[1];
        auto [ptr, ec] = std::from_chars(w.data(), w.data() + w.size(), n);
        down = ec == std::errc{} && ptr == w.data() + w.size() && n >= 1;
    }
    if (!up && !status && !down && !plan) {
        err << usage;
        return 2;
    }
    try {
        const auto files = dir ? load_migrations(*dir) : embedded_migrations();
        if (plan) {
            return print_plan(migration_status(s, files), out, err);
        }
        if (up) {
            if (options.backup_dir && has_pending(migration_status(s, files))) {
                const auto file = dump_before_migrate(s, *options.backup_dir, options.pg_dump);
                out << "migrate: backup written to " << file.string() << "\n";
            }
            const auto done = migrate_up(s, files);
            out << (done.empty() ? "migrate: nothing to apply, schema is up to date"
                                 : "migrate: applied " + join(done, files))
                << "\n";
            return 0;
        }
        if (down) {
            const auto done = migrate_down(s, n, files);
            out << "migrate: rolled back " << join(done, files) << "\n";
            return 0;
        }
        const auto rows = migration_status(s, files);
        bool mismatch = false;
        out << std::left << std::setw(32) << "migration" << std::setw(24) << "state"
            << "applied at (UTC)\n";
        for (const auto& r : rows) {
            mismatch = mismatch || r.state == migration_state::checksum_mismatch;
            out << std::left << std::setw(32) << migration_label(r.version, r.name) << std::setw(24)
                << to_string(r.state) << r.applied_at << "\n";
        }
        if (mismatch) {
            err << "migrate: an applied migration was edited afterwards (CHECKSUM MISMATCH)\n";
            return 1;
        }
        return 0;
    } catch (const std::exception& e) {
        err << "migrate: " << e.what() << "\n";
        return 1;
    }
}

} // namespace asistencia::infra::postgres
