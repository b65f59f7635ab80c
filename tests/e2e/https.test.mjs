// A real origin: enrollment, a join and a projected round over https://asistencia.test:PORT
// with WEBAUTHN_RP_ID=asistencia.test, once with the server's own TLS and once behind nginx
// (TLS terminated there, the server on plain http with TRUSTED_PROXIES=127.0.0.1). Chromium
// resolves asistencia.test to loopback (--host-resolver-rules) and trusts the leaf made here
// with openssl through --ignore-certificate-errors-spki-list. The PHP stand-in's login gets
// its own process whose NODE_BASE_URL is this origin, so the login redirects to it.
// The phone reads the projector's QR through its real camera path (camera.mjs's fake
// MediaStream fed from the projector browser's canvas), as in clase.test.mjs.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addVirtualAuthenticator, assert, assertEqual, env, launchBrowser, repoRoot, screenshot, sql } from './lib.mjs';
import { fakeCamera, printTimings, showingTimings } from './camera.mjs';
import { joinByNumber, resetStudent, startRounds, waitState } from './phone.mjs';

const HOST = 'asistencia.test';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// A CA and a leaf for asistencia.test, made at run time; the leaf's SPKI pin for Chromium.
function makePki(dir) {
  const run = (...args) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('req', '-x509', ...ec, '-days', '2', '-subj', '/CN=Asistencia e2e CA',
    '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.pem'));
  run('req', ...ec, '-subj', `/CN=${HOST}`, '-keyout', join(dir, 'leaf.key'), '-out', join(dir, 'leaf.csr'));
  writeFileSync(join(dir, 'leaf.ext'), `subjectAltName=DNS:${HOST}\nextendedKeyUsage=serverAuth\n`);
  run('x509', '-req', '-in', join(dir, 'leaf.csr'), '-CA', join(dir, 'ca.pem'), '-CAkey', join(dir, 'ca.key'),
    '-CAcreateserial', '-days', '2', '-extfile', join(dir, 'leaf.ext'), '-out', join(dir, 'leaf.pem'));
  const leaf = new X509Certificate(readFileSync(join(dir, 'leaf.pem')));
  assert(leaf.checkIssued(new X509Certificate(readFileSync(join(dir, 'ca.pem')))), 'the leaf is signed by the CA');
  const spki = leaf.publicKey.export({ type: 'spki', format: 'der' });
  return {
    ca: readFileSync(join(dir, 'ca.pem')),
    cert: join(dir, 'leaf.pem'),
    key: join(dir, 'leaf.key'),
    pin: createHash('sha256').update(spki).digest('base64'),
  };
}

// GET over TLS to 127.0.0.1 as asistencia.test, verified against the test CA.
function httpsGet(port, path, ca) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, servername: HOST, ca, headers: { Host: `${HOST}:${port}` } },
      (res) => {
        let body = '';
        res.on('data', (d) => { body += d; });
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
      });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

// Plain GET to 127.0.0.1 from a chosen local address (to be a peer that is not trusted).
function httpGetFrom(localAddress, port, path, headers) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, localAddress, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers }));
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function spawnLogged(cmd, args, options) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  return { child, output: () => output };
}

function stop(child, group = false) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    child.on('exit', (code) => resolve(code));
    try { process.kill(group ? -child.pid : child.pid, 'SIGTERM'); } catch { resolve(null); }
  });
}

