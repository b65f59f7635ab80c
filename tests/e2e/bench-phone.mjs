// The phone's answer path measured end to end (not a test: run by hand against a stack,
// like run.sh: `. .run/env; ASISTENCIA_SERVER_BIN=... node bench-phone.mjs`). One class of
// BENCH_ROUNDS rounds (max 10) per BENCH_CLASSES, through the camera relay of camera.mjs;
// the phone tab under BENCH_CPU (Emulation.setCPUThrottlingRate, e.g. 4 or 6) and
// BENCH_LATENCY_MS (Network.emulateNetworkConditions); prints, per answered showing, paint
// -> decoded -> answer received and its parts (median, p90, p99), and the RTs the server
// stored. measureClass() is the reusable piece.
import { assert, launchBrowser, sql, startServer } from './lib.mjs';
import { fakeCamera, formatDistribution, setConditions, showingTimings } from './camera.mjs';
import { enrollPhone, joinByNumber, projectSession, resetStudent, startRounds, waitState } from './phone.mjs';

// browser: the phone's; room: the projector's (another browser: its own app session cookie).
export async function measureClass({ browser, room, studentId, rounds = 10, cpuRate = 1, latencyMs = 0, cameraLatencyMs = 150, barcodeDetector = 'delete' }) {
  resetStudent(studentId);
  const phone = await browser.context.newPage();
  const beamer = await room.context.newPage();
  await fakeCamera(phone, beamer, { barcodeDetector, cameraLatencyMs });
  await enrollPhone(phone, studentId);
  const sessionId = await projectSession(beamer, { rounds });
  await joinByNumber(phone, sessionId);
  await waitState(phone, 'body[data-state=in-class]');
  await setConditions(phone, { cpuRate, latencyMs });
  await startRounds(beamer);
  await waitState(phone, 'body[data-state=done]', 120000);
  const timings = await showingTimings(phone);
  const rts = sql(`SELECT string_agg(v.response_time_ms::text, ' ') FROM attendance.validations v JOIN attendance.registrations r USING (registration_id) WHERE r.session_id = ${sessionId} AND v.validation_status = 'success'`)
    .split(' ').filter(Boolean).map(Number);
  await beamer.click('#cerrar');
  await phone.close();
  await beamer.close();
  return { sessionId, timings, rts };
}

if (process.argv[1] && process.argv[1].endsWith('bench-phone.mjs')) {
  const classes = Number(process.env.BENCH_CLASSES || 3);
  const conditions = { rounds: Number(process.env.BENCH_ROUNDS || 10), cpuRate: Number(process.env.BENCH_CPU || 1), latencyMs: Number(process.env.BENCH_LATENCY_MS || 0) };
  const server = await startServer();
  const all = { answers: [], decodeMs: [], rts: [] };
  try {
    for (let i = 0; i < classes; i++) {
      const browser = await launchBrowser();
      const room = await launchBrowser({ camera: false });
      try {
        const r = await measureClass({ browser, room, studentId: 100021 + i, ...conditions });
        all.answers.push(...r.timings.answers);
        all.decodeMs.push(...r.timings.decodeMs);
        all.rts.push(...r.rts);
      } finally {
        await browser.close();
        await room.close();
      }
    }
  } finally {
    await server.stop();
  }
  assert(all.answers.length > 0, 'no answer measured');
  console.log(`${classes} classes x ${conditions.rounds} rounds, CPU x${conditions.cpuRate}, +${conditions.latencyMs} ms network, zxing-wasm worker`);
  console.log(formatDistribution('decode per frame', all.decodeMs));
  for (const k of ['paintToDecoded', 'paintToAnswer', 'frameWait', 'relay', 'cameraLatency', 'decode', 'crypto', 'network']) {
    console.log(formatDistribution(`showing ${k}`, all.answers.map((a) => a[k])));
  }
  console.log(formatDistribution('server RT (successful rounds)', all.rts));
}
