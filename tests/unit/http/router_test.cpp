// Router: parameters, 404 vs 405 (Allow), static-over-param precedence, HEAD via GET.
#include "asistencia/transport/http/router.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

using namespace asistencia::transport::http;
using boost::beast::http::verb;

namespace {

struct router_test : ::testing::Test {
    router r;
    path_params params;
};

TEST_F(router_test, matches_static_route) {
    auto id = r.add(verb::get, "/healthz");
    auto m = r.match(verb::get, "/healthz", params);
    ASSERT_EQ(m.status, match_status::found);
    EXPECT_EQ(m.route_id, id);
    EXPECT_EQ(m.pattern, "/healthz");
    EXPECT_TRUE(params.empty());
}

TEST_F(router_test, captures_and_decodes_parameters) {
    auto id = r.add(verb::post, "/api/attendance/sessions/:id/close");
    r.add(verb::get, "/api/enrollment/status/:userId");
    auto m = r.match(verb::post, "/api/attendance/sessions/a%20b/close", params);
    ASSERT_EQ(m.status, match_status::found);
    EXPECT_EQ(m.route_id, id);
    EXPECT_EQ(m.pattern, "/api/attendance/sessions/:id/close");
    ASSERT_EQ(params.size(), 1u);
    EXPECT_EQ(params[0].name, "id");
    EXPECT_EQ(params[0].value, "a b");
}

TEST_F(router_test, encoded_slash_stays_inside_one_parameter) {
    r.add(verb::get, "/files/:name");
    auto m = r.match(verb::get, "/files/a%2Fb", params);
    ASSERT_EQ(m.status, match_status::found);
    EXPECT_EQ(params[0].value, "a/b");
}

TEST_F(router_test, several_parameters_keep_their_names) {
    r.add(verb::get, "/a/:x/b/:y");
    r.add(verb::get, "/a/:other/c");
    auto m = r.match(verb::get, "/a/1/b/2", params);
    ASSERT_EQ(m.status, match_status::found);
    ASSERT_EQ(params.size(), 2u);
    EXPECT_EQ(params[0].name, "x");
    EXPECT_EQ(params[0].value, "1");
    EXPECT_EQ(params[1].name, "y");
    EXPECT_EQ(params[1].value, "2");
    m = r.match(verb::get, "/a/7/c", params);
    ASSERT_EQ(m.status, match_status::found);
    ASSERT_EQ(params.size(), 1u);
    EXPECT_EQ(params[0].name, "other");
}

TEST_F(router_test, unknown_path_is_not_found) {
    r.add(verb::get, "/healthz");
    EXPECT_EQ(r.match(verb::get, "/nope", params).status, match_status::not_found);
    EXPECT_EQ(r.match(verb::get, "/healthz/extra", params).status, match_status::not_found);
    EXPECT_EQ(r.match(verb::get, "/healthz/", params).status, match_status::not_found);
    EXPECT_EQ(r.match(verb::get, "", params).status, match_status::not_found);
    EXPECT_EQ(r.match(verb::get, "healthz", params).status, match_status::not_found);
}

TEST_F(router_test, empty_segment_never_matches_a_parameter) {
    r.add(verb::get, "/users/:id");
    EXPECT_EQ(r.match(verb::get, "/users/", params).status, match_status::not_found);
}

TEST_F(router_test, known_path_with_other_method_is_405_with_allow) {
    r.add(verb::get, "/api/x/:id");
    r.add(verb::post, "/api/x/:id");
    auto m = r.match(verb::delete_, "/api/x/5", params);
    EXPECT_EQ(m.status, match_status::method_not_allowed);
    EXPECT_EQ(m.allow, "GET, POST, HEAD");
    EXPECT_TRUE(params.empty());
}

TEST_F(router_test, static_segment_wins_over_parameter_in_any_order) {
    auto param = r.add(verb::get, "/sessions/:id");
    auto fixed = r.add(verb::get, "/sessions/current");
    auto m = r.match(verb::get, "/sessions/current", params);
    ASSERT_EQ(m.status, match_status::found);
    EXPECT_EQ(m.route_id, fixed);
    EXPECT_TRUE(params.empty());
    m = r.match(verb::get, "/sessions/42", params);
    ASSERT_EQ(m.status, match_status::found);
    EXPECT_EQ(m.route_id, param);
}

TEST_F(router_test, backtracks_to_parameter_when_static_branch_lacks_the_method) {
    r.add(verb::get, "/a/b");
    auto param = r.add(verb::post, "/a/:x");
    auto m = r.match(verb::post, "/a/b", params);
    ASSERT_EQ(m.status, match_status::found);
    EXPECT_EQ(m.route_id, param);
    EXPECT_EQ(params[0].value, "b");
}

TEST_F(router_test, backtracks_when_static_branch_is_a_dead_end) {
    r.add(verb::get, "/a/b/c");
    auto param = r.add(verb::get, "/a/:x/d");
    auto m = r.match(verb::get, "/a/b/d", params);
    ASSERT_EQ(m.status, match_status::found);
    EXPECT_EQ(m.route_id, param);
}

TEST_F(router_test, head_is_served_by_get) {
    auto get = r.add(verb::get, "/page");
    auto m = r.match(verb::head, "/page", params);
    ASSERT_EQ(m.status, match_status::found);
    EXPECT_EQ(m.route_id, get);
    auto head = r.add(verb::head, "/page");
    m = r.match(verb::head, "/page", params);
    EXPECT_EQ(m.route_id, head);
}

TEST_F(router_test, percent_encoded_static_segment_matches) {
    auto id = r.add(verb::get, "/abc");
    auto m = r.match(verb::get, "/a%62c", params);
    ASSERT_EQ(m.status, match_status::found);
    EXPECT_EQ(m.route_id, id);
    EXPECT_EQ(r.match(verb::get, "/a%6", params).status, match_status::not_found);
    EXPECT_EQ(r.match(verb::get, "/a%zzc", params).status, match_status::not_found);
}

TEST_F(router_test, root_route) {
    auto id = r.add(verb::get, "/");
    auto m = r.match(verb::get, "/", params);
    ASSERT_EQ(m.status, match_status::found);
    EXPECT_EQ(m.route_id, id);
}

TEST_F(router_test, rejects_bad_and_duplicate_patterns) {
    EXPECT_THROW(r.add(verb::get, "no-slash"), std::invalid_argument);
    EXPECT_THROW(r.add(verb::get, "/a//b"), std::invalid_argument);
    EXPECT_THROW(r.add(verb::get, "/a/:"), std::invalid_argument);
    EXPECT_THROW(r.add(verb::get, "/a%20b"), std::invalid_argument);
    r.add(verb::get, "/dup");
    EXPECT_THROW(r.add(verb::get, "/dup"), std::invalid_argument);
    EXPECT_NO_THROW(r.add(verb::post, "/dup"));
}

TEST(percent_decode, decodes_and_rejects) {
    std::string out;
    EXPECT_TRUE(percent_decode("a%2Fb%41", out));
    EXPECT_EQ(out, "a/bA");
    EXPECT_FALSE(percent_decode("%", out));
    EXPECT_FALSE(percent_decode("%4", out));
    EXPECT_FALSE(percent_decode("%g0", out));
    EXPECT_TRUE(percent_decode("%00", out));
    EXPECT_EQ(out, std::string(1, '\0'));
}

} // namespace
