// Attendance rows to results; see results.hpp.
#include "asistencia/application/attendance/results.hpp"

#include "asistencia/domain/attendance/round.hpp"

#include <map>

namespace asistencia::application::attendance {

namespace scoring = domain::scoring;

std::string_view to_string(validation_status s) noexcept {
    switch (s) {
        case validation_status::success:
            return "success";
        case validation_status::failed:
            return "failed";
        case validation_status::timeout:
            return "timeout";
        case validation_status::invalid:
            return "invalid";
    }
    return "invalid";
}

namespace {

struct round_outcome {
    std::optional<double> success_rt; // the first successful attempt's RT
    int failures = 0;
};

std::map<int, round_outcome> outcomes(const std::vector<validation_row>& attempts) {
    std::map<int, round_outcome> out;
    for (const auto& v : attempts) {
        auto& o = out[v.round];
        if (v.status == validation_status::success && !o.success_rt) {
            o.success_rt = static_cast<double>(v.response_time_ms.value_or(0));
        } else if (v.status == validation_status::failed) {
            ++o.failures;
        }
    }
    return out;
}

} // namespace

int current_round(const std::vector<validation_row>& attempts, int max_rounds, int max_failed) {
    const auto done = outcomes(attempts);
    for (int r = 1; r <= max_rounds; ++r) {
        const auto it = done.find(r);
        if (it == done.end() ||
            !domain::attendance::round_over(it->second.success_rt.has_value(), it->second.failures, {max_failed}))
            return r;
    }
    return max_rounds + 1;
}

namespace {

// What v2 scores: the first success of each round, rounds failed by MAX_FAILED_ATTEMPTS.
scoring::student_input input_of(const registration_record& rec, int max_rounds, int max_failed) {
    scoring::student_input in;
    in.max_rounds = max_rounds;
    in.device_flagged = rec.reg.device_flagged;
    for (const auto& [round, o] : outcomes(rec.validations)) {
        in.failed_attempts += o.failures;
        if (round < 1 || round > max_rounds) continue;
        if (o.success_rt)
            in.rounds.push_back({round, true, *o.success_rt});
        else if (domain::attendance::round_over(false, o.failures, {max_failed}))
            in.rounds.push_back({round, false, 0});
    }
    return in;
}

} // namespace

std::optional<double> student_median(const registration_record& rec, int max_rounds, int max_failed) {
    return scoring::student_statistic(input_of(rec, max_rounds, max_failed));
}

std::vector<double> student_medians(const std::vector<registration_record>& records, int max_rounds, int max_failed) {
    std::vector<double> out;
    for (const auto& rec : records) {
        if (const auto m = student_median(rec, max_rounds, max_failed)) out.push_back(*m);
    }
    return out;
}

result_row score_registration(const registration_record& rec, int max_rounds, int max_failed,
                              const scoring::class_distribution& distribution,
                              const scoring::scoring_v2_config& config) {
    const auto scored = scoring::score_student_v2(input_of(rec, max_rounds, max_failed), distribution, config);
    result_row r;
    r.registration_id = rec.reg.registration_id;
    r.user_id = rec.reg.user_id;
    r.total_rounds = scored.successful_rounds + scored.failed_rounds;
    r.successful_rounds = scored.successful_rounds;
    r.failed_rounds = scored.failed_rounds;
    r.failed_attempts = scored.failed_attempts;
    r.avg_ms = scored.statistics.avg;
    r.std_dev_ms = scored.statistics.std_dev;
    r.min_ms = scored.statistics.min;
    r.max_ms = scored.statistics.max;
    r.median_ms = scored.statistics.median;
    r.score = scored.score;
    r.status = std::string(scoring::to_string(scored.status));
    r.base = scored.base;
    r.jitter_penalty = 0; // v1's component; v2 has none (the median ignores one late answer)
    r.failure_penalty = scored.failure_penalty;
    r.threshold_ms = scored.distribution.threshold_ms;
    r.flagged_cap_applied = scored.flagged_cap_applied;
    r.scoring_version = 2;
    r.statistic_ms = scored.statistic_ms;
    r.class_median_ms = scored.distribution.median_ms;
    r.class_mad_ms = scored.distribution.mad_ms;
    r.class_students = static_cast<int>(scored.distribution.students);
    r.explanation = scored.explanation;
    if (rec.reg.status == "failed") {
        // The device was revoked or replaced mid-session (PROTOCOL.md 6.6): the result
        // cannot be computed; the registration's flag_reason says why.
        r.status = "ERROR";
        r.score = 0;
    }
    return r;
}

final_results build_results(int max_rounds, const std::vector<registration_record>& records, int max_failed,
                            const scoring::scoring_v2_config& config) {
    const auto medians = student_medians(records, max_rounds, max_failed);
    const auto distribution = scoring::compute_class_distribution(medians, config);
    final_results out;
    out.baseline_median_ms = distribution.median_ms;
    out.baseline_mad_ms = distribution.mad_ms;
    for (const auto& rec : records) {
        out.results.push_back(score_registration(rec, max_rounds, max_failed, distribution, config));
    }
    return out;
}

} // namespace asistencia::application::attendance
