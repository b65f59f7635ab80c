// Error mapping: errc -> status (row by row, every errc), code/message/Retry-After kept;
// others -> generic 500.
#include "asistencia/transport/http/error_mapping.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <iterator>
#include <stdexcept>
#include <system_error>

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

// One row per errc value: the status a client sees and whether Retry-After goes with it.
struct errc_row {
    app::errc e;
    int status;
    bool retry_after;
};
constexpr errc_row errc_rows[] = {
    {app::errc::malformed, 400, false},         {app::errc::unauthenticated, 401, false},
    {app::errc::forbidden, 403, false},         {app::errc::not_found, 404, false},
    {app::errc::conflict, 409, false},          {app::errc::too_large, 413, false},
    {app::errc::invalid_value, 422, false},     {app::errc::rate_limited, 429, true},
    {app::errc::dependency_failed, 502, false}, {app::errc::dependency_unavailable, 503, true},
    {app::errc::internal, 500, false},
};

TEST(error_mapping, every_errc_has_its_row) {
    // errc starts at 1 and internal is last: the table covers every value, each once.
    ASSERT_EQ(std::size(errc_rows), static_cast<std::size_t>(app::errc::internal));
    for (std::size_t i = 0; i < std::size(errc_rows); ++i) {
        EXPECT_EQ(static_cast<std::size_t>(errc_rows[i].e), i + 1) << "row " << i;
    }
}

TEST(error_mapping, errc_rows_map_to_status_code_message_and_retry_after) {
    for (const auto& row : errc_rows) {
        SCOPED_TRACE(app::make_error_code(row.e).message());
        const auto h = http_error_of(row.e);
        EXPECT_EQ(h.status, row.status);
        EXPECT_EQ(h.retry_after, row.retry_after);
        // Through a full error: the code and message are kept as thrown.
        const auto r = map_error(app::error(row.e, "some_code", "some message", 9));
        EXPECT_EQ(r.status, row.status);
        EXPECT_EQ(r.code, "some_code");
        const auto j = parse(r.body);
        EXPECT_EQ(j["error"]["code"], "some_code");
        EXPECT_EQ(j["error"]["message"], "some message");
        EXPECT_EQ(r.retry_after_seconds.has_value(), row.retry_after);
        if (row.retry_after) {
            EXPECT_EQ(*r.retry_after_seconds, 9);
        }
    }
}

TEST(error_mapping, helpers_build_their_errc) {
    EXPECT_EQ(app::malformed("c", "m").kind(), app::errc::malformed);
    EXPECT_EQ(app::unauthenticated("c", "m").kind(), app::errc::unauthenticated);
    EXPECT_EQ(app::forbidden("c", "m").kind(), app::errc::forbidden);
    EXPECT_EQ(app::not_found("c", "m").kind(), app::errc::not_found);
    EXPECT_EQ(app::conflict("c", "m").kind(), app::errc::conflict);
    EXPECT_EQ(app::too_large("c", "m").kind(), app::errc::too_large);
    EXPECT_EQ(app::invalid_value("c", "m").kind(), app::errc::invalid_value);
    EXPECT_EQ(app::rate_limited("c", "m", 3).kind(), app::errc::rate_limited);
    EXPECT_EQ(app::dependency_failed("c", "m").kind(), app::errc::dependency_failed);
    EXPECT_EQ(app::dependency_unavailable("valkey", "m").kind(), app::errc::dependency_unavailable);
    EXPECT_EQ(app::internal_error().kind(), app::errc::internal);
    EXPECT_EQ(app::internal_error().code(), "internal_error");
}

TEST(error_mapping, errc_is_a_std_error_code) {
    const std::error_code ec = app::errc::conflict;
    EXPECT_EQ(ec.category(), app::error_category());
    EXPECT_STREQ(ec.category().name(), "asistencia.application");
    EXPECT_EQ(ec.message(), "conflict");
    EXPECT_EQ(app::conflict("x", "y").error_code(), ec);
    EXPECT_NE(ec, std::error_code(app::errc::not_found));
}

TEST(error_mapping, error_keeps_status_code_and_message) {
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
    auto r = map_error(app::rate_limited("rate_limited", "slow down", 30));
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

TEST(error_mapping, errc_outside_the_enum_is_500) {
    auto r = map_error(app::error(static_cast<app::errc>(999), "odd", "not a known errc"));
    EXPECT_EQ(r.status, 500);
    EXPECT_FALSE(r.retry_after_seconds);
}

TEST(error_mapping, retry_after_only_where_the_errc_carries_it) {
    // A conflict built with a retry hint by mistake does not send Retry-After.
    auto r = map_error(app::error(app::errc::conflict, "c", "m", 5));
    EXPECT_EQ(r.status, 409);
    EXPECT_FALSE(r.retry_after_seconds);
}

TEST(error_mapping, messages_are_json_escaped_and_invalid_utf8_tolerated) {
    auto r = map_error(app::malformed("bad", "quote \" backslash \\ newline \n \xff end"));
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
                                   row{transport_error::upgrade_required, 426, "upgrade_required"},
                                   row{transport_error::not_ready, 503, "not_ready"}}) {
        auto r = map_error(e);
        EXPECT_EQ(r.status, status);
        EXPECT_EQ(r.code, code);
        EXPECT_EQ(parse(r.body)["error"]["code"], code);
        EXPECT_FALSE(parse(r.body)["error"]["message"].get<std::string>().empty());
    }
}

} // namespace
