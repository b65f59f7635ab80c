// The user token the legacy login hands over in the URL fragment (#token=...): kept in
// sessionStorage for this tab until it is exchanged for the app session cookie, removed from
// the address bar, decoded (not verified: the server verifies) only to check its expiry.
const STORAGE_KEY = 'asistencia.token';

export function takeToken() {
  const match = /(?:^|[#&])token=([A-Za-z0-9_\-.]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem(STORAGE_KEY, match[1]);
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(STORAGE_KEY);
}

export function forgetToken() {
  sessionStorage.removeItem(STORAGE_KEY);
}

export function tokenClaims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeURIComponent(escape(atob(part)));
    return JSON.parse(json);
  } catch {
    return null;
  }
}

export function tokenExpired(claims, nowMs = Date.now()) {
  return !claims || typeof claims.exp !== 'number' || claims.exp * 1000 <= nowMs;
}

// Trades the legacy token for the server's app session (an HttpOnly cookie the page never
// sees: PROTOCOL.md section 3), or asks whether the cookie is still live. The user, or null.
async function serverSession(method, token) {
  try {
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await fetch('/api/session', { method, headers, credentials: 'same-origin' });
    if (!res.ok) return null;
    const { user } = await res.json();
    return { userId: user.userId, username: user.username, rol: user.role, nombre: user.name };
  } catch {
    return null;
  }
}

// The page's start for a signed-in user: { token, claims }, or null after showing the page's
// #sin-sesion box (with the expired wording when there was a token). With the app session
// `token` is null: api() then sends nothing and the cookie authenticates, long after the
// legacy token's 5 minutes. Without it (say Valkey is down) the token is used as before.
export async function startSession() {
  const token = takeToken();
  const claims = token ? tokenClaims(token) : null;
  const live = token && !tokenExpired(claims);
  const user = (live && await serverSession('POST', token)) || await serverSession('GET');
  if (user) {
    forgetToken();
    document.getElementById('cuenta').hidden = false;
    document.getElementById('nombre').textContent = user.nombre || user.username || `usuario ${user.userId}`;
    return { token: null, claims: user };
  }
  if (!live) {
    document.getElementById('sin-sesion').hidden = false;
    if (token) {
      document.getElementById('sin-sesion-motivo').textContent =
        'Tu sesión expiró. Vuelve a ingresar desde el portal de la universidad.';
    }
    document.body.dataset.state = 'no-session';
    return null;
  }
  document.getElementById('cuenta').hidden = false;
  document.getElementById('nombre').textContent = claims.nombre || claims.username || `usuario ${claims.userId}`;
  return { token, claims };
}
