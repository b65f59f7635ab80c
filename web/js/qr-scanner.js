// The phone's camera and continuous QR reading (issue 12, docs/web.md). Every camera
// frame (requestVideoFrameCallback, else requestAnimationFrame) goes to the decoder while
// the previous one is done: zxing-wasm in a Web Worker (qr-worker.js), or the browser's
// BarcodeDetector where it exists and measures faster on this phone's first frames. When
// full frames decode slower than the camera delivers them, the centre of the frame is
// decoded instead (the student points at the projector). User Timing measures
// (`asistencia:decode`) record the decode time per frame.

const MAX_SIDE = 960; // larger frames only cost time: a projected QR needs ~3 px per module
const CROP = 0.6; // centre region, per side
const SLOW_MS = 40; // a full frame slower than this: crop (a 25-30 fps camera's interval)
const CALIBRATION_FRAMES = 8;
const MAX_DECODE_MEASURES = 2000;

export class CameraError extends Error {
  // kind: unsupported | denied | none | busy | unknown
  constructor(kind, cause) {
    super(kind);
    this.kind = kind;
    this.cause = cause;
  }
}

function cameraErrorKind(e) {
  if (e?.name === 'NotAllowedError' || e?.name === 'SecurityError') return 'denied';
  if (e?.name === 'NotFoundError' || e?.name === 'OverconstrainedError' || e?.name === 'DevicesNotFoundError') return 'none';
  if (e?.name === 'NotReadableError' || e?.name === 'AbortError' || e?.name === 'TrackStartError') return 'busy';
  return 'unknown';
}

// The rear camera on `video`; throws CameraError.
export async function openCamera(video) {
  if (!navigator.mediaDevices?.getUserMedia) throw new CameraError('unsupported');
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } },
    });
  } catch (e) {
    throw new CameraError(cameraErrorKind(e), e);
  }
  video.muted = true;
  video.playsInline = true;
  video.srcObject = stream;
  try {
    await video.play();
  } catch (e) {
    stream.getTracks().forEach((t) => t.stop());
    throw new CameraError('unknown', e);
  }
  return stream;
}

export function closeCamera(video) {
  const stream = video.srcObject;
  video.srcObject = null;
  stream?.getTracks?.().forEach((t) => t.stop());
}

function workerDecoder() {
  const worker = new Worker('/js/qr-worker.js');
  let nextId = 0;
  const pending = new Map();
  worker.onmessage = ({ data }) => {
    const p = pending.get(data.id);
    pending.delete(data.id);
    if (!p) return;
    if (data.error) p.reject(new Error(data.error));
    else p.resolve({ texts: data.texts, ms: data.ms });
  };
  worker.onerror = (event) => {
    event.preventDefault();
    for (const p of pending.values()) p.reject(new Error('decoder_failed'));
    pending.clear();
  };
  return {
    name: 'zxing-wasm',
    decode: (image) => new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, image }, [image.data.buffer]);
    }),
    close: () => worker.terminate(),
  };
}

async function barcodeDetectorDecoder() {
  if (!('BarcodeDetector' in window)) return null;
  try {
    const formats = await window.BarcodeDetector.getSupportedFormats?.();
    if (formats && !formats.includes('qr_code')) return null;
    const detector = new window.BarcodeDetector({ formats: ['qr_code'] });
    return {
      name: 'BarcodeDetector',
      decode: async (image) => {
        const t0 = performance.now();
        const codes = await detector.detect(image);
        return { texts: codes.map((c) => c.rawValue).filter(Boolean), ms: performance.now() - t0 };
      },
      close: () => {},
    };
  } catch {
    return null;
  }
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : Infinity;
}

