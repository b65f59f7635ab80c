<?php
// Bridge: does a user hold a permission (tomar_asistencia needs idCurso)? Students and
// unknown users hold none.
declare(strict_types=1);
require_once __DIR__ . '/auth.inc';

const PERMISOS = ['tomar_asistencia', 'control_asistencia', 'control_clases', 'super_admin',
    'asistencia_fuera_de_fecha'];

bridge_begin('GET');
$id = bridge_id_param('userId');
$permiso = $_GET['permiso'] ?? null;
if (!is_string($permiso) || !in_array($permiso, PERMISOS, true)) {
    hawaii_error(400, 'bad_request', 'permiso debe ser uno de: ' . implode(', ', PERMISOS) . '.');
}
$curso = bridge_id_param('idCurso', $permiso === 'tomar_asistencia');
bridge_run(function () use ($id, $permiso, $curso): void {
    $p = get_profesor_by_id($id);
    $email = $p['correo'] ?? null;
    $permitido = $email !== null && match ($permiso) {
        'tomar_asistencia' => can_tomar_asistencia($curso, null, $email),
        'control_asistencia' => can_control_asistencia($email),
        'control_clases' => can_control_clases($email),
        'super_admin' => has_super_access($email),
        'asistencia_fuera_de_fecha' => can_asistencia_fuera_de_fecha($email),
    };
    hawaii_json(200, ['permitido' => $permitido]);
});
