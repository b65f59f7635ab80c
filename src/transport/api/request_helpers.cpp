// Request helpers; see request_helpers.hpp.
#include "asistencia/transport/api/request_helpers.hpp"

#include "asistencia/application/errors.hpp"

#include <charconv>
#include <cmath>

namespace asistencia::transport::api {

namespace bhttp = boost::beast::http;

std::string_view authorization_header(const http::request_context& ctx) {
    const auto it = ctx.request.find(bhttp::field::authorization);
    return it == ctx.request.end() ? std::string_view{} : std::string_view(it->value().data(), it->value().size());
}

auth::credentials authorization(const http::request_context& ctx) {
    return auth::credentials(authorization_header(ctx), &ctx.cookie);
}

nlohmann::json json_body(const http::request_context& ctx) {
    const auto& body = ctx.request.body();
    if (body.empty()) return nlohmann::json::object();
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        throw application::bad_request("invalid_json", "the body must be a JSON object");
    }
    return j;
}

std::string string_member(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return {};
    if (!it->is_string()) throw application::bad_request("invalid_field", std::string(key) + " must be a string");
    return it->get<std::string>();
}

std::int64_t bounded_integer(const nlohmann::json& v, const char* name, std::int64_t min, std::int64_t max,
                             const char* code) {
    const auto refuse = [&]() -> std::int64_t {
        throw application::bad_request(code, std::string(name) + " must be an integer from " + std::to_string(min) +
                                                 " to " + std::to_string(max));
    };
    // nlohmann keeps large positive numbers as uint64: compare them unsigned, never through
    // a wrapping get<int64_t>().
    if (v.is_number_unsigned()) {
        const auto u = v.get<std::uint64_t>();
        if (max < 0 || u > static_cast<std::uint64_t>(max) || static_cast<std::int64_t>(u) < min) return refuse();
        return static_cast<std::int64_t>(u);
    }
    if (!v.is_number_integer()) return refuse();
    const auto i = v.get<std::int64_t>();
    if (i < min || i > max) return refuse();
    return i;
}

std::int64_t bounded_number(const nlohmann::json& v, const char* name, double min, double max, const char* code) {
    // Converting a double outside int64's range (or NaN) is undefined behaviour: range first.
    const double d = v.is_number() ? v.get<double>() : std::nan("");
    if (!std::isfinite(d) || d < min || d > max) {
        throw application::bad_request(code, std::string(name) + " must be a number in range");
    }
    return static_cast<std::int64_t>(d);
}

http::http_response json_ok(const nlohmann::json& body) {
    return http::json_response(bhttp::status::ok, body.dump());
}

std::int64_t path_id(const http::request_context& ctx, std::string_view name) {
    const auto text = ctx.param(name);
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || p != text.data() + text.size() || v <= 0 || v > 2147483647) {
        throw application::bad_request("invalid_parameter", "the " + std::string(name) + " must be a positive integer");
    }
    return v;
}

} // namespace asistencia::transport::api
