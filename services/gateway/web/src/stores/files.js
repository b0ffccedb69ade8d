// The files view's state: the listing (folder, prefix search, cursor pages) and the transfers.
// Uploads run at most MAX_PARALLEL at once; each can be cancelled and retried. Downloads stream
// through fetch so their progress can be shown, then are handed to the browser as a Blob.
// With an e2e key (stores/e2eKey.js), uploads can be encrypted here before they leave the
// browser, and client-encrypted files are decrypted here after download (crypto/e2e.js).
import { defineStore } from 'pinia';
import { markRaw } from 'vue';
import { api } from '@/services/api';
import { xhrTransport } from '@/services/upload';
import { decrypt, encrypt } from '@/crypto/e2e';
import { splitFolder } from '@/utils/format';
import { nextDurability } from '@/utils/durability';

export const MAX_PARALLEL = 3;
export const PAGE_SIZE = 100;
let nextUploadId = 1;

export const useFilesStore = defineStore('files', {
  state: () => ({
    folder: '', // "" or "a/b/"
    search: '', // a prefix within the folder
    files: [],
    cursors: [''], // cursors[i] fetches page i
    page: 0,
    nextCursor: null,
    listing: false,
    error: null,
    uploads: [],
    downloads: [],
  }),
  getters: {
    prefix: (s) => s.folder + s.search,
    entries: (s) => splitFolder(s.files, s.folder),
    activeUploads: (s) => s.uploads.filter((u) => u.state === 'uploading' || u.state === 'encrypting').length,
  },
  actions: {
    async refresh() {
      this.listing = true;
      this.error = null;
      try {
        const res = await api.listFiles({
          prefix: this.prefix || undefined,
          limit: PAGE_SIZE,
          cursor: this.cursors[this.page] || undefined,
        });
        this.files = res?.files || [];
        this.nextCursor = res?.nextCursor || null;
      } catch (e) {
        this.error = e;
        this.files = [];
      } finally {
        this.listing = false;
      }
    },
    open(folder) {
      this.folder = folder;
      this.search = '';
      this.resetPages();
      return this.refresh();
    },
    setSearch(text) {
      this.search = text;
      this.resetPages();
      return this.refresh();
    },
    resetPages() {
      this.cursors = [''];
      this.page = 0;
    },
    nextPage() {
      if (!this.nextCursor) return;
      this.cursors[this.page + 1] = this.nextCursor;
      this.page++;
      return this.refresh();
    },
    prevPage() {
      if (this.page === 0) return;
      this.page--;
      return this.refresh();
    },

    // Queues files; `name` is where each goes (the folder path of a dropped folder included).
    // With `e2eKey` (32 raw bytes), each file is encrypted in the browser before it is sent.
    enqueue(items, getToken, transport = xhrTransport, e2eKey = null) {
      for (const { file, name } of items) {
        this.uploads.push({
          id: `u${nextUploadId++}`,
          file: markRaw(file),
          name,
          size: file.size,
          loaded: 0,
          state: 'queued', // queued | encrypting | uploading | done | failed | cancelled
          error: null,
          abort: null,
          e2eKey: e2eKey ? markRaw(e2eKey) : null,
          attempt: 0, // how many times it was started (each attempt has its own upload id)
          uploadId: null, // this attempt's id, which its progress events carry
          bodySize: file.size, // bytes sent (ciphertext when encrypted here)
          durability: null, // utils/durability.js, from the progress events
        });
      }
      this.pump(getToken, transport);
    },
    pump(getToken, transport = xhrTransport) {
      for (const u of this.uploads) {
        if (this.activeUploads >= MAX_PARALLEL) break;
        if (u.state !== 'queued') continue;
        this.start(u, getToken, transport);
      }
    },
    async start(u, getToken, transport) {
      u.loaded = 0;
      u.error = null;
      u.uploadId = null;
      u.durability = null;
      let body = u.file;
      if (u.e2eKey) {
        u.state = 'encrypting';
        try {
          const sealed = await encrypt(u.e2eKey, u.file, {
            onProgress: (done) => { if (u.state === 'encrypting') u.loaded = done; } });
          body = new File([sealed], u.file.name || 'file', { type: 'application/octet-stream' });
        } catch (e) {
          if (u.state !== 'cancelled') {
            u.state = 'failed';
            u.error = e?.message || String(e);
          }
          this.pump(getToken, transport);
          return;
        }
        if (u.state === 'cancelled') {
          this.pump(getToken, transport);
          return;
        }
        u.loaded = 0;
      }
      u.state = 'uploading';
      u.attempt++; // a retry's events never match the failed attempt's id
      const uploadId = `web-${u.id}-${u.attempt}-${Date.now().toString(36)}`;
      u.uploadId = uploadId;
      u.bodySize = body.size;
      const t = transport({
        url: api.uploadUrl(u.name, uploadId, u.e2eKey ? 'client' : undefined),
        file: body,
        token: getToken(),
        onProgress: (loaded) => {
          // Sent bytes of ciphertext, shown against the plaintext size (they differ by 16 bytes
          // a MiB plus the header).
          u.loaded = Math.min(loaded, u.size);
        },
      });
      u.abort = markRaw(t.abort);
      t.promise
        .then((res) => {
          u.state = 'done';
          u.loaded = u.size;
          u.fileId = res?.file?.id;
          this.refresh();
        })
        .catch((e) => {
          if (u.state === 'cancelled') return;
          u.state = e?.cancelled ? 'cancelled' : 'failed';
          u.error = e?.cancelled ? null : e?.message || String(e);
        })
        .finally(() => {
          u.abort = null;
          this.pump(getToken, transport);
        });
    },
    cancel(id) {
      const u = this.uploads.find((x) => x.id === id);
      if (!u || (u.state !== 'uploading' && u.state !== 'queued' && u.state !== 'encrypting')) return;
      const abort = u.abort;
      u.state = 'cancelled';
      if (abort) abort();
    },
    retry(id, getToken, transport = xhrTransport) {
      const u = this.uploads.find((x) => x.id === id);
      if (!u || (u.state !== 'failed' && u.state !== 'cancelled')) return;
      u.state = 'queued';
      u.loaded = 0;
      this.pump(getToken, transport);
    },
    // One "file:upload:progress" frame's data: the durability of the upload it names. Events of
    // an earlier attempt (another upload id) or of another tab's uploads are ignored; the final
    // one may arrive after the upload's own answer, so a done upload still takes it.
    applyProgress(data) {
      if (!data?.uploadId) return;
      const u = this.uploads.find((x) => x.uploadId === data.uploadId);
      if (!u || u.state === 'failed' || u.state === 'cancelled') return;
      u.durability = nextDurability(u.durability, data, u.bodySize);
    },
    clearFinished() {
      this.uploads = this.uploads.filter((u) => u.state !== 'done');
    },

    // A client-encrypted file is decrypted with `e2eKey` (32 raw bytes) before it is saved;
    // without the key it is refused here rather than saved as ciphertext by surprise.
    async download(file, e2eKey = null) {
      const clientEncrypted = file.encryption === 'client';
      if (clientEncrypted && !e2eKey) {
        throw new Error(`“${file.name}” is end-to-end encrypted: load your e2e key file first.`);
      }
      const d = { id: file.id, name: file.name, loaded: 0, total: Number(file.size) || 0, state: 'running' };
      this.downloads.unshift(d);
      const entry = this.downloads[0];
      try {
        const res = await api.download(file.id);
        const total = Number(res.headers.get('Content-Length')) || entry.total;
        entry.total = total;
        const reader = res.body.getReader();
        const parts = [];
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parts.push(value);
          entry.loaded += value.length;
        }
        const type = file.contentType || 'application/octet-stream';
        let blob = new Blob(parts, { type });
        if (clientEncrypted) {
          entry.state = 'decrypting';
          blob = await decrypt(e2eKey, new Uint8Array(await blob.arrayBuffer()), { type });
        }
        const url = URL.createObjectURL(blob);
        const a = document.createElement('a');
        a.href = url;
        a.download = file.name.split('/').pop();
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60000);
        entry.state = 'done';
      } catch (e) {
        entry.state = 'failed';
        entry.error = e?.message || String(e);
        throw e;
      }
    },
  },
});
