// The professor's page: courses from the legacy system, then a session projected on the
// classroom screen (PROTOCOL.md 6.1, 6.4), its close and the results with the CSV report.
import { api, messageFor } from './api.js';
import { startSession } from './session-token.js';
import { openProjection } from './projection.js';

const $ = (id) => document.getElementById(id);
const STATUS = { PRESENT: 'Presente', DOUBTFUL: 'Dudoso', ABSENT: 'Ausente', ERROR: 'Error', PENDING: 'En curso', NOT_JOINED: 'No se unió' };

function showError(e) {
  const box = $('estado');
  box.hidden = false;
  box.className = 'status error';
  box.textContent = typeof e === 'string' ? e : messageFor(e);
}

function courseItem(course, onPick) {
  const li = document.createElement('li');
  li.textContent = `${course.code} · ${course.name} (${course.semester})${course.canTakeAttendance ? '' : ' · sin permiso para tomar asistencia'}`;
  if (course.canTakeAttendance) {
    const b = Object.assign(document.createElement('button'), { type: 'button', className: 'secondary', textContent: 'Tomar asistencia' });
    b.dataset.course = course.courseId;
    b.addEventListener('click', () => onPick(course));
    li.append(' ', b);
  }
  return li;
}

async function showResults(token, sessionId) {
  const data = await api(`/api/attendance/sessions/${sessionId}/results`, { token });
  $('proyeccion').hidden = true;
  $('resultados').hidden = false;
  $('resumen').textContent = `Presentes: ${data.present} de ${data.students.length} registrados.` +
    (data.headcountExceeded ? ' Atención: hay más presentes que personas contadas en la sala.' : '');
  $('tabla-resultados').replaceChildren(...data.students.map((s) => {
    const tr = document.createElement('tr');
    for (const text of [String(s.userId), STATUS[s.status] || s.status,
      s.result ? String(Math.round(s.result.score)) : '—', s.result ? String(s.result.successfulRounds) : '0']) {
      tr.append(Object.assign(document.createElement('td'), { textContent: text }));
    }
    return tr;
  }));
  $('descargar').onclick = async () => {
    const res = await fetch(`/api/attendance/sessions/${sessionId}/report.csv`, { headers: token ? { Authorization: `Bearer ${token}` } : {}, credentials: 'same-origin' });
    if (!res.ok) { showError('No se pudo descargar el reporte.'); return; }
    const url = URL.createObjectURL(await res.blob());
    Object.assign(document.createElement('a'), { href: url, download: `asistencia-${sessionId}.csv` }).click();
    URL.revokeObjectURL(url);
  };
  document.body.dataset.state = 'results';
}

function project(token, session) {
  $('lista-cursos').hidden = true;
  $('proyeccion').hidden = false;
  $('proy-curso').textContent = `${session.courseCode} · ${session.courseName}`;
  $('proy-sala').textContent = session.room;
  $('proy-numero').textContent = String(session.sessionId); // students type it to join
  let frames = 0;
  let paused = false;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    showResults(token, session.sessionId).catch(showError);
  };
  const projection = openProjection({
    sessionId: session.sessionId,
    token,
    canvas: $('qr'),
    onReady: () => { document.body.dataset.state = 'projecting'; },
    onFrame: () => { document.body.dataset.frames = String(++frames); },
    onProgress: (p) => { $('registrados').textContent = p.registered; $('terminaron').textContent = p.completed; },
    onClosed: finish,
    onError: (reason) => showError(`La proyección se detuvo: ${reason}`),
  });
  $('pausar').onclick = () => {
    paused = !paused;
    (paused ? projection.pause : projection.resume)();
    $('pausar').textContent = paused ? 'Reanudar' : 'Pausar';
  };
  $('cerrar').onclick = async () => {
    $('cerrar').disabled = true;
    try {
      await api(`/api/attendance/sessions/${session.sessionId}/close`, { method: 'POST', token, body: {} });
      projection.close();
      finish();
    } catch (e) {
      $('cerrar').disabled = false;
      showError(e);
    }
  };
}

async function main() {
  const signed = await startSession();
  if (!signed) return;
  const { token } = signed;
  try {
    const [me, courses] = await Promise.all([api('/api/me', { token }), api('/api/professor/courses', { token })]);
    $('nombre').textContent = me.nombre;
    let picked = null;
    const pick = (course) => {
      picked = course;
      $('curso-elegido').textContent = `${course.code} · ${course.name}`;
      $('nueva-sesion').hidden = false;
    };
    const list = $('cursos');
    list.replaceChildren(...courses.map((c) => courseItem(c, pick)));
    if (courses.length === 0) list.replaceChildren(Object.assign(document.createElement('li'), { textContent: 'No tienes cursos este semestre.' }));
    $('nueva-sesion').addEventListener('submit', async (event) => {
      event.preventDefault();
      $('iniciar').disabled = true;
      try {
        const session = await api('/api/attendance/sessions', {
          method: 'POST', token,
          body: { courseId: picked.courseId, semesterId: picked.semesterId, room: $('sala').value, maxRounds: Number($('rondas').value) },
        });
        project(token, session);
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
