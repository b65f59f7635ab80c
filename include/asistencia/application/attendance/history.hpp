// History over closed classes (issue 11 point 5, issue 12 point 4): a professor's own
// sessions, newest first, with their counts; a course's semester summary per student (the
// effective status of every session: override, else result); a student's own sessions.
// Effective statuses come from session_results_reader (the one definition the legacy
// results endpoint uses). Plain structs out: the transport shapes JSON and CSV.
#pragma once

#include "asistencia/application/attendance/session.hpp"
#include "asistencia/application/attendance/session_results.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace asistencia::application::attendance {

struct history_filter {
    std::optional<std::int64_t> course_id;
    std::optional<std::int64_t> semester_id;
};

struct history_query {
    history_filter filter;
    int page = 1;       // 1-based
    int page_size = 20; // 1..100
};

struct history_item {
    session s;
    int present = 0; // effective PRESENT
    int total = 0;   // students with a registration or an override
};

struct history_page {
    int page = 1;
    int page_size = 20;
    std::int64_t total = 0; // sessions matching the filter
    std::vector<history_item> items;
};

struct summary_session {
    std::int64_t session_id = 0;
    std::string date;       // YYYY-MM-DD (UTC, as the legacy system gets it)
    std::string start_time; // ISO 8601
    std::string room;
};

struct summary_student {
    std::int64_t user_id = 0;
    std::string name;
    std::string rut;
    int attended = 0;                  // sessions with effective PRESENT
    int total = 0;                     // the summary's sessions
    std::optional<double> percentage;  // 100 * attended / total, one decimal; none without sessions
    std::vector<std::string> statuses; // per summary session, same order; NOT_JOINED when absent
};

struct course_summary {
    std::int64_t course_id = 0;
    std::string course_code;
    std::string course_name;
    std::int64_t semester_id = 0;
    std::vector<summary_session> sessions; // the professor's closed sessions, oldest first
    std::vector<summary_student> students; // the course list's order
};

struct student_attendance_item {
    std::int64_t session_id = 0;
    std::int64_t course_id = 0;
    std::string course_code;
    std::string course_name;
    std::int64_t semester_id = 0;
    std::string date;
    std::string start_time;
    std::string session_status; // active | closed | cancelled
    std::string status;         // effective: override, else result, else PENDING
    std::optional<double> score;
    bool overridden = false;
};

class history_store {
public:
    virtual ~history_store() = default;
    // The professor's sessions matching `f`, newest first: (count of all matches, the page).
    virtual net::awaitable<std::pair<std::int64_t, std::vector<session>>> professor_sessions(std::int64_t professor_id,
                                                                                             history_filter f,
                                                                                             int limit, int offset) = 0;
    // Sessions where the student has a registration or an override, newest first (bounded).
    virtual net::awaitable<std::vector<session>> student_sessions(std::int64_t user_id,
                                                                  std::optional<std::int64_t> semester_id) = 0;
};

class history_service {
public:
    history_service(history_store& store, session_results_reader& results, course_directory& courses)
        : store_(store), results_(results), courses_(courses) {}

    // 422 invalid_parameter for a page < 1 or a page size outside 1..100; with a courseId,
    // errc::forbidden "not_allowed" unless the professor may take attendance in that course.
    net::awaitable<history_page> professor_sessions(std::int64_t professor_id, history_query q);
    // errc::forbidden "not_allowed" unless the professor may take attendance in the course.
    net::awaitable<course_summary> summary(std::int64_t professor_id, std::int64_t course_id, std::int64_t semester_id);
    net::awaitable<std::vector<student_attendance_item>> student_attendance(std::int64_t user_id,
                                                                            std::optional<std::int64_t> semester_id);

private:
    net::awaitable<void> check_course(std::int64_t professor_id, std::int64_t course_id);

    history_store& store_;
    session_results_reader& results_;
    course_directory& courses_;
};

// The summary as CSV: UTF-8 BOM, ';', formula-safe fields, Spanish status labels (pure).
std::string render_summary_csv(const course_summary& s);

} // namespace asistencia::application::attendance
