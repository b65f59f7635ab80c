// Request body parsing; see request_bodies.hpp.
#include "asistencia/transport/api/request_bodies.hpp"

#include "asistencia/application/errors.hpp"

namespace asistencia::transport::api {

namespace {

using nlohmann::json;
namespace att = application::attendance;

// Shared by the join and finish bodies: the PublicKeyCredential envelope.
const json& credential_response(const json& body, const char* what) {
    const auto cred = body.find("credential");
    if (cred == body.end() || !cred->is_object()) {
        throw application::malformed("invalid_field", std::string("credential must be a ") + what + " object");
    }
    if (string_member(*cred, "type") != "public-key") {
        throw application::malformed("invalid_field", "credential.type must be public-key");
    }
    const auto resp = cred->find("response");
    if (resp == cred->end() || !resp->is_object()) {
        throw application::malformed("invalid_field", "credential.response is missing");
    }
    return *resp;
}

std::string answer_text(const json& body, const char* key) {
    const auto it = body.find(key);
    if (it == body.end() || !it->is_string()) {
        throw application::malformed("invalid_answer", std::string(key) + " must be a string");
    }
    return it->get<std::string>();
}

// Milliseconds since the epoch as a JSON number: integers as they are, a double only
// when it is finite and well inside int64 (converting any other double is undefined).
std::optional<std::int64_t> millis(const json& v) {
    constexpr double bound = 9e15; // ~285,000 years: no real clock is near it
    if (v.is_number_integer()) {
        if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(bound)) return std::nullopt;
        const auto i = v.get<std::int64_t>();
        if (static_cast<double>(i) < -bound || static_cast<double>(i) > bound) return std::nullopt;
        return i;
    }
    const double d = v.get<double>();
    if (!(d > -bound && d < bound)) return std::nullopt; // also refuses NaN
    return static_cast<std::int64_t>(d);
}

} // namespace

// An int_member within [min, max]; 400 invalid_field outside it.
std::int64_t int_within(const json& j, const char* key, std::int64_t min, std::int64_t max,
                        std::optional<std::int64_t> fallback = std::nullopt);

json parse_json_object(std::string_view body) {
    if (body.empty()) return json::object();
    auto j = json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        throw application::malformed("invalid_json", "the body must be a JSON object");
    }
    return j;
}

std::string string_member(const json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return {};
    if (!it->is_string()) throw application::malformed("invalid_field", std::string(key) + " must be a string");
    return it->get<std::string>();
}

std::int64_t int_member(const json& j, const char* key, std::optional<std::int64_t> fallback) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
        if (fallback) return *fallback;
        throw application::malformed("invalid_field", std::string(key) + " is required");
    }
    // An unsigned value above INT64_MAX would wrap to a negative one: refuse it instead.
    if (!it->is_number_integer() || (it->is_number_unsigned() && it->get<std::uint64_t>() > INT64_MAX)) {
        throw application::malformed("invalid_field", std::string(key) + " must be an integer");
    }
    return it->get<std::int64_t>();
}

std::int64_t int_within(const json& j, const char* key, std::int64_t min, std::int64_t max,
                        std::optional<std::int64_t> fallback) {
    const auto v = int_member(j, key, fallback);
    if (v < min || v > max) {
        throw application::malformed("invalid_field", std::string(key) + " must be an integer from " +
                                                          std::to_string(min) + " to " + std::to_string(max));
    }
    return v;
}

std::optional<std::int64_t> id_member(const json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::nullopt;
    if (!it->is_number_integer() || it->get<std::int64_t>() <= 0 || it->get<std::int64_t>() > 2147483647 ||
        (it->is_number_unsigned() && it->get<std::uint64_t>() > 2147483647)) {
        throw application::malformed("invalid_field", std::string(key) + " must be a positive integer");
    }
    return it->get<std::int64_t>();
}

