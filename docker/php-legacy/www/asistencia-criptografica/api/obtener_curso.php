<?php
// Bridge (addition to the seed): one course by id, for the server's course cache
// (cache:php:course:{courseId}).
declare(strict_types=1);
require_once __DIR__ . '/auth.inc';

bridge_begin('GET');
$id = bridge_id_param('idCurso');
bridge_run(function () use ($id): void {
    $c = get_curso($id);
    if ($c === null) {
        hawaii_error(404, 'not_found', 'Curso no encontrado.');
    }
    hawaii_json(200, ['idCurso' => (int)$c['id'], 'codigo' => $c['codigo'],
        'nombre' => $c['nombre'], 'idSemestre' => (int)$c['semestre_id'],
        'semestre' => $c['semestre']]);
});
