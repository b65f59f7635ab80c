// The class loop's ports (PROTOCOL.md 6.2-6.6): the rounds' short-lived state in Valkey,
// the attendance tables in PostgreSQL, the assertion verifier and the events the
// projection listens to. Implemented in infra (stores, repositories, webauthn) and
// transport (projection); the use cases in attendance_service only see these.
#pragma once

#include "asistencia/application/attendance/session.hpp"
#include "asistencia/application/rate_limit.hpp"
#include "asistencia/domain/attendance/round.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace asistencia::application::attendance {

using bytes = std::vector<std::uint8_t>;

// session:asistencia:{sessionId}:{userId}: where a joined student is (the seed's
// round_actual / intentos_fallidos plus what answers need without PostgreSQL).
struct student_state {
    std::int64_t registration_id = 0;
    std::int64_t device_id = 0;
    int round = 1; // round_actual: the pending round, max_rounds + 1 once done
    int max_rounds = 3;
    bool device_flagged = false;
    bytes k_totpu; // the device's keys (the store seals them at rest)
    bytes k_qr;

    bool done() const noexcept { return round > max_rounds; }
};

// One showing of a round, as the frame loop recorded it.
struct showing {
    std::int64_t issued_at_ms = 0; // the payload's issuedAt (server clock)
    std::int64_t shown_at_ms = 0;  // when the projector painted it (server clock), else the send time
};

enum class take_outcome {
    taken,     // the nonce was one of this round's showings; it is now used up
    unknown,   // not one of this round's showings (or pruned: only the last few are kept)
    replayed,  // already used by an earlier answer
    round_gone // the round's metadata is gone: finished meanwhile, or lapsed (TTL, Valkey restart)
};

struct take_result {
    take_outcome outcome = take_outcome::unknown;
    showing shown; // when taken
};

// The answer's first round trip: the student's state and, only when the answer is from the
// state's device and for its current round, the nonce taken (atomically, in one script).
// The answer's rate limit, counted by take() in the same atomic step (one Valkey round trip
// for the limit, the read and the nonce).
struct answer_limit {
    rate_rule rule;      // limit 0: not counted
    std::string subject; // the participation token's session:user:device
};

struct answer_take {
    // Set when the hit was over the limit: nothing else was read or taken; retry after this.
    std::optional<std::chrono::milliseconds> limited;
    std::optional<student_state> state; // nullopt: no readable state (rebuild it from PostgreSQL)
    bool device_matches = false;        // state's device is the answer's (else nothing was taken)
    bool current = false;               // the answer's round is the state's current one (else nothing taken)
    take_result taken;                  // when device_matches && current
};

// Where a student is after a succeed/fail transition (the script returns it: no read after).
struct round_moved {
    domain::attendance::round_effect effect = domain::attendance::round_effect::stale;
    int failed_attempts = 0;  // the round's count after a fail (0 when stale)
    std::optional<int> round; // round_actual afterwards; nullopt when the state is gone
    int max_rounds = 0;
    bool done() const noexcept { return round && *round > max_rounds; }
};

// What a state transition did (atomic in the store; the loser of a race gets `stale`).
enum class transition { applied, stale };

struct pending_round {
    std::int64_t user_id = 0;
    int round = 0;
};

// What show_next found and did.
struct picked_showing {
    std::optional<pending_round> round; // nullopt: nothing pending
    std::optional<student_state> state; // nullopt: no readable state (rebuild it from PostgreSQL)
    bool recorded = false;              // the showing is recorded for `round`
};

