// Unit tests of scoring v2 (docs/scoring.md): the student's median RT, the class distribution
// of per-student medians, the timing factor, coverage, penalties, the flag cap, ERROR cases
// and the professor's explanation line.
#include "asistencia/domain/scoring/certainty_v2.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>
#include <vector>

namespace {

using namespace asistencia::domain::scoring;

const scoring_v2_config defaults{};

student_input rounds_with(std::vector<double> rts, int max_rounds = 0) {
    student_input in;
    in.max_rounds = max_rounds > 0 ? max_rounds : static_cast<int>(rts.size());
    for (std::size_t i = 0; i < rts.size(); ++i) in.rounds.push_back({static_cast<int>(i) + 1, true, rts[i]});
    return in;
}

// A class whose 40 students' medians are 300..495 ms (5 ms apart): median 397.5, MAD 50.
std::vector<double> forty_medians() {
    std::vector<double> m;
    for (int i = 0; i < 40; ++i) m.push_back(300 + 5 * i);
    return m;
}

// A distribution with the given threshold (as if computed), for the scoring tests.
class_distribution threshold_at(double t) {
    class_distribution d;
    d.median_ms = t - defaults.rt_margin_ms;
    d.threshold_ms = t;
    d.students = 40;
    return d;
}

TEST(ScoringV2Statistic, IsTheMedianOfTheSuccessfulRoundsOnly) {
    auto in = rounds_with({300, 3000, 320, 310, 5000});
    EXPECT_EQ(student_statistic(in), 320) << "two late answers in five do not move it";
    in.rounds.push_back({6, false, 99999});
    in.max_rounds = 6;
    EXPECT_EQ(student_statistic(in), 320) << "a failed round has no RT";
    EXPECT_EQ(student_statistic(rounds_with({400, 200})), 300) << "even: mean of the middle two";
    student_input none;
    none.max_rounds = 3;
    none.rounds.push_back({1, false, 0});
    EXPECT_FALSE(student_statistic(none));
}

TEST(ScoringV2Distribution, FallsBackBelowTheMinimumStudents) {
    const std::vector<double> seven{300, 310, 320, 330, 340, 350, 360};
    const auto few = compute_class_distribution(seven, defaults);
    EXPECT_TRUE(few.fallback);
    EXPECT_EQ(few.students, 7U);
    EXPECT_EQ(few.median_ms, defaults.rt_good_ms);
    EXPECT_EQ(few.mad_ms, 0);
    EXPECT_EQ(few.threshold_ms, defaults.rt_good_ms + defaults.rt_margin_ms);

    auto eight = seven;
    eight.push_back(370);
    const auto enough = compute_class_distribution(eight, defaults);
    EXPECT_FALSE(enough.fallback);
    EXPECT_EQ(enough.median_ms, 335);
    EXPECT_EQ(enough.mad_ms, 20);
    EXPECT_EQ(enough.threshold_ms, 335 + 300) << "margin 300 > 3 x MAD 60";
}

TEST(ScoringV2Distribution, TheMadFactorWinsOverTheMarginInAWideRoom) {
    const auto d = compute_class_distribution(forty_medians(), defaults);
    EXPECT_DOUBLE_EQ(d.median_ms, 397.5);
    EXPECT_DOUBLE_EQ(d.mad_ms, 50);
    EXPECT_DOUBLE_EQ(d.threshold_ms, 397.5 + 300) << "3 x 50 = 150 < margin";
    scoring_v2_config wide = defaults;
    wide.mad_factor = 8;
    EXPECT_DOUBLE_EQ(compute_class_distribution(forty_medians(), wide).threshold_ms, 397.5 + 400);
}

TEST(ScoringV2Distribution, ThreeRelaysBarelyMoveIt) {
    auto medians = forty_medians();
    const auto honest = compute_class_distribution(medians, defaults);
    for (int i = 0; i < 3; ++i) medians.push_back(1100 + i);
    const auto with_relays = compute_class_distribution(medians, defaults);
    EXPECT_LE(with_relays.threshold_ms - honest.threshold_ms, 10);
    EXPECT_EQ(with_relays.students, 43U);
}

TEST(ScoringV2Score, OneLateRoundOfFiveDoesNotCostAnHonestStudent) {
    const auto d = threshold_at(600);
    const auto honest = score_student_v2(rounds_with({310, 290, 2900, 305, 330}), d, defaults);
    EXPECT_EQ(honest.status, attendance_status::present);
    EXPECT_EQ(honest.score, 100);
    EXPECT_EQ(honest.statistic_ms, 310);
    EXPECT_EQ(honest.timing_factor, 1);
    // A relay adds its delay to every answer: its median moves by all of it.
    const auto relay = score_student_v2(rounds_with({1010, 990, 1100, 1005, 1030}), d, defaults);
    EXPECT_EQ(relay.status, attendance_status::absent);
    EXPECT_EQ(relay.score, 0);
    EXPECT_EQ(relay.timing_factor, 0);
}

TEST(ScoringV2Score, TheTimingFactorFallsOverTheSpanAndTheBandsAreEdgeExact) {
    const auto d = threshold_at(600);
    const auto at = [&](double median) { return score_student_v2(rounds_with({median, median, median}), d, defaults); };
    EXPECT_EQ(at(600).score, 100) << "at T";
    // 70 = PRESENT exactly at T + 0.3 * span (120 ms); just above is DOUBTFUL.
    EXPECT_EQ(at(720).score, 70);
    EXPECT_EQ(at(720).status, attendance_status::present);
    EXPECT_EQ(at(720.04).score, 69.99);
    EXPECT_EQ(at(720.04).status, attendance_status::doubtful);
    EXPECT_EQ(at(840).score, 40);
    EXPECT_EQ(at(840).status, attendance_status::doubtful);
    EXPECT_EQ(at(840.04).status, attendance_status::absent);
    EXPECT_EQ(at(1000).score, 0) << "T + span";
    EXPECT_EQ(at(2000).score, 0);
}

TEST(ScoringV2Score, CoverageFailuresAndTheFlagCap) {
    const auto d = threshold_at(600);
    auto three_of_five = rounds_with({300, 300, 300}, 5);
    EXPECT_EQ(score_student_v2(three_of_five, d, defaults).score, 60) << "rounds not played weigh 0";
    EXPECT_EQ(score_student_v2(three_of_five, d, defaults).status, attendance_status::doubtful);

    auto four = rounds_with({300, 300, 300, 300}, 5);
    four.rounds.push_back({5, false, 0});
    four.failed_attempts = 3;
    const auto r = score_student_v2(four, d, defaults);
    EXPECT_EQ(r.successful_rounds, 4);
    EXPECT_EQ(r.failed_rounds, 1);
    EXPECT_EQ(r.failure_penalty, 15);
    EXPECT_EQ(r.score, 65);
    four.failed_attempts = 9;
    EXPECT_EQ(score_student_v2(four, d, defaults).failure_penalty, 20) << "capped";

    auto flagged = rounds_with({300, 300, 300});
    flagged.device_flagged = true;
    const auto f = score_student_v2(flagged, d, defaults);
    EXPECT_EQ(f.uncapped_score, 100);
    EXPECT_EQ(f.score, 69);
    EXPECT_TRUE(f.flagged_cap_applied);
    EXPECT_EQ(f.status, attendance_status::doubtful);

    student_input silent;
    silent.max_rounds = 5;
    const auto s = score_student_v2(silent, d, defaults);
    EXPECT_EQ(s.status, attendance_status::absent);
    EXPECT_FALSE(s.statistic_ms);
}

TEST(ScoringV2Score, InconsistentInputIsAnError) {
    const auto d = threshold_at(600);
    auto bad = rounds_with({300, -1});
    EXPECT_EQ(score_student_v2(bad, d, defaults).status, attendance_status::error);
    auto repeated = rounds_with({300, 300});
    repeated.rounds[1].round = 1;
    EXPECT_EQ(score_student_v2(repeated, d, defaults).status, attendance_status::error);
    auto nan = rounds_with({std::numeric_limits<double>::quiet_NaN()});
    EXPECT_EQ(score_student_v2(nan, d, defaults).status, attendance_status::error);
    auto revoked = rounds_with({300});
    revoked.error_reason = "device revoked";
    const auto e = score_student_v2(revoked, d, defaults);
    EXPECT_EQ(e.status, attendance_status::error);
    EXPECT_EQ(e.score, 0);
    EXPECT_EQ(e.explanation, "No se pudo calcular: device revoked -> ERROR");
}

TEST(ScoringV2Explanation, NamesTheStatisticTheClassAndTheThreshold) {
    std::vector<double> medians = forty_medians();
    const auto d = compute_class_distribution(medians, defaults);
    const auto ok = score_student_v2(rounds_with({310, 2900, 320, 305, 330}), d, defaults);
    EXPECT_EQ(ok.explanation,
              "Mediana del alumno 320 ms; clase: mediana 398 ms, MAD 50 ms (40 alumnos); "
              "umbral 698 ms: dentro del umbral, 5/5 rondas -> PRESENTE (100.00)");
    auto late = rounds_with({1100, 1110, 1120});
    late.failed_attempts = 1;
    const auto bad = score_student_v2(late, d, defaults);
    EXPECT_EQ(bad.explanation,
              "Mediana del alumno 1110 ms; clase: mediana 398 ms, MAD 50 ms (40 alumnos); "
              "umbral 698 ms: 412 ms sobre el umbral, 3/3 rondas, 1 intentos fallidos (-5) -> "
              "AUSENTE (0.00)");
    const auto few = score_student_v2(rounds_with({400}), compute_class_distribution({}, defaults), defaults);
    EXPECT_EQ(few.explanation,
              "Mediana del alumno 400 ms; clase: 0 alumnos con tiempos, pocos; mediana fija 600 ms; "
              "umbral 900 ms: dentro del umbral, 1/1 rondas -> PRESENTE (100.00)");
}

TEST(ScoringV2Config, RejectsInconsistentConstants) {
    EXPECT_NO_THROW(validate(defaults));
    auto c = defaults;
    c.rt_min_ms = 6000;
    EXPECT_THROW(validate(c), std::invalid_argument);
    c = defaults;
    c.rt_span_ms = 0;
    EXPECT_THROW(validate(c), std::invalid_argument);
    c = defaults;
    c.baseline_min_students = 0;
    EXPECT_THROW(validate(c), std::invalid_argument);
    c = defaults;
    c.flagged_cap = 70;
    EXPECT_THROW(validate(c), std::invalid_argument);
    c = defaults;
    c.doubtful_min = 80;
    EXPECT_THROW(validate(c), std::invalid_argument);
    c = defaults;
    c.mad_factor = -1;
    EXPECT_THROW(validate(c), std::invalid_argument);
}

} // namespace
