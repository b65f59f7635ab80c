// Human summary of build/bench/validate.json (the answer path vs the pgbench ceiling).
import { readFileSync } from 'node:fs';
const r = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const f = (x, d = 0) => (x === undefined ? '-' : Number(x).toFixed(d));
const pool = r.settings.poolSizes[0];
console.log(`answer path (DB_POOL_SIZE=${pool}, ${r.settings.seconds}s per level) vs pgbench INSERT at the same -c:`);
console.log('clients  answers/s   p50 ms   p99 ms  errors   pgbench tps  (txn tps)   ratio');
for (const l of r.levels) {
  console.log(`${String(l.clients).padStart(7)} ${f(l.answersPerSecond).padStart(10)} ${f(l.p50Ms, 2).padStart(8)} ` +
    `${f(l.p99Ms, 2).padStart(8)} ${String(l.errors).padStart(7)} ${f(l.pgbenchTps).padStart(13)} ` +
    `${('(' + f(l.pgbenchTxnTps) + ')').padStart(10)} ${f(l.ratio, 3).padStart(7)}`);
}
for (const l of r.poolVariants) {
  console.log(`DB_POOL_SIZE=${l.poolSize} clients ${l.clients}: ${f(l.answersPerSecond)} answers/s, ` +
    `p50 ${f(l.p50Ms, 2)} ms, p99 ${f(l.p99Ms, 2)} ms, errors ${l.errors}`);
}
const low = r.levels.filter((l) => l.ratio !== undefined && l.ratio < 0.5);
console.log(low.length ? `below 0.5 of the ceiling at: ${low.map((l) => l.clients).join(', ')} clients`
  : 'every level reaches at least 0.5 of the pgbench ceiling');
