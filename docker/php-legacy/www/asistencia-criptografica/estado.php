<?php
// Legacy page showing what the attendance server knows (through NodeIntegration): a user's
// enrollment status and a session's status and results. Needs the legacy session cookie.
declare(strict_types=1);
require_once __DIR__ . '/api/db.inc';
require_once __DIR__ . '/node-integration.php';

header('Content-Type: text/html; charset=utf-8');
header('Cache-Control: no-store');
$error = null;
$usuario = null;
$esProfesor = false;
try {
    $email = get_usuario_actual();
    if ($email !== null) {
        $p = get_def_profesor($email);
        $esProfesor = $p !== null;
        $usuario = $p ?? db_row('SELECT id, nombre FROM alumno WHERE lower(email) = lower(:e)',
            ['e' => $email]);
    }
} catch (hawaii_db_unavailable | PDOException $e) {
    http_response_code(503);
    $error = 'La base de datos del sistema legacy no está disponible.';
}
if ($usuario === null && $error === null) {
    http_response_code(401);
}
$pretty = fn(array $d) => hawaii_h(json_encode($d, JSON_PRETTY_PRINT | JSON_UNESCAPED_UNICODE
    | JSON_UNESCAPED_SLASHES));
// Students see only their own enrollment; professors may look up anyone and any session.
$userId = (int)($usuario['id'] ?? 0);
if ($esProfesor && is_string($_GET['userId'] ?? null) && ctype_digit($_GET['userId'])) {
    $userId = (int)$_GET['userId'];
}
$sessionId = $esProfesor && is_string($_GET['sessionId'] ?? null)
    && preg_match('/^[A-Za-z0-9_-]{1,64}$/', $_GET['sessionId']) === 1 ? $_GET['sessionId'] : null;
?>
<!doctype html>
<html lang="es">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hawaii · Asistencia criptográfica</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; }
pre { background: #f4f4f4; padding: .6rem; overflow-x: auto; }
</style>
</head>
<body>
<h1>Asistencia criptográfica</h1>
<?php if ($error !== null): ?>
<p role="alert"><?= hawaii_h($error) ?></p>
<?php elseif ($usuario === null): ?>
<p>Debes <a href="../login.php">ingresar</a> para ver esta página.</p>
<?php else:
    $node = new NodeIntegration(); ?>
<p>Sesión de <strong><?= hawaii_h($usuario['nombre']) ?></strong>.</p>
<?php if ($esProfesor): ?>
<form method="get">
  <label>userId <input name="userId" value="<?= $userId ?>" inputmode="numeric"></label>
  <label>sessionId <input name="sessionId" value="<?= hawaii_h($sessionId ?? '') ?>"></label>
  <button type="submit">Consultar</button>
</form>
<?php endif ?>
<h2>Enrolamiento del usuario <?= $userId ?></h2>
<pre id="enrollment"><?= $pretty($node->consultarEnrollmentStatus($userId)) ?></pre>
<?php if ($sessionId !== null): ?>
<h2>Sesión <?= hawaii_h($sessionId) ?></h2>
<pre id="session-status"><?= $pretty($node->consultarEstadoSesion($sessionId)) ?></pre>
<h3>Resultados</h3>
<pre id="session-results"><?= $pretty($node->obtenerResultadosAsistencia($sessionId)) ?></pre>
<?php endif ?>
<?php endif ?>
<p><a href="../index.php">Inicio</a></p>
</body>
</html>
