// Adds the one-core run (server pinned with taskset, PostgreSQL, Valkey and the generator
// on the other cores) and the 32-client headline figures to build/bench/validate.json.
// args: validate.json validate-pinned.json load-average
import { readFileSync, writeFileSync } from 'node:fs';
const [file, pinnedFile, loadavg] = process.argv.slice(2);
const v = JSON.parse(readFileSync(file, 'utf8'));
const at32 = v.levels.find((l) => l.clients === 32);
if (at32) {
  v.at32Clients = {
    answersPerSecond: at32.answersPerSecond, pgbenchTps: at32.pgbenchTps, ratio: at32.ratio, p99Ms: at32.p99Ms,
    targets: { ratio: 0.8, p99Ms: 50 },
    met: { ratio: at32.ratio >= 0.8, p99: at32.p99Ms < 50 },
  };
}
if (pinnedFile) {
  const p = JSON.parse(readFileSync(pinnedFile, 'utf8'));
  const l = p.levels[0];
  v.serverOnOneCore = {
    how: 'server under taskset -c 0; PostgreSQL, Valkey and validate_load under taskset -c 1-',
    clients: l.clients, answersPerSecond: l.answersPerSecond,
    // What one full server core would carry: the rate over the core's busy share (the core
    // is not full at 32 clients here: PostgreSQL and Valkey on the other core are the limit).
    answersPerServerCore: l.cpuMsPerAnswer ? Math.round(1000 / l.cpuMsPerAnswer.server) : null,
    p50Ms: l.p50Ms, p99Ms: l.p99Ms, errors: l.errors, cpuMsPerAnswer: l.cpuMsPerAnswer,
    serverCoreBusy: l.cpuMsPerAnswer ? Number((l.cpuMsPerAnswer.server * l.answersPerSecond / 1000).toFixed(3)) : null,
  };
}
if (loadavg) v.loadAverageAtStart = loadavg;
if (process.env.VALKEY_DELTA) {
  // Every student of every level and pool variant got its Valkey state in the run.
  const [bytes, keys] = process.env.VALKEY_DELTA.split(' ').map(Number);
  const students = v.settings.studentsPerLevel * v.settings.levels.length * v.settings.poolSizes.length;
  v.valkeyPerStudent = { students, bytes: Math.round(bytes / students), keys: Number((keys / students).toFixed(2)),
    how: 'used_memory and DBSIZE before and after validate_load, divided by the students it created' };
}
writeFileSync(file, JSON.stringify(v, null, 2) + '\n');
