// A professor logs in through the PHP stand-in and sees their courses, with the course
// they may not take attendance in marked (data from the legacy system via the server);
// then opens a session, the page projects QR codes over the WebSocket, and closing it
// shows the results.
import { assert, loginAs, screenshot } from './lib.mjs';

export default [
  {
    name: 'a professor sees their courses after the legacy login',
    async run({ browser }) {
      const page = await browser.context.newPage();
      await loginAs(page, 'profesor', 2);
      await page.waitForSelector('body[data-state=ready]');
      const items = await page.$$eval('#cursos li', (lis) => lis.map((li) => li.textContent));
      assert(items.some((t) => t.includes('ICI-4247') && t.includes('sin permiso')), `course 4 marked: ${items.join(' | ')}`);
      assert(items.some((t) => t.includes('ICI-3344') && !t.includes('sin permiso')), `course 3 allowed: ${items.join(' | ')}`);
      await screenshot(page, 'profesor-1-cursos');
    },
  },
  {
    name: 'a professor projects QR codes for a session and closes it',
    async run({ browser }) {
      const page = await browser.context.newPage();
      await loginAs(page, 'profesor', 1);
      await page.waitForSelector('body[data-state=ready]');
      await page.click('button[data-course="1"]');
      await page.fill('#sala', 'Sala E2E');
      await page.click('#iniciar');
      await page.waitForSelector('body[data-state=projecting]');
      await page.click('#comenzar'); // the join code is shown first, rounds paused
      await page.waitForFunction(() => Number(document.body.dataset.frames || 0) >= 3, null, { timeout: 15000 });
      // The canvas holds a QR: dark and light modules.
      const dark = await page.$eval('#qr', (c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] < 128) n++;
        return n / (d.length / 4);
      });
      assert(dark > 0.1 && dark < 0.7, `a QR on the canvas (dark share ${dark})`);
      await screenshot(page, 'profesor-2-proyeccion');
      await page.click('#cerrar');
      await page.waitForSelector('body[data-state=results]');
      const summary = await page.textContent('#resumen');
      assert(summary.includes('Presentes: 0'), `results shown: ${summary}`);
      await screenshot(page, 'profesor-3-resultados');
    },
  },
];
