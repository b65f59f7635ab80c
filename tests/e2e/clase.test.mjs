// A class in real Chromium: the professor's tab projects the session; the student's tab
// (an enrolled phone with a CDP virtual authenticator) joins with the passkey and reads the
// projected QR codes as a camera would (a screenshot of the professor's canvas decoded by
// zbarimg), opens its own and answers every round; closing shows the student present.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addVirtualAuthenticator, assert, assertEqual, launchBrowser, loginAs, screenshot, sql } from './lib.mjs';

function resetStudent(id) {
  sql(`DELETE FROM enrollment.enrollment_history WHERE user_id = ${id}`);
  sql(`DELETE FROM enrollment.devices WHERE user_id = ${id}`);
}

// What a camera pointed at the canvas reads ('' when zbar finds no code).
async function cameraRead(page, dir) {
  const file = join(dir, 'frame.png');
  await page.locator('#qr').screenshot({ path: file });
  try {
    return execFileSync('zbarimg', ['--raw', '-q', file]).toString().trim();
  } catch {
    return '';
  }
}

export default [
  {
    name: 'a student joins from the phone and answers the projected rounds',
    async run({ browser }) {
      const studentId = 100033;
      resetStudent(studentId);
      const phone = await browser.context.newPage();
      await addVirtualAuthenticator(phone);
      await loginAs(phone, 'alumno', studentId);
      await phone.waitForSelector('body[data-state=ready]');
      await phone.click('#enrolar');
      await phone.waitForSelector('body[data-enrolled=true]');

      // The projector is the professor's laptop, another browser: each browser holds one
      // signed-in user (the app session cookie), as phones and laptops do.
      const laptop = await launchBrowser();
      try {
        const beamer = await laptop.context.newPage();
        await loginAs(beamer, 'profesor', 1);
        await beamer.waitForSelector('body[data-state=ready]');
        await beamer.click('button[data-course="1"]');
        await beamer.fill('#rondas', '2');
        await beamer.click('#iniciar');
        await beamer.waitForSelector('body[data-state=projecting]');
        const sessionId = (await beamer.textContent('#proy-numero')).trim();

        await phone.fill('#sesion', sessionId);
        await phone.click('#unirse');
        await phone.waitForSelector('body[data-state=in-class]', { timeout: 20000 }).catch(async (e) => {
          throw new Error(`not in class: ${await phone.textContent('#estado')} (${e.message.split('\n')[0]})`);
        });
        assertEqual(sql(`SELECT count(*) FROM attendance.registrations WHERE session_id = ${sessionId}`), '1', 'registered');
        await screenshot(phone, 'clase-1-alumno-en-clase');

        await beamer.click('#comenzar'); // the join code is shown first, rounds paused
        const dir = mkdtempSync(join(tmpdir(), 'asistencia-camera-'));
        try {
          const deadline = Date.now() + 60000;
          let reads = 0;
          while (Date.now() < deadline && (await phone.evaluate(() => document.body.dataset.round)) !== 'done') {
            const text = await cameraRead(beamer, dir);
            if (text) {
              reads++;
              await phone.evaluate((t) => window.asistenciaLeerQr(t), text);
            }
            await new Promise((r) => setTimeout(r, 150));
          }
          assertEqual(await phone.evaluate(() => document.body.dataset.round), 'done', `rounds done after ${reads} reads`);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
        await screenshot(phone, 'clase-2-alumno-listo');
        assertEqual(sql(`SELECT count(*) FROM attendance.validations v JOIN attendance.registrations r USING (registration_id) WHERE r.session_id = ${sessionId} AND validation_status = 'success'`),
          '2', 'two successful rounds');

        await beamer.click('#cerrar');
        await beamer.waitForSelector('body[data-state=results]');
        const summary = await beamer.textContent('#resumen');
        assert(summary.includes('Presentes: 1'), `the student is present: ${summary}`);
        await screenshot(beamer, 'clase-3-resultados');
      } finally {
        await laptop.close();
      }
    },
  },
];
