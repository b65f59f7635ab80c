// The projector's side of PROTOCOL.md 6.4: the WebSocket, the auth message, clock pings,
// each frame handed over from the requestAnimationFrame callback and reported `shown`
// from there (RT is measured from the glass), progress, pause/resume and the close.
// A class lasts 90 minutes and Wi-Fi, laptops and deploys do not: whenever the socket
// closes for any reason but the session's end, it reconnects by itself with exponential
// backoff and jitter, authenticates again and frames resume.
export { bitmapFromBase64 } from './qr-canvas.js';

const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 10000;
const PING_EVERY_MS = 10000;
// No message at all for this long (frames come twice a second, pongs every 10 s): the
// connection is dead even if the socket did not notice (laptop sleep, half-open TCP).
const SILENCE_LIMIT_MS = 25000;

// Delay before reconnect attempt `n` (0-based): "full jitter" in [d/2, d] with d doubling
// from BACKOFF_FIRST_MS up to BACKOFF_MAX_MS, so a room of projectors does not stampede.
export function backoffDelay(n, random = Math.random) {
  const d = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.min(n, 16));
  return Math.round(d / 2 + random() * (d / 2));
}

// A close that means the session is over (nothing to reconnect to).
function sessionEnded(event) {
  return event.code === 1008 && /session not active/.test(event.reason || '');
}

// Opens the projection. Options: sessionId, authMessage() -> the {type:"auth", ...} to send
// on every (re)connect, or null when the upgrade's session cookie authenticates. Callbacks: onReady(msg), onFrame(msg) (inside requestAnimationFrame,
// paint there), onProgress(msg), onClosed(summary), onConnection(state, detail) with state
// 'connecting' | 'open' | 'reconnecting' (detail: {attempt, delayMs, reason}).
// Returns {pause(), resume(), close(), reconnectNow()}.
export function openProjection({ sessionId, authMessage, onReady, onFrame, onProgress, onClosed, onConnection }) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const url = `${scheme}://${location.host}/ws/projection/${sessionId}`;
  let ws = null;
  let ended = false;
  let attempt = 0;
  let retryTimer = null;
  let pinger = null;
  let watchdog = null;

  const send = (msg) => { if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg)); };
  const stopTimers = () => { clearInterval(pinger); clearTimeout(watchdog); pinger = null; };
  const feedWatchdog = (socket) => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => socket.close(4000, 'silence'), SILENCE_LIMIT_MS);
  };

  const scheduleRetry = (reason) => {
    if (ended || retryTimer) return;
    const delayMs = backoffDelay(attempt);
    onConnection?.('reconnecting', { attempt: attempt + 1, delayMs, reason });
    attempt++;
    retryTimer = setTimeout(() => { retryTimer = null; connect(); }, delayMs);
  };

  function connect() {
    if (ended) return;
    onConnection?.('connecting', { attempt });
    const socket = new WebSocket(url);
    ws = socket;
    socket.addEventListener('open', () => {
      const auth = authMessage();
      if (auth) socket.send(JSON.stringify(auth));
      feedWatchdog(socket);
    });
    socket.addEventListener('message', (event) => {
      if (socket !== ws) return;
      feedWatchdog(socket);
      let msg;
      try { msg = JSON.parse(event.data); } catch { return; }
      if (msg.type === 'ready') {
        attempt = 0;
        // A few pings now (the server estimates this screen's clock offset), then one every 10 s.
        for (let i = 0; i < 3; i++) setTimeout(() => send({ type: 'ping', t: Date.now() }), i * 200);
        clearInterval(pinger);
        pinger = setInterval(() => send({ type: 'ping', t: Date.now() }), PING_EVERY_MS);
        onConnection?.('open', {});
        onReady?.(msg);
      } else if (msg.type === 'frame') {
        requestAnimationFrame(() => {
          // A frame that arrives just before a close must not repaint the blanked canvas.
          if (socket !== ws || ended || socket.readyState !== WebSocket.OPEN) return;
          if (onFrame?.(msg) !== false) send({ type: 'shown', seq: msg.seq, at: Date.now() });
        });
      } else if (msg.type === 'progress') {
        onProgress?.(msg);
      } else if (msg.type === 'closed') {
        ended = true;
        onClosed?.(msg.summary || {});
      }
    });
    socket.addEventListener('close', (event) => {
      if (socket !== ws) return;
      stopTimers();
      if (ended) return;
      if (sessionEnded(event)) {
        ended = true;
        onClosed?.({});
        return;
      }
      scheduleRetry(event.reason || `code ${event.code}`);
    });
  }

  // The browser knows before we do that the network is back: try at once.
  const onOnline = () => { if (!ended && retryTimer) { clearTimeout(retryTimer); retryTimer = null; connect(); } };
  window.addEventListener('online', onOnline);
  connect();

  return {
    pause: () => send({ type: 'pause' }),
    resume: () => send({ type: 'resume' }),
    reconnectNow: onOnline,
    close: () => {
      ended = true;
      clearTimeout(retryTimer);
      stopTimers();
      window.removeEventListener('online', onOnline);
      ws?.close(1000);
    },
  };
}