// Reads QR texts from `video` until stop(). onText(text, timing) gets each new text once
// per showing (a QR stays on screen for several frames); timing = {frameAt, decodedAt,
// decodeMs, decoder} on the performance.now() clock. onError(kind) when no decoder works.
export async function startScanning(video, { onText, onError }) {
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const zxing = workerDecoder();
  const native = await barcodeDetectorDecoder();
  // Calibration: both decoders on the same first frames; BarcodeDetector stays only if it
  // reads at least as often and is faster (it is not on every phone: some run it on the CPU).
  const calibration = native ? { frames: 0, zxing: { ms: [], reads: 0 }, native: { ms: [], reads: 0 } } : null;
  let decoder = zxing;
  let stopped = false;
  let lastText = '';
  let slow = 0; // smoothed full-frame decode time (the first, warm-up decode left out)
  let fullFrames = 0;
  let frameNo = 0;
  let measures = 0;

  function grab(crop) {
    const vw = video.videoWidth;
    const vh = video.videoHeight;
    if (!vw || !vh) return null;
    const f = crop ? CROP : 1;
    const sw = Math.round(vw * f);
    const sh = Math.round(vh * f);
    const scale = Math.min(1, MAX_SIDE / Math.max(sw, sh));
    const w = Math.round(sw * scale);
    const h = Math.round(sh * scale);
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    ctx.drawImage(video, (vw - sw) >> 1, (vh - sh) >> 1, sw, sh, 0, 0, w, h);
    return ctx.getImageData(0, 0, w, h);
  }

  function deliver(texts, frameAt, decodeMs, name) {
    const decodedAt = performance.now();
    for (const text of texts) {
      if (text === lastText) continue;
      lastText = text;
      onText(text, { frameAt, decodedAt, decodeMs, decoder: name });
    }
  }

  function measure(name, t0, ms, image, crop, read) {
    if (++measures > MAX_DECODE_MEASURES) { performance.clearMeasures('asistencia:decode'); measures = 0; }
    performance.measure('asistencia:decode', {
      start: t0, duration: ms, detail: { decoder: name, crop, width: image.width, height: image.height, read },
    });
  }

  async function decodeFrame(frameAt) {
    // Every 4th frame stays full while cropping, so a QR off-centre is still found.
    const crop = slow > SLOW_MS && frameNo % 4 !== 0;
    frameNo++;
    const image = grab(crop);
    if (!image) return;
    if (calibration && calibration.frames < CALIBRATION_FRAMES) {
      calibration.frames++;
      const copy = new ImageData(new Uint8ClampedArray(image.data), image.width, image.height);
      const n = await native.decode(copy).catch(() => ({ texts: [], ms: Infinity }));
      calibration.native.ms.push(n.ms);
      if (n.texts.length) calibration.native.reads++;
      measure(native.name, frameAt, n.ms, copy, crop, n.texts.length > 0);
      deliver(n.texts, frameAt, n.ms, native.name);
      const z = await zxing.decode(image);
      calibration.zxing.ms.push(z.ms);
      if (z.texts.length) calibration.zxing.reads++;
      measure(zxing.name, frameAt, z.ms, { width: canvas.width, height: canvas.height }, crop, z.texts.length > 0);
      deliver(z.texts, frameAt, z.ms, zxing.name);
      if (!crop && fullFrames++ > 0) slow = slow ? 0.7 * slow + 0.3 * z.ms : z.ms;
      if (calibration.frames === CALIBRATION_FRAMES &&
          calibration.native.reads >= calibration.zxing.reads &&
          median(calibration.native.ms) < median(calibration.zxing.ms)) decoder = native;
      return;
    }
    const { width, height } = image;
    const r = await decoder.decode(image);
    if (!crop && fullFrames++ > 0) slow = slow ? 0.7 * slow + 0.3 * r.ms : r.ms;
    measure(decoder.name, frameAt, r.ms, { width, height }, crop, r.texts.length > 0);
    deliver(r.texts, frameAt, r.ms, decoder.name);
  }

  let failures = 0;
  const schedule = () => {
    if (stopped) return;
    if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(tick);
    else requestAnimationFrame(tick);
  };
  async function tick() {
    if (stopped) return;
    try {
      await decodeFrame(performance.now());
      failures = 0;
    } catch {
      // The worker could not load the decoder (no WebAssembly, or a policy forbids it):
      // fall back to BarcodeDetector when there is one, else tell the page.
      if (++failures >= 3) {
        if (native && decoder !== native) { decoder = native; failures = 0; } else { stopped = true; onError?.('decoder'); return; }
      }
    }
    schedule();
  }
  schedule();
  return {
    stop: () => { stopped = true; zxing.close(); },
    decoder: () => decoder.name,
    resetShowing: () => { lastText = ''; },
  };
}
