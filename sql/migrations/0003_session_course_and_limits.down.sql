DROP INDEX IF EXISTS attendance.idx_sessions_course_id;
ALTER TABLE attendance.sessions
  DROP COLUMN IF EXISTS baseline_mad_ms,
  DROP COLUMN IF EXISTS baseline_median_ms,
  DROP COLUMN IF EXISTS headcount,
  DROP COLUMN IF EXISTS closes_at,
  DROP COLUMN IF EXISTS semester_id,
  DROP COLUMN IF EXISTS course_id;
