// The pure parsers of untrusted request input the fuzzers found or guard: the REST bodies
// (request_bodies.hpp) and the projector's WebSocket messages (projector_messages.hpp).
// Each range case here was undefined behaviour or a silent wrap before the bounds.
#include "asistencia/application/errors.hpp"
#include "asistencia/transport/api/request_bodies.hpp"
#include "asistencia/transport/http/error_mapping.hpp"
#include "asistencia/transport/projection/projector_messages.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <variant>

namespace {

namespace api = asistencia::transport::api;
namespace pj = asistencia::transport::projection;
using nlohmann::json;

std::string error_code(const std::function<void()>& f) {
    try {
        f();
    } catch (const asistencia::application::error& e) {
        // The status a client would see, through the one mapping.
        return std::to_string(asistencia::transport::http::http_error_of(e.kind()).status) + " " + e.code();
    }
    return "accepted";
}

json answer(json clientScannedAt) {
    return {{"round", 1},
            {"nonce", "n"},
            {"totps", "123456"},
            {"totpu", "654321"},
            {"clientScannedAt", std::move(clientScannedAt)}};
}

TEST(RequestBodies, NotAnObjectIsInvalidJson) {
    EXPECT_EQ(error_code([] { api::parse_json_object("[1]"); }), "400 invalid_json");
    EXPECT_EQ(error_code([] { api::parse_json_object("{"); }), "400 invalid_json");
    EXPECT_TRUE(api::parse_json_object("").is_object());
}

// 1e300 converted to int64 was undefined behaviour.
TEST(RequestBodies, AnswerTimeOutsideInt64IsInvalidAnswer) {
    for (const auto& v : {json(1e300), json(-1e300), json(9.3e18), json(18446744073709551615ULL)}) {
        EXPECT_EQ(error_code([&] { api::parse_answer(answer(v)); }), "400 invalid_answer") << v.dump();
    }
    EXPECT_EQ(api::parse_answer(answer(1700000000123.75)).client_scanned_at_ms, 1700000000123);
    EXPECT_EQ(api::parse_answer(answer(1700000000123)).client_scanned_at_ms, 1700000000123);
}

TEST(RequestBodies, AnswerRoundOutOfRangeIsRoundZero) {
    auto a = answer(nullptr);
    for (const auto& r : {json(0), json(11), json(-1), json(4294967297LL), json(18446744073709551615ULL)}) {
        a["round"] = r;
        EXPECT_EQ(api::parse_answer(a).round, 0) << r.dump();
    }
    a["round"] = 10;
    EXPECT_EQ(api::parse_answer(a).round, 10);
    a["round"] = 1.0;
    EXPECT_EQ(error_code([&] { api::parse_answer(a); }), "400 invalid_answer");
}

// 2^32 + 1 used to narrow to 1 and pass the use case's 1..10 check.
TEST(RequestBodies, MaxRoundsIsRangeCheckedBeforeNarrowing) {
    json body{{"courseId", 1}, {"semesterId", 2}, {"room", "A"}};
    EXPECT_EQ(api::parse_create_session(body).max_rounds, 5);
    body["maxRounds"] = 4294967297LL;
    EXPECT_EQ(error_code([&] { api::parse_create_session(body); }), "400 invalid_field"); // not 1 round
    body["maxRounds"] = 7;
    EXPECT_EQ(api::parse_create_session(body).max_rounds, 7);
    body["courseId"] = 18446744073709551615ULL; // would wrap to -1
    EXPECT_EQ(error_code([&] { api::parse_create_session(body); }), "400 invalid_field");
}

TEST(RequestBodies, IdsAreDatabaseIds) {
    EXPECT_EQ(api::id_member(json{{"deviceId", 5}}, "deviceId"), 5);
    EXPECT_FALSE(api::id_member(json::object(), "deviceId"));
    for (const auto& v : {json(0), json(2147483648LL), json("5"), json(1.5), json(18446744073709551615ULL)}) {
        EXPECT_EQ(error_code([&] {
                      api::id_member(json{{"deviceId", v}}, "deviceId");
                  }),
                  "400 invalid_field")
            << v.dump();
    }
}

TEST(RequestBodies, JoinNeedsMatchingIdAndRawId) {
    json body{{"credential", {{"id", "abc"}, {"rawId", "abd"}, {"type", "public-key"}, {"response", json::object()}}}};
    EXPECT_EQ(error_code([&] { api::parse_join(body); }), "400 invalid_field");
    body["credential"]["rawId"] = "abc";
    EXPECT_EQ(api::parse_join(body).credential_id, "abc");
    body["credential"]["type"] = 7;
    EXPECT_EQ(error_code([&] { api::parse_join(body); }), "400 invalid_field");
}

TEST(RequestBodies, FinishKeepsAtMostEightTransports) {
    json body{{"credential",
               {{"id", "a"},
                {"rawId", "a"},
                {"type", "public-key"},
                {"response", {{"clientDataJSON", "x"}, {"attestationObject", "y"}, {"transports", json::array()}}}}}};
    for (int i = 0; i < 20; ++i) body["credential"]["response"]["transports"].push_back("usb");
    const auto r = api::parse_finish(body, "ua");
    EXPECT_EQ(r.transports.size(), 8U);
    EXPECT_EQ(r.attestation_object, "y");
}

// ---- projector messages

TEST(ProjectorMessages, KnownMessagesParse) {
    const auto auth = pj::parse_projector_message(R"({"type":"auth","token":"t.o.k"})");
    ASSERT_TRUE(std::holds_alternative<pj::auth_message>(auth));
    EXPECT_EQ(std::get<pj::auth_message>(auth).token, "t.o.k");
    const auto ping = pj::parse_projector_message(R"({"type":"ping","t":1700000000000.5})");
    ASSERT_TRUE(std::holds_alternative<pj::ping_message>(ping));
    EXPECT_EQ(std::get<pj::ping_message>(ping).t, 1700000000000);
    const auto shown = pj::parse_projector_message(R"({"type":"shown","seq":4,"at":17})");
    ASSERT_TRUE(std::holds_alternative<pj::shown_message>(shown));
    EXPECT_EQ(std::get<pj::shown_message>(shown).seq, 4);
    EXPECT_TRUE(std::holds_alternative<pj::pause_message>(pj::parse_projector_message(R"({"type":"pause"})")));
    EXPECT_TRUE(std::holds_alternative<pj::resume_message>(pj::parse_projector_message(R"({"type":"resume"})")));
}

// now - t and at + offset overflowed int64 (undefined behaviour) for extreme values.
TEST(ProjectorMessages, TimesOutsideTheBoundAreInvalid) {
    for (const char* text :
         {R"({"type":"ping","t":-9223372036854775808})", R"({"type":"ping","t":9223372036854775807})",
          R"({"type":"ping","t":1e300})", R"({"type":"ping","t":18446744073709551615})",
          R"({"type":"shown","seq":1,"at":-9.2e18})", R"({"type":"shown","seq":1e19,"at":1})",
          R"({"type":"ping","t":"12"})", R"({"type":"ping"})"}) {
        EXPECT_TRUE(std::holds_alternative<pj::invalid_message>(pj::parse_projector_message(text))) << text;
    }
}

TEST(ProjectorMessages, AnythingElseIsInvalid) {
    for (const char* text :
         {"", "not json", "[]", R"({"type":7})", R"({"type":"auth","token":5})", R"({"type":"hello"})"}) {
        EXPECT_TRUE(std::holds_alternative<pj::invalid_message>(pj::parse_projector_message(text))) << text;
    }
}

} // namespace
