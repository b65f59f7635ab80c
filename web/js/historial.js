// The professor's history: their sessions per course, newest first and paginated, each
// opening its results on profesor.html; and the course's semester summary (sessions
// attended / total per student, effective status) with its CSV.
import { api } from './api.js';
import { startSession } from './session-token.js';
import { $, download, el, fmtDateTime, fmtPercent, showError } from './prof-common.js';

const PAGE_SIZE = 20;
const SESSION_STATUS = { active: 'En curso', closed: 'Cerrada', cancelled: 'Cancelada' };

function sessionRow(s) {
  const open = s.status === 'active'
    ? el('a', { href: `/profesor.html?proyectar=${s.sessionId}`, textContent: 'Volver a proyectar' })
    : el('a', { href: `/profesor.html?resultados=${s.sessionId}`, textContent: s.status === 'cancelled' ? 'Ver' : 'Ver resultados' });
  open.setAttribute('aria-label', `${open.textContent} de la sesión ${s.sessionId}`); // starts with the visible text
  const tr = el('tr', {}, el('th', { scope: 'row', textContent: String(s.sessionId) }),
    el('td', { textContent: fmtDateTime(s.startTime) }), el('td', { textContent: s.room }),
    el('td', { textContent: SESSION_STATUS[s.status] || s.status }),
    el('td', { className: 'num', textContent: String(s.registrations ?? '—') }), el('td', {}, open));
  tr.dataset.session = s.sessionId;
  return tr;
}

async function main() {
  const signed = await startSession();
  if (!signed) return;
  const { token } = signed;
  const call = (path, options = {}) => api(path, { ...options, token });
  let course = null;
  let page = 1;

  async function loadSessions() {
    const q = new URLSearchParams({ courseId: course.courseId, semesterId: course.semesterId, page, pageSize: PAGE_SIZE });
    const data = await call(`/api/professor/sessions?${q}`);
    const sessions = data.sessions || [];
    $('sesiones').replaceChildren(...(sessions.length ? sessions.map(sessionRow)
      : [el('tr', {}, el('td', { colSpan: 6, textContent: 'Este curso aún no tiene sesiones.' }))]));
    const total = data.total ?? sessions.length;
    const pages = Math.max(1, Math.ceil(total / (data.pageSize || PAGE_SIZE)));
    $('pagina').textContent = `Página ${page} de ${pages}`;
    $('anterior').disabled = page <= 1;
    $('siguiente').disabled = page >= pages;
  }

  async function loadSummary() {
    const q = new URLSearchParams({ semesterId: course.semesterId });
    const data = await call(`/api/professor/courses/${course.courseId}/summary?${q}`);
    const total = (data.sessions || []).length;
    $('resumen-titulo').textContent = `Resumen del semestre · ${course.code} (${total} ${total === 1 ? 'sesión cerrada' : 'sesiones cerradas'})`;
    const students = data.students || [];
    $('resumen').replaceChildren(...(students.length ? students.map((s) => el('tr', {},
      el('th', { scope: 'row', textContent: s.name || `Estudiante ${s.userId}` }), el('td', { textContent: s.rut || '' }),
      el('td', { className: 'num', textContent: `${s.attended} de ${s.total ?? total}` }),
      el('td', { className: 'num', textContent: fmtPercent(s.percentage == null ? null : s.percentage / 100) })))
      : [el('tr', {}, el('td', { colSpan: 4, textContent: 'Sin sesiones cerradas este semestre.' }))]));
    document.body.dataset.summary = 'loaded';
  }

  async function pick(c) {
    course = c;
    page = 1;
    $('sesiones-titulo').textContent = `Sesiones · ${c.code} · ${c.name}`;
    await Promise.all([loadSessions(), loadSummary().catch(showError)]);
    document.body.dataset.state = 'ready';
  }

  try {
    const [me, courses] = await Promise.all([call('/api/me'), call('/api/professor/courses')]);
    $('nombre').textContent = me.nombre;
    if (courses.length === 0) {
      $('sesiones').replaceChildren(el('tr', {}, el('td', { colSpan: 6, textContent: 'No tienes cursos este semestre.' })));
      document.body.dataset.state = 'ready';
      return;
    }
    $('curso').replaceChildren(...courses.map((c, i) => el('option', { value: String(i), textContent: `${c.code} · ${c.name} (${c.semester})` })));
    $('curso').addEventListener('change', () => pick(courses[Number($('curso').value)]).catch(showError));
    $('anterior').addEventListener('click', () => { page--; loadSessions().catch(showError); });
    $('siguiente').addEventListener('click', () => { page++; loadSessions().catch(showError); });
    $('descargar-resumen').addEventListener('click', () => {
      const q = new URLSearchParams({ semesterId: course.semesterId });
      download(`/api/professor/courses/${course.courseId}/summary.csv?${q}`, `resumen-${course.code}.csv`, token)
        .catch(() => showError('No se pudo descargar el resumen.'));
    });
    await pick(courses[0]);
  } catch (e) {
    showError(e);
    document.body.dataset.state = 'error';
  }
}

main();
