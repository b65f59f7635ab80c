// enrollment.devices and enrollment_history; see device_repository.hpp.
#include "asistencia/infra/repositories/device_repository.hpp"

#include <pqxx/pqxx>

#include <sstream>

namespace asistencia::infra::repositories {

namespace {

// Every read returns the same columns in this order (see to_device).
constexpr const char* device_columns =
    "device_id, user_id, credential_id, public_key, handshake_secret, aaguid, "
    "device_fingerprint, COALESCE(attestation_format, ''), COALESCE(sign_count, 0), "
    "to_char(enrolled_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
    "to_char(last_used_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
    "COALESCE(is_active, FALSE), backup_eligible, backup_state, "
    "array_to_string(transports, ','), possibly_cloned";

std::string select_devices(const std::string& where) {
    return std::string("SELECT ") + device_columns + " FROM enrollment.devices WHERE " + where;
}

std::vector<std::string> split_transports(const std::string& joined) {
    std::vector<std::string> out;
    std::stringstream in(joined);
    for (std::string t; std::getline(in, t, ',');) {
        if (!t.empty()) out.push_back(t);
    }
    return out;
}

// Transport names are WebAuthn tokens (usb, nfc, ble, internal, hybrid, smart-card): the
// page's list is filtered to those characters so the comma join cannot be confused.
std::string join_transports(const std::vector<std::string>& ts) {
    std::string out;
    for (const auto& t : ts) {
        bool plain = !t.empty() && t.size() <= 32;
        for (char c : t) plain = plain && ((c >= 'a' && c <= 'z') || c == '-');
        if (!plain) continue;
        if (!out.empty()) out += ',';
        out += t;
    }
    return out;
}

device to_device(const pqxx::row& r) {
    device d;
    d.device_id = r[0].as<std::int64_t>();
    d.user_id = r[1].as<std::int64_t>();
    d.credential_id = r[2].as<std::string>();
    d.public_key_pem = r[3].as<std::string>();
    d.sealed_secret = r[4].as<std::string>();
    d.aaguid = r[5].as<std::string>();
    d.fingerprint = r[6].as<std::string>();
    d.attestation_format = r[7].as<std::string>();
    d.sign_count = static_cast<std::uint32_t>(r[8].as<std::int64_t>());
    d.enrolled_at = r[9].as<std::string>();
    if (!r[10].is_null()) d.last_used_at = r[10].as<std::string>();
    d.is_active = r[11].as<bool>();
    d.backup_eligible = r[12].as<bool>();
    d.backup_state = r[13].as<bool>();
    d.transports = split_transports(r[14].as<std::string>());
    d.possibly_cloned = r[15].as<bool>();
    return d;
}

std::optional<device> first_device(const pqxx::result& res) {
    if (res.empty()) return std::nullopt;
    return to_device(res[0]);
}

// performed_by 0 means "the user themself" (userIds start at 1) and is stored as NULL.
constexpr const char* insert_history =
    "INSERT INTO enrollment.enrollment_history "
    "(device_id, user_id, action, reason, performed_by, metadata) "
    "VALUES ($1, $2, $3, NULLIF($4, ''), NULLIF($5, 0), $6::jsonb)";

std::int64_t actor(const audit_context& a) { return a.performed_by.value_or(0); }

} // namespace

device_repository::device_repository(postgres::pool& pool) : pool_(pool) {
    pool_.prepare("device_find_active", select_devices("user_id = $1 AND is_active"));
    pool_.prepare("device_find_by_credential", select_devices("credential_id = $1"));
    pool_.prepare("device_find_by_id", select_devices("device_id = $1"));
    pool_.prepare("device_since_last_enrollment",
                  "SELECT EXTRACT(EPOCH FROM (NOW() - MAX(performed_at)))::bigint "
                  "FROM enrollment.enrollment_history "
                  "WHERE user_id = $1 AND action = 'enrolled'");
    // Only an admin's revocation lifts the cool-down (a professor's or the student's own
    // does not): the history's metadata names the actor's role.
    pool_.prepare("device_staff_revoked",
                  "SELECT EXISTS (SELECT 1 FROM enrollment.enrollment_history r "
                  "WHERE r.user_id = $1 AND r.action = 'revoked' AND r.metadata->>'actorRole' = 'admin' "
                  "AND r.performed_at >= (SELECT MAX(e.performed_at) FROM enrollment.enrollment_history e "
                  "WHERE e.user_id = $1 AND e.action = 'enrolled'))");
    pool_.prepare("device_deactivate_user",
                  "UPDATE enrollment.devices SET is_active = FALSE "
                  "WHERE user_id = $1 AND is_active RETURNING device_id");
    pool_.prepare("device_insert", std::string("INSERT INTO enrollment.devices (user_id, credential_id, "
                                               "public_key, handshake_secret, aaguid, device_fingerprint, "
                                               "attestation_format, sign_count, backup_eligible, backup_state, "
                                               "transports) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
                                               "COALESCE(string_to_array(NULLIF($11, ''), ','), '{}')) RETURNING ") +
                                       device_columns);
    pool_.prepare("device_revoke",
                  "UPDATE enrollment.devices SET is_active = FALSE "
                  "WHERE device_id = $1 AND is_active RETURNING user_id");
    // The stored counter only moves forward (WebAuthn L2 7.2 step 21): a regressed counter
    // flags the device but never lowers what a later assertion is compared with.
    pool_.prepare("device_end_registrations",
                  "UPDATE attendance.registrations r SET status = 'failed', flag_reason = $2 "
                  "FROM attendance.sessions s WHERE s.session_id = r.session_id AND s.status = 'active' "
                  "AND r.device_id = $1 AND COALESCE(r.status, 'active') <> 'failed' "
                  "RETURNING r.session_id, r.user_id, r.registration_id");
    pool_.prepare("device_record_assertion",
                  "UPDATE enrollment.devices SET sign_count = GREATEST(COALESCE(sign_count, 0), $2), "
                  "backup_eligible = $3, "
                  "backup_state = $4, last_used_at = NOW(), "
                  "possibly_cloned = possibly_cloned OR $5 "
                  "WHERE device_id = $1 RETURNING user_id");
    pool_.prepare("device_history", insert_history);
}

net::awaitable<std::optional<device>> device_repository::find_active(std::int64_t user_id) {
    co_return co_await pool_.with_single_statement("device_find_active", [user_id](pqxx::nontransaction& tx) {
        return first_device(tx.exec_prepared("device_find_active", user_id));
    });
}

net::awaitable<std::optional<device>> device_repository::find_by_credential(std::string credential_id) {
    co_return co_await pool_.with_single_statement(
        "device_find_by_credential", [&credential_id](pqxx::nontransaction& tx) {
            return first_device(tx.exec_prepared("device_find_by_credential", credential_id));
        });
}

net::awaitable<std::optional<device>> device_repository::find_by_id(std::int64_t device_id) {
    co_return co_await pool_.with_single_statement("device_find_by_id", [device_id](pqxx::nontransaction& tx) {
        return first_device(tx.exec_prepared("device_find_by_id", device_id));
    });
}

net::awaitable<std::optional<std::chrono::seconds>> device_repository::since_last_enrollment(std::int64_t user_id) {
    co_return co_await pool_.with_single_statement(
        "device_since_last_enrollment", [user_id](pqxx::nontransaction& tx) -> std::optional<std::chrono::seconds> {
            const auto r = tx.exec_prepared1("device_since_last_enrollment", user_id);
            if (r[0].is_null()) return std::nullopt;
            return std::chrono::seconds(r[0].as<std::int64_t>());
        });
}

net::awaitable<bool> device_repository::staff_revoked_since_last_enrollment(std::int64_t user_id) {
    co_return co_await pool_.with_single_statement("device_staff_revoked", [user_id](pqxx::nontransaction& tx) {
        return tx.exec_prepared1("device_staff_revoked", user_id)[0].as<bool>();
    });
}

namespace {
// Ends the device's registrations in active sessions (PROTOCOL.md 6.6: ERROR with a reason).
void end_registrations(pqxx::work& w, std::int64_t device_id, const std::string& reason,
                       std::vector<application::enrollment::superseded_registration>* out) {
    for (const auto& row : w.exec_prepared("device_end_registrations", device_id, reason)) {
        if (out) out->push_back({row[0].as<std::int64_t>(), row[1].as<std::int64_t>(), row[2].as<std::int64_t>()});
    }
}
} // namespace

net::awaitable<device> device_repository::enroll(
    new_device d, audit_context audit, std::vector<application::enrollment::superseded_registration>* superseded) {
    co_return co_await pool_.with_transaction("device_enroll", [&](pqxx::work& w) {
        if (superseded) superseded->clear(); // a retried transaction starts again
        const auto previous = w.exec_prepared("device_deactivate_user", d.user_id);
        for (const auto& row : previous) {
            w.exec_prepared("device_history", row[0].as<std::int64_t>(), d.user_id, "re-enrolled", audit.reason,
                            actor(audit), audit.metadata_json);
            end_registrations(w, row[0].as<std::int64_t>(), "device replaced by a new enrollment", superseded);
        }
        const auto inserted =
            w.exec_prepared1("device_insert", d.user_id, d.credential_id, d.public_key_pem, d.sealed_secret, d.aaguid,
                             d.fingerprint, d.attestation_format, static_cast<std::int64_t>(d.sign_count),
                             d.backup_eligible, d.backup_state, join_transports(d.transports));
        device stored = to_device(inserted);
        w.exec_prepared("device_history", stored.device_id, d.user_id, "enrolled", audit.reason, actor(audit),
                        audit.metadata_json);
        return stored;
    });
}

net::awaitable<std::optional<application::enrollment::revocation>> device_repository::revoke(std::int64_t device_id,
                                                                                             audit_context audit) {
    co_return co_await pool_.with_transaction(
        "device_revoke", [&](pqxx::work& w) -> std::optional<application::enrollment::revocation> {
            const auto r = w.exec_prepared("device_revoke", device_id);
            if (r.empty()) return std::nullopt;
            application::enrollment::revocation out;
            out.device_id = device_id;
            out.user_id = r[0][0].as<std::int64_t>();
            w.exec_prepared("device_history", device_id, out.user_id, "revoked", audit.reason, actor(audit),
                            audit.metadata_json);
            end_registrations(w, device_id, "device revoked: " + audit.reason, &out.superseded);
            return out;
        });
}

net::awaitable<void> device_repository::record_assertion(std::int64_t device_id, std::uint32_t sign_count,
                                                         bool backup_eligible, bool backup_state,
                                                         std::optional<std::string> cloned_reason) {
    co_await pool_.with_transaction("device_record_assertion", [&](pqxx::work& w) {
        const auto r = w.exec_prepared("device_record_assertion", device_id, static_cast<std::int64_t>(sign_count),
                                       backup_eligible, backup_state, cloned_reason.has_value());
        if (r.empty() || !cloned_reason) return;
        w.exec_prepared("device_history", device_id, r[0][0].as<std::int64_t>(), "updated", *cloned_reason,
                        std::int64_t{0}, std::string("{}"));
    });
}

} // namespace asistencia::infra::repositories
