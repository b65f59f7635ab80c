-- Sessions (PROTOCOL.md 6.1, 6.6, 6.7) need what the seed's table leaves out: the legacy
-- course and semester ids (the sync to PHP posts cursoId; the report lists the course's
-- students), when the session closes by itself, the room's headcount entered by the
-- professor, and the class baseline the final results were computed against.
ALTER TABLE attendance.sessions
  ADD COLUMN course_id INTEGER,
  ADD COLUMN semester_id INTEGER,
  ADD COLUMN closes_at TIMESTAMP,
  ADD COLUMN headcount INTEGER CHECK (headcount IS NULL OR headcount >= 0),
  ADD COLUMN baseline_median_ms FLOAT,
  ADD COLUMN baseline_mad_ms FLOAT;

CREATE INDEX idx_sessions_course_id ON attendance.sessions(course_id, semester_id);
