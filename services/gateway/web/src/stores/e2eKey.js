// The end-to-end encryption key of this tab: loaded from the user's key file (the CLI's
// <config-dir>/e2e.key, 32 raw bytes) or created here and saved by the user. Kept in memory only,
// never in storage: a reload forgets it, and nothing at rest in the browser can decrypt files.
import { defineStore } from 'pinia';
import { markRaw } from 'vue';
import { KEY_SIZE, keyId } from '@/crypto/e2e';

const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

export const useE2eKeyStore = defineStore('e2eKey', {
  state: () => ({ key: null, fingerprint: '', encryptUploads: false }),
  getters: {
    loaded: (s) => s.key !== null,
  },
  actions: {
    async use(raw) {
      if (!(raw instanceof Uint8Array) || raw.length !== KEY_SIZE) {
        throw new Error(`That is not an e2e key file: a key file holds exactly ${KEY_SIZE} bytes.`);
      }
      this.fingerprint = toHex(await keyId(raw));
      this.key = markRaw(raw);
    },
    async loadFile(file) {
      if (file.size !== KEY_SIZE) {
        throw new Error(`That is not an e2e key file: a key file holds exactly ${KEY_SIZE} bytes.`);
      }
      await this.use(new Uint8Array(await file.arrayBuffer()));
    },
    // A fresh random key; returns a Blob of it for the user to save (the only copy).
    async create() {
      const raw = globalThis.crypto.getRandomValues(new Uint8Array(KEY_SIZE));
      await this.use(raw);
      return new Blob([raw], { type: 'application/octet-stream' });
    },
    forget() {
      this.key = null;
      this.fingerprint = '';
      this.encryptUploads = false;
    },
  },
});
