// The per-student results of one session as the legacy system reads them
// (GET /api/attendance/session/:sessionId/results, see docs/legacy-sync.md): the reader port
// the endpoint needs, implemented over PostgreSQL by infra::repositories::result_repository.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace asistencia::application::attendance {

namespace net = boost::asio;

struct student_result {
    std::int64_t user_id = 0;
    std::optional<std::int64_t> registration_id; // nullopt: never joined, marked by the professor
    // The latest override's to_status, else the computed final_status, else "PENDING".
    std::string status;
    std::optional<std::string> computed_status; // results.final_status, when computed
    std::optional<double> certainty;
    bool overridden = false;
    int successful_rounds = 0;
    int total_rounds = 0; // the result's, or the session's max_rounds before one exists
    std::optional<double> median_rt_ms;
    bool synced_to_legacy = false; // its legacy_outbox row is delivered
};

struct session_results {
    std::int64_t session_id = 0;
    std::int64_t professor_id = 0; // for the owner check
    std::string status;            // active | closed | cancelled
    std::int64_t course_id = 0;
    std::string course_code;
    std::string fecha;                   // YYYY-MM-DD: the date of start_time (stored in UTC)
    std::vector<student_result> results; // one per registration, in arrival order
};

class session_results_reader {
public:
    virtual ~session_results_reader() = default;
    // nullopt when the session does not exist.
    virtual net::awaitable<std::optional<session_results>> find_results(std::int64_t session_id) = 0;
    // Several sessions in one read (unknown ids are left out; match them by session_id).
    virtual net::awaitable<std::vector<session_results>> find_results_many(std::vector<std::int64_t> session_ids) {
        std::vector<session_results> out;
        for (const auto id : session_ids) {
            if (auto r = co_await find_results(id)) out.push_back(std::move(*r));
        }
        co_return out;
    }
};

} // namespace asistencia::application::attendance
