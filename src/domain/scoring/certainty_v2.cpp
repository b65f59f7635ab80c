// Scoring v2: per-student median RT against the class distribution of per-student medians.
#include "asistencia/domain/scoring/certainty_v2.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace asistencia::domain::scoring {
namespace {

double round_score(double x) { return std::round(x * 100) / 100; }

std::vector<double> successful_rts(const student_input& in) {
    std::vector<double> rts;
    for (const auto& r : in.rounds) {
        if (r.success) rts.push_back(r.rt_ms);
    }
    return rts;
}

const char* status_es(attendance_status s) {
    switch (s) {
        case attendance_status::present:
            return "PRESENTE";
        case attendance_status::doubtful:
            return "DUDOSO";
        case attendance_status::absent:
            return "AUSENTE";
        case attendance_status::error:
            return "ERROR";
    }
    return "ERROR";
}

} // namespace

void validate(const scoring_v2_config& c) {
    const auto bad = [](const char* what) { throw std::invalid_argument(what); };
    if (!(c.rt_min_ms >= 0 && c.rt_max_ms > c.rt_min_ms)) bad("need 0 <= RT_MIN_MS < RT_MAX_MS");
    if (c.baseline_min_students < 1) bad("BASELINE_MIN_STUDENTS must be at least 1");
    if (!(c.rt_good_ms > 0)) bad("RT_GOOD_MS must be positive");
    if (!(c.rt_margin_ms >= 0) || !(c.mad_factor >= 0)) bad("margin and MAD factor must be >= 0");
    if (!(c.rt_span_ms > 0)) bad("RT_SPAN_MS must be positive");
    if (!(c.failure_penalty_per_attempt >= 0 && c.failure_penalty_max >= 0)) bad("penalties must be >= 0");
    if (!(c.doubtful_min > 0 && c.present_min > c.doubtful_min && c.present_min <= 100)) {
        bad("need 0 < DOUBTFUL band < PRESENT band <= 100");
    }
    if (!(c.flagged_cap >= 0 && c.flagged_cap < c.present_min)) {
        bad("the flagged cap must stay below the PRESENT band");
    }
}

std::optional<double> student_statistic(const student_input& in) {
    const auto rts = successful_rts(in);
    if (rts.empty()) return std::nullopt;
    return median(rts);
}

class_distribution compute_class_distribution(std::span<const double> stats, const scoring_v2_config& c) {
    class_distribution d;
    d.students = stats.size();
    if (stats.size() < c.baseline_min_students) {
        d.fallback = true;
        d.median_ms = c.rt_good_ms;
    } else {
        d.median_ms = median(stats);
        d.mad_ms = median_absolute_deviation(stats);
    }
    d.threshold_ms = d.median_ms + std::max(c.rt_margin_ms, c.mad_factor * d.mad_ms);
    return d;
}

certainty_v2_result score_student_v2(const student_input& in, const class_distribution& dist,
                                     const scoring_v2_config& c) {
    certainty_v2_result out;
    out.distribution = dist;
    out.max_rounds = in.max_rounds;
    out.failed_attempts = in.failed_attempts;
    if (auto why = input_error(in)) {
        out.error_reason = std::move(*why);
        out.explanation = explain(out);
        return out;
    }
    for (const auto& r : in.rounds) {
        if (r.success)
            ++out.successful_rounds;
        else
            ++out.failed_rounds;
    }
    const auto rts = successful_rts(in);
    out.statistics = compute_statistics(rts);
    out.statistic_ms = out.statistics.median;
    out.coverage = static_cast<double>(out.successful_rounds) / in.max_rounds;
    if (out.statistic_ms) {
        const double over = *out.statistic_ms - dist.threshold_ms;
        out.timing_factor = over <= 0 ? 1.0 : std::max(0.0, 1.0 - over / c.rt_span_ms);
    }
    // Multiply first: 100 * 4 / 5 is exactly 80.
    out.base = 100.0 * out.successful_rounds * out.timing_factor / in.max_rounds;
    out.failure_penalty = std::min(c.failure_penalty_max, c.failure_penalty_per_attempt * in.failed_attempts);
    out.uncapped_score = round_score(std::clamp(out.base - out.failure_penalty, 0.0, 100.0));
    out.score = out.uncapped_score;
    if (in.device_flagged && out.score > c.flagged_cap) {
        out.score = c.flagged_cap;
        out.flagged_cap_applied = true;
    }
    // The same banding as v1 (scoring_config holds only the two band edges it reads).
    scoring_config bands;
    bands.present_min = c.present_min;
    bands.doubtful_min = c.doubtful_min;
    out.status = status_for_score(out.score, bands);
    out.explanation = explain(out);
    return out;
}

std::string explain(const certainty_v2_result& r) {
    char buf[512];
    if (r.status == attendance_status::error) {
        std::snprintf(buf, sizeof buf, "No se pudo calcular: %s -> ERROR", r.error_reason.c_str());
        return buf;
    }
    const auto& d = r.distribution;
    char klass[160];
    if (d.fallback) {
        std::snprintf(klass, sizeof klass, "clase: %zu alumnos con tiempos, pocos; mediana fija %.0f ms", d.students,
                      d.median_ms);
    } else {
        std::snprintf(klass, sizeof klass, "clase: mediana %.0f ms, MAD %.0f ms (%zu alumnos)", d.median_ms, d.mad_ms,
                      d.students);
    }
    char verdict[96];
    if (!r.statistic_ms) {
        std::snprintf(verdict, sizeof verdict, "sin rondas correctas");
    } else if (*r.statistic_ms <= d.threshold_ms) {
        std::snprintf(verdict, sizeof verdict, "dentro del umbral");
    } else {
        std::snprintf(verdict, sizeof verdict, "%.0f ms sobre el umbral", *r.statistic_ms - d.threshold_ms);
    }
    char extra[96] = "";
    if (r.failure_penalty > 0) {
        std::snprintf(extra, sizeof extra, ", %d intentos fallidos (-%.0f)", r.failed_attempts, r.failure_penalty);
    }
    if (r.flagged_cap_applied) {
        std::snprintf(extra + std::strlen(extra), sizeof extra - std::strlen(extra), ", dispositivo marcado");
    }
    const std::string stat = r.statistic_ms
                                 ? std::to_string(static_cast<long long>(std::lround(*r.statistic_ms))) + " ms"
                                 : std::string("-");
    std::snprintf(buf, sizeof buf, "Mediana del alumno %s; %s; umbral %.0f ms: %s, %d/%d rondas%s -> %s (%.2f)",
                  stat.c_str(), klass, d.threshold_ms, verdict, r.successful_rounds, r.max_rounds, extra,
                  status_es(r.status), r.score);
    return buf;
}

} // namespace asistencia::domain::scoring
