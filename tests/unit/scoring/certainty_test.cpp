// Unit tests of the certainty score (PROTOCOL.md 6.6): statistics as PostgreSQL computes them,
// class baseline, round weights, penalties, flag cap, and every status band edge.
#include "asistencia/domain/scoring/certainty.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace {

using namespace asistencia::domain::scoring;

const scoring_config defaults{};

// Fewer than BASELINE_MIN_ANSWERS: median RT_GOOD_MS (900), T = 900 + 300 = 1200.
class_baseline fallback() { return compute_baseline({}, defaults); }

// n rounds, all successful, with the given RTs.
student_input rounds_with(std::vector<double> rts, int max_rounds = 0) {
    student_input in;
    in.max_rounds = max_rounds > 0 ? max_rounds : static_cast<int>(rts.size());
    for (std::size_t i = 0; i < rts.size(); ++i) {
        in.rounds.push_back({static_cast<int>(i) + 1, true, rts[i]});
    }
    return in;
}

certainty_result score(const student_input& in, const class_baseline& b = fallback()) {
    return score_student(in, b, defaults);
}

TEST(Statistics, SeedExampleMatchesPostgres) {
    // esquema-base-datos.md: 1150/1200/1300 ms -> 1216.67, 76.38, 1150, 1300, 1200.
    const std::vector<double> rts{1150, 1200, 1300};
    const auto s = compute_statistics(rts);
    EXPECT_EQ(s.count, 3U);
    EXPECT_NEAR(*s.avg, 1216.67, 0.005);
    EXPECT_NEAR(*s.std_dev, 76.38, 0.005);
    EXPECT_NEAR(*s.std_dev, std::sqrt(17500.0 / 3.0), 1e-9); // sum of squares 11666.7 / 2
    EXPECT_EQ(*s.min, 1150);
    EXPECT_EQ(*s.max, 1300);
    EXPECT_EQ(*s.median, 1200);
}

TEST(Statistics, ZeroOneAndEvenSamples) {
    const auto none = compute_statistics({});
    EXPECT_EQ(none.count, 0U);
    EXPECT_FALSE(none.avg || none.std_dev || none.min || none.max || none.median);

    const std::vector<double> one{812};
    const auto s1 = compute_statistics(one);
    EXPECT_EQ(*s1.avg, 812);
    EXPECT_EQ(*s1.min, 812);
    EXPECT_EQ(*s1.max, 812);
    EXPECT_EQ(*s1.median, 812);
    EXPECT_FALSE(s1.std_dev); // STDDEV of one row is NULL

    const std::vector<double> four{400, 100, 300, 200};
    const auto s4 = compute_statistics(four);
    EXPECT_EQ(*s4.median, 250); // PERCENTILE_CONT(0.5)
    EXPECT_EQ(*s4.min, 100);
    EXPECT_EQ(*s4.max, 400);
    EXPECT_NEAR(*s4.std_dev, std::sqrt(50000.0 / 3.0), 1e-9);
}

TEST(Statistics, MedianAndMad) {
    const std::vector<double> v{1, 2, 3, 4, 100};
    EXPECT_EQ(median(v), 3);
    EXPECT_EQ(median_absolute_deviation(v), 1); // |dev| = 2 1 0 1 97
    EXPECT_EQ(median({}), 0);
    EXPECT_EQ(median_absolute_deviation({}), 0);
}

TEST(Baseline, NineAnswersFallBackTenDoNot) {
    std::vector<double> rts(9, 400.0);
    auto b = compute_baseline(rts, defaults);
    EXPECT_TRUE(b.fallback);
    EXPECT_EQ(b.answers, 9U);
    EXPECT_EQ(b.median_ms, 900);
    EXPECT_EQ(b.mad_ms, 0);
    EXPECT_EQ(b.threshold_ms, 1200);

    rts.push_back(400.0);
    b = compute_baseline(rts, defaults);
    EXPECT_FALSE(b.fallback);
    EXPECT_EQ(b.answers, 10U);
    EXPECT_EQ(b.median_ms, 400);
    EXPECT_EQ(b.mad_ms, 0);
    EXPECT_EQ(b.threshold_ms, 700); // margin 300 dominates 4 * 0
}

TEST(Baseline, FourMadWhenWiderThanTheMargin) {
    // Median 500, |dev| = 200 x5, 0, 200 x4 ... -> MAD 100, T = 500 + 400.
    const std::vector<double> rts{300, 400, 400, 500, 500, 500, 600, 600, 700, 300, 700};
    const auto b = compute_baseline(rts, defaults);
    EXPECT_EQ(b.median_ms, 500);
    EXPECT_EQ(b.mad_ms, 100);
    EXPECT_EQ(b.threshold_ms, 900);
    // Three 3-second relays among 11 answers move it by a quarter second, not by seconds
    // (the mean would move by 700 ms): robust statistics.
    auto with_relays = rts;
    with_relays.insert(with_relays.end(), {3000, 3100, 3200});
    const auto r = compute_baseline(with_relays, defaults);
    EXPECT_EQ(r.median_ms, 550);
    EXPECT_EQ(r.mad_ms, 150);
    EXPECT_EQ(r.threshold_ms, 1150);
}

