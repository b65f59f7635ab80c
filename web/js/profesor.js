// The professor's page: courses from the legacy system, then a session projected on the
// classroom screen (PROTOCOL.md 6.1, 6.4) with its join code, live counts and the course
// roster, the close, and the results the professor acts on (results-view.js).
import { api } from './api.js';
import { startSession } from './session-token.js';
import { openProjection } from './projection.js';
import { blankCanvas, fitCanvas, paintFrame, paintModules } from './qr-canvas.js';
import { encode } from '/vendor/uqr/index.mjs';
import { $, STATUS, el, showError, showStatus } from './prof-common.js';
import { createResultsView } from './results-view.js';

const ROSTER_REFRESH_MS = 5000;
const ROSTER_STATE = { NOT_JOINED: 'No se ha unido', JOINED: 'Unido', DONE: 'Terminó sus rondas' };

function courseItem(course, onPick) {
  const li = el('li', { textContent: `${course.code} · ${course.name} (${course.semester})${course.canTakeAttendance ? '' : ' · sin permiso para tomar asistencia'}` });
  if (course.canTakeAttendance) {
    const b = el('button', { type: 'button', className: 'secondary chico', textContent: 'Tomar asistencia' });
    b.dataset.course = course.courseId;
    b.setAttribute('aria-label', `Tomar asistencia en ${course.code} · ${course.name}`);
    b.addEventListener('click', () => onPick(course));
    li.append(' ', b);
  }
  return li;
}

// The join link students scan (alumno.html reads #join=); location.origin, so it is the
// address this page was served from, behind whatever proxy or TLS terminator.
export function joinUrl(sessionId) {
  return `${location.origin}/alumno.html#join=${sessionId}`;
}

function paintJoinCode(canvas, sessionId) {
  const qr = encode(joinUrl(sessionId), { ecc: 'M', border: 0 });
  paintModules(canvas, qr.size, (x, y) => qr.data[y][x]);
}

// The live course list beside the projection (never on the projected area).
function createRoster(call, sessionId) {
  let timer = null;
  let pending = false;
  async function refresh() {
    if (pending || $('panel-lista').hidden) return;
    pending = true;
    try {
      const roster = await call(`/api/attendance/sessions/${sessionId}/roster`);
      const c = roster.counts;
      $('lista-resumen').textContent = `${c.listed} en la lista · ${c.joined} unidos · ${c.done} terminaron.`;
      $('tabla-lista').replaceChildren(...roster.students.map((s) => {
        const state = s.state === 'JOINED' ? `Unido · ${s.roundsSucceeded} de ${roster.maxRounds} rondas` : ROSTER_STATE[s.state];
        const tr = el('tr', {}, el('th', { scope: 'row', textContent: s.name || `Estudiante ${s.userId}` }),
          el('td', { textContent: s.rut || '' }), el('td', { textContent: state }),
          el('td', { textContent: s.state === 'DONE' || s.status === 'PRESENT' || s.status === 'ABSENT' || s.status === 'DOUBTFUL'
            ? `${STATUS[s.status] || s.status}${s.final ? '' : ' (provisorio)'}` : '—' }));
        tr.dataset.state = s.state;
        tr.dataset.user = s.userId;
        return tr;
      }));
      document.body.dataset.roster = 'loaded';
    } catch (e) {
      $('lista-resumen').textContent = 'No se pudo leer la lista del curso; se reintentará.';
    } finally {
      pending = false;
    }
  }
  return {
    toggle() {
      const open = $('panel-lista').hidden;
      $('panel-lista').hidden = !open;
      $('ver-lista').setAttribute('aria-expanded', String(open));
      clearInterval(timer);
      if (open) { refresh(); timer = setInterval(refresh, ROSTER_REFRESH_MS); }
    },
    refresh,
    stop: () => clearInterval(timer),
  };
}

