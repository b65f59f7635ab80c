// Scoring v2 (docs/scoring.md, issue 13): each student's own robust statistic, the median of
// their successful rounds' RTs, measured against the class distribution of those per-student
// medians. A relay adds its delay to every answer, so it moves the student's median by the
// whole delay, while one honest late answer in five does not move it at all; per-round weights
// (v1) let a relay keep most of its weight whenever the room's spread is wide. Pure code;
// every constant is in scoring_v2_config (defaults = what the simulation supports).
#pragma once

#include "asistencia/domain/scoring/certainty.hpp"

#include <cstddef>
#include <optional>
#include <span>
#include <string>

namespace asistencia::domain::scoring {

struct scoring_v2_config {
    double rt_min_ms = 50;                 // RT_MIN_MS: only clock nonsense is faster
    double rt_max_ms = 5000;               // RT_MAX_MS: slower answers fail rt_valid
    std::size_t baseline_min_students = 8; // BASELINE_MIN_STUDENTS: else RT_GOOD_MS is the median
    double rt_good_ms = 600;               // RT_GOOD_MS: class median while too few students
    double rt_margin_ms = 300;             // RT_MARGIN_MS: least distance median -> threshold
    double mad_factor = 3;                 // RT_MAD_FACTOR: T = m + max(margin, k * MAD)
    double rt_span_ms = 400;               // RT_SPAN_MS: above T the timing factor falls 1 -> 0
    double failure_penalty_per_attempt = 5;
    double failure_penalty_max = 20;
    double flagged_cap = 69;  // flagged device: score at most this
    double present_min = 70;  // PRESENT when score >= this
    double doubtful_min = 40; // DOUBTFUL when score >= this, else ABSENT
};

// Throws std::invalid_argument for inconsistent constants. Call once at startup.
void validate(const scoring_v2_config& config);

// The yardstick of v2: median and MAD (unscaled) of the per-student statistics of the class.
struct class_distribution {
    double median_ms = 0;     // of the per-student medians, or rt_good_ms with the fallback
    double mad_ms = 0;        // of the per-student medians (0 with the fallback)
    double threshold_ms = 0;  // T = median + max(rt_margin_ms, mad_factor * MAD)
    std::size_t students = 0; // how many per-student statistics it was computed from
    bool fallback = false;    // fewer than baseline_min_students: RT_GOOD_MS used
};

// A student's statistic: the median of their successful rounds' RTs; empty without one.
std::optional<double> student_statistic(const student_input& input);

// From the statistics of every student of the session who has one.
class_distribution compute_class_distribution(std::span<const double> student_statistics_ms,
                                              const scoring_v2_config& config);

struct certainty_v2_result {
    attendance_status status = attendance_status::error;
    double score = 0;                   // final, 0..100, rounded to 0.01
    std::optional<double> statistic_ms; // the student's median RT
    double coverage = 0;                // successful rounds / max_rounds
    double timing_factor = 0;           // 1 at or below T, falling to 0 at T + RT_SPAN_MS
    double base = 0;                    // 100 * coverage * timing_factor
    double failure_penalty = 0;
    double uncapped_score = 0;
    bool flagged_cap_applied = false;
    class_distribution distribution;
    rt_statistics statistics; // of the successful rounds' RTs (attendance.results)
    int max_rounds = 0;
    int successful_rounds = 0;
    int failed_rounds = 0;
    int failed_attempts = 0;
    std::string error_reason;
    std::string explanation; // one line of Spanish for the professor
};

// Pure function of its inputs; the same input validation (and ERROR results) as v1.
// score = clamp(100 * coverage * timing_factor - failure penalty, 0, 100), flag cap, bands.
certainty_v2_result score_student_v2(const student_input& input, const class_distribution& distribution,
                                     const scoring_v2_config& config);

// The explanation line, e.g. "Mediana 310 ms; clase: mediana 290 ms, MAD 35 ms (40
// alumnos); umbral 590 ms: dentro del umbral, 5/5 rondas -> PRESENTE (100.00)".
std::string explain(const certainty_v2_result& result);

} // namespace asistencia::domain::scoring
