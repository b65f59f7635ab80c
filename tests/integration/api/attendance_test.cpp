// Join and answers (PROTOCOL.md 6.2, 6.5, 6.6) through the real server, PostgreSQL, Valkey
// and PHP stand-in. The test plays the frame loop with the real Valkey round store (it
// records a showing and seals the payload as the projection does) and the phone with a
// software passkey and the domain's derivations. Covers the happy path to a final result
// and its outbox row, the four checks, the replay rules (the same answer twice at once is
// accepted once), expiry, every refusal of section 9 these endpoints can give, and
// PostgreSQL/Valkey down.
#include "asistencia/infra/stores/round_store.hpp"
#include "asistencia/infra/valkey/client.hpp"
#include "class_client.hpp"
#include "frame_stand_in.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <future>
#include <thread>

using namespace class_test;
namespace net = boost::asio;
namespace valkey = asistencia::infra::valkey;
namespace stores = asistencia::infra::stores;
using server_test::http::verb;

namespace {

std::map<std::string, std::string> with(std::map<std::string, std::string> base,
                                        const std::map<std::string, std::string>& extra) {
    for (const auto& [k, v] : extra) base[k] = v;
    return base;
}

class attendance_api : public ::testing::Test {
protected:
    explicit attendance_api(const std::map<std::string, std::string>& extra = {})
        : port_(server_test::free_port()),
          origin_("http://localhost:" + std::to_string(port_)),
          prefix_("att-test-" + std::to_string(::getpid()) + ":"),
          server_({}, with({{"PORT", std::to_string(port_)},
                            {"WEBAUTHN_ORIGINS", origin_},
                            {"WEBAUTHN_RP_ID", "localhost"},
                            {"REENROLL_COOLDOWN_HOURS", "0"},
                            {"SERVER_MASTER_KEY", test_master_key_b64()},
                            // These tests fire answers faster than a phone would; the limits
                            // have their own fixture (attendance_limits).
                            {"RATE_LIMIT_ANSWERS_PER_SEC", "100"},
                            {"RT_MIN_MS", "150"}, // the "too fast" case below answers at once
                            {"KEY_PREFIX", prefix_}},
                           extra)),
          frames_(prefix_) {
        auto ready =
            server_test::poll(port_, "/readyz", [](const server_test::response& r) { return r.status == 200; });
        if (!ready || ready->status != 200) ADD_FAILURE() << "server not ready: " << server_.output();
    }

    std::int64_t open_session(int max_rounds, std::int64_t course = 1) {
        const auto r = call(port_, verb::post, "/api/attendance/sessions", professor_token(1),
                            {{"courseId", course}, {"semesterId", 2}, {"room", "Sala 3"}, {"maxRounds", max_rounds}});
        EXPECT_EQ(r.status, 201) << r.body.dump();
        return r.body.value("sessionId", std::int64_t{0});
    }

    phone enrolled(std::int64_t user) {
        phone p(port_, origin_, user);
        if (p.enroll() != 200) ADD_FAILURE() << "enrollment of " << user << ": " << p.last_error() << server_.output();
        return p;
    }

    // Shows the round, waits a plausible human+network time, answers.
    http_reply answer_round(std::int64_t sid, phone& p, int round, int wait_ms = 200) {
        const auto qr = frames_.show(sid, p, round);
        EXPECT_FALSE(qr.empty()) << "round " << round << " not pending";
        const auto payload = p.open(qr);
        EXPECT_TRUE(payload.has_value());
        if (!payload) return {};
        std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
        return p.send_answer(sid, p.answer_for(*payload));
    }

    std::string validations(std::int64_t sid, std::int64_t user, const std::string& what = "validation_status") {
        return sql("SELECT string_agg((" + what +
                   ")::text, ',' ORDER BY validation_id) FROM attendance.validations v "
                   "JOIN attendance.registrations r USING (registration_id) WHERE r.session_id = " +
                   std::to_string(sid) + " AND r.user_id = " + std::to_string(user));
    }

