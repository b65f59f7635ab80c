// A student enrolls a phone in real Chromium (PROTOCOL.md section 5): legacy login on the
// PHP stand-in, the page's ceremony with a CDP virtual authenticator, the device in
// PostgreSQL and through node-integration.php, non-extractable keys that survive a reload,
// a TOTPu the server computes the same way, and the messages for a refused passkey and
// for a page opened without a session. Screenshots: build/e2e/.
import { addVirtualAuthenticator, assert, assertEqual, env, loginAs, protocolModule, screenshot, sql } from './lib.mjs';

const subtle = globalThis.crypto.subtle;

async function openAtRest(p, masterB64, sealed, credentialId) {
  const master = Buffer.from(masterB64, 'base64');
  const key = await p.importAesKey(await p.hkdfSha256(master, new Uint8Array(0), p.INFO_AT_REST, 32));
  const blob = p.base64urlDecode(sealed.slice(3));
  const pt = await subtle.decrypt({ name: 'AES-GCM', iv: blob.subarray(0, 12), additionalData: new TextEncoder().encode(credentialId) },
    key, blob.subarray(12));
  return new Uint8Array(pt);
}

function resetStudent(id) {
  sql(`DELETE FROM enrollment.enrollment_history WHERE user_id = ${id}`);
  sql(`DELETE FROM enrollment.devices WHERE user_id = ${id}`);
}

export default [
  {
    name: 'a student enrolls this phone and the server holds the same secret',
    async run({ browser }) {
      const student = 100031;
      resetStudent(student);
      const page = await browser.context.newPage();
      await addVirtualAuthenticator(page);
      await loginAs(page, 'alumno', student);
      await page.waitForSelector('body[data-state=ready]');
      assert(!page.url().includes('token='), 'the token must leave the address bar');
      await screenshot(page, 'alumno-1-inicio');

      await page.click('#enrolar');
      await page.waitForFunction(() => document.getElementById('estado').textContent.includes('¡Listo!'), null, { timeout: 20000 });
      await page.waitForSelector('body[data-enrolled=true]');
      await screenshot(page, 'alumno-2-enrolado');

      assertEqual(sql(`SELECT count(*) FROM enrollment.devices WHERE user_id = ${student} AND is_active`), '1', 'active devices');
      const [credentialId, sealed] = sql(`SELECT credential_id || ' ' || handshake_secret FROM enrollment.devices WHERE user_id = ${student} AND is_active`).split(' ');
      assert(sealed.startsWith('v1.'), 'the secret is sealed at rest');

      // The legacy side sees it through node-integration.php (the student's own cookie).
      await page.goto(`${env('PHP_BASE_URL')}/asistencia-criptografica/estado.php`);
      const status = JSON.parse(await page.textContent('#enrollment'));
      assertEqual(status.enrolled, true, 'enrollment status through PHP');
      await screenshot(page, 'alumno-3-estado-php');

      // Back on the page: the keys survive a reload and cannot be exported.
      await page.goto(`${env('SERVER_URL')}/alumno.html`);
      await page.waitForSelector('body[data-enrolled=true]');
      const t = 1_763_800_000_000;
      const fromPhone = await page.evaluate(async (time) => {
        const p = await import('/js/asistencia-protocol.js');
        const { loadDevice } = await import('/js/key-store.js');
        const d = await loadDevice();
        const refused = [];
        for (const k of [d.kTotpu, d.kQr]) {
          try { await crypto.subtle.exportKey('raw', k); } catch (e) { refused.push(e.name); }
        }
        return { code: await p.totp(d.kTotpu, time), refused, extractable: [d.kTotpu.extractable, d.kQr.extractable] };
      }, t);
      assertEqual(fromPhone.refused.length, 2, 'exportKey must reject both keys');
      assertEqual(JSON.stringify(fromPhone.extractable), '[false,false]', 'keys are non-extractable');
      assertEqual(await page.textContent('#dispositivo-local'), 'sí', 'the page finds its keys after a reload');

      // The server's copy gives the same TOTPu.
      const p = await protocolModule();
      const secret = await openAtRest(p, env('SERVER_MASTER_KEY'), sealed, credentialId);
      const raw = await p.deriveDeviceKeyBytes(secret);
      const fromServer = await p.totp(await p.importHmacKey(raw.kTotpu), t);
      assertEqual(fromServer, fromPhone.code, 'TOTPu from the phone and from the server');
    },
  },
  {
    name: 'a refused passkey says so and the student can retry at once',
    async run({ browser }) {
      const student = 100032;
      resetStudent(student);
      const page = await browser.context.newPage();
      const authenticator = await addVirtualAuthenticator(page, { userVerified: false });
      await loginAs(page, 'alumno', student);
      await page.waitForSelector('body[data-state=ready]');
      await page.click('#enrolar');
      await page.waitForSelector('body[data-state=error]', { timeout: 20000 });
      const text = await page.textContent('#estado');
      assert(/llave|Cancelaste/.test(text), `a clear message, got: ${text}`);
      await screenshot(page, 'alumno-4-rechazado');
      assertEqual(sql(`SELECT count(*) FROM enrollment.devices WHERE user_id = ${student}`), '0', 'nothing stored');

      await authenticator.setUserVerified(true);
      await page.click('#enrolar');
      await page.waitForFunction(() => document.getElementById('estado').textContent.includes('¡Listo!'), null, { timeout: 20000 });
      assertEqual(sql(`SELECT count(*) FROM enrollment.devices WHERE user_id = ${student} AND is_active`), '1', 'enrolled on retry');
    },
  },
  {
    name: 'without a session the page sends the student to the portal',
    async run({ browser }) {
      const page = await browser.context.newPage();
      await page.goto(`${env('SERVER_URL')}/alumno.html`);
      await page.waitForSelector('body[data-state=no-session]');
      assert((await page.textContent('#sin-sesion')).includes('portal'), 'message names the portal');
      await screenshot(page, 'alumno-5-sin-sesion');
    },
  },
];
