// Request ids and JSON access-log lines (nlohmann::json escapes; spdlog's %v does not).
#include "asistencia/transport/http/request_log.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <random>

namespace asistencia::transport::http {

namespace {

// splitmix64: fast, good enough for unique-looking ids; ids are not secrets.
std::uint64_t next_random() noexcept {
    thread_local std::uint64_t state = [] {
        std::random_device rd;
        return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
    }();
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

} // namespace

bool request_id::assign_if_sane(std::string_view in) noexcept {
    if (in.empty() || in.size() > max_length) return false;
    for (char c : in) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
        if (!ok) return false;
    }
    std::copy(in.begin(), in.end(), data_.begin());
    size_ = in.size();
    return true;
}

void request_id::generate() noexcept {
    static constexpr char hex[] = "0123456789abcdef";
    std::uint64_t v = next_random();
    for (int i = 15; i >= 0; --i) {
        data_[static_cast<std::size_t>(i)] = hex[v & 0xf];
        v >>= 4;
    }
    size_ = 16;
}

std::string format_timestamp(std::chrono::system_clock::time_point ts) {
    using namespace std::chrono;
    auto ms = duration_cast<milliseconds>(ts.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    if (ms % 1000 < 0) --secs;
    int millis = static_cast<int>(((ms % 1000) + 1000) % 1000);
    // The date part changes once a second; cache it per thread (one line per request).
    thread_local std::time_t cached_secs = -1;
    thread_local char cached[32];
    if (secs != cached_secs) {
        std::tm tm{};
        gmtime_r(&secs, &tm);
        std::snprintf(cached, sizeof cached, "%04d-%02d-%02dT%02d:%02d:%02d", (tm.tm_year + 1900) % 10000,
                      (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100);
        cached_secs = secs;
    }
    char buf[48];
    std::snprintf(buf, sizeof buf, "%s.%03dZ", cached, millis % 1000);
    return buf;
}

namespace {

// JSON string escaping for the access line. Its fields are ASCII by construction (verb
// names, route patterns, sanitised request ids, IP addresses), so this stays small; bytes
// >= 0x80 become U+FFFD to keep the line valid UTF-8 whatever happens. Unit tests parse
// the output with nlohmann::json.
void append_json_string(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c < 0x20) {
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        } else if (c >= 0x80) {
            out += "\\ufffd";
        } else {
            out += ch;
        }
    }
    out += '"';
}

} // namespace

// Hand-assembled (this runs once per request; an nlohmann object costs a map and a dozen
// allocations), with every string escaped by append_json_string.
std::string format_access_line(const access_entry& e) {
    std::string out;
    out.reserve(256);
    out += "{\"ts\":\"";
    out += format_timestamp(e.ts);
    out += "\",\"level\":\"info\",\"msg\":\"request\",\"method\":";
    append_json_string(out, e.method);
    out += ",\"route\":";
    append_json_string(out, e.route);
    out += ",\"status\":";
    out += std::to_string(e.status);
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.3f", e.duration_ms < 0 ? 0.0 : e.duration_ms);
    out += ",\"duration_ms\":";
    out += ms;
    out += ",\"request_id\":";
    append_json_string(out, e.request_id);
    out += ",\"remote\":";
    append_json_string(out, e.remote);
    out += '}';
    return out;
}

std::string format_error_line(std::chrono::system_clock::time_point ts, std::string_view request_id,
                              std::string_view route, std::string_view detail) {
    nlohmann::ordered_json j;
    j["ts"] = format_timestamp(ts);
    j["level"] = "error";
    j["msg"] = "handler_error";
    j["route"] = route;
    j["request_id"] = request_id;
    j["error"] = detail;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace asistencia::transport::http