    std::uint16_t port_;
    std::string origin_;
    std::string prefix_;
    server_test::server_process server_;
    frame_stand_in frames_;
};

TEST_F(attendance_api, AStudentJoinsAnswersEveryRoundAndTheCloseMakesItFinal) {
    const auto sid = open_session(2);
    auto p = enrolled(100031);

    const auto options = p.join_options(sid);
    ASSERT_EQ(options.status, 200) << options.body.dump();
    EXPECT_EQ(options.body["publicKey"]["rpId"], "localhost");
    EXPECT_EQ(options.body["publicKey"]["userVerification"], "required");
    ASSERT_EQ(options.body["publicKey"]["allowCredentials"].size(), 1u);
    const auto joined = p.join_with(sid, p.assertion(options.body));
    ASSERT_EQ(joined.status, 200) << joined.body.dump();
    EXPECT_EQ(joined.body["round"], 1);
    EXPECT_EQ(joined.body["queuePosition"], 1);
    EXPECT_EQ(joined.body["maxRounds"], 2) << "the phone shows rounds done / to do";
    EXPECT_FALSE(joined.body["participationToken"].get<std::string>().empty());
    const auto pending = frames_.pending(sid);
    ASSERT_EQ(pending.size(), 1u);
    EXPECT_EQ(pending[0].user_id, 100031);
    EXPECT_EQ(pending[0].round, 1);

    auto r = answer_round(sid, p, 1);
    ASSERT_EQ(r.status, 200) << r.body.dump();
    EXPECT_EQ(r.body["accepted"], true);
    EXPECT_EQ(r.body["round"], 2);
    EXPECT_EQ(r.body["done"], false);
    r = answer_round(sid, p, 2);
    ASSERT_EQ(r.status, 200) << r.body.dump();
    EXPECT_EQ(r.body["accepted"], true);
    EXPECT_EQ(r.body["done"], true);
    EXPECT_TRUE(frames_.pending(sid).empty()) << "nothing left to project";

    EXPECT_EQ(validations(sid, 100031), "success,success");
    EXPECT_EQ(validations(sid, 100031, "totpu_valid AND totps_valid AND rt_valid AND secret_valid"), "true,true");
    const auto rt = std::stoi(validations(sid, 100031, "response_time_ms").substr(0, 3));
    EXPECT_GE(rt, 150) << "RT counts from the showing";
    // Provisional result at once; the close makes it final and queues it for the legacy system.
    EXPECT_EQ(sql("SELECT final_status || ',' || is_final || ',' || successful_rounds FROM attendance.results "
                  "JOIN attendance.registrations USING (registration_id) WHERE session_id = " +
                  std::to_string(sid)),
              "PRESENT,false,2");
    const auto closed =
        call(port_, verb::post, "/api/attendance/sessions/" + std::to_string(sid) + "/close", professor_token(1));
    ASSERT_EQ(closed.status, 200) << closed.body.dump();
    EXPECT_EQ(sql("SELECT final_status || ',' || is_final || ',' || certainty_score FROM attendance.results "
                  "JOIN attendance.registrations USING (registration_id) WHERE session_id = " +
                  std::to_string(sid)),
              "PRESENT,true,100");
    // (pending, or already delivered if the sync worker was quick)
    EXPECT_EQ(sql("SELECT user_id || ',' || course_id || ',' || certeza FROM attendance.legacy_outbox "
                  "WHERE session_id = " +
                  std::to_string(sid)),
              "100031,1,100");
    EXPECT_NE(sql("SELECT baseline_median_ms FROM attendance.sessions WHERE session_id = " + std::to_string(sid)), "");
    // After the close the participation token answers nothing.
    const auto late =
        p.send_answer(sid, {{"round", 1}, {"nonce", std::string(22, 'A')}, {"totps", "000000"}, {"totpu", "000000"}});
    EXPECT_EQ(late.status, 409);
    EXPECT_EQ(late.code(), "session_not_active");
}

TEST_F(attendance_api, TheSameAnswerSentTwiceAtOnceIsAcceptedOnce) {
    const auto sid = open_session(3);
    auto p = enrolled(100032);
    ASSERT_EQ(p.join(sid).status, 200);
    const auto payload = p.open(frames_.show(sid, p, 1));
    ASSERT_TRUE(payload);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const auto body = p.answer_for(*payload);
    for (int attempt = 0; attempt < 1; ++attempt) {
        auto a = std::async(std::launch::async, [&] { return p.send_answer(sid, body); });
        auto b = std::async(std::launch::async, [&] { return p.send_answer(sid, body); });
        const auto ra = a.get();
        const auto rb = b.get();
        ASSERT_EQ(ra.status, 200);
        ASSERT_EQ(rb.status, 200);
        EXPECT_NE(ra.body["accepted"], rb.body["accepted"]) << ra.body.dump() << " " << rb.body.dump();
    }
    // Once more, later: still refused, and never counted as a failed attempt.
    const auto again = p.send_answer(sid, body);
    EXPECT_EQ(again.body["accepted"], false);
    EXPECT_EQ(again.body["round"], 2);
    // (the two concurrent rows may be stored in either order)
    EXPECT_EQ(sql("SELECT string_agg(validation_status, ',' ORDER BY validation_status) FROM attendance.validations v "
                  "JOIN attendance.registrations r USING (registration_id) WHERE r.session_id = " +
                  std::to_string(sid)),
              "invalid,invalid,success");
    EXPECT_EQ(sql("SELECT count(*) FROM attendance.validations v JOIN attendance.registrations r USING "
                  "(registration_id) WHERE r.session_id = " +
                  std::to_string(sid) + " AND validation_status = 'failed'"),
              "0");
}

TEST_F(attendance_api, EachCheckFailsOnItsOwnAndThreeFailuresFailTheRound) {
    const auto sid = open_session(2);
    auto p = enrolled(100033);
    ASSERT_EQ(p.join(sid).status, 200);

    // TOTPu of another key.
    auto payload = p.open(frames_.show(sid, p, 1));
    ASSERT_TRUE(payload);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto body = p.answer_for(*payload);
    body["totpu"] = crypto::totp_code(crypto::bytes(32, 1), now_ms() / 1000);
    auto r = p.send_answer(sid, body);
    EXPECT_EQ(r.body["accepted"], false);
    EXPECT_EQ(r.body["reason"], "retry");
    EXPECT_EQ(r.body["round"], 1);

    // A nonce that was never shown.
    payload = p.open(frames_.show(sid, p, 1));
    ASSERT_TRUE(payload);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    body = p.answer_for(*payload);
    body["nonce"] = enc::base64url_encode(crypto::random_bytes(16));
    r = p.send_answer(sid, body);
    EXPECT_EQ(r.body["reason"], "retry");

    // Too fast to be a human in the room (RT below RT_MIN_MS): the third failure fails the round.
    payload = p.open(frames_.show(sid, p, 1));
    ASSERT_TRUE(payload);
    r = p.send_answer(sid, p.answer_for(*payload));
    EXPECT_EQ(r.body["accepted"], false);
    EXPECT_EQ(r.body["reason"], "round_failed");
    EXPECT_EQ(r.body["round"], 2);

    EXPECT_EQ(validations(sid, 100033), "failed,failed,failed");
    EXPECT_EQ(validations(sid, 100033, "totpu_valid"), "false,true,true");
    EXPECT_EQ(validations(sid, 100033, "secret_valid"), "true,false,true");
    EXPECT_EQ(validations(sid, 100033, "rt_valid"), "true,false,false");
    EXPECT_EQ(validations(sid, 100033, "failed_attempts"), "1,2,3");

    // A wrong TOTPs (not the session's code at issuedAt) fails too.
    payload = p.open(frames_.show(sid, p, 2));
    ASSERT_TRUE(payload);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    body = p.answer_for(*payload);
    body["totps"] = phone::totps_text((payload->totps + 1) % 1000000);
    r = p.send_answer(sid, body);
    EXPECT_EQ(r.body["reason"], "retry");
    EXPECT_EQ(validations(sid, 100033, "totps_valid"), "true,false,true,false");
    // Then a good answer finishes; one failed round and 4 failed attempts cost points.
    r = answer_round(sid, p, 2);
    EXPECT_EQ(r.body["accepted"], true);
    EXPECT_EQ(r.body["done"], true);
    EXPECT_EQ(sql("SELECT final_status || ',' || successful_rounds || ',' || failed_rounds || ',' || failed_attempts "
                  "FROM attendance.results JOIN attendance.registrations USING (registration_id) WHERE session_id = " +
                  std::to_string(sid)),
              "ABSENT,1,1,4");
}

TEST_F(attendance_api, LapsedRoundMetadataIsExpiredAndRecreated) {
    const auto sid = open_session(1);
    auto p = enrolled(100034);
    ASSERT_EQ(p.join(sid).status, 200);
    const auto payload = p.open(frames_.show(sid, p, 1));
    ASSERT_TRUE(payload);
    frames_.del(frames_.keys().qr_meta(sid, 100034, 1)); // the TTL ran out
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto r = p.send_answer(sid, p.answer_for(*payload));
    EXPECT_EQ(r.body["accepted"], false);
    EXPECT_EQ(r.body["reason"], "expired");
    EXPECT_EQ(r.body["round"], 1);
    EXPECT_EQ(validations(sid, 100034), "timeout");
    // The round is pending again and can be answered.
    r = answer_round(sid, p, 1);
    EXPECT_EQ(r.body["accepted"], true);
    EXPECT_EQ(r.body["done"], true);
}

TEST_F(attendance_api, MalformedAndUnauthorizedAnswersChangeNothing) {
    const auto sid = open_session(2);
    const auto other = open_session(2);
    auto p = enrolled(100035);
    ASSERT_EQ(p.join(sid).status, 200);
    const auto payload = p.open(frames_.show(sid, p, 1));
    ASSERT_TRUE(payload);
    const auto good = p.answer_for(*payload);

    for (const auto& [field, value] : std::vector<std::pair<std::string, json>>{{"round", "1"},
                                                                                {"round", 0},
                                                                                {"nonce", "short"},
                                                                                {"nonce", 12},
                                                                                {"totps", "12345"},
                                                                                {"totpu", "abcdef"},
                                                                                {"clientScannedAt", "yesterday"}}) {
        auto bad = good;
        bad[field] = value;
        const auto r = p.send_answer(sid, bad);
        EXPECT_EQ(r.status, 400) << field << "=" << value.dump();
        EXPECT_EQ(r.code(), "invalid_answer") << r.body.dump();
    }
    auto r = call(port_, verb::post, "/api/attendance/sessions/" + std::to_string(sid) + "/responses", "", good);
    EXPECT_EQ(r.status, 401);
    r = call(port_, verb::post, "/api/attendance/sessions/" + std::to_string(sid) + "/responses", student_token(100035),
             good);
    EXPECT_EQ(r.status, 401) << "a user token is not a participation token";
    r = call(port_, verb::post, "/api/attendance/sessions/" + std::to_string(other) + "/responses",
             "Bearer " + p.participation(), good);
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(r.code(), "wrong_session");
    const auto huge =
        server_test::request(port_, verb::post, "/api/attendance/sessions/" + std::to_string(sid) + "/responses",
                             {{"Authorization", "Bearer " + p.participation()}}, std::string(4096, ' '));
    ASSERT_TRUE(huge);
    EXPECT_EQ(huge->status, 413);
    EXPECT_EQ(validations(sid, 100035), "") << "no attempt was recorded";
    // The good answer still works: nothing was used up.
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    EXPECT_EQ(p.send_answer(sid, p.answer_for(*payload)).body["accepted"], true);
}

TEST_F(attendance_api, JoinRefusals) {
    const auto sid = open_session(2);
    // Not enrolled: no device.
    sql("UPDATE enrollment.devices SET is_active = FALSE WHERE user_id = 100036");
    phone stranger(port_, origin_, 100036);
    auto r = stranger.join_options(sid);
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(r.code(), "not_enrolled");
    // Not on the course list (100001 takes course 1, not course 2).
    auto outsider = enrolled(100001);
    const auto sid2 = open_session(2, 2);
    r = outsider.join_options(sid2);
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(r.code(), "not_in_course");
    // A professor cannot join.
    r = call(port_, verb::post, "/api/attendance/sessions/" + std::to_string(sid) + "/join/options",
             professor_token(1));
    EXPECT_EQ(r.status, 403);
    // Unknown session.
    r = outsider.join_options(999999);
    EXPECT_EQ(r.status, 404);

    auto p = enrolled(100037);
    // No options first.
    const auto options = p.join_options(sid);
    ASSERT_EQ(options.status, 200);
    // A bad signature ends the ceremony; the challenge is used up.
    ts::assertion_options broken;
    broken.corrupt_signature = true;
    const auto bad = p.assertion(options.body, broken);
    r = p.join_with(sid, bad);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.code(), "assertion_refused");
    EXPECT_EQ(r.body.dump().find("signature"), std::string::npos) << "coarse refusal: " << r.body.dump();
    r = p.join_with(sid, p.assertion(options.body));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.code(), "no_join_in_progress");
    EXPECT_EQ(sql("SELECT count(*) FROM attendance.registrations WHERE session_id = " + std::to_string(sid)), "0");

    // A good join, then a re-join (page reloaded) keeps the registration and its place.
    auto first = p.join(sid);
    ASSERT_EQ(first.status, 200) << first.body.dump();
    auto second = p.join(sid);
    ASSERT_EQ(second.status, 200) << second.body.dump();
    EXPECT_EQ(first.body["registrationId"], second.body["registrationId"]);
    EXPECT_EQ(second.body["queuePosition"], 1);
    EXPECT_EQ(frames_.pending(sid).size(), 1u) << "the re-join does not queue the round twice";

    // A counter that goes backwards flags the registration (the join goes on).
    auto q = enrolled(100038);
    ASSERT_EQ(q.join(sid).status, 200);
    ts::assertion_options old;
    old.sign_count = 0;
    const auto opts2 = q.join_options(sid);
    ASSERT_EQ(opts2.status, 200);
    sql("UPDATE enrollment.devices SET sign_count = 50 WHERE user_id = 100038 AND is_active");
    r = q.join_with(sid, q.assertion(opts2.body, old));
    ASSERT_EQ(r.status, 200) << r.body.dump();
    EXPECT_EQ(sql("SELECT device_flagged FROM attendance.registrations WHERE session_id = " + std::to_string(sid) +
                  " AND user_id = 100038"),
              "t");
    EXPECT_EQ(sql("SELECT possibly_cloned FROM enrollment.devices WHERE user_id = 100038 AND is_active"), "t");

    // A closed session takes no joins.
    ASSERT_EQ(call(port_, verb::post, "/api/attendance/sessions/" + std::to_string(sid) + "/close", professor_token(1))
                  .status,
              200);
    r = p.join_options(sid);
    EXPECT_EQ(r.status, 409);
    EXPECT_EQ(r.code(), "session_not_active");
}

