// Enrollment use case; see enrollment_service.hpp.
#include "asistencia/application/enrollment/enrollment_service.hpp"

#include "asistencia/application/errors.hpp"
#include "asistencia/domain/crypto/ecdh.hpp"
#include "asistencia/domain/crypto/protocol_keys.hpp"
#include "asistencia/domain/encoding/base64.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace asistencia::application::enrollment {

namespace {

using nlohmann::json;
namespace enc = domain::encoding;
namespace crypto = domain::crypto;

constexpr std::size_t max_field = std::size_t{48} * 1024; // attestationObject (a TPM one ~4 KiB), base64url
constexpr std::size_t max_fingerprint = 256;

bytes decode_field(const std::string& text, const char* name, std::size_t max = max_field) {
    if (text.empty() || text.size() > max) {
        throw malformed("invalid_field", std::string(name) + " is missing or too long");
    }
    auto b = enc::base64url_decode(text);
    if (!b) throw malformed("invalid_field", std::string(name) + " is not base64url");
    return std::move(*b);
}

creation_options options_for(const enrollment_settings& s, std::int64_t user_id, const directory_user& who,
                             const bytes& challenge, const std::optional<device>& current) {
    creation_options o;
    o.rp_id = s.rp_id;
    o.rp_name = s.rp_name;
    o.user_handle = enc::base64url_encode(std::to_string(user_id));
    o.user_name = who.email.empty() ? std::to_string(user_id) : who.email;
    o.user_display_name = who.nombre.empty() ? o.user_name : who.nombre;
    o.challenge = enc::base64url_encode(challenge);
    o.timeout_ms = std::chrono::duration_cast<std::chrono::milliseconds>(s.ceremony_ttl).count();
    if (current) o.exclude_credentials.push_back({current->credential_id, current->transports});
    o.attestation = s.attestation;
    return o;
}

} // namespace

enrollment_service::enrollment_service(enrollment_settings settings, device_store& devices, ceremony_store& ceremonies,
                                       user_directory& directory, const registration_verifier& verifier)
    : settings_(std::move(settings)),
      devices_(devices),
      ceremonies_(ceremonies),
      directory_(directory),
      verifier_(verifier) {}

net::awaitable<start_result> enrollment_service::start(std::int64_t user_id) {
    // (The awaited value goes through a variable: GCC 12 miscompiled `if (!co_await ...)
    // throw` in this file into an illegal instruction.)
    const auto token = co_await ceremonies_.lock(user_id, settings_.lock_ttl);
    if (!token) {
        throw conflict("enrollment_in_progress",
                       "another enrollment of this user is in progress; try again in a minute");
    }
    // A start that fails leaves nothing behind: the phone may try again at once.
    std::exception_ptr error;
    start_result result;
    try {
        result = co_await start_locked(user_id, *token);
    } catch (...) {
        error = std::current_exception();
    }
    if (error) {
        co_await release(user_id, *token);
        std::rethrow_exception(error);
    }
    co_return result;
}

net::awaitable<void> enrollment_service::release(std::int64_t user_id, std::string token) {
    // A ceremony stored before lock tokens existed has none: its lock just expires.
    if (token.empty()) co_return;
    try {
        co_await ceremonies_.unlock(user_id, std::move(token));
    } catch (const std::exception& e) {
        // The lock expires by itself (lock_ttl); nothing else depends on it.
        spdlog::warn("enrollment: could not release the lock of user {}: {}", user_id, e.what());
    }
}

net::awaitable<start_result> enrollment_service::start_locked(std::int64_t user_id, std::string lock_token) {
    const auto current = co_await devices_.find_active(user_id);
    // The cool-down counts from the last enrollment whether or not that device is still
    // active (a student revoking their own phone does not skip it, nor does a professor's
    // revocation); a revocation by an admin (legacy super admin) lifts it, so a lost phone
    // has a way back.
    const auto since = co_await devices_.since_last_enrollment(user_id);
    const auto cooldown = std::chrono::duration_cast<std::chrono::seconds>(settings_.reenroll_cooldown);
    if (since && *since < cooldown) {
        const bool lifted = co_await devices_.staff_revoked_since_last_enrollment(user_id);
        if (!lifted) {
            const auto wait = (cooldown - *since).count();
            throw rate_limited("reenroll_cooldown",
                               "this account enrolled a phone recently; it can enroll another one later",
                               static_cast<int>(std::min<long long>(wait, 2147483647)));
        }
    }
    const auto who = co_await directory_.user(user_id);
    ceremony c;
    c.challenge = crypto::random_bytes(32);
    auto keys = crypto::ecdh_generate();
    c.server_private_key = keys.private_scalar;
    c.lock_token = std::move(lock_token);
    co_await ceremonies_.put(user_id, c, settings_.ceremony_ttl);
    start_result out;
    out.options = options_for(settings_, user_id, who, c.challenge, current);
    out.server_handshake_key = enc::base64url_encode(keys.public_raw);
    co_return out;
}

