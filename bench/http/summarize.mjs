// Medians of the wrk runs of the server and of nginx, and their ratio (server/nginx).
import { readFileSync } from 'node:fs';
const [serverFile, nginxFile, connections, seconds] = process.argv.slice(2);
const load = (f) => readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const summarize = (runs) => ({
  runs,
  rps_median: median(runs.map((r) => r.rps)),
  p50_us_median: median(runs.map((r) => r.latency_us.p50)),
  p99_us_median: median(runs.map((r) => r.latency_us.p99)),
  errors: runs.reduce((a, r) => a + r.errors + r.non_2xx, 0),
});
const server = summarize(load(serverFile));
const nginx = summarize(load(nginxFile));
console.log(JSON.stringify({
  tool: 'wrk -t1', connections: Number(connections), seconds: Number(seconds),
  server_threads: 1, nginx_workers: 1,
  server_healthz: server, nginx_return_200: nginx,
  throughput_ratio: Number((server.rps_median / nginx.rps_median).toFixed(3)),
}, null, 2));
