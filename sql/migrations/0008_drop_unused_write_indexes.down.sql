CREATE INDEX IF NOT EXISTS idx_validations_created_at ON attendance.validations(created_at DESC);
CREATE INDEX IF NOT EXISTS idx_results_registration ON attendance.results(registration_id);
CREATE INDEX IF NOT EXISTS idx_results_status ON attendance.results(final_status);
CREATE INDEX IF NOT EXISTS idx_results_certainty ON attendance.results(certainty_score DESC);
CREATE INDEX IF NOT EXISTS idx_results_calculated_at ON attendance.results(calculated_at DESC);
CREATE INDEX IF NOT EXISTS idx_registrations_status ON attendance.registrations(status);
