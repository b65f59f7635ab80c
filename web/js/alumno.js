// The student's page: who is signed in, the enrolled phone, and the enrollment ceremony
// (PROTOCOL.md section 5): passkey + ECDH handshake, keys kept non-extractable.
import * as protocol from './asistencia-protocol.js';
import { api, messageFor } from './api.js';
import { saveDevice, loadDevice } from './key-store.js';
import { startSession } from './session-token.js';
import { classPhone, joinSession, startCamera } from './class-phone.js';
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
  $('clase').hidden = !me.enrolled;
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

const REASONS = { retry: 'Vuelve a apuntar a la pantalla.', expired: 'El código expiró; espera el siguiente.', round_failed: 'Esa ronda no se pudo validar; sigue con la próxima.' };

async function attend(token, sessionId) {
  const button = $('unirse');
  button.disabled = true;
  try {
    show('ok', 'Confirma con tu huella, rostro o PIN…');
    const joined = await joinSession(token, sessionId);
    $('unirse-form').hidden = true;
    $('escaneo').hidden = false;
    $('ronda').textContent = joined.done ? '¡Tu asistencia ya quedó registrada!' : `Ronda ${joined.round}: apunta a la pantalla.`;
    show('ok', 'Estás en la clase.');
    const phone = await classPhone({
      sessionId,
      participationToken: joined.participationToken,
      onAnswer: (r) => {
        if (r.error) { show('error', messageFor(r.error)); return; }
        $('ronda').textContent = r.done ? '¡Listo! Tu asistencia quedó registrada.'
          : r.accepted ? `Ronda ${r.round}: apunta a la pantalla.` : `Ronda ${r.round}. ${REASONS[r.reason] || ''}`;
        document.body.dataset.round = r.done ? 'done' : String(r.round);
      },
    });
    // Any reader of QR texts (the camera, or a test) feeds the same function.
    window.asistenciaLeerQr = phone.handleText;
    if (!(await startCamera($('camara'), phone).catch(() => false))) {
      $('camara').hidden = true;
      show('ok', 'Estás en la clase. Este navegador no puede leer códigos con la cámara; usa Chrome en Android o Safari.');
    }
    document.body.dataset.state = 'in-class';
  } catch (e) {
    button.disabled = false;
    if (e.message === 'no_local_keys') show('error', 'Este navegador no tiene las llaves del teléfono enrolado. Usa el teléfono que enrolaste.');
    else if (e.name === 'NotAllowedError') show('error', 'Cancelaste la confirmación o se acabó el tiempo. Inténtalo de nuevo.');
    else show('error', messageFor(e));
  }
}

async function main() {
  const session = await startSession();
  if (!session) return;
  const { token, claims } = session;
  $('enrolar').addEventListener('click', () => enroll(token, claims.userId));
  $('unirse-form').addEventListener('submit', (event) => {
    event.preventDefault();
    attend(token, $('sesion').value.trim());
  });
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
