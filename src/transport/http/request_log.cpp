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
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-';
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
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[80];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
    return buf;
}

std::string format_access_line(const access_entry& e) {
    nlohmann::ordered_json j;
    j["ts"] = format_timestamp(e.ts);
    j["level"] = "info";
    j["msg"] = "request";
    j["method"] = e.method;
    j["route"] = e.route;
    j["status"] = e.status;
    // Microsecond resolution is plenty and keeps the line short.
    j["duration_ms"] = static_cast<double>(static_cast<std::int64_t>(e.duration_ms * 1000)) /
                       1000.0;
    j["request_id"] = e.request_id;
    j["remote"] = e.remote;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string format_error_line(std::chrono::system_clock::time_point ts,
                              std::string_view request_id, std::string_view route,
                              std::string_view detail) {
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
