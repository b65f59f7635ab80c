<?php
// The legacy side's client of the attendance server (the seed's NodeIntegration): enrollment
// status and session status/results, with an internal JWT (iss php-legacy-system, aud
// node-service, JWT_SECRET_INTERNAL, 1 h). Base URL: NODE_INTERNAL_URL (how this container
// reaches the server), else NODE_BASE_URL. NODE_INTERNAL_CA_FILE: a PEM file of the CA that
// signed the server's certificate when it is not a public one (compose's demo: the
// self-signed pair of docker/make-secrets); the system's CAs otherwise.
declare(strict_types=1);
require_once __DIR__ . '/lib/config.inc';
require_once __DIR__ . '/lib/jwt.inc';

class NodeIntegration
{
    private string $nodeBaseUrl;
    private string $internalJWT;
    private int $lastStatus = 0;

    public function __construct(?string $baseUrl = null)
    {
        $this->nodeBaseUrl = rtrim($baseUrl ?? (hawaii_setting('NODE_INTERNAL_URL')
            ?: hawaii_setting('NODE_BASE_URL') ?: 'http://localhost:3000'), '/');
        $this->internalJWT = $this->generarJWTInterno();
    }

    public function consultarEnrollmentStatus(int $userId): array
    {
        $r = $this->get('/api/enrollment/status/' . $userId);
        return $r ?? ['enrolled' => false];
    }

    public function consultarEstadoSesion(string $sessionId): array
    {
        $r = $this->get('/api/attendance/session/' . rawurlencode($sessionId) . '/status');
        return $r ?? ['error' => 'No se pudo obtener el estado de la sesión'];
    }

    public function obtenerResultadosAsistencia(string $sessionId): array
    {
        $r = $this->get('/api/attendance/session/' . rawurlencode($sessionId) . '/results');
        return $r ?? ['error' => 'No se pudieron obtener resultados'];
    }

    // HTTP status of the last call (0 when the server could not be reached).
    public function ultimoEstadoHttp(): int
    {
        return $this->lastStatus;
    }

    // Decoded JSON of a 200 answer, else null.
    private function get(string $path): ?array
    {
        $ch = curl_init($this->nodeBaseUrl . $path);
        curl_setopt_array($ch, [
            CURLOPT_HTTPHEADER => ["Authorization: Bearer {$this->internalJWT}",
                'Accept: application/json'],
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_CONNECTTIMEOUT_MS => 3000,
            CURLOPT_TIMEOUT_MS => 5000,
            CURLOPT_FOLLOWLOCATION => false,
            CURLOPT_PROTOCOLS => CURLPROTO_HTTP | CURLPROTO_HTTPS,
            CURLOPT_SSL_VERIFYPEER => true,
            CURLOPT_SSL_VERIFYHOST => 2,
        ]);
        $ca = getenv('NODE_INTERNAL_CA_FILE');
        if (is_string($ca) && $ca !== '') {
            curl_setopt($ch, CURLOPT_CAINFO, $ca);
        }
        $response = curl_exec($ch);
        $this->lastStatus = (int)curl_getinfo($ch, CURLINFO_HTTP_CODE);
        curl_close($ch);
        if ($this->lastStatus !== 200 || !is_string($response) || strlen($response) > 1048576) {
            return null;
        }
        $data = json_decode($response, true, 32);
        return is_array($data) ? $data : null;
    }

    private function generarJWTInterno(): string
    {
        $now = time();
        return jwt_encode([
            'iss' => hawaii_setting('INTERNAL_JWT_PHP_ISSUER') ?: 'php-legacy-system',
            'aud' => hawaii_setting('INTERNAL_JWT_PHP_AUDIENCE') ?: 'node-service',
            'sub' => 'internal-communication',
            'iat' => $now,
            'exp' => $now + 3600,
        ], hawaii_setting('JWT_SECRET_INTERNAL'));
    }
}
