// honest-delay: a PROVISIONAL measurement of the honest pipeline for asistencia-sim's
// empirical decode-delay model (docs/scoring.md, "The measurement"). In headless Chromium, one
// page paints projector frames (our QR format: "ASIS1." + 88 base64url characters, byte mode,
// ECC M) on a canvas every FRAME ms; a MediaStream of that canvas (captureStream(30)) plays in a
// <video>; a decode loop reads each camera frame (requestVideoFrameCallback) into a 640x480
// canvas, decodes it with jsQR, and for the showing's text runs the phone's crypto (AES-GCM
// decrypt of a 38-byte payload, HMAC-SHA256 for TOTPu) and POSTs the answer to a loopback
// server, which timestamps its arrival. Per showing: paint -> decoded -> answer received, and
// its parts (frame wait, decode, crypto, network). Repeated with the CPU throttled through
// CDP (Emulation.setCPUThrottlingRate) and network latency emulated
// (Network.emulateNetworkConditions).
//
// Not measured here: a real camera's sensor-to-frame latency, blur, glare and angle; the
// student page's own decoder (the student-phone work); real radio networks. Everything runs in
// one renderer, so the throttle also slows the projector's painting (it is cheap: fillRects).
//
//   node src/tools/honest-delay.mjs [--showings N] [--frame MS] [--out docs/data/honest-delay-cputime.json]
// Modules: playwright-core and jsqr from $ASISTENCIA_NODE_MODULES (default tests/e2e/node_modules).
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const showings = Number(args.showings ?? 80);
const frameMs = Number(args.frame ?? 500);
const out = args.out ?? 'docs/data/honest-delay-cputime.json';
const modules = process.env.ASISTENCIA_NODE_MODULES ?? 'tests/e2e/node_modules';
const { chromium } = await import(pathToFileURL(path.resolve(modules, 'playwright-core/index.mjs')).href);
const jsqrSource = readFileSync(path.resolve(modules, 'jsqr/dist/jsQR.js'), 'utf8');

// Projector frames as the server renders them: libqrencode in byte mode, ECC M.
function qrFrame() {
  const text = 'ASIS1.' + randomBytes(66).toString('base64url');
  const ascii = execFileSync('qrencode', ['-8', '-l', 'M', '-m', '0', '-t', 'ASCII', text], { encoding: 'utf8' });
  const rows = ascii.split('\n').filter((l) => l.length > 0).map((l) => [...l.matchAll(/../g)].map((m) => (m[0] === '##' ? 1 : 0)));
  return { text, width: rows.length, rows };
}
const frames = Array.from({ length: showings }, qrFrame);

// --- The model: decode CPU time in Node, composed with the camera's frame timing ---------
// Wall-clock times on a shared, loaded machine say more about the other processes than about
// a phone, so the resampled model is built from CPU time: jsQR's CPU time per 640x480 camera
// frame of our QR (process.cpuUsage, immune to waiting for a core), scaled by the throttle
// factor, inside a continuous decode loop at 30 fps: the QR is painted at a uniform phase of
// the loop, waits for the next camera frame (U(0, 33.3 ms)) and for the decode in progress to
// finish (U(0, D)), then takes one decode D; plus WebCrypto (measured) and loopback (1 ms).
const require = (await import('node:module')).createRequire(import.meta.url);
const jsQR = require(path.resolve(modules, 'jsqr/dist/jsQR.js'));
const { webcrypto } = await import('node:crypto');
function cameraImage(f) {
  const W = 640, H = 480, img = new Uint8ClampedArray(W * H * 4).fill(0x88);
  const scale = Math.floor(440 / (f.width + 8)), off = { x: 100 + 4 * scale, y: 20 + 4 * scale };
  for (let y = 20; y < 460; ++y) for (let x = 100; x < 540; ++x) img.fill(255, (y * W + x) * 4, (y * W + x) * 4 + 3);
  f.rows.forEach((row, my) => row.forEach((m, mx) => {
    if (!m) return;
    for (let dy = 0; dy < scale; ++dy) for (let dx = 0; dx < scale; ++dx) {
      const i = ((off.y + my * scale + dy) * W + off.x + mx * scale + dx) * 4;
      img[i] = img[i + 1] = img[i + 2] = 0;
    }
  }));
  return img;
}
function decodeCpuMs() {
  const out = [];
  for (const f of frames) {
    const img = cameraImage(f);
    const c0 = process.cpuUsage();
    const code = jsQR(img, 640, 480, { inversionAttempts: 'dontInvert' });
    const c = process.cpuUsage(c0);
    if (!code || code.data !== f.text) throw new Error('jsQR could not read a projector frame');
    out.push((c.user + c.system) / 1000);
  }
  return out;
}
async function cryptoCpuMs() {
  const key = await webcrypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const mac = await webcrypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const iv = new Uint8Array(12), aad = new TextEncoder().encode('ASIS1');
  const sealed = await webcrypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, key, new Uint8Array(38));
  const out = [];
  for (let i = 0; i < 200; ++i) {
    const t0 = performance.now();
    await webcrypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: aad }, key, sealed);
    await webcrypto.subtle.sign('HMAC', mac, new Uint8Array(8));
    out.push(performance.now() - t0);
  }
  return out;
}
decodeCpuMs(); // warm the JIT up
const decodeMs = decodeCpuMs();
const cryptoMs = await cryptoCpuMs();
const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];
function composed(throttle, n = 2000) {
  const out = [];
  for (let i = 0; i < n; ++i) {
    const d = pick(decodeMs) * throttle;
    const frameWait = Math.random() * (1000 / 30);
    const inFlight = Math.random() * pick(decodeMs) * throttle;
    out.push(frameWait + inFlight + d + pick(cryptoMs) * throttle + 1);
  }
  return out;
}

