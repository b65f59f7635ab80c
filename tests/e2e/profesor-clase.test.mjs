// The professor's class, start to finish in the browser (issue 11): the legacy login,
// the join code, the live roster, a
// student whose device is flagged (DOUBTFUL, for real: the passkey's counter goes
// backwards at the join), a server crash and restart mid-class that the projector rides out
// by itself, the close, the review with names, an override with a reason, the headcount,
// the CSV; another professor is refused; fullscreen and high contrast; axe-core on every
// state and the weight of JS+CSS of each page.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addVirtualAuthenticator, assert, assertEqual, axeViolations, env, launchBrowser, loginAs, mintUserToken, repoRoot, screenshot, sql,
  trackWeight,
} from './lib.mjs';
import { fakeCamera } from './camera.mjs';

const STUDENT = 100045; // on ICI-2241's list (course 2 of professor 1), used by no other test
const COURSE = 2;
const WEIGHT_LIMIT = 100 * 1024;

async function noSeriousViolations(page, state) {
  const found = await axeViolations(page);
  console.log(`       axe ${state}: ${found.length} serious/critical`);
  assert(found.length === 0, `axe on ${state}:\n${found.join('\n')}`);
}

// What a camera pointed at the projector's canvas reads ('' when zbar finds no code).
async function cameraRead(page, dir) {
  const file = join(dir, 'frame.png');
  await page.locator('#qr').screenshot({ path: file });
  try {
    return execFileSync('zbarimg', ['--raw', '-q', file]).toString().trim();
  } catch {
    return '';
  }
}

// Share of dark pixels on the canvas (0: blank).
const darkShare = (page) => page.$eval('#qr', (c) => {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] < 128) n++;
  return n / (d.length / 4);
});

// The phone reads the projected codes through its camera (camera.mjs's MediaStream fed from
// the projector's canvas) and answers by itself; wait until `until()` holds.
async function answerRounds(phone, until, what) {
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline && !(await until())) await new Promise((r) => setTimeout(r, 150));
  assert(await until(), `${what}: phone at round ${await phone.evaluate(() => document.body.dataset.round)}`);
}

const frames = (page) => page.evaluate(() => Number(document.body.dataset.frames || 0));

