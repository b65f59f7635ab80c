// Shared pieces of the end-to-end tests: the real server process, Debian's Chromium with
// a CDP WebAuthn virtual authenticator, the stack's services, screenshots under build/e2e/.
import { spawn, execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const screenshotDir = join(repoRoot, 'build', 'e2e');

export function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run through ./scripts/test (or source a stack's env)`);
  return v;
}

// The phone's protocol module, the same file the pages load.
export async function protocolModule() {
  const source = readFileSync(join(repoRoot, 'web', 'js', 'asistencia-protocol.js'));
  return import('data:text/javascript;base64,' + source.toString('base64'));
}

// asistencia-server on the stack's PORT (the URL the PHP login redirects to).
// restart(signal) kills the process (SIGKILL: a crash, nothing closed cleanly) and starts
// it again on the same port, as a deploy or a crash in the middle of a class would.
export async function startServer() {
  const bin = env('ASISTENCIA_SERVER_BIN');
  const url = env('SERVER_URL');
  let child = null;
  let output = '';
  const launch = async () => {
    child = spawn(bin, [], {
      env: { ...process.env, WEB_ROOT: join(repoRoot, 'web'), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    for (let i = 0; i < 300; i++) {
      try {
        const r = await fetch(`${url}/readyz`);
        if (r.status === 200) return;
      } catch { /* not listening yet */ }
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    throw new Error(`the server did not become ready:\n${output}`);
  };
  await launch();
  return {
    url,
    stop: () => stopChild(child),
    output: () => output,
    restart: async (signal = 'SIGKILL') => {
      await stopChild(child, signal);
      await launch();
    },
  };
}

function stopChild(child, signal = 'SIGTERM') {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    child.on('exit', (code) => resolve(code));
    child.kill(signal);
  });
}

// camera: Chromium's fake capture device; false: a phone without any camera. The page's
// origin is granted the camera through the permission API (which a test can set to
// denied: with --use-fake-ui-for-media-stream Chromium would accept regardless).
// extraArgs: more Chromium switches (the HTTPS test's host mapping and certificate pin);
// origin: the origin granted the camera (the HTTPS test's).
export async function launchBrowser({ camera = true, extraArgs = [], origin = env('SERVER_URL') } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'asistencia-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
      // Background tabs keep painting: the projector and the phone are two tabs here.
      '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
      ...(camera ? ['--use-fake-device-for-media-stream'] : []), ...extraArgs],
  });
  await context.grantPermissions(['camera'], { origin });
  // The server's Content-Security-Policy must never block our own pages: Chromium reports
  // every violation on the console ("... violates the following Content Security Policy
  // directive ..."); run.mjs fails the test that caused one.
  const cspViolations = [];
  const watch = (page) => page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(`${page.url()}: ${m.text()}`);
  });
  context.pages().forEach(watch);
  context.on('page', watch);
  return {
    context,
    cspViolations,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function addVirtualAuthenticator(page, { userVerified = true } = {}) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
      isUserVerified: userVerified },
  });
  return {
    setUserVerified: (v) => cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: v }),
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
  };
}

export async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

// A query on the node database through the stack's superuser; the trimmed text output.
export function sql(query, database) {
  const args = ['psql', '-tAc', query];
  if (database) args.splice(1, 0, '-d', database);
  return execFileSync(join(repoRoot, 'scripts', 'svc'), args, { env: process.env }).toString().trim();
}

// The legacy login of the PHP stand-in, as a person would use it; ends on the server's page.
export async function loginAs(page, kind, id) {
  await page.goto(`${env('PHP_BASE_URL')}/login.php`);
  await page.selectOption(`#${kind}`, String(id));
  await Promise.all([
    page.waitForURL(new RegExp(`/${kind}\\.html`)),
    page.click(`form:has(#${kind}) button[type=submit]`),
  ]);
}

// A user token as the PHP module issues it (PROTOCOL section 3), with exp `ttlSeconds` from
// now: the tests make short-lived ones to see the page outlive the legacy token.
export function mintUserToken({ userId, rol, nombre, username }, ttlSeconds = 300) {
  const now = Math.floor(Date.now() / 1000);
  const b64u = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
  const head = b64u({ alg: 'HS256', typ: 'JWT' });
  const body = b64u({ sub: String(userId), userId, username: username || `user${userId}@example.cl`,
    nombre: nombre || `Usuario ${userId}`, rol, iss: 'php-legacy-system', iat: now, exp: now + ttlSeconds });
  const sig = createHmac('sha256', env('JWT_SECRET')).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

// axe-core (npm, tests/e2e) run in the page: the serious and critical violations, as text.
// Evaluated through the DevTools protocol, so the page's CSP does not apply to it.
const axeSource = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
export async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  });
}

// Bytes of JavaScript and CSS a page loads, counted from the responses themselves.
export function trackWeight(page) {
  const seen = new Map();
  page.on('response', async (res) => {
    const type = res.headers()['content-type'] || '';
    if (!/javascript|text\/css/.test(type)) return;
    try { seen.set(res.url(), (await res.body()).length); } catch { /* navigated away */ }
  });
  return {
    reset: () => seen.clear(),
    total: () => [...seen.values()].reduce((a, b) => a + b, 0),
    files: () => [...seen.entries()].map(([u, n]) => `${new URL(u).pathname} ${n}`),
  };
}

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

export function assertEqual(actual, expected, message) {
  if (actual !== expected) throw new Error(`${message}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}
