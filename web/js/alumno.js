// The student's page: who is signed in, the enrolled phone, and the enrollment ceremony
// (PROTOCOL.md section 5): passkey + ECDH handshake, keys kept non-extractable.
import * as protocol from './asistencia-protocol.js';
import { api, ApiError, messageFor } from './api.js';
import { saveDevice, loadDevice } from './key-store.js';
import { startSession } from './session-token.js';
import { classPhone, joinSession } from './class-phone.js';
import { CameraError, openCamera, closeCamera, startScanning } from './qr-scanner.js';
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

// ---- The class screen (issue 12): join by scanning or by number, the camera, the rounds.

const STATUS_TEXT = { PRESENT: 'Presente', DOUBTFUL: 'Dudoso', ABSENT: 'Ausente', ERROR: 'Error', PENDING: 'En curso' };

function browserFamily() {
  const ua = navigator.userAgent;
  if (/Firefox|FxiOS/.test(ua)) return 'firefox';
  if (/Safari/.test(ua) && !/Chrome|Chromium|CriOS|Android/.test(ua)) return 'safari';
  return 'chrome';
}

// How to give the page the camera again, the student's browser first.
function cameraSteps() {
  const steps = {
    chrome: 'En Chrome: toca el ícono a la izquierda de la dirección, entra a «Permisos» (o «Configuración del sitio»), cambia «Cámara» a «Permitir» y toca «Reintentar».',
    safari: 'En Safari (iPhone): toca «aA» en la barra de direcciones, entra a «Configuración del sitio web», cambia «Cámara» a «Permitir» y toca «Reintentar». Si no aparece, ve a Ajustes › Safari › Cámara.',
    firefox: 'En Firefox: toca el candado a la izquierda de la dirección, quita el bloqueo de «Usar la cámara» y toca «Reintentar».',
  };
  const first = browserFamily();
  return [steps[first], ...Object.entries(steps).filter(([k]) => k !== first).map(([, v]) => v)];
}

const ENROLL_LINK = ['#explicacion', 'Enrolar este teléfono'];
const PROBLEMS = {
  'camera-denied': () => ({ text: 'La página no tiene permiso para usar la cámara, y sin ella no puede leer los códigos de la pantalla.', steps: cameraSteps(), retry: true }),
  'no-camera': () => ({ text: 'No encontramos una cámara en este teléfono. Para marcar asistencia necesitas un teléfono con cámara.', retry: true }),
  'camera-busy': () => ({ text: 'Otra aplicación está usando la cámara. Ciérrala y toca «Reintentar».', retry: true }),
  'camera-unsupported': () => ({ text: 'Este navegador no deja usar la cámara en esta página. Ábrela en Chrome, Safari o Firefox actualizados.' }),
  decoder: () => ({ text: 'Este navegador no pudo cargar el lector de códigos. Actualízalo o usa Chrome, Safari o Firefox.' }),
  'not-enrolled': () => ({ text: 'Este teléfono no está enrolado en tu cuenta. Enrólalo una vez y vuelve a unirte a la clase.', link: ENROLL_LINK }),
  'other-phone': () => ({ text: 'Tu cuenta está enrolada en otro teléfono: usa ese teléfono para marcar asistencia. Si cambiaste de teléfono, enrola este (el otro dejará de funcionar).', link: ENROLL_LINK }),
  'not-in-course': () => ({ text: 'No estás inscrito en el curso de esta sesión. Revisa el número de la sesión o habla con tu profesor.' }),
  'session-closed': () => ({ text: 'Esta sesión ya terminó: ya no se puede marcar asistencia en ella.' }),
  'session-not-found': () => ({ text: 'No hay una sesión abierta con ese número. Si la clase aún no empieza, espera a que el profesor la inicie y vuelve a escanear el código.' }),
  revoked: () => ({ text: 'Este teléfono fue desenrolado de tu cuenta (revocado) y ya no puede marcar asistencia. Enrólalo de nuevo o pide ayuda a tu profesor.', link: ENROLL_LINK }),
  passkey: () => ({ text: 'Cancelaste la confirmación con tu huella, rostro o PIN, o se acabó el tiempo.', retry: true }),
};

