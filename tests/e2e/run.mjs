// A minimal runner: every *.test.mjs default-exports [{name, run}]; each gets the shared
// server and browser. Prints one line per test and "N passed, M failed" last.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, startServer } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
// `node run.mjs word...`: only the files whose name contains one of the words.
const only = process.argv.slice(2);
const files = readdirSync(here).filter((f) => f.endsWith('.test.mjs'))
  .filter((f) => only.length === 0 || only.some((w) => f.includes(w))).sort();
let passed = 0;
let failed = 0;
const server = await startServer();
try {
  for (const file of files) {
    const { default: tests } = await import(join(here, file));
    for (const t of tests) {
      const browser = await launchBrowser();
      try {
        await t.run({ server, browser });
        if (browser.cspViolations.length) {
          throw new Error(`Content-Security-Policy violations:\n${browser.cspViolations.join('\n')}`);
        }
        passed++;
        console.log(`ok   - ${file}: ${t.name}`);
      } catch (e) {
        failed++;
        console.log(`FAIL - ${file}: ${t.name}\n       ${String(e?.stack || e).split('\n').slice(0, 6).join('\n       ')}`);
      } finally {
        await browser.close();
      }
    }
  }
} finally {
  const code = await server.stop();
  if (code !== 0) {
    failed++;
    console.log(`FAIL - the server exited with ${code} on SIGTERM\n${server.output()}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
