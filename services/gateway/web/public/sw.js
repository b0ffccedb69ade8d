// The service worker of the installed app. It caches the app shell only — index.html, the
// hashed assets, the manifest and icons — so the app opens when the network does not. It never
// caches API answers, file contents or tokens: for requests under /api/ (and anything not a
// same-origin GET) the fetch handler returns without answering, so the browser sends them to the
// network as if there were no worker.
const SHELL = 'datamesh-shell-v1';
const SHELL_FILES = ['/', '/manifest.webmanifest', '/favicon.svg', '/icons/icon-192.png', '/icons/icon-512.png'];
// Hashed assets of older builds are never asked for again; keep the cache bounded.
const MAX_ENTRIES = 300;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(SHELL_FILES)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== SHELL) await caches.delete(name);
    await self.clients.claim();
  })());
});

async function remember(request, response) {
  if (!response.ok || response.type !== 'basic') return;
  const cache = await caches.open(SHELL);
  await cache.put(request, response);
  const keys = await cache.keys();
  for (const old of keys.slice(0, Math.max(0, keys.length - MAX_ENTRIES))) await cache.delete(old);
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (request.mode === 'navigate') {
    // Network first, so a new build shows at once; the cached shell when offline. Every app
    // route answers the same index.html, cached under "/".
    event.respondWith((async () => {
      try {
        const fresh = await fetch(request);
        if (fresh.ok && (fresh.headers.get('Content-Type') || '').startsWith('text/html')) {
          await remember('/', fresh.clone());
        }
        return fresh;
      } catch {
        return (await caches.match('/')) || Response.error();
      }
    })());
    return;
  }
  if (url.pathname.startsWith('/assets/') || SHELL_FILES.includes(url.pathname)) {
    // Hashed assets never change under one name: cache first.
    event.respondWith((async () => {
      const cached = await caches.match(request);
      if (cached) return cached;
      const fresh = await fetch(request);
      await remember(request, fresh.clone());
      return fresh;
    })());
  }
});
