// Painting QR codes on a canvas, crisp at any size: the canvas's backing store matches its
// on-screen size in device pixels, and every module is a whole number of those pixels
// (scale = floor(side / (modules + 2 * quiet zone))), so no module is ever resampled.
export const QUIET_ZONE = 4; // modules of white around the code (ISO/IEC 18004)

// Packed bitmap of the projection frames (docs/projection.md): row-major, MSB first,
// rows padded to a byte, standard base64.
export function bitmapFromBase64(modules, width) {
  const bytes = Uint8Array.from(atob(modules), (c) => c.charCodeAt(0));
  const rowBytes = (width + 7) >> 3;
  return (x, y) => (bytes[y * rowBytes + (x >> 3)] >> (7 - (x & 7))) & 1;
}

// Makes the backing store as large as the canvas is drawn, in device pixels. Returns true
// when it changed (a change clears the canvas, so the caller repaints).
export function fitCanvas(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const rect = canvas.getBoundingClientRect();
  const side = Math.max(64, Math.floor(Math.min(rect.width, rect.height) * ratio));
  if (canvas.width === side && canvas.height === side) return false;
  canvas.width = side;
  canvas.height = side;
  return true;
}

// Draws `size` x `size` modules (dark(x, y) truthy = dark) centred with the quiet zone.
export function paintModules(canvas, size, dark) {
  const side = Math.min(canvas.width, canvas.height);
  const total = size + 2 * QUIET_ZONE;
  const scale = Math.max(1, Math.floor(side / total));
  const offset = Math.floor((side - total * scale) / 2) + QUIET_ZONE * scale;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#000';
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (dark(x, y)) ctx.fillRect(offset + x * scale, offset + y * scale, scale, scale);
    }
  }
}

export function paintFrame(canvas, { width, modules }) {
  paintModules(canvas, width, bitmapFromBase64(modules, width));
}

// Nothing to read: an empty white square (never a stale code shown as if it were live).
export function blankCanvas(canvas) {
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
}
