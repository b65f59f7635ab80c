// Posting one outbox row to PHP; see attendance_sender.hpp.
#include "asistencia/infra/php_bridge/attendance_sender.hpp"

#include "asistencia/application/errors.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace asistencia::infra::php_bridge {

namespace {

using application::attendance::send_outcome;
using application::attendance::send_result;

// PHP's snake_case error code, when the body carries one that looks like a code.
std::string error_code(std::string_view body) {
    const auto j = nlohmann::json::parse(body, nullptr, false);
    if (!j.is_object()) return {};
    const auto e = j.find("error");
    if (e == j.end() || !e->is_object()) return {};
    const auto c = e->find("code");
    if (c == e->end() || !c->is_string()) return {};
    auto code = c->get<std::string>();
    if (code.size() > 64) return {};
    for (char ch : code) {
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) return {};
    }
    return code;
}

} // namespace

send_result classify_attendance_answer(unsigned status, std::string_view body) {
    if (status == 200 || status == 201) return {send_outcome::delivered, {}};
    std::string reason = "HTTP " + std::to_string(status);
    if (const auto code = error_code(body); !code.empty()) reason += " " + code;
    switch (status) {
        case 400: // the record itself is malformed: sending it again changes nothing
        case 404: // unknown student or course
        case 409: // the session was recorded for another course
        case 413:
        case 422: // the student is not in the course
            return {send_outcome::permanent_failure, std::move(reason)};
        default:
            // 401/403 (our internal token refused: a configuration mismatch operators fix),
            // 429, 5xx and anything unexpected: keep the row and try again later.
            return {send_outcome::retry_later, std::move(reason)};
    }
}

net::awaitable<send_result> php_attendance_sender::send(const application::attendance::outbox_row& row) {
    attendance_record record;
    record.user_id = row.user_id;
    record.curso_id = row.course_id;
    record.fecha = row.fecha;
    record.certeza = row.certeza;
    record.session_id = row.session_id;
    try {
        const auto r = co_await bridge_.post_attendance(std::move(record));
        if (r.status == 401 || r.status == 403) {
            spdlog::error(
                "legacy sync: PHP refused the internal token (HTTP {}); check JWT_SECRET_INTERNAL "
                "on both sides",
                r.status);
        }
        co_return classify_attendance_answer(r.status, r.body);
    } catch (const application::error& e) {
        // PHP unreachable, timed out, 5xx after retries, circuit open.
        co_return send_result{send_outcome::retry_later, e.code() + ": " + e.what()};
    } catch (const std::exception& e) {
        co_return send_result{send_outcome::retry_later, std::string("php bridge error: ") + e.what()};
    }
}

} // namespace asistencia::infra::php_bridge
