// build/bench/peer.json: the server against the seed's own stack (../shared/peers/node),
// one process each, in the same run. Medians of the alternated wrk runs; with the CPU ticks
// the measured process used in each run (`<jsonl>.ticks`), also its CPU per request, which
// is the capacity figure when the one-thread generator, not the server, sets the rate.
// args: server-healthz.jsonl peer-healthz.jsonl peer-validate.jsonl validate.json fanout.json connections seconds clk_tck
import { existsSync, readFileSync } from 'node:fs';
const [serverHz, peerHz, peerVal, validateFile, fanoutFile, connections, seconds, clkTck] = process.argv.slice(2);
const load = (f) => readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const ticksOf = (f) => (existsSync(`${f}.ticks`) && clkTck
  ? readFileSync(`${f}.ticks`, 'utf8').trim().split('\n').filter(Boolean).map(Number) : null);
const summarize = (f) => {
  const runs = load(f);
  const ticks = ticksOf(f);
  if (ticks && ticks.length === runs.length) {
    runs.forEach((r, i) => { r.cpu_us_per_request = Number(((ticks[i] * 1e6) / Number(clkTck) / r.requests).toFixed(2)); });
  }
  return {
    runs,
    rps_median: median(runs.map((r) => r.rps)),
    p50_us_median: median(runs.map((r) => r.latency_us.p50)),
    p99_us_median: median(runs.map((r) => r.latency_us.p99)),
    cpu_us_per_request_median: runs[0]?.cpu_us_per_request === undefined ? null
      : median(runs.map((r) => r.cpu_us_per_request)),
    errors: runs.reduce((a, r) => a + r.errors + r.non_2xx, 0),
  };
};
const round = (x) => Number(x.toFixed(3));
const cpuRatio = (theirs, mine) => (theirs && mine ? round(theirs / mine) : null);
const ours = summarize(serverHz);
const peer = summarize(peerHz);
const peerValidate = summarize(peerVal);
const validate = JSON.parse(readFileSync(validateFile, 'utf8'));
const at32 = validate.levels.find((l) => l.clients === 32);
const out = {
  tool: 'wrk -t1', connections: Number(connections), seconds: Number(seconds),
  processes: 'one each: asistencia-server (one event-loop thread) and node server.mjs (PEER_WORKERS=1)',
  healthz: { server: ours, peer, ratio: round(ours.rps_median / peer.rps_median), target: 5,
    cpu_ratio: cpuRatio(peer.cpu_us_per_request_median, ours.cpu_us_per_request_median),
    cpu_note: 'cpu_ratio: the peer process\'s CPU per request over the server\'s (how many times cheaper ours is)' },
  answerPath: {
    server: at32 ? { clients: 32, answersPerSecond: at32.answersPerSecond, p50Ms: at32.p50Ms, p99Ms: at32.p99Ms,
      generator: 'bench/validate/validate_load (keep-alive, one frame showing per answer)' } : null,
    peerValidate: { clients: 32, ...peerValidate, generator: 'wrk -t1 -c32 -s bench/peer/validate.lua' },
    ratio: at32 ? round(at32.answersPerSecond / peerValidate.rps_median) : null,
    target: 2,
    // validate_load's own meter: the server process's CPU per answer at 32 clients.
    serverCpuUsPerAnswer: at32?.cpuMsPerAnswer ? Number((at32.cpuMsPerAnswer.server * 1000).toFixed(2)) : null,
    cpu_ratio: at32?.cpuMsPerAnswer
      ? cpuRatio(peerValidate.cpu_us_per_request_median, at32.cpuMsPerAnswer.server * 1000) : null,
    note: 'the server does more per answer than the peer: a participation JWT check, the Lua round state ' +
      'machine in Valkey (nonce take, succeed/fail with the new state), two TOTP checks and the response-time ' +
      'rule, the rate limiter, and an INSERT acknowledged only after commit; the peer does one HGETALL, one ' +
      'HMAC, one AES-GCM open and one INSERT',
  },
};
if (fanoutFile && existsSync(fanoutFile)) out.projectorFanout = JSON.parse(readFileSync(fanoutFile, 'utf8'));
console.log(JSON.stringify(out, null, 2));
