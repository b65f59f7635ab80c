-- Two of the seed's indexes on attendance.validations serve no query and mislead the planner.
-- idx_validations_status indexes a four-valued column. Right after an ANALYZE taken while no
-- row was 'success' yet (a young table: the first class's warm-up answers are timeouts), the
-- planner estimated one 'success' row and read the class medians (attendance_class_student_medians)
-- through it, scanning every successful row of the table once per student: 384 ms per call at
-- 40 sessions x 100 students, against 0.3 ms through idx_validations_success (docs/performance.md).
-- Migration 0006 met the same index in a BitmapAnd. No query filters on the status alone.
DROP INDEX IF EXISTS attendance.idx_validations_status;
-- idx_validations_registration (registration_id) is a prefix of idx_validations_round
-- (registration_id, round_number), which serves every lookup by registration and the foreign
-- key's ON DELETE CASCADE as well; each answer's INSERT maintained both.
DROP INDEX IF EXISTS attendance.idx_validations_registration;
