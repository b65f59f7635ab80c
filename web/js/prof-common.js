// Small helpers shared by the professor's pages: Spanish labels, es-CL dates and numbers,
// element creation, the status box, and file downloads fetched with the page's credentials.
import { messageFor } from './api.js';

export const $ = (id) => document.getElementById(id);

export const STATUS = {
  PRESENT: 'Presente', DOUBTFUL: 'Dudoso', ABSENT: 'Ausente', ERROR: 'Error', PENDING: 'En curso',
  NOT_JOINED: 'No se unió',
};
export const REASONS = {
  forgot_phone: 'Olvidó el teléfono', no_smartphone: 'No tiene teléfono inteligente', accessibility: 'Accesibilidad',
  technical_failure: 'Falla técnica', other: 'Otro',
};

const dateTime = new Intl.DateTimeFormat('es-CL', { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat('es-CL', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });
const timeOnly = new Intl.DateTimeFormat('es-CL', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const integer = new Intl.NumberFormat('es-CL', { maximumFractionDigits: 0 });
const percent = new Intl.NumberFormat('es-CL', { style: 'percent', maximumFractionDigits: 0 });

const when = (iso) => (iso ? new Date(iso) : null);
export const fmtDateTime = (iso) => (iso ? dateTime.format(when(iso)) : '—');
export const fmtDate = (iso) => (iso ? dateOnly.format(when(iso)) : '—');
export const fmtTime = (iso) => (iso ? timeOnly.format(when(iso)) : '—');
export const fmtInt = (n) => (n === null || n === undefined ? '—' : integer.format(n));
export const fmtMs = (n) => (n === null || n === undefined ? '—' : `${integer.format(n)} ms`);
export const fmtPercent = (x) => (x === null || x === undefined ? '—' : percent.format(x));

// el('td', {className: 'x'}, 'text', child...): attributes as properties, children appended.
export function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

export function showStatus(message, kind = 'error') {
  const box = $('estado');
  box.hidden = !message;
  box.className = `status ${kind}`;
  box.textContent = message || '';
}

export function showError(e) {
  showStatus(typeof e === 'string' ? e : messageFor(e), 'error');
}

// A file from the API (CSV) saved through a blob link: the request carries the same
// credentials as api() (the bearer token while there is one; the session cookie always).
export async function download(path, filename, token) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const res = await fetch(path, { headers, credentials: 'same-origin' });
  if (!res.ok) throw new Error(`download ${res.status}`);
  const url = URL.createObjectURL(await res.blob());
  const a = el('a', { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
