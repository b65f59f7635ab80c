// The phone's camera in the browser tests: a real MediaStream whose frames are the
// projector tab's canvas. The projector and the phone run in separate browsers (each its
// own app session cookie, as two devices have); the projector tab hands each painted frame
// (a PNG, with the time it was painted) to the test process (exposeFunction), which passes
// it to the phone tabs; the phone tab draws the latest one, as a camera sees a screen
// across the room (scaled, on a grey room), on a canvas 30 times a second and hands
// `canvas.captureStream(30)` to the page from getUserMedia. The real
// getUserMedia is called first and its tracks stopped, so the browser's permission and
// device checks (denied permission, no camera) still apply. All of this is test-only init
// script: nothing of it is in web/.
//
// Also here: the timing harness (paint -> decoded -> answer received, per showing, with
// its parts) for this test and for the scoring work (CPU throttling, network latency).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './lib.mjs';

// In the projector tab: relay every painted frame of canvas#qr (body[data-frames] changes
// right after the paint, in the same requestAnimationFrame callback).
function projectorRelay() {
  // Half size: fewer bytes to pass, still ~7 px per module.
  const small = document.createElement('canvas');
  const sctx = small.getContext('2d');
  const post = () => {
    const c = document.getElementById('qr');
    if (!c || !c.width || !window.__e2eRelay) return;
    const paintedAt = performance.timeOrigin + performance.now();
    small.width = c.width >> 1;
    small.height = c.height >> 1;
    sctx.drawImage(c, 0, 0, small.width, small.height);
    window.__e2eRelay({ paintedAt, frames: document.body.dataset.frames ?? null, png: small.toDataURL('image/png') });
  };
  const start = () => {
    new MutationObserver(post).observe(document.body, { attributes: true, attributeFilter: ['data-frames'] });
    // A still image (a join QR) is relayed too, now and then.
    setInterval(post, 1000);
  };
  if (document.body) start(); else document.addEventListener('DOMContentLoaded', start);
}

// In the phone tab: the fake camera, and a buffer of the page's User Timing measures.
function phoneCamera({ frameW, frameH, qrShare, barcodeDetector, cameraLatencyMs }) {
  const frames = [];
  const measures = [];
  window.__e2e = { frames, measures };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.name.startsWith('asistencia:')) measures.push({ name: e.name, startTime: e.startTime, duration: e.duration, detail: e.detail });
    }
  }).observe({ type: 'measure', buffered: true });

  if (barcodeDetector === 'delete') {
    delete window.BarcodeDetector;
  } else if (barcodeDetector === 'jsqr') {
    // A BarcodeDetector with the standard interface backed by jsQR, so the page's
    // BarcodeDetector path runs here (Chromium on Linux has none).
    const jsQR = window.jsQR; // jsQR's own file runs just before this function
    window.BarcodeDetector = class {
      static async getSupportedFormats() { return ['qr_code']; }
      constructor(opts) { this.formats = opts?.formats; }
      async detect(image) {
        const r = jsQR(image.data, image.width, image.height, { inversionAttempts: 'dontInvert' });
        return r ? [{ rawValue: r.data, format: 'qr_code' }] : [];
      }
    };
  }

  const canvas = document.createElement('canvas');
  canvas.width = frameW;
  canvas.height = frameH;
  const ctx = canvas.getContext('2d');
  const screen = document.createElement('canvas');
  let hasImage = false;
  // A real camera delivers what the sensor saw some time ago (exposure, ISP, encoder):
  // each relayed frame enters the "sensor" cameraLatencyMs after it was painted.
  const queue = [];
  window.__e2eCamera = (data) => {
    const relayedAt = performance.timeOrigin + performance.now();
    const img = new Image();
    img.onload = () => queue.push({ ...data, img, relayedAt });
    img.src = data.png;
  };
  const now = () => performance.timeOrigin + performance.now();
  let tick = 0;
  setInterval(() => {
    while (queue.length && queue[0].paintedAt + cameraLatencyMs <= now()) {
      const f = queue.shift();
      screen.width = f.img.width;
      screen.height = f.img.height;
      screen.getContext('2d').drawImage(f.img, 0, 0);
      hasImage = true;
      frames.push({ paintedAt: f.paintedAt, relayedAt: f.relayedAt, inCameraAt: now(), frames: f.frames });
      if (frames.length > 5000) frames.splice(0, 1000);
    }
    ctx.fillStyle = tick++ % 2 ? '#767676' : '#777777'; // a camera's frames always differ a little
    ctx.fillRect(0, 0, frameW, frameH);
    if (hasImage) {
      const side = frameH * qrShare;
      ctx.drawImage(screen, (frameW - side) / 2, (frameH - side) / 2, side, side);
    }
  }, 33);

  const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const stream = await real(constraints); // the browser's permission and device checks
    stream.getTracks().forEach((t) => t.stop());
    return canvas.captureStream(30);
  };
}

