// Client-side ("end-to-end") encryption in the browser, in exactly the format of the CLI's
// `datamesh put --e2e` (tools/cli/e2e_format.h): a file encrypted here decrypts with the CLI and
// the other way round, with the same 32-byte key file (the CLI's <config-dir>/e2e.key).
//
//   header (28 bytes): "DME2EF" | version 1 | reserved 0 | chunk_size u32 | nonce_prefix (8) |
//                      key_id (8)
//   chunk i:           AES-256-GCM(plaintext chunk) || 16-byte tag,
//                      nonce = nonce_prefix || u32(i), AAD = header || u64(i) || u8(final)
//
// All integers big-endian. Every chunk but the last holds chunk_size plaintext bytes; the last
// (the "final" one, possibly empty) is sealed as such, so truncation, reordering, splicing and
// appended bytes all fail authentication. WebCrypto has no streaming AES-GCM, so each chunk is
// one call; memory holds one chunk at a time plus the Blob parts the browser may page out.

export const MAGIC = 'DME2EF';
export const VERSION = 1;
export const HEADER_SIZE = 28;
export const KEY_SIZE = 32;
export const TAG_SIZE = 16;
export const DEFAULT_CHUNK_SIZE = 1 << 20;
export const MAX_CHUNK_SIZE = 64 << 20;
const KEY_ID_DOMAIN = 'datamesh e2e key id v1';

// Why a decryption failed, in words a user can act on; `reason` is one of "not_e2e",
// "wrong_key", "damaged".
export class E2eError extends Error {
  constructor(reason, message) {
    super(message);
    this.reason = reason;
  }
}

function subtle() {
  const s = globalThis.crypto?.subtle;
  if (!s) {
    throw new E2eError('unavailable',
      'This browser offers no WebCrypto here (pages served over plain HTTP from another machine do not get it); use HTTPS.');
  }
  return s;
}

function checkKey(raw) {
  if (!(raw instanceof Uint8Array) || raw.length !== KEY_SIZE) {
    throw new E2eError('bad_key', `An e2e key is exactly ${KEY_SIZE} bytes (the CLI's e2e.key file).`);
  }
}

// The 8-byte fingerprint stored in headers: SHA-256("datamesh e2e key id v1" || key)[0..8].
export async function keyId(raw) {
  checkKey(raw);
  const input = new Uint8Array(KEY_ID_DOMAIN.length + KEY_SIZE);
  input.set(new TextEncoder().encode(KEY_ID_DOMAIN), 0);
  input.set(raw, KEY_ID_DOMAIN.length);
  return new Uint8Array(await subtle().digest('SHA-256', input)).slice(0, 8);
}

export function ciphertextSize(plaintextSize, chunkSize = DEFAULT_CHUNK_SIZE) {
  const chunks = plaintextSize === 0 ? 1 : Math.ceil(plaintextSize / chunkSize);
  return HEADER_SIZE + plaintextSize + chunks * TAG_SIZE;
}

export function looksLikeE2e(bytes) {
  if (bytes.length < MAGIC.length) return false;
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) return false;
  return true;
}

function nonce(header, index) {
  const n = new Uint8Array(12);
  n.set(header.subarray(12, 20), 0);
  new DataView(n.buffer).setUint32(8, index);
  return n;
}

function aad(header, index, final) {
  const a = new Uint8Array(HEADER_SIZE + 9);
  a.set(header, 0);
  const view = new DataView(a.buffer);
  view.setUint32(HEADER_SIZE, Math.floor(index / 2 ** 32));
  view.setUint32(HEADER_SIZE + 4, index >>> 0);
  a[HEADER_SIZE + 8] = final ? 1 : 0;
  return a;
}

async function importKey(raw, usage) {
  checkKey(raw);
  return subtle().importKey('raw', raw, { name: 'AES-GCM' }, false, [usage]);
}

// Encrypts `blob` (a File, Blob or Uint8Array) under `raw`. `noncePrefix` is for tests only
// (shared vectors); real files always get 8 fresh random bytes. `onProgress(plainBytesDone)`.
// Returns a Blob of the whole ciphertext.
export async function encrypt(raw, blob, { chunkSize = DEFAULT_CHUNK_SIZE, noncePrefix, onProgress } = {}) {
  if (!(chunkSize >= 1 && chunkSize <= MAX_CHUNK_SIZE)) throw new E2eError('bad_chunk', 'bad chunk size');
  const source = blob instanceof Uint8Array ? new Blob([blob]) : blob;
  const key = await importKey(raw, 'encrypt');
  const header = new Uint8Array(HEADER_SIZE);
  header.set(new TextEncoder().encode(MAGIC), 0);
  header[6] = VERSION;
  header[7] = 0;
  new DataView(header.buffer).setUint32(8, chunkSize);
  header.set(noncePrefix || globalThis.crypto.getRandomValues(new Uint8Array(8)), 12);
  header.set(await keyId(raw), 20);
  const parts = [header];
  const size = source.size;
  const chunks = size === 0 ? 1 : Math.ceil(size / chunkSize);
  for (let i = 0; i < chunks; i++) {
    const plain = new Uint8Array(await source.slice(i * chunkSize, Math.min(size, (i + 1) * chunkSize)).arrayBuffer());
    const final = i === chunks - 1;
    const sealed = await subtle().encrypt(
      { name: 'AES-GCM', iv: nonce(header, i), additionalData: aad(header, i, final), tagLength: 128 }, key, plain);
    parts.push(new Uint8Array(sealed));
    if (onProgress) onProgress(Math.min(size, (i + 1) * chunkSize));
  }
  return new Blob(parts, { type: 'application/octet-stream' });
}

// Decrypts a whole e2e file (Uint8Array) under `raw`; returns the plaintext as a Blob. Throws
// E2eError: not_e2e (no header), wrong_key (the header names another key), damaged (any
// changed, reordered, truncated or appended byte).
export async function decrypt(raw, bytes, { type = 'application/octet-stream' } = {}) {
  if (bytes.length < HEADER_SIZE || !looksLikeE2e(bytes)) {
    throw new E2eError('not_e2e', 'This file is not end-to-end encrypted (no DataMesh e2e header).');
  }
  const header = bytes.subarray(0, HEADER_SIZE);
  if (header[6] !== VERSION) throw new E2eError('damaged', 'Unsupported e2e format version.');
  const chunkSize = new DataView(header.buffer, header.byteOffset, HEADER_SIZE).getUint32(8);
  if (chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) throw new E2eError('damaged', 'The e2e header is damaged.');
  const expectedId = await keyId(raw);
  if (!expectedId.every((b, i) => b === header[20 + i])) {
    throw new E2eError('wrong_key', 'This file was encrypted with a different e2e key.');
  }
  const key = await importKey(raw, 'decrypt');
  const parts = [];
  const sealedChunk = chunkSize + TAG_SIZE;
  let offset = HEADER_SIZE;
  for (let i = 0; ; i++) {
    const left = bytes.length - offset;
    const final = left <= sealedChunk;
    if (left < TAG_SIZE) throw new E2eError('damaged', 'The file is truncated: its final chunk is missing.');
    const piece = bytes.subarray(offset, offset + (final ? left : sealedChunk));
    try {
      parts.push(new Uint8Array(await subtle().decrypt(
        { name: 'AES-GCM', iv: nonce(header, i), additionalData: aad(header, i, final), tagLength: 128 }, key, piece)));
    } catch {
      throw new E2eError('damaged', 'The file is damaged or was changed (authentication failed).');
    }
    offset += piece.length;
    if (final) break;
  }
  return new Blob(parts, { type });
}
