// A class in real Chromium through the phone's camera path: the professor's tab projects
// the session; the student's tab (an enrolled phone with a CDP virtual authenticator) gets
// a real MediaStream whose frames are the projector's canvas (camera.mjs), decodes them
// with the page's own decoder (zxing-wasm in a Web Worker, or BarcodeDetector), opens its
// own QRs and answers every round; closing shows the student present, in the results and
// in the PHP stand-in's alumno_asistencia. Twice: with BarcodeDetector deleted (Safari and
// Firefox) and with one present. Prints the decode time per frame and the per-showing
// paint -> decoded -> answer chain, the page's weight and the axe results.
import { assert, assertEqual, env, launchBrowser, screenshot, sql } from './lib.mjs';
import { fakeCamera, printTimings, showingTimings } from './camera.mjs';
import { axeCheck, enrollPhone, joinByNumber, projectSession, startRounds, resetStudent, transferMeter, waitLegacyPresent, waitState } from './phone.mjs';

async function classThroughCamera({ browser, studentId, barcodeDetector, label }) {
  resetStudent(studentId);
  const phone = await browser.context.newPage();
  // The projector is another device: its own browser, its own app session cookie.
  const room = await launchBrowser({ camera: false });
  try {
    await classInRoom({ phone, beamer: await room.context.newPage(), studentId, barcodeDetector, label });
  } finally {
    await room.close();
  }
}

async function classInRoom({ phone, beamer, studentId, barcodeDetector, label }) {
  await fakeCamera(phone, beamer, { barcodeDetector });
  const meter = transferMeter(phone);
  await enrollPhone(phone, studentId);
  const sessionId = await projectSession(beamer, { rounds: 3 });
  const origin = env('SERVER_URL');
  await axeCheck(phone, 'ready, enrolled');

  await joinByNumber(phone, sessionId);
  await waitState(phone, 'body[data-state=in-class]');
  await startRounds(beamer);
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
  await meter.settle();
  const bytes = meter.total(origin);
  assert(meter.list(origin).some((l) => l.startsWith('/vendor/zxing/zxing_reader.wasm')), `the decoder is counted: ${meter.list(origin).join(', ')}`);
  console.log(`       [${label}] page weight, decoder included: ${(bytes / 1024).toFixed(1)} KB transferred (${meter.list(origin).join(', ')})`);
  assert(bytes < 500 * 1024, `the page with its decoder must stay under 500 KB transferred, got ${bytes}`);

  await beamer.click('#cerrar');
  await beamer.waitForSelector('body[data-state=results]');
  const summary = await beamer.textContent('#resumen');
  assert(summary.includes('Presentes: 1'), `the student is present: ${summary}`);
  // The results table lists students by name; each row carries its userId and status.
  const rows = await beamer.$$eval('#tabla-resultados tr', (trs) => trs.map((tr) => `${tr.dataset.user}:${tr.dataset.status}`));
  assert(rows.includes(`${studentId}:PRESENT`), `PRESENT in the results: ${rows.join(' | ')}`);
  assert(waitLegacyPresent(studentId, sessionId), 'present in the stand-in\'s alumno_asistencia');

  // The student's own history shows it; the enrolled phone is still listed.
  await phone.reload();
  await waitState(phone, `#historial-filas tr[data-session="${sessionId}"]`);
  const row = await phone.textContent(`#historial-filas tr[data-session="${sessionId}"]`);
  assert(row.includes('ICI-') && row.includes('Presente'), `the history row: ${row}`);
  assertEqual(await phone.isVisible('#dispositivo'), true, 'the enrolled phone is shown');
  await axeCheck(phone, 'history');
  await screenshot(phone, `clase-${label}-4-historial`);
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
