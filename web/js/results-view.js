// A closed session's results (PROTOCOL.md 6.6, docs/attendance.md): every student of the
// course by name with status, score, rounds, median RT and device flags, sortable, the
// doubtful ones first; a detail dialog per student (rounds, checks, attempts, the class
// baseline, components), the override form and its history, the headcount and the CSV.
import { $, REASONS, STATUS, download, el, fmtDateTime, fmtInt, fmtMs, fmtTime, showError, showStatus } from './prof-common.js';

// DOUBTFUL first: they are the ones the professor must look at.
const STATUS_ORDER = { DOUBTFUL: 0, ERROR: 1, PENDING: 2, ABSENT: 3, NOT_JOINED: 4, PRESENT: 5 };
const ATTEMPT = { success: 'Correcto', failed: 'Fallido', timeout: 'Expirado', invalid: 'No válido' };
// The server's device-flag reasons (infra/webauthn/assertion.cpp) for people.
const FLAG_REASONS = [
  [/^signature counter did not increase/, 'el contador de la llave de acceso no aumentó (¿llave copiada?)'],
  [/^backup eligibility changed/, 'cambió si la llave de acceso se puede respaldar'],
  [/^backup state changed/, 'cambió el estado de respaldo de la llave de acceso'],
];
export function flagText(reason) {
  if (!reason) return 'sin detalle';
  return reason.split('; ').map((part) => FLAG_REASONS.find(([re]) => re.test(part))?.[1] || part).join('; ');
}
const collator = new Intl.Collator('es-CL', { sensitivity: 'base', numeric: true });

const KEYS = {
  name: (r) => r.name,
  rut: (r) => r.rut,
  status: (r) => STATUS_ORDER[r.status] ?? 9,
  score: (r) => r.score ?? -1,
  rounds: (r) => r.rounds,
  median: (r) => r.median ?? Infinity,
  flag: (r) => (r.flagged ? 0 : 1),
};

function compare(a, b, key, dir) {
  const x = KEYS[key](a);
  const y = KEYS[key](b);
  const c = typeof x === 'string' || typeof y === 'string' ? collator.compare(String(x ?? ''), String(y ?? '')) : x - y;
  return c * dir || collator.compare(a.name, b.name);
}

// One row per student: the course list (everyone, joined or not) merged with the review.
export function rowsFrom(results, roster) {
  const byUser = new Map(results.students.map((s) => [s.userId, s]));
  const people = roster ? roster.students : results.students;
  const rows = people.map((p) => {
    const s = byUser.get(p.userId) || null;
    return {
      userId: p.userId,
      name: p.name || s?.name || `Estudiante ${p.userId}`,
      rut: p.rut || s?.rut || '',
      status: s ? s.status : 'NOT_JOINED',
      score: s?.result ? s.result.score : null,
      rounds: s?.result ? s.result.successfulRounds : 0,
      median: s?.result?.statistics?.medianMs ?? null,
      flagged: Boolean(s?.deviceFlagged),
      flagReason: flagText(s?.flagReason),
      student: s,
    };
  });
  return rows;
}

