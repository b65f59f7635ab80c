// Certainty scoring (PROTOCOL.md 6.6): statistics, class baseline, and the per-student score
// with its components.
#include "asistencia/domain/scoring/certainty.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace asistencia::domain::scoring {
namespace {

double median_of_sorted(const std::vector<double>& v) {
    const std::size_t n = v.size();
    if (n == 0) return 0;
    if (n % 2 == 1) return v[n / 2];
    return (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Stored and shown with two decimals; banding the rounded value means the professor never
// sees "70.00 DOUBTFUL" because of floating-point noise below 70.
double round_score(double x) { return std::round(x * 100) / 100; }

certainty_result error_result(std::string reason, const class_baseline& baseline, const student_input& input) {
    certainty_result r;
    r.status = attendance_status::error;
    r.baseline = baseline;
    r.max_rounds = input.max_rounds;
    r.failed_attempts = input.failed_attempts;
    r.error_reason = std::move(reason);
    return r;
}

} // namespace

void validate(const scoring_config& c) {
    const auto bad = [](const char* what) { throw std::invalid_argument(what); };
    if (!(c.rt_min_ms >= 0 && c.rt_max_ms > c.rt_min_ms)) bad("need 0 <= RT_MIN_MS < RT_MAX_MS");
    if (!(c.rt_good_ms > 0)) bad("RT_GOOD_MS must be positive");
    if (!(c.rt_margin_ms >= 0) || !(c.mad_factor >= 0)) bad("margin and MAD factor must be >= 0");
    if (!(c.rt_span_ms > 0)) bad("RT_SPAN_MS must be positive");
    if (!(c.jitter_low_ms >= 0 && c.jitter_high_ms > c.jitter_low_ms)) {
        bad("need 0 <= jitter low < jitter high");
    }
    if (!(c.jitter_max_penalty >= 0 && c.failure_penalty_per_attempt >= 0 && c.failure_penalty_max >= 0)) {
        bad("penalties must be >= 0");
    }
    if (!(c.doubtful_min > 0 && c.present_min > c.doubtful_min && c.present_min <= 100)) {
        bad("need 0 < DOUBTFUL band < PRESENT band <= 100");
    }
    if (!(c.flagged_cap >= 0 && c.flagged_cap < c.present_min)) {
        bad("the flagged cap must stay below the PRESENT band");
    }
}

double median(std::span<const double> values) {
    std::vector<double> v(values.begin(), values.end());
    std::sort(v.begin(), v.end());
    return median_of_sorted(v);
}

double median_absolute_deviation(std::span<const double> values) {
    if (values.empty()) return 0;
    const double m = median(values);
    std::vector<double> dev;
    dev.reserve(values.size());
    for (const double x : values) dev.push_back(std::fabs(x - m));
    std::sort(dev.begin(), dev.end());
    return median_of_sorted(dev);
}

rt_statistics compute_statistics(std::span<const double> rts) {
    rt_statistics s;
    s.count = rts.size();
    if (rts.empty()) return s;
    std::vector<double> v(rts.begin(), rts.end());
    std::sort(v.begin(), v.end());
    double sum = 0;
    for (const double x : v) sum += x;
    const double mean = sum / static_cast<double>(v.size());
    s.avg = mean;
    s.min = v.front();
    s.max = v.back();
    s.median = median_of_sorted(v);
    if (v.size() >= 2) {
        // Two-pass sample variance, as PostgreSQL's stddev_samp.
        double ss = 0;
        for (const double x : v) ss += (x - mean) * (x - mean);
        s.std_dev = std::sqrt(ss / static_cast<double>(v.size() - 1));
    }
    return s;
}

class_baseline compute_baseline(std::span<const double> class_rts, const scoring_config& c) {
    class_baseline b;
    b.answers = class_rts.size();
    if (class_rts.size() < c.baseline_min_answers || class_rts.empty()) {
        b.fallback = true;
        b.median_ms = c.rt_good_ms;
        b.mad_ms = 0;
    } else {
        b.median_ms = median(class_rts);
        b.mad_ms = median_absolute_deviation(class_rts);
    }
    b.threshold_ms = b.median_ms + std::max(c.rt_margin_ms, c.mad_factor * b.mad_ms);
    return b;
}

std::string_view to_string(attendance_status status) noexcept {
    switch (status) {
        case attendance_status::present:
            return "PRESENT";
        case attendance_status::doubtful:
            return "DOUBTFUL";
        case attendance_status::absent:
            return "ABSENT";
        case attendance_status::error:
            return "ERROR";
    }
    return "ERROR";
}

attendance_status status_for_score(double score, const scoring_config& c) noexcept {
    if (score >= c.present_min) return attendance_status::present;
    if (score >= c.doubtful_min) return attendance_status::doubtful;
    return attendance_status::absent;
}

std::optional<std::string> input_error(const student_input& in) {
    if (in.error_reason) return *in.error_reason;
    if (in.max_rounds <= 0) return "max_rounds must be positive";
    if (in.rounds.size() > static_cast<std::size_t>(in.max_rounds)) return "more rounds than max_rounds";
    if (in.failed_attempts < 0) return "negative failed attempts";
    std::vector<bool> seen(static_cast<std::size_t>(in.max_rounds) + 1, false);
    for (const auto& r : in.rounds) {
        if (r.round < 1 || r.round > in.max_rounds || seen[static_cast<std::size_t>(r.round)]) {
            return "round numbers must be distinct, within 1..max_rounds";
        }
        seen[static_cast<std::size_t>(r.round)] = true;
        if (r.success && (!std::isfinite(r.rt_ms) || r.rt_ms < 0)) {
            return "a successful round has no valid response time";
        }
    }
    return std::nullopt;
}

certainty_result score_student(const student_input& in, const class_baseline& baseline, const scoring_config& c) {
    if (auto why = input_error(in)) return error_result(std::move(*why), baseline, in);

    certainty_result out;
    out.baseline = baseline;
    out.max_rounds = in.max_rounds;
    out.failed_attempts = in.failed_attempts;

    std::vector<round_record> rounds = in.rounds;
    std::sort(rounds.begin(), rounds.end(),
              [](const round_record& a, const round_record& b) { return a.round < b.round; });
    std::vector<double> rts;
    double weight_sum = 0;
    for (const auto& r : rounds) {
        round_weight w;
        w.round = r.round;
        w.success = r.success;
        if (r.success) {
            w.rt_ms = r.rt_ms;
            w.weight = r.rt_ms <= baseline.threshold_ms
                           ? 1.0
                           : std::max(0.0, 1.0 - (r.rt_ms - baseline.threshold_ms) / c.rt_span_ms);
            rts.push_back(r.rt_ms);
            ++out.successful_rounds;
        } else {
            ++out.failed_rounds;
        }
        weight_sum += w.weight;
        out.weights.push_back(w);
    }
    out.statistics = compute_statistics(rts);

    // Multiply first: 100 * 7 / 10 is exactly 70, 100 * (7 / 10) is not.
    out.base = 100.0 * weight_sum / in.max_rounds;
    if (out.statistics.std_dev) {
        const double s = *out.statistics.std_dev;
        const double t = (s - c.jitter_low_ms) / (c.jitter_high_ms - c.jitter_low_ms);
        out.jitter_penalty = c.jitter_max_penalty * std::clamp(t, 0.0, 1.0);
    }
    out.failure_penalty = std::min(c.failure_penalty_max, c.failure_penalty_per_attempt * in.failed_attempts);
    out.uncapped_score = round_score(std::clamp(out.base - out.jitter_penalty - out.failure_penalty, 0.0, 100.0));
    out.score = out.uncapped_score;
    if (in.device_flagged && out.score > c.flagged_cap) {
        out.score = c.flagged_cap;
        out.flagged_cap_applied = true;
    }
    out.status = status_for_score(out.score, c);
    return out;
}

} // namespace asistencia::domain::scoring
