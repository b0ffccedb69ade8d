// Records which fields of the API's answers the UI reads, so the contract test can check each
// against the gateway's OpenAPI document (tests/contract.mjs, checkReads). Off in normal use:
// only when the end-to-end test has exposed `__dmApiRead` to the page is each JSON answer
// wrapped in a Proxy that reports "<endpoint> <field path>" the first time a field is read.
const IGNORED = new Set(['then', 'toJSON', 'constructor', 'valueOf', 'toString', 'length']);

const seen = new Set();
const proxies = new WeakMap();

function report(key) {
  if (seen.has(key)) return;
  seen.add(key);
  globalThis.__dmApiRead(key);
}

function wrap(target, name, path) {
  const cached = proxies.get(target);
  if (cached) return cached;
  const proxy = new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      // Symbols, Vue's own markers and built-in methods are not fields of the answer.
      if (typeof prop !== 'string' || prop.startsWith('__v') || IGNORED.has(prop)) return value;
      if (typeof value === 'function') return value;
      let here;
      if (Array.isArray(obj)) {
        if (!/^\d+$/.test(prop)) return value;
        here = `${path}[]`;
      } else {
        here = path ? `${path}.${prop}` : prop;
        report(`${name} ${here}`);
      }
      return value !== null && typeof value === 'object' ? wrap(value, name, here) : value;
    },
  });
  proxies.set(target, proxy);
  return proxy;
}

export function recordReads(name, value) {
  if (typeof globalThis.__dmApiRead !== 'function') return value;
  if (value === null || typeof value !== 'object') return value;
  return wrap(value, name, '');
}
