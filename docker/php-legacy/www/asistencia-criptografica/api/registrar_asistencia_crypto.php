<?php
// Bridge: the attendance server's outbox posts every PRESENT result here (PROTOCOL 6.7).
// POST JSON {userId, cursoId, fecha, certeza, sessionId}; idempotent on (userId, sessionId):
// a retry answers 200 again with "duplicado": true and writes nothing.
declare(strict_types=1);
require_once __DIR__ . '/auth.inc';

const MAX_BODY = 8192;

bridge_begin('POST');
$raw = file_get_contents('php://input', false, null, 0, MAX_BODY + 1);
if (!is_string($raw) || strlen($raw) > MAX_BODY) {
    hawaii_error(413, 'payload_too_large', 'El cuerpo excede ' . MAX_BODY . ' bytes.');
}
$in = json_decode($raw, true, 4);
if (!is_array($in) || array_is_list($in)) {
    hawaii_error(400, 'bad_request', 'El cuerpo debe ser un objeto JSON.');
}

function campo_id(array $in, string $name): int
{
    $v = $in[$name] ?? null;
    if (is_string($v) && preg_match('/^[1-9][0-9]{0,9}$/', $v) === 1) {
        $v = (int)$v;
    }
    if (!is_int($v) || $v < 1 || $v > 2147483647) {
        hawaii_error(400, 'bad_request', "$name debe ser un entero positivo.");
    }
    return $v;
}

$userId = campo_id($in, 'userId');
$cursoId = campo_id($in, 'cursoId');
$certeza = $in['certeza'] ?? null;
if (!(is_int($certeza) || is_float($certeza)) || $certeza < 0 || $certeza > 100) {
    hawaii_error(400, 'bad_request', 'certeza debe ser un número entre 0 y 100.');
}
$sessionId = $in['sessionId'] ?? null;
if (is_int($sessionId) && $sessionId > 0) {
    $sessionId = (string)$sessionId;
}
if (!is_string($sessionId) || preg_match('/^[A-Za-z0-9_.:-]{1,64}$/', $sessionId) !== 1) {
    hawaii_error(400, 'bad_request', 'sessionId debe ser un identificador de 1 a 64 caracteres.');
}
// fecha: a date (YYYY-MM-DD) or an ISO 8601 date-time; stored in the legacy's local time.
$fechaIn = $in['fecha'] ?? null;
$fecha = null;
if (is_string($fechaIn) && strlen($fechaIn) <= 40) {
    $tz = new DateTimeZone(hawaii_setting('HAWAII_TZ') ?: 'America/Santiago');
    foreach (['!Y-m-d', DateTimeInterface::RFC3339_EXTENDED, DateTimeInterface::RFC3339,
              'Y-m-d\TH:i:s.uP', '!Y-m-d\TH:i:s', '!Y-m-d H:i:s'] as $fmt) {
        $d = DateTimeImmutable::createFromFormat($fmt, $fechaIn, $tz);
        $errors = DateTimeImmutable::getLastErrors();
        if ($d !== false && ($errors === false || $errors['warning_count'] + $errors['error_count'] === 0)) {
            $fecha = $d->setTimezone($tz)->format('Y-m-d H:i:s');
            break;
        }
    }
}
if ($fecha === null) {
    hawaii_error(400, 'bad_request', 'fecha debe ser YYYY-MM-DD o una fecha-hora ISO 8601.');
}

bridge_run(function () use ($userId, $cursoId, $fecha, $certeza, $sessionId): void {
    if (get_alumno_by_id($userId) === null) {
        hawaii_error(404, 'not_found', 'Alumno no encontrado.');
    }
    if (get_curso($cursoId) === null) {
        hawaii_error(404, 'not_found', 'Curso no encontrado.');
    }
    if (!alumno_inscrito($cursoId, $userId)) {
        hawaii_error(422, 'alumno_no_inscrito', 'El alumno no está inscrito en el curso.');
    }
    $r = registrar_asistencia_criptografica($userId, $cursoId, $fecha, (float)$certeza, $sessionId);
    if ($r === null) {
        hawaii_error(409, 'conflict', 'La sesión ya fue registrada para otro curso.');
    }
    hawaii_json(200, ['success' => true, 'duplicado' => $r['duplicado'],
        'asistenciaId' => $r['id'], 'asistenciaCursoId' => $r['asistenciaCursoId']]);
});
