DROP TABLE IF EXISTS attendance.legacy_outbox;
DROP TABLE IF EXISTS attendance.result_overrides;
ALTER TABLE attendance.results
  DROP COLUMN IF EXISTS base_score,
  DROP COLUMN IF EXISTS jitter_penalty,
  DROP COLUMN IF EXISTS failure_penalty,
  DROP COLUMN IF EXISTS failed_attempts,
  DROP COLUMN IF EXISTS flagged_cap_applied,
  DROP COLUMN IF EXISTS threshold_ms,
  DROP COLUMN IF EXISTS is_final;
ALTER TABLE attendance.registrations
  DROP COLUMN IF EXISTS device_flagged,
  DROP COLUMN IF EXISTS flag_reason;
-- Restoring the seed's constraint fails when a round has several attempts: keep only the
-- last attempt of each round first (this is a rollback; the extra rows are history).
DELETE FROM attendance.validations v USING attendance.validations w
  WHERE v.registration_id = w.registration_id AND v.round_number = w.round_number
    AND v.validation_id < w.validation_id;
ALTER TABLE attendance.validations
  ADD CONSTRAINT validations_registration_id_round_number_key UNIQUE (registration_id, round_number);
