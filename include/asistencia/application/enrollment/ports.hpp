// What the enrollment use case needs from the outside world (implemented in infra):
// the device table, the short-lived ceremony state and lock in Valkey, the legacy user
// directory, and the WebAuthn registration verifier.
#pragma once

#include "asistencia/application/enrollment/device.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace asistencia::application::enrollment {

namespace net = boost::asio;
using bytes = std::vector<std::uint8_t>;

// A class registration of a device that stopped being the student's enrolled phone while
// its session was active (PROTOCOL.md 6.6: its result becomes ERROR).
struct superseded_registration {
    std::int64_t session_id = 0;
    std::int64_t user_id = 0;
    std::int64_t registration_id = 0;
};

struct revocation {
    std::int64_t device_id = 0;
    std::int64_t user_id = 0;
    std::vector<superseded_registration> superseded;
};

class device_store {
public:
    virtual ~device_store() = default;
    virtual net::awaitable<std::optional<device>> find_active(std::int64_t user_id) = 0;
    virtual net::awaitable<std::optional<device>> find_by_credential(std::string credential_id) = 0;
    virtual net::awaitable<std::optional<device>> find_by_id(std::int64_t device_id) = 0;
    virtual net::awaitable<std::optional<std::chrono::seconds>> since_last_enrollment(std::int64_t user_id) = 0;
    // True when a professor/admin (performed_by set) revoked a device of the user after the
    // user's last enrollment: that revocation lifts the re-enrollment cool-down.
    virtual net::awaitable<bool> staff_revoked_since_last_enrollment(std::int64_t user_id) = 0;
    // Stores the device; a previous active device is deactivated (history `re-enrolled`)
    // and its registrations in active sessions are ended (`superseded`).
    virtual net::awaitable<device> enroll(new_device d, audit_context audit,
                                          std::vector<superseded_registration>* superseded = nullptr) = 0;
    // Deactivates the device (history `revoked`) and ends its registrations in active
    // sessions, in one transaction; nullopt when no active device has this id.
    virtual net::awaitable<std::optional<revocation>> revoke(std::int64_t device_id, audit_context audit) = 0;
    // After a verified assertion (the class join): counter, flags, last use; a possibly
    // cloned device is flagged and history gets `updated` with the reason.
    virtual net::awaitable<void> record_assertion(std::int64_t device_id, std::uint32_t sign_count,
                                                  bool backup_eligible, bool backup_state,
                                                  std::optional<std::string> cloned_reason) = 0;
};

// One registration ceremony between start and finish.
struct ceremony {
    bytes challenge;
    bytes server_private_key; // ECDH P-256 scalar (the store seals it at rest)
    std::string lock_token;   // the owner token of lock:enrollment:{userId}
};

class ceremony_store {
public:
    virtual ~ceremony_store() = default;
    // lock:enrollment:{userId} with SET NX EX and a random owner token; nullopt when
    // another ceremony holds it.
    virtual net::awaitable<std::optional<std::string>> lock(std::int64_t user_id, std::chrono::seconds ttl) = 0;
    // Compare-and-delete: releases the lock only while it still holds `token` (a lock that
    // expired and was taken by another ceremony is left alone).
    virtual net::awaitable<void> unlock(std::int64_t user_id, std::string token) = 0;
    virtual net::awaitable<void> put(std::int64_t user_id, const ceremony& c, std::chrono::seconds ttl) = 0;
    // Returns and deletes the ceremony atomically: a challenge is used once.
    virtual net::awaitable<std::optional<ceremony>> take(std::int64_t user_id) = 0;
};

struct directory_user {
    std::int64_t user_id = 0;
    std::string nombre;
    std::string email;
    bool super_admin = false; // the legacy permisos.superAdmin
};

class user_directory {
public:
    virtual ~user_directory() = default;
    virtual net::awaitable<directory_user> user(std::int64_t user_id) = 0;
    // True when `student_id` is on the list of a course `professor_id` teaches in the
    // current semester (PHP bridge: the professor's courses, the lists through the cache).
    virtual net::awaitable<bool> teaches_student(std::int64_t professor_id, std::int64_t student_id) = 0;
};

// Told after a device stopped being enrolled (revoked or replaced) while it was registered
// in active sessions, so the class loop drops its cached round state at once.
class revocation_listener {
public:
    virtual ~revocation_listener() = default;
    virtual net::awaitable<void> registrations_ended(std::vector<superseded_registration> ended,
                                                     std::string reason) = 0;
};

struct registration_to_verify {
    std::span<const std::uint8_t> client_data_json;
    std::span<const std::uint8_t> attestation_object;
    std::span<const std::uint8_t> expected_challenge;
};

struct verified_registration {
    bytes credential_id;
    std::string public_key_pem;
    int algorithm = 0;
    std::string aaguid;
    std::string format;
    std::uint32_t sign_count = 0;
    bool backup_eligible = false;
    bool backup_state = false;
};

// A refused registration: the failed check's name (e.g. "challenge_mismatch").
struct registration_refused {
    std::string reason;
};

class registration_verifier {
public:
    virtual ~registration_verifier() = default;
    virtual std::variant<verified_registration, registration_refused> verify(
        const registration_to_verify& input) const = 0;
};

} // namespace asistencia::application::enrollment