TEST_F(attendance_api, DependenciesDownGive503AndLoseNothing) {
    const auto sid = open_session(2);
    auto p = enrolled(100039);
    ASSERT_EQ(p.join(sid).status, 200);
    auto payload = p.open(frames_.show(sid, p, 1));
    ASSERT_TRUE(payload);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));

    server_test::svc("postgres", "stop");
    auto r = p.send_answer(sid, p.answer_for(*payload));
    server_test::svc("postgres", "start");
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.code(), "postgres_unavailable");
    // The round is still pending; the next showing is answered.
    r = answer_round(sid, p, 1);
    EXPECT_EQ(r.status, 200) << r.body.dump();
    EXPECT_EQ(r.body["accepted"], true);

    server_test::svc("valkey", "stop");
    r = p.send_answer(sid, {{"round", 2}, {"nonce", std::string(22, 'A')}, {"totps", "000000"}, {"totpu", "000000"}});
    server_test::svc("valkey", "start");
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.code(), "valkey_unavailable");
    // Valkey came back empty: the state and the round are rebuilt from PostgreSQL.
    std::optional<server_test::response> up;
    for (int i = 0; i < 50; ++i) {
        up = server_test::get(port_, "/readyz");
        if (up && up->status == 200) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    r = p.send_answer(sid, {{"round", 2}, {"nonce", std::string(22, 'A')}, {"totps", "000000"}, {"totpu", "000000"}});
    EXPECT_EQ(r.status, 200) << r.body.dump();
    EXPECT_EQ(r.body["round"], 2) << "rebuilt at round 2 from the stored success of round 1";
    EXPECT_EQ(validations(sid, 100039), "success,timeout");
    r = answer_round(sid, p, 2);
    EXPECT_EQ(r.body["accepted"], true);
    EXPECT_EQ(r.body["done"], true);
}

