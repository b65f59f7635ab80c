<?php
// Development login of the stand-in (the real Hawaii has its own): pick a demo professor or
// student, get the legacy session cookie and a 5-minute user JWT for the attendance server,
// and go to its page with the token in the URL fragment (never sent to any server log).
declare(strict_types=1);
require_once __DIR__ . '/asistencia-criptografica/api/db.inc';

// Anyone who reaches this page becomes any professor: it exists only where the demo asks for
// it (compose's `demo` profile, scripts/run and scripts/test set HAWAII_DEV_LOGIN=1).
if (hawaii_setting('HAWAII_DEV_LOGIN') !== '1') {
    http_response_code(404);
    header('Content-Type: text/plain; charset=utf-8');
    echo "No encontrado: el ingreso de desarrollo está desactivado.\n";
    exit;
}

const USER_TOKEN_TTL = 300; // PROTOCOL section 3

function destino(string $rol, string $token): string
{
    $base = rtrim(hawaii_setting('NODE_BASE_URL') ?: 'http://localhost:3000', '/');
    return $base . ($rol === 'profesor' ? '/profesor.html' : '/alumno.html') . '#token=' . $token;
}

$error = null;
try {
    if (($_SERVER['REQUEST_METHOD'] ?? 'GET') === 'POST') {
        $tipo = $_POST['tipo'] ?? '';
        $id = $_POST['id'] ?? '';
        $usuario = null;
        if (is_string($id) && preg_match('/^[1-9][0-9]{0,9}$/', $id) === 1) {
            $usuario = match ($tipo) {
                'profesor' => get_profesor_by_id((int)$id),
                'alumno' => get_alumno_by_id((int)$id),
                default => null,
            };
        }
        $secret = hawaii_setting('JWT_SECRET');
        if ($usuario === null) {
            http_response_code(400);
            $error = 'Elige un usuario de la lista.';
        } elseif ($secret === '') {
            http_response_code(500);
            $error = 'El sistema no está configurado (falta JWT_SECRET).';
        } else {
            $email = $tipo === 'profesor' ? $usuario['correo'] : $usuario['email'];
            set_login_cookie($email);
            $now = time();
            $token = jwt_encode([
                'sub' => (string)$usuario['id'],
                'userId' => (int)$usuario['id'],
                'username' => $email,
                'nombre' => $usuario['nombre'],
                'rol' => $tipo,
                'iss' => 'php-legacy-system',
                'iat' => $now,
                'exp' => $now + USER_TOKEN_TTL,
            ], $secret);
            header('Cache-Control: no-store');
            header('Location: ' . destino($tipo, $token), true, 303);
            exit;
        }
    }
    $profesores = db_rows('SELECT id, nombre, correo FROM profesor ORDER BY id');
    $alumnos = db_rows('SELECT id, nombre, rut FROM alumno ORDER BY nombre, id');
} catch (hawaii_db_unavailable | PDOException $e) {
    http_response_code(503);
    $profesores = $alumnos = [];
    $error = 'La base de datos del sistema legacy no está disponible.';
}
header('Content-Type: text/html; charset=utf-8');
?>
<!doctype html>
<html lang="es">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hawaii · Ingreso de desarrollo</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
form { border: 1px solid #ccc; border-radius: .5rem; padding: 1rem; margin: 1rem 0; }
select, button { font-size: 1rem; padding: .4rem; width: 100%; margin-top: .5rem; }
.aviso { background: #fff4ce; padding: .6rem; border-radius: .4rem; }
.error { background: #fde7e9; padding: .6rem; border-radius: .4rem; }
</style>
</head>
<body>
<h1>Hawaii · Sistema académico</h1>
<p class="aviso" role="note"><strong>Modo demostración</strong>: ingreso de desarrollo sin
contraseña, activo solo en la demo (<code>HAWAII_DEV_LOGIN=1</code>). Elige un usuario de prueba;
quien llegue a esta página puede entrar como cualquier profesor o alumno, así que nunca la
publiques. El sistema real usa su propio inicio de sesión.</p>
<?php if ($error !== null): ?>
<p class="error" role="alert"><?= hawaii_h($error) ?></p>
<?php endif ?>
<form method="post" action="login.php">
  <h2>Profesor</h2>
  <input type="hidden" name="tipo" value="profesor">
  <label for="profesor">Profesor de prueba</label>
  <select id="profesor" name="id">
<?php foreach ($profesores as $p): ?>
    <option value="<?= (int)$p['id'] ?>"><?= hawaii_h($p['nombre'] . ' (' . $p['correo'] . ')') ?></option>
<?php endforeach ?>
  </select>
  <button type="submit">Ingresar como profesor</button>
</form>
<form method="post" action="login.php">
  <h2>Alumno</h2>
  <input type="hidden" name="tipo" value="alumno">
  <label for="alumno">Alumno de prueba</label>
  <select id="alumno" name="id">
<?php foreach ($alumnos as $a): ?>
    <option value="<?= (int)$a['id'] ?>"><?= hawaii_h($a['nombre'] . ' · ' . $a['rut']) ?></option>
<?php endforeach ?>
  </select>
  <button type="submit">Ingresar como alumno</button>
</form>
<p><a href="index.php">Volver al inicio</a></p>
</body>
</html>
