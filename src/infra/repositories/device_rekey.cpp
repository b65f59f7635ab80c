// Re-sealing of the device secrets with the current master key; see device_rekey.hpp.
#include "asistencia/infra/repositories/device_rekey.hpp"

#include <pqxx/pqxx>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <memory>
#include <stdexcept>

namespace asistencia::infra::repositories {
namespace {

namespace crypto = domain::crypto;

constexpr const char* select_batch_sql =
    "SELECT device_id, credential_id, handshake_secret FROM enrollment.devices "
    "WHERE device_id > $1 AND handshake_secret NOT LIKE $2 ORDER BY device_id LIMIT $3";
constexpr const char* update_sql =
    "UPDATE enrollment.devices SET handshake_secret = $3 WHERE device_id = $1 AND handshake_secret = $2";
// The version prefix of every row ("v12." -> "v12"), counted.
constexpr const char* count_sql =
    "SELECT coalesce(substring(handshake_secret FROM '^(v[1-9][0-9]{0,3})\\.'), 'unknown'), count(*) "
    "FROM enrollment.devices GROUP BY 1 ORDER BY 1";

// A dedicated blocking connection (an operator command, not the server's pool), without
// the pool's statement timeout.
std::unique_ptr<pqxx::connection> open(const postgres::pg_settings& s) {
    postgres::pg_settings m = s;
    m.statement_timeout = std::chrono::milliseconds(0);
    m.application_name = s.application_name + " rekey";
    try {
        return std::make_unique<pqxx::connection>(postgres::conninfo(m));
    } catch (const std::exception& e) {
        throw std::runtime_error("cannot connect to the database (" + postgres::redacted_conninfo(m) +
                                 "): " + e.what());
    }
}

struct batch_result {
    int rows = 0;
    std::int64_t last_id = 0;
};

// One batch in one transaction: open each secret with its own key, seal with the current one.
batch_result rekey_batch(pqxx::connection& c, const crypto::at_rest_key_ring& ring, std::int64_t after, int batch_size,
                         rekey_report& report) {
    const std::string current_like = "v" + std::to_string(ring.current_version) + ".%";
    pqxx::work tx(c);
    const auto rows = tx.exec_params(select_batch_sql, after, current_like, batch_size);
    batch_result b;
    for (const auto& row : rows) {
        b.last_id = row[0].as<std::int64_t>();
        ++b.rows;
        const auto credential_id = row[1].as<std::string>();
        const auto old_sealed = row[2].as<std::string>();
        auto secret = crypto::open_at_rest(ring, old_sealed, credential_id);
        if (!secret) {
            ++report.unreadable;
            continue;
        }
        const auto resealed = crypto::seal_at_rest(ring, *secret, credential_id);
        std::fill(secret->begin(), secret->end(), 0);
        const auto updated = tx.exec_params(update_sql, b.last_id, old_sealed, resealed);
        if (updated.affected_rows() == 1) {
            ++report.resealed;
        } else {
            ++report.raced;
        }
    }
    tx.commit();
    return b;
}

} // namespace

rekey_report rekey_device_secrets(const postgres::pg_settings& db, const crypto::at_rest_key_ring& ring, int batch_size,
                                  std::ostream& progress) {
    auto c = open(db);
    rekey_report report;
    std::int64_t after = 0;
    for (;;) {
        const auto b = rekey_batch(*c, ring, after, batch_size, report);
        if (b.rows == 0) break;
        after = b.last_id;
        progress << "rekey: " << report.resealed << " re-sealed so far (up to device " << after << ")\n";
    }
    pqxx::read_transaction tx(*c);
    for (const auto& row : tx.exec(count_sql)) {
        report.by_version[row[0].as<std::string>()] = row[1].as<std::int64_t>();
    }
    return report;
}

int run_rekey_command(const std::vector<std::string>& args, const postgres::pg_settings& db,
                      const crypto::at_rest_key_ring& ring, std::ostream& out, std::ostream& err) {
    constexpr const char* usage =
        "usage: asistencia-server rekey [--batch N]\n"
        "  re-seals every device secret with the current master key (SERVER_MASTER_KEY, version\n"
        "  SERVER_MASTER_KEY_VERSION), opening each with the key its vN. prefix names\n"
        "  (SERVER_MASTER_KEYS_PREVIOUS_FILE); N rows per transaction (1-10000, default 500)\n";
    int batch = 500;
    if (args.size() == 2 && args[0] == "--batch") {
        const auto [end, ec] = std::from_chars(args[1].data(), args[1].data() + args[1].size(), batch);
        if (ec != std::errc{} || end != args[1].data() + args[1].size() || batch < 1 || batch > 10000) {
            err << usage;
            return 2;
        }
    } else if (!args.empty()) {
        err << usage;
        return 2;
    }
    const auto report = rekey_device_secrets(db, ring, batch, out);
    const std::string current = "v" + std::to_string(ring.current_version);
    out << "rekey: " << report.resealed << " re-sealed with " << current << ", " << report.unreadable
        << " open with no known key, " << report.raced << " changed meanwhile\n";
    std::int64_t behind = 0;
    for (const auto& [version, rows] : report.by_version) {
        out << "rekey: " << rows << " device(s) on " << version << (version == current ? " (current)" : "") << "\n";
        if (version != current) behind += rows;
    }
    if (behind > 0) {
        err << "rekey: " << behind << " device(s) are not on " << current
            << ": keep their keys in SERVER_MASTER_KEYS_PREVIOUS_FILE (run rekey again for changed rows)\n";
        return 1;
    }
    return 0;
}

} // namespace asistencia::infra::repositories
