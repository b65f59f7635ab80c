// Shared steps of the phone's browser tests: enrollment, a projected session, waiting for
// a page state with a useful failure text, axe-core, the bytes a page transfers.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addVirtualAuthenticator, assert, loginAs, repoRoot, sql } from './lib.mjs';

export function resetStudent(id) {
  sql(`DELETE FROM enrollment.enrollment_history WHERE user_id = ${id}`);
  sql(`DELETE FROM enrollment.devices WHERE user_id = ${id}`);
}

// Bytes on the wire (encoded bodies and headers) for everything the page and its workers
// load, from now on.
export function transferMeter(page) {
  const byUrl = new Map();
  const pending = [];
  page.on('requestfinished', (req) => {
    pending.push(req.sizes().then((s) => {
      byUrl.set(req.url(), (byUrl.get(req.url()) || 0) + s.responseBodySize + s.responseHeadersSize);
    }).catch(() => {}));
  });
  const entries = (origin) => [...byUrl.entries()].filter(([u]) => u.startsWith(origin));
  return {
    settle: () => Promise.all(pending),
    total: (origin) => entries(origin).reduce((s, [, n]) => s + n, 0),
    list: (origin) => entries(origin).map(([u, n]) => `${u.slice(origin.length)} ${(n / 1024).toFixed(1)} KB`),
  };
}

const axeSource = readFileSync(join(repoRoot, 'tests', 'e2e', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

// axe-core on the page as it is now: the serious and critical violations (none expected).
export async function axeCheck(page, state) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert(violations.length === 0, `axe on ${state}: ${violations.join('; ')}`);
  return violations.length;
}

// WebAuthn needs the focused tab: the phone's tab comes to the front first.
export async function enrollPhone(page, studentId) {
  await page.bringToFront();
  await addVirtualAuthenticator(page);
  await loginAs(page, 'alumno', studentId);
  await page.waitForSelector('body[data-state=ready]');
  await page.click('#enrolar');
  await waitState(page, 'body[data-enrolled=true]', 20000);
}

export async function joinByNumber(phone, sessionId) {
  await phone.bringToFront();
  await phone.fill('#sesion', sessionId);
  await phone.click('#unirse');
}

// The projector may open on its join code with the rounds paused ("Comenzar rondas").
export async function startRounds(beamer) {
  const start = await beamer.$('#comenzar');
  if (start && (await start.isVisible())) await start.click();
}

export async function projectSession(beamer, { rounds = 3, course = 1 } = {}) {
  await loginAs(beamer, 'profesor', 1);
  await beamer.waitForSelector('body[data-state=ready]');
  await beamer.click(`button[data-course="${course}"]`);
  await beamer.fill('#rondas', String(rounds));
  await beamer.click('#iniciar');
  await beamer.waitForSelector('body[data-state=projecting]');
  return (await beamer.textContent('#proy-numero')).trim();
}

export async function waitState(page, selector, timeout = 30000) {
  await page.waitForSelector(selector, { timeout }).catch(async (e) => {
    const text = await page.evaluate(() => `state=${document.body.dataset.state} problem=${document.body.dataset.problem} estado="${document.getElementById('estado')?.textContent}" problema="${document.getElementById('problema-texto')?.textContent}" rondas="${document.getElementById('rondas')?.textContent}" enClase=${!document.getElementById('en-clase')?.hidden}`);
    throw new Error(`${selector} not reached: ${text} (${e.message.split('\n')[0]})`);
  });
}

export function waitLegacyPresent(studentId, sessionId) {
  const q = `SELECT count(*) FROM alumno_asistencia WHERE alumno_id = ${studentId} AND session_id = '${sessionId}' AND presente AND metodo = 'criptografico'`;
  for (let i = 0; i < 120; i++) {
    if (sql(q, 'hawaii') === '1') return true;
    execFileSync('sleep', ['0.5']);
  }
  return false;
}

