// Writes docs/data/honest-delay.json, asistencia-sim's measured honest-delay model
// (docs/scoring.md), from the phone's real pipeline: bench-phone.mjs's measureClass (the
// student page with its real decoder reading the projector tab's frames through camera.mjs's
// MediaStream) per condition: CPU throttling 1x/4x/6x on loopback (the simulator resamples
// these, each a kind of phone, by sim_weight, and adds its own network) and 50/150/300 ms of
// emulated latency (reported only). Not a test; run by hand against a stack, like
// bench-phone.mjs:
//   . <stack env>; ASISTENCIA_SERVER_BIN=... node tests/e2e/honest-delay-model.mjs
// MODEL_CLASSES classes (default 2) of 10 rounds per condition; MODEL_OUT overrides the file.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, repoRoot, startServer } from './lib.mjs';
import { distribution } from './camera.mjs';
import { measureClass } from './bench-phone.mjs';

const classes = Number(process.env.MODEL_CLASSES || 2);
const out = process.env.MODEL_OUT || join(repoRoot, 'docs', 'data', 'honest-delay.json');
const conditions = [
  { name: 'cpu 1x, loopback', cpuRate: 1, latencyMs: 0, simWeight: 0.2 },
  { name: 'cpu 4x (mid-range phone), loopback', cpuRate: 4, latencyMs: 0, simWeight: 0.5 },
  { name: 'cpu 6x (low-end phone), loopback', cpuRate: 6, latencyMs: 0, simWeight: 0.3 },
  { name: 'cpu 1x, 50 ms latency', cpuRate: 1, latencyMs: 50, simWeight: 0 },
  { name: 'cpu 1x, 150 ms latency', cpuRate: 1, latencyMs: 150, simWeight: 0 },
  { name: 'cpu 1x, 300 ms latency', cpuRate: 1, latencyMs: 300, simWeight: 0 },
];
const summary = (values) => {
  const d = distribution(values);
  const r = (v) => (Number.isFinite(v) ? +v.toFixed(1) : null);
  return { n: d.n, median_ms: r(d.median), p90_ms: r(d.p90), p99_ms: r(d.p99) };
};

const server = await startServer();
const results = [];
// Course 1 lists 100001..100040; each class re-enrolls (resetStudent) one of 20 students in turn.
let classIndex = 0;
try {
  for (const c of conditions) {
    const rts = [], answers = [], decodeMs = [];
    for (let i = 0; i < classes; i++) {
      const browser = await launchBrowser();
      const room = await launchBrowser({ camera: false });
      try {
        const r = await measureClass({ browser, room, studentId: 100021 + (classIndex++ % 20), rounds: 10, cpuRate: c.cpuRate, latencyMs: c.latencyMs });
        rts.push(...r.rts);
        answers.push(...r.timings.answers);
        decodeMs.push(...r.timings.decodeMs);
      } finally {
        await browser.close();
        await room.close();
      }
    }
    const part = (k) => summary(answers.map((a) => a[k]));
    // The simulator adds its own uplink (lognormal network) to each sample, so a sample is the
    // phone's side only: paint -> decoded, without the harness's relay between the two browsers
    // (a real camera sees the projector directly), plus the crypto before the POST. The server
    // RT (which carries the loopback POST and the relay) is reported beside it, not resampled.
    const phoneSide = answers.map((a) => a.paintToDecoded - a.relay + a.crypto)
      .filter((v) => Number.isFinite(v) && v >= 0).map((v) => +v.toFixed(1));
    const entry = {
      name: c.name, source: 'student page (bench-phone.mjs measureClass)', cpu_throttle: c.cpuRate, rtt_ms: c.latencyMs,
      sim_weight: c.simWeight, classes, answered: rts.length,
      server_rt: summary(rts),
      phone_side: summary(phoneSide),
      paint_to_decoded: part('paintToDecoded'),
      paint_to_answer: part('paintToAnswer'),
      parts: { frame_wait: part('frameWait'), relay: part('relay'), camera_latency: part('cameraLatency'),
        decode: part('decode'), crypto: part('crypto'), network: part('network'), decode_per_frame: summary(decodeMs) },
      samples_ms: phoneSide,
    };
    results.push(entry);
    console.log(`${c.name}: ${phoneSide.length} showings, phone side median ${entry.phone_side.median_ms} p90 ` +
      `${entry.phone_side.p90_ms} p99 ${entry.phone_side.p99_ms} ms; ${rts.length} RTs, server RT median ${entry.server_rt.median_ms} p90 ${entry.server_rt.p90_ms} ` +
      `p99 ${entry.server_rt.p99_ms} ms; decode median ${entry.parts.decode.median_ms} ms`);
  }
} finally {
  await server.stop();
}
writeFileSync(out, JSON.stringify({
  model: 'asistencia honest decode delay',
  provisional: false,
  measured: 'samples_ms: the phone side of each answered showing (paint -> decoded, minus the relay between the ' +
    'browsers, plus crypto), ms; the simulator adds the uplink. server_rt: the loopback RT of successful rounds',
  how: 'tests/e2e/honest-delay-model.mjs: the student page (zxing-wasm worker, BarcodeDetector deleted) reading the projector ' +
    'tab through camera.mjs (frames relayed through the test process, 150 ms simulated camera latency, 640x480 at 30 fps); ' +
    'CDP Emulation.setCPUThrottlingRate and Network.emulateNetworkConditions',
  not_measured: 'a real camera (its latency is simulated: 150 ms), blur and angle; real radio networks (jitter)',
  date: new Date().toISOString(),
  load_average: loadavg().map((x) => +x.toFixed(1)),
  conditions: results,
}, null, 1) + '\n');
console.log(`wrote ${out}`);
