<?php
// Bridge: a legacy user's data by userId (professors below 100000, students from 100000).
declare(strict_types=1);
require_once __DIR__ . '/auth.inc';

bridge_begin('GET');
$id = bridge_id_param('userId');
bridge_run(function () use ($id): void {
    if ($p = get_profesor_by_id($id)) {
        hawaii_json(200, [
            'userId' => (int)$p['id'],
            'rut' => $p['rut'],
            'nombre' => $p['nombre'],
            'email' => $p['correo'],
            'foto' => get_url_foto($p['rut']),
            'rol' => 'profesor',
            'permisos' => [
                'superAdmin' => (bool)$p['super'],
                'controlAsistencia' => (bool)($p['super'] || $p['control_asistencia']),
            ],
        ]);
    }
    if ($a = get_alumno_by_id($id)) {
        hawaii_json(200, [
            'userId' => (int)$a['id'],
            'rut' => $a['rut'],
            'nombre' => $a['nombre'],
            'email' => $a['email'],
            'foto' => get_url_foto($a['rut']),
            'rol' => 'alumno',
            'carrera' => $a['carrera'],
            'permisos' => ['superAdmin' => false, 'controlAsistencia' => false],
        ]);
    }
    hawaii_error(404, 'not_found', 'Usuario no encontrado.');
});
