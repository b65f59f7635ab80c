// A professor logs in through the PHP stand-in and sees their courses, with the course
// they may not take attendance in marked (data from the legacy system via the server).
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
];
