// From the attendance rows to certainty results (PROTOCOL.md 6.6, scored with v2 of
// docs/scoring.md): which rounds a student completed, the class distribution of per-student
// median RTs, and the score of each registration. Pure.
#pragma once

#include "asistencia/application/attendance/rounds.hpp"
#include "asistencia/domain/scoring/certainty_v2.hpp"

namespace asistencia::application::attendance {

// The round a student is on, from their attempts: the first round with neither a success
// nor `max_failed` failed attempts; max_rounds + 1 when every round is done.
int current_round(const std::vector<validation_row>& attempts, int max_rounds, int max_failed);

// The median successful-round RT of every registration that has one (the class distribution's
// sample; the same numbers as attendance_store::class_student_medians).
std::vector<double> student_medians(const std::vector<registration_record>& records, int max_rounds, int max_failed);

// One registration's median (nullopt without a successful round): its entry in that sample.
std::optional<double> student_median(const registration_record& rec, int max_rounds, int max_failed);

// One student's result against the class `distribution`.
result_row score_registration(const registration_record& rec, int max_rounds, int max_failed,
                              const domain::scoring::class_distribution& distribution,
                              const domain::scoring::scoring_v2_config& config);

// Every registration's result against the whole class's distribution (the close).
final_results build_results(int max_rounds, const std::vector<registration_record>& records, int max_failed,
                            const domain::scoring::scoring_v2_config& config);

} // namespace asistencia::application::attendance
