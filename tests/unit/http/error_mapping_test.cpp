// Error mapping: api_error -> status/code/message/Retry-After; others -> generic 500.
#include "asistencia/transport/http/error_mapping.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <stdexcept>

using namespace asistencia::transport::http;
namespace app = asistencia::application;

namespace {

nlohmann::json parse(const std::string& s) { return nlohmann::json::parse(s); }

std::exception_ptr capture(auto&& f) {
    try {
        f();
    } catch (...) {
        return std::current_exception();
    }
    return nullptr;
}

TEST(error_mapping, api_error_keeps_status_code_and_message) {
    auto r = map_exception(capture([] { throw app::conflict("already_joined", "ya unido"); }));
    EXPECT_EQ(r.status, 409);
    EXPECT_EQ(r.code, "already_joined");
    auto j = parse(r.body);
    EXPECT_EQ(j["error"]["code"], "already_joined");
    EXPECT_EQ(j["error"]["message"], "ya unido");
    EXPECT_EQ(j.size(), 1u);
    EXPECT_FALSE(r.retry_after_seconds);
    EXPECT_TRUE(r.internal_detail.empty());
}

TEST(error_mapping, dependency_unavailable_is_503_with_retry_after) {
    auto r = map_exception(capture([] { throw app::dependency_unavailable("postgres", "database down", 2); }));
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.code, "postgres_unavailable");
    ASSERT_TRUE(r.retry_after_seconds);
    EXPECT_EQ(*r.retry_after_seconds, 2);
}

TEST(error_mapping, rate_limit_carries_retry_after) {
    auto r = map_error(app::too_many_requests("rate_limited", "slow down", 30));
    EXPECT_EQ(r.status, 429);
    ASSERT_TRUE(r.retry_after_seconds);
    EXPECT_EQ(*r.retry_after_seconds, 30);
}

TEST(error_mapping, other_exceptions_become_generic_500) {
    auto r = map_exception(capture([] { throw std::runtime_error("SELECT secret FROM x failed: password=hunter2"); }));
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.code, "internal_error");
    EXPECT_EQ(r.body.find("hunter2"), std::string::npos);
    EXPECT_EQ(r.body.find("SELECT"), std::string::npos);
    EXPECT_EQ(parse(r.body)["error"]["code"], "internal_error");
    EXPECT_NE(r.internal_detail.find("hunter2"), std::string::npos); // for the log only
}

TEST(error_mapping, non_standard_exception_and_null) {
    auto r = map_exception(capture([] { throw 42; }));
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.code, "internal_error");
    r = map_exception(nullptr);
    EXPECT_EQ(r.status, 500);
}

TEST(error_mapping, api_error_with_non_error_status_is_500) {
    auto r = map_error(app::api_error(200, "ok", "not an error"));
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.code, "internal_error");
}

TEST(error_mapping, messages_are_json_escaped_and_invalid_utf8_tolerated) {
    auto r = map_error(app::bad_request("bad", "quote \" backslash \\ newline \n \xff end"));
    auto j = parse(r.body);
    EXPECT_EQ(j["error"]["code"], "bad");
    EXPECT_NE(j["error"]["message"].get<std::string>().find("quote \" backslash \\"), std::string::npos);
}

TEST(error_mapping, transport_errors) {
    struct row {
        transport_error e;
        int status;
        const char* code;
    };
    for (auto [e, status, code] : {row{transport_error::malformed_request, 400, "bad_request"},
                                   row{transport_error::not_found, 404, "not_found"},
                                   row{transport_error::method_not_allowed, 405, "method_not_allowed"},
                                   row{transport_error::payload_too_large, 413, "payload_too_large"},
                                   row{transport_error::headers_too_large, 431, "headers_too_large"},
                                   row{transport_error::not_ready, 503, "not_ready"}}) {
        auto r = map_error(e);
        EXPECT_EQ(r.status, status);
        EXPECT_EQ(r.code, code);
        EXPECT_EQ(parse(r.body)["error"]["code"], code);
        EXPECT_FALSE(parse(r.body)["error"]["message"].get<std::string>().empty());
    }
}

} // namespace
