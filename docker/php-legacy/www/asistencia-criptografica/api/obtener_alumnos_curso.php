<?php
// Bridge: the enrollment list of a course in a semester (alumnoId is the student's userId).
// idSemestre defaults to the course's own semester; another semester gives an empty list.
declare(strict_types=1);
require_once __DIR__ . '/auth.inc';

bridge_begin('GET');
$curso = bridge_id_param('idCurso');
$semestre = bridge_id_param('idSemestre', false);
bridge_run(function () use ($curso, $semestre): void {
    $c = get_curso($curso);
    if ($c === null) {
        hawaii_error(404, 'not_found', 'Curso no encontrado.');
    }
    $lista = get_inscritos_curso($curso, $semestre ?? (int)$c['semestre_id']);
    hawaii_json(200, array_map(fn(array $a) => [
        'alumnoId' => (int)$a['id'],
        'rut' => $a['rut'],
        'nombre' => $a['nombre'],
        'email' => $a['email'],
        'carrera' => $a['carrera'],
    ], $lista));
});
