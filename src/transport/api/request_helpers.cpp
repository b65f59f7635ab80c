// Request helpers; see request_helpers.hpp.
#include "asistencia/transport/api/request_helpers.hpp"
#include "asistencia/transport/api/request_bodies.hpp"

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

nlohmann::json json_body(const http::request_context& ctx) { return parse_json_object(ctx.request.body()); }

http::http_response json_ok(const nlohmann::json& body) { return http::json_response(bhttp::status::ok, body.dump()); }

std::int64_t path_id(const http::request_context& ctx, std::string_view name) {
    const auto text = ctx.param(name);
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || p != text.data() + text.size() || v <= 0 || v > 2147483647) {
        throw application::malformed("invalid_parameter", "the " + std::string(name) + " must be a positive integer");
    }
    return v;
}

} // namespace asistencia::transport::api
