// Enrollment (PROTOCOL.md section 5): a student binds one phone with a passkey and an
// ECDH handshake. The service owns the rules (lock, cool-down, single-use challenge, one
// active device, re-enrollment, revocation, history) and the handshake secret, which it
// only ever stores sealed and never returns.
#pragma once

#include "asistencia/application/enrollment/ports.hpp"
#include "asistencia/domain/crypto/protocol_keys.hpp"

#include <optional>
#include <string>
#include <vector>

namespace asistencia::application::enrollment {

struct enrollment_settings {
    std::string rp_id = "localhost";
    std::string rp_name = "Asistencia";
    std::string attestation = "none"; // what the options ask for: none | direct
    std::chrono::seconds ceremony_ttl{120};
    std::chrono::seconds lock_ttl{60};
    std::chrono::hours reenroll_cooldown{168};
    domain::crypto::at_rest_key_ring at_rest_keys; // the master keys (seals the handshake secret at rest)
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

// Who asks for a revocation (from their token): a student, or a professor (whose legacy
// permisos.superAdmin makes them an admin).
struct revoker {
    std::int64_t user_id = 0;
    bool student = true;
};

// The body of POST /api/enrollment/revoke.
struct revoke_request {
    std::optional<std::int64_t> user_id;
    std::optional<std::int64_t> device_id;
    std::string reason;
};

// What the phone needs to create its passkey (WebAuthn creation options, plain values; the
// transport spells them as PublicKeyCredentialCreationOptionsJSON).
struct credential_descriptor {
    std::string id; // base64url
    std::vector<std::string> transports;
};
struct creation_options {
    std::string rp_id;
    std::string rp_name;
    std::string user_handle; // base64url of the decimal user id
    std::string user_name;
    std::string user_display_name;
    std::string challenge; // base64url
    // COSE algorithms, ES256 first; RS256 and EdDSA for authenticators that only have those.
    std::vector<int> algorithms{-7, -257, -8};
    std::int64_t timeout_ms = 0;
    std::vector<credential_descriptor> exclude_credentials; // the current device, if any
    std::string attestation;                                // none | direct
    std::string user_verification = "required";
    std::string resident_key = "preferred";
};
struct start_result {
    creation_options options;
    std::string server_handshake_key; // base64url raw P-256 point
};

// A device just enrolled.
struct enrolled_device {
    std::int64_t device_id = 0;
    std::string enrolled_at;
    std::string aaguid;
};

// The user's enrollment for their own page: the active device (none: not enrolled) and
// how long until another enrollment is allowed.
struct enrollment_summary {
    std::optional<device> active;
    std::int64_t reenroll_in_seconds = 0;
};

struct revoke_result {
    std::int64_t device_id = 0;
};

class enrollment_service {
public:
    enrollment_service(enrollment_settings settings, device_store& devices, ceremony_store& ceremonies,
                       user_directory& directory, const registration_verifier& verifier);

    // The creation options and the server's handshake key.
    net::awaitable<start_result> start(std::int64_t user_id);
    net::awaitable<enrolled_device> finish(std::int64_t user_id, finish_request request);
    // Ends the user's ceremony without a device (a finish whose body could not be read):
    // the challenge is consumed and the lock released, as for any failed finish.
    net::awaitable<void> abandon(std::int64_t user_id);
    // The active device, if any (for PHP and the user themself).
    net::awaitable<std::optional<device>> status(std::int64_t user_id);
    // For the student's page: the active device and the re-enrollment wait.
    net::awaitable<enrollment_summary> me(std::int64_t user_id);
    // Revokes a device (PROTOCOL.md 5.5): a student their own; a professor only a device of
    // a student on one of their courses this semester; an admin any. Refusals are
    // errc::forbidden and change nothing; the history records performed_by, the reason and the actor's role.
    net::awaitable<revoke_result> revoke(const revoker& who, revoke_request request);
    // Told when a device stops being enrolled while registered in active sessions.
    void set_revocation_listener(revocation_listener* listener) noexcept { listener_ = listener; }

private:
    net::awaitable<start_result> start_locked(std::int64_t user_id, std::string lock_token);
    net::awaitable<void> release(std::int64_t user_id, std::string token);
    net::awaitable<void> notify(std::vector<superseded_registration> ended, std::string reason);
    net::awaitable<enrolled_device> finish_locked(std::int64_t user_id, finish_request request, ceremony c);

    enrollment_settings settings_;
    device_store& devices_;
    ceremony_store& ceremonies_;
    user_directory& directory_;
    const registration_verifier& verifier_;
    revocation_listener* listener_ = nullptr;
};

} // namespace asistencia::application::enrollment