net::awaitable<enrolled_device> enrollment_service::finish(std::int64_t user_id, finish_request request) {
    auto c = co_await ceremonies_.take(user_id);
    if (!c) {
        throw malformed("no_enrollment_in_progress", "the enrollment expired or was already used; start again");
    }
    // Whatever happens now, this ceremony is over: its challenge is consumed and the lock
    // released, so the phone can start again at once.
    std::exception_ptr error;
    enrolled_device result;
    const std::string lock_token = c->lock_token;
    try {
        result = co_await finish_locked(user_id, std::move(request), std::move(*c));
    } catch (...) {
        error = std::current_exception();
    }
    co_await release(user_id, lock_token);
    if (error) std::rethrow_exception(error);
    co_return result;
}

net::awaitable<enrolled_device> enrollment_service::finish_locked(std::int64_t user_id, finish_request r, ceremony c) {
    if (r.credential_id.empty() || r.credential_id != r.raw_id) {
        throw malformed("invalid_field", "credential.id and credential.rawId must be present and equal");
    }
    const auto raw_id = decode_field(r.raw_id, "credential.rawId", 1024);
    const auto client_data = decode_field(r.client_data_json, "response.clientDataJSON");
    const auto attestation = decode_field(r.attestation_object, "response.attestationObject");
    const auto client_key = decode_field(r.client_handshake_key, "clientHandshakeKey", 128);
    if (!crypto::ecdh_public_key_valid(client_key)) {
        throw malformed("invalid_handshake_key", "clientHandshakeKey is not a P-256 public key");
    }
    if (r.device_fingerprint.size() > max_fingerprint) {
        throw malformed("invalid_field", "deviceFingerprint is too long");
    }

    const auto verified = verifier_.verify({client_data, attestation, c.challenge});
    if (const auto* refused = std::get_if<registration_refused>(&verified)) {
        // The failed check is for the log only: the phone gets a coarse refusal.
        spdlog::info("enrollment: user {} registration refused: {}", user_id, refused->reason);
        throw malformed("registration_refused", "the passkey registration was not accepted; try again");
    }
    const auto& cred = std::get<verified_registration>(verified);
    if (cred.credential_id != raw_id) {
        throw malformed("invalid_field", "credential.rawId does not match the attested credential");
    }
    const std::string credential_id = enc::base64url_encode(cred.credential_id);
    const auto existing = co_await devices_.find_by_credential(credential_id);
    if (existing) {
        throw conflict("credential_already_registered", "this passkey is already registered");
    }

    const auto shared = crypto::ecdh_shared_secret(c.server_private_key, client_key);
    if (!shared) throw malformed("invalid_handshake_key", "clientHandshakeKey is not a P-256 public key");
    auto secret = crypto::derive_handshake_secret(*shared, c.challenge, cred.credential_id);

    new_device d;
    d.user_id = user_id;
    d.credential_id = credential_id;
    d.public_key_pem = cred.public_key_pem;
    d.sealed_secret = crypto::seal_at_rest(settings_.at_rest_keys, secret, credential_id);
    std::fill(secret.begin(), secret.end(), 0);
    d.aaguid = cred.aaguid;
    d.fingerprint = r.device_fingerprint;
    d.attestation_format = cred.format;
    d.sign_count = cred.sign_count;
    d.backup_eligible = cred.backup_eligible;
    d.backup_state = cred.backup_state;
    d.transports = r.transports;

    audit_context audit;
    audit.metadata_json = json{
        {"userAgent", r.user_agent.substr(0, 512)},
        {"aaguid", cred.aaguid},
        {"fmt", cred.format},
        {"algorithm", cred.algorithm},
        {"backupEligible", cred.backup_eligible},
        {"backupState",
         cred.backup_state}}.dump();
    std::vector<superseded_registration> superseded;
    const auto stored = co_await devices_.enroll(std::move(d), std::move(audit), &superseded);
    co_await notify(std::move(superseded), "device replaced by a new enrollment");
    spdlog::info("enrollment: user {} enrolled device {} ({}, {})", user_id, stored.device_id, cred.format,
                 cred.aaguid);
    enrolled_device out;
    out.device_id = stored.device_id;
    out.enrolled_at = stored.enrolled_at;
    out.aaguid = stored.aaguid;
    co_return out;
}

