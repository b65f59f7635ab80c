// Route table: (method, path pattern) -> route id, with ":name" path parameters.
// Pure and Asio-free so it can be unit-tested; the server maps ids to handlers.
#pragma once

#include <boost/beast/http/verb.hpp>

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace asistencia::transport::http {

// One captured path parameter; `name` points into the router's own storage.
struct path_param {
    std::string_view name;
    std::string value; // percent-decoded
};

// Reused across requests by the session so that matching does not allocate once warm.
using path_params = std::vector<path_param>;

enum class match_status { found, not_found, method_not_allowed };

struct match_result {
    match_status status = match_status::not_found;
    std::size_t route_id = 0; // valid when status == found
    std::string_view pattern; // the matched pattern (for logs/metrics), when found
    std::string allow;        // "GET, POST" when status == method_not_allowed
};

// Patterns are absolute paths split on '/'; a segment ":name" captures one non-empty
// segment. Static segments win over parameter segments at the same depth, whatever the
// registration order. Matching compares percent-decoded segments, so "/a%62c" matches
// "/abc"; a decoded '/' inside a segment never splits it. HEAD falls back to the GET
// route of the same path when no HEAD route exists (the session drops the body).
// Routes are registered before serving; add() during match() is not supported.
class router {
public:
    router();
    ~router();
    router(router&&) noexcept;
    router& operator=(router&&) noexcept;
    router(const router&) = delete;
    router& operator=(const router&) = delete;

    // Returns the new route's id (0, 1, 2...). Throws std::invalid_argument for a malformed
    // pattern or a duplicate (verb, pattern) pair.
    std::size_t add(boost::beast::http::verb verb, std::string_view pattern);

    // `path` is the raw (still percent-encoded) path of the request target, without query.
    // Captured parameters are appended to `params` (cleared first).
    match_result match(boost::beast::http::verb verb, std::string_view path, path_params& params) const;

    std::size_t size() const noexcept;
    std::string_view pattern(std::size_t route_id) const;

private:
    struct node;
    std::unique_ptr<node> root_;
    struct route_info;
    std::deque<route_info> routes_; // deque: match() hands out views into its strings
};

// Percent-decodes `in` into `out`; returns false on a malformed escape ("%4", "%zz").
bool percent_decode(std::string_view in, std::string& out);

} // namespace asistencia::transport::http