export default [
  {
    name: 'a class: join code, roster, full screen, server crash and restart mid-class, review, override, headcount, CSV, another professor refused',
    async run({ server, browser }) {
      const dir = mkdtempSync(join(tmpdir(), 'asistencia-profclase-'));
      let laptop = null;
      try {
        // The student's phone: enrolled now; then the stored counter is moved ahead of the
        // authenticator's, so the next join sees it go backwards and flags the device.
        sql(`DELETE FROM enrollment.enrollment_history WHERE user_id = ${STUDENT}`);
        sql(`DELETE FROM enrollment.devices WHERE user_id = ${STUDENT}`);
        // The projector is the professor's laptop: another browser (each browser holds one
        // signed-in user, the app session cookie). The phone's camera films its canvas.
        laptop = await launchBrowser({ camera: false });
        const beamer = await laptop.context.newPage();
        const phone = await browser.context.newPage();
        await fakeCamera(phone, beamer);
        await addVirtualAuthenticator(phone);
        await loginAs(phone, 'alumno', STUDENT);
        await phone.waitForSelector('body[data-state=ready]');
        await phone.click('#enrolar');
        await phone.waitForSelector('body[data-enrolled=true]');
        sql(`UPDATE enrollment.devices SET sign_count = 100000 WHERE user_id = ${STUDENT} AND is_active`);

        // The projector, after the legacy login of the stand-in.
        await beamer.setViewportSize({ width: 1280, height: 800 });
        const weight = trackWeight(beamer);
        await loginAs(beamer, 'profesor', 1);
        await beamer.waitForSelector('body[data-state=ready]');
        await screenshot(beamer, 'prof-1-cursos');
        await noSeriousViolations(beamer, 'courses');
        await beamer.click(`button[data-course="${COURSE}"]`);
        await beamer.fill('#sala', 'Auditorio E2E');
        await beamer.fill('#rondas', '2');
        await beamer.click('#iniciar');
        await beamer.waitForSelector('body[data-state=projecting][data-connection=open]');
        const sessionId = (await beamer.textContent('#proy-numero')).trim();

        // The join code: the session's link, read by a camera as the phone would.
        const joinText = await cameraRead(beamer, dir);
        assertEqual(joinText, `${server.url}/alumno.html#join=${sessionId}`, 'the projected join code');
        const crisp = await beamer.$eval('#qr', (c) => ({ w: c.width, css: c.getBoundingClientRect().width * devicePixelRatio }));
        assert(Math.abs(crisp.w - Math.floor(crisp.css)) <= 1, `canvas backing store matches its size: ${JSON.stringify(crisp)}`);
        await screenshot(beamer, 'prof-2-codigo-union');
        await noSeriousViolations(beamer, 'join code');

        await phone.fill('#sesion', sessionId);
        await phone.click('#unirse');
        await phone.waitForSelector('body[data-state=in-class]', { timeout: 20000 });
        await beamer.waitForFunction(() => document.getElementById('registrados').textContent === '1', null, { timeout: 15000 });

        // The roster panel (L), off the projected area.
        await beamer.keyboard.press('l');
        await beamer.waitForSelector(`#tabla-lista tr[data-user="${STUDENT}"][data-state=JOINED]`, { timeout: 15000 });
        const rosterRows = await beamer.$$eval('#tabla-lista tr', (trs) => trs.length);
        assertEqual(rosterRows, 35, 'the whole course list in the roster');
        await screenshot(beamer, 'prof-3-lista-en-clase');
        await noSeriousViolations(beamer, 'roster');
        await beamer.keyboard.press('l');

        await beamer.click('#comenzar');
        await beamer.waitForFunction(() => Number(document.body.dataset.frames || 0) >= 3, null, { timeout: 15000 });
        await screenshot(beamer, 'prof-4-proyeccion');
        await noSeriousViolations(beamer, 'projecting');
        await answerRounds(phone, async () => ['2', 'done'].includes(await phone.evaluate(() => document.body.dataset.round)), 'round 1');

        // Full screen (F) and high contrast (C).
        await beamer.keyboard.press('f');
        await beamer.waitForFunction(() => document.fullscreenElement?.id === 'escenario');
        await beamer.keyboard.press('c');
        await beamer.waitForFunction((n) => Number(document.body.dataset.frames) > n, await frames(beamer));
        const fsRead = await cameraRead(beamer, dir);
        assert(fsRead.startsWith('ASIS1.'), `a code read in full screen + high contrast: ${fsRead}`);
        await screenshot(beamer, 'prof-5-pantalla-completa-alto-contraste');
        await noSeriousViolations(beamer, 'full screen, high contrast');
        await beamer.keyboard.press('c');
        await beamer.keyboard.press('f');
        await beamer.waitForFunction(() => !document.fullscreenElement);

        // The server crashes mid-class and comes back: the projector shows "reconectando…"
        // with the code blanked, then resumes by itself.
        const before = await frames(beamer);
        const killedAt = Date.now();
        const restart = server.restart('SIGKILL');
        await beamer.waitForSelector('body[data-connection=reconnecting]', { timeout: 10000 });
        assertEqual(await darkShare(beamer), 0, 'the code is blanked while disconnected');
        assert(await beamer.isVisible('#reconectando'), 'the reconnecting state is shown');
        await screenshot(beamer, 'prof-6-reconectando');
        await restart;
        const upAt = Date.now();
        await beamer.waitForSelector('body[data-connection=open]', { timeout: 30000 });
        await beamer.waitForFunction((n) => Number(document.body.dataset.frames) >= n + 3, before, { timeout: 20000 });
        console.log(`       server restart: ${((upAt - killedAt) / 1000).toFixed(1)} s down, frames again ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`);
        await answerRounds(phone, async () => (await phone.evaluate(() => document.body.dataset.round)) === 'done', 'round 2');

        // Close and review.
        await beamer.click('#cerrar');
        await beamer.waitForSelector('body[data-state=results]', { timeout: 20000 });
        const first = await beamer.$eval('#tabla-resultados tr', (tr) => ({ user: tr.dataset.user, status: tr.dataset.status, name: tr.querySelector('th').textContent }));
        assertEqual(first.status, 'DOUBTFUL', 'the flagged student is doubtful and listed first');
        assertEqual(first.user, String(STUDENT), 'the doubtful row is the student');
        assert(!/^\d+$/.test(first.name) && first.name.length > 5, `a name, not a number: ${first.name}`);
        assertEqual(await beamer.$$eval('#tabla-resultados tr', (t) => t.length), 35, 'one row per student of the list');
        await screenshot(beamer, 'prof-7-resultados');
        await noSeriousViolations(beamer, 'results');

        // Sorting by name puts the table in alphabetical order, keyboard only.
        await beamer.focus('#tabla-res button[data-sort=name]');
        await beamer.keyboard.press('Enter');
        const names = await beamer.$$eval('#tabla-resultados tr th', (ths) => ths.map((t) => t.textContent));
        const sorted = [...names].sort(new Intl.Collator('es-CL', { sensitivity: 'base' }).compare);
        assertEqual(JSON.stringify(names), JSON.stringify(sorted), 'sorted by name');

        // The detail and an override with a reason, from the keyboard.
        await beamer.focus(`#tabla-resultados button[data-user="${STUDENT}"]`);
        await beamer.keyboard.press('Enter');
        await beamer.waitForSelector('#detalle[open]');
        const rounds = await beamer.$$eval('#det-rondas tr', (trs) => trs.map((t) => t.textContent));
        assertEqual(rounds.length, 2, 'two rounds in the detail');
        assert(rounds.every((t) => t.includes('Correcta') && t.includes('ms')), `both rounds answered with RT: ${rounds.join(' | ')}`);
        await beamer.screenshot({ path: join(repoRoot, 'build', 'e2e', 'prof-8-detalle.png') }); // the modal as seen
        await noSeriousViolations(beamer, 'detail');
        await beamer.selectOption('#aj-estado', 'PRESENT');
        await beamer.selectOption('#aj-motivo', 'technical_failure');
        await beamer.fill('#aj-texto', 'El teléfono se reinició durante la clase');
        await beamer.click('#aj-guardar');
        await beamer.waitForFunction(() => document.querySelectorAll('#det-historial li').length === 1 &&
          document.querySelector('#det-historial li').textContent.includes('Falla técnica'));
        await beamer.screenshot({ path: join(repoRoot, 'build', 'e2e', 'prof-9-ajuste.png') });
        assertEqual(sql(`SELECT to_status || ':' || reason_code FROM attendance.result_overrides WHERE session_id = ${sessionId} AND user_id = ${STUDENT}`),
          'PRESENT:technical_failure', 'the override stored');
        await beamer.keyboard.press('Escape');
        await beamer.waitForSelector('#detalle:not([open])', { state: 'attached' });
        assertEqual(await beamer.$eval(`#tabla-resultados tr[data-user="${STUDENT}"]`, (tr) => tr.dataset.status), 'PRESENT', 'now present');

        // Headcount: fewer people counted than present raises the alert.
        await beamer.fill('#conteo-sala', '0');
        await beamer.click('#form-conteo button[type=submit]');
        await beamer.waitForSelector('#alerta-conteo:not([hidden])');
        await screenshot(beamer, 'prof-10-conteo');
        await noSeriousViolations(beamer, 'headcount alert');

        // The CSV: one row per student of the list, by name, the override in it.
        const [download] = await Promise.all([beamer.waitForEvent('download'), beamer.click('#descargar')]);
        const csv = readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '');
        const lines = csv.split('\r\n');
        const rows = lines.slice(1, lines.indexOf(''));
        assertEqual(rows.length, 35, 'CSV rows');
        const mine = rows.find((r) => r.startsWith(`${STUDENT};`));
        assert(mine && mine.includes(first.name) && mine.includes('PRESENTE') && mine.includes('technical_failure'), `the student's row: ${mine}`);
        for (const n of names) assert(csv.includes(n), `the CSV names ${n}`);
        assert(lines.includes('conteo_sala;0') && lines.some((l) => l.startsWith('alerta;')), 'headcount and alert in the CSV');

        console.log(`       profesor.html: ${weight.total()} bytes of JS+CSS (${weight.files().join(', ')})`);
        assert(weight.total() < WEIGHT_LIMIT, `profesor.html weighs ${weight.total()} bytes`);

        // Another professor, signed in with their own server session (the cookie the exchange
        // sets, and a same-origin Origin as their browser would send), can neither read nor act.
        const exchange = await fetch(`${server.url}/api/session`, { method: 'POST',
          headers: { Authorization: `Bearer ${mintUserToken({ userId: 2, rol: 'profesor' }, 120)}`, Origin: server.url } });
        assertEqual(exchange.status, 201, 'the second professor gets a session');
        const cookie = /asistencia_session=[^;]+/.exec(exchange.headers.get('set-cookie'))[0];
        const asOther = (path, init = {}) => fetch(`${server.url}${path}`, {
          ...init, headers: { Cookie: cookie, Origin: server.url, 'Content-Type': 'application/json' },
        });
        assertEqual((await asOther('/api/session')).status, 200, 'the cookie is live');
        for (const [path, init] of [
          [`/api/attendance/sessions/${sessionId}/results`, {}],
          [`/api/attendance/sessions/${sessionId}/roster`, {}],
          [`/api/attendance/sessions/${sessionId}/report.csv`, {}],
          [`/api/attendance/sessions/${sessionId}/overrides`, { method: 'POST', body: JSON.stringify({ userId: STUDENT, status: 'ABSENT', reasonCode: 'other', reasonText: 'x' }) }],
          [`/api/attendance/sessions/${sessionId}/headcount`, { method: 'PUT', body: JSON.stringify({ headcount: 99 }) }],
        ]) {
          const r = await asOther(path, init);
          assertEqual(r.status, 403, `another professor's cookie: ${init.method || 'GET'} ${path}`);
        }
        assertEqual(sql(`SELECT headcount FROM attendance.sessions WHERE session_id = ${sessionId}`), '0', 'the headcount unchanged');
        assertEqual(sql(`SELECT count(*) FROM attendance.result_overrides WHERE session_id = ${sessionId}`), '1', 'nothing changed by the other professor');
      } finally {
        await laptop?.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'the projector and the review outlive the legacy token: it expires, the server restarts, the class closes with results',
    async run({ server, browser }) {
      // A legacy token that lives 3 s (+ the server's 30 s leeway), as the portal would hand over.
      const token = mintUserToken({ userId: 1, rol: 'profesor', nombre: 'Carolina Andrea Muñoz Soto' }, 3);
      const beamer = await browser.context.newPage();
      await beamer.goto(`${server.url}/profesor.html#token=${token}`);
      await beamer.waitForSelector('body[data-state=ready]');
      await beamer.click('button[data-course="1"]');
      await beamer.click('#iniciar');
      await beamer.waitForSelector('body[data-state=projecting][data-connection=open]');
      await beamer.click('#comenzar');
      await beamer.waitForFunction(() => Number(document.body.dataset.frames || 0) >= 3, null, { timeout: 15000 });
      const sessionId = (await beamer.textContent('#proy-numero')).trim();
      let status = 0;
      for (let i = 0; i < 90 && status !== 401; i++) {
        status = (await fetch(`${server.url}/api/me`, { headers: { Authorization: `Bearer ${token}` } })).status;
        if (status !== 401) await new Promise((r) => setTimeout(r, 500));
      }
      assertEqual(status, 401, 'the legacy token is refused now');
      // The socket must authenticate again after the restart: only the server session can.
      const before = await frames(beamer);
      await server.restart('SIGKILL');
      await beamer.waitForFunction((n) => Number(document.body.dataset.frames) >= n + 3, before, { timeout: 30000 });
      await beamer.click('#cerrar');
      await beamer.waitForSelector('body[data-state=results]', { timeout: 20000 });
      assertEqual(sql(`SELECT status FROM attendance.sessions WHERE session_id = ${sessionId}`), 'closed', 'closed by the page');
      assertEqual(await beamer.$$eval('#tabla-resultados tr', (t) => t.length), 40, 'ICI-1151 results, one row per student');
      const [download] = await Promise.all([beamer.waitForEvent('download'), beamer.click('#descargar')]);
      assert(readFileSync(await download.path(), 'utf8').includes('id_alumno;rut;nombre'), 'the CSV after the token expired');
      await screenshot(beamer, 'prof-11-tras-expirar-token');
    },
  },
  {
    name: 'the history lists the sessions of a course, opens their results, and the semester summary downloads as CSV',
    async run({ server, browser }) {
      // A closed session of ICI-2241 where the student was marked present by the professor.
      const api = (token, path, init = {}) => fetch(`${server.url}${path}`, {
        ...init, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      });
      const prof = mintUserToken({ userId: 1, rol: 'profesor' }, 120);
      const created = await (await api(prof, '/api/attendance/sessions', { method: 'POST',
        body: JSON.stringify({ courseId: COURSE, semesterId: 2, room: 'Sala Historial', maxRounds: 1 }) })).json();
      assertEqual((await api(prof, `/api/attendance/sessions/${created.sessionId}/overrides`, { method: 'POST',
        body: JSON.stringify({ userId: STUDENT, status: 'PRESENT', reasonCode: 'forgot_phone' }) })).status, 201, 'override');
      assertEqual((await api(prof, `/api/attendance/sessions/${created.sessionId}/close`, { method: 'POST', body: '{}' })).status, 200, 'closed');

      const page = await browser.context.newPage();
      const weight = trackWeight(page);
      await loginAs(page, 'profesor', 1);
      await page.waitForSelector('body[data-state=ready]');
      weight.reset();
      await page.goto(`${server.url}/historial.html`);
      await page.waitForSelector('body[data-state=ready][data-summary=loaded]');
      const options = await page.$$eval('#curso option', (os) => os.map((o) => [o.value, o.textContent]));
      const course = options.find(([, t]) => t.startsWith('ICI-2241'));
      await page.selectOption('#curso', course[0]);
      await page.waitForSelector(`#sesiones tr[data-session="${created.sessionId}"]`);
      const firstRow = await page.$eval('#sesiones tr', (tr) => tr.dataset.session);
      assertEqual(firstRow, String(created.sessionId), 'newest session first');
      await page.waitForFunction(() => document.getElementById('resumen-titulo').textContent.includes('ICI-2241'));
      const rows = await page.$$eval('#resumen tr', (trs) => trs.map((t) => [...t.children].map((c) => c.textContent)));
      assertEqual(rows.length, 35, 'one summary row per student of the list');
      const row = rows.find((r) => r[0] === 'Matías Andrés Tapia Jara');
      assert(row && /^[1-9]\d* de [1-9]/.test(row[2]), `the student attended at least once: ${row}`);
      await screenshot(page, 'prof-12-historial');
      await noSeriousViolations(page, 'history');
      console.log(`       historial.html: ${weight.total()} bytes of JS+CSS`);
      assert(weight.total() < WEIGHT_LIMIT, `historial.html weighs ${weight.total()} bytes`);

      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#descargar-resumen')]);
      const csv = readFileSync(await download.path(), 'utf8');
      assert(csv.includes('id_alumno;rut;nombre') && csv.includes('Matías Andrés Tapia Jara'), 'the summary CSV by name');

      await page.click(`#sesiones tr[data-session="${created.sessionId}"] a`);
      await page.waitForSelector('body[data-state=results]');
      assertEqual(await page.$eval(`#tabla-resultados tr[data-user="${STUDENT}"]`, (tr) => tr.dataset.status), 'PRESENT', 'the results of that session');
    },
  },
  {
    name: 'roster and results by name; PHP down: the roster is a clear 503, the results come without names',
    async run({ server }) {
      const prof = mintUserToken({ userId: 2, rol: 'profesor' }, 120);
      const call = (path, init = {}) => fetch(`${server.url}${path}`, {
        ...init, headers: { Authorization: `Bearer ${prof}`, 'Content-Type': 'application/json' },
      });
      const created = await call('/api/attendance/sessions', { method: 'POST', body: JSON.stringify({ courseId: 3, semesterId: 2, room: 'Sala API', maxRounds: 2 }) });
      assertEqual(created.status, 201, 'session created');
      const { sessionId } = await created.json();
      try {
        const override = await call(`/api/attendance/sessions/${sessionId}/overrides`, { method: 'POST',
          body: JSON.stringify({ userId: 100030, status: 'PRESENT', reasonCode: 'no_smartphone' }) });
        assertEqual(override.status, 201, 'override for a student who never joined');
        const again = await call(`/api/attendance/sessions/${sessionId}/overrides`, { method: 'POST',
          body: JSON.stringify({ userId: 100030, status: 'ABSENT', reasonCode: 'other', reasonText: 'se retiró' }) });
        assertEqual(again.status, 201, 'second override');
        const roster = await (await call(`/api/attendance/sessions/${sessionId}/roster`)).json();
        assertEqual(roster.students.length, 31, 'ICI-3344 has 31 students');
        const { listed, joined, done } = roster.counts;
        assertEqual(`${listed}/${joined}/${done}`, '31/0/0', 'counts listed/joined/done');
        const one = roster.students.find((x) => x.userId === 100030);
        assert(one && one.name && one.rut && one.state === 'NOT_JOINED' && one.status === 'ABSENT', `roster entry ${JSON.stringify(one)}`);
        const results = await (await call(`/api/attendance/sessions/${sessionId}/results`)).json();
        const st = results.students.find((x) => x.userId === 100030);
        assertEqual(st.name, one.name, 'results carry the name');
        assertEqual(st.overrides.map((o) => o.status).join(','), 'PRESENT,ABSENT', 'the override history, oldest first');
        assertEqual(st.override.status, 'ABSENT', 'the override in force is unchanged');
        assertEqual((await call('/api/attendance/sessions/999999999/roster')).status, 404, 'unknown session');
        assertEqual((await call('/api/attendance/sessions/abc/roster')).status, 400, 'malformed id');

        execFileSync(join(repoRoot, 'scripts', 'svc'), ['php', 'stop'], { env: process.env, stdio: 'ignore' });
        try {
          execFileSync('valkey-cli', ['-h', '127.0.0.1', '-p', env('REDIS_PORT'), 'DEL', `${process.env.KEY_PREFIX || ''}cache:php:enrolled:3:2`]);
          const down = await call(`/api/attendance/sessions/${sessionId}/roster`);
          assertEqual(down.status, 503, 'roster without PHP');
          assertEqual((await down.json()).error.code, 'php_unavailable', 'the error code');
          const partial = await call(`/api/attendance/sessions/${sessionId}/results`);
          assertEqual(partial.status, 200, 'results without PHP');
          const p = (await partial.json()).students.find((x) => x.userId === 100030);
          assert(p.name === null && p.overrides.length === 2, `no name, the rest intact: ${JSON.stringify(p)}`);
        } finally {
          execFileSync(join(repoRoot, 'scripts', 'svc'), ['php', 'start'], { env: process.env, stdio: 'ignore' });
        }
      } finally {
        await call(`/api/attendance/sessions/${sessionId}/cancel`, { method: 'POST', body: '{}' });
      }
    },
  },
  {
    name: 'the projector waits longer after each failed reconnect, with jitter, up to 10 s',
    async run() {
      // projection.js imports qr-canvas.js relatively: load it from the page's own URL space.
      const src = readFileSync(join(repoRoot, 'web', 'js', 'projection.js'), 'utf8').replace(/^export \{[^}]*\} from .*$/m, '');
      const { backoffDelay } = await import(`data:text/javascript;base64,${Buffer.from(src).toString('base64')}`);
      const low = [0, 1, 2, 3, 4, 5, 10].map((n) => backoffDelay(n, () => 0));
      const high = [0, 1, 2, 3, 4, 5, 10].map((n) => backoffDelay(n, () => 0.999999));
      assertEqual(low.join(','), '250,500,1000,2000,4000,5000,5000', 'shortest delays (half of each step)');
      assertEqual(high.join(','), '500,1000,2000,4000,8000,10000,10000', 'longest delays (the step, capped)');
    },
  },
  {
    name: 'the join-code encoder served to the pages is the pinned npm package, byte for byte',
    async run() {
      const served = readFileSync(join(repoRoot, 'web', 'vendor', 'uqr', 'index.mjs'));
      const pinned = readFileSync(join(repoRoot, 'tests', 'e2e', 'node_modules', 'uqr', 'dist', 'index.mjs'));
      assert(served.equals(pinned), 'web/vendor/uqr/index.mjs differs from node_modules/uqr/dist/index.mjs: copy it again');
    },
  },
  {
    name: 'the professor page without a session points to the portal (axe clean)',
    async run({ browser }) {
      const page = await browser.context.newPage();
      await page.goto(`${env('SERVER_URL')}/profesor.html`);
      await page.waitForSelector('body[data-state=no-session]');
      await screenshot(page, 'prof-0-sin-sesion');
      await noSeriousViolations(page, 'no session');
    },
  },
];