TEST_F(attendance_api, PhpDownAtJoinIs503AndNothingIsStored) {
    const auto sid = open_session(1); // the course list is not cached yet (fresh KEY_PREFIX)
    auto p = enrolled(100036);
    server_test::svc("php", "stop");
    auto r = p.join_options(sid);
    server_test::svc("php", "start");
    EXPECT_EQ(r.status, 503) << r.body.dump();
    EXPECT_EQ(r.code(), "php_unavailable");
    EXPECT_EQ(sql("SELECT count(*) FROM attendance.registrations WHERE session_id = " + std::to_string(sid)), "0");
    // Back up: the same student joins.
    std::optional<http_reply> joined;
    for (int i = 0; i < 50 && (!joined || joined->status != 200); ++i) {
        if (joined) std::this_thread::sleep_for(std::chrono::milliseconds(200));
        joined = p.join(sid);
    }
    EXPECT_EQ(joined->status, 200) << joined->body.dump();
}

TEST_F(attendance_api, TheProfessorReviewsOverridesCountsTheRoomAndDownloadsTheReport) {
    const auto sid = open_session(1);
    const auto path = "/api/attendance/sessions/" + std::to_string(sid);
    auto present = enrolled(100040);
    ASSERT_EQ(present.join(sid).status, 200);
    ASSERT_EQ(answer_round(sid, present, 1).body["done"], true);
    auto idle = enrolled(100030); // joins, never answers
    ASSERT_EQ(idle.join(sid).status, 200);

    auto r = call(port_, verb::get, path + "/results", professor_token(1));
    ASSERT_EQ(r.status, 200) << r.body.dump();
    ASSERT_EQ(r.body["students"].size(), 2u);
    const auto& a = r.body["students"][0];
    EXPECT_EQ(a["userId"], 100040);
    EXPECT_EQ(a["status"], "PRESENT");
    EXPECT_EQ(a["result"]["final"], false);
    EXPECT_EQ(a["result"]["components"]["base"], 100.0);
    // Scoring v2 explains itself: one student is too few for a class distribution, so the
    // student's median is measured against RT_GOOD_MS (600) + RT_MARGIN_MS (300).
    const auto& comp = a["result"]["components"];
    EXPECT_EQ(comp["scoringVersion"], 2);
    EXPECT_EQ(comp["statisticMs"], a["attempts"][0]["rtMs"]);
    EXPECT_EQ(comp["classStudents"], 1);
    EXPECT_EQ(comp["thresholdMs"], 900.0);
    const auto why = a["result"]["explanation"].get<std::string>();
    EXPECT_NE(why.find("Mediana del alumno " + std::to_string(a["attempts"][0]["rtMs"].get<long long>()) + " ms"),
              std::string::npos)
        << why;
    EXPECT_NE(why.find("umbral 900 ms: dentro del umbral, 1/1 rondas -> PRESENTE"), std::string::npos) << why;
    EXPECT_EQ(a["attempts"][0]["checks"]["totpu"], true);
    EXPECT_EQ(r.body["students"][1]["status"], "PENDING");
    EXPECT_EQ(call(port_, verb::get, path + "/results", professor_token(2)).status, 403);
    EXPECT_EQ(call(port_, verb::get, path + "/results", student_token(100040)).status, 403);

    // Overrides: validated, audited, never over the computed result.
    const auto override_of = [&](const json& body, std::int64_t prof = 1) {
        return call(port_, verb::post, path + "/overrides", professor_token(prof), body);
    };
    r = override_of({{"userId", 100029}, {"status", "PRESENT"}, {"reasonCode", "no_smartphone"}});
    ASSERT_EQ(r.status, 201) << r.body.dump();
    EXPECT_EQ(r.body["from"], nullptr);
    EXPECT_EQ(override_of({{"userId", 100029}, {"status", "PRESENT"}, {"reasonCode", "other"}}).status, 422);
    EXPECT_EQ(override_of({{"userId", 100029}, {"status", "HERE"}, {"reasonCode", "forgot_phone"}}).status, 422);
    EXPECT_EQ(override_of({{"userId", 100050}, {"status", "PRESENT"}, {"reasonCode", "forgot_phone"}}).code(),
              "invalid_override")
        << "100050 is not on course 1's list";
    EXPECT_EQ(override_of({{"userId", "x"}, {"status", "PRESENT"}, {"reasonCode", "forgot_phone"}}).status, 400);
    EXPECT_EQ(override_of({{"userId", 100029}, {"status", "PRESENT"}, {"reasonCode", "forgot_phone"}}, 2).status, 403);
    EXPECT_EQ(sql("SELECT count(*) FROM attendance.result_overrides WHERE session_id = " + std::to_string(sid)), "1");

    r = call(port_, verb::put, path + "/headcount", professor_token(1), {{"headcount", -1}});
    EXPECT_EQ(r.status, 422);
    r = call(port_, verb::put, path + "/headcount", professor_token(1), {{"headcount", 1}});
    ASSERT_EQ(r.status, 200) << r.body.dump();

    ASSERT_EQ(call(port_, verb::post, path + "/close", professor_token(1)).status, 200);
    EXPECT_EQ(sql("SELECT string_agg(user_id::text, ',' ORDER BY user_id) FROM attendance.legacy_outbox WHERE "
                  "session_id = " +
                  std::to_string(sid)),
              "100029,100040")
        << "the computed PRESENT and the professor's PRESENT travel; the idle student does not";
    r = call(port_, verb::get, path + "/results", professor_token(1));
    EXPECT_EQ(r.body["present"], 2);
    EXPECT_EQ(r.body["headcountExceeded"], true);
    EXPECT_EQ(r.body["students"][1]["status"], "ABSENT");
    EXPECT_EQ(r.body["students"][2]["userId"], 100029);
    EXPECT_EQ(r.body["students"][2]["override"]["reasonCode"], "no_smartphone");

    // The report lists the whole course (40 students), joined or not, in UTF-8 with a BOM.
    const auto csv =
        server_test::request(port_, verb::get, path + "/report.csv", {{"Authorization", professor_token(1)}});
    ASSERT_TRUE(csv);
    EXPECT_EQ(csv->status, 200);
    ASSERT_GT(csv->body.size(), 3u);
    EXPECT_EQ(csv->body.substr(0, 3), "\xEF\xBB\xBF");
    std::size_t lines = 0, pos = 0;
    while ((pos = csv->body.find("\r\n", pos)) != std::string::npos) ++lines, pos += 2;
    EXPECT_EQ(lines, 1u + 40u + 1u + 3u) << csv->body; // header, students, blank, present/count/alert
    EXPECT_NE(csv->body.find("100040;"), std::string::npos);
    EXPECT_NE(csv->body.find(";PRESENTE;100;"), std::string::npos) << csv->body;
    EXPECT_NE(csv->body.find("NO SE UNIÓ"), std::string::npos);
    EXPECT_NE(csv->body.find("alerta;"), std::string::npos);

    // Changing one's mind after the close withdraws an undelivered PRESENT (or says it is
    // already in the legacy system).
    r = override_of({{"userId", 100029}, {"status", "ABSENT"}, {"reasonCode", "other"}, {"reasonText", "error mío"}});
    ASSERT_EQ(r.status, 201) << r.body.dump();
    EXPECT_EQ(r.body["from"], "PRESENT");
    const auto left = sql("SELECT count(*) FROM attendance.legacy_outbox WHERE session_id = " + std::to_string(sid) +
                          " AND user_id = 100029");
    EXPECT_EQ(left, r.body["legacyAlreadyRecorded"] == true ? "1" : "0");

    // A cancelled session takes no overrides.
    const auto cancelled = open_session(1);
    ASSERT_EQ(
        call(port_, verb::post, "/api/attendance/sessions/" + std::to_string(cancelled) + "/cancel", professor_token(1))
            .status,
        200);
    r = call(port_, verb::post, "/api/attendance/sessions/" + std::to_string(cancelled) + "/overrides",
             professor_token(1), {{"userId", 100029}, {"status", "PRESENT"}, {"reasonCode", "forgot_phone"}});
    EXPECT_EQ(r.status, 409);
}

