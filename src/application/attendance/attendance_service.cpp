// The class loop's use cases; see attendance_service.hpp.
#include "asistencia/application/attendance/attendance_service.hpp"

#include "asistencia/application/attendance/results.hpp"
#include "asistencia/application/errors.hpp"
#include "asistencia/domain/crypto/primitives.hpp"
#include "asistencia/domain/crypto/protocol_keys.hpp"
#include "asistencia/domain/crypto/totp.hpp"
#include "asistencia/domain/encoding/base64.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <ctime>

namespace asistencia::application::attendance {

namespace {

using nlohmann::json;
namespace crypto = domain::crypto;
namespace enc = domain::encoding;
namespace tokens = domain::tokens;

constexpr std::size_t max_assertion_field = std::size_t{16} * 1024;
constexpr int max_rounds_allowed = 10;

bytes decode_field(const std::string& text, const char* name) {
    if (text.empty() || text.size() > max_assertion_field) {
        throw malformed("invalid_field", std::string(name) + " is missing or too long");
    }
    auto b = enc::base64url_decode(text);
    if (!b) throw malformed("invalid_field", std::string(name) + " is not base64url");
    return std::move(*b);
}

bool six_digits(const std::string& s) {
    if (s.size() != 6) return false;
    for (const char c : s) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

// errc::malformed "invalid_answer" for anything malformed; nothing is stored for it (PROTOCOL.md 9).
void validate(const answer_request& a) {
    if (a.round < 1 || a.round > max_rounds_allowed) throw malformed("invalid_answer", "round must be 1 to 10");
    const auto nonce = a.nonce.size() == 22 ? enc::base64url_decode(a.nonce) : std::nullopt;
    if (!nonce || nonce->size() != 16) throw malformed("invalid_answer", "nonce must be base64url of 16 bytes");
    if (!six_digits(a.totps) || !six_digits(a.totpu)) {
        throw malformed("invalid_answer", "totps and totpu must be 6-digit strings");
    }
    if (a.client_scanned_at_ms && (*a.client_scanned_at_ms <= 0 || *a.client_scanned_at_ms > (1LL << 53))) {
        throw malformed("invalid_answer", "clientScannedAt must be milliseconds since the epoch");
    }
}

// "2026-11-22T19:00:00.000Z" -> time point; nullopt when unreadable.
std::optional<tokens::time_point> parse_iso(const std::string& s) {
    std::tm tm{};
    if (s.size() < 19 || !strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return std::nullopt;
    return tokens::clock::from_time_t(timegm(&tm));
}

bool equal_codes(const std::string& a, const std::string& b) {
    return crypto::constant_time_equal(crypto::as_bytes(a), crypto::as_bytes(b));
}

// `reason`: nullptr or one of the coarse reasons (a pointer, not a literal array: GCC 12
// mishandles array temporaries in co_return expressions).
answer_result reply(bool accepted, const student_state& s, const char* reason = nullptr) {
    answer_result r{accepted, std::min(s.round, s.max_rounds), s.done(), std::nullopt};
    if (reason) r.reason = reason;
    return r;
}
constexpr const char* reason_retry = "retry";

using domain::attendance::round_effect;

// Where the transition left the student (the script returns it); false when the state is
// gone (read it again, which rebuilds it).
bool follow(student_state& s, const round_moved& m) {
    if (!m.round) return false;
    s.round = *m.round;
    s.max_rounds = m.max_rounds;
    return true;
}

json summary_of(const final_results& r) {
    int present = 0, doubtful = 0, absent = 0, error = 0;
    for (const auto& x : r.results) {
        if (x.status == "PRESENT")
            ++present;
        else if (x.status == "DOUBTFUL")
            ++doubtful;
        else if (x.status == "ABSENT")
            ++absent;
        else
            ++error;
    }
    return {{"registered", r.results.size()},
            {"present", present},
            {"doubtful", doubtful},
            {"absent", absent},
            {"error", error},
            {"baselineMedianMs", r.baseline_median_ms}};
}

// The request options for the student's one active credential. (Built outside the
// coroutine: GCC 12 mishandles braced temporaries in co_return.)
join_options_result request_options(const std::string& rp_id, std::string challenge, const enrollment::device& d) {
    join_options_result o;
    o.challenge = std::move(challenge);
    o.rp_id = rp_id;
    o.credential_id = d.credential_id;
    o.transports = d.transports;
    return o;
}

std::string cancelled_summary() { return json{{"cancelled", true}}.dump(); }

} // namespace

attendance_service::attendance_service(attendance_settings settings, session_service& sessions,
                                       session_store& session_rows, course_directory& courses, attendance_store& store,
                                       round_store& rounds, enrollment::device_store& devices,
                                       const assertion_verifier& verifier, attendance_events& events)
    : settings_(std::move(settings)),
      sessions_(sessions),
      session_rows_(session_rows),
      courses_(courses),
      store_(store),
      rounds_(rounds),
      devices_(devices),
      verifier_(verifier),
      events_(events) {}

net::awaitable<session> attendance_service::active_session(std::int64_t session_id) {
    auto s = co_await session_rows_.find(session_id);
    if (!s) throw not_found("session_not_found", "no session with this id");
    if (s->status != "active") throw conflict("session_not_active", "the session is already " + s->status);
    co_return std::move(*s);
}

net::awaitable<enrollment::device> attendance_service::active_device(std::int64_t user_id) {
    auto d = co_await devices_.find_active(user_id);
    if (!d) throw forbidden("not_enrolled", "enroll this phone first (no active device)");
    co_return std::move(*d);
}

net::awaitable<void> attendance_service::require_on_course_list(const session& s, std::int64_t user_id) {
    const bool listed = co_await courses_.is_enrolled(s.course_id, s.semester_id, user_id);
    if (!listed) throw forbidden("not_in_course", "you are not on this course's list");
}

net::awaitable<join_options_result> attendance_service::join_options(std::int64_t user_id, std::int64_t session_id) {
    const auto s = co_await active_session(session_id);
    const auto d = co_await active_device(user_id);
    co_await require_on_course_list(s, user_id);
    auto challenge = crypto::random_bytes(32);
    auto encoded = enc::base64url_encode(challenge);
    co_await rounds_.put_join_challenge(session_id, user_id, std::move(challenge));
    auto options = request_options(settings_.rp_id, std::move(encoded), d);
    co_return options;
}

net::awaitable<join_result> attendance_service::join(std::int64_t user_id, std::int64_t session_id, join_request r) {
    const auto client_data = decode_field(r.client_data_json, "credential.response.clientDataJSON");
    const auto auth_data = decode_field(r.authenticator_data, "credential.response.authenticatorData");
    const auto signature = decode_field(r.signature, "credential.response.signature");
    auto challenge = co_await rounds_.take_join_challenge(session_id, user_id);
    if (!challenge) throw malformed("no_join_in_progress", "the join expired or was already used; start again");
    const auto s = co_await active_session(session_id);
    const auto d = co_await active_device(user_id);
    if (r.credential_id != d.credential_id) {
        throw forbidden("credential_not_enrolled", "this passkey is not the one of your enrolled phone");
    }
    // WebAuthn L2 7.2 step 6: a userHandle, when present, is the credential owner's
    // user.id (base64url of the decimal userId, as enrollment created it).
    if (!r.user_handle.empty() && r.user_handle != enc::base64url_encode(std::to_string(d.user_id))) {
        spdlog::info("join: user {} session {} assertion refused: userHandle is not the owner's", user_id, session_id);
        throw malformed("assertion_refused", "the passkey assertion was not accepted; try again");
    }
    const auto verified = verifier_.verify({client_data, auth_data, signature, *challenge, d.public_key_pem,
                                            d.sign_count, d.backup_eligible, d.backup_state});
    if (const auto* refused = std::get_if<assertion_refused>(&verified)) {
        // The failed check is for the log only: the phone gets a coarse refusal.
        spdlog::info("join: user {} session {} assertion refused: {}", user_id, session_id, refused->reason);
        throw malformed("assertion_refused", "the passkey assertion was not accepted; try again");
    }
    const auto& ok = std::get<verified_assertion>(verified);
    co_await devices_.record_assertion(d.device_id, ok.sign_count, ok.backup_eligible, ok.backup_state,
                                       ok.cloned_reason);
    co_await require_on_course_list(s, user_id);

    std::optional<std::string> flag = ok.cloned_reason;
    if (!flag && d.possibly_cloned) flag = "the device was flagged as possibly cloned earlier";
    const auto reg = co_await store_.join(session_id, user_id, d.device_id, flag);
    student_state state;
    if (reg.created) {
        const auto secret = crypto::open_at_rest(settings_.at_rest_keys, d.sealed_secret, d.credential_id);
        if (!secret) throw std::runtime_error("a device secret opens with none of the master keys");
        const auto keys = crypto::derive_device_keys(*secret);
        state = {reg.registration_id, d.device_id, 1, s.max_rounds, reg.device_flagged, keys.k_totpu, keys.k_qr};
        co_await rounds_.start(session_id, user_id, state);
    } else {
        // A re-join (page reloaded, phone re-enrolled): the state follows the registration.
        const auto rec = co_await store_.record(session_id, user_id);
        state = co_await rebuild(session_id, *rec);
    }
    const auto closes_at = parse_iso(s.closes_at);
    const auto token = tokens::issue_participation_token({session_id, user_id, d.device_id, {}, {}},
                                                         settings_.participation_key, settings_.tokens, closes_at);
    events_.progress(session_id);
    co_return join_result{token.token,        reg.registration_id,
                          reg.queue_position, std::min(state.round, state.max_rounds),
                          state.done(),       state.max_rounds};
}

net::awaitable<student_state> attendance_service::rebuild(std::int64_t session_id, const registration_record& rec) {
    const auto s = co_await active_session(session_id);
    const auto d = co_await devices_.find_by_id(rec.reg.device_id);
    if (rec.reg.status == "failed" || !d || !d->is_active) {
        throw conflict("device_revoked", "the phone of this registration is no longer enrolled");
    }
    const auto secret = crypto::open_at_rest(settings_.at_rest_keys, d->sealed_secret, d->credential_id);
    if (!secret) throw std::runtime_error("a device secret opens with none of the master keys");
    const auto keys = crypto::derive_device_keys(*secret);
    student_state state{rec.reg.registration_id,
                        d->device_id,
                        current_round(rec.validations, s.max_rounds, settings_.max_failed_attempts),
                        s.max_rounds,
                        rec.reg.device_flagged,
                        keys.k_totpu,
                        keys.k_qr};
    co_await rounds_.start(session_id, rec.reg.user_id, state);
    co_return state;
}

net::awaitable<student_state> attendance_service::state_of(std::int64_t session_id, std::int64_t user_id) {
    bool rebuilt = false;
    co_return co_await load_or_rebuild(session_id, user_id, rebuilt);
}

net::awaitable<student_state> attendance_service::load_or_rebuild(std::int64_t session_id, std::int64_t user_id,
                                                                  bool& rebuilt) {
    if (auto s = co_await rounds_.load_state(session_id, user_id)) co_return std::move(*s);
    const auto rec = co_await store_.record(session_id, user_id);
    if (!rec) throw forbidden("not_registered", "join the session first");
    rebuilt = true;
    co_return co_await rebuild(session_id, *rec);
}

net::awaitable<int> attendance_service::restore_session(std::int64_t session_id) {
    // Run every few seconds per projected session: which states are there is one Valkey
    // round trip (no state read or decrypted); only the missing ones are rebuilt.
    const auto records = co_await store_.records(session_id);
    std::vector<const registration_record*> active;
    std::vector<std::int64_t> user_ids;
    for (const auto& rec : records) {
        if (rec.reg.status != "active") continue;
        active.push_back(&rec);
        user_ids.push_back(rec.reg.user_id);
    }
    if (active.empty()) co_return 0;
    const auto present = co_await rounds_.states_present(session_id, std::move(user_ids));
    int restored = 0;
    for (std::size_t i = 0; i < active.size(); ++i) {
        if (i < present.size() && present[i]) continue;
        co_await rebuild(session_id, *active[i]);
        ++restored;
    }
    co_return restored;
}

net::awaitable<answer_result> attendance_service::answer(const tokens::participation_claims& who, answer_request a,
                                                         std::int64_t received_at_ms) {
    validate(a);
    const auto sid = who.session_id;
    const auto uid = who.user_id;
    // One round trip counts the answer against its rate limit (per participation token: over
    // it, nothing is read or stored), reads the state and takes the nonce (only for the state's
    // device and current round); a missing state is rebuilt from PostgreSQL and taken again.
    const answer_limit limit{settings_.answer_limit,
                             std::to_string(sid) + ":" + std::to_string(uid) + ":" + std::to_string(who.device_id)};
    auto took = co_await rounds_.take(sid, uid, a.round, who.device_id, a.nonce, &limit);
    if (took.limited) throw too_many_requests(*took.limited);
    bool rebuilt = false;
    if (!took.state) {
        const auto rec = co_await store_.record(sid, uid);
        if (!rec) throw forbidden("not_registered", "join the session first");
        co_await rebuild(sid, *rec);
        rebuilt = true;
        took = co_await rounds_.take(sid, uid, a.round, who.device_id, a.nonce, nullptr); // counted once
        if (!took.state) throw std::runtime_error("the rebuilt round state does not read back");
    }
    if (!took.device_matches) {
        throw forbidden("device_changed", "this phone is no longer the enrolled one; join again");
    }
    auto state = std::move(*took.state);
    const auto taken = took.taken;
    validation_row row;
    row.registration_id = state.registration_id;
    row.round = a.round;
    row.qr_generated_at_ms = received_at_ms;
    row.qr_scanned_at_ms = a.client_scanned_at_ms;
    row.response_received_at_ms = received_at_ms;
    row.status = validation_status::invalid;

    // Not the current round (a late duplicate, a round already done): recorded, never counted.
    if (!took.current) {
        co_await store_.add_validation(row);
        co_return reply(false, state, state.done() ? nullptr : reason_retry);
    }
    if (taken.outcome == take_outcome::round_gone) {
        // Lapsed metadata (TTL, a Valkey restart) gets a fresh round; if another answer just
        // finished the round, this one is only a late duplicate.
        const auto reopened = co_await rounds_.reopen(sid, uid, a.round);
        const auto effect = reopened == transition::applied ? round_effect::reopened : round_effect::stale;
        if (effect == round_effect::stale) state = co_await state_of(sid, uid);
        row.status = effect == round_effect::reopened ? validation_status::timeout : validation_status::invalid;
        co_await store_.add_validation(row);
        co_return reply(false, state, domain::attendance::answer_reason(effect));
    }
    if (taken.outcome == take_outcome::unknown && rebuilt) {
        // Valkey lost the round (a restart) and it was just re-created: the phone answered a
        // showing the server forgot, which is no fault of the student.
        row.status = validation_status::timeout;
        co_await store_.add_validation(row);
        co_return reply(false, state, domain::attendance::answer_reason(round_effect::lapsed));
    }
    if (taken.outcome == take_outcome::replayed) {
        row.secret_valid = false;
        co_await store_.add_validation(row);
        co_return reply(false, state, reason_retry);
    }

    const bool secret_ok = taken.outcome == take_outcome::taken;
    const auto now_s = received_at_ms / 1000;
    const crypto::totp_params totp{crypto::hash_algorithm::sha256, settings_.totp_step_seconds, 0, 6};
    const bool totpu_ok = crypto::totp_verify(state.k_totpu, a.totpu, now_s, 1, totp).has_value();
    bool totps_ok = false, rt_ok = false;
    if (secret_ok) {
        const auto& session_secret = session_totps_secret(sid);
        const auto step = crypto::totp_step(taken.shown.issued_at_ms / 1000, totp);
        totps_ok = equal_codes(crypto::totp_code_at_step(session_secret, step, totp), a.totps);
        const auto rt = received_at_ms - taken.shown.shown_at_ms;
        row.qr_generated_at_ms = taken.shown.shown_at_ms;
        row.response_time_ms = std::max<std::int64_t>(rt, 0);
        rt_ok = static_cast<double>(rt) >= settings_.scoring.rt_min_ms &&
                static_cast<double>(rt) <= settings_.scoring.rt_max_ms;
    }
    row.secret_valid = secret_ok;
    row.totps_valid = totps_ok;
    row.totpu_valid = totpu_ok;
    row.rt_valid = rt_ok;

    if (secret_ok && totps_ok && totpu_ok && rt_ok) {
        // The row first: if PostgreSQL is down the answer gets postgres_unavailable and the round stays
        // pending (its nonce is used up; the next showing brings a new one).
        row.status = validation_status::success;
        co_await store_.add_validation(row);
        const auto moved = co_await rounds_.succeed(sid, uid, a.round);
        if (!follow(state, moved)) state = co_await state_of(sid, uid);
        const bool answered = moved.effect == round_effect::answered;
        if (answered && state.done()) co_await provisional_result(sid, uid, state.max_rounds);
        events_.progress(sid);
        co_return reply(answered, state, domain::attendance::answer_reason(moved.effect));
    }

    const auto moved = co_await rounds_.fail(sid, uid, a.round, settings_.max_failed_attempts);
    row.status = validation_status::failed;
    row.failed_attempts = moved.failed_attempts;
    co_await store_.add_validation(row);
    if (!follow(state, moved)) state = co_await state_of(sid, uid);
    if (moved.effect == round_effect::round_failed) {
        if (state.done()) co_await provisional_result(sid, uid, state.max_rounds);
        events_.progress(sid);
    }
    co_return reply(false, state, domain::attendance::answer_reason(moved.effect));
}

const bytes& attendance_service::session_totps_secret(std::int64_t session_id) {
    if (const auto it = session_secrets_.find(session_id); it != session_secrets_.end()) return it->second;
    if (session_secrets_.size() >= max_cached_sessions) session_secrets_.clear();
    return session_secrets_.emplace(session_id, crypto::derive_session_totps_secret(settings_.master_key, session_id))
        .first->second;
}

net::awaitable<void> attendance_service::provisional_result(std::int64_t session_id, std::int64_t user_id,
                                                            std::optional<int> max_rounds) {
    // Best effort: the close recomputes every result, so a failure here loses nothing.
    try {
        const auto rec = co_await store_.record(session_id, user_id);
        if (!rec) co_return;
        if (!max_rounds) {
            const auto s = co_await session_rows_.find(session_id);
            if (!s) co_return;
            max_rounds = s->max_rounds;
        }
        const auto own = student_median(*rec, *max_rounds, settings_.max_failed_attempts);
        const auto medians = co_await class_medians_with(session_id, rec->reg.registration_id, own);
        const auto distribution = domain::scoring::compute_class_distribution(medians, settings_.scoring);
        co_await store_.save_provisional(
            score_registration(*rec, *max_rounds, settings_.max_failed_attempts, distribution, settings_.scoring));
    } catch (const std::exception& e) {
        spdlog::warn("provisional result of user {} in session {} not saved: {}", user_id, session_id, e.what());
    }
}

net::awaitable<std::vector<double>> attendance_service::class_medians_with(std::int64_t session_id,
                                                                           std::int64_t registration_id,
                                                                           std::optional<double> own) {
    const auto now = std::chrono::steady_clock::now();
    auto it = class_medians_.find(session_id);
    if (it == class_medians_.end() || now - it->second.fetched_at > class_medians_ttl) {
        const auto fetched = co_await store_.class_student_medians(session_id);
        // Found again: other answers may have changed the map while this one waited.
        if (class_medians_.size() >= max_cached_sessions) class_medians_.clear();
        auto& entry = class_medians_[session_id];
        entry.fetched_at = now;
        entry.by_registration.clear();
        for (const auto& m : fetched) entry.by_registration[m.registration_id] = m.median_ms;
        it = class_medians_.find(session_id);
    }
    auto& by_registration = it->second.by_registration;
    if (own)
        by_registration[registration_id] = *own;
    else
        by_registration.erase(registration_id);
    std::vector<double> out;
    out.reserve(by_registration.size());
    for (const auto& entry : by_registration) out.push_back(entry.second);
    co_return out;
}

net::awaitable<void> attendance_service::registrations_ended(std::vector<enrollment::superseded_registration> ended,
                                                             std::string reason) {
    for (const auto& e : ended) {
        spdlog::info("session {}: registration {} of user {} ended mid-session ({})", e.session_id, e.registration_id,
                     e.user_id, reason);
        try {
            co_await rounds_.invalidate(e.session_id, e.user_id);
        } catch (const std::exception& ex) {
            // PostgreSQL has the truth: a rebuild refuses the device; until Valkey answers
            // again the answer path reports valkey_unavailable anyway.
            spdlog::warn("session {}: round state of user {} not invalidated: {}", e.session_id, e.user_id, ex.what());
        }
        co_await provisional_result(e.session_id, e.user_id); // ERROR (results.cpp)
        events_.progress(e.session_id);
    }
}

net::awaitable<void> attendance_service::finished(std::int64_t session_id, const std::vector<std::int64_t>& user_ids,
                                                  std::string summary) {
    // Valkey is a cache: keys left behind by a failure here expire with their TTLs.
    try {
        co_await rounds_.forget(session_id, user_ids);
    } catch (const std::exception& e) {
        spdlog::warn("session {}: round keys not removed: {}", session_id, e.what());
    }
    events_.closed(session_id, std::move(summary));
}

net::awaitable<session> attendance_service::close(std::int64_t professor_id, std::int64_t session_id) {
    const auto current = co_await sessions_.get(professor_id, session_id);
    const auto max_failed = settings_.max_failed_attempts;
    const auto scoring = settings_.scoring;
    auto closed = co_await store_.close(session_id, false, [max_failed, scoring](int max_rounds, const auto& records) {
        return build_results(max_rounds, records, max_failed, scoring);
    });
    if (!closed) throw conflict("session_not_active", "the session is already " + current.status);
    co_await finished(session_id, closed->user_ids, summary_of(closed->results).dump());
    co_return co_await sessions_.get_any(session_id);
}

net::awaitable<session> attendance_service::cancel(std::int64_t professor_id, std::int64_t session_id) {
    auto s = co_await sessions_.cancel(professor_id, session_id);
    std::vector<std::int64_t> users;
    for (const auto& rec : co_await store_.records(session_id)) users.push_back(rec.reg.user_id);
    co_await finished(session_id, users, cancelled_summary());
    co_return s;
}

net::awaitable<std::vector<std::int64_t>> attendance_service::close_expired() {
    std::vector<std::int64_t> done;
    const auto max_failed = settings_.max_failed_attempts;
    const auto scoring = settings_.scoring;
    for (const auto id : co_await store_.expired_sessions()) {
        auto closed = co_await store_.close(id, true, [max_failed, scoring](int max_rounds, const auto& records) {
            return build_results(max_rounds, records, max_failed, scoring);
        });
        if (!closed) continue;
        co_await finished(id, closed->user_ids, summary_of(closed->results).dump());
        done.push_back(id);
    }
    co_return done;
}

} // namespace asistencia::application::attendance
