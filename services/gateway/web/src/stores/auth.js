// The session: token (sessionStorage, see services/auth.js), the user, usage and limits.
import { defineStore } from 'pinia';
import { api } from '@/services/api';
import { loadToken, saveToken, clearToken } from '@/services/auth';

export const useAuthStore = defineStore('auth', {
  state: () => ({
    token: loadToken()?.token || null,
    expiresAt: loadToken()?.expiresAt || null,
    user: null,
    usage: null,
    limits: null,
    expiredNotice: false, // the last session ended by a 401, not by logging out
  }),
  getters: {
    loggedIn: (s) => Boolean(s.token),
    isAdmin: (s) => s.user?.role === 'admin',
  },
  actions: {
    async login(username, password) {
      const res = await api.login(username, password);
      this.token = res.token;
      this.expiresAt = res.expiresAt || null;
      this.user = res.user || null;
      this.expiredNotice = false;
      saveToken(this.token, this.expiresAt);
      await this.loadProfile();
      return res;
    },
    register(username, email, password) {
      return api.register(username, email, password);
    },
    async loadProfile() {
      const res = await api.profile();
      this.user = res.user;
      this.usage = res.usage || {};
      this.limits = res.limits || {};
      return res;
    },
    async logout() {
      try {
        if (this.token) await api.logout();
      } catch {
        // The token may already be dead; forgetting it locally is what matters.
      }
      this.forget();
    },
    // The server answered 401 to a call made with our token.
    expire() {
      this.forget();
      this.expiredNotice = true;
    },
    forget() {
      this.token = null;
      this.expiresAt = null;
      this.user = null;
      this.usage = null;
      this.limits = null;
      clearToken();
    },
  },
});
