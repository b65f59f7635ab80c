// A class in real Chromium through the phone's camera path: the professor's tab projects
// the session; the student's tab (an enrolled phone with a CDP virtual authenticator) gets
// a real MediaStream whose frames are the projector's canvas (camera.mjs), decodes them
// with the page's own decoder (zxing-wasm in a Web Worker, or BarcodeDetector), opens its
// own QRs and answers every round; closing shows the student present, in the results and
// in the PHP stand-in's alumno_asistencia. Twice: with BarcodeDetector deleted (Safari and
// Firefox) and with one present. Prints the decode time per frame and the per-showing
// paint -> decoded -> answer chain, the page's weight and the axe results.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addVirtualAuthenticator, assert, assertEqual, env, loginAs, repoRoot, screenshot, sql } from './lib.mjs';
import { fakeCamera, printTimings, showingTimings } from './camera.mjs';

export function resetStudent(id) {
  sql(`DELETE FROM enrollment.enrollment_history WHERE user_id = ${id}`);
  sql(`DELETE FROM enrollment.devices WHERE user_id = ${id}`);
}

// Bytes on the wire for everything the page loads (CDP encodedDataLength), from now on.
export async function transferMeter(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const byUrl = new Map();
  const urls = new Map();
  cdp.on('Network.responseReceived', (e) => urls.set(e.requestId, e.response.url));
  cdp.on('Network.loadingFinished', (e) => {
    const url = urls.get(e.requestId) || e.requestId;
    byUrl.set(url, (byUrl.get(url) || 0) + e.encodedDataLength);
  });
  return {
    total: (origin) => [...byUrl.entries()].filter(([u]) => u.startsWith(origin)).reduce((s, [, n]) => s + n, 0),
    list: (origin) => [...byUrl.entries()].filter(([u]) => u.startsWith(origin)).map(([u, n]) => `${u.slice(origin.length)} ${n}`),
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

export async function enrollPhone(page, studentId) {
  await addVirtualAuthenticator(page);
  await loginAs(page, 'alumno', studentId);
  await page.waitForSelector('body[data-state=ready]');
  await page.click('#enrolar');
  await page.waitForSelector('body[data-enrolled=true]', { timeout: 20000 });
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
    const text = await page.evaluate(() => `state=${document.body.dataset.state} problem=${document.body.dataset.problem} estado="${document.getElementById('estado')?.textContent}" problema="${document.getElementById('problema-texto')?.textContent}" rondas="${document.getElementById('rondas')?.textContent}"`);
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

async function classThroughCamera({ browser, studentId, barcodeDetector, label }) {
  resetStudent(studentId);
  const phone = await browser.context.newPage();
  const beamer = await browser.context.newPage();
  await fakeCamera(phone, beamer, { barcodeDetector });
  const meter = await transferMeter(phone);
  await enrollPhone(phone, studentId);
  const sessionId = await projectSession(beamer, { rounds: 3 });
  const origin = env('SERVER_URL');

  await phone.fill('#sesion', sessionId);
  await phone.click('#unirse');
  await waitState(phone, 'body[data-state=in-class]');
  assertEqual(sql(`SELECT count(*) FROM attendance.registrations WHERE session_id = ${sessionId}`), '1', 'registered');
  assert(!(await phone.evaluate(() => 'asistenciaLeerQr' in window)), 'no test hook on the page');
  await screenshot(phone, `clase-${label}-1-en-clase`);
  await axeCheck(phone, 'in class');

  await waitState(phone, 'body[data-state=done]', 60000);
  assert((await phone.textContent('#listo-hora')).includes('Registrada a las'), 'the success state shows the time');
  assertEqual((await phone.textContent('#rondas')).trim(), 'Rondas hechas: 3 de 3', 'rounds done');
  await screenshot(phone, `clase-${label}-2-listo`);
  await axeCheck(phone, 'done');
  assertEqual(sql(`SELECT count(*) FROM attendance.validations v JOIN attendance.registrations r USING (registration_id) WHERE r.session_id = ${sessionId} AND validation_status = 'success'`),
    '3', 'three successful rounds');

  const timings = await showingTimings(phone);
  assert(timings.answers.length >= 3 && timings.answers.every((a) => a.decoder), `every answer came through the camera decoder: ${JSON.stringify(timings.answers)}`);
  printTimings(label, timings);
  const bytes = meter.total(origin);
  console.log(`       [${label}] page weight, decoder included: ${(bytes / 1024).toFixed(1)} KB transferred (${meter.list(origin).join(', ')})`);
  assert(bytes < 500 * 1024, `the page with its decoder must stay under 500 KB transferred, got ${bytes}`);

  await beamer.click('#cerrar');
  await beamer.waitForSelector('body[data-state=results]');
  const summary = await beamer.textContent('#resumen');
  assert(summary.includes('Presentes: 1'), `the student is present: ${summary}`);
  const rows = await beamer.$$eval('#tabla-resultados tr', (trs) => trs.map((tr) => tr.textContent));
  assert(rows.some((r) => r.includes(String(studentId)) && r.includes('Presente')), `PRESENT in the results: ${rows.join(' | ')}`);
  assert(waitLegacyPresent(studentId, sessionId), 'present in the stand-in\'s alumno_asistencia');
  await screenshot(beamer, `clase-${label}-3-resultados`);
}

export default [
  {
    name: 'without BarcodeDetector (Safari, Firefox) a student answers every round through the camera and is present',
    run: ({ browser }) => classThroughCamera({ browser, studentId: 100033, barcodeDetector: 'delete', label: 'sin-barcodedetector' }),
  },
  {
    name: 'with a BarcodeDetector present a student answers every round through the camera and is present',
    run: ({ browser }) => classThroughCamera({ browser, studentId: 100034, barcodeDetector: 'jsqr', label: 'con-barcodedetector' }),
  },
];
