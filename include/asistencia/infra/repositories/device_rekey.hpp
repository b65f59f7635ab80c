// `asistencia-server rekey`: re-seals every device secret at rest (enrollment.devices.
// handshake_secret) with the current master key, so an older key can leave the key ring
// (docs/operations.md, "The master key").
#pragma once

#include "asistencia/domain/crypto/protocol_keys.hpp"
#include "asistencia/infra/postgres/settings.hpp"

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace asistencia::infra::repositories {

struct rekey_report {
    std::int64_t resealed = 0;                      // rows now sealed with the current key
    std::int64_t unreadable = 0;                    // rows no key of the ring opens (left as they are)
    std::int64_t raced = 0;                         // rows that changed between the read and the update (left)
    std::map<std::string, std::int64_t> by_version; // after the run: "v2" -> rows, "unknown" -> rows
};

// Walks the rows not sealed with the current version in batches of `batch_size`, one
// transaction per batch; each update is conditional on the old value, so a concurrent
// re-enrollment wins. Idempotent; an interrupted run is finished by running it again.
rekey_report rekey_device_secrets(const postgres::pg_settings& db, const domain::crypto::at_rest_key_ring& ring,
                                  int batch_size, std::ostream& progress);

// The command line: `rekey [--batch N]`. Prints the report; exit 0 when every row is on
// the current version, 1 when some are not (unreadable or raced), 2 on a usage error.
int run_rekey_command(const std::vector<std::string>& args, const postgres::pg_settings& db,
                      const domain::crypto::at_rest_key_ring& ring, std::ostream& out, std::ostream& err);

} // namespace asistencia::infra::repositories
