// Decoder benchmark (not a test: run by hand, `node bench-decoders.mjs`; figures in
// docs/web.md). Real projector frames: QR texts shaped like PROTOCOL 6.3's (`ASIS1.` + 88
// base64url characters) encoded by libqrencode (the `qrencode` CLI: byte mode, ECC M, the
// smallest version, as src/infra/qr does) and painted by web/js/projection.js's paintQr on
// the projector's 720x720 canvas; then what a phone camera would see of it: scaled into a
// 640x480 or 1280x720 frame, rotated or sheared (an oblique view), blurred (focus, motion),
// with a washed-out projector's contrast and sensor noise. Every decoder gets the same
// ImageData in headless Chromium; printed: read rate and decode time (median, p95) per
// condition, full frame and centre crop.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const ORIGIN = 'http://bench.test';
const PAYLOADS = Number(process.env.BENCH_PAYLOADS || 12);

// libqrencode's matrix packed as the server sends it: {width, modules: base64 of rows, MSB first}.
function qrMatrix(text) {
  const rows = execFileSync('qrencode', ['-8', '-lM', '-m0', '-t', 'ASCII', text]).toString().split('\n').filter(Boolean);
  const width = rows.length;
  const rowBytes = (width + 7) >> 3;
  const bytes = Buffer.alloc(rowBytes * width);
  rows.forEach((row, y) => {
    for (let x = 0; x < width; x++) if (row[2 * x] === '#') bytes[y * rowBytes + (x >> 3)] |= 0x80 >> (x & 7);
  });
  return { width, modules: bytes.toString('base64') };
}

const files = {
  '/projection.js': join(repo, 'web', 'js', 'projection.js'),
  '/jsQR.js': join(here, 'node_modules', 'jsqr', 'dist', 'jsQR.js'),
};
function fileFor(path) {
  if (files[path]) return files[path];
  if (path.startsWith('/zxing/')) return join(here, 'node_modules', 'zxing-wasm', 'dist', path.slice('/zxing/'.length));
  return null;
}
const TYPES = { js: 'text/javascript', wasm: 'application/wasm', html: 'text/html' };

const PAGE = `<!doctype html><script src="/jsQR.js"></script><script type="module">
import { paintQr } from '/projection.js';
import { prepareZXingModule, readBarcodes } from '/zxing/es/reader/index.js';
window.zxingReady = prepareZXingModule({ overrides: { locateFile: (p) => '/zxing/reader/' + p }, fireImmediately: true });
window.paintQr = paintQr;
window.readBarcodes = readBarcodes;
</script>`;

// In the page: the camera's view of the projector for one condition.
function cameraFrame({ qr, frameW, frameH, size, rotate, shear, blur, washed, noise }) {
  const projector = document.createElement('canvas');
  projector.width = projector.height = 720;
  window.paintQr(projector, qr);
  const c = new OffscreenCanvas(frameW, frameH);
  const ctx = c.getContext('2d', { willReadFrequently: true });
  ctx.fillStyle = '#777'; // the room around the screen
  ctx.fillRect(0, 0, frameW, frameH);
  const side = size * frameH;
  ctx.save();
  ctx.translate(frameW / 2, frameH / 2);
  ctx.rotate((rotate * Math.PI) / 180);
  ctx.transform(1, 0, shear, 1, 0, 0);
  if (blur) ctx.filter = `blur(${blur}px)`;
  ctx.drawImage(projector, -side / 2, -side / 2, side, side);
  ctx.restore();
  const img = ctx.getImageData(0, 0, frameW, frameH);
  if (washed || noise) {
    const d = img.data;
    for (let i = 0; i < d.length; i += 4) {
      const n = noise ? (Math.random() - 0.5) * noise : 0;
      for (let k = 0; k < 3; k++) {
        let v = d[i + k];
        if (washed) v = 80 + (v * (200 - 80)) / 255;
        d[i + k] = Math.max(0, Math.min(255, v + n));
      }
    }
  }
  return img;
}

async function decodeAll(condition, texts, qrs) {
  function crop(img, f) {
    const w = Math.round(img.width * f), h = Math.round(img.height * f);
    const x0 = (img.width - w) >> 1, y0 = (img.height - h) >> 1;
    const out = new ImageData(w, h);
    for (let y = 0; y < h; y++) out.data.set(img.data.subarray(((y + y0) * img.width + x0) * 4, ((y + y0) * img.width + x0 + w) * 4), y * w * 4);
    return out;
  }
  const frames = qrs.map((qr) => cameraFrame({ ...condition, qr }));
  const out = {};
  for (const [name, cropF] of [['full', 1], ['crop', condition.crop || 0]]) {
    if (!cropF) continue;
    const imgs = cropF === 1 ? frames : frames.map((f) => crop(f, cropF));
    for (const decoder of ['jsqr', 'zxing']) {
      const times = [];
      let ok = 0;
      for (let i = 0; i < imgs.length; i++) {
        const t0 = performance.now();
        let text = null;
        if (decoder === 'jsqr') {
          text = window.jsQR(imgs[i].data, imgs[i].width, imgs[i].height, { inversionAttempts: 'dontInvert' })?.data ?? null;
        } else {
          const r = await window.readBarcodes(imgs[i], { formats: ['QRCode'], tryHarder: true, maxNumberOfSymbols: 1 });
          text = r[0]?.text ?? null;
        }
        times.push(performance.now() - t0);
        if (text === texts[i]) ok++;
      }
      out[`${decoder}/${name}`] = { ok, n: imgs.length, times };
    }
  }
  return out;
}

