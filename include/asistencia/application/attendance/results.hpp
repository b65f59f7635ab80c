// From the attendance rows to certainty results (PROTOCOL.md 6.6): which rounds a student
// completed, the class baseline, and the score of each registration. Pure.
#pragma once

#include "asistencia/application/attendance/rounds.hpp"
#include "asistencia/domain/scoring/certainty.hpp"

namespace asistencia::application::attendance {

// The round a student is on, from their attempts: the first round with neither a success
// nor `max_failed` failed attempts; max_rounds + 1 when every round is done.
int current_round(const std::vector<validation_row>& attempts, int max_rounds, int max_failed);

// The successful RTs of every registration (the class baseline's sample).
std::vector<double> successful_rts(const std::vector<registration_record>& records);

// One student's result against `baseline`.
result_row score_registration(const registration_record& rec, int max_rounds, int max_failed,
                              const domain::scoring::class_baseline& baseline,
                              const domain::scoring::scoring_config& config);

// Every registration's result against the whole class's baseline (the close).
final_results build_results(int max_rounds, const std::vector<registration_record>& records, int max_failed,
                            const domain::scoring::scoring_config& config);

} // namespace asistencia::application::attendance
