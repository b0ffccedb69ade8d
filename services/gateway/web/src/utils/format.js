// Formatting shared by the views.
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function formatBytes(value) {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) return '—';
  let v = n;
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${UNITS[i]}`;
}

export function formatDate(value) {
  if (!value) return '—';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return '—';
  return d.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

// Percent of used against a limit; null when unlimited (the limit is absent).
export function usagePercent(used, limit) {
  const l = Number(limit);
  if (limit === undefined || limit === null || !Number.isFinite(l) || l <= 0) return null;
  return Math.min(100, Math.round((Number(used || 0) / l) * 1000) / 10);
}

// "a/b/c.txt" in folder "a/" -> { folders: ["b"], ... }: the immediate sub-folders and the files
// directly inside `folder`, from a flat list of names with '/' as the separator.
export function splitFolder(files, folder) {
  const folders = new Set();
  const here = [];
  for (const f of files) {
    if (!f.name.startsWith(folder)) continue;
    const rest = f.name.slice(folder.length);
    const slash = rest.indexOf('/');
    if (slash >= 0) folders.add(rest.slice(0, slash));
    else here.push(f);
  }
  return { folders: [...folders].sort(), files: here };
}

// "k:v, k2:v2" <-> { k: "v", k2: "v2" }
export function parseTags(text) {
  const tags = {};
  for (const part of String(text || '').split(',')) {
    const p = part.trim();
    if (!p) continue;
    const colon = p.indexOf(':');
    const key = (colon >= 0 ? p.slice(0, colon) : p).trim();
    if (!key) throw new Error(`a tag needs a name: "${p}"`);
    tags[key] = colon >= 0 ? p.slice(colon + 1).trim() : '';
  }
  return tags;
}

export function formatTags(tags) {
  return Object.entries(tags || {})
    .map(([k, v]) => (v ? `${k}:${v}` : k))
    .join(', ');
}
