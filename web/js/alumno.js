// The student's page: who is signed in, the enrolled phone, and the enrollment ceremony
// (PROTOCOL.md section 5): passkey + ECDH handshake, keys kept non-extractable.
import * as protocol from './asistencia-protocol.js';
import { api, messageFor } from './api.js';
import { saveDevice, loadDevice } from './key-store.js';
import { startSession } from './session-token.js';
import { creationOptionsFromJSON, credentialToJSON } from './webauthn-json.js';

const $ = (id) => document.getElementById(id);

function show(kind, text) {
  const box = $('estado');
  box.hidden = false;
  box.className = `status ${kind}`;
  box.textContent = text;
  document.body.dataset.state = kind;
}

function formatDate(iso) {
  if (!iso) return 'nunca';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString('es-CL');
}

// A random id per browser: tells the student's own phones apart without fingerprinting.
function deviceFingerprint() {
  let id = localStorage.getItem('asistencia.installId');
  if (!id) {
    id = crypto.randomUUID();
    localStorage.setItem('asistencia.installId', id);
  }
  return `${id} ${navigator.platform || ''}`.trim().slice(0, 200);
}

async function showDevice(token) {
  const me = await api('/api/enrollment/me', { token });
  const local = await loadDevice().catch(() => null);
  $('dispositivo').hidden = !me.enrolled;
  if (me.enrolled) {
    $('dispositivo-id').textContent = String(me.deviceId);
    $('dispositivo-fecha').textContent = formatDate(me.enrolledAt);
    $('dispositivo-uso').textContent = formatDate(me.lastUsed);
    $('dispositivo-local').textContent = local && local.deviceId === me.deviceId
      ? 'sí' : 'no (este navegador no es el teléfono enrolado)';
    $('enrolar').textContent = 'Enrolar otro teléfono';
  }
  document.body.dataset.enrolled = String(Boolean(me.enrolled));
  return me;
}

async function enroll(token, userId) {
  if (!window.PublicKeyCredential || !navigator.credentials?.create) {
    show('error', 'Este navegador no permite llaves de acceso. Usa Chrome, Safari o Firefox actualizados.');
    return;
  }
  const button = $('enrolar');
  button.disabled = true;
  show('ok', 'Preparando el enrolamiento…');
  try {
    const start = await api('/api/enrollment/start', { method: 'POST', token, body: {} });
    const publicKey = creationOptionsFromJSON(start.publicKey);
    show('ok', 'Confirma con tu huella, rostro o PIN…');
    let credential;
    try {
      credential = await navigator.credentials.create({ publicKey });
    } catch (e) {
      // The ceremony holds the enrollment lock: end it so the student can retry at once.
      await api('/api/enrollment/finish', { method: 'POST', token, body: {} }).catch(() => {});
      if (e.name === 'NotAllowedError') show('error', 'Cancelaste la creación de la llave o se acabó el tiempo. Puedes intentarlo de nuevo.');
      else if (e.name === 'InvalidStateError') show('error', 'Este teléfono ya está enrolado en tu cuenta.');
      else show('error', `El teléfono no pudo crear la llave (${e.name}).`);
      return;
    }
    const json = credentialToJSON(credential);
    const challenge = protocol.base64urlDecode(start.publicKey.challenge);
    const serverKey = protocol.base64urlDecode(start.serverHandshakeKey);
    const mine = await protocol.generateEcdhKeyPair();
    const secret = await protocol.deriveHandshakeSecret(mine.privateKey, serverKey, challenge,
      protocol.base64urlDecode(json.rawId));
    const keys = await protocol.deriveDeviceKeys(secret);
    secret.fill(0);
    const done = await api('/api/enrollment/finish', {
      method: 'POST', token,
      body: {
        credential: json,
        clientHandshakeKey: protocol.base64urlEncode(mine.publicRaw),
        deviceFingerprint: deviceFingerprint(),
      },
    });
    await saveDevice({ userId, deviceId: done.deviceId, enrolledAt: done.enrolledAt, kTotpu: keys.kTotpu, kQr: keys.kQr });
    show('ok', '¡Listo! Este teléfono quedó enrolado.');
    await showDevice(token);
  } catch (e) {
    show('error', messageFor(e));
  } finally {
    button.disabled = false;
  }
}

async function main() {
  const session = startSession();
  if (!session) return;
  const { token, claims } = session;
  $('enrolar').addEventListener('click', () => enroll(token, claims.userId));
  try {
    const me = await api('/api/me', { token });
    $('nombre').textContent = me.nombre;
    await showDevice(token);
    document.body.dataset.state = 'ready';
  } catch (e) {
    show('error', messageFor(e));
  }
}

main();
