// The phone in class (PROTOCOL.md 6.2, 6.5): joins the session with the passkey, then
// takes every QR text the camera reads (qr-scanner.js), opens only its own with K_qr and
// answers with the nonce, the TOTPs from the payload and its TOTPu. Answers lost to the
// network are retried with backoff while the showing can still count (RT_MAX_MS).
// User Timing measures `asistencia:answer` record, per answered showing, the camera
// frame -> decoded -> answer received chain with its parts.
import * as protocol from './asistencia-protocol.js';
import { api, ApiError } from './api.js';
import { loadDevice } from './key-store.js';
import { requestOptionsFromJSON, credentialToJSON } from './webauthn-json.js';

// The server accepts an answer up to RT_MAX_MS (default 5000) after the showing; retries
// stop a little before, when they could no longer count.
const ANSWER_WINDOW_MS = 4500;
const RETRY_DELAYS_MS = [250, 500, 1000, 2000];
const ANSWER_TIMEOUT_MS = 4000;

export async function joinOptions(token, sessionId) {
  return api(`/api/attendance/sessions/${sessionId}/join/options`, { method: 'POST', token, body: {} });
}

export async function joinSession(token, sessionId) {
  const options = await joinOptions(token, sessionId);
  const credential = await navigator.credentials.get({ publicKey: requestOptionsFromJSON(options.publicKey) });
  return api(`/api/attendance/sessions/${sessionId}/join`, {
    method: 'POST', token, body: { credential: credentialToJSON(credential) },
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A failure worth retrying: no answer from the server (offline, timeout) or a 503.
function transient(e) {
  return !(e instanceof ApiError) || e.status === 503;
}

// Answers this phone's own QRs of `sessionId`. onAnswer(result) gets every server answer
// (or {accepted:false, error}); onNetwork('retrying' | 'ok' | 'gave_up') the answer path's state.
// round: the round the join said this student is on.
export async function classPhone({ sessionId, participationToken, round = 1, onAnswer, onNetwork }) {
  const device = await loadDevice();
  if (!device) throw new Error('no_local_keys');
  let busy = false;
  let done = false;
  let current = round;
  const seen = new Set(); // a showing may be decoded again later: answer each once

  async function send(p, scannedAt) {
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await api(`/api/attendance/sessions/${sessionId}/responses`, {
          method: 'POST', token: participationToken, timeoutMs: ANSWER_TIMEOUT_MS,
          body: {
            round: p.round,
            nonce: protocol.base64urlEncode(p.nonce),
            totps: String(p.totps).padStart(protocol.TOTP_DIGITS, '0'),
            totpu: await protocol.totp(device.kTotpu, Date.now()),
            clientScannedAt: scannedAt,
          },
        });
        if (attempt > 0) onNetwork?.('ok');
        return { result, attempts: attempt + 1 };
      } catch (e) {
        const delay = RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)];
        if (!transient(e)) throw e;
        if (Date.now() + delay - scannedAt > ANSWER_WINDOW_MS) {
          onNetwork?.('gave_up');
          throw e;
        }
        onNetwork?.('retrying');
        await sleep(delay);
      }
    }
  }

  // timing: from qr-scanner.js (performance.now() clock), absent for other readers.
  async function handleText(text, timing = {}) {
    if (done || busy || seen.has(text)) return;
    seen.add(text);
    if (seen.size > 256) seen.clear();
    const scannedAt = Date.now();
    const c0 = performance.now();
    const p = await protocol.openQr(text, device.kQr);
    if (!p || p.sessionId !== Number(sessionId)) return; // someone else's, or a decoy
    if (p.round < current) return; // a showing of a round already answered, still on screen
    busy = true;
    const c1 = performance.now();
    try {
      const { result, attempts } = await send(p, scannedAt);
      const c2 = performance.now();
      done = result.done;
      if (result.round > current) current = result.round;
      performance.measure('asistencia:answer', {
        start: timing.frameAt ?? c0, end: c2,
        detail: {
          round: p.round, accepted: result.accepted, attempts, decoder: timing.decoder ?? null,
          frameAt: timing.frameAt ?? null, decodedAt: timing.decodedAt ?? c0, decodeMs: timing.decodeMs ?? null,
          cryptoMs: c1 - c0, networkMs: c2 - c1, issuedAt: Number(p.issuedAt),
        },
      });
      onAnswer?.(result);
    } catch (e) {
      onAnswer?.({ accepted: false, error: e });
    } finally {
      busy = false;
    }
  }
  return { handleText, stop: () => { done = true; }, isDone: () => done };
}