TEST(RoundWeight, LinearAboveTheThreshold) {
    const auto r = score(rounds_with({1200, 1550, 1900, 2500}));
    ASSERT_EQ(r.weights.size(), 4U);
    EXPECT_EQ(r.weights[0].weight, 1.0); // rt == T
    EXPECT_NEAR(r.weights[1].weight, 0.5, 1e-12);
    EXPECT_NEAR(r.weights[2].weight, 0.0, 1e-12);
    EXPECT_EQ(r.weights[3].weight, 0.0);
    EXPECT_EQ(r.weights[1].rt_ms, 1550);
    EXPECT_NEAR(r.base, 100.0 * 1.5 / 4, 1e-9);
}

TEST(Bands, PresentEdge) {
    // One round: weight 0.7 -> 70 -> PRESENT; weight 0.6999 -> 69.99 -> DOUBTFUL.
    const auto at = score(rounds_with({1200 + 0.3 * 700}));
    EXPECT_EQ(at.score, 70);
    EXPECT_EQ(at.status, attendance_status::present);
    const auto below = score(rounds_with({1200 + 0.3001 * 700}));
    EXPECT_EQ(below.score, 69.99);
    EXPECT_EQ(below.status, attendance_status::doubtful);
    // 7 of 10 rounds: exactly 70 despite 0.7 not being representable.
    auto seven = rounds_with({500, 500, 500, 500, 500, 500, 500}, 10);
    EXPECT_EQ(score(seven).score, 70);
    EXPECT_EQ(score(seven).status, attendance_status::present);
    EXPECT_EQ(status_for_score(69.99, defaults), attendance_status::doubtful);
    EXPECT_EQ(status_for_score(70, defaults), attendance_status::present);
}

TEST(Bands, DoubtfulEdge) {
    const auto at = score(rounds_with({1200 + 0.6 * 700}));
    EXPECT_EQ(at.score, 40);
    EXPECT_EQ(at.status, attendance_status::doubtful);
    const auto below = score(rounds_with({1200 + 0.6001 * 700}));
    EXPECT_EQ(below.score, 39.99);
    EXPECT_EQ(below.status, attendance_status::absent);
    EXPECT_EQ(status_for_score(39.99, defaults), attendance_status::absent);
    EXPECT_EQ(status_for_score(40, defaults), attendance_status::doubtful);
    EXPECT_EQ(status_for_score(0, defaults), attendance_status::absent);
}

TEST(Penalties, JitterEdges) {
    // Sample std dev of {x - d, x, x + d} is exactly d. A generous baseline keeps base 100.
    class_baseline wide = fallback();
    wide.threshold_ms = 10000;
    const auto at_low = score(rounds_with({1000, 1600, 2200}), wide);
    EXPECT_EQ(*at_low.statistics.std_dev, 600);
    EXPECT_EQ(at_low.jitter_penalty, 0);
    EXPECT_GT(score(rounds_with({1000, 1601, 2202}), wide).jitter_penalty, 0);
    const auto mid = score(rounds_with({1000, 2300, 3600}), wide);
    EXPECT_NEAR(mid.jitter_penalty, 7.5, 1e-9);
    EXPECT_NEAR(mid.score, 92.5, 1e-9);
    const auto at_high = score(rounds_with({1000, 3000, 5000}), wide);
    EXPECT_EQ(*at_high.statistics.std_dev, 2000);
    EXPECT_NEAR(at_high.jitter_penalty, 15, 1e-9);
    EXPECT_EQ(at_high.score, 85);
    EXPECT_NEAR(score(rounds_with({200, 2700, 5200}), wide).jitter_penalty, 15, 1e-9);
    // Fewer than two successful rounds: no jitter.
    EXPECT_EQ(score(rounds_with({4000}, 3), wide).jitter_penalty, 0);
}

TEST(Penalties, FailedAttemptsAreCapped) {
    for (const auto& [attempts, penalty] :
         std::vector<std::pair<int, double>>{{0, 0}, {1, 5}, {3, 15}, {4, 20}, {5, 20}, {9, 20}}) {
        auto in = rounds_with({500, 500, 500});
        in.failed_attempts = attempts;
        const auto r = score(in);
        EXPECT_EQ(r.failure_penalty, penalty) << attempts;
        EXPECT_EQ(r.score, 100 - penalty) << attempts;
    }
}

