// The professor's review; see review.hpp.
#include "asistencia/application/attendance/review.hpp"

#include "asistencia/application/errors.hpp"

#include <cmath>
#include <map>
#include <set>

namespace asistencia::application::attendance {

namespace {

const std::set<std::string> override_statuses{"PRESENT", "ABSENT", "DOUBTFUL"};
const std::set<std::string> reason_codes{"forgot_phone", "no_smartphone", "accessibility", "technical_failure",
                                         "other"};
constexpr std::size_t max_reason_text = 500;

void validate(const new_override& o) {
    if (!override_statuses.contains(o.to_status)) {
        throw invalid_value("invalid_override", "status must be PRESENT, ABSENT or DOUBTFUL");
    }
    if (!reason_codes.contains(o.reason_code)) {
        throw invalid_value(
            "invalid_override",
            "reasonCode must be forgot_phone, no_smartphone, accessibility, technical_failure or other");
    }
    if (o.reason_text && o.reason_text->size() > max_reason_text) {
        throw invalid_value("invalid_override", "reasonText has at most 500 characters");
    }
    const bool blank = !o.reason_text || o.reason_text->find_first_not_of(" \t\r\n") == std::string::npos;
    if (o.reason_code == "other" && blank) throw invalid_value("invalid_override", "reason `other` needs a reasonText");
}

} // namespace

// A CSV field: quoted when it holds a separator (`;` is ours, `,` is the other common one
// a spreadsheet may split on), a quote or a line break; a leading = + - @ TAB or CR is
// neutralized (OWASP CSV injection) so a spreadsheet never runs a name as a formula.
std::string csv_field(const std::string& v) {
    std::string s = v;
    if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r')) {
        s.insert(s.begin(), '\'');
    }
    if (s.find_first_of(";,\"\r\n") == std::string::npos) return s;
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

namespace {

std::string field(const std::string& v) { return csv_field(v); }

std::string number(std::optional<double> v) {
    return v ? std::to_string(static_cast<long long>(std::llround(*v))) : std::string();
}

// Spanish labels for the spreadsheet (the professors read it).
std::string label(const std::string& status) {
    static const std::map<std::string, std::string> labels{{"PRESENT", "PRESENTE"}, {"DOUBTFUL", "DUDOSO"},
                                                           {"ABSENT", "AUSENTE"},   {"ERROR", "ERROR"},
                                                           {"PENDING", "EN CURSO"}, {"NOT_JOINED", "NO SE UNIÓ"}};
    const auto it = labels.find(status);
    return it == labels.end() ? status : it->second;
}

} // namespace

std::string csv_status_label(const std::string& status) { return label(status); }

std::string student_review::effective_status() const {
    if (last_override) return last_override->to_status;
    if (result) return result->status;
    return registration_id ? "PENDING" : "NOT_JOINED";
}

std::string render_report_csv(const session& s, const session_review& review, const std::vector<course_student>& list) {
    std::map<std::int64_t, const student_review*> by_user;
    for (const auto& st : review.students) by_user[st.user_id] = &st;
    std::string out = "\xEF\xBB\xBF"; // UTF-8 BOM: spreadsheet programs then show the accents
    out +=
        "id_alumno;rut;nombre;correo;estado;certeza;rondas_exitosas;rondas;rt_mediana_ms;dispositivo_marcado;"
        "ajuste_profesor;motivo_ajuste\r\n";
    int present = 0;
    for (const auto& student : list) {
        const auto it = by_user.find(student.user_id);
        const student_review empty{};
        const auto& st = it == by_user.end() ? empty : *it->second;
        const auto status = it == by_user.end() ? std::string("NOT_JOINED") : st.effective_status();
        if (status == "PRESENT") ++present;
        std::string row;
        row += std::to_string(student.user_id) + ";" + field(student.rut) + ";" + field(student.name) + ";" +
               field(student.email) + ";" + field(label(status)) + ";";
        row += (st.result ? number(st.result->score) : "") + ";";
        row += (st.result ? std::to_string(st.result->successful_rounds) : "") + ";";
        row += std::to_string(s.max_rounds) + ";";
        row += (st.result ? number(st.result->median_ms) : "") + ";";
        row += std::string(st.device_flagged ? "sí" : "no") + ";";
        row += (st.last_override ? field(label(st.last_override->to_status)) : "") + ";";
        if (st.last_override) {
            row += field(st.last_override->reason_code +
                         (st.last_override->reason_text ? ": " + *st.last_override->reason_text : ""));
        }
        out += row + "\r\n";
    }
    out += "\r\n";
    out += "presentes;" + std::to_string(present) + "\r\n";
    if (review.headcount) {
        out += "conteo_sala;" + std::to_string(*review.headcount) + "\r\n";
        if (present > *review.headcount) {
            out += "alerta;" + field("hay más presentes que personas contadas en la sala") + "\r\n";
        }
    }
    return out;
}

net::awaitable<std::pair<session, session_review>> review_service::review(std::int64_t professor_id,
                                                                          std::int64_t session_id) {
    auto s = co_await sessions_.get(professor_id, session_id);
    auto r = co_await store_.review(session_id);
    co_return std::make_pair(std::move(s), std::move(r));
}

net::awaitable<listed_review> review_service::review_with_list(std::int64_t professor_id, std::int64_t session_id,
                                                               bool list_required) {
    listed_review out;
    out.s = co_await sessions_.get(professor_id, session_id);
    out.review = co_await store_.review(session_id);
    try {
        out.list = co_await courses_.students(out.s.course_id, out.s.semester_id);
        out.list_available = true;
    } catch (const error& e) { // PHP down or answering nonsense
        if (list_required || !is_dependency_failure(e)) throw;
    }
    co_return out;
}

net::awaitable<override_outcome> review_service::override_result(std::int64_t professor_id, std::int64_t session_id,
                                                                 new_override o) {
    const auto s = co_await sessions_.get(professor_id, session_id);
    validate(o);
    const bool listed = co_await courses_.is_enrolled(s.course_id, s.semester_id, o.user_id);
    if (!listed) throw invalid_value("invalid_override", "the student is not on this course's list");
    co_return co_await store_.add_override(session_id, professor_id, std::move(o));
}

net::awaitable<session> review_service::set_headcount(std::int64_t professor_id, std::int64_t session_id,
                                                      int headcount) {
    co_await sessions_.get(professor_id, session_id);
    if (headcount < 0 || headcount > 10000) throw invalid_value("invalid_headcount", "headcount must be 0 to 10000");
    co_await store_.set_headcount(session_id, headcount);
    co_return co_await sessions_.get(professor_id, session_id);
}

net::awaitable<std::pair<session, std::string>> review_service::report_csv(std::int64_t professor_id,
                                                                           std::int64_t session_id) {
    auto s = co_await sessions_.get(professor_id, session_id);
    const auto r = co_await store_.review(session_id);
    const auto list = co_await courses_.students(s.course_id, s.semester_id);
    auto csv = render_report_csv(s, r, list);
    co_return std::make_pair(std::move(s), std::move(csv));
}

} // namespace asistencia::application::attendance
