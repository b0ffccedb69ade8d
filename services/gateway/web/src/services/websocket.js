// The live feed (/api/v1/ws): one socket, reconnected with exponential back-off (1 s doubling
// to 30 s, with jitter so many tabs do not reconnect in step) until stopped.
export function backoffDelay(attempt, random = Math.random) {
  const base = Math.min(30000, 1000 * 2 ** Math.max(0, attempt));
  return Math.round(base * (0.75 + 0.5 * random()));
}

export function websocketUrl(location, path, token) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${path}?token=${encodeURIComponent(token)}`;
}

export class LiveFeed {
  constructor({ url, onEvent, onState, WebSocketImpl = globalThis.WebSocket, timers = globalThis }) {
    this.url = url; // a function: the token may change between attempts
    this.onEvent = onEvent;
    this.onState = onState;
    this.WebSocketImpl = WebSocketImpl;
    this.timers = timers;
    this.attempt = 0;
    this.stopped = true;
    this.socket = null;
    this.timer = null;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  connect() {
    if (this.stopped) return;
    this.onState('connecting', { attempt: this.attempt });
    const socket = new this.WebSocketImpl(this.url());
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.onState('open', {});
    };
    socket.onmessage = (m) => {
      try {
        this.onEvent(JSON.parse(m.data));
      } catch {
        // A frame that is not JSON is not one of ours; ignore it.
      }
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) return this.onState('closed', {});
      const delay = backoffDelay(this.attempt++);
      this.onState('reconnecting', { delay, attempt: this.attempt });
      this.timer = this.timers.setTimeout(() => this.connect(), delay);
    };
  }

  stop() {
    this.stopped = true;
    if (this.timer) this.timers.clearTimeout(this.timer);
    this.timer = null;
    const s = this.socket;
    this.socket = null;
    if (s) s.close();
    this.onState('closed', {});
  }
}
