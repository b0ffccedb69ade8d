import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { useFilesStore, MAX_PARALLEL } from '@/stores/files';
import { useAuthStore } from '@/stores/auth';
import { useThemeStore } from '@/stores/theme';
import { useWebsocketStore } from '@/stores/websocket';
import { useLoadingStore } from '@/stores/loading';
import { configureApi } from '@/services/api';
import { useE2eKeyStore } from '@/stores/e2eKey';
import { decrypt } from '@/crypto/e2e';
import { useGovernanceStore } from '@/stores/governance';

// A transport whose uploads finish only when the test says so.
function manualTransport() {
  const calls = [];
  const transport = ({ url, file, token, onProgress }) => {
    let resolve, reject;
    const promise = new Promise((res, rej) => ((resolve = res), (reject = rej)));
    const call = { url, file, token, onProgress, resolve, reject, aborted: false };
    calls.push(call);
    return {
      promise,
      abort: () => {
        call.aborted = true;
        reject(Object.assign(new Error('cancelled'), { cancelled: true }));
      },
    };
  };
  return { calls, transport };
}
const file = (name, size = 10) => ({ name, size });
const flush = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  setActivePinia(createPinia());
  sessionStorage.clear();
  localStorage.clear();
  globalThis.fetch = vi.fn(async () => new Response(JSON.stringify({ files: [] }), { status: 200 }));
});

describe('files store uploads', () => {
  it('runs at most three at once and starts the next when one ends', async () => {
    const store = useFilesStore();
    const { calls, transport } = manualTransport();
    store.enqueue([1, 2, 3, 4, 5].map((i) => ({ file: file(`f${i}`), name: `dir/f${i}` })), () => 'tok', transport);
    expect(MAX_PARALLEL).toBe(3);
    expect(calls).toHaveLength(3);
    expect(store.uploads.map((u) => u.state)).toEqual(['uploading', 'uploading', 'uploading', 'queued', 'queued']);
    expect(calls[0].url).toMatch(/^\/api\/v1\/files\?name=dir%2Ff1&uploadId=web-/);
    expect(calls[0].token).toBe('tok');
    calls[0].onProgress(4);
    expect(store.uploads[0].loaded).toBe(4);
    calls[0].resolve({ file: { id: 'id1' } });
    await flush();
    expect(store.uploads[0].state).toBe('done');
    expect(store.uploads[0].fileId).toBe('id1');
    expect(calls).toHaveLength(4);
  });

  it('cancels, records failures readably, and retries', async () => {
    const store = useFilesStore();
    const { calls, transport } = manualTransport();
    store.enqueue([{ file: file('a'), name: 'a' }, { file: file('b'), name: 'b' }], () => 't', transport);
    store.cancel(store.uploads[0].id);
    await flush();
    expect(calls[0].aborted).toBe(true);
    expect(store.uploads[0].state).toBe('cancelled');
    calls[1].reject(new Error('Your storage or bandwidth limit is reached'));
    await flush();
    expect(store.uploads[1]).toMatchObject({ state: 'failed', error: 'Your storage or bandwidth limit is reached' });
    store.retry(store.uploads[1].id, () => 't', transport);
    expect(store.uploads[1].state).toBe('uploading');
    expect(calls).toHaveLength(3);
    store.retry(store.uploads[1].id, () => 't', transport); // not failed now: ignored
    expect(calls).toHaveLength(3);
  });
});

describe('end-to-end encryption in the files store', () => {
  it('encrypts before sending, marks the upload client-encrypted, and the bytes decrypt back', async () => {
    const store = useFilesStore();
    const keys = useE2eKeyStore();
    await keys.use(new Uint8Array(32).fill(9));
    expect(keys.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    const { calls, transport } = manualTransport();
    const plain = new Blob(['secret words']);
    store.enqueue([{ file: plain, name: 'secret.txt' }], () => 't', transport, keys.key);
    expect(store.uploads[0].state).toBe('encrypting');
    for (let i = 0; i < 50 && !calls.length; i++) await flush();
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toMatch(/encryption=client/);
    const sent = new Uint8Array(await calls[0].file.arrayBuffer());
    expect(new TextDecoder().decode(sent)).not.toContain('secret words');
    expect(await (await decrypt(keys.key, sent)).text()).toBe('secret words');
  });

  it('refuses a key file of the wrong size and a client-encrypted download without a key', async () => {
    const keys = useE2eKeyStore();
    await expect(keys.loadFile(new Blob([new Uint8Array(31)]))).rejects.toThrow(/exactly 32 bytes/);
    expect(keys.loaded).toBe(false);
    const store = useFilesStore();
    await expect(store.download({ id: 'x', name: 'e.bin', encryption: 'client' })).rejects.toThrow(/load your e2e key/);
    expect(store.downloads).toHaveLength(0);
  });
});

describe('files store listing', () => {
  it('lists by folder and search prefix and pages by cursor', async () => {
    const urls = [];
    globalThis.fetch = vi.fn(async (url) => {
      urls.push(url);
      return new Response(JSON.stringify({ files: [{ name: 'docs/a' }], nextCursor: 'c2' }), { status: 200 });
    });
    const store = useFilesStore();
    await store.open('docs/');
    await store.setSearch('re');
    expect(urls.at(-1)).toBe('/api/v1/files?prefix=docs%2Fre&limit=100');
    await store.nextPage();
    expect(urls.at(-1)).toBe('/api/v1/files?prefix=docs%2Fre&limit=100&cursor=c2');
    expect(store.page).toBe(1);
    await store.prevPage();
    expect(urls.at(-1)).toBe('/api/v1/files?prefix=docs%2Fre&limit=100');
  });
  it('keeps the error of a failed listing', async () => {
    globalThis.fetch = vi.fn(async () => new Response(JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'x' } }), { status: 503 }));
    const store = useFilesStore();
    await store.refresh();
    expect(store.error.code).toBe('UNAVAILABLE');
    expect(store.files).toEqual([]);
  });
});

