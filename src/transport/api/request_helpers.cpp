// Request helpers; see request_helpers.hpp.
#include "asistencia/transport/api/request_helpers.hpp"

#include "asistencia/application/errors.hpp"

namespace asistencia::transport::api {

namespace bhttp = boost::beast::http;

std::string_view authorization(const http::request_context& ctx) {
    const auto it = ctx.request.find(bhttp::field::authorization);
    return it == ctx.request.end() ? std::string_view{} : std::string_view(it->value().data(), it->value().size());
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

} // namespace asistencia::transport::api
