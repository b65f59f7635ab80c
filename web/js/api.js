// fetch for the server's JSON API: the app session cookie (or a bearer token), a timeout, and the error body of
// PROTOCOL.md section 9 turned into a Spanish message for people.
const MESSAGES = {
  invalid_token: 'Tu sesión no es válida. Vuelve a ingresar desde el portal.',
  token_expired: 'Tu sesión expiró. Vuelve a ingresar desde el portal.',
  session_expired: 'Tu sesión expiró. Vuelve a ingresar desde el portal.',
  forbidden: 'Esta acción no está permitida para tu cuenta.',
  enrollment_in_progress: 'Ya hay un enrolamiento en curso. Espera un minuto e inténtalo de nuevo.',
  reenroll_cooldown: 'Enrolaste un teléfono hace poco. Podrás cambiarlo más adelante; si lo perdiste, pide ayuda a tu profesor.',
  no_enrollment_in_progress: 'El enrolamiento expiró. Vuelve a intentarlo.',
  registration_refused: 'La llave de acceso no fue aceptada. Vuelve a intentarlo.',
  credential_already_registered: 'Esta llave de acceso ya está registrada.',
  invalid_handshake_key: 'El teléfono no pudo completar el intercambio de claves. Vuelve a intentarlo.',
  php_unavailable: 'El sistema de la universidad no responde. Inténtalo en unos minutos.',
  postgres_unavailable: 'El servicio no está disponible. Inténtalo en unos minutos.',
  valkey_unavailable: 'El servicio no está disponible. Inténtalo en unos minutos.',
  session_not_found: 'No hay una sesión con ese número.',
  session_not_active: 'Esa sesión ya terminó.',
  not_enrolled: 'Primero enrola este teléfono.',
  not_in_course: 'No estás en la lista de este curso.',
  assertion_refused: 'La llave de acceso no fue aceptada. Inténtalo de nuevo.',
  credential_not_enrolled: 'Esta llave de acceso no es la de tu teléfono enrolado.',
  no_join_in_progress: 'La confirmación expiró. Vuelve a unirte.',
  device_changed: 'Este teléfono ya no es el enrolado. Vuelve a unirte.',
};

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function messageFor(error) {
  if (error instanceof ApiError) return MESSAGES[error.code] || `No se pudo completar la acción (${error.code}).`;
  return 'No hay conexión con el servidor. Revisa tu red e inténtalo de nuevo.';
}

export async function api(path, { method = 'GET', token, body, timeoutMs = 15000 } = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: controller.signal,
      credentials: 'same-origin',
    });
    const data = await res.json().catch(() => null);
    if (!res.ok) {
      const code = data?.error?.code || `http_${res.status}`;
      throw new ApiError(res.status, code, data?.error?.message || res.statusText);
    }
    return data;
  } finally {
    clearTimeout(timer);
  }
}