export function createResultsView({ call, token }) {
  let sessionId = null;
  let data = null;
  let rows = [];
  let sort = { key: 'status', dir: 1 };
  let openUser = null;

  function renderTable() {
    const sorted = [...rows].sort((a, b) => compare(a, b, sort.key, sort.dir));
    const max = data.session.maxRounds;
    $('tabla-resultados').replaceChildren(...sorted.map((r) => {
      const detail = el('button', { type: 'button', className: 'secondary chico', textContent: 'Ver detalle' });
      detail.dataset.user = r.userId;
      detail.setAttribute('aria-label', `Ver detalle de ${r.name}`);
      detail.addEventListener('click', () => openDetail(r.userId));
      const flag = r.flagged ? el('span', { className: 'marca', textContent: 'Marcado', title: r.flagReason }) : 'Normal';
      const tr = el('tr', {},
        el('th', { scope: 'row', textContent: r.name }),
        el('td', { textContent: r.rut }),
        el('td', {}, el('span', { className: `estado e-${r.status.toLowerCase()}`, textContent: STATUS[r.status] || r.status })),
        el('td', { className: 'num', textContent: r.score === null ? '—' : fmtInt(r.score) }),
        el('td', { className: 'num', textContent: `${r.rounds} de ${max}` }),
        el('td', { className: 'num', textContent: fmtMs(r.median) }),
        el('td', {}, flag),
        el('td', {}, detail));
      tr.dataset.user = r.userId;
      tr.dataset.status = r.status;
      return tr;
    }));
    for (const th of document.querySelectorAll('#tabla-res th[aria-sort]')) {
      const key = th.querySelector('button').dataset.sort;
      th.setAttribute('aria-sort', key === sort.key ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none');
    }
  }

  function renderSummary() {
    const s = data.session;
    $('res-sesion').textContent = `${s.courseCode} · ${s.courseName} · ${s.room} · Sesión ${s.sessionId} · ${fmtDateTime(s.startTime)}`;
    const counts = {};
    for (const r of rows) counts[r.status] = (counts[r.status] || 0) + 1;
    $('resumen').textContent = `Presentes: ${data.present} de ${rows.length} en la lista · Dudosos: ${counts.DOUBTFUL || 0}` +
      ` · Ausentes: ${counts.ABSENT || 0} · No se unieron: ${counts.NOT_JOINED || 0}.`;
    const alert = $('alerta-conteo');
    alert.hidden = !data.headcountExceeded;
    alert.textContent = data.headcountExceeded
      ? `Atención: hay ${data.present} presentes y se contaron ${data.headcount} personas en la sala.` : '';
    if (document.activeElement !== $('conteo-sala')) $('conteo-sala').value = data.headcount ?? '';
  }

  async function load() {
    const [results, roster] = await Promise.all([
      call(`/api/attendance/sessions/${sessionId}/results`),
      call(`/api/attendance/sessions/${sessionId}/roster`).catch(() => null), // names from results then
    ]);
    data = results;
    rows = rowsFrom(results, roster);
    renderSummary();
    renderTable();
  }

  const check = (v) => (v === true ? 'Sí' : v === false ? 'No' : '—');

  function renderDetail(userId) {
    const r = rows.find((x) => x.userId === userId);
    const s = r.student;
    const res = s?.result;
    $('det-titulo').textContent = `${r.name}${r.rut ? ` · ${r.rut}` : ''}`;
    $('det-estado').textContent = `Estado: ${STATUS[r.status] || r.status}` +
      (res ? ` · Certeza ${fmtInt(res.score)} (${res.final ? 'final' : 'provisoria'})` : '') +
      (r.flagged ? ` · Dispositivo marcado: ${r.flagReason}` : '');
    const base = data.baseline;
    const comp = res ? res.components : null;
    const pairs = [
      ['Mediana del curso', fmtMs(base.medianMs)], ['Desviación (MAD) del curso', fmtMs(base.madMs)],
      ['Umbral', comp ? fmtMs(comp.thresholdMs) : '—'], ['Base', comp ? fmtInt(comp.base) : '—'],
      ['Penalización por variación', comp ? fmtInt(comp.jitterPenalty) : '—'],
      ['Penalización por intentos fallidos', comp ? fmtInt(comp.failurePenalty) : '—'],
      ['Tope por dispositivo marcado', comp ? (comp.flaggedCapApplied ? 'Aplicado' : 'No') : '—'],
      ['Intentos fallidos', res ? fmtInt(res.failedAttempts) : '—'],
    ];
    $('det-componentes').replaceChildren(...pairs.flatMap(([k, v]) => [el('dt', { textContent: k }), el('dd', { textContent: v })]));
    const attempts = s?.attempts || [];
    const threshold = comp?.thresholdMs;
    const roundRows = [];
    for (let n = 1; n <= data.session.maxRounds; n++) {
      const mine = attempts.filter((a) => a.round === n);
      const ok = mine.find((a) => a.status === 'success');
      const outcome = ok ? 'Correcta' : mine.length ? 'Fallida' : 'Sin respuesta';
      // Weight as PROTOCOL 6.6 defines it: 1 up to the threshold; above it the score's span applies.
      const weight = !ok ? '0' : threshold && ok.rtMs > threshold ? 'menor que 1' : '1';
      roundRows.push(el('tr', {}, el('td', { textContent: String(n) }), el('td', { textContent: outcome }),
        el('td', { textContent: ok ? fmtMs(ok.rtMs) : '—' }), el('td', { textContent: weight })));
    }
    $('det-rondas').replaceChildren(...roundRows);
    $('det-intentos').replaceChildren(...(attempts.length ? attempts.map((a, i) => el('tr', {},
      el('td', { textContent: String(a.round) }), el('td', { textContent: `${i + 1} · ${ATTEMPT[a.status] || a.status}` }),
      el('td', { textContent: fmtMs(a.rtMs) }), el('td', { textContent: check(a.checks.secret) }),
      el('td', { textContent: check(a.checks.totps) }), el('td', { textContent: check(a.checks.totpu) }),
      el('td', { textContent: check(a.checks.rt) }), el('td', { textContent: fmtTime(a.at) })))
      : [el('tr', {}, el('td', { colSpan: 8, textContent: 'Sin intentos.' }))]));
    const history = s?.overrides || [];
    $('det-historial').replaceChildren(...(history.length ? history.map((o) => el('li', {
      textContent: `${fmtDateTime(o.at)}: de ${STATUS[o.from] || o.from || '—'} a ${STATUS[o.status] || o.status}` +
        ` · ${REASONS[o.reasonCode] || o.reasonCode}${o.reasonText ? `: ${o.reasonText}` : ''}`,
    })) : [el('li', { textContent: 'Sin cambios.' })]));
    $('aj-error').hidden = true;
  }

  function openDetail(userId) {
    openUser = userId;
    renderDetail(userId);
    $('detalle').showModal();
    $('det-titulo').tabIndex = -1;
    $('det-titulo').focus();
  }

  async function submitOverride(event) {
    event.preventDefault();
    const body = { userId: openUser, status: $('aj-estado').value, reasonCode: $('aj-motivo').value };
    const text = $('aj-texto').value.trim();
    if (text) body.reasonText = text;
    if (body.reasonCode === 'other' && !text) {
      $('aj-error').hidden = false;
      $('aj-error').textContent = 'Con el motivo «Otro», escribe una explicación.';
      $('aj-texto').focus();
      return;
    }
    $('aj-guardar').disabled = true;
    try {
      const stored = await call(`/api/attendance/sessions/${sessionId}/overrides`, { method: 'POST', body });
      await load();
      renderDetail(openUser);
      $('aj-texto').value = '';
      showStatus(stored.legacyAlreadyRecorded
        ? 'Cambio guardado. El sistema de la universidad ya tenía la asistencia anterior: corrígela también allí.'
        : 'Cambio guardado.', stored.legacyAlreadyRecorded ? 'error' : 'ok');
    } catch (e) {
      $('aj-error').hidden = false;
      $('aj-error').textContent = e?.code === 'invalid_override' ? `No se pudo guardar: ${e.message}` : 'No se pudo guardar el cambio.';
    } finally {
      $('aj-guardar').disabled = false;
    }
  }

  async function submitHeadcount(event) {
    event.preventDefault();
    const headcount = Number($('conteo-sala').value);
    if (!Number.isInteger(headcount) || headcount < 0) { showError('Escribe un número entero de personas.'); return; }
    try {
      await call(`/api/attendance/sessions/${sessionId}/headcount`, { method: 'PUT', body: { headcount } });
      await load();
      showStatus(`Conteo guardado: ${headcount} personas.`, 'ok');
    } catch (e) {
      showError(e);
    }
  }

  for (const b of document.querySelectorAll('#tabla-res th button[data-sort]')) {
    b.addEventListener('click', () => {
      const key = b.dataset.sort;
      sort = { key, dir: sort.key === key ? -sort.dir : 1 };
      renderTable();
    });
  }
  $('form-ajuste').addEventListener('submit', submitOverride);
  $('form-conteo').addEventListener('submit', submitHeadcount);
  $('det-cerrar').addEventListener('click', () => $('detalle').close());
  $('detalle').addEventListener('close', () => {
    document.querySelector(`#tabla-resultados button[data-user="${openUser}"]`)?.focus();
  });
  $('descargar').addEventListener('click', async () => {
    try {
      await download(`/api/attendance/sessions/${sessionId}/report.csv`, `asistencia-${data.session.courseCode}-${sessionId}.csv`, token());
    } catch {
      showError('No se pudo descargar el reporte.');
    }
  });

  return {
    async show(id) {
      sessionId = id;
      await load();
      $('resultados').hidden = false;
      document.body.dataset.state = 'results';
    },
  };
}
