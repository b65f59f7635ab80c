// The phone's class screen when something is in the way, each provoked for real: the
// camera permission denied through the browser's permission API (CDP Browser.resetPermissions)
// and granted again, a phone without a camera, a student outside the course, a number with
// no session and a closed session, a revoked device (opening the projector's join link), a
// phone that is not enrolled and one whose account is enrolled on another phone, and the
// network lost mid-class (CDP Network.emulateNetworkConditions) with the answers retried
// until it is back. Also the join QR scanned from the projector's stream. axe-core on every
// state; screenshots in build/e2e/.
import { execFileSync } from 'node:child_process';
import { assert, assertEqual, env, launchBrowser, loginAs, addVirtualAuthenticator, screenshot, sql } from './lib.mjs';
import { fakeCamera, relayProjector, setConditions } from './camera.mjs';
import { axeCheck, enrollPhone, joinByNumber, projectSession, startRounds, resetStudent, waitState } from './phone.mjs';

async function problem(page, kind, state, name) {
  await waitState(page, `body[data-problem=${kind}]`);
  const text = await page.textContent('#problema');
  await screenshot(page, `clase-problema-${name}`);
  await axeCheck(page, state);
  return text;
}

// The camera permission through the browser's permission API (CDP Browser.resetPermissions
// and Browser.grantPermissions): without a grant, headless Chromium denies the camera.
async function setCamera(page, setting) {
  if (setting === 'granted') await page.context().grantPermissions(['camera'], { origin: env('SERVER_URL') });
  else await page.context().clearPermissions();
}

// The projector is another device: its own browser, so its own app session cookie; closed
// with the phone's browser.
async function roomFor(browser) {
  const room = await launchBrowser({ camera: false });
  browser.context.once('close', () => { room.close().catch(() => {}); });
  return room;
}

// A QR of `text` painted by the projector's own paintQr on a canvas#qr of a plain page of
// the server (a poster the camera relay picks up).
async function poster(context, text, phones) {
  const page = await context.newPage();
  await relayProjector(page, phones);
  await page.goto(`${env('SERVER_URL')}/index.html`);
  const rows = execFileSync('qrencode', ['-8', '-lM', '-m0', '-t', 'ASCII', text]).toString().split('\n').filter(Boolean);
  await page.evaluate(async (lines) => {
    const width = lines.length;
    const rowBytes = (width + 7) >> 3;
    const bytes = new Uint8Array(rowBytes * width);
    lines.forEach((row, y) => { for (let x = 0; x < width; x++) if (row[2 * x] === '#') bytes[y * rowBytes + (x >> 3)] |= 0x80 >> (x & 7); });
    const canvas = Object.assign(document.createElement('canvas'), { id: 'qr', width: 720, height: 720 });
    document.body.append(canvas);
    const { paintQr } = await import('/js/projection.js');
    paintQr(canvas, { width, modules: btoa(String.fromCharCode(...bytes)) });
    document.body.dataset.frames = '1';
  }, rows);
  return page;
}

