<?php
// Start page of the stand-in "Hawaii": links to the development login and the status page.
declare(strict_types=1);
header('Content-Type: text/html; charset=utf-8');
?>
<!doctype html>
<html lang="es">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hawaii · Sistema académico (simulado)</title>
<style>body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }</style>
</head>
<body>
<h1>Hawaii · Sistema académico</h1>
<p>Este es un sustituto de desarrollo del sistema legacy PHP de la universidad: guarda
profesores, alumnos, cursos y la asistencia tradicional, y expone los endpoints que usa
el servidor de asistencia criptográfica.</p>
<ul>
  <li><a href="login.php">Ingresar (usuarios de prueba)</a></li>
  <li><a href="asistencia-criptografica/estado.php">Estado de enrolamiento y sesiones de asistencia</a></li>
</ul>
</body>
</html>
