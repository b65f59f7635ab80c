// A student who opened the page well before class: the legacy user token it came with has
// expired by the time the session starts, yet the page joins and answers, because it
// exchanged the token for the app session cookie at load (POST /api/session). The token's
// 5 minutes are shortened to a few seconds here (a token signed as the PHP module signs
// them); the server refusing that very token afterwards proves it had expired.
import { createHmac } from 'node:crypto';
import { assert, assertEqual, env, launchBrowser, screenshot } from './lib.mjs';
import { fakeCamera } from './camera.mjs';
import { enrollPhone, joinByNumber, projectSession, resetStudent, startRounds, waitState } from './phone.mjs';

// A user token as login.php issues it (PROTOCOL section 3), expiring in `ttlSeconds`.
function legacyToken({ userId, nombre, username }, ttlSeconds) {
  const now = Math.floor(Date.now() / 1000);
  const part = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const head = part({ alg: 'HS256', typ: 'JWT' });
  const body = part({ sub: String(userId), userId, username, nombre, rol: 'alumno', iss: 'php-legacy-system', iat: now, exp: now + ttlSeconds });
  const sig = createHmac('sha256', env('JWT_SECRET')).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export default [
  {
    name: 'a page opened before class, its legacy token expired since, still joins and answers',
    async run({ browser }) {
      const studentId = 100035;
      resetStudent(studentId);
      const phone = await browser.context.newPage();
      const room = await launchBrowser({ camera: false });
      try {
      const beamer = await room.context.newPage();
      await fakeCamera(phone, beamer);
      await enrollPhone(phone, studentId);
      await browser.context.clearCookies(); // from here on only what the early page got

      const ttl = 6;
      const token = legacyToken({ userId: studentId, nombre: 'Estudiante temprano', username: `${studentId}@alumnos.example` }, ttl);
      await phone.goto(`${env('SERVER_URL')}/alumno.html#token=${token}`);
      await waitState(phone, 'body[data-state=ready]');
      await sleep((ttl + 2) * 1000); // the class starts after the token's life (30 s leeway aside)
      const direct = await phone.evaluate(async (t) => (await fetch('/api/me', { headers: { Authorization: `Bearer ${t}` }, credentials: 'omit' })).status, token);
      // The server's leeway is at most 30 s (PROTOCOL section 3): past it the token is refused.
      if (direct === 200) await sleep(31000);
      assertEqual(await phone.evaluate(async (t) => (await fetch('/api/me', { headers: { Authorization: `Bearer ${t}` }, credentials: 'omit' })).status, token),
        401, 'the legacy token itself has expired');

      const sessionId = await projectSession(beamer, { rounds: 2 });
      await joinByNumber(phone, sessionId);
      await waitState(phone, 'body[data-state=in-class]');
      await startRounds(beamer);
      await waitState(phone, 'body[data-state=done]', 60000);
      await screenshot(phone, 'clase-tarde-listo');
      await beamer.click('#cerrar');
      await beamer.waitForSelector('body[data-state=results]');
      const summary = await beamer.textContent('#resumen');
      assert(summary.includes('Presentes: 1'), `the early student is present: ${summary}`);
      } finally {
        await room.close();
      }
    },
  },
];
