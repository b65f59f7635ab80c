-- Legacy "Hawaii" schema of the PHP stand-in: the seed's tables (arquitectura-datos.md) plus
-- what db.inc needs and the seed leaves out (careers, teaching staff, enrollment lists,
-- per-course permissions). Re-runnable: scripts/lib/services.sh reloads it after edits.
SET client_min_messages = warning;
DROP TABLE IF EXISTS alumno_asistencia, asistencia_curso, profesor_permiso, curso_profesor,
    curso_alumno, curso, semestre, alumno, carrera, profesor CASCADE;

CREATE TABLE profesor (
    id SERIAL PRIMARY KEY,
    rut VARCHAR(12) UNIQUE NOT NULL,
    nombre VARCHAR(200) NOT NULL,
    correo VARCHAR(100) UNIQUE NOT NULL,
    super BOOLEAN DEFAULT FALSE,
    control_clases BOOLEAN DEFAULT FALSE,
    control_asistencia BOOLEAN DEFAULT FALSE,
    asistencia_fuera_de_fecha BOOLEAN DEFAULT FALSE,
    -- One userId space with students (PROTOCOL section 8): professors stay below 100000.
    CONSTRAINT profesor_id_rango CHECK (id < 100000)
);

CREATE TABLE carrera (
    id SERIAL PRIMARY KEY,
    nombre VARCHAR(200) NOT NULL
);

CREATE TABLE alumno (
    id SERIAL PRIMARY KEY,
    rut VARCHAR(12) UNIQUE NOT NULL,
    nombre VARCHAR(200) NOT NULL,
    email VARCHAR(100),
    carrera_id INTEGER REFERENCES carrera(id),
    CONSTRAINT alumno_id_rango CHECK (id >= 100000)
);
ALTER SEQUENCE alumno_id_seq RESTART WITH 100000;

CREATE TABLE semestre (
    id SERIAL PRIMARY KEY,
    nombre VARCHAR(50),
    fecha_inicio DATE,
    fecha_termino DATE
);

CREATE TABLE curso (
    id SERIAL PRIMARY KEY,
    codigo VARCHAR(20) NOT NULL,
    nombre VARCHAR(200) NOT NULL,
    semestre_id INTEGER REFERENCES semestre(id)
);

-- Who teaches a course (the seed's get_cursos_profesor needs it).
CREATE TABLE curso_profesor (
    curso_id INTEGER NOT NULL REFERENCES curso(id),
    profesor_id INTEGER NOT NULL REFERENCES profesor(id),
    rol VARCHAR(20) NOT NULL DEFAULT 'titular' CHECK (rol IN ('titular', 'ayudante')),
    PRIMARY KEY (curso_id, profesor_id)
);

-- Enrollment list (the seed's get_inscritos_curso needs it).
CREATE TABLE curso_alumno (
    curso_id INTEGER NOT NULL REFERENCES curso(id),
    alumno_id INTEGER NOT NULL REFERENCES alumno(id),
    PRIMARY KEY (curso_id, alumno_id)
);
CREATE INDEX curso_alumno_alumno ON curso_alumno (alumno_id);

-- Per-course permissions (the seed's can_tomar_asistencia($idcurso, $idsemestre)).
CREATE TABLE profesor_permiso (
    profesor_id INTEGER NOT NULL REFERENCES profesor(id),
    curso_id INTEGER NOT NULL REFERENCES curso(id),
    permiso VARCHAR(50) NOT NULL,
    PRIMARY KEY (profesor_id, curso_id, permiso)
);

CREATE TABLE asistencia_curso (
    id SERIAL PRIMARY KEY,
    curso_id INTEGER REFERENCES curso(id),
    fecha TIMESTAMP,
    -- Cryptographic sessions use 'crypto:<sessionId>', so one class occurrence per session.
    codigo_reserva VARCHAR(100) UNIQUE
);

CREATE TABLE alumno_asistencia (
    id SERIAL PRIMARY KEY,
    alumno_id INTEGER REFERENCES alumno(id),
    asistencia_curso_id INTEGER REFERENCES asistencia_curso(id),
    presente BOOLEAN,
    metodo VARCHAR(50),  -- 'tradicional', 'criptografico'
    -- Added for registrar_asistencia_crypto.php: the server's session and its score.
    session_id VARCHAR(64),
    certeza NUMERIC(5, 2),
    registrado_en TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT alumno_asistencia_unica UNIQUE (alumno_id, asistencia_curso_id),
    -- Makes registrar idempotent on (userId, sessionId); NULL for traditional rows.
    CONSTRAINT alumno_asistencia_sesion_unica UNIQUE (alumno_id, session_id)
);
