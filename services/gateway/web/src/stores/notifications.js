// Messages for GlobalNotifications: success and info fade after a few seconds, errors stay until
// dismissed so they can be read.
import { defineStore } from 'pinia';

let next = 1;
export const useNotificationsStore = defineStore('notifications', {
  state: () => ({ items: [] }),
  actions: {
    push(type, message, timeoutMs = type === 'error' ? 0 : 5000) {
      const id = next++;
      this.items.push({ id, type, message });
      if (this.items.length > 5) this.items.shift();
      if (timeoutMs > 0) setTimeout(() => this.dismiss(id), timeoutMs);
      return id;
    },
    success(m) {
      return this.push('success', m);
    },
    info(m) {
      return this.push('info', m);
    },
    error(e) {
      return this.push('error', e?.message || String(e));
    },
    dismiss(id) {
      this.items = this.items.filter((n) => n.id !== id);
    },
  },
});