const CONDITIONS = [
  { label: '640x480, QR 80% of height, sharp', frameW: 640, frameH: 480, size: 0.8, rotate: 0, shear: 0, blur: 0 },
  { label: '640x480, 50%, sharp', frameW: 640, frameH: 480, size: 0.5, rotate: 0, shear: 0, blur: 0, crop: 0.6 },
  { label: '640x480, 30%, sharp (back row)', frameW: 640, frameH: 480, size: 0.3, rotate: 0, shear: 0, blur: 0, crop: 0.5 },
  { label: '640x480, 50%, blur 1.5 px', frameW: 640, frameH: 480, size: 0.5, rotate: 0, shear: 0, blur: 1.5 },
  { label: '640x480, 50%, blur 3 px', frameW: 640, frameH: 480, size: 0.5, rotate: 0, shear: 0, blur: 3 },
  { label: '640x480, 50%, rotated 20°', frameW: 640, frameH: 480, size: 0.5, rotate: 20, shear: 0, blur: 0 },
  { label: '640x480, 50%, rotated 45°', frameW: 640, frameH: 480, size: 0.5, rotate: 45, shear: 0, blur: 0 },
  { label: '640x480, 50%, oblique (shear 0.35)', frameW: 640, frameH: 480, size: 0.5, rotate: 5, shear: 0.35, blur: 0 },
  { label: '640x480, 50%, washed out + noise', frameW: 640, frameH: 480, size: 0.5, rotate: 0, shear: 0, blur: 1, washed: true, noise: 40 },
  { label: '640x480, 30%, oblique + blur 1 + washed', frameW: 640, frameH: 480, size: 0.3, rotate: 10, shear: 0.25, blur: 1, washed: true, noise: 30 },
  { label: '1280x720, 40%, sharp', frameW: 1280, frameH: 720, size: 0.4, rotate: 0, shear: 0, blur: 0, crop: 0.5 },
  { label: '1280x720, 25%, blur 1.5 + washed', frameW: 1280, frameH: 720, size: 0.25, rotate: 8, shear: 0.2, blur: 1.5, washed: true, noise: 30, crop: 0.5 },
];

function stats(times) {
  const s = [...times].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: q(0.5), p95: q(0.95) };
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage();
  await page.route(`${ORIGIN}/**`, (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/') return route.fulfill({ contentType: TYPES.html, body: PAGE });
    const file = fileFor(path);
    if (!file) return route.fulfill({ status: 404, body: '' });
    return route.fulfill({ contentType: TYPES[file.split('.').pop()] || 'application/octet-stream', body: readFileSync(file) });
  });
  await page.goto(`${ORIGIN}/`);
  await page.waitForFunction(() => window.paintQr && window.zxingReady);
  await page.evaluate(() => window.zxingReady);
  await page.addScriptTag({ content: `window.cameraFrame = ${cameraFrame}; window.decodeAll = ${decodeAll};` });
  const texts = Array.from({ length: PAYLOADS }, () => 'ASIS1.' + randomBytes(66).toString('base64url'));
  const qrs = texts.map(qrMatrix);
  console.log(`QR version ${(qrs[0].width - 17) / 4} (${qrs[0].width} modules), ${PAYLOADS} payloads per condition, Chromium headless, 1 core`);
  console.log('| condition | jsQR read | jsQR ms med/p95 | zxing-wasm read | zxing ms med/p95 | crop jsQR read, ms med | crop zxing read, ms med |');
  console.log('|---|---|---|---|---|---|---|');
  const fmt = (r) => r ? `${r.ok}/${r.n}` : '';
  const ms = (r) => { if (!r) return ''; const s = stats(r.times); return `${s.median.toFixed(1)} / ${s.p95.toFixed(1)}`; };
  for (const c of CONDITIONS) {
    const r = await page.evaluate(([cond, t, q]) => window.decodeAll(cond, t, q), [c, texts, qrs]);
    const cj = r['jsqr/crop'], cz = r['zxing/crop'];
    console.log(`| ${c.label} | ${fmt(r['jsqr/full'])} | ${ms(r['jsqr/full'])} | ${fmt(r['zxing/full'])} | ${ms(r['zxing/full'])} | ${cj ? `${fmt(cj)}, ${stats(cj.times).median.toFixed(1)}` : '—'} | ${cz ? `${fmt(cz)}, ${stats(cz.times).median.toFixed(1)}` : '—'} |`);
  }
} finally {
  await browser.close();
}