export default [
  {
    name: 'camera permission denied says how to grant it, and the retry works once granted',
    async run({ browser }) {
      const studentId = 100036;
      resetStudent(studentId);
      const phone = await browser.context.newPage();
      await fakeCamera(phone, null);
      await enrollPhone(phone, studentId);
      await setCamera(phone, 'denied');
      await phone.click('#escanear-union');
      const text = await problem(phone, 'camera-denied', 'camera denied', 'sin-permiso-camara');
      assert(text.includes('no tiene permiso para usar la cámara'), `the reason: ${text}`);
      for (const browserName of ['Chrome', 'Safari', 'Firefox']) assert(text.includes(`En ${browserName}`), `how to grant it in ${browserName}: ${text}`);
      assertEqual(await phone.isVisible('#reintentar'), true, 'a retry button');
      assertEqual(await phone.isVisible('#sesion'), true, 'typing the number stays possible');
      await setCamera(phone, 'granted');
      await phone.click('#reintentar');
      await waitState(phone, 'body[data-state=scanning-join]');
      assertEqual(await phone.isVisible('#problema'), false, 'the message is gone');
      await axeCheck(phone, 'scanning the join code');
      await screenshot(phone, 'clase-escaneando-union');
      assertEqual(await phone.evaluate(() => document.getElementById('camara').srcObject?.getVideoTracks().length), 1, 'the camera runs');
    },
  },
  {
    name: 'a phone without a camera says so',
    async run() {
      const bare = await launchBrowser({ camera: false });
      try {
        const studentId = 100039;
        resetStudent(studentId);
        const phone = await bare.context.newPage();
        const beamer = await (await roomFor(bare)).context.newPage();
        await enrollPhone(phone, studentId);
        const sessionId = await projectSession(beamer, { rounds: 1 });
        await joinByNumber(phone, sessionId);
        const text = await problem(phone, 'no-camera', 'no camera', 'sin-camara');
        assert(text.includes('No encontramos una cámara'), `the reason: ${text}`);
      } finally {
        await bare.close();
      }
    },
  },
  {
    name: 'a student outside the course, a wrong number and a closed session get their messages',
    async run({ browser }) {
      const outsider = 100045; // in courses 2 and 3, not in course 1
      resetStudent(outsider);
      const phone = await browser.context.newPage();
      const room = await roomFor(browser);
      const beamer = await room.context.newPage();
      await fakeCamera(phone, beamer);
      await enrollPhone(phone, outsider);
      const sessionId = await projectSession(beamer, { rounds: 1 });
      await joinByNumber(phone, sessionId);
      let text = await problem(phone, 'not-in-course', 'not in course', 'fuera-del-curso');
      assert(text.includes('No estás inscrito en el curso'), `the reason: ${text}`);
      assertEqual(sql(`SELECT count(*) FROM attendance.registrations WHERE session_id = ${sessionId}`), '0', 'nothing registered');

      await joinByNumber(phone, '987654321');
      text = await problem(phone, 'session-not-found', 'no such session', 'sesion-inexistente');
      assert(text.includes('No hay una sesión abierta con ese número'), `the reason: ${text}`);

      await beamer.click('#cerrar');
      await beamer.waitForSelector('body[data-state=results]');
      resetStudent(100040);
      const member = await browser.context.newPage();
      await enrollPhone(member, 100040);
      await joinByNumber(member, sessionId);
      text = await problem(member, 'session-closed', 'session closed', 'sesion-cerrada');
      assert(text.includes('Esta sesión ya terminó'), `the reason: ${text}`);
    },
  },
  {
    name: 'a revoked phone, a phone never enrolled and an account enrolled on another phone are told so from the join link',
    async run({ browser }) {
      const beamer = await (await roomFor(browser)).context.newPage();
      const sessionId = await projectSession(beamer, { rounds: 1 });
      const joinLink = `${env('SERVER_URL')}/alumno.html#join=${sessionId}`;

      // Never enrolled: the link to enroll.
      const fresh = 100037;
      resetStudent(fresh);
      const phone = await browser.context.newPage();
      await addVirtualAuthenticator(phone);
      await loginAs(phone, 'alumno', fresh);
      await phone.waitForSelector('body[data-state=ready]');
      await phone.goto(joinLink);
      let text = await problem(phone, 'not-enrolled', 'not enrolled', 'no-enrolado');
      assert(text.includes('Este teléfono no está enrolado'), `the reason: ${text}`);
      assertEqual(await phone.getAttribute('#problema-enlace', 'href'), '#explicacion', 'a link to enroll');

      // Enrolled here, then revoked: the same link says revoked.
      await phone.click('#enrolar');
      await phone.waitForSelector('body[data-enrolled=true]', { timeout: 20000 });
      sql(`UPDATE enrollment.devices SET is_active = false WHERE user_id = ${fresh}`);
      await phone.goto(joinLink);
      text = await problem(phone, 'revoked', 'revoked', 'revocado');
      assert(text.includes('fue desenrolado de tu cuenta (revocado)'), `the reason: ${text}`);
      assertEqual(sql(`SELECT count(*) FROM attendance.registrations WHERE session_id = ${sessionId}`), '0', 'nothing registered');

      // Enrolled on another phone (another browser profile): this one has no keys.
      const owner = 100029;
      resetStudent(owner);
      const mine = await browser.context.newPage();
      await enrollPhone(mine, owner);
      const other = await launchBrowser();
      try {
        const second = await other.context.newPage();
        await addVirtualAuthenticator(second);
        await loginAs(second, 'alumno', owner);
        await second.waitForSelector('body[data-state=ready]');
        await second.goto(joinLink);
        text = await problem(second, 'other-phone', 'enrolled on another phone', 'otro-telefono');
        assert(text.includes('enrolada en otro teléfono'), `the reason: ${text}`);
      } finally {
        await other.close();
      }
    },
  },
  {
    name: 'the join QR scanned from the projector stream joins, and a lost network is retried until it is back',
    async run({ browser }) {
      const studentId = 100038;
      resetStudent(studentId);
      const phone = await browser.context.newPage();
      const room = await roomFor(browser);
      const beamer = await room.context.newPage();
      await fakeCamera(phone, beamer);
      await enrollPhone(phone, studentId);
      const sessionId = await projectSession(beamer, { rounds: 5 });
      // The projector's own join code when it has one (it opens on it), else the join link
      // painted by the projector's paintQr on a page of the server.
      const projectorShowsJoin = Boolean(await beamer.$('body[data-mode=join]'));
      const joinQr = projectorShowsJoin ? null : await poster(room.context, `${env('SERVER_URL')}/alumno.html#join=${sessionId}`, [phone]);
      await phone.bringToFront();
      await phone.click('#escanear-union');
      await waitState(phone, 'body[data-state=in-class]');
      await joinQr?.close();
      await startRounds(beamer);
      assertEqual(sql(`SELECT count(*) FROM attendance.registrations WHERE session_id = ${sessionId}`), '1', 'joined by scanning');

      // Offline while rounds are left: the page says so and keeps retrying.
      const cdp = await setConditions(phone, { offline: true });
      await axeCheck(phone, 'in class after scanning');
      await waitState(phone, 'body[data-network]');
      const note = await phone.textContent('#red');
      assert(/sin conexión/i.test(note), `the offline note: ${note}`);
      await screenshot(phone, 'clase-problema-sin-conexion');
      await axeCheck(phone, 'offline');
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await waitState(phone, 'body[data-state=done]', 60000);
      assertEqual(await phone.evaluate(() => document.body.dataset.network ?? null), null, 'the note is gone');
    },
  },
];