// Issue 14.3 and PROTOCOL.md 6.6: a phone revoked mid-session stops answering at the next
// request (its cached round state is dropped), nothing more is stored for it, and its
// result is ERROR with the reason.
TEST_F(attendance_api, ARevokedPhoneStopsAnsweringAtOnceAndItsResultIsError) {
    const auto sid = open_session(3);
    auto p = enrolled(100040); // on course 1, professor 1's
    ASSERT_EQ(p.join(sid).status, 200);
    auto r = answer_round(sid, p, 1);
    ASSERT_EQ(r.body["accepted"], true) << r.body.dump();
    // The phone already holds round 2's QR when the professor revokes it.
    const auto qr = frames_.show(sid, p, 2);
    const auto payload = p.open(qr);
    ASSERT_TRUE(payload);
    const auto revoked = call(port_, verb::post, "/api/enrollment/revoke", professor_token(1),
                              {{"userId", 100040}, {"reason", "teléfono robado"}});
    ASSERT_EQ(revoked.status, 200) << revoked.body.dump();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    r = p.send_answer(sid, p.answer_for(*payload));
    EXPECT_EQ(r.status, 409) << r.body.dump();
    EXPECT_EQ(r.code(), "device_revoked");
    EXPECT_EQ(validations(sid, 100040), "success") << "nothing stored for the revoked phone";
    EXPECT_TRUE(frames_.pending(sid).empty()) << "its rounds left the projection queue";
    const auto result = [&] {
        return sql(
            "SELECT res.final_status || ',' || res.is_final || ',' || r.status || ',' || r.flag_reason FROM "
            "attendance.results res JOIN attendance.registrations r USING (registration_id) WHERE "
            "r.session_id = " +
            std::to_string(sid) + " AND r.user_id = 100040");
    };
    EXPECT_EQ(result(), "ERROR,false,failed,device revoked: teléfono robado");
    // A re-join with the same (revoked) passkey is refused too.
    EXPECT_NE(p.join(sid).status, 200);
    ASSERT_EQ(call(port_, verb::post, "/api/attendance/sessions/" + std::to_string(sid) + "/close", professor_token(1))
                  .status,
              200);
    EXPECT_EQ(result(), "ERROR,true,failed,device revoked: teléfono robado");
}