const page = `<!doctype html><html><body>
<canvas id="projector" width="600" height="600"></canvas><video id="camera" muted playsinline></video>
<canvas id="sensor" width="640" height="480"></canvas>
<script>${jsqrSource}</script>
<script>
const frames = ${JSON.stringify(frames)};
const FRAME = ${frameMs};
const projector = document.getElementById('projector').getContext('2d');
const sensor = document.getElementById('sensor').getContext('2d', { willReadFrequently: true });
const video = document.getElementById('camera');
const now = () => performance.timeOrigin + performance.now();
let current = -1, shownAt = 0, answered = new Set();
const key = crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
const hmac = crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
let sealed;
function paint(i) {
  const f = frames[i], scale = Math.floor(520 / (f.width + 8)), off = (600 - scale * f.width) / 2;
  projector.fillStyle = '#fff'; projector.fillRect(0, 0, 600, 600); projector.fillStyle = '#000';
  f.rows.forEach((row, y) => row.forEach((m, x) => { if (m) projector.fillRect(off + x * scale, off + y * scale, scale, scale); }));
}
function project(i) {
  requestAnimationFrame(() => { paint(i); current = i; shownAt = now(); });
}
async function answer(i, t) {
  // The phone's work for its own QR: open it (AES-GCM) and compute TOTPu (HMAC-SHA256).
  const c0 = now();
  const iv = new Uint8Array(12);
  await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: new TextEncoder().encode('ASIS1') }, await key, sealed);
  await crypto.subtle.sign('HMAC', await hmac, new Uint8Array(8));
  const sent = now();
  await fetch('/answer', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ i, shownAt: t.shownAt, grabbedAt: t.grabbedAt, decodedAt: t.decodedAt, decodeMs: t.decodeMs, cryptoMs: sent - c0, sentAt: sent }) });
}
async function loop() {
  const frame = () => new Promise((r) => video.requestVideoFrameCallback(r));
  for (;;) {
    await frame();
    const grabbedAt = now(), showing = current, t0 = shownAt;
    // The camera sees the projector at an angle-free 440x440 inside a 640x480 frame.
    sensor.fillStyle = '#888'; sensor.fillRect(0, 0, 640, 480);
    sensor.drawImage(video, 100, 20, 440, 440);
    const img = sensor.getImageData(0, 0, 640, 480);
    const d0 = now();
    const code = jsQR(img.data, 640, 480, { inversionAttempts: 'dontInvert' });
    const decodedAt = now();
    if (!code || showing < 0 || answered.has(showing) || code.data !== frames[showing].text) continue;
    answered.add(showing);
    answer(showing, { shownAt: t0, grabbedAt, decodedAt, decodeMs: decodedAt - d0 });
  }
}
window.run = async () => {
  sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12), additionalData: new TextEncoder().encode('ASIS1') }, await key, new Uint8Array(38));
  paint(0); // a canvas stream has no frame (and play() waits) until something is drawn
  video.srcObject = document.getElementById('projector').captureStream(30);
  await video.play();
  console.log('camera playing');
  loop();
  for (let i = 0; i < frames.length; ++i) { project(i); await new Promise((r) => setTimeout(r, FRAME)); }
  await new Promise((r) => setTimeout(r, 1500));
};
</script></body></html>`;

let received = [];
const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/answer') {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      // Date.now() and the page's timeOrigin + now() are one machine's clock.
      received.push({ ...JSON.parse(body), receivedAt: Date.now() });
      res.writeHead(204).end();
    });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/html' }).end(page);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/`;

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const summary = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return { median_ms: +quantile(s, 0.5).toFixed(1), p90_ms: +quantile(s, 0.9).toFixed(1), p99_ms: +quantile(s, 0.99).toFixed(1) };
};

