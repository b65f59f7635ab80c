// The phone in class (PROTOCOL.md 6.2, 6.5): joins the session with the passkey, then
// reads every QR the camera sees, opens only its own with K_qr and answers with the nonce,
// the TOTPs from the payload and its TOTPu. The camera loop (BarcodeDetector where the
// browser has it) and any other reader feed `handleText`.
import * as protocol from './asistencia-protocol.js';
import { api } from './api.js';
import { loadDevice } from './key-store.js';
import { requestOptionsFromJSON, credentialToJSON } from './webauthn-json.js';

export async function joinSession(token, sessionId) {
  const options = await api(`/api/attendance/sessions/${sessionId}/join/options`, { method: 'POST', token, body: {} });
  const credential = await navigator.credentials.get({ publicKey: requestOptionsFromJSON(options.publicKey) });
  return api(`/api/attendance/sessions/${sessionId}/join`, {
    method: 'POST', token, body: { credential: credentialToJSON(credential) },
  });
}

// Answers this phone's own QRs of `sessionId`. onAnswer(result) gets every server answer.
export async function classPhone({ sessionId, participationToken, onAnswer }) {
  const device = await loadDevice();
  if (!device) throw new Error('no_local_keys');
  let busy = false;
  let done = false;
  const seen = new Set(); // a QR stays on screen for a while: answer each showing once
  async function handleText(text) {
    if (done || busy || seen.has(text)) return;
    seen.add(text);
    if (seen.size > 256) seen.clear();
    const scannedAt = Date.now();
    const p = await protocol.openQr(text, device.kQr);
    if (!p || p.sessionId !== Number(sessionId)) return; // someone else's, or a decoy
    busy = true;
    try {
      const result = await api(`/api/attendance/sessions/${sessionId}/responses`, {
        method: 'POST', token: participationToken,
        body: {
          round: p.round,
          nonce: protocol.base64urlEncode(p.nonce),
          totps: String(p.totps).padStart(protocol.TOTP_DIGITS, '0'),
          totpu: await protocol.totp(device.kTotpu, Date.now()),
          clientScannedAt: scannedAt,
        },
      });
      done = result.done;
      onAnswer?.(result);
    } catch (e) {
      onAnswer?.({ accepted: false, error: e });
    } finally {
      busy = false;
    }
  }
  return { handleText, stop: () => { done = true; } };
}

// Reads QR codes from the rear camera while `phone` is not done (BarcodeDetector).
export async function startCamera(video, phone) {
  if (!('BarcodeDetector' in window) || !navigator.mediaDevices?.getUserMedia) return false;
  const detector = new window.BarcodeDetector({ formats: ['qr_code'] });
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
  video.srcObject = stream;
  await video.play();
  const tick = async () => {
    try {
      for (const code of await detector.detect(video)) await phone.handleText(code.rawValue);
    } catch { /* a frame the detector could not read */ }
    if (video.srcObject) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  return true;
}
