// `asistencia-server migrate up|status|down N [--dir PATH]`: the operator's entry point.
#include "asistencia/infra/postgres/migrations.hpp"

#include <charconv>
#include <iomanip>
#include <ostream>

namespace asistencia::infra::postgres {
namespace {

constexpr const char* usage =
    "usage: asistencia-server migrate up | status | down N  [--dir PATH]\n"
    "  up       apply every pending migration\n"
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

} // namespace

int run_migrate_command(const std::vector<std::string>& args, const pg_settings& s,
                        std::ostream& out, std::ostream& err) {
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
    bool down = false;
    if (words.size() == 2 && words[0] == "down") {
        const auto& w = words[1];
        auto [ptr, ec] = std::from_chars(w.data(), w.data() + w.size(), n);
        down = ec == std::errc{} && ptr == w.data() + w.size() && n >= 1;
    }
    if (!up && !status && !down) {
        err << usage;
        return 2;
    }
    try {
        const auto files = dir ? load_migrations(*dir) : embedded_migrations();
        if (up) {
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
            out << std::left << std::setw(32) << migration_label(r.version, r.name)
                << std::setw(24) << to_string(r.state) << r.applied_at << "\n";
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
