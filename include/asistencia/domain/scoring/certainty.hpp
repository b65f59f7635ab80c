// Certainty score of one student's attendance (PROTOCOL.md section 6.6): class baseline,
// threshold, round weights, penalties, device-flag cap and status bands, plus the RT
// statistics stored in attendance.results. Pure code; every constant is in scoring_config.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace asistencia::domain::scoring {

// v1 defaults of PROTOCOL.md 6.6 (times in milliseconds, scores in points of 0..100).
struct scoring_config {
    double rt_min_ms = 150;                // RT_MIN_MS: faster answers fail rt_valid
    double rt_max_ms = 5000;               // RT_MAX_MS: slower answers fail rt_valid
    std::size_t baseline_min_answers = 10; // BASELINE_MIN_ANSWERS
    double rt_good_ms = 900;               // RT_GOOD_MS: baseline median below that count
    double rt_margin_ms = 300;             // RT_MARGIN_MS: least distance threshold-median
    double mad_factor = 4;                 // T = m + max(margin, mad_factor * MAD)
    double rt_span_ms = 700;               // RT_SPAN_MS: weight falls 1 -> 0 over this span
    double jitter_low_ms = 600;            // std dev up to this costs nothing
    double jitter_high_ms = 2000;          // std dev from this costs jitter_max_penalty
    double jitter_max_penalty = 15;
    double failure_penalty_per_attempt = 5;
    double failure_penalty_max = 20;
    double flagged_cap = 69;  // flagged device: score at most this
    double present_min = 70;  // PRESENT when score >= this
    double doubtful_min = 40; // DOUBTFUL when score >= this, else ABSENT
};

// Throws std::invalid_argument for inconsistent constants (non-positive span, bands out of
// order, jitter_high <= jitter_low, negative values...). Call once at startup.
void validate(const scoring_config& config);

// Summary of a student's successful-round RTs, as attendance.results stores them.
// 0 samples: everything empty (SQL NULL). 1 sample: avg = min = max = median = the sample and
// std_dev empty, exactly like PostgreSQL's STDDEV (= stddev_samp) of one row.
struct rt_statistics {
    std::size_t count = 0;
    std::optional<double> avg;
    std::optional<double> std_dev; // sample standard deviation (n - 1)
    std::optional<double> min;
    std::optional<double> max;
    std::optional<double> median; // PERCENTILE_CONT(0.5): mean of the middle two when even
};
rt_statistics compute_statistics(std::span<const double> rts_ms);

// Median of a non-empty sample (mean of the middle two when even). Empty -> 0.
double median(std::span<const double> values);
// Median absolute deviation around the median, unscaled. Empty -> 0.
double median_absolute_deviation(std::span<const double> values);

// The yardstick one session's students are measured against.
struct class_baseline {
    double median_ms = 0;    // m_c, or rt_good_ms when the class has too few answers
    double mad_ms = 0;       // MAD of the class RTs (0 with the fallback)
    double threshold_ms = 0; // T = median + max(rt_margin_ms, mad_factor * MAD)
    std::size_t answers = 0; // how many successful-round RTs it was computed from
    bool fallback = false;   // true: fewer than baseline_min_answers, RT_GOOD_MS used
};
// From the RTs of all successful rounds of the session (every student, every round).
class_baseline compute_baseline(std::span<const double> class_rts_ms, const scoring_config& config);

// One round of a student, as the validations table records it.
struct round_record {
    int round = 0;        // 1-based round number
    bool success = false; // all four checks held (validation_status = success)
    double rt_ms = 0;     // meaningful only when success
};

// Everything the score of one registration depends on.
struct student_input {
    int max_rounds = 0;               // n in base = 100 * sum(weights) / n
    std::vector<round_record> rounds; // completed rounds; missing rounds weigh 0
    int failed_attempts = 0;          // sum of intentos_fallidos over all rounds
    bool device_flagged = false;      // counter regression / BE-BS change (PROTOCOL 6.2)
    // Set when the result cannot be computed at all (device revoked mid-session...): ERROR.
    std::optional<std::string> error_reason;
};

enum class attendance_status { present, doubtful, absent, error };
// "PRESENT", "DOUBTFUL", "ABSENT", "ERROR" (attendance.results.final_status).
std::string_view to_string(attendance_status status) noexcept;

struct round_weight {
    int round = 0;
    bool success = false;
    std::optional<double> rt_ms; // only for successful rounds
    double weight = 0;           // 0..1
};

// The score with every component the professor is shown.
struct certainty_result {
    attendance_status status = attendance_status::error;
    double score = 0;                 // final, 0..100, rounded to 0.01
    double base = 0;                  // 100 * sum(weights) / max_rounds
    double jitter_penalty = 0;        // 0..jitter_max_penalty
    double failure_penalty = 0;       // 0..failure_penalty_max
    double uncapped_score = 0;        // clamp(base - penalties, 0, 100), before the flag cap
    bool flagged_cap_applied = false; // the device flag lowered the score
    class_baseline baseline;          // the baseline (and threshold) used
    std::vector<round_weight> weights;
    rt_statistics statistics; // of the successful rounds' RTs
    int max_rounds = 0;
    int successful_rounds = 0;
    int failed_rounds = 0;
    int failed_attempts = 0;
    std::string error_reason; // set when status == error
};

// Why `input` cannot be scored (its error_reason, or inconsistent rounds); nullopt when valid.
std::optional<std::string> input_error(const student_input& input);

// Pure function of its inputs. Invalid input (max_rounds <= 0, more rounds than max_rounds,
// round numbers outside 1..max_rounds or repeated, negative or non-finite RTs, negative
// failed_attempts) and input.error_reason give status ERROR with score 0 and a reason.
certainty_result score_student(const student_input& input, const class_baseline& baseline,
                               const scoring_config& config);

// Status band of a score (after rounding), e.g. 69.99 -> DOUBTFUL, 70 -> PRESENT.
attendance_status status_for_score(double score, const scoring_config& config) noexcept;

} // namespace asistencia::domain::scoring