// A re-enrollment replaces the phone: the old one's next answer is refused the same way.
TEST_F(attendance_api, AReEnrolledPhoneStopsAnsweringTheOldOne) {
    const auto sid = open_session(2);
    auto old_phone = enrolled(100030);
    ASSERT_EQ(old_phone.join(sid).status, 200);
    const auto payload = old_phone.open(frames_.show(sid, old_phone, 1));
    ASSERT_TRUE(payload);
    auto new_phone = enrolled(100030);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const auto r = old_phone.send_answer(sid, old_phone.answer_for(*payload));
    EXPECT_EQ(r.status, 409) << r.body.dump();
    EXPECT_EQ(r.code(), "device_revoked");
    EXPECT_EQ(validations(sid, 100030), "");
    EXPECT_EQ(sql("SELECT final_status FROM attendance.results JOIN attendance.registrations USING (registration_id) "
                  "WHERE session_id = " +
                  std::to_string(sid) + " AND user_id = 100030"),
              "ERROR");
}

// WebAuthn L2 7.2 step 6: a userHandle that is not the credential owner's is refused.
TEST_F(attendance_api, AUserHandleOfAnotherUserIsRefused) {
    const auto sid = open_session(1);
    auto p = enrolled(100039);
    auto options = p.join_options(sid);
    ASSERT_EQ(options.status, 200);
    auto body = p.assertion(options.body);
    body["credential"]["response"]["userHandle"] = enc::base64url_encode(std::string("100038"));
    auto r = p.join_with(sid, body);
    EXPECT_EQ(r.status, 400) << r.body.dump();
    EXPECT_EQ(r.code(), "assertion_refused");
    EXPECT_EQ(sql("SELECT count(*) FROM attendance.registrations WHERE session_id = " + std::to_string(sid)), "0");
    // The owner's own handle (base64url of the decimal userId) is accepted.
    options = p.join_options(sid);
    ASSERT_EQ(options.status, 200);
    body = p.assertion(options.body);
    body["credential"]["response"]["userHandle"] = enc::base64url_encode(std::string("100039"));
    r = p.join_with(sid, body);
    EXPECT_EQ(r.status, 200) << r.body.dump();
}

