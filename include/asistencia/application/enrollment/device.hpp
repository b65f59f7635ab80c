// An enrolled phone (enrollment.devices) as the use cases see it: no database types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace asistencia::application::enrollment {

// What a successful registration ceremony produces (PROTOCOL.md section 5 step 3).
struct new_device {
    std::int64_t user_id = 0;
    std::string credential_id;      // base64url of the raw credential id
    std::string public_key_pem;     // SPKI PEM of the credential key
    std::string sealed_secret;      // handshake_secret sealed at rest ("v1." ...)
    std::string aaguid;             // canonical UUID text
    std::string fingerprint;        // deviceFingerprint from the page
    std::string attestation_format; // none, packed, fido-u2f, tpm, ...
    std::uint32_t sign_count = 0;
    bool backup_eligible = false;
    bool backup_state = false;
    std::vector<std::string> transports;
};

struct device : new_device {
    std::int64_t device_id = 0;
    std::string enrolled_at;                 // ISO 8601 UTC, e.g. 2026-11-22T19:00:00.000Z
    std::optional<std::string> last_used_at; // same format
    bool is_active = true;
    bool possibly_cloned = false;
};

// Who did something and why, for enrollment.enrollment_history.
struct audit_context {
    std::optional<std::int64_t> performed_by; // userId of the actor (professor/admin)
    std::string reason;
    std::string metadata_json = "{}"; // user agent, aaguid, fmt, ...
};

} // namespace asistencia::application::enrollment
