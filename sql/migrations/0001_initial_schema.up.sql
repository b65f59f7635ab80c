-- 0001_initial_schema: the enrollment and attendance schemas of the node database.
-- Source: shared/seeds/esquema-base-datos.md (v3.0, "Especificación Técnica Oficial"),
-- the six ```sql blocks of the sections "Schema: enrollment" and "Schema: attendance",
-- copied verbatim and in order (CREATE SCHEMA / TABLE / INDEX / COMMENT).
-- Left out on purpose: the seed's separate "Foreign Keys" section (ALTER TABLE ... ADD
-- CONSTRAINT fk_*). It only restates the REFERENCES clauses already written inline in
-- the CREATE TABLE statements below; running it would add a second, duplicate foreign
-- key constraint to each of those five columns. See docs/database.md.
-- Never edit this file once applied anywhere: schema_migrations stores its SHA-256 and
-- the server refuses to start with a changed file. Changes go in a new migration.

CREATE SCHEMA IF NOT EXISTS enrollment;

CREATE TABLE enrollment.devices (
  device_id SERIAL PRIMARY KEY,
  user_id INTEGER NOT NULL,
  credential_id TEXT UNIQUE NOT NULL,
  public_key TEXT NOT NULL,
  handshake_secret TEXT NOT NULL,
  aaguid TEXT NOT NULL,
  device_fingerprint TEXT NOT NULL,
  attestation_format TEXT,
  sign_count INTEGER DEFAULT 0,
  enrolled_at TIMESTAMP DEFAULT NOW(),
  last_used_at TIMESTAMP,
  is_active BOOLEAN DEFAULT TRUE
);

-- Índices
CREATE UNIQUE INDEX idx_devices_credential_id ON enrollment.devices(credential_id);
CREATE INDEX idx_devices_user_id ON enrollment.devices(user_id);
CREATE INDEX idx_devices_aaguid ON enrollment.devices(aaguid);
CREATE INDEX idx_devices_active ON enrollment.devices(is_active) WHERE is_active = TRUE;

-- Comentarios
COMMENT ON TABLE enrollment.devices IS
  'Dispositivos FIDO2/WebAuthn enrolados por usuarios';

COMMENT ON COLUMN enrollment.devices.credential_id IS
  'ID único de la credencial WebAuthn (base64)';

COMMENT ON COLUMN enrollment.devices.handshake_secret IS
  'Secret derivado con HKDF para generación de TOTPu';

COMMENT ON COLUMN enrollment.devices.aaguid IS
  'Authenticator Attestation GUID (identifica modelo)';

COMMENT ON COLUMN enrollment.devices.sign_count IS
  'Contador de firmas (anti-clonación)';

CREATE TABLE enrollment.enrollment_history (
  history_id SERIAL PRIMARY KEY,
  device_id INTEGER REFERENCES enrollment.devices(device_id) ON DELETE SET NULL,
  user_id INTEGER NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('enrolled', 'revoked', 're-enrolled', 'updated')),
  reason TEXT,
  performed_at TIMESTAMP DEFAULT NOW(),
  performed_by INTEGER, -- userId del actor
  metadata JSONB DEFAULT '{}'::jsonb
);

-- Índices
CREATE INDEX idx_enrollment_history_device ON enrollment.enrollment_history(device_id);
CREATE INDEX idx_enrollment_history_user ON enrollment.enrollment_history(user_id);
CREATE INDEX idx_enrollment_history_performed_at ON enrollment.enrollment_history(performed_at DESC);

-- Comentarios
COMMENT ON TABLE enrollment.enrollment_history IS
  'Auditoría de eventos de enrollment y re-enrollment';

COMMENT ON COLUMN enrollment.enrollment_history.action IS
  'Tipo de evento: enrolled, revoked, re-enrolled, updated';

CREATE SCHEMA IF NOT EXISTS attendance;

CREATE TABLE attendance.sessions (
  session_id SERIAL PRIMARY KEY,
  professor_id INTEGER NOT NULL,
  professor_name TEXT NOT NULL,
  course_code TEXT NOT NULL,
  course_name TEXT NOT NULL,
  room TEXT NOT NULL,
  semester TEXT NOT NULL,
  start_time TIMESTAMP NOT NULL,
  end_time TIMESTAMP,
  max_rounds INTEGER DEFAULT 3 CHECK (max_rounds BETWEEN 1 AND 10),
  status TEXT DEFAULT 'active' CHECK (status IN ('active', 'closed', 'cancelled')),
  created_at TIMESTAMP DEFAULT NOW()
);

-- Índices
CREATE INDEX idx_sessions_professor ON attendance.sessions(professor_id);
CREATE INDEX idx_sessions_status ON attendance.sessions(status);
CREATE INDEX idx_sessions_start_time ON attendance.sessions(start_time DESC);
CREATE INDEX idx_sessions_course ON attendance.sessions(course_code);

-- Comentarios
COMMENT ON TABLE attendance.sessions IS
  'Sesiones de asistencia (clases) creadas por profesores';

COMMENT ON COLUMN attendance.sessions.max_rounds IS
  'Número de rondas de validación requeridas (1-10)';

COMMENT ON COLUMN attendance.sessions.status IS
  'Estado de la sesión: active, closed, cancelled';

CREATE TABLE attendance.registrations (
  registration_id SERIAL PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES attendance.sessions(session_id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL,
  device_id INTEGER REFERENCES enrollment.devices(device_id) ON DELETE SET NULL,
  queue_position INTEGER NOT NULL,
  registered_at TIMESTAMP DEFAULT NOW(),
  status TEXT DEFAULT 'active' CHECK (status IN ('active', 'processing', 'completed', 'failed')),

  UNIQUE(session_id, user_id) -- Un usuario una vez por sesión
);

-- Índices
CREATE INDEX idx_registrations_session ON attendance.registrations(session_id);
CREATE INDEX idx_registrations_user ON attendance.registrations(user_id);
CREATE INDEX idx_registrations_status ON attendance.registrations(status);
CREATE INDEX idx_registrations_queue ON attendance.registrations(session_id, queue_position);

-- Comentarios
COMMENT ON TABLE attendance.registrations IS
  'Anuncios de participación de estudiantes en sesiones';

COMMENT ON COLUMN attendance.registrations.queue_position IS
  'Posición en cola de proyección (orden de llegada)';

COMMENT ON COLUMN attendance.registrations.status IS
  'Estado: active, processing, completed, failed';

CREATE TABLE attendance.validations (
  validation_id SERIAL PRIMARY KEY,
  registration_id INTEGER NOT NULL REFERENCES attendance.registrations(registration_id) ON DELETE CASCADE,
  round_number INTEGER NOT NULL CHECK (round_number >= 1),

  -- Timestamps
  qr_generated_at TIMESTAMP NOT NULL,
  qr_scanned_at TIMESTAMP,
  response_received_at TIMESTAMP,

  -- Tiempos calculados
  response_time_ms INTEGER CHECK (response_time_ms >= 0),

  -- Validaciones
  totpu_valid BOOLEAN,
  totps_valid BOOLEAN,
  rt_valid BOOLEAN,
  secret_valid BOOLEAN,

  -- Estado
  validation_status TEXT CHECK (validation_status IN ('success', 'failed', 'timeout', 'invalid')),
  failed_attempts INTEGER DEFAULT 0,

  created_at TIMESTAMP DEFAULT NOW(),

  UNIQUE(registration_id, round_number) -- Una validación por ronda
);

-- Índices
CREATE INDEX idx_validations_registration ON attendance.validations(registration_id);
CREATE INDEX idx_validations_round ON attendance.validations(registration_id, round_number);
CREATE INDEX idx_validations_status ON attendance.validations(validation_status);
CREATE INDEX idx_validations_created_at ON attendance.validations(created_at DESC);

-- Comentarios
COMMENT ON TABLE attendance.validations IS
  'Validaciones individuales por ronda (una fila por ronda)';

COMMENT ON COLUMN attendance.validations.response_time_ms IS
  'Tiempo de respuesta en milisegundos (RT)';

COMMENT ON COLUMN attendance.validations.totpu_valid IS
  'TOTP de usuario válido (true/false)';

COMMENT ON COLUMN attendance.validations.totps_valid IS
  'TOTP de sistema válido (true/false)';

CREATE TABLE attendance.results (
  result_id SERIAL PRIMARY KEY,
  registration_id INTEGER NOT NULL REFERENCES attendance.registrations(registration_id) ON DELETE CASCADE,

  -- Estadísticas calculadas
  total_rounds INTEGER NOT NULL CHECK (total_rounds >= 0),
  successful_rounds INTEGER NOT NULL CHECK (successful_rounds >= 0),
  failed_rounds INTEGER NOT NULL DEFAULT 0,

  avg_response_time_ms FLOAT CHECK (avg_response_time_ms >= 0),
  std_dev_response_time FLOAT CHECK (std_dev_response_time >= 0),
  min_response_time_ms FLOAT CHECK (min_response_time_ms >= 0),
  max_response_time_ms FLOAT CHECK (max_response_time_ms >= 0),
  median_response_time_ms FLOAT CHECK (median_response_time_ms >= 0),

  -- Resultado final
  certainty_score FLOAT NOT NULL CHECK (certainty_score BETWEEN 0 AND 100),
  final_status TEXT NOT NULL CHECK (final_status IN ('PRESENT', 'ABSENT', 'DOUBTFUL', 'ERROR')),

  calculated_at TIMESTAMP DEFAULT NOW(),

  UNIQUE(registration_id) -- Un resultado por registro
);

-- Índices
CREATE INDEX idx_results_registration ON attendance.results(registration_id);
CREATE INDEX idx_results_status ON attendance.results(final_status);
CREATE INDEX idx_results_certainty ON attendance.results(certainty_score DESC);
CREATE INDEX idx_results_calculated_at ON attendance.results(calculated_at DESC);

-- Comentarios
COMMENT ON TABLE attendance.results IS
  'Resultado final consolidado con estadísticas';

COMMENT ON COLUMN attendance.results.certainty_score IS
  'Umbral de certeza (0-100). >= 70% = PRESENTE';

COMMENT ON COLUMN attendance.results.final_status IS
  'Resultado final: PRESENT, ABSENT, DOUBTFUL, ERROR';
