// The professor's review of a session (PROTOCOL.md 6.6): every student's result with its
// components and attempts, overrides with reason codes (an audit trail that never
// overwrites the computed result), the room's headcount, and the CSV report.
#pragma once

#include "asistencia/application/attendance/rounds.hpp"
#include "asistencia/application/attendance/session_service.hpp"

namespace asistencia::application::attendance {

struct attempt_view {
    int round = 0;
    std::string status;
    std::optional<std::int64_t> rt_ms;
    std::optional<bool> totpu_valid, totps_valid, rt_valid, secret_valid;
    std::string at; // response_received_at, ISO 8601
};

struct override_view {
    std::int64_t user_id = 0;
    std::optional<std::string> from_status;
    std::string to_status;
    std::string reason_code;
    std::optional<std::string> reason_text;
    std::int64_t performed_by = 0;
    std::string at;
};

struct student_review {
    std::int64_t user_id = 0;
    std::optional<std::int64_t> registration_id; // nullopt: never joined
    int queue_position = 0;
    bool device_flagged = false;
    std::optional<std::string> flag_reason;
    std::optional<result_row> result;
    bool result_final = false;
    std::vector<attempt_view> attempts;
    std::optional<override_view> last_override;
    std::vector<override_view> overrides; // every override of this student, oldest first

    // The override's status, else the result's, else PENDING (joined) / NOT_JOINED.
    std::string effective_status() const;
};

struct session_review {
    std::optional<int> headcount;
    std::optional<double> baseline_median_ms, baseline_mad_ms;
    std::vector<student_review> students; // joined students in queue order, then overridden others
};

// The review with the course's list (names, RUT) from the legacy system's cache.
struct listed_review {
    session s;
    session_review review;
    std::vector<course_student> list; // empty when the list was not needed and PHP is down
    bool list_available = false;
};

struct new_override {
    std::int64_t user_id = 0;
    std::string to_status;   // PRESENT | ABSENT | DOUBTFUL
    std::string reason_code; // forgot_phone | no_smartphone | accessibility | technical_failure | other
    std::optional<std::string> reason_text;
};

struct override_outcome {
    override_view stored;
    // The session was closed and an earlier PRESENT had already reached the legacy system:
    // PHP offers no way to withdraw it, so the professor must correct it there.
    bool legacy_already_recorded = false;
};

class review_store {
public:
    virtual ~review_store() = default;
    virtual net::awaitable<session_review> review(std::int64_t session_id) = 0;
    // Stores the override; on a closed session also fixes the legacy outbox in the same
    // transaction (queues a PRESENT, withdraws an undelivered one).
    virtual net::awaitable<override_outcome> add_override(std::int64_t session_id, std::int64_t performed_by,
                                                          new_override o) = 0;
    virtual net::awaitable<void> set_headcount(std::int64_t session_id, int headcount) = 0;
};

class review_service {
public:
    review_service(session_service& sessions, review_store& store, course_directory& courses)
        : sessions_(sessions), store_(store), courses_(courses) {}

    net::awaitable<std::pair<session, session_review>> review(std::int64_t professor_id, std::int64_t session_id);
    // The review plus the course list. list_required: a PHP outage is php_unavailable (the roster
    // needs the list); otherwise the review comes without names (results stay readable).
    net::awaitable<listed_review> review_with_list(std::int64_t professor_id, std::int64_t session_id,
                                                   bool list_required);
    // errc::invalid_value "invalid_override" for an unknown status/reason, a missing text for `other`, or a
    // student who is not on the course's list.
    net::awaitable<override_outcome> override_result(std::int64_t professor_id, std::int64_t session_id,
                                                     new_override o);
    net::awaitable<session> set_headcount(std::int64_t professor_id, std::int64_t session_id, int headcount);
    // One row per student of the course list (joined or not), UTF-8 with BOM, ';'-separated.
    net::awaitable<std::pair<session, std::string>> report_csv(std::int64_t professor_id, std::int64_t session_id);

private:
    session_service& sessions_;
    review_store& store_;
    course_directory& courses_;
};

// The report's CSV conventions, shared with the semester summary: a formula-safe field
// (quoted as needed, a leading = + - @ neutralized) and the Spanish label of a status.
std::string csv_field(const std::string& v);
std::string csv_status_label(const std::string& status);

// Exposed for unit tests: the CSV text of a report (pure).
// One CSV field of the report, quoted and neutralized against formula injection.
std::string csv_field(const std::string& v);
std::string render_report_csv(const session& s, const session_review& review, const std::vector<course_student>& list);

} // namespace asistencia::application::attendance
