DROP INDEX IF EXISTS enrollment.idx_devices_one_active_per_user;
ALTER TABLE enrollment.devices
  DROP COLUMN IF EXISTS possibly_cloned,
  DROP COLUMN IF EXISTS transports,
  DROP COLUMN IF EXISTS backup_state,
  DROP COLUMN IF EXISTS backup_eligible;
