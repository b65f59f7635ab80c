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
