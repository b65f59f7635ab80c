<?php
// Bridge: the courses a professor teaches in a semester (default: the current one), for the
// server's course picker. tomarAsistencia says whether they may take attendance there.
declare(strict_types=1);
require_once __DIR__ . '/auth.inc';

bridge_begin('GET');
$id = bridge_id_param('userId');
$semestre = bridge_id_param('idSemestre', false);
bridge_run(function () use ($id, $semestre): void {
    $p = get_profesor_by_id($id);
    if ($p === null) {
        hawaii_json(200, []); // students and unknown users teach nothing
    }
    $semestre ??= get_semestre_actual() ?? 0;
    hawaii_json(200, array_map(fn(array $c) => [
        'idCurso' => (int)$c['id'],
        'codigo' => $c['codigo'],
        'nombre' => $c['nombre'],
        'idSemestre' => (int)$c['semestre_id'],
        'semestre' => $c['semestre'],
        'rol' => $c['rol'],
        'tomarAsistencia' => (bool)$c['tomar_asistencia'],
    ], get_cursos_profesor($p['rut'], $semestre)));
});