class round_store {
public:
    virtual ~round_store() = default;
    virtual net::awaitable<std::optional<student_state>> load_state(std::int64_t session_id, std::int64_t user_id) = 0;
    // Which of `user_ids` have a state, in their order: the frame loop's periodic restore
    // check (a store answers it in one round trip, nothing decrypted). This default loads
    // them one by one.
    virtual net::awaitable<std::vector<bool>> states_present(std::int64_t session_id,
                                                             std::vector<std::int64_t> user_ids) {
        std::vector<bool> out;
        out.reserve(user_ids.size());
        for (const auto uid : user_ids) {
            const auto s = co_await load_state(session_id, uid);
            out.push_back(s.has_value());
        }
        co_return out;
    }
    // Writes the state and, unless it is done, opens its round (metadata + queue entry).
    virtual net::awaitable<void> start(std::int64_t session_id, std::int64_t user_id, student_state s) = 0;
    // Re-creates the metadata of the state's current round when it lapsed; stale when the
    // state moved on or the metadata exists.
    virtual net::awaitable<transition> reopen(std::int64_t session_id, std::int64_t user_id, int round) = 0;
    // Reads the state and uses up `nonce` (base64url) of the round, atomically (two
    // identical answers, one taken), when the state's device is `device_id` and `round` its
    // current round; see answer_take.
    // With `limit`, first counts one hit of it; over the limit nothing else happens.
    virtual net::awaitable<answer_take> take(std::int64_t session_id, std::int64_t user_id, int round,
                                             std::int64_t device_id, std::string nonce, const answer_limit* limit) = 0;
    // The succeed and fail events of domain/attendance/round: succeed ends the round (the
    // next opens, or done); fail counts an attempt and ends the round at max_failed. Stale
    // when the round is not open (another answer finished it first).
    virtual net::awaitable<round_moved> succeed(std::int64_t session_id, std::int64_t user_id, int round) = 0;
    virtual net::awaitable<round_moved> fail(std::int64_t session_id, std::int64_t user_id, int round,
                                             int max_failed) = 0;

    // The projection's side.
    virtual net::awaitable<std::vector<pending_round>> pending(std::int64_t session_id) = 0;
    // Records a showing (nonce -> issuedAt, timestamp_envio, mostrado_count) and renews the
    // TTLs; false when the round's metadata lapsed (the caller reopens it).
    virtual net::awaitable<bool> record_showing(std::int64_t session_id, pending_round r, std::string nonce,
                                                std::int64_t issued_at_ms) = 0;
    // The frame loop's pick, read and record in one call (a store does it in one round
    // trip): the pending round at index `draw % n` of the queue (`draw` is the caller's
    // random number below 2^40: the bias is below n / 2^40), the student's state, and, when
    // the state is at that round and its metadata exists, the showing recorded as
    // record_showing does. This default takes the three calls.
    virtual net::awaitable<picked_showing> show_next(std::int64_t session_id, std::uint64_t draw, std::string nonce,
                                                     std::int64_t issued_at_ms) {
        picked_showing out;
        const auto queue = co_await pending(session_id);
        if (queue.empty()) co_return out;
        out.round = queue[static_cast<std::size_t>(draw % queue.size())];
        out.state = co_await load_state(session_id, out.round->user_id);
        if (out.state && out.state->round == out.round->round && !out.state->done()) {
            out.recorded = co_await record_showing(session_id, *out.round, std::move(nonce), issued_at_ms);
        }
        co_return out;
    }
    // The projector's `shown` time for a showing still pending.
    virtual net::awaitable<void> record_shown(std::int64_t session_id, pending_round r, std::string nonce,
                                              std::int64_t shown_at_ms) = 0;
    // The join's WebAuthn challenge (120 s, used once).
    virtual net::awaitable<void> put_join_challenge(std::int64_t session_id, std::int64_t user_id, bytes challenge) = 0;
    virtual net::awaitable<std::optional<bytes>> take_join_challenge(std::int64_t session_id, std::int64_t user_id) = 0;
    // Drops one student's round state, round metadata and queue entries (the device was
    // revoked or replaced): the next answer finds no state and is refused.
    virtual net::awaitable<void> invalidate(std::int64_t session_id, std::int64_t user_id) = 0;
    // Drops every key of the session (after close/cancel).
    virtual net::awaitable<void> forget(std::int64_t session_id, std::vector<std::int64_t> user_ids) = 0;
};

// --- PostgreSQL side -------------------------------------------------------------------

struct registration {
    std::int64_t registration_id = 0;
    std::int64_t session_id = 0;
    std::int64_t user_id = 0;
    std::int64_t device_id = 0;
    int queue_position = 0;
    std::string status; // active | completed
    bool device_flagged = false;
    bool created = false; // false: the student had already joined (a re-join)
};

enum class validation_status { success, failed, timeout, invalid };
std::string_view to_string(validation_status s) noexcept;

// One attempt (attendance.validations).
struct validation_row {
    std::int64_t registration_id = 0;
    int round = 0;
    std::int64_t qr_generated_at_ms = 0;
    std::optional<std::int64_t> qr_scanned_at_ms; // the phone's clientScannedAt
    std::int64_t response_received_at_ms = 0;
    std::optional<std::int64_t> response_time_ms;
    std::optional<bool> totpu_valid, totps_valid, rt_valid, secret_valid;
    validation_status status = validation_status::invalid;
    int failed_attempts = 0;
};