application::enrollment::finish_request parse_finish(const json& body, std::string user_agent) {
    const auto& resp = credential_response(body, "RegistrationResponseJSON");
    const auto& cred = body.at("credential");
    application::enrollment::finish_request r;
    r.credential_id = string_member(cred, "id");
    r.raw_id = string_member(cred, "rawId");
    r.client_data_json = string_member(resp, "clientDataJSON");
    r.attestation_object = string_member(resp, "attestationObject");
    if (const auto t = resp.find("transports"); t != resp.end() && t->is_array()) {
        for (const auto& x : *t) {
            if (x.is_string() && r.transports.size() < 8) r.transports.push_back(x.get<std::string>());
        }
    }
    r.client_handshake_key = string_member(body, "clientHandshakeKey");
    r.device_fingerprint = string_member(body, "deviceFingerprint");
    r.user_agent = std::move(user_agent);
    return r;
}

// AuthenticationResponseJSON: {id, rawId, type, response: {clientDataJSON, authenticatorData, signature, userHandle?}}.
att::join_request parse_join(const json& body) {
    const auto& resp = credential_response(body, "AuthenticationResponseJSON");
    const auto& cred = body.at("credential");
    att::join_request r;
    r.credential_id = string_member(cred, "id");
    if (r.credential_id.empty() || r.credential_id != string_member(cred, "rawId")) {
        throw application::malformed("invalid_field", "credential.id and credential.rawId must be present and equal");
    }
    r.client_data_json = string_member(resp, "clientDataJSON");
    r.authenticator_data = string_member(resp, "authenticatorData");
    r.signature = string_member(resp, "signature");
    r.user_handle = string_member(resp, "userHandle");
    return r;
}

// Any malformed field is 400 invalid_answer (PROTOCOL.md 6.5); nothing is recorded for it.
att::answer_request parse_answer(const json& body) {
    att::answer_request a;
    const auto round = body.find("round");
    if (round == body.end() || !round->is_number_integer()) {
        throw application::malformed("invalid_answer", "round must be an integer");
    }
    // Compared as int64 before narrowing; an unsigned value is out of range whatever it is.
    const auto r = round->is_number_unsigned() && round->get<std::uint64_t>() > 10 ? 0 : round->get<std::int64_t>();
    a.round = (r < 1 || r > 10) ? 0 : static_cast<int>(r);
    a.nonce = answer_text(body, "nonce");
    a.totps = answer_text(body, "totps");
    a.totpu = answer_text(body, "totpu");
    if (const auto it = body.find("clientScannedAt"); it != body.end() && !it->is_null()) {
        const auto ms = it->is_number() ? millis(*it) : std::nullopt;
        if (!ms || *ms < 0)
            throw application::malformed("invalid_answer", "clientScannedAt must be a time in milliseconds");
        a.client_scanned_at_ms = *ms;
    }
    return a;
}

att::create_session_request parse_create_session(const json& body) {
    att::create_session_request r;
    r.course_id = int_within(body, "courseId", 1, 2147483647);
    r.semester_id = int_within(body, "semesterId", 1, 2147483647);
    r.room = string_member(body, "room");
    // Within int's range here (no truncation: 2^32 + 3 is not 3 rounds, it is a 400); the
    // service's rule (1 to 10, else 422) decides the rest. The default, 5, is the fewest
    // rounds at which scoring v2 keeps >= 99 % of honest students PRESENT on the measured
    // model (docs/scoring.md: 3 rounds give 97.9 % at network sigma 0.9).
    r.max_rounds = static_cast<int>(int_within(body, "maxRounds", INT32_MIN, INT32_MAX, 5));
    return r;
}

att::new_override parse_override(const json& body) {
    att::new_override o;
    o.user_id = int_within(body, "userId", 1, 2147483647);
    o.to_status = string_member(body, "status");
    o.reason_code = string_member(body, "reasonCode");
    if (auto text = string_member(body, "reasonText"); !text.empty()) o.reason_text = std::move(text);
    return o;
}

} // namespace asistencia::transport::api
