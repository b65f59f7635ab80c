<?php
// Test helper for tests/php/run.sh, independent of the stand-in's own JWT code:
//   php jwt_tool.php mint '<claims json>' [alg] [secret-env]   prints a token (alg none: unsigned)
//   php jwt_tool.php verify <token> <secret-env>               prints the claims JSON, exit 1 if bad
//   php jwt_tool.php rutdv <body>                              prints the módulo 11 check digit
declare(strict_types=1);

function b64u(string $s): string
{
    return rtrim(strtr(base64_encode($s), '+/', '-_'), '=');
}

function secret(string $env): string
{
    $v = getenv($env);
    if (!is_string($v) || $v === '') {
        fwrite(STDERR, "jwt_tool: $env is not set\n");
        exit(2);
    }
    return $v;
}

$cmd = $argv[1] ?? '';
if ($cmd === 'mint') {
    $claims = json_decode($argv[2], true, 8, JSON_THROW_ON_ERROR);
    foreach ($claims as $k => $v) { // "@+N" means now + N seconds
        if (is_string($v) && preg_match('/^@([+-]?\d+)$/', $v, $m)) {
            $claims[$k] = time() + (int)$m[1];
        }
    }
    $alg = $argv[3] ?? 'HS256';
    $h = b64u(json_encode(['alg' => $alg, 'typ' => 'JWT']));
    $p = b64u(json_encode($claims));
    $sig = $alg === 'none' ? '' : b64u(hash_hmac('sha256', "$h.$p", secret($argv[4] ?? 'JWT_SECRET_INTERNAL'), true));
    echo "$h.$p.$sig";
} elseif ($cmd === 'verify') {
    $parts = explode('.', $argv[2] ?? '');
    if (count($parts) !== 3) {
        exit(1);
    }
    $dec = fn(string $s) => base64_decode(strtr($s, '-_', '+/'));
    $header = json_decode($dec($parts[0]), true);
    $ok = ($header['alg'] ?? '') === 'HS256' && hash_equals(
        hash_hmac('sha256', "$parts[0].$parts[1]", secret($argv[3]), true), $dec($parts[2]));
    if (!$ok) {
        exit(1);
    }
    echo $dec($parts[1]);
} elseif ($cmd === 'rutdv') {
    $sum = 0;
    $f = 2;
    foreach (array_reverse(str_split($argv[2])) as $d) {
        $sum += (int)$d * $f;
        $f = $f === 7 ? 2 : $f + 1;
    }
    $r = 11 - $sum % 11;
    echo $r === 11 ? '0' : ($r === 10 ? 'K' : (string)$r);
} else {
    fwrite(STDERR, "usage: jwt_tool.php mint|verify|rutdv ...\n");
    exit(2);
}
