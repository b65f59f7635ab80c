-- Scoring v2 (docs/scoring.md): a result is decided by the student's median RT against the
-- class distribution of per-student medians. Keep what the decision used, so the professor
-- sees why (and a later recomputation can be checked), plus the one-line Spanish explanation.
ALTER TABLE attendance.results
  ADD COLUMN scoring_version SMALLINT,
  ADD COLUMN statistic_ms FLOAT,
  ADD COLUMN class_median_ms FLOAT,
  ADD COLUMN class_mad_ms FLOAT,
  ADD COLUMN class_students INTEGER,
  ADD COLUMN explanation TEXT;
