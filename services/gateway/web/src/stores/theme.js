// Light or dark, kept across visits in localStorage (a preference, nothing sensitive).
import { defineStore } from 'pinia';

const KEY = 'datamesh.theme';

function initial(storage, matchMedia) {
  const saved = storage?.getItem(KEY);
  if (saved === 'light' || saved === 'dark') return saved;
  return matchMedia?.('(prefers-color-scheme: dark)')?.matches ? 'dark' : 'light';
}

export const useThemeStore = defineStore('theme', {
  state: () => ({
    mode: initial(globalThis.localStorage, globalThis.matchMedia?.bind(globalThis)),
  }),
  actions: {
    apply() {
      globalThis.document?.documentElement.classList.toggle('dark', this.mode === 'dark');
    },
    set(mode) {
      if (mode !== 'light' && mode !== 'dark') return;
      this.mode = mode;
      globalThis.localStorage?.setItem(KEY, mode);
      this.apply();
    },
    toggle() {
      this.set(this.mode === 'dark' ? 'light' : 'dark');
    },
  },
});
