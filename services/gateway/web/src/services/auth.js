// Where the session lives. The token is kept in sessionStorage: it survives a reload of the
// tab (so a refresh does not log you out) but not closing it, is not shared with other tabs,
// and never reaches localStorage, which outlives the session. Nothing else about the session
// is stored; the profile is fetched again after a reload.
const KEY = 'datamesh.session';

export function loadToken(storage = globalThis.sessionStorage) {
  try {
    const raw = storage?.getItem(KEY);
    if (!raw) return null;
    const { token, expiresAt } = JSON.parse(raw);
    if (!token || (expiresAt && Date.parse(expiresAt) <= Date.now())) {
      storage.removeItem(KEY);
      return null;
    }
    return { token, expiresAt };
  } catch {
    return null;
  }
}

export function saveToken(token, expiresAt, storage = globalThis.sessionStorage) {
  storage?.setItem(KEY, JSON.stringify({ token, expiresAt }));
}

export function clearToken(storage = globalThis.sessionStorage) {
  storage?.removeItem(KEY);
}
