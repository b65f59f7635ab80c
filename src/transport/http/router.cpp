// Route table as a segment trie: static children first, then one parameter child, with
// backtracking so "/a/b" (static) and "/a/:x" (param) can coexist.
#include "asistencia/transport/http/router.hpp"

#include <algorithm>
#include <stdexcept>

namespace asistencia::transport::http {

namespace verb_ns = boost::beast::http;

struct router::route_info {
    std::string pattern;
    std::vector<std::string> param_names; // in path order
};

struct router::node {
    std::vector<std::pair<std::string, std::unique_ptr<node>>> statics;
    std::unique_ptr<node> param;
    std::vector<std::pair<verb_ns::verb, std::size_t>> routes; // verb -> route id
};

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Calls f(segment) for each '/'-separated segment after the leading '/'.
template <class F>
bool for_each_segment(std::string_view path, F&& f) {
    if (path.empty() || path.front() != '/') return false;
    if (path.size() == 1) return true; // "/" has no segments
    std::size_t pos = 1;
    for (;;) {
        auto slash = path.find('/', pos);
        auto seg = path.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
        if (!f(seg)) return false;
        if (slash == std::string_view::npos) return true;
        pos = slash + 1;
    }
}

// Small fixed-capacity segment list: routes are short, and this keeps match() off the heap.
constexpr std::size_t max_segments = 32;

} // namespace

bool percent_decode(std::string_view in, std::string& out) {
    out.clear();
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (c != '%') {
            out.push_back(c);
            continue;
        }
        if (i + 2 >= in.size()) return false;
        int hi = hex_value(in[i + 1]);
        int lo = hex_value(in[i + 2]);
        if (hi < 0 || lo < 0) return false;
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return true;
}

router::router() : root_(std::make_unique<node>()) {}
router::~router() = default;
router::router(router&&) noexcept = default;
router& router::operator=(router&&) noexcept = default;

std::size_t router::size() const noexcept { return routes_.size(); }
std::string_view router::pattern(std::size_t route_id) const { return routes_.at(route_id).pattern; }

std::size_t router::add(verb_ns::verb verb, std::string_view pattern) {
    route_info info{std::string(pattern), {}};
    node* n = root_.get();
    bool ok = for_each_segment(pattern, [&](std::string_view seg) {
        if (seg.empty()) return false;
        if (seg.front() == ':') {
            if (seg.size() == 1) return false;
            info.param_names.emplace_back(seg.substr(1));
            if (!n->param) n->param = std::make_unique<node>();
            n = n->param.get();
            return true;
        }
        if (seg.find('%') != std::string_view::npos) return false; // patterns are decoded text
        auto it = std::find_if(n->statics.begin(), n->statics.end(), [&](const auto& p) { return p.first == seg; });
        if (it == n->statics.end()) {
            n->statics.emplace_back(std::string(seg), std::make_unique<node>());
            it = std::prev(n->statics.end());
        }
        n = it->second.get();
        return true;
    });
    if (!ok || info.param_names.size() > max_segments)
        throw std::invalid_argument("malformed route pattern: " + std::string(pattern));
    for (const auto& r : n->routes)
        if (r.first == verb) throw std::invalid_argument("duplicate route: " + std::string(pattern));
    std::size_t id = routes_.size();
    n->routes.emplace_back(verb, id);
    routes_.push_back(std::move(info));
    return id;
}

namespace {

struct matcher {
    const std::string_view* segs;
    std::size_t count;
    verb_ns::verb verb;
    path_params& values;                // values only; names filled in at the end
    std::vector<verb_ns::verb> allowed; // from full-path matches without `verb`

    template <class Node>
    const std::pair<verb_ns::verb, std::size_t>* walk(const Node& n, std::size_t i) {
        if (i == count) {
            const std::pair<verb_ns::verb, std::size_t>* get = nullptr;
            for (const auto& r : n.routes) {
                if (r.first == verb) return &r;
                if (verb == verb_ns::verb::head && r.first == verb_ns::verb::get) get = &r;
            }
            if (get) return get;
            for (const auto& r : n.routes)
                if (std::find(allowed.begin(), allowed.end(), r.first) == allowed.end()) allowed.push_back(r.first);
            return nullptr;
        }
        std::string_view seg = segs[i];
        std::string_view decoded = seg;
        std::string owned;
        if (seg.find('%') != std::string_view::npos) {
            if (!percent_decode(seg, owned)) return nullptr;
            decoded = owned;
        }
        for (const auto& [text, child] : n.statics) {
            if (text == decoded) {
                if (auto r = walk(*child, i + 1)) return r;
                break;
            }
        }
        if (n.param && !decoded.empty()) {
            values.push_back(path_param{{}, std::string(decoded)});
            if (auto r = walk(*n.param, i + 1)) return r;
            values.pop_back();
        }
        return nullptr;
    }
};

} // namespace

match_result router::match(verb_ns::verb verb, std::string_view path, path_params& params) const {
    params.clear();
    match_result result;
    std::string_view segs[max_segments];
    std::size_t count = 0;
    bool ok = for_each_segment(path, [&](std::string_view seg) {
        if (count == max_segments) return false;
        segs[count++] = seg;
        return true;
    });
    if (!ok) return result;

    matcher m{segs, count, verb, params, {}};
    const auto* hit = m.walk(*root_, 0);
    if (hit) {
        const auto& info = routes_[hit->second];
        for (std::size_t i = 0; i < params.size(); ++i) params[i].name = info.param_names[i];
        result.status = match_status::found;
        result.route_id = hit->second;
        result.pattern = info.pattern;
        return result;
    }
    params.clear();
    if (m.allowed.empty()) return result;
    // HEAD is served by GET routes, so advertise it next to GET.
    if (std::find(m.allowed.begin(), m.allowed.end(), verb_ns::verb::get) != m.allowed.end() &&
        std::find(m.allowed.begin(), m.allowed.end(), verb_ns::verb::head) == m.allowed.end())
        m.allowed.push_back(verb_ns::verb::head);
    result.status = match_status::method_not_allowed;
    for (auto v : m.allowed) {
        if (!result.allow.empty()) result.allow += ", ";
        result.allow += verb_ns::to_string(v);
    }
    return result;
}

} // namespace asistencia::transport::http