async function condition(browser, { name, cpu, rttMs, simWeight }) {
  const context = await browser.newContext();
  const tab = await context.newPage();
  tab.on('pageerror', (e) => console.error(`${name}: page error: ${e.message}`));
  tab.on('crash', () => console.error(`${name}: the page crashed`));
  const cdp = await context.newCDPSession(tab);
  await tab.goto(url);
  if (process.env.DEBUG_HD) tab.on('console', (m) => console.error(`${name}: ${m.text()}`));
  if (cpu > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: cpu });
  if (rttMs > 0) {
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: rttMs, downloadThroughput: -1, uploadThroughput: -1 });
  }
  received = [];
  await tab.evaluate(() => window.run());
  await context.close();
  const rows = received.filter((r) => r.receivedAt >= r.shownAt);
  const total = rows.map((r) => r.receivedAt - r.shownAt);
  const c = {
    name, source: 'chromium-wall-clock', cpu_throttle: cpu, rtt_ms: rttMs, sim_weight: simWeight,
    showings, answered: rows.length, frame_interval_ms: frameMs,
    paint_to_answer_received: summary(total),
    paint_to_decoded: summary(rows.map((r) => r.decodedAt - r.shownAt)),
    parts: {
      frame_wait: summary(rows.map((r) => r.grabbedAt - r.shownAt)),
      decode: summary(rows.map((r) => r.decodeMs)),
      crypto: summary(rows.map((r) => r.cryptoMs)),
      network: summary(rows.map((r) => r.receivedAt - r.sentAt)),
    },
    samples_ms: total.map((x) => Math.round(x)),
  };
  console.log(`${name}: ${rows.length}/${showings} answered; paint->received median ${c.paint_to_answer_received.median_ms} ` +
    `p90 ${c.paint_to_answer_received.p90_ms} p99 ${c.paint_to_answer_received.p99_ms} ms; decode median ${c.parts.decode.median_ms} ms`);
  return c;
}

const conditions = [];
for (const [name, throttle, w] of [['cpu 1x (model from CPU time)', 1, 0.2], ['cpu 4x, mid-range phone (model from CPU time)', 4, 0.5],
  ['cpu 6x, low-end phone (model from CPU time)', 6, 0.3]]) {
  const samples = composed(throttle);
  conditions.push({
    name, source: 'node-cpu-time', cpu_throttle: throttle, rtt_ms: 0, sim_weight: w,
    paint_to_answer_received: summary(samples),
    parts: { decode_cpu: summary(decodeMs.map((x) => x * throttle)), crypto: summary(cryptoMs.map((x) => x * throttle)) },
    samples_ms: samples.map((x) => Math.round(x)),
  });
  console.log(`${name}: paint->received median ${conditions.at(-1).paint_to_answer_received.median_ms} ` +
    `p90 ${conditions.at(-1).paint_to_answer_received.p90_ms} p99 ${conditions.at(-1).paint_to_answer_received.p99_ms} ms`);
}
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required'] });
// The real pipeline in Chromium, wall clock: reported beside the model, not resampled
// (sim_weight 0), because on a loaded machine its times are the machine's, not a phone's.
for (const c of [
  { name: 'chromium cpu 1x, loopback', cpu: 1, rttMs: 0, simWeight: 0 },
  { name: 'chromium cpu 4x, loopback', cpu: 4, rttMs: 0, simWeight: 0 },
  { name: 'chromium cpu 6x, loopback', cpu: 6, rttMs: 0, simWeight: 0 },
  { name: 'chromium cpu 1x, 50 ms RTT', cpu: 1, rttMs: 50, simWeight: 0 },
  { name: 'chromium cpu 1x, 150 ms RTT', cpu: 1, rttMs: 150, simWeight: 0 },
  { name: 'chromium cpu 1x, 300 ms RTT', cpu: 1, rttMs: 300, simWeight: 0 },
]) conditions.push(await condition(browser, c));
await browser.close();
server.close();

const model = {
  model: 'asistencia honest decode delay',
  provisional: true,
  measured: 'paint (requestAnimationFrame after drawing the QR) -> answer received by a loopback server, ms',
  how: 'src/tools/honest-delay.mjs: headless Chromium, canvas captureStream(30) -> video -> requestVideoFrameCallback -> ' +
    '640x480 frame -> jsQR 1.4.0 -> AES-GCM + HMAC (WebCrypto) -> fetch POST; CPU throttle via CDP',
  not_measured: 'real camera sensor latency, blur and angle; the student page\'s own decoder; radio networks (jitter)',
  machine: 'shared 2-core VM under load from other builds: the chromium conditions\' wall times are inflated by it',
  date: new Date().toISOString(),
  load_average: (await import('node:os')).loadavg().map((x) => +x.toFixed(1)),
  conditions,
};
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(model, null, 1) + '\n');
console.log(`wrote ${out}`);
