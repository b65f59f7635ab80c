// Shared pieces of the end-to-end tests: the real server process, Debian's Chromium with
// a CDP WebAuthn virtual authenticator, the stack's services, screenshots under build/e2e/.
import { spawn, execFileSync } from 'node:child_process';
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
export async function startServer() {
  const bin = env('ASISTENCIA_SERVER_BIN');
  const url = env('SERVER_URL');
  const child = spawn(bin, [], {
    env: { ...process.env, WEB_ROOT: join(repoRoot, 'web'), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.status === 200) return { url, stop: () => stopChild(child), output: () => output };
    } catch { /* not listening yet */ }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`the server did not become ready:\n${output}`);
}

function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.on('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

// camera: Chromium's fake capture device; false: a phone without any camera. The page's
// origin is granted the camera through the permission API (which a test can set to
// denied: with --use-fake-ui-for-media-stream Chromium would accept regardless).
export async function launchBrowser({ camera = true } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'asistencia-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
      // Background tabs keep painting: the projector and the phone are two tabs here.
      '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
      ...(camera ? ['--use-fake-device-for-media-stream'] : [])],
  });
  await context.grantPermissions(['camera'], { origin: env('SERVER_URL') });
  return {
    context,
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

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

export function assertEqual(actual, expected, message) {
  if (actual !== expected) throw new Error(`${message}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}
