// The professor's page: who is signed in and their courses (from the legacy system).
// Sessions and the projector view come with the attendance endpoints.
import { api, messageFor } from './api.js';
import { startSession } from './session-token.js';

const $ = (id) => document.getElementById(id);

async function main() {
  const session = startSession();
  if (!session) return;
  const { token } = session;
  try {
    const [me, courses] = await Promise.all([api('/api/me', { token }), api('/api/professor/courses', { token })]);
    $('nombre').textContent = me.nombre;
    const list = $('cursos');
    list.replaceChildren(...courses.map((c) => {
      const li = document.createElement('li');
      li.textContent = `${c.code} · ${c.name} (${c.semester})${c.canTakeAttendance ? '' : ' · sin permiso para tomar asistencia'}`;
      return li;
    }));
    if (courses.length === 0) list.replaceChildren(Object.assign(document.createElement('li'), { textContent: 'No tienes cursos este semestre.' }));
    document.body.dataset.state = 'ready';
  } catch (e) {
    const box = $('estado');
    box.hidden = false;
    box.className = 'status error';
    box.textContent = messageFor(e);
    document.body.dataset.state = 'error';
  }
}

main();
