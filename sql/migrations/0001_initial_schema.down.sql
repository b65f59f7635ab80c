-- 0001_initial_schema (rollback): drops what 0001_initial_schema.up.sql created, children
-- first. Destroys every enrollment and attendance row: take a backup (pg_dump) first.
DROP TABLE attendance.results;
DROP TABLE attendance.validations;
DROP TABLE attendance.registrations;
DROP TABLE attendance.sessions;
DROP SCHEMA attendance;

DROP TABLE enrollment.enrollment_history;
DROP TABLE enrollment.devices;
DROP SCHEMA enrollment;
