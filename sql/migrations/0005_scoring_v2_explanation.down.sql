ALTER TABLE attendance.results
  DROP COLUMN IF EXISTS explanation,
  DROP COLUMN IF EXISTS class_students,
  DROP COLUMN IF EXISTS class_mad_ms,
  DROP COLUMN IF EXISTS class_median_ms,
  DROP COLUMN IF EXISTS statistic_ms,
  DROP COLUMN IF EXISTS scoring_version;