function showProblem(kind, detail) {
  const p = PROBLEMS[kind] ? PROBLEMS[kind]() : { text: detail || 'No se pudo completar la acción.' };
  $('problema').hidden = false;
  $('problema-texto').textContent = p.text;
  $('problema-pasos').hidden = !p.steps;
  $('problema-pasos').replaceChildren(...(p.steps || []).map((t) => Object.assign(document.createElement('li'), { textContent: t })));
  $('problema-enlace').hidden = !p.link;
  if (p.link) { $('problema-enlace').href = p.link[0]; $('problema-enlace').textContent = p.link[1]; }
  $('reintentar').hidden = !p.retry;
  $('estado').hidden = true;
  document.body.dataset.problem = kind;
  document.body.dataset.state = 'error';
}

function clearProblem() {
  $('problema').hidden = true;
  delete document.body.dataset.problem;
}

function problemFor(error) {
  if (error?.name === 'NotAllowedError') return 'passkey';
  if (error?.message === 'no_local_keys') return 'other-phone';
  if (!(error instanceof ApiError)) return null;
  return {
    not_enrolled: 'not-enrolled', credential_not_enrolled: 'other-phone', device_changed: 'other-phone',
    device_revoked: 'revoked', not_in_course: 'not-in-course', session_not_active: 'session-closed',
    session_not_found: 'session-not-found',
  }[error.code] || null;
}

// What this browser can do before asking the server: the enrolled phone is this one?
async function localEnrollmentProblem(token) {
  const [me, local] = await Promise.all([api('/api/enrollment/me', { token }), loadDevice().catch(() => null)]);
  if (!me.enrolled) return local ? 'revoked' : 'not-enrolled';
  if (!local || local.deviceId !== me.deviceId) return 'other-phone';
  return null;
}

// The join link of the projector's join QR: this origin's alumno.html#join=<sessionId>.
export function joinIdFromText(text) {
  try {
    const url = new URL(text);
    if (url.origin !== location.origin || url.pathname !== '/alumno.html') return null;
    return /^#join=([0-9]{1,10})$/.exec(url.hash)?.[1] ?? null;
  } catch {
    return null;
  }
}

