// From attempts to rounds and results (PROTOCOL.md 6.5, 6.6): which round a student is on,
// which attempts count, and the class distribution over every registration (scoring v2).
#include "asistencia/application/attendance/results.hpp"

#include <gtest/gtest.h>

namespace {

using namespace asistencia::application::attendance;

validation_row attempt(int round, validation_status s, std::int64_t rt = 0) {
    validation_row v;
    v.round = round;
    v.status = s;
    if (s == validation_status::success) v.response_time_ms = rt;
    return v;
}

registration_record record(std::int64_t user, std::vector<validation_row> attempts, bool flagged = false) {
    registration_record r;
    r.reg.registration_id = user;
    r.reg.user_id = user;
    r.reg.device_flagged = flagged;
    r.validations = std::move(attempts);
    return r;
}

TEST(attendance_rounds, TheCurrentRoundSkipsSucceededAndFailedRounds) {
    using S = validation_status;
    EXPECT_EQ(current_round({}, 3, 3), 1);
    EXPECT_EQ(current_round({attempt(1, S::success, 500)}, 3, 3), 2);
    EXPECT_EQ(current_round({attempt(1, S::failed), attempt(1, S::failed)}, 3, 3), 1) << "two of three failures";
    EXPECT_EQ(current_round({attempt(1, S::failed), attempt(1, S::failed), attempt(1, S::failed)}, 3, 3), 2);
    EXPECT_EQ(current_round({attempt(1, S::timeout), attempt(1, S::invalid)}, 3, 3), 1) << "neither counts";
    EXPECT_EQ(current_round({attempt(1, S::success, 1), attempt(2, S::success, 1), attempt(3, S::success, 1)}, 3, 3),
              4);
}

TEST(attendance_results, OnlyTheFirstSuccessOfARoundCountsAndFailuresArePenalized) {
    using S = validation_status;
    const auto r = record(7, {attempt(1, S::failed), attempt(1, S::success, 400), attempt(1, S::success, 9000),
                              attempt(2, S::success, 500), attempt(2, S::invalid)});
    const auto built = build_results(2, {r}, 3, {});
    ASSERT_EQ(built.results.size(), 1u);
    const auto& x = built.results[0];
    EXPECT_EQ(x.successful_rounds, 2);
    EXPECT_EQ(x.failed_attempts, 1);
    EXPECT_DOUBLE_EQ(x.failure_penalty, 5);
    EXPECT_DOUBLE_EQ(x.score, 95);
    EXPECT_EQ(x.status, "PRESENT");
    ASSERT_TRUE(x.median_ms);
    EXPECT_DOUBLE_EQ(*x.median_ms, 450);
}

TEST(attendance_results, TheBaselineIsTheWholeClassAndAFlaggedDeviceIsCapped) {
    using S = validation_status;
    std::vector<registration_record> records;
    for (int i = 0; i < 10; ++i) {
        records.push_back(record(100 + i, {attempt(1, S::success, 400 + i * 10), attempt(2, S::success, 420)}));
    }
    records.push_back(record(200, {attempt(1, S::success, 1500), attempt(2, S::success, 1600)})); // a relay
    records.push_back(record(300, {attempt(1, S::success, 410), attempt(2, S::success, 430)}, true));
    records.push_back(record(400, {})); // joined, never answered
    const auto built = build_results(2, records, 3, {});
    ASSERT_EQ(built.results.size(), records.size());
    // Scoring v2: the median of the 12 students' medians (410..455, 420, and the relay's 1550).
    EXPECT_NEAR(built.baseline_median_ms, 432.5, 1e-9);
    EXPECT_EQ(built.results[0].class_students, 12);
    EXPECT_EQ(built.results[0].scoring_version, 2);
    EXPECT_EQ(built.results[0].statistic_ms, 410);
    EXPECT_EQ(built.results[0].status, "PRESENT");
    EXPECT_EQ(built.results[10].statistic_ms, 1550);
    EXPECT_NE(built.results[10].explanation.find("sobre el umbral"), std::string::npos)
        << built.results[10].explanation;
    EXPECT_NE(built.results[10].status, "PRESENT") << "700+ ms above the room";
    EXPECT_EQ(built.results[11].status, "DOUBTFUL");
    EXPECT_TRUE(built.results[11].flagged_cap_applied);
    EXPECT_EQ(built.results[12].status, "ABSENT");
    EXPECT_EQ(built.results[12].total_rounds, 0);
}

} // namespace
