// The user token the legacy login hands over in the URL fragment (#token=...): kept in
// sessionStorage for this tab, removed from the address bar, decoded (not verified: the
// server verifies) only to show who is signed in and when the session ends.
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

// The page's start for a signed-in user: the token and its claims, or null after showing
// the page's #sin-sesion box (with the expired wording when there was a token). On
// success shows #cuenta and the name from the token while the server's answer comes.
export function startSession() {
  const token = takeToken();
  const claims = token ? tokenClaims(token) : null;
  if (!token || tokenExpired(claims)) {
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
