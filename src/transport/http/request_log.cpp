// Request ids and JSON access-log lines (nlohmann::json escapes; spdlog's %v does not).
#include "asistencia/transport/http/request_log.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iterator>
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

namespace {

// "2026-11-22T18:00:00.123Z" (24 chars) into `out`, without the heap.
std::size_t write_timestamp(char (&out)[32], std::chrono::system_clock::time_point ts) {
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
    std::memcpy(out, cached, 19);
    out[19] = '.';
    out[20] = static_cast<char>('0' + millis / 100 % 10);
    out[21] = static_cast<char>('0' + millis / 10 % 10);
    out[22] = static_cast<char>('0' + millis % 10);
    out[23] = 'Z';
    out[24] = '\0';
    return 24;
}

} // namespace

std::string format_timestamp(std::chrono::system_clock::time_point ts) {
    char buf[32];
    return std::string(buf, write_timestamp(buf, ts));
}

namespace {

// JSON string escaping for the access line. Its fields are ASCII by construction (verb
// names, route patterns, sanitised request ids, IP addresses), so this stays small; bytes
// >= 0x80 become U+FFFD to keep the line valid UTF-8 whatever happens. Unit tests parse
// the output with nlohmann::json.
void append(access_line_buffer& out, std::string_view s) { out.append(s.data(), s.data() + s.size()); }

void append_json_string(access_line_buffer& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(ch);
        } else if (c < 0x20) {
            append(out, "\\u00");
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 0xf]);
        } else if (c >= 0x80) {
            append(out, "\\ufffd");
        } else {
            out.push_back(ch);
        }
    }
    out.push_back('"');
}

} // namespace

// Hand-assembled into the caller's stack buffer (this runs once per request; an nlohmann
// object costs a map and a dozen allocations, a std::string per field one each), with every
// string escaped by append_json_string.
void format_access_line(const access_entry& e, access_line_buffer& out) {
    char ts[32];
    append(out, "{\"ts\":\"");
    append(out, std::string_view(ts, write_timestamp(ts, e.ts)));
    append(out, "\",\"level\":\"info\",\"msg\":\"request\",\"method\":");
    append_json_string(out, e.method);
    append(out, ",\"route\":");
    append_json_string(out, e.route);
    fmt::format_to(std::back_inserter(out), ",\"status\":{},\"duration_ms\":{:.3f},\"request_id\":", e.status,
                   e.duration_ms < 0 ? 0.0 : e.duration_ms);
    append_json_string(out, e.request_id);
    append(out, ",\"remote\":");
    append_json_string(out, e.remote);
    out.push_back('}');
}

std::string format_access_line(const access_entry& e) {
    access_line_buffer out;
    format_access_line(e, out);
    return fmt::to_string(out);
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