// Numbers are range-checked before narrowing: no int64 -> int truncation (2^32 + 3
// rounds is not 3 rounds), no double -> int64 UB (the sanitizer build reports that).
TEST_F(attendance_api, OutOfRangeNumbersInAnAnswerAre400) {
    for (const json& rounds : {json(4294967299LL), json(18446744073709551615ULL), json(-4294967295LL)}) {
        const auto r = call(port_, verb::post, "/api/attendance/sessions", professor_token(1),
                            {{"courseId", 1}, {"semesterId", 2}, {"room", "Sala 3"}, {"maxRounds", rounds}});
        EXPECT_EQ(r.status, 400) << rounds.dump() << " " << r.body.dump();
    }
    const auto sid = open_session(1);
    auto p = enrolled(100038);
    ASSERT_EQ(p.join(sid).status, 200);
    const auto payload = p.open(frames_.show(sid, p, 1));
    ASSERT_TRUE(payload);
    for (const json& v : {json(1e300), json(-5.0), json(18446744073709551615ULL)}) {
        auto body = p.answer_for(*payload);
        body["clientScannedAt"] = v;
        const auto r = p.send_answer(sid, body);
        EXPECT_EQ(r.status, 400) << v.dump() << " " << r.body.dump();
        EXPECT_EQ(r.code(), "invalid_answer");
    }
    EXPECT_EQ(validations(sid, 100038), "");
}