TEST(Penalties, FailedRoundsWeighZeroAndScoreClampsAtZero) {
    student_input in;
    in.max_rounds = 3;
    in.rounds = {{1, true, 500}, {2, false, 0}, {3, true, 500}};
    in.failed_attempts = 3;
    auto r = score(in);
    EXPECT_EQ(r.successful_rounds, 2);
    EXPECT_EQ(r.failed_rounds, 1);
    EXPECT_NEAR(r.base, 200.0 / 3, 1e-9);
    EXPECT_EQ(r.score, 51.67); // 66.67 - 15
    EXPECT_EQ(r.status, attendance_status::doubtful);

    in.rounds = {{1, false, 0}, {2, false, 0}, {3, false, 0}};
    in.failed_attempts = 9;
    r = score(in);
    EXPECT_EQ(r.base, 0);
    EXPECT_EQ(r.score, 0);
    EXPECT_EQ(r.status, attendance_status::absent);
    EXPECT_FALSE(r.statistics.avg);
}

TEST(Penalties, UnfinishedRoundsCountAsZero) {
    const auto r = score(rounds_with({500, 500}, 3));
    EXPECT_EQ(r.score, 66.67);
    EXPECT_EQ(r.status, attendance_status::doubtful);
    EXPECT_EQ(r.weights.size(), 2U);
}

TEST(FlagCap, FlaggedDeviceIsAtMostDoubtful) {
    auto in = rounds_with({500, 500, 500});
    in.device_flagged = true;
    auto r = score(in);
    EXPECT_EQ(r.uncapped_score, 100);
    EXPECT_EQ(r.score, 69);
    EXPECT_TRUE(r.flagged_cap_applied);
    EXPECT_EQ(r.status, attendance_status::doubtful);

    in = rounds_with({500, 500}, 3); // 66.67 < 69: the cap changes nothing
    in.device_flagged = true;
    r = score(in);
    EXPECT_EQ(r.score, 66.67);
    EXPECT_FALSE(r.flagged_cap_applied);
}

TEST(Errors, UncomputableResultsAreError) {
    auto in = rounds_with({500});
    in.error_reason = "device revoked";
    auto r = score(in);
    EXPECT_EQ(r.status, attendance_status::error);
    EXPECT_EQ(r.error_reason, "device revoked");
    EXPECT_EQ(r.score, 0);
    EXPECT_EQ(to_string(r.status), "ERROR");

    EXPECT_EQ(score(rounds_with({}, 0)).status, attendance_status::error);
    EXPECT_EQ(score(rounds_with({500, 500}, 1)).status, attendance_status::error);
    in = rounds_with({500, 500});
    in.rounds[1].round = 1;
    EXPECT_EQ(score(in).status, attendance_status::error);
    EXPECT_EQ(score(rounds_with({std::numeric_limits<double>::quiet_NaN()})).status, attendance_status::error);
    EXPECT_EQ(score(rounds_with({-1})).status, attendance_status::error);
    in = rounds_with({500});
    in.failed_attempts = -1;
    EXPECT_EQ(score(in).status, attendance_status::error);
}

TEST(Result, CarriesItsComponents) {
    std::vector<double> class_rts;
    for (int i = 0; i < 30; ++i) class_rts.push_back(300 + 10 * i); // 300..590
    const auto b = compute_baseline(class_rts, defaults);
    const auto r = score_student(rounds_with({450, 1500, 600}), b, defaults);
    EXPECT_EQ(r.baseline.answers, 30U);
    EXPECT_EQ(r.baseline.median_ms, 445);
    EXPECT_EQ(r.baseline.mad_ms, 75);
    EXPECT_EQ(r.baseline.threshold_ms, 445 + 300);
    ASSERT_EQ(r.weights.size(), 3U);
    EXPECT_EQ(r.weights[0].weight, 1);
    EXPECT_EQ(r.weights[1].weight, 0); // 1500 > 745 + 700
    EXPECT_EQ(r.weights[2].weight, 1);
    EXPECT_EQ(r.statistics.count, 3U);
    EXPECT_EQ(*r.statistics.median, 600);
    EXPECT_NEAR(r.base, 66.67, 0.005);
    EXPECT_EQ(r.max_rounds, 3);
    EXPECT_EQ(to_string(attendance_status::present), "PRESENT");
    EXPECT_EQ(to_string(attendance_status::doubtful), "DOUBTFUL");
    EXPECT_EQ(to_string(attendance_status::absent), "ABSENT");
}

TEST(Config, Validation) {
    EXPECT_NO_THROW(validate(defaults));
    auto c = defaults;
    c.rt_span_ms = 0;
    EXPECT_THROW(validate(c), std::invalid_argument);
    c = defaults;
    c.flagged_cap = 70;
    EXPECT_THROW(validate(c), std::invalid_argument);
    c = defaults;
    c.doubtful_min = 80;
    EXPECT_THROW(validate(c), std::invalid_argument);
    c = defaults;
    c.jitter_high_ms = 600;
    EXPECT_THROW(validate(c), std::invalid_argument);
    c = defaults;
    c.rt_max_ms = 100;
    EXPECT_THROW(validate(c), std::invalid_argument);
}

} // namespace
