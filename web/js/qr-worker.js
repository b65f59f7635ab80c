// The phone's QR decoder, off the page's thread: zxing-cpp compiled to WebAssembly
// (npm zxing-wasm, served from /vendor/zxing/, never a CDN). Chosen over jsQR by measurement
// (docs/web.md): 5-50x faster per frame and it reads washed-out, noisy projector frames.
// Message in: {id, image: ImageData}; out: {id, texts: [string], ms} or {id, error}.
importScripts('/vendor/zxing/zxing-reader.js');

const ready = self.ZXingWASM.prepareZXingModule({
  overrides: { locateFile: (file) => `/vendor/zxing/${file}` },
  fireImmediately: true,
});
// One QR on the projector; tryHarder keeps oblique and blurred views readable.
const OPTIONS = { formats: ['QRCode'], tryHarder: true, maxNumberOfSymbols: 1 };

self.onmessage = async ({ data }) => {
  try {
    await ready;
    const t0 = performance.now();
    const results = await self.ZXingWASM.readBarcodes(data.image, OPTIONS);
    const texts = results.filter((r) => r.isValid && r.text).map((r) => r.text);
    self.postMessage({ id: data.id, texts, ms: performance.now() - t0 });
  } catch (e) {
    self.postMessage({ id: data.id, error: String(e?.message || e) });
  }
};
