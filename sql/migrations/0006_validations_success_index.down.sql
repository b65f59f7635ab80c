DROP INDEX IF EXISTS attendance.idx_validations_success;
