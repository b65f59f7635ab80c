-- Seed indexes that no query of the server reads, each maintained on every write of the
-- answer path (docs/performance.md, "Indexes no query reads"). Every answer inserts a
-- validation row; every student's last answer upserts a result and updates its registration.
-- Queries by time use validation_id (a bigserial, in insertion order) or calculated_at on a
-- session's few rows; reports across the whole table belong on a reporting replica, which can
-- add these back.
-- validations(created_at): no query orders or filters validations by created_at.
DROP INDEX IF EXISTS attendance.idx_validations_created_at;
-- results(registration_id): the UNIQUE constraint results_registration_id_key is the same index.
DROP INDEX IF EXISTS attendance.idx_results_registration;
-- results by status, certainty or time: results are always read through their registration.
DROP INDEX IF EXISTS attendance.idx_results_status;
DROP INDEX IF EXISTS attendance.idx_results_certainty;
DROP INDEX IF EXISTS attendance.idx_results_calculated_at;
-- registrations(status): progress counts filter a session's rows (the unique (session_id,
-- user_id) index); indexing status also made every status change a non-HOT update.
DROP INDEX IF EXISTS attendance.idx_registrations_status;
