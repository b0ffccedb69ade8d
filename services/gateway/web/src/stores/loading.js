// A counter of running blocking operations; LoadingOverlay shows while it is above zero.
import { defineStore } from 'pinia';

export const useLoadingStore = defineStore('loading', {
  state: () => ({ count: 0, message: '' }),
  getters: { busy: (s) => s.count > 0 },
  actions: {
    async around(message, work) {
      this.count++;
      this.message = message;
      try {
        return await work();
      } finally {
        this.count--;
        if (this.count === 0) this.message = '';
      }
    },
  },
});