// #join=<id> on arrival: kept for this tab (a portal login in between keeps it) and
// removed from the address bar so a reload does not join again.
const JOIN_KEY = 'asistencia.join';
const JOIN_MAX_AGE_MS = 15 * 60 * 1000;
function takePendingJoin() {
  const m = /(?:^|[#&])join=([0-9]{1,10})(?:&|$)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(JOIN_KEY, JSON.stringify({ id: m[1], at: Date.now() }));
    const rest = location.hash.replace(/(^#|&)join=[0-9]{1,10}/, '$1').replace(/^#&/, '#');
    history.replaceState(null, '', location.pathname + location.search + (rest === '#' ? '' : rest));
  }
}
function consumePendingJoin() {
  const raw = sessionStorage.getItem(JOIN_KEY);
  sessionStorage.removeItem(JOIN_KEY);
  try {
    const j = JSON.parse(raw);
    return j && Date.now() - j.at < JOIN_MAX_AGE_MS ? j.id : null;
  } catch {
    return null;
  }
}

function classScreen() {
  let scanner = null;
  let handler = null;
  let wakeLock = null;
  let active = false;

  async function keepAwake() {
    try { wakeLock = await navigator.wakeLock?.request('screen'); } catch { /* not allowed now: no matter */ }
  }
  document.addEventListener('visibilitychange', () => {
    if (active && document.visibilityState === 'visible') keepAwake();
  });

  function show(title) {
    active = true;
    $('clase').hidden = true;
    $('en-clase').hidden = false;
    $('en-clase-titulo').textContent = title;
    keepAwake();
  }

  // Opens the camera and decodes into the current handler; false (and the message) if not.
  async function camera() {
    if (scanner) return true;
    $('camara-marco').hidden = false;
    try {
      await openCamera($('camara'));
    } catch (e) {
      $('camara-marco').hidden = true;
      showProblem(e instanceof CameraError ? ({ denied: 'camera-denied', none: 'no-camera', busy: 'camera-busy', unsupported: 'camera-unsupported' }[e.kind] || 'no-camera') : 'no-camera');
      return false;
    }
    scanner = await startScanning($('camara'), {
      onText: (text, timing) => handler?.(text, timing),
      onError: () => showProblem('decoder'),
    });
    return true;
  }

  function stop() {
    active = false;
    scanner?.stop();
    scanner = null;
    closeCamera($('camara'));
    wakeLock?.release?.().catch(() => {});
    wakeLock = null;
  }

  return { show, camera, stop, setHandler: (h) => { handler = h; scanner?.resetShowing(); } };
}

function roundsText(done, max) {
  return max ? `Rondas hechas: ${done} de ${max}` : `Rondas hechas: ${done}`;
}

function setNetwork(state) {
  const box = $('red');
  const text = {
    offline: 'Estás sin conexión. Sigue apuntando al proyector: las respuestas se reintentan solas cuando vuelva la red.',
    retrying: 'Sin conexión: reintentando enviar tu respuesta…',
    gave_up: 'Sin conexión: esa respuesta no llegó a tiempo. Sigue apuntando: tu código volverá a aparecer.',
  }[state];
  box.hidden = !text;
  box.textContent = text || '';
  if (text) document.body.dataset.network = state; else delete document.body.dataset.network;
}

function makeClass(token) {
  const screen = classScreen();
  let joining = false;
  let inClass = false; // joined: the camera serves the rounds, not the join QR

  async function attend(sessionId) {
    if (joining) return;
    joining = true;
    clearProblem();
    $('unirse').disabled = true;
    $('escanear-union').disabled = true;
    document.body.dataset.state = 'joining';
    try {
      const problem = await localEnrollmentProblem(token);
      if (problem) {
        screen.stop();
        $('en-clase').hidden = true;
        $('clase').hidden = document.body.dataset.enrolled !== 'true';
        showProblem(problem);
        return;
      }
      show('ok', 'Confirma con tu huella, rostro o PIN…');
      const joined = await joinSession(token, sessionId);
      const max = joined.maxRounds || 0;
      let doneRounds = joined.done ? max : Math.max(0, (joined.round || 1) - 1);
      const finish = () => {
        screen.stop();
        $('rondas').textContent = roundsText(max || doneRounds, max);
        $('listo').hidden = false;
        $('listo-hora').textContent = `Registrada a las ${new Date().toLocaleTimeString('es-CL', { hour: '2-digit', minute: '2-digit', hour12: false })}`;
        $('en-clase-titulo').textContent = 'Listo';
        setNetwork(null);
        document.body.dataset.round = 'done';
        document.body.dataset.state = 'done';
      };
      screen.show('Apunta al proyector');
      $('estado').hidden = true;
      $('rondas').textContent = roundsText(doneRounds, max);
      if (joined.done) { finish(); return; }
      const phone = await classPhone({
        sessionId,
        participationToken: joined.participationToken,
        round: joined.round || 1,
        onNetwork: (state) => setNetwork(state === 'ok' ? (navigator.onLine ? null : 'offline') : state),
        onAnswer: (r) => {
          if (r.error) {
            const kind = problemFor(r.error);
            if (kind) { screen.stop(); showProblem(kind); }
            return;
          }
          if (r.done) { finish(); return; }
          doneRounds = Math.max(doneRounds, r.round - 1);
          $('rondas').textContent = roundsText(doneRounds, max);
          $('indicacion').textContent = r.accepted || !r.reason ? 'Mantén el código de la pantalla dentro del recuadro.'
            : { retry: 'Vuelve a apuntar a la pantalla.', expired: 'El código expiró; espera el siguiente.', round_failed: 'Esa ronda no se pudo validar; sigue con la próxima.' }[r.reason];
          document.body.dataset.round = String(r.round);
        },
      });
      screen.setHandler(phone.handleText);
      inClass = true;
      if (!(await screen.camera())) return;
      document.body.dataset.state = 'in-class';
    } catch (e) {
      const kind = problemFor(e);
      if (kind) showProblem(kind);
      else { show('error', messageFor(e)); document.body.dataset.state = 'error'; }
      screen.stop();
      $('en-clase').hidden = true;
      $('clase').hidden = false;
    } finally {
      joining = false;
      $('unirse').disabled = false;
      $('escanear-union').disabled = false;
    }
  }

  // The camera first, reading the projector's join QR; then the same camera stays for class.
  async function scanToJoin() {
    clearProblem();
    screen.show('Apunta al código de la sala');
    $('rondas').textContent = '';
    screen.setHandler((text) => {
      const id = joinIdFromText(text);
      if (!id) return;
      screen.setHandler(null);
      attend(id);
    });
    if (await screen.camera()) {
      document.body.dataset.state = 'scanning-join';
    } else {
      $('en-clase').hidden = true; // the number stays as the way in
      $('clase').hidden = false;
    }
  }

  window.addEventListener('offline', () => { if (!$('en-clase').hidden) setNetwork('offline'); });
  window.addEventListener('online', () => { if (document.body.dataset.network === 'offline') setNetwork(null); });
  async function retryCamera() {
    if (!(await screen.camera())) return;
    clearProblem();
    document.body.dataset.state = inClass ? 'in-class' : 'scanning-join';
  }
  return { attend, scanToJoin, retryCamera };
}

async function loadHistory(token) {
  // GET /api/student/attendance (app session issue): the student's own sessions.
  let data;
  try {
    data = await api('/api/student/attendance', { token });
  } catch {
    return; // the history is a convenience: the page works without it
  }
  const rows = Array.isArray(data) ? data : data.sessions || [];
  $('historial').hidden = false;
  $('historial-vacio').hidden = rows.length > 0;
  $('historial-tabla').hidden = rows.length === 0;
  $('historial-filas').replaceChildren(...rows.map((s) => {
    const tr = document.createElement('tr');
    const course = [s.courseCode, s.courseName].filter(Boolean).join(' · ') || String(s.courseId ?? '');
    const when = s.date || s.startedAt || s.createdAt;
    const score = s.score ?? s.result?.score;
    for (const text of [course, when ? formatDate(when) : '—', STATUS_TEXT[s.status] || s.status || '—',
      typeof score === 'number' ? String(Math.round(score)) : '—']) {
      tr.append(Object.assign(document.createElement('td'), { textContent: text }));
    }
    return tr;
  }));
}

async function main() {
  takePendingJoin();
  const session = await startSession();
  if (!session) return;
  const { token, claims } = session;
  const classes = makeClass(token);
  $('enrolar').addEventListener('click', () => enroll(token, claims.userId));
  $('unirse-form').addEventListener('submit', (event) => {
    event.preventDefault();
    classes.attend($('sesion').value.trim());
  });
  $('escanear-union').addEventListener('click', () => classes.scanToJoin());
  $('reintentar').addEventListener('click', () => {
    if (document.body.dataset.problem?.startsWith('camera') || document.body.dataset.problem === 'no-camera') classes.retryCamera();
    else if ($('sesion').value) classes.attend($('sesion').value.trim());
  });
  try {
    const me = await api('/api/me', { token });
    $('nombre').textContent = me.nombre;
    await showDevice(token);
    document.body.dataset.state = 'ready';
    loadHistory(token);
    // The join link opened here (or, with the page already open, its fragment changed).
    const joinPending = () => {
      takePendingJoin();
      const pending = consumePendingJoin();
      if (!pending) return;
      $('sesion').value = pending;
      classes.attend(pending);
    };
    window.addEventListener('hashchange', joinPending);
    joinPending();
  } catch (e) {
    show('error', messageFor(e));
  }
}

main();