// Sets up the relay: call before the pages load (init scripts). barcodeDetector: 'delete'
// (the Safari/Firefox path) or 'jsqr' (a BarcodeDetector present).
// cameraLatencyMs: glass-to-frame latency of a phone camera (typically 100-200 ms); without
// it this relay is faster than any camera and answers arrive before RT_MIN_MS.
export async function fakeCamera(phone, projector, { barcodeDetector = 'delete', frameW = 640, frameH = 480, qrShare = 0.6, cameraLatencyMs = 150 } = {}) {
  const jsqrSource = barcodeDetector === 'jsqr'
    ? readFileSync(join(repoRoot, 'tests', 'e2e', 'node_modules', 'jsqr', 'dist', 'jsQR.js'), 'utf8') : '';
  const args = JSON.stringify({ frameW, frameH, qrShare, barcodeDetector, cameraLatencyMs });
  await phone.addInitScript({ content: `${jsqrSource}\n;(${phoneCamera})(${args});` });
  if (projector) await relayProjector(projector, [phone]);
}

// The relay's sending side (a projector tab, or any page with a canvas#qr) to `phones`
// (more can be pushed later).
export async function relayProjector(page, phones) {
  await page.exposeFunction('__e2eRelay', (frame) => {
    for (const phone of phones) {
      if (!phone.isClosed()) phone.evaluate((f) => window.__e2eCamera?.(f), frame).catch(() => {});
    }
  });
  await page.addInitScript(projectorRelay);
}

// Network and CPU conditions for the phone tab (the scoring work runs the same class at
// CPU throttling 4x/6x and with added latency).
export async function setConditions(page, { cpuRate = 1, latencyMs = 0, offline = false } = {}) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: cpuRate });
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline, latency: latencyMs, downloadThroughput: -1, uploadThroughput: -1,
  });
  return cdp;
}

export function distribution(values) {
  const s = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const q = (p) => (s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN);
  return { n: s.length, median: q(0.5), p90: q(0.9), p95: q(0.95), p99: q(0.99), max: s[s.length - 1] ?? NaN };
}

// Per answered showing: paint -> decoded -> answer received (ms) and its parts, from the
// phone tab's buffers (fakeCamera must be in place). frameWait = paint -> the camera frame
// the decoder took (relay, camera interval, decoder busy); decode; crypto (open the QR,
// TOTPu); network (POST .../responses until its answer). frameWait includes the relay
// between the tabs and the simulated camera latency (both printed on their own).
export async function showingTimings(phone) {
  const { frames, measures, origin } = await phone.evaluate(() => ({ ...window.__e2e, origin: performance.timeOrigin }));
  const decodes = measures.filter((m) => m.name === 'asistencia:decode');
  const answers = measures.filter((m) => m.name === 'asistencia:answer').map((m) => {
    const d = m.detail;
    const frameAt = origin + (d.frameAt ?? m.startTime);
    // The projector frame on screen when the camera frame was taken: the last one relayed before it.
    const shown = [...frames].reverse().find((f) => f.inCameraAt <= frameAt);
    const paintedAt = shown ? shown.paintedAt : NaN;
    const decodedAt = origin + d.decodedAt;
    const receivedAt = origin + m.startTime + m.duration;
    return {
      round: d.round, accepted: d.accepted, decoder: d.decoder,
      paintToDecoded: decodedAt - paintedAt, paintToAnswer: receivedAt - paintedAt,
      frameWait: frameAt - paintedAt, relay: shown ? shown.relayedAt - shown.paintedAt : NaN,
      cameraLatency: shown ? shown.inCameraAt - shown.paintedAt : NaN,
      decode: d.decodeMs, crypto: d.cryptoMs, network: d.networkMs,
    };
  });
  return { answers, decodeMs: decodes.map((m) => m.duration), decoders: [...new Set(decodes.map((m) => m.detail.decoder))] };
}

export function formatDistribution(name, values) {
  const d = distribution(values);
  const f = (v) => (Number.isFinite(v) ? v.toFixed(1) : '—');
  return `${name}: n=${d.n} median ${f(d.median)} p90 ${f(d.p90)} p95 ${f(d.p95)} p99 ${f(d.p99)} max ${f(d.max)} ms`;
}

export function printTimings(label, t) {
  console.log(`       [${label}] decoders used: ${t.decoders.join(', ') || 'none'}`);
  console.log(`       [${label}] ${formatDistribution('decode per frame', t.decodeMs)}`);
  for (const k of ['paintToDecoded', 'paintToAnswer', 'frameWait', 'relay', 'cameraLatency', 'decode', 'crypto', 'network']) {
    console.log(`       [${label}] ${formatDistribution(`showing ${k}`, t.answers.map((a) => a[k]))}`);
  }
}
