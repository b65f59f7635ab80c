// Static file lookup under a canonical root: decode, refuse anything suspicious, then
// compare canonical paths so symlinks cannot lead outside the root.
#include "asistencia/transport/http/static_files.hpp"

#include "asistencia/transport/http/router.hpp" // percent_decode

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace asistencia::transport::http {

namespace fs = std::filesystem;

namespace {

// Larger files are not served: web/ holds small pages and scripts, and a whole file is
// read into memory per request.
constexpr std::uintmax_t max_file_size = std::uintmax_t{32} * 1024 * 1024;

bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; };
               return lower(x) == lower(y);
           });
}

bool is_within(const fs::path& root, const fs::path& p) {
    auto [r, q] = std::mismatch(root.begin(), root.end(), p.begin(), p.end());
    return r == root.end();
}

std::string make_etag(std::uintmax_t size, fs::file_time_type mtime) {
    auto ns = static_cast<unsigned long long>(mtime.time_since_epoch().count());
    char buf[64];
    std::snprintf(buf, sizeof buf, "\"%llx-%llx\"", static_cast<unsigned long long>(size), ns);
    return buf;
}

} // namespace

std::string_view mime_type_for(std::string_view filename) noexcept {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 17> types{{
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"json", "application/json"},
        {"map", "application/json"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"ico", "image/x-icon"},
        {"webmanifest", "application/manifest+json"},
        {"txt", "text/plain; charset=utf-8"},
        {"wasm", "application/wasm"},
        {"woff2", "font/woff2"},
        {"webp", "image/webp"},
    }};
    auto dot = filename.rfind('.');
    auto slash = filename.find_last_of("/\\");
    if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash))
        return "application/octet-stream";
    auto ext = filename.substr(dot + 1);
    for (const auto& [e, t] : types)
        if (iequals(e, ext)) return t;
    return "application/octet-stream";
}

static_files::static_files(const fs::path& root) {
    std::error_code ec;
    root_ = fs::canonical(root, ec);
    if (ec || !fs::is_directory(root_, ec))
        throw std::invalid_argument("static root is not a directory: " + root.string());
}

std::optional<fs::path> static_files::resolve(std::string_view raw) const {
    if (raw.empty() || raw.front() != '/') return std::nullopt;
    if (raw.find('\0') != std::string_view::npos || raw.find('\\') != std::string_view::npos) return std::nullopt;

    fs::path p = root_;
    std::string decoded;
    std::size_t pos = 1;
    while (pos <= raw.size()) {
        auto slash = raw.find('/', pos);
        bool last = slash == std::string_view::npos;
        auto seg = raw.substr(pos, last ? std::string_view::npos : slash - pos);
        if (seg.empty()) {
            // Only a trailing '/' (a directory) may leave an empty segment; "//" may not.
            if (!last) return std::nullopt;
            break;
        }
        if (!percent_decode(seg, decoded)) return std::nullopt;
        if (decoded.empty() || decoded.front() == '.' ||
            decoded.find_first_of(std::string_view("/\\\0:", 4)) != std::string::npos)
            return std::nullopt;
        p /= decoded;
        if (last) break;
        pos = slash + 1;
    }

    std::error_code ec;
    fs::path real = fs::canonical(p, ec);
    if (ec || !is_within(root_, real)) return std::nullopt;
    if (fs::is_directory(real, ec)) {
        real = fs::canonical(real / "index.html", ec);
        if (ec || !is_within(root_, real)) return std::nullopt;
    }
    if (!fs::is_regular_file(real, ec)) return std::nullopt;
    return real;
}

bool static_files::etag_matches(std::string_view inm, std::string_view etag) noexcept {
    auto strip_weak = [](std::string_view t) {
        if (t.size() >= 2 && (t[0] == 'W' || t[0] == 'w') && t[1] == '/') t.remove_prefix(2);
        return t;
    };
    etag = strip_weak(etag);
    std::size_t pos = 0;
    while (pos < inm.size()) {
        auto comma = inm.find(',', pos);
        auto item = inm.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
        if (item == "*") return true;
        if (!item.empty() && strip_weak(item) == etag) return true;
        if (comma == std::string_view::npos) break;
        pos = comma + 1;
    }
    return false;
}

bool static_files::accepts_gzip(std::string_view accept_encoding) noexcept {
    std::size_t pos = 0;
    while (pos < accept_encoding.size()) {
        auto comma = accept_encoding.find(',', pos);
        auto item = accept_encoding.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
        auto semi = item.find(';');
        auto coding = item.substr(0, semi);
        while (!coding.empty() && (coding.front() == ' ' || coding.front() == '\t')) coding.remove_prefix(1);
        while (!coding.empty() && (coding.back() == ' ' || coding.back() == '\t')) coding.remove_suffix(1);
        if (iequals(coding, "gzip")) {
            if (semi == std::string_view::npos) return true;
            auto params = item.substr(semi + 1);
            auto q = params.find("q=");
            if (q == std::string_view::npos) return true;
            auto value = params.substr(q + 2);
            // q=0, q=0.0, q=0.000: refused; any other weight accepts.
            auto num = value.substr(0, value.find_first_of(" ;,\t"));
            return num.empty() || num.find_first_not_of("0.") != std::string_view::npos;
        }
        if (comma == std::string_view::npos) break;
        pos = comma + 1;
    }
    return false;
}

static_file_reply static_files::lookup(std::string_view raw_path, std::string_view if_none_match, bool gzip_ok) const {
    static_file_reply reply;
    auto real = resolve(raw_path);
    if (!real) return reply;

    std::error_code ec;
    auto size = fs::file_size(*real, ec);
    if (ec || size > max_file_size) return reply;
    auto mtime = fs::last_write_time(*real, ec);
    if (ec) return reply;

    reply.mime = mime_type_for(real->filename().native());
    reply.cache_control = reply.mime.rfind("text/html", 0) == 0 ? cache_html : cache_other;
    reply.etag = make_etag(size, mtime);

    // The sibling is used only when it is a regular file inside the root and no older
    // than the original (a stale .gz would serve old content).
    fs::path gz = *real;
    gz += ".gz";
    auto gz_real = fs::canonical(gz, ec);
    if (!ec && is_within(root_, gz_real) && fs::is_regular_file(gz_real, ec)) {
        auto gz_mtime = fs::last_write_time(gz_real, ec);
        auto gz_size = ec ? 0 : fs::file_size(gz_real, ec);
        if (!ec && gz_mtime >= mtime && gz_size <= max_file_size) {
            reply.has_gzip_variant = true;
            if (gzip_ok) {
                real = gz_real;
                size = gz_size;
                reply.gzip = true;
                reply.etag = make_etag(size, gz_mtime);
                reply.etag.insert(reply.etag.size() - 1, "-gz");
            }
        }
    }
    if (!if_none_match.empty() && etag_matches(if_none_match, reply.etag)) {
        reply.result = static_file_reply::kind::not_modified;
        return reply;
    }

    std::ifstream in(*real, std::ios::binary);
    if (!in) return reply;
    reply.body.resize(static_cast<std::size_t>(size));
    in.read(reply.body.data(), static_cast<std::streamsize>(size));
    reply.body.resize(static_cast<std::size_t>(in.gcount()));
    reply.result = static_file_reply::kind::ok;
    return reply;
}

} // namespace asistencia::transport::http
