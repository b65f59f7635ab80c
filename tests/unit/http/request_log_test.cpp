// Request ids (sanitising incoming X-Request-Id) and the JSON access-log line.
#include "asistencia/transport/http/request_log.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>

using namespace asistencia::transport::http;

namespace {

TEST(request_id, accepts_sane_incoming_ids) {
    request_id id;
    EXPECT_TRUE(id.assign_if_sane("abc-123-XYZ"));
    EXPECT_EQ(id.view(), "abc-123-XYZ");
    EXPECT_TRUE(id.assign_if_sane(std::string(64, 'a')));
    EXPECT_EQ(id.view().size(), 64u);
}

TEST(request_id, refuses_insane_ids_and_keeps_the_previous_value) {
    request_id id;
    id.generate();
    std::string before(id.view());
    for (std::string_view bad : {std::string_view(""), std::string_view("a b"), std::string_view("a\"b"),
                                 std::string_view("a\nb"), std::string_view("a_b"), std::string_view("ä")}) {
        EXPECT_FALSE(id.assign_if_sane(bad)) << bad;
        EXPECT_EQ(id.view(), before);
    }
    EXPECT_FALSE(id.assign_if_sane(std::string(65, 'a')));
}

TEST(request_id, generated_ids_are_hex_and_distinct) {
    std::set<std::string> seen;
    request_id id;
    for (int i = 0; i < 1000; ++i) {
        id.generate();
        ASSERT_EQ(id.view().size(), 16u);
        for (char c : id.view()) ASSERT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
        seen.emplace(id.view());
    }
    EXPECT_EQ(seen.size(), 1000u);
}

TEST(access_log, line_is_one_json_object_with_the_fields) {
    access_entry e;
    e.ts = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'123));
    e.method = "GET";
    e.route = "/api/x/:id \"quoted\"";
    e.status = 404;
    e.duration_ms = 1.23456;
    e.request_id = "abc";
    e.remote = "127.0.0.1:5555";
    auto line = format_access_line(e);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["ts"], "2023-11-14T22:13:20.123Z");
    EXPECT_EQ(j["level"], "info");
    EXPECT_EQ(j["msg"], "request");
    EXPECT_EQ(j["method"], "GET");
    EXPECT_EQ(j["route"], "/api/x/:id \"quoted\"");
    EXPECT_EQ(j["status"], 404);
    EXPECT_NEAR(j["duration_ms"].get<double>(), 1.235, 1e-9); // rounded to microseconds
    EXPECT_EQ(j["request_id"], "abc");
    EXPECT_EQ(j["remote"], "127.0.0.1:5555");
    EXPECT_EQ(line.rfind("{\"ts\":", 0), 0u); // ts first, as documented
}

TEST(access_log, stack_buffer_line_is_the_same_and_grows_past_its_inline_size) {
    access_entry e;
    e.ts = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'007));
    e.method = "POST";
    e.route = "/api/attendance/sessions/:id/responses";
    e.status = 200;
    e.duration_ms = -3; // a clock step: never negative in the log
    e.request_id = "r-1";
    e.remote = "10.0.0.1:1";
    access_line_buffer small;
    format_access_line(e, small);
    EXPECT_EQ(std::string(small.data(), small.size()), format_access_line(e));
    auto j = nlohmann::json::parse(std::string(small.data(), small.size()));
    EXPECT_EQ(j["ts"], "2023-11-14T22:13:20.007Z");
    EXPECT_EQ(j["duration_ms"].get<double>(), 0.0);

    const std::string long_route(2000, '"'); // every byte escaped: 4000 bytes of route
    e.route = long_route;
    access_line_buffer big;
    format_access_line(e, big);
    EXPECT_GT(big.size(), 4000u);
    EXPECT_EQ(nlohmann::json::parse(std::string(big.data(), big.size()))["route"], long_route);
}

TEST(access_log, control_and_non_ascii_bytes_stay_valid_json) {
    access_entry e;
    e.method = "GET";
    e.route = "a\n\x01\xc3\xa9\\\"";
    e.request_id = "";
    e.remote = "[::1]:1";
    auto line = format_access_line(e);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["route"], "a\n\x01\xef\xbf\xbd\xef\xbf\xbd\\\"");
    EXPECT_EQ(j["remote"], "[::1]:1");
}

TEST(access_log, timestamps_across_seconds) {
    using namespace std::chrono;
    EXPECT_EQ(format_timestamp(system_clock::time_point(milliseconds(999))), "1970-01-01T00:00:00.999Z");
    EXPECT_EQ(format_timestamp(system_clock::time_point(milliseconds(1000))), "1970-01-01T00:00:01.000Z");
    EXPECT_EQ(format_timestamp(system_clock::time_point(milliseconds(86'400'000 + 5))), "1970-01-02T00:00:00.005Z");
}

TEST(access_log, error_line) {
    auto line = format_error_line(std::chrono::system_clock::time_point{}, "rid", "/r", "boom\n");
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["ts"], "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(j["level"], "error");
    EXPECT_EQ(j["request_id"], "rid");
    EXPECT_EQ(j["error"], "boom\n");
}

} // namespace
