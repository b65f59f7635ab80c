CREATE INDEX IF NOT EXISTS idx_validations_registration ON attendance.validations(registration_id);
CREATE INDEX IF NOT EXISTS idx_validations_status ON attendance.validations(validation_status);
