// Enrollment (PROTOCOL.md section 5): a student binds one phone with a passkey and an
// ECDH handshake. The service owns the rules (lock, cool-down, single-use challenge, one
// active device, re-enrollment, revocation, history) and the handshake secret, which it
// only ever stores sealed and never returns.
#pragma once

#include "asistencia/application/enrollment/ports.hpp"

#include <nlohmann/json.hpp>

namespace asistencia::application::enrollment {

struct enrollment_settings {
    std::string rp_id = "localhost";
    std::string rp_name = "Asistencia";
    std::string attestation = "none"; // what the options ask for: none | direct
    std::chrono::seconds ceremony_ttl{120};
    std::chrono::seconds lock_ttl{60};
    std::chrono::hours reenroll_cooldown{168};
    bytes master_key; // SERVER_MASTER_KEY (seals the handshake secret at rest)
};

struct finish_request {
    std::string credential_id;           // credential.id (base64url)
    std::string raw_id;                  // credential.rawId (base64url), must equal id
    std::string client_data_json;        // base64url
    std::string attestation_object;      // base64url
    std::vector<std::string> transports; // credential.response.transports
    std::string client_handshake_key;    // base64url raw P-256 point
    std::string device_fingerprint;
    std::string user_agent; // for the history's metadata
};

class enrollment_service {
public:
    enrollment_service(enrollment_settings settings, device_store& devices, ceremony_store& ceremonies,
                       user_directory& directory, const registration_verifier& verifier);

    // {publicKey: PublicKeyCredentialCreationOptionsJSON, serverHandshakeKey}.
    net::awaitable<nlohmann::json> start(std::int64_t user_id);
    // {enrolled: true, deviceId, enrolledAt, aaguid}.
    net::awaitable<nlohmann::json> finish(std::int64_t user_id, finish_request request);
    // Ends the user's ceremony without a device (a finish whose body could not be read):
    // the challenge is consumed and the lock released, as for any failed finish.
    net::awaitable<void> abandon(std::int64_t user_id);
    // The seed's shape: {enrolled, deviceId, enrolledAt, deviceInfo: {aaguid, lastUsed}}.
    net::awaitable<nlohmann::json> status(std::int64_t user_id);
    // For the student's page: {enrolled, deviceId, enrolledAt, aaguid, lastUsed,
    // backupEligible, reenrollAllowedAt}.
    net::awaitable<nlohmann::json> me(std::int64_t user_id);
    // Revokes a device: its owner (performed_by = nullopt) or a professor/admin.
    net::awaitable<nlohmann::json> revoke(std::int64_t device_id, audit_context audit);
    net::awaitable<std::optional<device>> active_device(std::int64_t user_id) {
        return devices_.find_active(user_id);
    }

private:
    net::awaitable<nlohmann::json> start_locked(std::int64_t user_id);
    net::awaitable<void> release(std::int64_t user_id);
    net::awaitable<nlohmann::json> finish_locked(std::int64_t user_id, finish_request request, ceremony c);

    enrollment_settings settings_;
    device_store& devices_;
    ceremony_store& ceremonies_;
    user_directory& directory_;
    const registration_verifier& verifier_;
};

} // namespace asistencia::application::enrollment