function project({ call, authMessage, results }, session) {
  $('cuenta').hidden = true;
  $('proyeccion').hidden = false;
  document.body.classList.add('proyectando');
  $('proy-curso').textContent = `${session.courseCode} · ${session.courseName}`;
  $('proy-sala').textContent = session.room;
  $('proy-numero').textContent = String(session.sessionId);
  const canvas = $('qr');
  const stage = $('escenario');
  const roster = createRoster(call, session.sessionId);
  let mode = 'join'; // join: the join code, rounds paused | rounds: frames | paused: blank
  let connected = false;
  let lastFrame = null;
  let frames = 0;
  let finished = false;

  const repaint = () => {
    fitCanvas(canvas);
    if (mode === 'join') paintJoinCode(canvas, session.sessionId);
    else if (mode === 'rounds' && connected && lastFrame) paintFrame(canvas, lastFrame.qr);
    else blankCanvas(canvas);
  };
  const setMode = (next) => {
    mode = next;
    stage.dataset.mode = mode;
    document.body.dataset.mode = mode;
    $('leyenda').textContent = mode === 'join'
      ? `Escanea este código con la cámara del teléfono para unirte a la clase (sesión ${session.sessionId}).`
      : mode === 'paused' ? 'Rondas en pausa.' : 'Apunta la cámara del teléfono a la pantalla: cada código sirve para un solo estudiante.';
    $('comenzar').hidden = mode === 'rounds';
    $('comenzar').textContent = frames > 0 ? 'Reanudar rondas' : 'Comenzar rondas';
    $('codigo-union').setAttribute('aria-pressed', String(mode === 'join'));
    $('pausar').setAttribute('aria-pressed', String(mode === 'paused'));
    $('pausar').hidden = mode !== 'rounds';
    lastFrame = null;
    repaint();
  };
  const finish = () => {
    if (finished) return;
    finished = true;
    roster.stop();
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    $('proyeccion').hidden = true;
    document.body.classList.remove('proyectando');
    results.show(session.sessionId).catch(showError);
  };

  const projection = openProjection({
    sessionId: session.sessionId,
    authMessage,
    onReady: () => {
      // Rounds stop while the join code is on screen (and after a reconnect, the server
      // may have lost the pause with Valkey: say it again).
      if (mode !== 'rounds') projection.pause(); else projection.resume();
      document.body.dataset.state = 'projecting';
    },
    onFrame: (msg) => {
      if (mode !== 'rounds' || !connected) return false; // not on the glass: no `shown`
      lastFrame = msg;
      fitCanvas(canvas);
      paintFrame(canvas, msg.qr);
      document.body.dataset.frames = String(++frames);
      return true;
    },
    onProgress: (p) => {
      $('registrados').textContent = p.registered;
      $('terminaron').textContent = p.completed;
      roster.refresh();
    },
    onClosed: finish,
    onConnection: (state, detail) => {
      connected = state === 'open';
      // An attempt ("connecting") after a loss is still part of reconnecting: no flicker.
      if (state !== 'connecting' || !document.body.dataset.connection) document.body.dataset.connection = state;
      if (state !== 'connecting') $('reconectando').hidden = state === 'open';
      // Refused credentials: retrying goes on (a login from the portal in another tab
      // renews the session cookie), but the professor must know why it does not come back.
      if (state === 'reconnecting') {
        $('reconectando').textContent = /invalid token|not allowed|authentication/.test(detail.reason || '')
          ? 'Reconectando… tu sesión expiró: vuelve a ingresar desde el portal.' : 'Reconectando…';
      }
      stage.classList.toggle('desconectado', !connected);
      if (!connected) { lastFrame = null; if (mode === 'rounds') blankCanvas(canvas); }
      if (state === 'open') repaint();
    },
  });

  const toggleFullscreen = () => {
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    else stage.requestFullscreen().catch(() => showError('El navegador no permitió la pantalla completa.'));
  };
  const toggleContrast = () => {
    const on = document.body.classList.toggle('alto-contraste');
    $('contraste').setAttribute('aria-pressed', String(on));
  };
  $('comenzar').onclick = () => { projection.resume(); setMode('rounds'); };
  $('codigo-union').onclick = () => {
    if (mode === 'join') { projection.resume(); setMode('rounds'); } else { projection.pause(); setMode('join'); }
  };
  $('pausar').onclick = () => { projection.pause(); setMode('paused'); };
  $('pantalla-completa').onclick = toggleFullscreen;
  $('contraste').onclick = toggleContrast;
  $('ver-lista').onclick = () => roster.toggle();
  document.addEventListener('fullscreenchange', () => {
    document.body.classList.toggle('pantalla-completa', Boolean(document.fullscreenElement));
    requestAnimationFrame(repaint);
  });
  window.addEventListener('resize', () => requestAnimationFrame(repaint));
  document.addEventListener('keydown', (event) => {
    if (finished || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest?.('input, textarea, select, dialog')) return;
    const key = event.key.toLowerCase();
    if (key === 'f') toggleFullscreen();
    else if (key === 'c') toggleContrast();
    else if (key === 'l') roster.toggle();
    else return;
    event.preventDefault();
  });
  $('cerrar').onclick = async () => {
    $('cerrar').disabled = true;
    try {
      await call(`/api/attendance/sessions/${session.sessionId}/close`, { method: 'POST', body: {} });
      projection.close();
      finish();
    } catch (e) {
      $('cerrar').disabled = false;
      showError(e);
    }
  };
  setMode('join');
}

async function main() {
  const signed = await startSession();
  if (!signed) return;
  const { token } = signed;
  const call = (path, options = {}) => api(path, { ...options, token });
  const ctx = {
    call,
    // With the app session the upgrade's cookie authenticates and no message is needed;
    // the token (only while the exchange could not be made) goes in the auth message.
    authMessage: () => (token ? { type: 'auth', token } : null),
    results: createResultsView({ call, token: () => token }),
  };
  try {
    // ?resultados=<id> (from the history) shows a session's results; ?proyectar=<id> takes
    // an active session back to the projector (the tab was closed, the laptop restarted).
    const params = new URLSearchParams(location.search);
    const wanted = Number(params.get('resultados') || params.get('proyectar'));
    if (Number.isInteger(wanted) && wanted > 0) {
      $('cuenta').hidden = true;
      const session = await call(`/api/attendance/sessions/${wanted}`);
      if (params.has('proyectar') && session.status === 'active') project(ctx, session);
      else await ctx.results.show(wanted);
      return;
    }
    const [me, courses] = await Promise.all([call('/api/me'), call('/api/professor/courses')]);
    $('nombre').textContent = me.nombre;
    let picked = null;
    const pick = (course) => {
      picked = course;
      $('curso-elegido').textContent = `${course.code} · ${course.name}`;
      $('nueva-sesion').hidden = false;
      $('sala').focus();
    };
    const list = $('cursos');
    list.replaceChildren(...courses.map((c) => courseItem(c, pick)));
    if (courses.length === 0) list.replaceChildren(el('li', { textContent: 'No tienes cursos este semestre.' }));
    $('nueva-sesion').addEventListener('submit', async (event) => {
      event.preventDefault();
      $('iniciar').disabled = true;
      try {
        const session = await call('/api/attendance/sessions', {
          method: 'POST',
          body: { courseId: picked.courseId, semesterId: picked.semesterId, room: $('sala').value, maxRounds: Number($('rondas').value) },
        });
        showStatus('');
        project(ctx, session);
      } catch (e) {
        $('iniciar').disabled = false;
        showError(e);
      }
    });
    document.body.dataset.state = 'ready';
  } catch (e) {
    showError(e);
    document.body.dataset.state = 'error';
  }
}

main();
