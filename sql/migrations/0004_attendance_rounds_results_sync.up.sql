-- The class loop (PROTOCOL.md 6.2-6.7) needs what the seed's attendance tables leave out.
--
-- validations: one row per attempt (6.5), so the seed's UNIQUE(registration_id,
-- round_number) ("one validation per round") goes; the index on the pair stays for reads.
ALTER TABLE attendance.validations
  DROP CONSTRAINT IF EXISTS validations_registration_id_round_number_key;

-- registrations: the device flag of the join (counter regression or a BE/BS change caps
-- the result at DOUBTFUL, 6.2) and why.
ALTER TABLE attendance.registrations
  ADD COLUMN device_flagged BOOLEAN NOT NULL DEFAULT FALSE,
  ADD COLUMN flag_reason TEXT;

-- results: the score's components the professor is shown (6.6) and whether the result is
-- the final one computed at close (only final results travel to the legacy system).
ALTER TABLE attendance.results
  ADD COLUMN base_score FLOAT,
  ADD COLUMN jitter_penalty FLOAT,
  ADD COLUMN failure_penalty FLOAT,
  ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN flagged_cap_applied BOOLEAN NOT NULL DEFAULT FALSE,
  ADD COLUMN threshold_ms FLOAT,
  ADD COLUMN is_final BOOLEAN NOT NULL DEFAULT FALSE;

-- The professor's overrides (6.6): an audit trail that never overwrites the computed result.
-- Keyed by (session, student) rather than by registration: the students an override is
-- most often for (forgot the phone, has no smartphone) never joined, so have no registration.
CREATE TABLE attendance.result_overrides (
  override_id SERIAL PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES attendance.sessions(session_id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL,
  from_status TEXT,
  to_status TEXT NOT NULL CHECK (to_status IN ('PRESENT', 'ABSENT', 'DOUBTFUL')),
  reason_code TEXT NOT NULL CHECK (reason_code IN
    ('forgot_phone', 'no_smartphone', 'accessibility', 'technical_failure', 'other')),
  reason_text TEXT CHECK (reason_text IS NULL OR length(reason_text) <= 500),
  performed_by INTEGER NOT NULL,
  created_at TIMESTAMP NOT NULL DEFAULT NOW(),
  CHECK (reason_code <> 'other' OR (reason_text IS NOT NULL AND length(btrim(reason_text)) > 0))
);
CREATE INDEX idx_result_overrides_student ON attendance.result_overrides(session_id, user_id, override_id DESC);

-- The outbox to the legacy system (6.7): written in the transaction of the final result
-- (or of an override to PRESENT); a worker posts each row to registrar_asistencia_crypto.php
-- until PHP acknowledges. One row per (session, student): PHP is idempotent on that pair.
CREATE TABLE attendance.legacy_outbox (
  outbox_id SERIAL PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES attendance.sessions(session_id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL,
  course_id INTEGER NOT NULL,
  fecha TEXT NOT NULL,
  certeza INTEGER NOT NULL CHECK (certeza BETWEEN 0 AND 100),
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TIMESTAMP NOT NULL DEFAULT NOW(),
  last_error TEXT,
  created_at TIMESTAMP NOT NULL DEFAULT NOW(),
  delivered_at TIMESTAMP,
  UNIQUE (session_id, user_id)
);
CREATE INDEX idx_legacy_outbox_due ON attendance.legacy_outbox(next_attempt_at) WHERE status = 'pending';