net::awaitable<void> enrollment_service::abandon(std::int64_t user_id) {
    const auto c = co_await ceremonies_.take(user_id);
    if (c) co_await release(user_id, c->lock_token);
}

net::awaitable<std::optional<device>> enrollment_service::status(std::int64_t user_id) {
    auto d = co_await devices_.find_active(user_id);
    co_return d;
}

net::awaitable<enrollment_summary> enrollment_service::me(std::int64_t user_id) {
    enrollment_summary out;
    out.active = co_await devices_.find_active(user_id);
    if (!out.active) co_return out;
    const auto since = co_await devices_.since_last_enrollment(user_id);
    const auto cooldown = std::chrono::duration_cast<std::chrono::seconds>(settings_.reenroll_cooldown);
    bool waiting = since && *since < cooldown;
    if (waiting) {
        const bool lifted = co_await devices_.staff_revoked_since_last_enrollment(user_id);
        waiting = !lifted;
    }
    out.reenroll_in_seconds = waiting ? (cooldown - *since).count() : 0;
    co_return out;
}

net::awaitable<void> enrollment_service::notify(std::vector<superseded_registration> ended, std::string reason) {
    if (ended.empty() || listener_ == nullptr) co_return;
    // PostgreSQL already ended the registrations (their results become ERROR); dropping
    // the cached round state is what stops the phone's next answer.
    co_await listener_->registrations_ended(std::move(ended), std::move(reason));
}

net::awaitable<revoke_result> enrollment_service::revoke(const revoker& who, revoke_request r) {
    constexpr std::size_t max_reason = 500;
    if (r.reason.size() > max_reason) throw malformed("invalid_field", "reason has at most 500 characters");
    audit_context audit;
    audit.performed_by = who.user_id;
    audit.reason = r.reason;
    std::optional<device> target;
    std::string role = "student";
    if (who.student) {
        // A student acts only on their own device.
        if (r.user_id && *r.user_id != who.user_id) {
            throw forbidden("forbidden", "a student can only revoke their own device");
        }
        target = co_await devices_.find_active(who.user_id);
        if (r.device_id && (!target || target->device_id != *r.device_id)) {
            throw forbidden("forbidden", "a student can only revoke their own device");
        }
        if (audit.reason.empty()) audit.reason = "revoked by the student";
    } else {
        if (audit.reason.empty()) throw malformed("invalid_field", "reason is required");
        if (!r.user_id && !r.device_id) throw malformed("invalid_field", "userId or deviceId is required");
        const auto actor = co_await directory_.user(who.user_id);
        // Who owns the device decides the permission; an unknown device is refused like a
        // foreign one (forbidden before not_found), so a professor learns nothing about other phones.
        std::optional<std::int64_t> owner = r.user_id;
        if (r.device_id) {
            target = co_await devices_.find_by_id(*r.device_id);
            const bool consistent = target && (!r.user_id || target->user_id == *r.user_id);
            if (!consistent) {
                if (!actor.super_admin) throw forbidden("forbidden", "you may not revoke this device");
                throw not_found("device_not_found", "no active device with this id");
            }
            owner = target->user_id;
            if (!target->is_active) target.reset();
        }
        if (actor.super_admin) {
            role = "admin";
        } else {
            const bool teaches = co_await directory_.teaches_student(who.user_id, *owner);
            if (!teaches) {
                throw forbidden("forbidden", "only a professor of the student's courses this semester may revoke");
            }
            role = "professor";
        }
        if (!r.device_id) target = co_await devices_.find_active(*owner);
    }
    if (!target) throw not_found("device_not_found", "no active device");
    audit.metadata_json = json{{"actorRole", role}}.dump();
    const auto done = co_await devices_.revoke(target->device_id, audit);
    if (!done) throw not_found("device_not_found", "no active device with this id");
    spdlog::info("enrollment: device {} of user {} revoked by {} {}", done->device_id, done->user_id, role,
                 who.user_id);
    co_await notify(done->superseded, "device revoked: " + audit.reason);
    revoke_result out;
    out.device_id = done->device_id;
    co_return out;
}

} // namespace asistencia::application::enrollment
