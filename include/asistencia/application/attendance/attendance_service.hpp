// The class loop's use cases (PROTOCOL.md 6.2, 6.5, 6.6): a student joins with a passkey
// assertion, answers the rounds, gets a provisional result; the professor's close (or the
// automatic one) computes every final result and fills the legacy outbox. The projection
// asks it for a student's state (rebuilt from PostgreSQL when Valkey lost it).
#pragma once

#include "asistencia/application/attendance/rounds.hpp"
#include "asistencia/application/attendance/session_service.hpp"
#include "asistencia/application/enrollment/ports.hpp"
#include "asistencia/domain/crypto/protocol_keys.hpp"
#include "asistencia/domain/scoring/certainty_v2.hpp"
#include "asistencia/domain/tokens/jwt.hpp"

#include <chrono>
#include <unordered_map>

namespace asistencia::application::attendance {

struct attendance_settings {
    std::string rp_id;
    int max_failed_attempts = 3;                   // MAX_FAILED_ATTEMPTS
    domain::scoring::scoring_v2_config scoring;    // RT_MIN_MS, RT_MAX_MS and scoring v2's constants
    std::int64_t totp_step_seconds = 30;           // TOTP_STEP_SECONDS
    bytes master_key;                              // the current key: session TOTPs secrets
    domain::crypto::at_rest_key_ring at_rest_keys; // opens the device secrets (any known key)
    std::string participation_key;
    domain::tokens::token_settings tokens;
    rate_rule answer_limit{"answers", 0, std::chrono::seconds(1)}; // per participation token (limit 0: off)
};

// POST .../join: the AuthenticationResponseJSON's parts, base64url as the page sent them.
struct join_request {
    std::string credential_id;
    std::string client_data_json;
    std::string authenticator_data;
    std::string signature;
    std::string user_handle; // response.userHandle (base64url), "" when absent
};

struct join_result {
    std::string participation_token;
    std::int64_t registration_id = 0;
    int queue_position = 0;
    int round = 1;
    bool done = false;
    int max_rounds = 0; // so the phone shows "rounds done / to do"
};

// POST .../responses.
struct answer_request {
    int round = 0;
    std::string nonce; // base64url of 16 bytes
    std::string totps; // 6 digits
    std::string totpu; // 6 digits
    std::optional<std::int64_t> client_scanned_at_ms;
};

struct answer_result {
    bool accepted = false;
    int round = 0;
    bool done = false;
    std::optional<std::string> reason; // retry | expired | round_failed
};

// What the phone needs to sign the join (WebAuthn request options for its one active
// credential, plain values; the transport spells PublicKeyCredentialRequestOptionsJSON).
struct join_options_result {
    std::string challenge; // base64url, single use
    std::string rp_id;
    std::int64_t timeout_ms = 120000;
    std::string user_verification = "required";
    std::string credential_id; // base64url
    std::vector<std::string> transports;
};

class attendance_service final : public enrollment::revocation_listener {
public:
    attendance_service(attendance_settings settings, session_service& sessions, session_store& session_rows,
                       course_directory& courses, attendance_store& store, round_store& rounds,
                       enrollment::device_store& devices, const assertion_verifier& verifier,
                       attendance_events& events);

    net::awaitable<join_options_result> join_options(std::int64_t user_id, std::int64_t session_id);
    net::awaitable<join_result> join(std::int64_t user_id, std::int64_t session_id, join_request request);
    // `received_at_ms`: when the request reached the server (the RT's end).
    net::awaitable<answer_result> answer(const domain::tokens::participation_claims& who, answer_request request,
                                         std::int64_t received_at_ms);

    // The professor's close: final results, outbox, projectors told. errc::conflict when not active.
    net::awaitable<session> close(std::int64_t professor_id, std::int64_t session_id);
    net::awaitable<session> cancel(std::int64_t professor_id, std::int64_t session_id);
    // The automatic close of sessions past closes_at; returns their ids.
    net::awaitable<std::vector<std::int64_t>> close_expired();

    // A joined student's state, rebuilt from PostgreSQL (and the round reopened) when
    // Valkey lost it. forbidden "not_registered", conflict "session_not_active".
    net::awaitable<student_state> state_of(std::int64_t session_id, std::int64_t user_id);
    // Rebuilds the state of every student of an active session whose state Valkey lost
    // (a Valkey restart); the projection calls it now and then. Returns how many.
    net::awaitable<int> restore_session(std::int64_t session_id);

    const attendance_settings& settings() const noexcept { return settings_; }

    // A device stopped being enrolled (revoked, replaced) while registered in active
    // sessions: PostgreSQL already ended those registrations; here their cached round state
    // goes (the next answer is refused), their provisional result becomes ERROR and the
    // projectors' counts move.
    net::awaitable<void> registrations_ended(std::vector<enrollment::superseded_registration> ended,
                                             std::string reason) override;

private:
    net::awaitable<session> active_session(std::int64_t session_id);
    net::awaitable<enrollment::device> active_device(std::int64_t user_id);
    net::awaitable<void> require_on_course_list(const session& s, std::int64_t user_id);
    net::awaitable<student_state> load_or_rebuild(std::int64_t session_id, std::int64_t user_id, bool& rebuilt);
    net::awaitable<student_state> rebuild(std::int64_t session_id, const registration_record& rec);
    // `max_rounds` from the student's round state when the caller has it (else the session's row).
    net::awaitable<void> provisional_result(std::int64_t session_id, std::int64_t user_id,
                                            std::optional<int> max_rounds = std::nullopt);
    // The class's per-student medians for a provisional result, with `own` (this registration's,
    // just read) in place of the cached one. The others come from PostgreSQL at most every
    // class_medians_ttl per session: the query reads every row of the class, and up to every
    // student finishing in a burst would run it (the close recomputes all results anyway).
    net::awaitable<std::vector<double>> class_medians_with(std::int64_t session_id, std::int64_t registration_id,
                                                           std::optional<double> own);
    net::awaitable<void> finished(std::int64_t session_id, const std::vector<std::int64_t>& user_ids,
                                  std::string summary);
    // The session's TOTPs secret, an HKDF of the master key: derived once per session rather than
    // on every answer (callgrind: ~7 % of an answer's instructions). Only the event loop's thread
    // calls it; cleared whole when it holds max_cached_sessions sessions.
    const bytes& session_totps_secret(std::int64_t session_id);
    static constexpr std::size_t max_cached_sessions = 4096;

    attendance_settings settings_;
    session_service& sessions_;
    session_store& session_rows_;
    course_directory& courses_;
    attendance_store& store_;
    round_store& rounds_;
    enrollment::device_store& devices_;
    const assertion_verifier& verifier_;
    attendance_events& events_;
    std::unordered_map<std::int64_t, bytes> session_secrets_;
    struct class_medians {
        std::chrono::steady_clock::time_point fetched_at;
        std::unordered_map<std::int64_t, double> by_registration;
    };
    static constexpr std::chrono::milliseconds class_medians_ttl{2000};
    std::unordered_map<std::int64_t, class_medians> class_medians_; // same thread and bound as session_secrets_
};

} // namespace asistencia::application::attendance