// A registration with its attempts, as scoring needs it.
struct registration_record {
    registration reg;
    std::vector<validation_row> validations;
};

struct student_median {
    std::int64_t registration_id = 0;
    double median_ms = 0;
};

// What the result of one registration is, ready to be stored.
struct result_row {
    std::int64_t registration_id = 0;
    std::int64_t user_id = 0;
    int total_rounds = 0;
    int successful_rounds = 0;
    int failed_rounds = 0;
    int failed_attempts = 0;
    std::optional<double> avg_ms, std_dev_ms, min_ms, max_ms, median_ms;
    double score = 0;
    std::string status; // PRESENT | DOUBTFUL | ABSENT | ERROR
    double base = 0, jitter_penalty = 0, failure_penalty = 0, threshold_ms = 0;
    bool flagged_cap_applied = false;
    // Scoring v2's decision (docs/scoring.md): the student's median RT against the class
    // distribution of per-student medians, and the professor's one-line Spanish explanation.
    int scoring_version = 2;
    std::optional<double> statistic_ms;
    double class_median_ms = 0, class_mad_ms = 0;
    int class_students = 0;
    std::string explanation;
};

struct final_results {
    std::vector<result_row> results;
    double baseline_median_ms = 0;
    double baseline_mad_ms = 0;
};

// Pure: from the session's rows to the results (given so the store can call it inside
// its transaction, on the rows it locked).
using results_builder = std::function<final_results(int max_rounds, const std::vector<registration_record>&)>;

struct closed_session {
    final_results results;
    std::vector<std::int64_t> user_ids;
};

class attendance_store {
public:
    virtual ~attendance_store() = default;
    // Inserts the registration (queue_position = arrival order) or returns the existing one.
    virtual net::awaitable<registration> join(std::int64_t session_id, std::int64_t user_id, std::int64_t device_id,
                                              std::optional<std::string> flag_reason) = 0;
    virtual net::awaitable<std::optional<registration_record>> record(std::int64_t session_id,
                                                                      std::int64_t user_id) = 0;
    // Every registration of the session with its attempts, in queue order.
    virtual net::awaitable<std::vector<registration_record>> records(std::int64_t session_id) = 0;
    virtual net::awaitable<void> add_validation(validation_row v) = 0;
    // The median RT of each registration's successful rounds, one per registration that has
    // one (scoring v2's class distribution so far), by registration id.
    virtual net::awaitable<std::vector<student_median>> class_student_medians(std::int64_t session_id) = 0;
    // A provisional result (the student's rounds are done; the session goes on).
    virtual net::awaitable<void> save_provisional(result_row r) = 0;
    // Ends an active session in one transaction: status and end_time, final results of
    // every registration (from `build`), the baseline, and the legacy outbox row of every
    // PRESENT. nullopt when the session was not active. `at_closes_at`: the automatic close
    // (end_time = closes_at).
    virtual net::awaitable<std::optional<closed_session>> close(std::int64_t session_id, bool at_closes_at,
                                                                results_builder build) = 0;
    // The sessions whose closes_at passed while active.
    virtual net::awaitable<std::vector<std::int64_t>> expired_sessions() = 0;
};

// --- the join's WebAuthn assertion ---------------------------------------------------

struct assertion_to_verify {
    std::span<const std::uint8_t> client_data_json;
    std::span<const std::uint8_t> authenticator_data;
    std::span<const std::uint8_t> signature;
    std::span<const std::uint8_t> expected_challenge;
    std::string public_key_pem;
    std::uint32_t sign_count = 0;
    bool backup_eligible = false;
    bool backup_state = false;
};

struct verified_assertion {
    std::uint32_t sign_count = 0;
    bool backup_eligible = false;
    bool backup_state = false;
    std::optional<std::string> cloned_reason; // set when the device may have been copied
};

struct assertion_refused {
    std::string reason;
};

class assertion_verifier {
public:
    virtual ~assertion_verifier() = default;
    virtual std::variant<verified_assertion, assertion_refused> verify(const assertion_to_verify& a) const = 0;
};

// --- events for the projection ----------------------------------------------------------

class attendance_events {
public:
    virtual ~attendance_events() = default;
    // Counts changed (a join, an answer): projectors get a `progress` message.
    virtual void progress(std::int64_t session_id) = 0;
    // The session ended: projectors get `closed` with this summary (JSON object text).
    virtual void closed(std::int64_t session_id, std::string summary_json) = 0;
};

} // namespace asistencia::application::attendance