describe('auth store', () => {
  it('keeps the token in sessionStorage only and forgets it on expiry', async () => {
    globalThis.fetch = vi.fn(async (url) =>
      new Response(
        JSON.stringify(url.endsWith('/login')
          ? { token: 'tok', expiresAt: '2999-01-01T00:00:00Z', user: { role: 'admin' } }
          : { user: { username: 'u', role: 'admin' }, usage: {}, limits: {} }),
        { status: 200 },
      ));
    const auth = useAuthStore();
    configureApi({ getToken: () => auth.token });
    await auth.login('u', 'pw');
    expect(auth.loggedIn).toBe(true);
    expect(auth.isAdmin).toBe(true);
    expect(sessionStorage.getItem('datamesh.session')).toContain('tok');
    expect(Object.keys(localStorage)).toEqual([]);
    auth.expire();
    expect(auth.loggedIn).toBe(false);
    expect(auth.expiredNotice).toBe(true);
    expect(sessionStorage.getItem('datamesh.session')).toBeNull();
  });
});

describe('theme, loading and websocket stores', () => {
  it('keeps the theme across visits', () => {
    useThemeStore().set('dark');
    expect(document.documentElement.classList.contains('dark')).toBe(true);
    setActivePinia(createPinia());
    expect(useThemeStore().mode).toBe('dark');
    useThemeStore().set('purple'); // ignored
    expect(useThemeStore().mode).toBe('dark');
  });
  it('counts busy work even when it throws', async () => {
    const loading = useLoadingStore();
    const p = loading.around('saving', async () => { throw new Error('x'); });
    expect(loading.busy).toBe(true);
    await expect(p).rejects.toThrow('x');
    expect(loading.busy).toBe(false);
  });
  it('reconnects after a close with back-off and dispatches events by prefix', () => {
    const sockets = [];
    class FakeSocket {
      constructor(url) { this.url = url; sockets.push(this); }
      close() { this.onclose?.(); }
    }
    const timers = { setTimeout: vi.fn(() => 1), clearTimeout: vi.fn() };
    const ws = useWebsocketStore();
    const seen = [];
    ws.on('file:', (e) => seen.push(e.type));
    ws.connect(() => 'tok', { WebSocketImpl: FakeSocket, timers, location: { protocol: 'http:', host: 'h:1' } });
    expect(sockets[0].url).toBe('ws://h:1/api/v1/ws?token=tok');
    sockets[0].onopen();
    expect(ws.status).toBe('open');
    sockets[0].onmessage({ data: JSON.stringify({ type: 'file:upload:complete', data: {} }) });
    sockets[0].onmessage({ data: JSON.stringify({ type: 'system:peer:connected', data: {} }) });
    sockets[0].onmessage({ data: 'not json' });
    expect(seen).toEqual(['file:upload:complete']);
    expect(ws.events).toHaveLength(2);
    sockets[0].onclose();
    expect(ws.status).toBe('reconnecting');
    expect(timers.setTimeout).toHaveBeenCalledTimes(1);
    timers.setTimeout.mock.calls[0][0]();
    expect(sockets).toHaveLength(2);
    ws.disconnect();
    expect(ws.status).toBe('closed');
  });
});

describe('governance store', () => {
  it('votes, replaces the proposal with the answer, and sends amounts with idempotency keys', async () => {
    const calls = [];
    globalThis.fetch = vi.fn(async (url, init) => {
      calls.push({ url, method: init?.method, body: init?.body ? JSON.parse(init.body) : undefined });
      if (url.includes('/vote')) return new Response(JSON.stringify({ proposal: { id: 'p1', state: 'open', votes: { yes: '5' } } }), { status: 200 });
      if (url.includes('/stake/bond')) return new Response(JSON.stringify({ balance: { staked: '7' } }), { status: 200 });
      if (url.includes('/accounts/me/entries')) return new Response(JSON.stringify({ entries: [{ id: 'e1' }] }), { status: 200 });
      if (url.includes('/accounts/me')) return new Response(JSON.stringify({ balance: { staked: '7' } }), { status: 200 });
      return new Response(JSON.stringify({ proposals: [{ id: 'p1', state: 'open', votes: {} }] }), { status: 200 });
    });
    const gov = useGovernanceStore();
    await gov.setFilter('open');
    expect(calls[0].url).toMatch(/\/governance\/proposals\?state=open&limit=20$/);
    await gov.vote('p1', 'yes');
    expect(calls[1]).toMatchObject({ method: 'PUT', body: { choice: 'yes' } });
    expect(gov.proposals[0].votes.yes).toBe('5');
    await gov.bond('7000000');
    const bond = calls.find((c) => c.url.endsWith('/stake/bond'));
    expect(bond.body.amount).toBe('7000000');
    expect(bond.body.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(gov.balance.staked).toBe('7');
    expect(gov.entries).toEqual([{ id: 'e1' }]);
  });

  it('remembers a 501 so the view says governance is not available', async () => {
    globalThis.fetch = vi.fn(async () => new Response(JSON.stringify({ error: { code: 'NOT_IMPLEMENTED', message: 'no' } }), { status: 501 }));
    const gov = useGovernanceStore();
    await expect(gov.loadProposals()).rejects.toMatchObject({ status: 501 });
    expect(gov.notImplemented).toBe(true);
  });
});