// Issue 14.2: rate limits on join and answers (low limits for the test).
class attendance_limits : public attendance_api {
protected:
    attendance_limits() : attendance_api({{"RATE_LIMIT_ANSWERS_PER_SEC", "3"}, {"RATE_LIMIT_JOIN_PER_MIN", "2"}}) {}
};

TEST_F(attendance_limits, AnswersOverTheLimitAre429AndStoreNoRow) {
    const auto sid = open_session(1);
    auto p = enrolled(100037);
    ASSERT_EQ(p.join(sid).status, 200);
    // A loop of answers to a round that is not pending: each one within the limit is an
    // `invalid` row, the ones over it are refused before anything is stored.
    const json junk{{"round", 5}, {"nonce", std::string(22, 'A')}, {"totps", "000000"}, {"totpu", "000000"}};
    int ok = 0, limited = 0;
    std::string retry_after;
    for (int i = 0; i < 12; ++i) {
        const auto r = p.send_answer(sid, junk);
        if (r.status == 200) ++ok;
        if (r.status == 429) {
            ++limited;
            EXPECT_EQ(r.code(), "rate_limited");
            retry_after = r.headers.count("retry-after") ? r.headers.at("retry-after") : "";
        }
    }
    EXPECT_GE(limited, 1);
    EXPECT_EQ(retry_after, "1") << "Retry-After: the rest of the 1 s window";
    EXPECT_EQ(std::stoi(sql("SELECT count(*) FROM attendance.validations v JOIN attendance.registrations r USING "
                            "(registration_id) WHERE r.session_id = " +
                            std::to_string(sid))),
              ok);
    EXPECT_LE(ok, 3 * 4) << "at most the limit per window";
    EXPECT_EQ(ok + limited, 12);
    // The counters are in Valkey (shared by every replica).
    EXPECT_NE(server_test::valkey_cli("KEYS '" + prefix_ + "ratelimit:answers:*'"), "");
}

TEST_F(attendance_limits, JoinOptionsOverTheLimitAre429) {
    const auto sid = open_session(1);
    auto p = enrolled(100036);
    EXPECT_EQ(p.join_options(sid).status, 200);
    EXPECT_EQ(p.join_options(sid).status, 200);
    const auto r = p.join_options(sid);
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(r.code(), "rate_limited");
    EXPECT_TRUE(r.headers.count("retry-after"));
    // Per user and session: another session is its own budget.
    const auto other = open_session(1);
    EXPECT_EQ(p.join_options(other).status, 200);
}

} // namespace
