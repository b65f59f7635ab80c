// The projector's side of PROTOCOL.md 6.4: the WebSocket, the auth message, clock pings,
// each frame painted on a canvas and reported `shown` from the requestAnimationFrame
// callback (RT is measured from the glass), progress, pause/resume and the close.
export function bitmapFromBase64(modules, width) {
  const bytes = Uint8Array.from(atob(modules), (c) => c.charCodeAt(0));
  const rowBytes = (width + 7) >> 3;
  return (x, y) => (bytes[y * rowBytes + (x >> 3)] >> (7 - (x & 7))) & 1;
}

// Draws a QR with a 4-module quiet zone, as large as the canvas allows, crisp.
export function paintQr(canvas, { width, modules }) {
  const dark = bitmapFromBase64(modules, width);
  const side = width + 8;
  const scale = Math.max(1, Math.floor(Math.min(canvas.width, canvas.height) / side));
  const offset = Math.floor((Math.min(canvas.width, canvas.height) - side * scale) / 2);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#000';
  for (let y = 0; y < width; y++) {
    for (let x = 0; x < width; x++) {
      if (dark(x, y)) ctx.fillRect(offset + (x + 4) * scale, offset + (y + 4) * scale, scale, scale);
    }
  }
}

// Opens the projection. Callbacks: onReady, onFrame(seq), onProgress(msg), onClosed(summary),
// onError(text). Returns {pause(), resume(), close()}.
export function openProjection({ sessionId, token, canvas, onReady, onFrame, onProgress, onClosed, onError }) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const ws = new WebSocket(`${scheme}://${location.host}/ws/projection/${sessionId}`);
  let pinger = null;
  let ended = false;
  const send = (msg) => { if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg)); };
  ws.addEventListener('open', () => send({ type: 'auth', token }));
  ws.addEventListener('message', (event) => {
    let msg;
    try { msg = JSON.parse(event.data); } catch { return; }
    if (msg.type === 'ready') {
      // A few pings now (the server estimates this screen's clock offset), then one every 10 s.
      for (let i = 0; i < 3; i++) setTimeout(() => send({ type: 'ping', t: Date.now() }), i * 200);
      pinger = setInterval(() => send({ type: 'ping', t: Date.now() }), 10000);
      onReady?.(msg);
    } else if (msg.type === 'frame') {
      requestAnimationFrame(() => {
        paintQr(canvas, msg.qr);
        send({ type: 'shown', seq: msg.seq, at: Date.now() });
        onFrame?.(msg.seq);
      });
    } else if (msg.type === 'progress') {
      onProgress?.(msg);
    } else if (msg.type === 'closed') {
      ended = true;
      onClosed?.(msg.summary || {});
    }
  });
  ws.addEventListener('close', (event) => {
    clearInterval(pinger);
    if (!ended) onError?.(event.reason || 'La conexión con el servidor se cerró.');
  });
  return {
    pause: () => send({ type: 'pause' }),
    resume: () => send({ type: 'resume' }),
    close: () => { ended = true; ws.close(1000); },
  };
}