async function until(what, check, output) {
  for (let i = 0; i < 300; i++) {
    try {
      if (await check()) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not come up:\n${output ? output() : ''}`);
}

// The server binary with the stack's services and this origin's settings.
async function startServer(port, extra) {
  const p = spawnLogged(env('ASISTENCIA_SERVER_BIN'), [], {
    env: { ...process.env, PORT: String(port), WEB_ROOT: join(repoRoot, 'web'), LOG_LEVEL: 'warn',
      WEBAUTHN_RP_ID: HOST, ...extra },
  });
  return p;
}

// The stand-in's development login, redirecting to `origin` (its NODE_BASE_URL).
async function startPhp(origin) {
  const port = await freePort();
  const www = join(repoRoot, 'docker', 'php-legacy', 'www');
  const p = spawnLogged('php', ['-d', 'variables_order=EGPCS', '-S', `127.0.0.1:${port}`, '-t', www,
    join(repoRoot, 'docker', 'php-legacy', 'router.php')], {
    // HAWAII_DEV_LOGIN=1: the passwordless login.php, as scripts/lib/services.sh starts it.
    env: { ...process.env, NODE_BASE_URL: origin, PHP_CLI_SERVER_WORKERS: '2', HAWAII_DEV_LOGIN: '1' },
    detached: true, // its own process group: php -S forks workers
  });
  const url = `http://localhost:${port}`;
  await until('the PHP stand-in', async () => (await fetch(`${url}/login.php`)).status === 200, p.output);
  return { ...p, url };
}

// nginx as in docs/http.md's deployment section: TLS here, plain http to the replica.
function startNginx(dir, port, backendPort, pki) {
  const tmp = join(dir, 'tmp');
  mkdirSync(join(dir, 'logs'), { recursive: true });
  mkdirSync(tmp, { recursive: true });
  chmodSync(tmp, 0o777); // the worker may run as nobody
  const conf = `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 256; }
http {
  access_log ${dir}/logs/access.log;
  client_body_temp_path ${tmp}/body; proxy_temp_path ${tmp}/proxy; fastcgi_temp_path ${tmp}/fastcgi;
  uwsgi_temp_path ${tmp}/uwsgi; scgi_temp_path ${tmp}/scgi;
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  upstream asistencia { server 127.0.0.1:${backendPort}; }
  server {
    listen 127.0.0.1:${port} ssl;
    server_name ${HOST};
    ssl_certificate ${pki.cert};
    ssl_certificate_key ${pki.key};
    ssl_protocols TLSv1.2 TLSv1.3;
    location / {
      proxy_pass http://asistencia;
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_read_timeout 3600s;
      proxy_max_temp_file_size 0;
    }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const args = ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'logs', 'error.log')];
  execFileSync('nginx', ['-t', '-q', ...args]);
  execFileSync('nginx', args); // daemonizes; master pid in nginx.pid
  return {
    stop: () => {
      try { execFileSync('nginx', [...args, '-s', 'quit']); } catch { /* already gone */ }
    },
    log: () => { try { return readFileSync(join(dir, 'logs', 'error.log'), 'utf8'); } catch { return ''; } },
  };
}

async function loginAt(page, phpUrl, kind, id, origin) {
  await page.goto(`${phpUrl}/login.php`);
  await page.selectOption(`#${kind}`, String(id));
  await Promise.all([
    page.waitForURL((u) => u.origin === origin && u.pathname === `/${kind}.html`),
    page.click(`form:has(#${kind}) button[type=submit]`),
  ]);
}

// Enrollment, a join and one projected round at `origin`, in browsers that trust `pki`:
// the phone (fake camera fed from the projector's canvas, camera.mjs) and the projector
// as another device (its own browser and app session cookie), as in clase.test.mjs.
async function classAt({ origin, phpUrl, pki, studentId, label }) {
  const extraArgs = [`--host-resolver-rules=MAP ${HOST} 127.0.0.1`,
    `--ignore-certificate-errors-spki-list=${pki.pin}`, '--no-proxy-server'];
  const browser = await launchBrowser({ camera: true, origin, extraArgs });
  let room;
  try {
    room = await launchBrowser({ camera: false, origin, extraArgs });
    resetStudent(studentId);
    const phone = await browser.context.newPage();
    const beamer = await room.context.newPage();
    await fakeCamera(phone, beamer);
    await addVirtualAuthenticator(phone);
    await loginAt(phone, phpUrl, 'alumno', studentId, origin);
    await phone.waitForSelector('body[data-state=ready]');
    assertEqual(await phone.evaluate(() => window.isSecureContext), true, 'a secure context');
    assertEqual(await phone.evaluate(() => location.origin), origin, 'the page origin');
    await phone.click('#enrolar');
    await waitState(phone, 'body[data-enrolled=true]', 20000);
    assertEqual(sql(`SELECT count(*) FROM enrollment.devices WHERE user_id = ${studentId} AND is_active`), '1',
      'one active device');

    const sockets = [];
    beamer.on('websocket', (ws) => sockets.push(ws.url()));
    await loginAt(beamer, phpUrl, 'profesor', 1, origin);
    await beamer.waitForSelector('body[data-state=ready]');
    await beamer.click('button[data-course="1"]');
    await beamer.fill('#rondas', '1');
    await beamer.click('#iniciar');
    await beamer.waitForSelector('body[data-state=projecting]');
    const sessionId = (await beamer.textContent('#proy-numero')).trim();
    assert(sockets.some((u) => u.startsWith(`wss://${HOST}:`) && u.includes(`/ws/projection/${sessionId}`)),
      `the projector uses wss: ${sockets.join(', ')}`);

    await joinByNumber(phone, sessionId);
    // One round: the phone may read it and be done before a poll sees in-class.
    await waitState(phone, 'body[data-state=in-class], body[data-state=done]', 20000);
    assert(!(await phone.evaluate(() => 'asistenciaLeerQr' in window)), 'no test hook on the page');
    await startRounds(beamer);
    await waitState(phone, 'body[data-round=done]', 60000);
    assertEqual(sql(`SELECT count(*) FROM attendance.validations v JOIN attendance.registrations r USING (registration_id) WHERE r.session_id = ${sessionId} AND validation_status = 'success'`),
      '1', 'one successful round');
    const timings = await showingTimings(phone);
    assert(timings.answers.length >= 1 && timings.answers.every((a) => a.decoder),
      `every answer came through the camera decoder: ${JSON.stringify(timings.answers)}`);
    printTimings(`https-${label}`, timings);
    await screenshot(phone, `https-${label}-alumno`);

    await beamer.click('#cerrar');
    await beamer.waitForSelector('body[data-state=results]');
    const summary = await beamer.textContent('#resumen');
    assert(summary.includes('Presentes: 1'), `the student is present: ${summary}`);
    await screenshot(beamer, `https-${label}-resultados`);
  } finally {
    if (room) await room.close();
    await browser.close();
  }
}

async function withTempDir(fn) {
  const dir = mkdtempSync(join(tmpdir(), 'asistencia-https-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export default [
  {
    name: 'enroll, join and answer over https://asistencia.test with the server\'s own TLS',
    async run() {
      await withTempDir(async (dir) => {
        const pki = makePki(dir);
        const port = await freePort();
        const origin = `https://${HOST}:${port}`;
        const server = await startServer(port, { TLS_CERT_FILE: pki.cert, TLS_KEY_FILE: pki.key, WEBAUTHN_ORIGINS: origin });
        let php;
        try {
          await until('the TLS server', async () => (await httpsGet(port, '/readyz', pki.ca)).status === 200, server.output);
          const ready = await httpsGet(port, '/readyz', pki.ca);
          assert(/max-age=\d+/.test(ready.headers['strict-transport-security'] || ''), 'HSTS on the TLS origin');
          php = await startPhp(origin);
          await classAt({ origin, phpUrl: php.url, pki, studentId: 100016, label: 'nativo' });
        } finally {
          if (php) await stop(php.child, true);
          const code = await stop(server.child);
          assertEqual(code, 0, `the server's exit code on SIGTERM\n${server.output()}`);
        }
      });
    },
  },
  {
    name: 'enroll, join and answer over https://asistencia.test behind nginx (TRUSTED_PROXIES)',
    async run() {
      await withTempDir(async (dir) => {
        const pki = makePki(dir);
        const backend = await freePort();
        const port = await freePort();
        const origin = `https://${HOST}:${port}`;
        const server = await startServer(backend, { TRUSTED_PROXIES: '127.0.0.1', WEBAUTHN_ORIGINS: origin });
        let nginx;
        let php;
        try {
          await until('the server', async () => (await fetch(`http://localhost:${backend}/readyz`)).status === 200, server.output);
          nginx = startNginx(join(dir, 'nginx'), port, backend, pki);
          await until('nginx', async () => (await httpsGet(port, '/readyz', pki.ca)).status === 200, nginx.log);
          const proxied = await httpsGet(port, '/readyz', pki.ca);
          assert(/max-age=\d+/.test(proxied.headers['strict-transport-security'] || ''),
            'HSTS from X-Forwarded-Proto: https of a trusted proxy');
          // From 127.0.0.2 (loopback, but not a trusted proxy) the same header means nothing.
          const direct = await httpGetFrom('127.0.0.2', backend, '/readyz', { 'X-Forwarded-Proto': 'https' });
          assertEqual(direct.status, 200, 'a direct request from 127.0.0.2');
          assertEqual(direct.headers['strict-transport-security'], undefined, 'no HSTS for an untrusted peer\'s header');
          php = await startPhp(origin);
          await classAt({ origin, phpUrl: php.url, pki, studentId: 100017, label: 'nginx' });
        } finally {
          if (php) await stop(php.child, true);
          if (nginx) nginx.stop();
          const code = await stop(server.child);
          assertEqual(code, 0, `the server's exit code on SIGTERM\n${server.output()}`);
        }
      });
    },
  },
];
