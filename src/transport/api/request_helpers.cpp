// Request helpers; see request_helpers.hpp.
#include "asistencia/transport/api/request_helpers.hpp"

#include "asistencia/application/errors.hpp"

#include <charconv>

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
