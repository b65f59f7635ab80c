// asistencia-server entry point: --help, `migrate ...`, `rekey`, or serve.
#include "asistencia/infra/postgres/migrations.hpp"
#include "asistencia/infra/repositories/device_rekey.hpp"
#include "asistencia/main/config.hpp"
#include "asistencia/main/logging.hpp"
#include "asistencia/main/server_app.hpp"

#include <spdlog/spdlog.h>

#include <exception>
#include <iostream>
#include <string>
#include <vector>

namespace {

int migrate(const std::vector<std::string>& args) {
    using namespace asistencia;
    const auto env = main::process_environment();
    const auto db = main::parse_database_config(env);
    infra::postgres::migrate_command_options options;
    if (const auto dir = main::parse_migrate_backup_dir(env)) options.backup_dir = *dir;
    return infra::postgres::run_migrate_command(args, db, std::cout, std::cerr, options);
}

// Only DB_* and the master keys: rekey needs neither Valkey nor the JWT secrets.
int rekey(const std::vector<std::string>& args) {
    using namespace asistencia;
    const auto env = main::process_environment();
    const auto db = main::parse_database_config(env);
    const auto ring = main::parse_master_key_ring(env, main::read_whole_file);
    try {
        return infra::repositories::run_rekey_command(args, db, ring, std::cout, std::cerr);
    } catch (const std::exception& e) { // the database unreachable or failing mid-run: rerun later
        std::cerr << "asistencia-server rekey: " << e.what() << '\n';
        return 1;
    }
}

} // namespace

int main(int argc, char** argv) {
    using namespace asistencia;
    const std::vector<std::string> args(argv + 1, argv + argc);
    try {
        if (!args.empty() && (args[0] == "--help" || args[0] == "-h" || args[0] == "help")) {
            std::cout << main::help_text();
            return 0;
        }
        if (!args.empty() && args[0] == "migrate") {
            return migrate(std::vector<std::string>(args.begin() + 1, args.end()));
        }
        if (!args.empty() && args[0] == "rekey") {
            return rekey(std::vector<std::string>(args.begin() + 1, args.end()));
        }
        if (!args.empty()) {
            std::cerr << "asistencia-server: unknown argument '" << args[0] << "' (see --help)\n";
            return 2;
        }
        const main::config cfg = main::load_config_from_environment();
        auto access_log = main::setup_logging(cfg.log_level);
        return main::run_server(cfg, std::move(access_log));
    } catch (const main::config_error& e) {
        std::cerr << "asistencia-server: configuration error: " << e.what() << '\n';
        return 2;
    } catch (const std::exception& e) {
        // Startup failures (migrations refused, port in use): say what and stop.
        spdlog::critical("startup failed: {}", e.what());
        std::cerr << "asistencia-server: " << e.what() << '\n';
        return 1;
    }
}
