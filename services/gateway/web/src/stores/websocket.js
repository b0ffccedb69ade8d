// The live feed's state for ConnectionStatus and the recent events for the dashboard; other
// stores subscribe to event types (the files list refreshes on upload events).
import { defineStore } from 'pinia';
import { markRaw } from 'vue';
import { LiveFeed, websocketUrl } from '@/services/websocket';
import { api } from '@/services/api';

const MAX_EVENTS = 50;

export const useWebsocketStore = defineStore('websocket', {
  state: () => ({ status: 'closed', retryInMs: 0, attempt: 0, events: [] }),
  actions: {
    connect(getToken, deps = {}) {
      if (this._feed) return;
      const feed = new LiveFeed({
        url: () => websocketUrl(deps.location || globalThis.location, api.websocketPath(), getToken()),
        onEvent: (e) => this.receive(e),
        onState: (status, info) => {
          this.status = status;
          this.retryInMs = info.delay || 0;
          this.attempt = info.attempt || 0;
        },
        WebSocketImpl: deps.WebSocketImpl,
        timers: deps.timers,
      });
      this._feed = markRaw(feed); // never a reactive proxy: it compares sockets by identity
      feed.start();
    },
    disconnect() {
      this._feed?.stop();
      this._feed = null;
      this.events = [];
    },
    receive(event) {
      if (!event || typeof event.type !== 'string') return;
      this.events.unshift(event);
      if (this.events.length > MAX_EVENTS) this.events.length = MAX_EVENTS;
      for (const [prefix, fn] of this._listeners || []) {
        if (event.type.startsWith(prefix)) fn(event);
      }
    },
    // Calls fn for each event whose type starts with prefix; returns the unsubscribe function.
    on(prefix, fn) {
      if (!this._listeners) this._listeners = markRaw(new Set());
      const entry = [prefix, fn];
      this._listeners.add(entry);
      return () => this._listeners.delete(entry);
    },
  },
});
