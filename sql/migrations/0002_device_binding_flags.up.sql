-- Enrollment needs what the seed's devices table leaves out (PROTOCOL.md section 5):
-- the authenticator's backup flags BE/BS at enrollment and at every assertion, the
-- transports the browser reported (for allowCredentials), a flag for a device whose
-- counter regressed or whose flags changed, and "one active device per user" enforced
-- by the database, so two concurrent enrollments cannot both stay active.
ALTER TABLE enrollment.devices
  ADD COLUMN backup_eligible BOOLEAN NOT NULL DEFAULT FALSE,
  ADD COLUMN backup_state BOOLEAN NOT NULL DEFAULT FALSE,
  ADD COLUMN transports TEXT[] NOT NULL DEFAULT '{}',
  ADD COLUMN possibly_cloned BOOLEAN NOT NULL DEFAULT FALSE;

CREATE UNIQUE INDEX idx_devices_one_active_per_user
  ON enrollment.devices(user_id) WHERE is_active;
